"""Groups, representatives and facilities over the JSON API (API.md: /groups, /facilities)."""
from __future__ import annotations

import pytest

from tests.conftest import local, next_weekday

GROUP = {"name": "Kallio Chess Club", "kind": "association", "district": "Kallio", "description": "Chess on Tuesdays."}


def test_signed_in_user_registers_a_group_and_becomes_its_representative(make_user, anon):
    user = make_user("member")
    r = user.post("/groups", GROUP)
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert body == {"id": body["id"], "verified": False}
    me = user.get("/me").get_json()
    assert me["groups"] == [{"id": body["id"], "name": "Kallio Chess Club"}]
    listed = anon.get("/groups").get_json()
    assert [(g["id"], g["name"], g["verified"]) for g in listed] == [(body["id"], "Kallio Chess Club", False)]


def test_new_group_is_unverified_so_its_bookings_wait_for_approval(make_user, make_space):
    user = make_user("member")
    group = user.post("/groups", GROUP).get_json()["id"]
    day = next_weekday(1)
    r = user.post("/bookings", {"space_id": make_space(), "group_id": group, "title": "Chess",
                                "start": local(day, "18:00"), "end": local(day, "20:00")})
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["status"] == "pending"


def test_anonymous_cannot_register_a_group(anon):
    r = anon.post("/groups", GROUP)
    assert r.status_code == 401
    assert r.get_json()["error"]["code"] == "unauthorized"
    assert anon.get("/groups").get_json() == []


@pytest.mark.parametrize("name", ["Kallio Chess Club", "kallio chess club", "  KALLIO CHESS CLUB "])
def test_duplicate_group_name_is_refused(make_user, name):
    user = make_user("member")
    assert user.post("/groups", GROUP).status_code == 201
    r = make_user("member").post("/groups", {**GROUP, "name": name})
    assert r.status_code == 422, r.get_json()
    err = r.get_json()["error"]
    assert err["code"] == "name_taken"
    assert "name" in err["fields"]
    assert len(user.get("/groups").get_json()) == 1


def test_group_body_is_validated(make_user):
    r = make_user("member").post("/groups", {**GROUP, "kind": "company", "colour": "red"})
    assert r.status_code == 422
    fields = r.get_json()["error"]["fields"]
    assert "kind" in fields and "colour" in fields


def test_only_admin_verifies_groups(make_user, make_facility, anon):
    rep = make_user("member")
    group = rep.post("/groups", GROUP).get_json()["id"]
    staff = make_user("staff", facilities=[make_facility()])
    for who in (rep, staff, make_user("volunteer")):
        r = who.post(f"/groups/{group}/verify")
        assert r.status_code == 403, r.get_json()
        assert r.get_json()["error"]["code"] == "forbidden"
    assert anon.post(f"/groups/{group}/verify").status_code == 401
    assert anon.get(f"/groups/{group}").get_json()["verified"] is False

    admin = make_user("admin")
    r = admin.post(f"/groups/{group}/verify")
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["verified"] is True
    assert anon.get(f"/groups/{group}").get_json()["verified"] is True
    assert admin.post("/groups/999999/verify").status_code == 404


def test_representative_adds_an_existing_user_as_representative(make_user):
    rep = make_user("member")
    group = rep.post("/groups", GROUP).get_json()["id"]
    other = make_user("member", email="second.rep@example.fi")
    r = rep.post(f"/groups/{group}/members", {"email": "  second.rep@EXAMPLE.fi "})
    assert r.status_code == 201, r.get_json()
    assert r.get_json() == {"group_id": group, "user_id": other.user_id, "email": "second.rep@example.fi"}
    assert [g["id"] for g in other.get("/me").get_json()["groups"]] == [group]
    # The new representative can add others in turn; adding twice is harmless.
    third = make_user("member")
    assert other.post(f"/groups/{group}/members", {"email": third.email}).status_code == 201
    assert other.post(f"/groups/{group}/members", {"email": third.email}).status_code == 201
    assert [g["id"] for g in third.get("/me").get_json()["groups"]] == [group]


def test_non_representative_cannot_add_members(make_user, make_facility, anon):
    rep = make_user("member")
    group = rep.post("/groups", GROUP).get_json()["id"]
    outsider = make_user("member")
    staff = make_user("staff", facilities=[make_facility()])
    for who in (outsider, staff):
        r = who.post(f"/groups/{group}/members", {"email": who.email})
        assert r.status_code == 403, r.get_json()
        assert who.get("/me").get_json()["groups"] == []
    assert anon.post(f"/groups/{group}/members", {"email": outsider.email}).status_code == 401


def test_adding_an_unknown_email_is_invalid(make_user):
    rep = make_user("member")
    group = rep.post("/groups", GROUP).get_json()["id"]
    r = rep.post(f"/groups/{group}/members", {"email": "nobody@example.fi"})
    assert r.status_code == 422
    assert "email" in r.get_json()["error"]["fields"]
    r = rep.post(f"/groups/{group}/members", {"email": "not an address"})
    assert r.status_code == 422
    assert "email" in r.get_json()["error"]["fields"]
    assert rep.post("/groups/999999/members", {"email": rep.email}).status_code == 404


FACILITY = {"name": "Kallio Library", "district": "Kallio", "address": "Viides linja 11, Helsinki"}


def test_admin_creates_facilities(make_user, anon):
    admin = make_user("admin")
    r = admin.post("/facilities", FACILITY)
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert body["id"] and body["name"] == "Kallio Library" and body["district"] == "Kallio"
    assert [f["id"] for f in anon.get("/facilities").get_json()] == [body["id"]]
    r = admin.post("/facilities", {**FACILITY, "name": "kallio library"})
    assert r.status_code == 422 and "name" in r.get_json()["error"]["fields"]


def test_only_admin_creates_facilities(make_user, make_facility, anon):
    staff = make_user("staff", facilities=[make_facility(name="Existing")])
    for who in (staff, make_user("member")):
        r = who.post("/facilities", FACILITY)
        assert r.status_code == 403, r.get_json()
    r = anon.post("/facilities", FACILITY)
    assert r.status_code == 401
    assert [f["name"] for f in anon.get("/facilities").get_json()] == ["Existing"]


def test_admin_adds_staff_to_a_facility(make_user, make_facility):
    admin = make_user("admin")
    facility = admin.post("/facilities", FACILITY).get_json()["id"]
    person = make_user("member")
    r = admin.post(f"/facilities/{facility}/staff", {"email": person.email})
    assert r.status_code == 201, r.get_json()
    me = person.get("/me").get_json()
    assert me["role"] == "staff"
    assert me["facilities"] == [{"id": facility, "name": "Kallio Library"}]
    # Now they act as staff there: they may create a space in that facility.
    r = person.post("/spaces", {"facility_id": facility, "name": "Room", "capacity": 10})
    assert r.status_code == 201, r.get_json()
    assert admin.post(f"/facilities/{facility}/staff", {"email": "nobody@example.fi"}).status_code == 422
    assert admin.post("/facilities/999999/staff", {"email": person.email}).status_code == 404


def test_only_admin_adds_staff(make_user, make_facility, anon):
    facility = make_facility()
    staff = make_user("staff", facilities=[facility])
    person = make_user("member")
    for who in (staff, person):
        assert who.post(f"/facilities/{facility}/staff", {"email": person.email}).status_code == 403
    assert anon.post(f"/facilities/{facility}/staff", {"email": person.email}).status_code == 401
    assert person.get("/me").get_json()["facilities"] == []
    assert person.get("/me").get_json()["role"] == "member"


def test_me_requires_credentials(anon, make_user, make_group, make_facility):
    assert anon.get("/me").status_code == 401
    g, f = make_group(name="Group A"), make_facility(name="Facility A")
    me = make_user("staff", groups=[g], facilities=[f], email="s@example.fi", name="Sanna").get("/me").get_json()
    assert me["email"] == "s@example.fi" and me["name"] == "Sanna" and me["role"] == "staff"
    assert me["groups"] == [{"id": g, "name": "Group A"}]
    assert me["facilities"] == [{"id": f, "name": "Facility A"}]
