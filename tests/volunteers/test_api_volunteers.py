"""The volunteers API: every endpoint, its answers and its 4xx (never a 500)."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.conftest import local
from tests.volunteers.conftest import PROFILE, put, tuesday


# --- Profile --------------------------------------------------------------------------------------


def test_profile_put_get_round_trip(make_user):
    v = make_user("volunteer")
    assert v.get("/volunteers/me").status_code == 404
    body = dict(PROFILE, date_of_birth="1990-05-01", shared_contact="040 123", tags=["Chess", "chess"])
    r = put(v, "/volunteers/me", body)
    assert r.status_code == 200, r.get_json()
    got = v.get("/volunteers/me").get_json()
    assert got["max_hours_per_week"] == 6
    assert got["availability"][0] == {"weekday": 1, "start": "17:00", "end": "21:00"}
    assert got["languages"] == ["fi", "sv"] and got["tags"] == ["chess"]
    assert got["shared_contact"] == "040 123" and got["guardian_consent"] is False


@pytest.mark.parametrize(
    "change, field",
    [
        ({"availability": [{"weekday": 7, "start": "17:00", "end": "21:00"}]}, "availability.0.weekday"),
        ({"availability": [{"weekday": 1, "start": "21:00", "end": "17:00"}]}, "availability.0"),
        ({"availability": [{"weekday": 1, "start": "25:00", "end": "26:00"}]}, "availability.0"),
        ({"languages": ["xx"]}, "languages"),
        ({"languages": ["finnish"]}, "languages"),
        ({"skills": ["juggling"]}, "skills"),
        ({"max_hours_per_week": -1}, "max_hours_per_week"),
        ({"max_hours_per_week": "lots"}, "max_hours_per_week"),
        ({"date_of_birth": "2999-01-01"}, "date_of_birth"),
        ({"date_of_birth": 0.0}, "date_of_birth"),  # not Unix time 1970-01-01 (found by the fuzzer)
        ({"date_of_birth": 631152000}, "date_of_birth"),
        ({"unknown": 1}, "unknown"),
        ({"guardian_consent": True}, "guardian_consent"),  # named, not "body": which field to fix
    ],
)
def test_invalid_profiles_are_422_with_fields(make_user, change, field):
    v = make_user("volunteer")
    r = put(v, "/volunteers/me", dict(PROFILE, **change))
    assert r.status_code == 422, r.get_json()
    fields = r.get_json()["error"]["fields"]
    assert any(k == field or k.startswith(field) for k in fields), fields
    assert "body" not in fields


def test_overlapping_windows_are_refused(make_user):
    v = make_user("volunteer")
    r = put(v, "/volunteers/me", dict(PROFILE, availability=[{"weekday": 1, "start": "17:00", "end": "21:00"},
                                                             {"weekday": 1, "start": "20:00", "end": "22:00"}]))
    assert r.status_code == 422 and "availability" in r.get_json()["error"]["fields"]


def test_profile_needs_sign_in(anon):
    assert anon.get("/volunteers/me").status_code == 401
    assert anon.client.put("/api/v1/volunteers/me", json=PROFILE).status_code == 401
    assert anon.get("/volunteers/me/matches").status_code == 401
    assert anon.get("/volunteers/me/shifts").status_code == 401


# --- Activities and shifts ----------------------------------------------------------------------------


def test_activity_create_get_patch_and_public_list(world, anon, make_user):
    a = world.activity()
    s = world.shift(a, needed=3, skills=["cooking"], languages=["sv"], min_age=16)
    got = anon.get(f"/activities/{a}").get_json()
    assert got["title"] == "Language café" and got["can_organise"] is False
    assert got["shifts"][0]["needed"] == 3 and got["shifts"][0]["confirmed"] == 0
    assert got["shifts"][0]["start"].endswith(("+02:00", "+03:00"))
    assert world.organiser.get(f"/activities/{a}").get_json()["can_organise"] is True
    r = world.organiser.patch(f"/activities/{a}", {"title": "Kielikahvila"})
    assert r.status_code == 200 and r.get_json()["title"] == "Kielikahvila"
    listing = anon.get("/activities").get_json()
    assert [x["id"] for x in listing] == [a]
    assert anon.get(f"/shifts/{s}").get_json()["min_age"] == 16
    other = make_user("member")
    assert other.patch(f"/activities/{a}", {"title": "Mine"}).status_code == 403
    assert anon.get("/activities/999999").status_code == 404
    assert anon.post("/activities", {"group_id": world.group, "title": "x"}).status_code == 401


def test_activity_input_errors(world, make_user, make_group):
    org = world.organiser
    assert org.post("/activities", {"title": "No organiser"}).status_code == 422
    assert org.post("/activities", {"group_id": world.group, "facility_id": world.facility, "title": "Both"}).status_code == 422
    assert org.post("/activities", {"group_id": world.group, "title": ""}).status_code == 422
    assert org.post("/activities", {"group_id": 99999, "title": "Nobody's"}).status_code == 422
    other_group = make_group(name="Other")
    assert org.post("/activities", {"group_id": other_group, "title": "Not mine"}).status_code == 403
    assert org.post("/activities", {"facility_id": world.facility, "title": "Not staff"}).status_code == 403
    staff = make_user("staff", facilities=[world.facility])
    r = staff.post("/activities", {"facility_id": world.facility, "title": "Repair evening"})
    assert r.status_code == 201
    # a facility's activity cannot be linked to a booking: refused on the field, in the caller's words
    r = staff.post("/activities", {"facility_id": world.facility, "title": "Linked", "booking_id": 1})
    assert r.status_code == 422
    assert r.get_json()["error"]["field_codes"]["booking_id"]["code"] == "booking_needs_group"


def test_activity_linked_to_a_booking(world, make_user, make_space, make_group):
    space = make_space(facility_id=world.facility)
    day = tuesday()
    b = world.organiser.post("/bookings", {"space_id": space, "group_id": world.group, "title": "Café",
                                           "start": local(day, "17:00"), "end": local(day, "20:00")})
    assert b.status_code == 201, b.get_json()
    booking = b.get_json()["id"]
    r = world.organiser.post("/activities", {"group_id": world.group, "title": "Café helpers", "booking_id": booking})
    assert r.status_code == 201
    a = r.get_json()["id"]
    got = world.organiser.get(f"/activities/{a}").get_json()
    assert got["booking_id"] == booking and got["district"] == "Kallio" and "Room" in got["place"]
    ok = world.organiser.post(f"/activities/{a}/shifts", {"start": local(day, "17:00"), "end": local(day, "18:30"), "needed": 1})
    assert ok.status_code == 201
    out = world.organiser.post(f"/activities/{a}/shifts", {"start": local(day, "19:00"), "end": local(day, "21:00"), "needed": 1})
    assert out.status_code == 422 and out.get_json()["error"]["reason"] == "outside_booking"
    assert "start" in out.get_json()["error"]["fields"]
    # another group's booking cannot be linked
    g2 = make_group(name="Second")
    rep2 = make_user("member", groups=[g2])
    r = rep2.post("/activities", {"group_id": g2, "title": "Borrowed", "booking_id": booking})
    assert r.status_code == 422 and r.get_json()["error"]["reason"] == "booking_not_group"
    # staff of the booking's facility may organise the group's linked activity
    staff = make_user("staff", facilities=[world.facility])
    assert staff.get(f"/activities/{a}").get_json()["can_organise"] is True
    assert staff.post(f"/activities/{a}/shifts", {"start": local(day, "18:30"), "end": local(day, "20:00"), "needed": 1}).status_code == 201


def test_shift_input_errors(world, make_user):
    a = world.activity()
    org = world.organiser
    day = tuesday()
    cases = [
        ({"start": local(day, "20:00"), "end": local(day, "18:00")}, "end"),
        ({"start": "yesterday", "end": local(day, "18:00")}, "start"),
        ({"start": local(day, "18:00"), "end": local(day + timedelta(days=2), "18:00")}, "end"),
        ({"start": local(day, "18:00"), "end": local(day, "20:00"), "needed": 0}, "needed"),
        ({"start": local(day, "18:00"), "end": local(day, "20:00"), "skills": ["flying"]}, "skills"),
        ({"start": local(day, "18:00"), "end": local(day, "20:00"), "languages": ["zz"]}, "languages"),
        ({"start": local(day, "18:00"), "end": local(day, "20:00"), "min_age": -3}, "min_age"),
        ({"start": local(day - timedelta(days=21), "18:00"), "end": local(day - timedelta(days=21), "20:00")}, "start"),
    ]
    for body, field in cases:
        r = org.post(f"/activities/{a}/shifts", body)
        assert r.status_code == 422, (body, r.get_json())
        assert field in r.get_json()["error"]["fields"], (body, r.get_json())
    stranger = make_user("member")
    r = stranger.post(f"/activities/{a}/shifts", {"start": local(day, "18:00"), "end": local(day, "20:00")})
    assert r.status_code == 403
    assert org.post("/activities/99999/shifts", {"start": local(day, "18:00"), "end": local(day, "20:00")}).status_code == 404


def test_patch_and_cancel_shift(world, make_user):
    a = world.activity()
    s = world.shift(a, needed=1)
    stranger = make_user("member")
    assert stranger.patch(f"/shifts/{s}", {"needed": 2}).status_code == 403
    assert stranger.post(f"/shifts/{s}/cancel").status_code == 403
    r = world.organiser.patch(f"/shifts/{s}", {"needed": 2, "languages": ["sv"]})
    assert r.status_code == 200 and r.get_json()["needed"] == 2 and r.get_json()["languages"] == ["sv"]
    assert world.organiser.patch(f"/shifts/{s}", {"needed": 0}).status_code == 422
    r = world.organiser.post(f"/shifts/{s}/cancel")
    assert r.status_code == 200 and r.get_json()["status"] == "cancelled"
    again = world.organiser.post(f"/shifts/{s}/cancel")
    assert again.status_code == 422 and again.get_json()["error"]["reason"] == "cancelled"
    assert world.organiser.patch(f"/shifts/{s}", {"needed": 3}).status_code == 422
    assert world.organiser.get("/shifts/99999").status_code == 404


# --- Matches, candidates, invitations --------------------------------------------------------------------


def test_matches_best_first_with_reasons(world):
    a = world.activity()
    good = world.shift(a, languages=["sv"], skills=["cooking"])
    other = world.shift(a, day=tuesday(2), languages=["ru"], skills=["driving"])
    v = world.volunteer()
    r = v.get("/volunteers/me/matches")
    assert r.status_code == 200
    ids = [m["shift_id"] for m in r.get_json()]
    assert ids[0] == good
    first = r.get_json()[0]
    assert all(isinstance(t, str) and t for t in first["reasons"])
    assert {c["code"] for c in first["reason_codes"]} and all({"code", "met", "value", "points"} <= set(c) for c in first["reason_codes"])
    assert v.get("/volunteers/me/matches", limit=0).status_code == 422
    assert v.get("/volunteers/me/matches", limit=1).get_json()[0]["shift_id"] == good


def test_no_profile_no_matches(make_user):
    v = make_user("volunteer")
    assert v.get("/volunteers/me/matches").get_json() == []


def test_candidates_for_organisers_only_with_names_never_emails(world, make_user):
    s = world.shift(world.activity(), languages=["sv"])
    v = world.volunteer("Vera Volunteer")
    r = world.organiser.get(f"/shifts/{s}/candidates")
    assert r.status_code == 200
    cands = r.get_json()
    assert cands[0]["volunteer_id"] == v.profile_id and cands[0]["name"] == "Vera Volunteer"
    assert cands[0]["reasons"] and cands[0]["reason_codes"]
    assert any("their district" in t for t in cands[0]["reasons"])  # said to the organiser, about the volunteer
    assert "@" not in r.get_data(as_text=True)
    assert v.get(f"/shifts/{s}/candidates").status_code == 403
    assert world.organiser.get("/shifts/99999/candidates").status_code == 404


def test_invite_then_accept(world, make_user, app):
    s = world.shift(world.activity())
    v = world.volunteer()
    r = world.organiser.post(f"/shifts/{s}/invite", {"volunteer_id": v.profile_id})
    assert r.status_code == 200 and r.get_json()["status"] == "invited"
    assert world.organiser.post(f"/shifts/{s}/invite", {"volunteer_id": v.profile_id}).status_code == 200  # idempotent
    cands = world.organiser.get(f"/shifts/{s}/candidates").get_json()
    assert cands[0]["signup_status"] == "invited"
    assert v.get("/volunteers/me/shifts").get_json()["upcoming"][0]["status"] == "invited"
    assert v.post(f"/shifts/{s}/signup").get_json()["status"] == "confirmed"
    again = world.organiser.post(f"/shifts/{s}/invite", {"volunteer_id": v.profile_id})
    assert again.status_code == 409 and again.get_json()["error"]["reason"] == "already"
    nobody = world.organiser.post(f"/shifts/{s}/invite", {"volunteer_id": 99999})  # the same answer as any non-candidate
    assert nobody.status_code == 422 and nobody.get_json()["error"]["reason"] == "not_eligible"
    assert world.organiser.post(f"/shifts/{s}/invite", {"volunteer_id": "x"}).status_code == 422
    assert v.post(f"/shifts/{s}/invite", {"volunteer_id": v.profile_id}).status_code == 403


# --- Sign-ups, waitlist, attendance --------------------------------------------------------------------


def test_signup_withdraw_and_errors(world, make_user):
    s = world.shift(world.activity(), needed=1)
    v = world.volunteer()
    nobody = make_user("volunteer")
    r = nobody.post(f"/shifts/{s}/signup")
    assert r.status_code == 422 and r.get_json()["error"]["reason"] == "no_profile"
    assert v.post("/shifts/99999/signup").status_code == 404
    assert v.post(f"/shifts/{s}/withdraw").status_code == 422
    first = v.post(f"/shifts/{s}/signup").get_json()
    assert first["status"] == "confirmed" and first["waitlist_position"] is None and isinstance(first["signup_id"], int)
    assert v.post(f"/shifts/{s}/signup").get_json()["status"] == "confirmed"  # twice: the same answer
    assert v.post(f"/shifts/{s}/withdraw").get_json()["status"] == "withdrawn"
    assert v.post(f"/shifts/{s}/withdraw").status_code == 422
    assert v.post(f"/shifts/{s}/signup").get_json()["status"] == "confirmed"  # back again


def test_signups_list_waitlist_order_and_shared_contact(world, make_user):
    s = world.shift(world.activity(), needed=1)
    a = world.volunteer("Anna", shared_contact="040 111")
    b = world.volunteer("Bert", shared_contact="040 222")
    c = world.volunteer("Cilla")
    for v in (a, b, c):
        v.post(f"/shifts/{s}/signup")
    rows = world.organiser.get(f"/shifts/{s}/signups").get_json()
    assert [(r["name"], r["status"], r["waitlist_position"], r["shared_contact"]) for r in rows] == [
        ("Anna", "confirmed", None, "040 111"), ("Bert", "waitlisted", 1, None), ("Cilla", "waitlisted", 2, None)]
    assert "@" not in str(rows)
    assert b.get(f"/shifts/{s}/signups").status_code == 403
    assert b.get("/volunteers/me/shifts").get_json()["upcoming"][0]["waitlist_position"] == 1
    # withdrawing from the waitlist moves the others up
    assert b.post(f"/shifts/{s}/withdraw").get_json()["status"] == "withdrawn"
    assert c.get("/volunteers/me/shifts").get_json()["upcoming"][0]["waitlist_position"] == 1
    # the confirmed one leaves: the first in line is promoted at once
    a.post(f"/shifts/{s}/withdraw")
    assert c.get("/volunteers/me/shifts").get_json()["upcoming"][0]["status"] == "confirmed"


def test_remove_signup_promotes_next(world, make_user):
    s = world.shift(world.activity(), needed=1)
    a, b = world.volunteer("A"), world.volunteer("B")
    sa = a.post(f"/shifts/{s}/signup").get_json()["signup_id"]
    b.post(f"/shifts/{s}/signup")
    assert b.post(f"/signups/{sa}/remove").status_code == 404
    r = world.organiser.post(f"/signups/{sa}/remove")
    assert r.status_code == 200 and r.get_json()["status"] == "removed"
    assert b.get("/volunteers/me/shifts").get_json()["upcoming"][0]["status"] == "confirmed"
    again = a.post(f"/shifts/{s}/signup")
    assert again.status_code == 422 and again.get_json()["error"]["reason"] == "removed"
    assert world.organiser.post(f"/signups/{sa}/remove").status_code == 422
    assert world.organiser.post("/signups/99999/remove").status_code == 404


def test_raising_needed_promotes_from_the_waitlist(world):
    s = world.shift(world.activity(), needed=1)
    a, b, c = world.volunteer("A"), world.volunteer("B"), world.volunteer("C")
    for v in (a, b, c):
        v.post(f"/shifts/{s}/signup")
    r = world.organiser.patch(f"/shifts/{s}", {"needed": 2})
    assert r.get_json()["confirmed"] == 2 and r.get_json()["waitlisted"] == 1
    assert b.get("/volunteers/me/shifts").get_json()["upcoming"][0]["status"] == "confirmed"
    # lowering never removes anyone
    r = world.organiser.patch(f"/shifts/{s}", {"needed": 1})
    assert r.get_json()["confirmed"] == 2


def test_attendance(world, app, make_user):
    from datetime import datetime, timezone

    from commons.extensions import db
    from volunteers.models import Shift, ShiftSignup

    s = world.shift(world.activity())
    v = world.volunteer()
    sid = v.post(f"/shifts/{s}/signup").get_json()["signup_id"]
    r = world.organiser.post(f"/signups/{sid}/attendance", {"attended": True})
    assert r.status_code == 422 and r.get_json()["error"]["reason"] == "not_started"
    with app.app_context():  # the shift took place last week
        shift = db.session.get(Shift, s)
        su = db.session.get(ShiftSignup, sid)
        for row in (shift, su):
            row.start_at -= timedelta(days=14)
            row.end_at -= timedelta(days=14)
        db.session.commit()
    assert v.post(f"/signups/{sid}/attendance", {"attended": True}).status_code == 404
    assert world.organiser.post(f"/signups/{sid}/attendance", {"attended": True, "minutes_worked": -5}).status_code == 422
    assert world.organiser.post(f"/signups/{sid}/attendance", {}).status_code == 422
    r = world.organiser.post(f"/signups/{sid}/attendance", {"attended": True, "minutes_worked": 90})
    assert r.status_code == 200 and r.get_json() == {"id": sid, "attended": True, "minutes_worked": 90}
    mine = v.get("/volunteers/me/shifts").get_json()
    assert mine["past"][0]["minutes"] == 90 and mine["hours"]["total"] == 1.5
    r = world.organiser.post(f"/signups/{sid}/attendance", {"attended": False})
    assert r.get_json()["attended"] is False
    assert v.get("/volunteers/me/shifts").get_json()["hours"]["total"] == 0


# --- Fill plan ------------------------------------------------------------------------------------------


def test_fill_plan_propose_and_apply(world, make_user):
    a = world.activity()
    s1 = world.shift(a, needed=1, languages=["sv"])
    s2 = world.shift(a, day=tuesday(2), needed=1)
    v1, v2 = world.volunteer("One"), world.volunteer("Two")
    r = world.organiser.post("/fill-plan", {"activity_id": a})
    assert r.status_code == 200, r.get_json()
    plan = r.get_json()
    assert len(plan["assignments"]) == 2 and plan["optimal"] is True
    assert {x["shift_id"] for x in plan["assignments"]} == {s1, s2}
    # nothing applied yet
    assert world.organiser.get(f"/shifts/{s1}/signups").get_json() == []
    by_shift = world.organiser.post("/fill-plan", {"shift_ids": [s1]}).get_json()
    assert [x["shift_id"] for x in by_shift["assignments"]] == [s1]
    day = tuesday()
    by_district = world.organiser.post("/fill-plan", {"district": "Kallio", "from": local(day, "00:00"),
                                                      "to": local(day + timedelta(days=14), "00:00")})
    assert by_district.status_code == 200 and by_district.get_json()["assignments"]
    apply = [{"shift_id": x["shift_id"], "volunteer_id": x["volunteer_id"]} for x in plan["assignments"]]
    apply.append({"shift_id": s1, "volunteer_id": 99999})
    r = world.organiser.post("/fill-plan/apply", {"assignments": apply})
    assert r.status_code == 200, r.get_json()
    out = r.get_json()
    assert len(out["applied"]) == 2 and out["refused"] and out["refused"][0]["volunteer_id"] == 99999
    assert out["refused"][0]["reason"] == "full"  # the plan filled the one place first
    # applied twice: refused, nothing doubled
    again = world.organiser.post("/fill-plan/apply", {"assignments": apply[:2]}).get_json()
    assert again["applied"] == [] and len(again["refused"]) == 2
    # they are on it already: said so (not "full", which would send the organiser looking for a place)
    assert {x["reason"] for x in again["refused"]} == {"already"}


def test_fill_plan_errors(world, make_user):
    a = world.activity()
    s = world.shift(a)
    stranger = make_user("member")
    assert world.organiser.post("/fill-plan", {}).status_code == 422
    assert world.organiser.post("/fill-plan", {"district": "Kallio"}).status_code == 422
    assert world.organiser.post("/fill-plan", {"shift_ids": [99999]}).status_code == 422
    assert stranger.post("/fill-plan", {"activity_id": a}).status_code == 403
    assert stranger.post("/fill-plan", {"shift_ids": [s]}).status_code == 403
    r = stranger.post("/fill-plan/apply", {"assignments": [{"shift_id": s, "volunteer_id": 1}]})
    assert r.status_code == 200 and r.get_json()["refused"]
    assert world.organiser.post("/fill-plan/apply", {"assignments": [{"shift_id": "x"}]}).status_code == 422
    assert world.organiser.post("/fill-plan/apply", {}).status_code == 422


def test_openapi_lists_the_volunteer_endpoints(anon):
    paths = anon.get("/openapi.json").get_json()["paths"]
    for p in ("/api/v1/volunteers/me", "/api/v1/volunteers/me/matches", "/api/v1/activities", "/api/v1/activities/{activity_id}/shifts",
              "/api/v1/shifts/{shift_id}/candidates", "/api/v1/shifts/{shift_id}/signup", "/api/v1/shifts/{shift_id}/withdraw",
              "/api/v1/fill-plan", "/api/v1/fill-plan/apply", "/api/v1/signups/{signup_id}/attendance"):
        assert p in paths, p


def test_reasons_are_english_unless_the_caller_asks(world, app):
    """The JSON API speaks English to a script that sends no Accept-Language (pages default to Finnish)."""
    from flask.testing import FlaskClient

    s = world.shift(world.activity(), languages=["sv"])
    world.volunteer("Vera Volunteer")
    plain = FlaskClient(app, use_cookies=False)  # no Accept-Language at all
    headers = world.organiser._headers()
    english = plain.get(f"/api/v1/shifts/{s}/candidates", headers=headers).get_json()[0]["reasons"]
    finnish = plain.get(f"/api/v1/shifts/{s}/candidates", headers={**headers, "Accept-Language": "fi"}).get_json()[0]["reasons"]
    assert any("their district" in t for t in english)
    assert finnish != english and not any("their district" in t for t in finnish)
    assert "<html lang=\"fi\"" in plain.get("/").get_data(as_text=True)  # pages keep their Finnish default


def test_refusals_carry_a_reason_its_params_and_english_words(world, make_user):
    """Each refusal says what is wrong as a code (`reason`) with `params` (words per language in
    volunteers.messages; the API's `message` is the English), and a field's refusal as a code too
    (`field_codes`). Whom a refusal is for decides what it carries: an organiser's never says which
    personal rule kept a volunteer out."""
    a = world.activity()
    s = world.shift(a, needed=2, min_age=16)
    teen = world.volunteer("Teini", date_of_birth=date(tuesday().year - 15, 1, 1).isoformat(), guardian_name="Huoltaja",
                           guardian_contact="040 1", guardian_consent=True)
    err = teen.post(f"/shifts/{s}/signup").get_json()["error"]
    assert (err["code"], err["reason"], err["params"]) == ("rule", "too_young", {"min_age": 16})
    assert err["message"] == "This shift needs volunteers aged 16 or over."
    # An overlap: 409 with each shift in the way as a code too.
    v = world.volunteer()
    held, clash = world.shift(a, start="18:00", end="19:00", needed=2), world.shift(a, start="18:30", end="20:00", needed=2)
    assert v.post(f"/shifts/{held}/signup").get_json()["status"] == "confirmed"
    r = v.post(f"/shifts/{clash}/signup")
    err = r.get_json()["error"]
    assert r.status_code == 409 and (err["code"], err["reason"], err["params"]) == ("conflict", "overlap", {})
    assert [(c["code"], c["params"]) for c in err["conflicts"]] == [("overlap", {})]
    # A field's refusal: the shift's start in the past, the API's `fields` in English, `field_codes` the code.
    r = world.organiser.post(f"/activities/{a}/shifts", {"start": local(date(2020, 1, 7), "18:00"),
                                                          "end": local(date(2020, 1, 7), "19:00")})
    err = r.get_json()["error"]
    assert r.status_code == 422 and err["reason"] == "past"
    assert err["field_codes"] == {"start": {"code": "shift_start_past", "params": {}}}
    assert err["fields"] == {"start": "A shift must start in the future."}
    # A schema's own refusal of an unknown skill: a code with its params.
    r = put(make_user("volunteer"), "/volunteers/me", dict(PROFILE, skills=["juggling"]))
    err = r.get_json()["error"]
    assert err["field_codes"]["skills"]["code"] == "unknown_skill" and err["field_codes"]["skills"]["params"]["skill"] == "juggling"
    # The organiser: not_eligible without params (nothing about the person), the same for a stranger's id.
    answers = [world.organiser.post(f"/shifts/{s}/invite", {"volunteer_id": vid}).get_json() for vid in (10**6, 10**6 + 1)]
    assert answers[0] == answers[1]
    assert (answers[0]["error"]["reason"], answers[0]["error"]["params"]) == ("not_eligible", {})
