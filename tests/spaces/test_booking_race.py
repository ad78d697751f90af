"""The no-double-booking guarantee under real concurrency.

A real multi-process server (gunicorn, 4 sync workers, each its own process with its own
database connections) takes 24 simultaneous booking requests; whatever the database, exactly
the bookings that do not overlap may win, every loser gets 409 "conflict", and nothing fails
(no 500, no "database is locked", no traceback in the server log). On PostgreSQL the exclusion
constraint is also tested on its own: it refuses overlapping active rows however they are
written, and when it fires inside a request the client still gets 409, not 500.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from commons.extensions import db
from spaces.models import ACTIVE_STATUSES, Booking
from tests.conftest import local, next_weekday
from tests.support.gunicorn import gunicorn_server, post_concurrently, server  # noqa: F401  (fixtures: one gunicorn for the module)

THREADS = 24


def post_all_at_once(url: str, requests_: list[tuple[str, dict]]) -> list[tuple[int, dict | None, str]]:
    """POST every (token, booking body) to /bookings at once (post_concurrently)."""
    return post_concurrently(url, [(token, "/bookings", body) for token, body in requests_])


def active_bookings(app, space_id: int) -> list[Booking]:
    with app.app_context():
        rows = list(
            db.session.execute(
                select(Booking)
                .where(Booking.space_id == space_id, Booking.status.in_(ACTIVE_STATUSES))
                .order_by(Booking.start_at)
            ).scalars()
        )
        db.session.expunge_all()
        db.session.remove()
        return rows


def assert_only_created_or_conflict(results) -> tuple[list, list]:
    created = [r for r in results if r[0] == 201]
    refused = [r for r in results if r[0] != 201]
    for status, body, text in results:
        assert "database is locked" not in text, text
        assert status in (201, 409), (status, text)
        if status == 409:
            assert body is not None and body["error"]["code"] == "conflict", text
            # Refused by the service, which saw the winner (it serialises writers per space);
            # not merely caught by PostgreSQL's exclusion constraint, the last line of defence.
            assert body["error"].get("conflicts"), f"409 without the clashing booking listed: {text}"
    return created, refused


def representatives(make_user, group: int, n: int = 4) -> list[str]:
    return [make_user(groups=[group]).token for _ in range(n)]


# --- The same slot, 24 times at once ------------------------------------------------------------------


@pytest.mark.slow
def test_same_slot_from_many_processes_books_exactly_once(app, server, make_user, make_group, make_space):
    group = make_group(verified=True)
    space = make_space()
    tokens = representatives(make_user, group)
    day = next_weekday(2)
    body = {"space_id": space, "group_id": group, "title": "Race", "start": local(day, "18:00"), "end": local(day, "20:00")}

    results = post_all_at_once(server.url, [(tokens[i % len(tokens)], body) for i in range(THREADS)])

    created, refused = assert_only_created_or_conflict(results)
    assert len(created) == 1, [r[:2] for r in results]
    assert len(refused) == THREADS - 1
    assert created[0][1]["status"] == "confirmed"
    booked = active_bookings(app, space)
    assert len(booked) == 1
    assert booked[0].id == created[0][1]["id"]
    server.assert_clean_log()


# --- Overlapping slots, 24 at once: the winners never overlap, buffers included ----------------------------


@pytest.mark.slow
def test_overlapping_slots_from_many_processes_never_overlap(app, server, make_user, make_group, make_space):
    buffer = timedelta(minutes=30)
    group = make_group(verified=True)
    space = make_space(buffer_minutes=30, max_minutes=240)
    tokens = representatives(make_user, group)
    day = next_weekday(3)
    first = datetime.combine(day, datetime.min.time()).replace(hour=8)
    bodies = []
    for i in range(THREADS):  # 08:00-10:00, 08:30-10:30, ..., 19:30-21:30 (open 08-22)
        s = first + timedelta(minutes=30 * i)
        e = s + timedelta(hours=2)
        bodies.append({"space_id": space, "group_id": group, "title": f"Slot {i}",
                       "start": s.isoformat(timespec="minutes"), "end": e.isoformat(timespec="minutes")})

    results = post_all_at_once(server.url, [(tokens[i % len(tokens)], b) for i, b in enumerate(bodies)])

    created, refused = assert_only_created_or_conflict(results)
    assert created and refused

    # What the database holds: exactly the accepted requests, pairwise apart by the buffer.
    booked = active_bookings(app, space)
    assert sorted(b.id for b in booked) == sorted(r[1]["id"] for r in created)
    for b in booked:
        assert b.blocked_until == b.end_at + buffer
    for a, b in zip(booked, booked[1:]):
        assert a.blocked_until <= b.start_at, f"double booking: {a.start_at}-{a.end_at} and {b.start_at}-{b.end_at}"

    # And no request was refused without cause: each loser really clashes with a winner
    # (local wall-clock times of one ordinary weekday, so comparing them naively is exact).
    def span(i: int) -> tuple[datetime, datetime]:
        return datetime.fromisoformat(bodies[i]["start"]), datetime.fromisoformat(bodies[i]["end"])

    winners = [span(i) for i, r in enumerate(results) if r[0] == 201]
    assert len(winners) == len(booked)
    for i, (status, body, text) in enumerate(results):
        if status == 409:
            s, e = span(i)
            assert any(s < we + buffer and ws < e + buffer for ws, we in winners), (
                f"request {i} ({bodies[i]['start']}) was refused but clashes with no winner: {text}"
            )
    server.assert_clean_log()


# --- PostgreSQL: the exclusion constraint itself -----------------------------------------------------


def _booking(space: int, group: int, start: datetime, minutes: int, buffer: int = 0, status: str = "confirmed") -> Booking:
    return Booking(
        space_id=space, group_id=group, title="Direct", start_at=start, end_at=start + timedelta(minutes=minutes),
        blocked_until=start + timedelta(minutes=minutes + buffer), status=status,
    )


def test_exclusion_constraint_refuses_overlapping_active_rows(app, is_postgres, make_group, make_space):
    if not is_postgres:
        pytest.skip("the ex_bookings_no_overlap exclusion constraint exists on PostgreSQL only")
    group = make_group()
    space = make_space(buffer_minutes=30)
    t0 = datetime.combine(next_weekday(4), datetime.min.time()).replace(hour=10, tzinfo=timezone.utc)
    with app.app_context():
        db.session.add(_booking(space, group, t0, 120, buffer=30))  # blocks [10:00, 12:30)
        db.session.commit()

        # Overlapping the booking itself, and overlapping only its changeover buffer: both refused.
        for start in (t0 + timedelta(minutes=60), t0 + timedelta(minutes=140)):
            db.session.add(_booking(space, group, start, 60))
            with pytest.raises(IntegrityError) as caught:
                db.session.flush()
            assert "ex_bookings_no_overlap" in str(caught.value.orig)
            db.session.rollback()

        # Not active: no guard needed. Touching the end of the buffer ([) ranges): allowed.
        for status in ("cancelled", "rejected"):
            db.session.add(_booking(space, group, t0 + timedelta(minutes=30), 60, status=status))
        db.session.add(_booking(space, group, t0 + timedelta(minutes=150), 60))
        db.session.commit()

        # Another space is another calendar.
        other = make_space()
        db.session.add(_booking(other, group, t0, 120, buffer=30))
        db.session.commit()

        # Re-activating a cancelled overlapping booking is refused too.
        cancelled = db.session.execute(
            select(Booking).where(Booking.space_id == space, Booking.status == "cancelled")
        ).scalar_one()
        cancelled.status = "confirmed"
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()
        count = len(db.session.execute(
            select(Booking.id).where(Booking.space_id == space, Booking.status.in_(ACTIVE_STATUSES))
        ).all())
        assert count == 2
        db.session.remove()


def test_exclusion_constraint_inside_the_api_answers_409(app, is_postgres, make_user, make_group, make_space, monkeypatch):
    if not is_postgres:
        pytest.skip("the ex_bookings_no_overlap exclusion constraint exists on PostgreSQL only")
    from spaces.services import bookings  # the module create_booking runs in: its names are the ones it calls

    group = make_group(verified=True)
    space = make_space()
    rep = make_user(groups=[group])
    day = next_weekday(5)
    first = rep.post("/bookings", {"space_id": space, "group_id": group, "title": "First",
                                   "start": local(day, "18:00"), "end": local(day, "20:00")})
    assert first.status_code == 201, first.get_json()

    # Pretend the service's own guards were raced past: no lock, and it sees no bookings at all.
    monkeypatch.setattr(bookings, "lock_family", lambda *a, **k: None)
    looked = []  # the service's own check also answers 409: this says the guard was really off
    monkeypatch.setattr(bookings, "load_busy", lambda *a, **k: looked.append(a) or (defaultdict(list), defaultdict(list)))

    r = rep.post("/bookings", {"space_id": space, "group_id": group, "title": "Second",
                               "start": local(day, "19:00"), "end": local(day, "21:00")})
    assert r.status_code == 409, r.get_json()
    assert looked, "create_booking did not run with the guards off (patched where it does not look)"
    assert r.get_json()["error"]["code"] == "conflict"
    assert len(active_bookings(app, space)) == 1

    # The session is usable afterwards: a free slot still books (the guards are still off).
    ok = rep.post("/bookings", {"space_id": space, "group_id": group, "title": "Third",
                                "start": local(day, "08:00"), "end": local(day, "09:00")})
    assert ok.status_code == 201, ok.get_json()
    assert len(active_bookings(app, space)) == 2


# --- /metrics sums the workers' counts (prometheus_client's multiprocess mode, gunicorn.conf.py) ----------------


def _scrape(url: str, token: str) -> dict[tuple, float]:
    import requests
    from prometheus_client.parser import text_string_to_metric_families

    with requests.get(url + "/metrics", headers={"Authorization": f"Bearer {token}"}, timeout=30) as r:
        assert r.status_code == 200, r.text
        return {(s.name, tuple(sorted(s.labels.items()))): s.value
                for family in text_string_to_metric_families(r.text) for s in family.samples}


@pytest.mark.slow
def test_metrics_count_every_workers_bookings(app, server, make_user, make_group, make_space):
    """24 requests for one slot, spread over the 4 workers: any worker's scrape says 1 made, 23 refused."""
    group = make_group(verified=True)
    space = make_space()
    tokens = representatives(make_user, group)
    admin = make_user("admin").token  # an administrator's API token may read /metrics
    day = next_weekday(3)
    body = {"space_id": space, "group_id": group, "title": "Race", "start": local(day, "18:00"), "end": local(day, "20:00")}
    before = _scrape(server.url, admin)
    results = post_all_at_once(server.url, [(tokens[i % len(tokens)], body) for i in range(THREADS)])
    created, refused = assert_only_created_or_conflict(results)

    def moved(after, name, **labels):
        if labels:
            key = (name, tuple(sorted(labels.items())))
            return after.get(key, 0) - before.get(key, 0)
        return sum(v - before.get(k, 0) for k, v in after.items() if k[0] == name)

    for _ in range(4):  # answered by whichever worker: the same sums
        after = _scrape(server.url, admin)
        assert moved(after, "commons_bookings_created_total") == len(created) == 1
        assert moved(after, "commons_bookings_refused_total") == len(refused) == THREADS - 1
        assert moved(after, "commons_http_requests_total", method="POST", route="/api/v1/bookings", status="409") == THREADS - 1
        assert moved(after, "commons_http_request_duration_seconds_count", method="POST", route="/api/v1/bookings") == THREADS
    server.assert_clean_log()


# --- Spaces made of parts: 24 at once split between a hall and its half, a half and its court -----------
# (API.md "Spaces made of parts"): exactly one wins; the others get 409 naming the space or the time.


def _family(make_space, make_facility):
    facility = make_facility()
    hall = make_space(facility_id=facility, name="Hall")
    half = make_space(facility_id=facility, name="Half A", part_of=hall)
    make_space(facility_id=facility, name="Half B", part_of=hall)
    court = make_space(facility_id=facility, name="Court", part_of=half)
    return hall, half, court


@pytest.mark.slow
@pytest.mark.parametrize("pair", ["hall_and_half", "half_and_court"])
def test_one_of_a_family_wins(app, server, make_user, make_group, make_space, make_facility, pair):
    hall, half, court = _family(make_space, make_facility)
    first, second = (hall, half) if pair == "hall_and_half" else (half, court)
    groups = [make_group(verified=True) for _ in range(2)]
    tokens = [make_user(groups=[groups[i % 2]]).token for i in range(4)]
    day = next_weekday(2)
    calls = []
    for i in range(THREADS):  # 12 for each space, alternating, overlapping times
        space = first if i % 2 == 0 else second
        start = ("18:00", "18:30", "19:00")[i % 3]
        end = {"18:00": "19:30", "18:30": "20:00", "19:00": "20:30"}[start]
        calls.append((tokens[i % 4], {"space_id": space, "group_id": groups[i % 4 % 2], "title": f"Race {i}",
                                      "start": local(day, start), "end": local(day, end)}))

    results = post_all_at_once(server.url, calls)

    created, refused = assert_only_created_or_conflict(results)
    assert len(created) == 1, [r[:2] for r in results]
    assert len(refused) == THREADS - 1
    held = active_bookings(app, first) + active_bookings(app, second)
    assert [b.id for b in held] == [created[0][1]["id"]]
    server.assert_clean_log()
# --- An offer to the waiting list, accepted while others try to book its time ---------------------------


@pytest.mark.slow
def test_offered_time_accepted_while_others_book_it_is_held_once(app, server, make_user, make_group, make_space):
    """Use it or free it: the offer holds its time under the same guarantee; two accepts and eight
    bookings race for it; exactly one booking (the accepted offer) holds it, every booking gets 409."""
    first, waiting, others = make_group(), make_group(), make_group()
    space = make_space()
    owner = make_user(groups=[first])
    waiters = representatives(make_user, waiting, 2)
    bookers = representatives(make_user, others, 4)
    day = next_weekday(2)
    times = {"start": local(day, "18:00"), "end": local(day, "20:00"), "title": "Race"}
    taken = owner.post("/bookings", {"space_id": space, "group_id": first, **times}).get_json()["id"]
    joined = post_concurrently(server.url, [(waiters[0], f"/spaces/{space}/waitlist", {"group_id": waiting, **times})])
    assert joined[0][0] == 201, joined
    assert owner.post(f"/bookings/{taken}/cancel", {}).status_code == 200
    with app.app_context():
        offer = db.session.execute(select(Booking.id).where(Booking.space_id == space, Booking.status == "offered")).scalar_one()
        db.session.remove()
    calls = [(waiters[i], f"/bookings/{offer}/accept", None) for i in range(2)]
    calls += [(bookers[i % 4], "/bookings", {"space_id": space, "group_id": others, **times}) for i in range(8)]
    results = post_concurrently(server.url, calls)
    accepts, bookings = results[:2], results[2:]
    assert sorted(r[0] for r in accepts) == [200, 422], [r[:2] for r in accepts]
    assert all(r[0] == 409 for r in bookings), [r[:2] for r in bookings]
    with app.app_context():
        holding = list(db.session.execute(select(Booking.id, Booking.status).where(
            Booking.space_id == space, Booking.status.in_(("pending", "confirmed", "offered")))).all())
        db.session.remove()
    assert holding == [(offer, "confirmed")]
