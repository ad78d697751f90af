"""Sign-ups under real concurrency: a multi-process server (gunicorn, 4 workers) takes
simultaneous sign-ups. Two or more volunteers racing for the last place: exactly one confirmed,
the others waitlisted. One volunteer racing for overlapping shifts: at most one confirmed, the
others 409. Never a 500, "database is locked" or a traceback. On PostgreSQL the exclusion
constraint also refuses overlapping confirmed rows written directly."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from commons.extensions import db
from tests.support.gunicorn import gunicorn_server, post_concurrently, server  # noqa: F401  (fixtures: one gunicorn for the module)
from tests.volunteers.conftest import tuesday
from volunteers.models import ShiftSignup

THREADS = 8


def post_together(url: str, calls: list[tuple[str, str]]) -> list[tuple[int, dict | None, str]]:
    """POST each (token, path) from its own thread, all released together (tests.support.gunicorn)."""
    return post_concurrently(url, [(token, path, None) for token, path in calls])


def statuses(app, **where) -> list[str]:
    with app.app_context():
        stmt = select(ShiftSignup.status)
        for k, v in where.items():
            stmt = stmt.where(getattr(ShiftSignup, k) == v)
        out = list(db.session.execute(stmt).scalars())
        db.session.remove()
        return out


@pytest.mark.slow
def test_volunteers_racing_for_the_last_place(app, server, world):
    shift = world.shift(world.activity(), needed=1)
    vols = [world.volunteer(f"Racer {i}") for i in range(THREADS)]
    results = post_together(server.url, [(v.token, f"/shifts/{shift}/signup") for v in vols])
    for status, body, text in results:
        assert status == 200, text
    got = sorted(r[1]["status"] for r in results)
    assert got == ["confirmed"] + ["waitlisted"] * (THREADS - 1), got
    assert sorted(statuses(app, shift_id=shift)) == got
    positions = sorted(r[1]["waitlist_position"] for r in results if r[1]["status"] == "waitlisted")
    assert positions == list(range(1, THREADS))


@pytest.mark.slow
def test_two_volunteers_racing_for_the_last_of_two_places(app, server, world):
    shift = world.shift(world.activity(), needed=2)
    first = world.volunteer("Early")
    assert first.post(f"/shifts/{shift}/signup").get_json()["status"] == "confirmed"
    a, b = world.volunteer("A"), world.volunteer("B")
    results = post_together(server.url, [(a.token, f"/shifts/{shift}/signup"), (b.token, f"/shifts/{shift}/signup")])
    assert sorted(r[1]["status"] for r in results) == ["confirmed", "waitlisted"], [r[2] for r in results]
    assert sorted(statuses(app, shift_id=shift)) == ["confirmed", "confirmed", "waitlisted"]


@pytest.mark.slow
def test_one_volunteer_racing_for_overlapping_shifts(app, server, world):
    activity = world.activity()
    day = tuesday()
    shifts = [world.shift(activity, day=day, start=f"18:{m:02d}", end="20:00", needed=3) for m in (0, 10, 20, 30, 40, 50)]
    v = world.volunteer("Eager", max_hours_per_week=40)
    results = post_together(server.url, [(v.token, f"/shifts/{s}/signup") for s in shifts])
    confirmed = [r for r in results if r[0] == 200 and r[1]["status"] == "confirmed"]
    assert len(confirmed) == 1, [r[2] for r in results]
    for status, body, text in results:
        assert status in (200, 409), text
        if status == 409:
            assert body["error"]["code"] == "conflict" and body["error"]["reason"] == "overlap", text
    assert statuses(app, volunteer_id=v.profile_id).count("confirmed") == 1


@pytest.mark.slow
def test_withdrawals_and_signups_at_once_keep_capacity(app, server, world):
    shift = world.shift(world.activity(), needed=2)
    holders = [world.volunteer(f"Holder {i}") for i in range(2)]
    for h in holders:
        assert h.post(f"/shifts/{shift}/signup").get_json()["status"] == "confirmed"
    waiting = [world.volunteer(f"Waiting {i}") for i in range(4)]
    for w in waiting:
        assert w.post(f"/shifts/{shift}/signup").get_json()["status"] == "waitlisted"
    newcomers = [world.volunteer(f"New {i}") for i in range(4)]
    calls = [(h.token, f"/shifts/{shift}/withdraw") for h in holders] + [(n.token, f"/shifts/{shift}/signup") for n in newcomers]
    results = post_together(server.url, calls)
    assert all(r[0] == 200 for r in results), [r[2] for r in results]
    rows = statuses(app, shift_id=shift)
    assert rows.count("confirmed") == 2  # never over capacity, and the freed places were filled
    with app.app_context():
        promoted = set(db.session.execute(
            select(ShiftSignup.volunteer_id).where(ShiftSignup.shift_id == shift, ShiftSignup.status == "confirmed")
        ).scalars())
        db.session.remove()
    assert promoted == {waiting[0].profile_id, waiting[1].profile_id}  # first in line first


def test_exclusion_constraint_refuses_overlapping_confirmed_rows(app, is_postgres, world):
    if not is_postgres:
        pytest.skip("the exclusion constraint is PostgreSQL's")
    activity = world.activity()
    s1 = world.shift(activity, start="18:00", end="20:00")
    s2 = world.shift(activity, start="19:00", end="21:00")
    v = world.volunteer()
    with app.app_context():
        from volunteers.models import Shift

        a, b = db.session.get(Shift, s1), db.session.get(Shift, s2)
        db.session.add(ShiftSignup(shift_id=a.id, volunteer_id=v.profile_id, status="confirmed", start_at=a.start_at, end_at=a.end_at))
        db.session.add(ShiftSignup(shift_id=b.id, volunteer_id=v.profile_id, status="confirmed", start_at=b.start_at, end_at=b.end_at))
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()
        # back to back is fine (half-open intervals), and a waitlisted overlap too
        db.session.add(ShiftSignup(shift_id=a.id, volunteer_id=v.profile_id, status="confirmed", start_at=a.start_at, end_at=a.end_at))
        db.session.add(ShiftSignup(shift_id=b.id, volunteer_id=v.profile_id, status="waitlisted", start_at=b.start_at, end_at=b.end_at))
        db.session.commit()
        db.session.remove()
