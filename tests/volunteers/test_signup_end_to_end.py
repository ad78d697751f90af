from tests.volunteers.conftest import tuesday


def test_signup_flow(world):
    a = world.activity()
    s = world.shift(a, needed=1)
    v1 = world.volunteer("Ville")
    v2 = world.volunteer("Vera")
    r = v1.get("/volunteers/me/matches")
    assert r.status_code == 200, r.get_json()
    assert [m["shift_id"] for m in r.get_json()] == [s]
    assert r.get_json()[0]["reasons"] and r.get_json()[0]["reason_codes"]
    assert v1.post(f"/shifts/{s}/signup").get_json()["status"] == "confirmed"
    r = v2.post(f"/shifts/{s}/signup")
    assert r.get_json()["status"] == "waitlisted", r.get_json()
    assert v1.post(f"/shifts/{s}/withdraw").get_json()["status"] == "withdrawn"
    mine = v2.get("/volunteers/me/shifts").get_json()
    assert mine["upcoming"][0]["status"] == "confirmed"
    c = world.organiser.get(f"/shifts/{s}/candidates")
    assert c.status_code == 200, c.get_json()
    sig = world.organiser.get(f"/shifts/{s}/signups").get_json()
    assert [x["status"] for x in sig] == ["confirmed"]
