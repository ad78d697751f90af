"""Use it or free it (API.md "Waiting lists, offers and check-in"): joining the line (refused with
`free` when the time can be booked), offers made in the transaction that frees the time and holding
it like a booking, accept / decline / expiry passing it on, check-in from 15 minutes before the start
until the grace period ends, release of what nobody checked in, each job exactly once."""
from __future__ import annotations

import json
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
    (week,) = r.get_json()["weekly"]
    assert (week["booked_hours"], week["checked_in_hours"], week["released_hours"]) == (3.0, 1.0, 2.0)
    # The reports page's chart shows them beside the booked hours (bars and the table behind them).
    from tests.conftest import PASSWORD
    page = staff.client
    page.post("/login", data={"email": staff.email, "password": PASSWORD})
    html = page.get("/staff/reports", query_string={"first_day": s["day"].isoformat(), "last_day": s["day"].isoformat()}).get_data(as_text=True)
    assert "Booked, checked-in and released hours week by week" in html
    assert 'class="bar-checked-in"><title>' in html and 'class="bar-released"><title>' in html
    assert '<td class="n">3</td><td class="n">1</td><td class="n">2</td>' in html


def test_series_waits_for_each_taken_date_offered_on_its_own(app, scene):
    """Dates of a weekly series: one entry per taken date (free dates get none), each offered when its time frees."""
    s = scene
    (g1, g2, _g3), (r1, r2, _r3) = s["groups"], s["reps"]
    later = s["day"] + timedelta(days=14)
    first = booked(s, r1, g1)
    r = r1.post("/bookings", {"space_id": s["space"], "group_id": g1, "title": "Evening",
                              "start": local(later, "18:00"), "end": local(later, "20:00")})
    third = r.get_json()["id"]
    series = {**body(s, g2), "rrule": "FREQ=WEEKLY;COUNT=3"}
    joined = r2.post(f"/spaces/{s['space']}/waitlist", series)
    assert joined.status_code == 201, joined.get_json()
    got = joined.get_json()
    assert [e["start"][:10] for e in got["entries"]] == [s["day"].isoformat(), later.isoformat()]  # the free week is not waited for
    assert got["id"] == got["entries"][0]["id"] and got["position"] == 1
    single = r2.post(f"/spaces/{s['space']}/waitlist", body(s, g2, "20:00", "21:00"))  # the contract's shape still
    assert single.status_code == 422 and single.get_json()["error"]["code"] == "free"
    assert r1.post(f"/bookings/{third}/cancel", {}).status_code == 200
    mine = {e["start"][:10]: e for e in r2.get("/waitlist").get_json()}
    assert mine[later.isoformat()]["status"] == "offered" and mine[s["day"].isoformat()]["status"] == "waiting"
    assert status_of(app, first) == "confirmed"
    free = r2.post(f"/spaces/{s['space']}/waitlist", {**body(s, g2, "08:00", "09:00"), "rrule": "FREQ=WEEKLY;COUNT=2"})
    assert free.status_code == 422 and free.get_json()["error"]["code"] == "free"


def test_time_freed_in_a_hall_is_offered_to_the_line_of_its_half(app, scene, make_space, make_facility):
    """Spaces made of parts: the hall's cancelled booking frees its halves too; the half's line gets the offer."""
    s = scene
    (g1, g2, _g3), (r1, r2, _r3) = s["groups"], s["reps"]
    facility = make_facility()
    hall = make_space(facility_id=facility, name="Hall", offer_hours=24)
    half = make_space(facility_id=facility, name="Half", part_of=hall, offer_hours=24)
    hall_booking = r1.post("/bookings", {"space_id": hall, **body(s, g1)}).get_json()["id"]
    joined = r2.post(f"/spaces/{half}/waitlist", body(s, g2, "18:30", "19:30"))
    assert joined.status_code == 201, joined.get_json()
    assert r1.post(f"/bookings/{hall_booking}/cancel", {}).status_code == 200
    (entry,) = r2.get("/waitlist").get_json()
    assert entry["status"] == "offered" and entry["space_id"] == half
    offer = r2.get(f"/bookings/{entry['offer_booking_id']}").get_json()
    assert offer["space_id"] == half and offer["status"] == "offered"
    assert r1.post("/bookings", {"space_id": hall, **body(s, g1)}).status_code == 409  # the half's offer holds the hall too


def _series(s, rep, group, count):
    r = rep.post("/bookings", {"space_id": s["space"], **body(s, group), "rrule": f"FREQ=WEEKLY;COUNT={count}"})
    assert r.status_code == 201, r.get_json()
    return r.get_json()["series_id"], [b["id"] for b in r.get_json()["occurrences"]]


def _mails(app, kind):
    with app.app_context():
        return [m for m in db.session.execute(select(OutboxMessage)).scalars() if m.payload and f"\"kind\":\"{kind}\"" in m.payload]


def test_series_released_twice_in_a_row_asks_to_confirm_the_rest(app, scene, client):
    s = scene
    (g1, g2, _g3), (r1, r2, _r3) = s["groups"], s["reps"]
    series_id, dates = _series(s, r1, g1, 4)
    week = timedelta(days=7)
    assert "1 booking(s) released" in job(app, "release-unused", at(s["day"], "18:16"))
    assert r1.post(f"/series/{series_id}/confirm").get_json()["error"]["code"] == "state"  # nothing asked yet
    said = job(app, "release-unused", at(s["day"] + week, "18:16"))
    assert "1 series asked to confirm the rest" in said, said
    assert "asked" not in job(app, "release-unused", at(s["day"] + week, "18:17"))  # once
    (asked,) = _mails(app, "confirm_series")
    assert [b["id"] for b in json.loads(asked.payload)["data"]["bookings"]] == dates[2:]  # the two upcoming dates
    assert r2.post(f"/series/{series_id}/confirm").status_code == 404  # not their series
    # The bookings page (a signed-in browser) asks, and its button confirms.
    from tests.conftest import PASSWORD
    client.post("/login", data={"email": r1.email, "password": PASSWORD})
    html = client.get("/bookings").get_data(as_text=True)
    assert "Confirm the rest of the series" in html and f'action="/series/{series_id}/confirm"' in html
    done = client.post(f"/series/{series_id}/confirm", data={"next": "/bookings"}, follow_redirects=True).get_data(as_text=True)
    assert "Confirmed: your group keeps 2 upcoming dates." in done and "Confirm the rest of the series" not in done
    assert r1.post(f"/series/{series_id}/confirm").get_json()["error"]["code"] == "state"
    said = job(app, "release-unused", at(s["day"] + week, "18:16") + week)  # the 3rd date, unused: a no-show, asked again
    assert "unconfirmed" not in said and "1 series asked" in said, said
    assert [status_of(app, d) for d in dates] == ["released", "released", "released", "confirmed"]


def test_unconfirmed_series_dates_are_released_after_7_days_once(app, scene):
    s = scene
    (g1, g2, _g3), (r1, r2, _r3) = s["groups"], s["reps"]
    series_id, dates = _series(s, r1, g1, 5)
    week = timedelta(days=7)
    waiting = r2.post(f"/spaces/{s['space']}/waitlist", {**body(s, g2), "start": local(s["day"] + 3 * week, "18:00"),
                                                        "end": local(s["day"] + 3 * week, "20:00")})
    assert waiting.status_code == 201
    job(app, "release-unused", at(s["day"], "18:16"))
    job(app, "release-unused", at(s["day"] + week, "18:16"))
    assert "unconfirmed" not in job(app, "release-unused", at(s["day"] + week, "18:16") + week - timedelta(minutes=1))
    said = job(app, "release-unused", at(s["day"] + week, "18:16") + week)
    assert "2 unconfirmed date(s) of series released" in said and "1 offer(s) made" in said, said
    assert "unconfirmed" not in job(app, "release-unused", at(s["day"] + week, "18:20") + week)  # exactly once
    assert [status_of(app, d) for d in dates] == ["released"] * 5
    (told,) = _mails(app, "series_released")
    assert [b["id"] for b in json.loads(told.payload)["data"]["bookings"]] == dates[3:]
    (entry,) = r2.get("/waitlist").get_json()
    assert entry["status"] == "offered"
    with app.app_context():
        from spaces.models import BookingSeries
        assert db.session.get(BookingSeries, series_id).confirm_asked_at is None
        no_shows = db.session.execute(select(Booking.no_show).where(Booking.id.in_(dates)).order_by(Booking.start_at)).scalars().all()
        assert [bool(x) for x in no_shows] == [True, True, True, False, False]  # the released rest is no no-show
