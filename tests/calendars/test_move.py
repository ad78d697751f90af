"""PATCH /api/v1/bookings/{id}: moving one booking (one date of a series) by the booking rules."""
from __future__ import annotations

from datetime import datetime, timedelta

from tests.calendars.conftest import book
from tests.conftest import HELSINKI, local, next_weekday


def test_move_checks_rules_and_conflicts_like_a_new_booking(world, make_user, make_group):
    space, group, rep, staff, _ = world
    day = next_weekday(1)
    a = book(rep, space, group, local(day, "10:00"), local(day, "11:00"))
    b = book(rep, space, group, local(day, "12:00"), local(day, "13:00"))
    r = rep.patch(f"/bookings/{a['id']}", {"start": local(day, "12:30"), "end": local(day, "13:30")})
    assert r.status_code == 409 and r.get_json()["error"]["conflicts"]
    r = rep.patch(f"/bookings/{a['id']}", {"start": local(day, "06:00"), "end": local(day, "07:00")})
    assert r.status_code == 422 and r.get_json()["error"]["code"] == "rule"
    r = rep.patch(f"/bookings/{a['id']}", {"start": local(day, "11:00"), "end": local(day, "10:00")})
    assert r.status_code == 422
    # overlapping its own old time is fine (it does not conflict with itself)
    r = rep.patch(f"/bookings/{a['id']}", {"start": local(day, "10:30"), "end": local(day, "11:30")})
    assert r.status_code == 200, r.get_json()
    out = r.get_json()
    assert datetime.fromisoformat(out["start"]) == datetime.combine(day, datetime.min.time().replace(hour=10, minute=30), tzinfo=HELSINKI)
    # the API tells where it was first (its RECURRENCE-ID in feeds); a booking never moved has none
    assert datetime.fromisoformat(rep.get(f"/bookings/{a['id']}").get_json()["original_start"]) == datetime.fromisoformat(local(day, "10:00")).replace(tzinfo=HELSINKI)
    assert rep.get(f"/bookings/{b['id']}").get_json()["original_start"] is None
    stranger = make_user(groups=[make_group()])
    assert stranger.patch(f"/bookings/{a['id']}", {"start": local(day, "15:00"), "end": local(day, "16:00")}).status_code == 404
    assert staff.patch(f"/bookings/{a['id']}", {"start": local(day, "15:00"), "end": local(day, "16:00")}).status_code == 200


def test_move_respects_the_weekly_quota_without_counting_itself(make_user, make_group, make_space):
    space = make_space(weekly_quota_minutes=120)
    group = make_group()
    rep = make_user(groups=[group])
    day = next_weekday(2)
    b = book(rep, space, group, local(day, "10:00"), local(day, "12:00"))
    assert rep.patch(f"/bookings/{b['id']}", {"start": local(day, "14:00"), "end": local(day, "16:00")}).status_code == 200
    r = rep.patch(f"/bookings/{b['id']}", {"start": local(day, "14:00"), "end": local(day, "16:30")})
    assert r.status_code == 422 and "quota" in r.get_json()["error"]["message"]


def test_cancelled_or_past_bookings_cannot_be_moved(world):
    space, group, rep, staff, _ = world
    day = next_weekday(3)
    b = book(rep, space, group, local(day, "10:00"), local(day, "11:00"))
    assert rep.post(f"/bookings/{b['id']}/cancel").status_code == 200
    r = rep.patch(f"/bookings/{b['id']}", {"start": local(day, "12:00"), "end": local(day, "13:00")})
    assert r.status_code == 422 and r.get_json()["error"]["code"] == "state"


def test_a_representatives_move_in_an_approval_space_needs_approval_again(make_user, make_group, make_space, make_facility):
    facility = make_facility()
    space = make_space(facility_id=facility, requires_approval=True)
    group = make_group()
    rep = make_user(groups=[group])
    staff = make_user(role="staff", facilities=[facility])
    day = next_weekday(4)
    b = book(rep, space, group, local(day, "10:00"), local(day, "11:00"))
    assert staff.post(f"/bookings/{b['id']}/approve").get_json()["bookings"][0]["status"] == "confirmed"
    moved = rep.patch(f"/bookings/{b['id']}", {"start": local(day, "12:00"), "end": local(day, "13:00")}).get_json()
    assert moved["status"] == "pending"
    assert staff.post(f"/bookings/{b['id']}/approve").status_code == 200
    by_staff = staff.patch(f"/bookings/{b['id']}", {"start": local(day, "14:00"), "end": local(day, "15:00")}).get_json()
    assert by_staff["status"] == "confirmed"


def test_moving_a_series_date_keeps_its_original_start(world, app):
    from commons.extensions import db
    from spaces.models import Booking

    space, group, rep, staff, _ = world
    day = next_weekday(0)
    s = book(rep, space, group, local(day, "18:00"), local(day, "19:00"), rrule="FREQ=WEEKLY;COUNT=3")
    occ = s["occurrences"][1]
    original = datetime.fromisoformat(occ["start"])
    target = original.astimezone(HELSINKI).date() + timedelta(days=1)
    for hour, end in (("10:00", "11:00"), ("11:00", "12:00")):
        assert rep.patch(f"/bookings/{occ['id']}", {"start": local(target, hour), "end": local(target, end)}).status_code == 200
    with app.app_context():
        row = db.session.get(Booking, occ["id"])
        assert row.original_start == original and row.sequence == 2 and row.series_id == s["series_id"]
