from tests.conftest import local, next_weekday


def test_book_a_space_end_to_end(make_user, make_group, make_space, anon):
    group = make_group()
    space = make_space()
    rep = make_user(groups=[group])
    day = next_weekday(1)
    r = rep.post("/bookings", {"space_id": space, "group_id": group, "title": "Board meeting",
                              "start": local(day, "18:00"), "end": local(day, "20:00")})
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert body["status"] == "confirmed"
    assert body["occurrences"][0]["start"].startswith(day.isoformat() + "T18:00:00+0")
    r2 = rep.post("/bookings", {"space_id": space, "group_id": group, "title": "Other",
                               "start": local(day, "19:00"), "end": local(day, "21:00")})
    assert r2.status_code == 409, r2.get_json()
    err = r2.get_json()["error"]
    assert err["code"] == "conflict"
    assert err["conflicts"][0]["start"].startswith(day.isoformat() + "T18:00")
    avail = anon.get(f"/spaces/{space}/availability", **{"from": local(day, "00:00"), "to": local(day, "23:59")})
    assert avail.status_code == 200
    assert avail.get_json()["busy"][0]["start"].startswith(day.isoformat() + "T18:00")
