"""Bookings over the JSON API: who may book, confirmed or pending, conflicts and rules, series
across DST, visibility, cancelling, approving and rejecting (API.md: /bookings)."""
from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from commons.extensions import db
from spaces.models import Booking
from tests.conftest import HELSINKI, local, next_dst_start, next_monday, next_weekday


def book(api, space, group, day, start, end, **extra):
    body = {"space_id": space, "group_id": group, "title": "Meeting", "start": local(day, start), "end": local(day, end)}
    body.update(extra)
    return api.post("/bookings", body)


@pytest.fixture
def stored(app):
    """stored() -> [(id, status)] of every booking row in the database."""

    def rows():
        with app.app_context():
            out = [(b.id, b.status) for b in db.session.query(Booking).order_by(Booking.id)]
            db.session.remove()
            return out

    return rows


def wall(iso: str) -> tuple[str, str]:
    """'2027-03-14T18:00:00+02:00' -> ('2027-03-14T18:00', '+02:00')."""
    return iso[:16], iso[-6:]


# --- Who books, and with what status ---------------------------------------------------------------


def test_verified_group_books_confirmed(make_user, make_group, make_space):
    group = make_group(verified=True)
    space = make_space()
    rep = make_user("member", groups=[group])
    day = next_weekday(1)
    r = book(rep, space, group, day, "18:00", "20:00", title="Board meeting", attendees=8, public_title=True)
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert body["status"] == "confirmed" and body["series_id"] is None and body["skipped"] == []
    (occ,) = body["occurrences"]
    assert occ["id"] == body["id"]
    assert wall(occ["start"])[0] == f"{day.isoformat()}T18:00" and wall(occ["start"])[1] in ("+02:00", "+03:00")
    assert wall(occ["end"])[0] == f"{day.isoformat()}T20:00"
    got = rep.get(f"/bookings/{body['id']}").get_json()
    assert (got["title"], got["attendees"], got["public_title"], got["status"], got["on_behalf"], got["group_id"]) == (
        "Board meeting", 8, True, "confirmed", False, group)
    assert got["start"] == occ["start"] and got["end"] == occ["end"]


def test_times_with_an_offset_are_taken_as_given(make_user, make_group, make_space):
    group, space = make_group(), make_space()
    rep = make_user("member", groups=[group])
    day = next_weekday(1)
    offset = datetime.combine(day, datetime.min.time(), HELSINKI).utcoffset()
    start_utc = (datetime.combine(day, datetime.strptime("18:00", "%H:%M").time()) - offset).strftime("%Y-%m-%dT%H:%M:00Z")
    end_utc = (datetime.combine(day, datetime.strptime("19:00", "%H:%M").time()) - offset).strftime("%Y-%m-%dT%H:%M:00Z")
    r = rep.post("/bookings", {"space_id": space, "group_id": group, "title": "T", "start": start_utc, "end": end_utc})
    assert r.status_code == 201, r.get_json()
    assert wall(r.get_json()["occurrences"][0]["start"])[0] == f"{day.isoformat()}T18:00"


def test_unverified_group_books_pending(make_user, make_group, make_space, anon):
    group = make_group(verified=False)
    space = make_space()
    rep = make_user("member", groups=[group])
    day = next_weekday(1)
    r = book(rep, space, group, day, "18:00", "20:00")
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["status"] == "pending"
    # A pending request holds the time: nobody else can book over it.
    other = make_group()
    r2 = book(make_user("member", groups=[other]), space, other, day, "19:00", "20:00")
    assert r2.status_code == 409
    assert anon.get(f"/spaces/{space}/availability", **{"from": local(day, "00:00"), "to": local(day, "23:00")}).get_json()["busy"]


def test_requires_approval_space_books_pending(make_user, make_group, make_space):
    group = make_group(verified=True)
    space = make_space(requires_approval=True)
    rep = make_user("member", groups=[group])
    r = book(rep, space, group, next_weekday(1), "18:00", "20:00")
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["status"] == "pending"


@pytest.mark.parametrize("requires_approval", [False, True])
def test_staff_books_on_behalf_of_a_verified_group(make_user, make_group, make_facility, make_space, requires_approval):
    facility = make_facility()
    space = make_space(facility_id=facility, requires_approval=requires_approval)
    group = make_group(verified=True)
    staff = make_user("staff", facilities=[facility])
    r = book(staff, space, group, next_weekday(1), "18:00", "20:00")
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["status"] == "confirmed"
    got = staff.get(f"/bookings/{r.get_json()['id']}").get_json()
    assert got["on_behalf"] is True and got["group_id"] == group
    # The group's representative sees it among the group's bookings.
    rep = make_user("member", groups=[group])
    assert [b["id"] for b in rep.get("/bookings").get_json()] == [r.get_json()["id"]]


def test_who_may_not_book(make_user, make_group, make_facility, make_space, stored, anon):
    facility = make_facility()
    space = make_space(facility_id=facility)
    verified, unverified = make_group(verified=True), make_group(verified=False)
    day = next_weekday(1)
    cases = [
        (make_user("staff", facilities=[facility]), unverified, 403),  # staff: verified groups only
        (make_user("staff", facilities=[make_facility()]), verified, 403),  # staff of another facility
        (make_user("member", groups=[make_group()]), verified, 403),  # member of another group
        (make_user("volunteer"), verified, 403),
        (anon, verified, 401),
    ]
    for who, group, status in cases:
        r = book(who, space, group, day, "18:00", "20:00")
        assert r.status_code == status, r.get_json()
        assert r.get_json()["error"]["code"] in ("forbidden", "unauthorized")
    assert stored() == []


def test_admin_books_on_behalf(make_user, make_group, make_space):
    group = make_group(verified=True)
    r = book(make_user("admin"), make_space(), group, next_weekday(1), "18:00", "20:00")
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["status"] == "confirmed"


# --- Conflicts ---------------------------------------------------------------------------------------


def test_conflict_shows_time_only(make_user, make_group, make_space, stored):
    space = make_space()
    secret = make_group(name="Secret Society of Kallio")
    owner = make_user("member", groups=[secret], name="Pertti Private", email="pertti.private@example.fi")
    day = next_weekday(2)
    first = book(owner, space, secret, day, "18:00", "20:00", title="Top secret planning", public_title=False)
    assert first.status_code == 201
    group = make_group()
    rep = make_user("member", groups=[group])
    r = book(rep, space, group, day, "19:00", "21:00")
    assert r.status_code == 409, r.get_json()
    err = r.get_json()["error"]
    assert err["code"] == "conflict" and err["message"]
    (c,) = err["conflicts"]
    assert wall(c["start"])[0] == f"{day.isoformat()}T18:00" and wall(c["end"])[0] == f"{day.isoformat()}T20:00"
    assert c["reason"]
    text = r.get_data(as_text=True)
    for leaked in ("Secret Society", "Pertti", "Private", "pertti.private", "Top secret"):
        assert leaked not in text, leaked
    assert "group" not in err and all("group" not in k and "title" not in k for k in c)
    assert len(stored()) == 1


def test_buffer_conflicts(make_user, make_group, make_space):
    space = make_space(buffer_minutes=30)
    group = make_group()
    rep = make_user("member", groups=[group])
    day = next_weekday(2)
    assert book(rep, space, group, day, "12:00", "14:00").status_code == 201
    for start, end in (("14:00", "15:00"), ("11:00", "12:00"), ("14:00", "14:30"), ("11:30", "12:00"), ("13:00", "16:00")):
        r = book(rep, space, group, day, start, end)
        assert r.status_code == 409, (start, end, r.get_json())
        assert r.get_json()["error"]["conflicts"][0]["start"][:16] == f"{day.isoformat()}T12:00"
    assert book(rep, space, group, day, "14:30", "15:30").status_code == 201
    assert book(rep, space, group, day, "10:30", "11:30").status_code == 201


def test_closure_conflict(make_user, make_group, make_space, make_facility, stored):
    facility = make_facility()
    space = make_space(facility_id=facility)
    staff = make_user("staff", facilities=[facility])
    day = next_weekday(3)
    r = staff.post(f"/spaces/{space}/closures", {"start": local(day, "16:00"), "end": local(day, "22:00"), "reason": "Concert"})
    assert r.status_code == 201
    group = make_group()
    rep = make_user("member", groups=[group])
    r = book(rep, space, group, day, "18:00", "20:00")
    assert r.status_code == 409, r.get_json()
    err = r.get_json()["error"]
    assert err["code"] == "conflict"
    (c,) = err["conflicts"]
    assert (c["start"][:16], c["end"][:16]) == (f"{day.isoformat()}T16:00", f"{day.isoformat()}T22:00")
    # Staff booking on behalf is also refused: a closure is a closure.
    assert book(staff, space, group, day, "18:00", "20:00").status_code == 409
    assert stored() == []
    assert book(rep, space, group, day, "14:00", "16:00").status_code == 201


# --- Rules -------------------------------------------------------------------------------------------


def _today() -> date:
    return datetime.now(HELSINKI).date()


RULE_CASES = [
    pytest.param({}, lambda: next_weekday(1), "06:00", "07:00", {"outside_opening_hours"}, id="before-opening"),
    pytest.param({}, lambda: next_weekday(1), "21:00", "22:30", {"outside_opening_hours"}, id="past-closing"),
    pytest.param({"hours": {0: [("08:00", "22:00")]}}, lambda: next_weekday(1), "18:00", "19:00",
                 {"outside_opening_hours"}, id="closed-weekday"),
    pytest.param({"min_minutes": 60}, lambda: next_weekday(1), "18:00", "18:30", {"too_short"}, id="too-short"),
    pytest.param({}, lambda: next_weekday(1), "10:00", "14:30", {"too_long"}, id="too-long"),
    pytest.param({}, lambda: next_weekday(1), "18:10", "19:10", {"off_grid"}, id="off-grid"),
    pytest.param({"slot_minutes": 60}, lambda: next_weekday(1), "18:30", "19:30", {"off_grid"}, id="off-hour-grid"),
    pytest.param({"horizon_days": 30}, lambda: _today() + timedelta(days=45), "10:00", "11:00", {"beyond_horizon"},
                 id="beyond-horizon"),
    pytest.param({}, lambda: _today() - timedelta(days=1), "10:00", "11:00", {"in_the_past"}, id="in-the-past"),
]


@pytest.mark.parametrize("space_rules, day, start, end, codes", RULE_CASES)
def test_rule_violations(make_user, make_group, make_space, stored, space_rules, day, start, end, codes):
    space = make_space(**space_rules)
    group = make_group()
    rep = make_user("member", groups=[group])
    d = day()
    r = book(rep, space, group, d, start, end)
    assert r.status_code == 422, r.get_json()
    err = r.get_json()["error"]
    assert err["code"] == "rule" and err["message"]
    assert {v["code"] for v in err["violations"]} == codes
    for v in err["violations"]:
        assert v["reason"] and v["start"][:16] == local(d, start) and v["end"][:16] == local(d, end)
    assert stored() == []


def test_weekly_quota_counts_pending_and_confirmed(make_user, make_group, make_space, stored):
    space = make_space(weekly_quota_minutes=180)
    group = make_group(verified=False)
    rep = make_user("member", groups=[group])
    monday = next_weekday(0)
    tue, wed, thu = (monday + timedelta(days=k) for k in (1, 2, 3))
    pending = book(rep, space, group, tue, "18:00", "19:00")
    assert pending.status_code == 201 and pending.get_json()["status"] == "pending"
    assert make_user("admin").post(f"/groups/{group}/verify").status_code == 200
    confirmed = book(rep, space, group, wed, "18:00", "19:00")
    assert confirmed.status_code == 201 and confirmed.get_json()["status"] == "confirmed"
    over = book(rep, space, group, thu, "18:00", "19:30")  # 60 + 60 + 90 > 180
    assert over.status_code == 422, over.get_json()
    err = over.get_json()["error"]
    assert err["code"] == "rule" and [v["code"] for v in err["violations"]] == ["over_quota"]
    assert len(stored()) == 2
    assert book(rep, space, group, thu, "18:00", "19:00").status_code == 201  # exactly 180
    assert book(rep, space, group, monday + timedelta(days=7), "18:00", "21:00").status_code == 201  # next week
    # Another group has its own quota.
    other = make_group()
    assert book(make_user("member", groups=[other]), space, other, thu, "10:00", "13:00").status_code == 201
    # A cancelled booking no longer counts.
    assert rep.post(f"/bookings/{pending.get_json()['id']}/cancel").status_code == 200
    assert book(rep, space, group, monday + timedelta(days=5), "10:00", "11:00").status_code == 201


def test_more_people_than_the_space_holds_is_a_rule(app, make_user, make_group, make_space, make_facility, stored):
    """Issue 21: 25 people in a room for up to 10 was accepted. Now a rule refusal (422 `rule`), for a
    single booking, a series, a waiting-list entry and staff booking on behalf alike (no override:
    staff have none for the other rules either); a move of a booking over capacity is refused too."""
    facility = make_facility()
    space = make_space(facility_id=facility, capacity=10)
    group = make_group()
    rep = make_user("member", groups=[group])
    day = next_weekday(2)
    r = book(rep, space, group, day, "18:00", "20:00", attendees=25)
    assert r.status_code == 422, r.get_json()
    err = r.get_json()["error"]
    assert err["code"] == "rule" and err["message"]
    (v,) = err["violations"]
    assert (v["code"], v["params"]) == ("over_capacity", {"attendees": 25, "capacity": 10})
    assert v["reason"] == "The space holds up to 10 people; the booking is for 25."
    assert v["start"][:16] == local(day, "18:00")
    r = book(rep, space, group, day, "18:00", "20:00", attendees=25, rrule="FREQ=WEEKLY;COUNT=3", on_conflict="skip")
    assert r.status_code == 422 and [v["code"] for v in r.get_json()["error"]["violations"]] == ["over_capacity"] * 3
    staff = make_user("staff", facilities=[facility])
    r = book(staff, space, group, day, "18:00", "20:00", attendees=11)
    assert r.status_code == 422 and r.get_json()["error"]["violations"][0]["code"] == "over_capacity"
    assert stored() == []
    assert book(rep, space, group, day, "18:00", "20:00", attendees=10).status_code == 201
    waiting = rep.post(f"/spaces/{space}/waitlist", {"group_id": group, "start": local(day, "18:00"), "end": local(day, "20:00"),
                                                     "title": "Big", "attendees": 12})
    assert waiting.status_code == 422 and waiting.get_json()["error"]["violations"][0]["code"] == "over_capacity"

    # A booking made before the rule, over capacity: moving it is checked like a new booking.
    from commons.errors import RuleViolation
    from commons.models import User
    from spaces import services
    def at(hhmm):
        return datetime.fromisoformat(local(day, hhmm)).replace(tzinfo=HELSINKI)

    with app.app_context():
        old = Booking(space_id=space, group_id=group, title="Old", attendees=30, status="confirmed",
                      start_at=at("10:00"), end_at=at("11:00"), blocked_until=at("11:00"))
        db.session.add(old)
        db.session.commit()
        with pytest.raises(RuleViolation) as refused:
            services.move_booking(db.session.get(User, rep.user_id), old.id, at("12:00"), at("13:00"))
        assert refused.value.extra["violations"][0]["code"] == "over_capacity"
        db.session.remove()


# --- Series ------------------------------------------------------------------------------------------


def test_weekly_series_keeps_local_time_across_dst(make_user, make_group, make_space):
    dst = next_dst_start()
    first = dst - timedelta(days=14)  # a Sunday two weeks before the clocks go forward
    horizon = 400
    if first <= _today() + timedelta(days=1):
        first = next_dst_start(dst) - timedelta(days=14)
        horizon = 730
    space = make_space(horizon_days=horizon)
    group = make_group()
    rep = make_user("member", groups=[group])
    r = book(rep, space, group, first, "18:00", "20:00", rrule="FREQ=WEEKLY;COUNT=6")
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert body["status"] == "confirmed" and body["series_id"] and body["skipped"] == []
    starts = [wall(o["start"]) for o in body["occurrences"]]
    ends = [wall(o["end"]) for o in body["occurrences"]]
    days = [(first + timedelta(days=7 * k)).isoformat() for k in range(6)]
    assert starts == [(f"{d}T18:00", "+02:00" if k < 2 else "+03:00") for k, d in enumerate(days)]
    assert ends == [(f"{d}T20:00", "+02:00" if k < 2 else "+03:00") for k, d in enumerate(days)]
    listed = rep.get("/bookings").get_json()
    assert [wall(b["start"]) for b in listed] == starts
    assert {b["series_id"] for b in listed} == {body["series_id"]}


def test_biweekly_series(make_user, make_group, make_space):
    space = make_space()
    group = make_group()
    rep = make_user("member", groups=[group])
    day = next_weekday(1)
    r = book(rep, space, group, day, "18:00", "20:00", rrule="FREQ=WEEKLY;INTERVAL=2;COUNT=3")
    assert r.status_code == 201, r.get_json()
    assert [o["start"][:10] for o in r.get_json()["occurrences"]] == [
        (day + timedelta(days=14 * k)).isoformat() for k in range(3)
    ]
    # The weeks in between stay free.
    assert book(rep, space, group, day + timedelta(days=7), "18:00", "20:00").status_code == 201


def _series_world(make_user, make_group, make_space):
    space = make_space()
    group, other = make_group(), make_group(name="Other Group Name")
    rep = make_user("member", groups=[group])
    other_rep = make_user("member", groups=[other], name="Olli Other")
    day = next_weekday(1)
    taken = [day + timedelta(days=7), day + timedelta(days=21)]
    for d in taken:
        assert book(other_rep, space, other, d, "18:30", "19:30", title="Other title").status_code == 201
    return space, group, rep, day, taken


def test_series_reject_refuses_the_whole_series(make_user, make_group, make_space, stored):
    space, group, rep, day, taken = _series_world(make_user, make_group, make_space)
    before = stored()
    r = book(rep, space, group, day, "18:00", "20:00", rrule="FREQ=WEEKLY;COUNT=6")
    assert r.status_code == 409, r.get_json()
    err = r.get_json()["error"]
    assert err["code"] == "conflict"
    assert [(c["start"][:16], c["end"][:16]) for c in err["conflicts"]] == [
        (local(d, "18:30"), local(d, "19:30")) for d in taken
    ]
    assert all(c["reason"] for c in err["conflicts"])
    text = r.get_data(as_text=True)
    assert "Other Group Name" not in text and "Olli" not in text and "Other title" not in text
    assert stored() == before
    # "reject" is the default; saying it explicitly is the same.
    assert book(rep, space, group, day, "18:00", "20:00", rrule="FREQ=WEEKLY;COUNT=6", on_conflict="reject").status_code == 409
    assert stored() == before


def test_series_with_rule_problems_lists_every_bad_date(make_user, make_group, make_space, stored):
    space = make_space(hours={d: [("08:00", "22:00")] for d in range(7)}, weekly_quota_minutes=120)
    group = make_group()
    rep = make_user("member", groups=[group])
    day = next_weekday(1)
    # Pre-book 60 minutes in weeks 2 and 3: a 2-hour weekly series then breaks the quota there.
    for k in (1, 2):
        assert book(rep, space, group, day + timedelta(days=7 * k + 1), "10:00", "11:00").status_code == 201
    before = stored()
    r = book(rep, space, group, day, "18:00", "20:00", rrule="FREQ=WEEKLY;COUNT=4")
    assert r.status_code == 422, r.get_json()
    err = r.get_json()["error"]
    assert err["code"] == "rule"
    assert [(v["code"], v["start"][:10]) for v in err["violations"]] == [
        ("over_quota", (day + timedelta(days=7 * k)).isoformat()) for k in (1, 2)
    ]
    assert stored() == before


def test_series_skip_books_the_good_dates(make_user, make_group, make_space, stored):
    space, group, rep, day, taken = _series_world(make_user, make_group, make_space)
    # Two things in the way on one date: still one skipped entry for that date, with both reasons.
    other = make_group()
    assert book(make_user("member", groups=[other]), space, other, taken[0], "19:30", "20:00").status_code == 201
    r = book(rep, space, group, day, "18:00", "20:00", rrule="FREQ=WEEKLY;COUNT=6", on_conflict="skip")
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    good = [day + timedelta(days=7 * k) for k in range(6) if day + timedelta(days=7 * k) not in taken]
    assert [o["start"][:16] for o in body["occurrences"]] == [local(d, "18:00") for d in good]
    assert [(s["start"][:16], s["end"][:16]) for s in body["skipped"]] == [(local(d, "18:00"), local(d, "20:00")) for d in taken]
    assert all(s["reason"] and s["code"] == "booked" for s in body["skipped"])
    assert "18:30" in body["skipped"][0]["reason"] and "19:30" in body["skipped"][0]["reason"]
    assert "Other Group Name" not in r.get_data(as_text=True)
    assert len(stored()) == 3 + 4
    assert sorted(b["start"][:16] for b in rep.get("/bookings").get_json()) == [local(d, "18:00") for d in good]


def test_series_skip_with_nothing_bookable_is_refused(make_user, make_group, make_space, stored):
    space = make_space(hours={0: [("08:00", "22:00")]})
    group = make_group()
    rep = make_user("member", groups=[group])
    r = book(rep, space, group, next_weekday(1), "18:00", "20:00", rrule="FREQ=WEEKLY;COUNT=3", on_conflict="skip")
    assert r.status_code == 422, r.get_json()
    assert len(r.get_json()["error"]["violations"]) == 3
    assert stored() == []


@pytest.mark.parametrize("rrule", ["FREQ=WEEKLY;COUNT=500", "FREQ=DAILY;UNTIL=20991231", "FREQ=SOMETIMES;COUNT=3",
                                   "FREQ=WEEKLY", "FREQ=WEEKLY;COUNT=x", "FREQ=WEEKLY;COUNT=3;DTSTART=20270101T100000",
                                   "FREQ=WEEKLY;UNTIL=tomorrow", "COUNT", "FREQ=WEEKLY;COUNT=0"])
def test_bad_or_too_long_series(make_user, make_group, make_space, stored, rrule):
    space, group = make_space(), make_group()
    rep = make_user("member", groups=[group])
    r = book(rep, space, group, next_weekday(1), "18:00", "20:00", rrule=rrule)
    assert r.status_code == 422, r.get_json()
    err = r.get_json()["error"]
    assert err["code"] == "invalid" and "rrule" in err["fields"]
    assert stored() == []


# --- Visibility --------------------------------------------------------------------------------------


@pytest.fixture
def world(make_user, make_group, make_facility, make_space):
    f1, f2 = make_facility(), make_facility()
    s1, s2 = make_space(facility_id=f1), make_space(facility_id=f2)
    ga, gb = make_group(verified=True), make_group(verified=False)
    rep_a, rep_b = make_user("member", groups=[ga]), make_user("member", groups=[gb])
    monday = next_monday()  # Tuesday before Thursday, whatever today is (next_weekday(1) is after next_weekday(3) midweek)
    d1, d2 = monday + timedelta(days=1), monday + timedelta(days=3)
    w = dict(f1=f1, f2=f2, s1=s1, s2=s2, ga=ga, gb=gb, rep_a=rep_a, rep_b=rep_b, d1=d1, d2=d2,
             staff1=make_user("staff", facilities=[f1]), staff2=make_user("staff", facilities=[f2]), admin=make_user("admin"))
    w["a1"] = book(rep_a, s1, ga, d1, "10:00", "12:00").get_json()["id"]
    w["a2"] = book(rep_a, s2, ga, d2, "10:00", "12:00").get_json()["id"]
    w["b1"] = book(rep_b, s1, gb, d1, "14:00", "16:00").get_json()["id"]  # pending: unverified group
    return w


def seen(api, **query):
    r = api.get("/bookings", **query)
    assert r.status_code == 200, r.get_json()
    return sorted(b["id"] for b in r.get_json())


def test_who_sees_which_bookings(world, make_user, anon):
    w = world
    a1, a2, b1 = w["a1"], w["a2"], w["b1"]
    assert seen(w["rep_a"]) == sorted([a1, a2])
    assert seen(w["rep_b"]) == [b1]
    assert seen(w["staff1"]) == sorted([a1, b1])
    assert seen(w["staff2"]) == [a2]
    assert seen(w["admin"]) == sorted([a1, a2, b1])
    assert seen(make_user("member")) == []
    assert seen(make_user("volunteer")) == []
    assert anon.get("/bookings").status_code == 401
    # A filter never widens what one may see.
    assert seen(w["rep_a"], group_id=w["gb"]) == []
    assert seen(w["staff2"], space_id=w["s1"]) == []


def test_booking_list_filters(world):
    w = world
    a1, a2, b1 = w["a1"], w["a2"], w["b1"]
    admin = w["admin"]
    assert seen(admin, space_id=w["s1"]) == sorted([a1, b1])
    assert seen(admin, group_id=w["ga"]) == sorted([a1, a2])
    assert seen(admin, status="pending") == [b1]
    assert seen(admin, status="confirmed") == sorted([a1, a2])
    assert seen(admin, status="cancelled") == []
    assert seen(admin, **{"from": local(w["d2"], "00:00")}) == [a2]
    assert seen(admin, to=local(w["d2"], "00:00")) == sorted([a1, b1])
    assert seen(admin, **{"from": local(w["d1"], "11:00"), "to": local(w["d1"], "15:00")}) == sorted([a1, b1])
    assert seen(admin, **{"from": local(w["d1"], "12:00"), "to": local(w["d1"], "14:00")}) == []
    assert seen(admin, group_id=w["ga"], space_id=w["s2"]) == [a2]
    got = admin.get("/bookings", space_id=w["s1"], status="pending").get_json()
    assert [(b["id"], b["group_id"], b["space_id"], b["status"]) for b in got] == [(b1, w["gb"], w["s1"], "pending")]
    assert admin.get("/bookings", status="lost").status_code == 422
    assert admin.get("/bookings", space_id="one").status_code == 422


def test_one_booking_of_another_group_is_not_found(world):
    w = world
    for who, booking in ((w["rep_b"], w["a1"]), (w["rep_a"], w["b1"]), (w["staff2"], w["a1"])):
        r = who.get(f"/bookings/{booking}")
        assert r.status_code == 404, r.get_json()
        assert r.get_json()["error"]["code"] == "not_found"
    assert w["staff1"].get(f"/bookings/{w['b1']}").status_code == 200
    assert w["admin"].get(f"/bookings/{w['a2']}").status_code == 200
    assert w["rep_a"].get("/bookings/987654").status_code == 404


# --- Cancelling --------------------------------------------------------------------------------------


def test_cancel_one_frees_the_slot(world):
    w = world
    rep_a, rep_b = w["rep_a"], w["rep_b"]
    assert rep_b.post(f"/bookings/{w['a1']}/cancel").status_code == 404  # not theirs
    assert rep_a.get(f"/bookings/{w['a1']}").get_json()["status"] == "confirmed"
    assert book(rep_b, w["s1"], w["gb"], w["d1"], "10:00", "12:00").status_code == 409
    r = rep_a.post(f"/bookings/{w['a1']}/cancel")
    assert r.status_code == 200, r.get_json()
    assert [(b["id"], b["status"]) for b in r.get_json()["bookings"]] == [(w["a1"], "cancelled")]
    assert rep_a.get(f"/bookings/{w['a1']}").get_json()["status"] == "cancelled"
    again = rep_a.post(f"/bookings/{w['a1']}/cancel")
    assert again.status_code == 422
    assert again.get_json()["error"]["code"] == "state"
    r = book(rep_b, w["s1"], w["gb"], w["d1"], "10:00", "12:00")
    assert r.status_code == 201, r.get_json()


def test_staff_cancels_a_booking_of_their_facility(world):
    w = world
    assert w["staff2"].post(f"/bookings/{w['b1']}/cancel").status_code == 404
    r = w["staff1"].post(f"/bookings/{w['b1']}/cancel", {"scope": "one"})
    assert r.status_code == 200, r.get_json()
    assert w["rep_b"].get(f"/bookings/{w['b1']}").get_json()["status"] == "cancelled"


def test_cancel_series_cancels_future_occurrences_only(app, make_user, make_group, make_space):
    space, group = make_space(), make_group()
    rep = make_user("member", groups=[group])
    day = next_weekday(1)
    r = book(rep, space, group, day, "18:00", "20:00", rrule="FREQ=WEEKLY;COUNT=4")
    assert r.status_code == 201, r.get_json()
    ids = [o["id"] for o in r.get_json()["occurrences"]]
    # The first occurrence has happened already.
    with app.app_context():
        past = db.session.get(Booking, ids[0])
        yesterday = datetime.now(HELSINKI).replace(hour=18, minute=0, second=0, microsecond=0) - timedelta(days=1)
        past.start_at, past.end_at, past.blocked_until = yesterday, yesterday + timedelta(hours=2), yesterday + timedelta(hours=2)
        db.session.commit()
    # Cancelling one occurrence leaves the rest of the series.
    r = rep.post(f"/bookings/{ids[3]}/cancel", {"scope": "one"})
    assert [b["id"] for b in r.get_json()["bookings"]] == [ids[3]]
    r = rep.post(f"/bookings/{ids[1]}/cancel", {"scope": "series"})
    assert r.status_code == 200, r.get_json()
    assert [b["id"] for b in r.get_json()["bookings"]] == [ids[1], ids[2]]
    statuses = {b["id"]: b["status"] for b in rep.get("/bookings").get_json()}
    assert statuses == {ids[0]: "confirmed", ids[1]: "cancelled", ids[2]: "cancelled", ids[3]: "cancelled"}
    r = rep.post(f"/bookings/{ids[1]}/cancel", {"scope": "series"})
    assert r.status_code == 422 and r.get_json()["error"]["code"] == "state"
    # A booking that has started cannot be cancelled.
    r = rep.post(f"/bookings/{ids[0]}/cancel")
    assert r.status_code == 422
    assert rep.post(f"/bookings/{ids[1]}/cancel", {"scope": "all"}).status_code == 422


# --- Approving and rejecting -------------------------------------------------------------------------


def test_approve_and_reject_by_staff_of_the_facility(world, make_user, make_group, anon):
    w = world
    b1 = w["b1"]
    for who, status in ((w["rep_b"], 403), (w["rep_a"], 404), (w["staff2"], 404), (anon, 401)):
        for action in ("approve", "reject"):
            r = who.post(f"/bookings/{b1}/{action}")
            assert r.status_code == status, (action, r.get_json())
    assert w["staff1"].get(f"/bookings/{b1}").get_json()["status"] == "pending"

    r = w["staff1"].post(f"/bookings/{b1}/approve", {"message": "Welcome!"})
    assert r.status_code == 200, r.get_json()
    (b,) = r.get_json()["bookings"]
    assert (b["id"], b["status"], b["decision_message"]) == (b1, "confirmed", "Welcome!")
    assert w["rep_b"].get(f"/bookings/{b1}").get_json()["status"] == "confirmed"
    # Approving (or rejecting) a confirmed booking is not a thing.
    for action in ("approve", "reject"):
        r = w["staff1"].post(f"/bookings/{b1}/{action}")
        assert r.status_code == 422, r.get_json()
        assert r.get_json()["error"]["code"] == "state"
    assert w["rep_b"].get(f"/bookings/{b1}").get_json()["status"] == "confirmed"


def test_reject_frees_the_slot(world):
    w = world
    b1 = w["b1"]
    assert book(w["rep_a"], w["s1"], w["ga"], w["d1"], "14:00", "16:00").status_code == 409
    r = w["admin"].post(f"/bookings/{b1}/reject", {"message": "Sorry, the room is needed."})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["bookings"][0]["status"] == "rejected"
    assert w["rep_b"].get(f"/bookings/{b1}").get_json()["decision_message"] == "Sorry, the room is needed."
    r = book(w["rep_a"], w["s1"], w["ga"], w["d1"], "14:00", "16:00")
    assert r.status_code == 201, r.get_json()
    assert w["staff1"].post(f"/bookings/{b1}/approve").status_code == 422


def test_approve_a_whole_series(make_user, make_group, make_facility, make_space):
    facility = make_facility()
    space = make_space(facility_id=facility)
    group = make_group(verified=False)
    rep = make_user("member", groups=[group])
    staff = make_user("staff", facilities=[facility])
    r = book(rep, space, group, next_weekday(1), "18:00", "20:00", rrule="FREQ=WEEKLY;COUNT=3")
    assert r.status_code == 201 and r.get_json()["status"] == "pending"
    ids = [o["id"] for o in r.get_json()["occurrences"]]
    other = book(rep, space, group, next_weekday(1), "10:00", "11:00").get_json()["id"]  # pending, not in the series
    r = staff.post(f"/bookings/{ids[0]}/approve", {"scope": "series"})
    assert r.status_code == 200, r.get_json()
    assert sorted(b["id"] for b in r.get_json()["bookings"]) == ids
    statuses = {b["id"]: b["status"] for b in rep.get("/bookings").get_json()}
    assert statuses == {ids[0]: "confirmed", ids[1]: "confirmed", ids[2]: "confirmed", other: "pending"}
    r = staff.post(f"/bookings/{ids[1]}/approve", {"scope": "series"})
    assert r.status_code == 422


def test_reject_a_whole_series(make_user, make_group, make_facility, make_space):
    facility = make_facility()
    space = make_space(facility_id=facility, requires_approval=True)
    group = make_group()
    rep = make_user("member", groups=[group])
    r = book(rep, space, group, next_weekday(1), "18:00", "20:00", rrule="FREQ=WEEKLY;COUNT=3")
    ids = [o["id"] for o in r.get_json()["occurrences"]]
    r = make_user("staff", facilities=[facility]).post(f"/bookings/{ids[1]}/reject", {"scope": "series"})
    assert r.status_code == 200, r.get_json()
    assert {b["id"]: b["status"] for b in rep.get("/bookings").get_json()} == {i: "rejected" for i in ids}
