"""Use it or free it (API.md "Waiting lists, offers and check-in"): joining the line (refused with
`free` when the time can be booked), offers made in the transaction that frees the time and holding
it like a booking, accept / decline / expiry passing it on, check-in from 15 minutes before the start
until the grace period ends, release of what nobody checked in, each job exactly once."""
from __future__ import annotations

from datetime import datetime, time, timedelta, timezone

import pytest
from sqlalchemy import select

from commons.extensions import db
from commons.jobs import run_job
from commons.models import OutboxMessage
from spaces import rules
from spaces.models import Booking, Space, WaitlistEntry
from tests.conftest import HELSINKI, local, next_weekday


def at(day, hhmm):
    return datetime.combine(day, time.fromisoformat(hhmm), HELSINKI).astimezone(timezone.utc)


def job(app, name, now):
    with app.app_context():
        return run_job(name, now)


def status_of(app, booking_id):
    with app.app_context():
        out = db.session.get(Booking, booking_id).status
        db.session.remove()
        return out


@pytest.fixture
def scene(app, make_user, make_group, make_space):
    space = make_space(offer_hours=24, check_in_required=True, check_in_grace_minutes=15)
    first, second, third = make_group(name="Knitters"), make_group(name="Choir"), make_group(name="Chess club")
    return {
        "space": space,
        "groups": (first, second, third),
        "reps": (make_user("member", groups=[first]), make_user("member", groups=[second]), make_user("member", groups=[third])),
        "day": next_weekday(3, weeks_ahead=2),
    }


def body(s, group, start="18:00", end="20:00"):
    return {"group_id": group, "title": "Evening", "start": local(s["day"], start), "end": local(s["day"], end)}


def booked(s, rep, group, start="18:00", end="20:00"):
    r = rep.post("/bookings", {"space_id": s["space"], **body(s, group, start, end)})
    assert r.status_code == 201, r.get_json()
    return r.get_json()["id"]


def test_join_leave_and_position(scene):
    s = scene
    (g1, g2, g3), (r1, r2, r3) = s["groups"], s["reps"]
    r = r2.post(f"/spaces/{s['space']}/waitlist", body(s, g2))
    assert r.status_code == 422 and r.get_json()["error"]["code"] == "free"  # nothing in the way: book it
    booked(s, r1, g1)
    r = r2.post(f"/spaces/{s['space']}/waitlist", body(s, g2))
    assert r.status_code == 201 and r.get_json()["position"] == 1
    assert r2.post(f"/spaces/{s['space']}/waitlist", body(s, g2)).get_json()["error"]["code"] == "state"  # already in line
    third = r3.post(f"/spaces/{s['space']}/waitlist", body(s, g3, "19:00", "20:00")).get_json()
    assert third["position"] == 2
    assert r3.post(f"/spaces/{s['space']}/waitlist", body(s, g2)).status_code == 403  # not their group
    bad = r3.post(f"/spaces/{s['space']}/waitlist", body(s, g3, "23:00", "23:30"))
    assert bad.status_code == 422 and bad.get_json()["error"]["code"] == "rule"  # outside opening hours
    (mine,) = r3.get("/waitlist").get_json()
    assert (mine["id"], mine["position"], mine["status"], mine["space_id"]) == (third["id"], 2, "waiting", s["space"])
    assert r2.delete(f"/waitlist/{third['id']}").status_code == 404
    assert r3.delete(f"/waitlist/{third['id']}").status_code == 200
    assert r3.get("/waitlist").get_json()[0]["status"] == "left"


def test_cancel_offers_decline_passes_on_accept_confirms(app, scene):
    s = scene
    (g1, g2, g3), (r1, r2, r3) = s["groups"], s["reps"]
    taken = booked(s, r1, g1)
    r2.post(f"/spaces/{s['space']}/waitlist", body(s, g2))
    r3.post(f"/spaces/{s['space']}/waitlist", body(s, g3))
    assert r1.post(f"/bookings/{taken}/cancel", {}).status_code == 200
    (entry,) = r2.get("/waitlist").get_json()
    assert entry["status"] == "offered" and entry["offer_booking_id"]
    offer = r2.get(f"/bookings/{entry['offer_booking_id']}").get_json()
    assert offer["status"] == "offered" and offer["offer_expires_at"]
    # The group's personal feed shows the offer as tentative; the space's public feed as taken.
    (link,) = r2.get("/feeds").get_json()
    feed = r2.client.get(link["url"]).get_data(as_text=True)
    assert f"booking-{offer['id']}@" in feed and "STATUS:TENTATIVE" in feed
    public = r2.client.get(f"/calendars/spaces/{s['space']}.ics").get_data(as_text=True)
    assert f"booking-{offer['id']}@" in public
    # The offer holds the time like a booking: the cancelling group cannot take it back.
    again = r1.post("/bookings", {"space_id": s["space"], **body(s, g1)})
    assert again.status_code == 409
    assert r3.post(f"/bookings/{offer['id']}/accept").status_code in (403, 404)  # not their offer
    assert r2.post(f"/bookings/{offer['id']}/decline").get_json()["bookings"][0]["status"] == "declined"
    (passed,) = [e for e in r3.get("/waitlist").get_json()]
    assert passed["status"] == "offered"
    accepted = r3.post(f"/bookings/{passed['offer_booking_id']}/accept")
    assert accepted.status_code == 200 and accepted.get_json()["bookings"][0]["status"] == "confirmed"
    assert r3.post(f"/bookings/{passed['offer_booking_id']}/accept").get_json()["error"]["code"] == "state"
    assert r3.get("/waitlist").get_json()[0]["status"] == "accepted"
    with app.app_context():
        kinds = [m.payload for m in db.session.execute(select(OutboxMessage)).scalars() if m.payload and '"offer"' in m.payload]
        assert len(kinds) == 2  # one offer e-mail to each group in turn


def test_offers_expire_once_and_pass_on(app, scene):
    s = scene
    (g1, g2, g3), (r1, r2, r3) = s["groups"], s["reps"]
    taken = booked(s, r1, g1)
    r2.post(f"/spaces/{s['space']}/waitlist", body(s, g2))
    r3.post(f"/spaces/{s['space']}/waitlist", body(s, g3))
    r1.post(f"/bookings/{taken}/cancel", {})
    offer_id = r2.get("/waitlist").get_json()[0]["offer_booking_id"]
    with app.app_context():
        expires = db.session.get(Booking, offer_id).offer_expires_at
    assert job(app, "expire-offers", expires - timedelta(seconds=1)) == "expire-offers: nothing to expire."
    assert job(app, "expire-offers", expires) == "expire-offers: 1 offer(s) expired, 1 offer(s) made."
    assert job(app, "expire-offers", expires) == "expire-offers: nothing to expire."
    assert status_of(app, offer_id) == "expired"
    assert r2.get("/waitlist").get_json()[0]["status"] == "expired"
    assert r3.get("/waitlist").get_json()[0]["status"] == "offered"


def test_offer_expiry_is_at_most_the_start():
    now = datetime(2027, 3, 2, 10, tzinfo=timezone.utc)
    start, end = now + timedelta(hours=3), now + timedelta(hours=5)
    assert rules.offer_expiry(now, start, end, 24) == start
    assert rules.offer_expiry(now, start, end, 1) == now + timedelta(hours=1)
    assert rules.offered_start(now - timedelta(minutes=20), now, 30) == now + timedelta(minutes=10)
    assert rules.check_in_window(start, 15) == rules.Interval(start - timedelta(minutes=15), start + timedelta(minutes=15))


def _booking_at(app, space, group, start, status="confirmed"):
    """A 5-minute booking (they do not overlap: PostgreSQL's exclusion constraint would refuse)."""
    with app.app_context():
        b = Booking(space_id=space, group_id=group, title="Evening", start_at=start, end_at=start + timedelta(minutes=5),
                    blocked_until=start + timedelta(minutes=5), status=status)
        db.session.add(b)
        db.session.commit()
        return b.id


def test_check_in_window_and_who(app, scene, make_user):
    s = scene
    (g1, g2, _), (r1, r2, _) = s["groups"], s["reps"]
    start = datetime.now(timezone.utc).replace(second=0, microsecond=0) + timedelta(minutes=20)
    early = _booking_at(app, s["space"], g1, start)
    r = r1.post(f"/bookings/{early}/check-in")
    assert r.status_code == 422 and r.get_json()["error"]["code"] == "rule"  # more than 15 minutes before
    soon = _booking_at(app, s["space"], g1, start - timedelta(minutes=10))
    assert r2.post(f"/bookings/{soon}/check-in").status_code in (403, 404)
    first = r1.post(f"/bookings/{soon}/check-in")
    assert first.status_code == 200
    assert r1.post(f"/bookings/{soon}/check-in").get_json() == first.get_json()  # once
    late = _booking_at(app, s["space"], g1, start - timedelta(minutes=40))
    assert r1.post(f"/bookings/{late}/check-in").get_json()["error"]["code"] == "rule"  # grace over
    with app.app_context():
        facility = db.session.get(Space, s["space"]).facility_id
    staff = make_user("staff", facilities=[facility])
    now_ish = _booking_at(app, s["space"], g2, start - timedelta(minutes=5))
    assert staff.post(f"/bookings/{now_ish}/check-in").status_code == 200


def test_release_unused_once_frees_and_offers_on(app, scene):
    s = scene
    (g1, g2, _), (r1, r2, _) = s["groups"], s["reps"]
    taken = booked(s, r1, g1)
    checked = booked(s, r1, g1, "20:00", "21:00")
    r2.post(f"/spaces/{s['space']}/waitlist", body(s, g2))
    with app.app_context():
        db.session.get(Booking, checked).checked_in_at = at(s["day"], "19:50")
        db.session.commit()
    assert job(app, "release-unused", at(s["day"], "18:14")) == "release-unused: nothing to release."
    summary = job(app, "release-unused", at(s["day"], "18:16"))
    assert summary == "release-unused: 1 booking(s) released, 1 message(s) queued, 1 offer(s) made."
    assert job(app, "release-unused", at(s["day"], "18:20")) == "release-unused: nothing to release."
    with app.app_context():
        b = db.session.get(Booking, taken)
        assert (b.status, b.no_show) == ("released", True)
        offer = db.session.execute(select(Booking).where(Booking.status == "offered")).scalar_one()
        # the rest of the evening, from the next step of the grid, held until it starts at most
        assert offer.start_at == at(s["day"], "18:30") and offer.end_at == at(s["day"], "20:00")
        assert offer.offer_expires_at == at(s["day"], "18:30")
        assert db.session.execute(select(WaitlistEntry.status)).scalar_one() == "offered"
    assert status_of(app, checked) == "confirmed"


def test_reports_count_checked_in_and_released_hours(app, scene, make_user):
    s = scene
    (g1, _, _), (r1, _, _) = s["groups"], s["reps"]
    released = booked(s, r1, g1, "10:00", "12:00")
    used = booked(s, r1, g1, "13:00", "14:00")
    with app.app_context():
        db.session.get(Booking, used).checked_in_at = at(s["day"], "12:55")
        db.session.commit()
    job(app, "release-unused", at(s["day"], "10:30"))
    assert status_of(app, released) == "released"
    with app.app_context():
        facility = db.session.get(Space, s["space"]).facility_id
    staff = make_user("staff", facilities=[facility])
    r = staff.get("/reports/usage", **{"from": s["day"].isoformat(), "to": (s["day"] + timedelta(days=1)).isoformat()})
    assert r.status_code == 200, r.get_json()
    total = r.get_json()["total"]
    assert (total["booked_hours"], total["checked_in_hours"], total["released_hours"], total["no_shows"]) == (3.0, 1.0, 2.0, 1)
    csv = staff.get("/reports/usage", format="csv", **{"from": s["day"].isoformat(), "to": (s["day"] + timedelta(days=1)).isoformat()})
    head, row = csv.get_data(as_text=True).splitlines()
    cells = dict(zip(head.split(","), row.split(",")))
    assert (cells["checked_in_hours"], cells["released_hours"]) == ("1.0", "2.0")
