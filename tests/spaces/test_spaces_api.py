"""Spaces over the JSON API: who creates and edits them, validation, search filters, availability
and closures (API.md: /spaces, /spaces/{id}/availability, /spaces/{id}/closures)."""
from __future__ import annotations

from datetime import timedelta

import pytest

from tests.conftest import local, next_weekday

WEEKDAYS = [{"weekday": d, "opens": "08:00", "closes": "21:00"} for d in range(5)]


def space_body(facility_id, **extra):
    body = {
        "facility_id": facility_id,
        "name": "Meeting room",
        "capacity": 12,
        "opening_hours": WEEKDAYS,
        "rules": {"buffer_minutes": 15, "min_minutes": 60, "max_minutes": 180, "slot_minutes": 30,
                  "horizon_days": 120, "weekly_quota_minutes": 360, "requires_approval": True},
        "accessibility": ["step_free_access", "induction_loop"],
        "equipment": ["Projector", "whiteboard"],
    }
    body.update(extra)
    return body


# --- Creating and editing --------------------------------------------------------------------------


def test_admin_creates_a_space(make_user, make_facility, anon):
    facility = make_facility(name="Oodi", district="Kluuvi")
    r = make_user("admin").post("/spaces", space_body(facility))
    assert r.status_code == 201, r.get_json()
    s = r.get_json()
    assert s["facility"] == "Oodi" and s["facility_id"] == facility and s["district"] == "Kluuvi"
    assert s["capacity"] == 12 and s["timezone"] == "Europe/Helsinki"
    assert s["opening_hours"] == WEEKDAYS
    assert s["rules"] == {"buffer_minutes": 15, "min_minutes": 60, "max_minutes": 180, "slot_minutes": 30,
                          "horizon_days": 120, "weekly_quota_minutes": 360, "requires_approval": True,
                          "check_in_required": False, "check_in_grace_minutes": 15, "offer_hours": 24}
    assert s["accessibility"] == ["induction_loop", "step_free_access"]
    assert s["equipment"] == ["projector", "whiteboard"]
    assert anon.get(f"/spaces/{s['id']}").get_json() == s


def test_staff_of_the_facility_creates_a_space(make_user, make_facility):
    facility = make_facility()
    r = make_user("staff", facilities=[facility]).post("/spaces", space_body(facility))
    assert r.status_code == 201, r.get_json()


def test_others_cannot_create_spaces(make_user, make_facility, make_group, anon):
    facility, elsewhere = make_facility(), make_facility()
    cases = [
        (make_user("staff", facilities=[elsewhere]), 403),
        (make_user("member", groups=[make_group()]), 403),
        (make_user("volunteer"), 403),
        (anon, 401),
    ]
    for who, status in cases:
        r = who.post("/spaces", space_body(facility))
        assert r.status_code == status, r.get_json()
        assert r.get_json()["error"]["code"] in ("forbidden", "unauthorized")
    assert anon.get("/spaces").get_json() == []


def test_creating_a_space_in_an_unknown_facility_is_404(make_user):
    assert make_user("admin").post("/spaces", space_body(987654)).status_code == 404


@pytest.mark.parametrize(
    "change, field",
    [
        ({"opening_hours": [{"weekday": 0, "opens": "18:00", "closes": "18:00"}]}, "opening_hours.0"),
        ({"opening_hours": [{"weekday": 0, "opens": "21:00", "closes": "08:00"}]}, "opening_hours.0"),
        ({"opening_hours": [{"weekday": 0, "opens": "08:00", "closes": "12:00"},
                            {"weekday": 0, "opens": "11:00", "closes": "15:00"}]}, "opening_hours"),
        ({"opening_hours": [{"weekday": 2, "opens": "08:00", "closes": "20:00"},
                            {"weekday": 2, "opens": "10:00", "closes": "12:00"}]}, "opening_hours"),
        ({"opening_hours": [{"weekday": 7, "opens": "08:00", "closes": "12:00"}]}, "opening_hours.0.weekday"),
        ({"opening_hours": [{"weekday": 1, "opens": "8am", "closes": "12:00"}]}, "opening_hours.0"),
        ({"accessibility": ["wheelchair_teleporter"]}, "accessibility"),
        ({"rules": {"min_minutes": 120, "max_minutes": 60}}, "rules"),
        ({"rules": {"buffer_minutes": -5}}, "rules.buffer_minutes"),
        ({"capacity": 0}, "capacity"),
        ({"name": "   "}, "name"),
    ],
)
def test_space_validation(make_user, make_facility, anon, change, field):
    r = make_user("admin").post("/spaces", space_body(make_facility(), **change))
    assert r.status_code == 422, r.get_json()
    err = r.get_json()["error"]
    assert err["code"] == "invalid"
    assert field in err["fields"], err
    assert anon.get("/spaces").get_json() == []


def test_back_to_back_opening_hours_are_allowed(make_user, make_facility):
    hours = [{"weekday": 0, "opens": "08:00", "closes": "12:00"}, {"weekday": 0, "opens": "12:00", "closes": "24:00"},
             {"weekday": 1, "opens": "08:00", "closes": "12:00"}]
    r = make_user("admin").post("/spaces", space_body(make_facility(), opening_hours=hours))
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["opening_hours"] == hours


def test_patch_edits_rules_and_hours(make_user, make_facility, make_group):
    facility = make_facility()
    staff = make_user("staff", facilities=[facility])
    space = staff.post("/spaces", space_body(facility)).get_json()["id"]
    r = staff.patch(f"/spaces/{space}", {
        "name": "Renamed",
        "rules": {"buffer_minutes": 0, "max_minutes": 120, "weekly_quota_minutes": 0, "requires_approval": False},
        "opening_hours": [{"weekday": 5, "opens": "10:00", "closes": "16:00"}],
        "equipment": ["piano"],
    })
    assert r.status_code == 200, r.get_json()
    s = r.get_json()
    assert s["name"] == "Renamed" and s["capacity"] == 12
    assert s["rules"] == {"buffer_minutes": 0, "min_minutes": 60, "max_minutes": 120, "slot_minutes": 30,
                          "horizon_days": 120, "weekly_quota_minutes": None, "requires_approval": False,
                          "check_in_required": False, "check_in_grace_minutes": 15, "offer_hours": 24}
    assert s["opening_hours"] == [{"weekday": 5, "opens": "10:00", "closes": "16:00"}]
    assert s["equipment"] == ["piano"] and s["accessibility"] == ["induction_loop", "step_free_access"]
    assert staff.get(f"/spaces/{space}").get_json() == s

    # The new rules are the ones bookings are checked against.
    group = make_group()
    rep = make_user("member", groups=[group])
    saturday, monday = next_weekday(5), next_weekday(0)
    ok = rep.post("/bookings", {"space_id": space, "group_id": group, "title": "T",
                               "start": local(saturday, "10:00"), "end": local(saturday, "12:00")})
    assert ok.status_code == 201 and ok.get_json()["status"] == "confirmed", ok.get_json()
    closed = rep.post("/bookings", {"space_id": space, "group_id": group, "title": "T",
                                   "start": local(monday, "10:00"), "end": local(monday, "11:00")})
    assert closed.status_code == 422
    assert {v["code"] for v in closed.get_json()["error"]["violations"]} == {"outside_opening_hours"}
    too_long = rep.post("/bookings", {"space_id": space, "group_id": group, "title": "T",
                                     "start": local(saturday, "13:00"), "end": local(saturday, "16:00")})
    assert too_long.status_code == 422
    assert {v["code"] for v in too_long.get_json()["error"]["violations"]} == {"too_long"}


def test_patch_validation_and_permissions(make_user, make_facility, make_group, anon):
    facility = make_facility()
    staff = make_user("staff", facilities=[facility])
    space = staff.post("/spaces", space_body(facility)).get_json()["id"]
    before = anon.get(f"/spaces/{space}").get_json()
    r = staff.patch(f"/spaces/{space}", {"rules": {"min_minutes": 200}})  # above the stored max of 180
    assert r.status_code == 422 and "rules.max_minutes" in r.get_json()["error"]["fields"]
    r = staff.patch(f"/spaces/{space}", {"opening_hours": [{"weekday": 0, "opens": "08:00", "closes": "12:00"},
                                                          {"weekday": 0, "opens": "09:00", "closes": "10:00"}]})
    assert r.status_code == 422 and "opening_hours" in r.get_json()["error"]["fields"]
    assert make_user("staff", facilities=[make_facility()]).patch(f"/spaces/{space}", {"name": "X"}).status_code == 403
    assert make_user("member", groups=[make_group()]).patch(f"/spaces/{space}", {"name": "X"}).status_code == 403
    assert anon.patch(f"/spaces/{space}", {"name": "X"}).status_code == 401
    assert staff.patch("/spaces/987654", {"name": "X"}).status_code == 404
    assert anon.get(f"/spaces/{space}").get_json() == before


# --- Search ----------------------------------------------------------------------------------------


def ids(response):
    assert response.status_code == 200, response.get_json()
    return sorted(s["id"] for s in response.get_json())


def test_search_filters(make_space, make_facility, anon):
    kallio, kontula = make_facility(district="Kallio"), make_facility(district="Kontula")
    small = make_space(facility_id=kallio, name="Small", capacity=6, accessibility=["step_free_access"], equipment=["piano"])
    big = make_space(facility_id=kallio, name="Big", capacity=80,
                     accessibility=["step_free_access", "induction_loop"], equipment=["projector", "piano"])
    far = make_space(facility_id=kontula, name="Far", capacity=30, accessibility=["induction_loop"])
    assert ids(anon.get("/spaces")) == sorted([small, big, far])
    assert ids(anon.get("/spaces", district="kallio")) == sorted([small, big])
    assert ids(anon.get("/spaces", district="KONTULA")) == [far]
    assert ids(anon.get("/spaces", district="Malmi")) == []
    assert ids(anon.get("/spaces", min_capacity=30)) == sorted([big, far])
    assert ids(anon.get("/spaces", min_capacity=81)) == []
    assert ids(anon.get("/spaces", accessibility="induction_loop")) == sorted([big, far])
    assert ids(anon.get("/spaces", accessibility=["induction_loop", "step_free_access"])) == [big]
    assert ids(anon.get("/spaces", accessibility=["elevator"])) == []
    assert ids(anon.get("/spaces", equipment="piano")) == sorted([small, big])
    assert ids(anon.get("/spaces", equipment=["Piano", "projector"])) == [big]
    assert ids(anon.get("/spaces", district="Kallio", min_capacity=10, equipment="piano")) == [big]
    assert ids(anon.get("/spaces", facility_id=kontula)) == [far]
    listed = {s["id"]: s for s in anon.get("/spaces").get_json()}
    assert listed[far]["district"] == "Kontula" and listed[far]["capacity"] == 30


def test_search_free_window(make_space, make_user, make_group, make_facility, anon):
    group = make_group()
    rep = make_user("member", groups=[group])
    staff_facility = make_facility()
    staff = make_user("staff", facilities=[staff_facility])
    booked = make_space(buffer_minutes=30, name="Booked")
    empty = make_space(name="Empty")
    closed = make_space(facility_id=staff_facility, name="Closed")
    day = next_weekday(2)
    r = rep.post("/bookings", {"space_id": booked, "group_id": group, "title": "T",
                              "start": local(day, "18:00"), "end": local(day, "20:00")})
    assert r.status_code == 201, r.get_json()
    booking = r.get_json()["id"]
    r = staff.post(f"/spaces/{closed}/closures", {"start": local(day, "00:00"), "end": local(day + timedelta(days=1), "00:00"),
                                                  "reason": "Painting"})
    assert r.status_code == 201, r.get_json()

    def free(start, end, d=day):
        return ids(anon.get("/spaces", free_from=local(d, start), free_to=local(d, end)))

    assert free("19:00", "20:00") == [empty]  # overlaps the booking
    assert free("17:00", "18:00") == [empty]  # inside the buffer before it
    assert free("20:00", "21:00") == [empty]  # inside the buffer after it
    assert free("20:30", "21:30") == sorted([booked, empty])  # after booking + buffer
    assert free("08:00", "17:30") == sorted([booked, empty])
    assert free("21:00", "22:30") == []  # past closing time (22:00)
    assert free("06:00", "07:00") == []  # before opening
    # the day after the closure, every space is free again
    assert ids(anon.get("/spaces", free_from=local(day + timedelta(days=1), "19:00"),
                        free_to=local(day + timedelta(days=1), "20:00"))) == sorted([booked, empty, closed])
    # a cancelled booking frees the space
    assert rep.post(f"/bookings/{booking}/cancel").status_code == 200
    assert free("19:00", "20:00") == sorted([booked, empty])


def test_search_free_window_validation(make_space, anon):
    make_space()
    day = next_weekday(2)
    r = anon.get("/spaces", free_from=local(day, "18:00"))
    assert r.status_code == 422
    r = anon.get("/spaces", free_from=local(day, "18:00"), free_to=local(day, "17:00"))
    assert r.status_code == 422 and "free_to" in r.get_json()["error"]["fields"]
    r = anon.get("/spaces", free_from=local(day, "18:00"), free_to=local(day + timedelta(days=90), "17:00"))
    assert r.status_code == 422
    r = anon.get("/spaces", free_from="tomorrow", free_to="later")
    assert r.status_code == 422 and "free_from" in r.get_json()["error"]["fields"]
    r = anon.get("/spaces", min_capacity="lots")
    assert r.status_code == 422 and "min_capacity" in r.get_json()["error"]["fields"]
    r = anon.get("/spaces", colour="red")
    assert r.status_code == 422 and "colour" in r.get_json()["error"]["fields"]


# --- Availability ----------------------------------------------------------------------------------


def test_availability_busy_and_free(make_space, make_facility, make_user, make_group, anon):
    facility = make_facility()
    space = make_space(facility_id=facility, buffer_minutes=30)
    group = make_group(name="Secret Sewing Society")
    rep = make_user("member", groups=[group], name="Pirkko Private", email="pirkko@example.fi")
    staff = make_user("staff", facilities=[facility])
    day = next_weekday(3)
    r = rep.post("/bookings", {"space_id": space, "group_id": group, "title": "Confidential fitting",
                              "start": local(day, "12:00"), "end": local(day, "14:00")})
    assert r.status_code == 201, r.get_json()
    r = staff.post(f"/spaces/{space}/closures", {"start": local(day, "18:00"), "end": local(day, "19:00"), "reason": "Cleaning"})
    assert r.status_code == 201, r.get_json()

    r = anon.get(f"/spaces/{space}/availability", **{"from": local(day, "00:00"), "to": local(day + timedelta(days=1), "00:00")})
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    text = r.get_data(as_text=True)
    for secret in ("Secret Sewing Society", "Pirkko", "pirkko@example.fi", "Confidential"):
        assert secret not in text
    offset = body["busy"][0]["start"][-6:]
    assert offset in ("+02:00", "+03:00")

    def at(hhmm, d=day):
        return f"{d.isoformat()}T{hhmm}:00{offset}"

    assert body["busy"] == [{"start": at("12:00"), "end": at("14:00")}, {"start": at("18:00"), "end": at("19:00")}]
    assert all(set(b) == {"start", "end"} for b in body["busy"])
    assert body["free"] == [
        {"start": at("08:00"), "end": at("11:30")},
        {"start": at("14:30"), "end": at("18:00")},
        {"start": at("19:00"), "end": at("22:00")},
    ]


def test_availability_window_is_validated(make_space, anon):
    space = make_space()
    day = next_weekday(3)
    assert anon.get("/spaces/987654/availability").status_code == 404
    r = anon.get(f"/spaces/{space}/availability", **{"from": local(day, "12:00"), "to": local(day, "11:00")})
    assert r.status_code == 422 and "to" in r.get_json()["error"]["fields"]
    r = anon.get(f"/spaces/{space}/availability", **{"from": local(day, "12:00"), "to": local(day + timedelta(days=100), "11:00")})
    assert r.status_code == 422
    r = anon.get(f"/spaces/{space}/availability", **{"from": "soon"})
    assert r.status_code == 422 and "from" in r.get_json()["error"]["fields"]
    r = anon.get(f"/spaces/{space}/availability")  # default: the next 7 days
    assert r.status_code == 200 and r.get_json()["busy"] == [] and len(r.get_json()["free"]) >= 7


# --- Closures --------------------------------------------------------------------------------------


def test_closures_by_staff(make_space, make_facility, make_user, make_group, anon):
    facility = make_facility()
    space = make_space(facility_id=facility)
    staff = make_user("staff", facilities=[facility])
    group = make_group()
    rep = make_user("member", groups=[group])
    day = next_weekday(4)
    booking = rep.post("/bookings", {"space_id": space, "group_id": group, "title": "T",
                                    "start": local(day, "10:00"), "end": local(day, "11:00")}).get_json()["id"]
    closure = {"start": local(day, "08:00"), "end": local(day, "14:00"), "reason": "Pipe repair"}

    for who, status in ((rep, 403), (make_user("staff", facilities=[make_facility()]), 403), (anon, 401)):
        assert who.post(f"/spaces/{space}/closures", closure).status_code == status
    assert anon.get(f"/spaces/{space}/closures").get_json() == []

    r = staff.post(f"/spaces/{space}/closures", closure)
    assert r.status_code == 201, r.get_json()
    created = r.get_json()
    assert created["reason"] == "Pipe repair" and created["affected_bookings"] == [booking]
    listed = anon.get(f"/spaces/{space}/closures").get_json()
    assert [(c["id"], c["reason"], c["start"], c["end"]) for c in listed] == [
        (created["id"], "Pipe repair", created["start"], created["end"])
    ]
    assert listed[0]["start"].startswith(f"{day.isoformat()}T08:00:00+0")

    # Others cannot remove it; staff can, and then the time can be booked again.
    assert rep.delete(f"/spaces/{space}/closures/{created['id']}").status_code == 403
    assert anon.delete(f"/spaces/{space}/closures/{created['id']}").status_code == 401
    assert staff.delete(f"/spaces/{space}/closures/987654").status_code == 404
    r = staff.delete(f"/spaces/{space}/closures/{created['id']}")
    assert r.status_code == 200, r.get_json()
    assert anon.get(f"/spaces/{space}/closures").get_json() == []
    r = rep.post("/bookings", {"space_id": space, "group_id": group, "title": "T",
                              "start": local(day, "12:00"), "end": local(day, "13:00")})
    assert r.status_code == 201, r.get_json()


def test_closure_validation(make_space, make_facility, make_user):
    facility = make_facility()
    space = make_space(facility_id=facility)
    staff = make_user("staff", facilities=[facility])
    day = next_weekday(4)
    r = staff.post(f"/spaces/{space}/closures", {"start": local(day, "14:00"), "end": local(day, "08:00"), "reason": "x"})
    assert r.status_code == 422 and "end" in r.get_json()["error"]["fields"]
    r = staff.post(f"/spaces/{space}/closures", {"start": local(day, "08:00"), "end": local(day, "14:00")})
    assert r.status_code == 422 and "reason" in r.get_json()["error"]["fields"]
    assert staff.post("/spaces/987654/closures", {"start": local(day, "08:00"), "end": local(day, "14:00"),
                                                   "reason": "x"}).status_code == 404
    assert staff.get(f"/spaces/{space}/closures").get_json() == []
