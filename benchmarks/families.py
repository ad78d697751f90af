"""Spaces made of parts: availability and booking stay flat with families. 40 halls with 2-3 parts
each (every third hall with a court inside half A), 40 rooms alone; the parts booked every day for
30 days, then for 300 days (ten times the bookings). For each size and database: the statements sent
and the median time of a hall's and a part's week (availability), of a booking of a hall, a part and
a room alone, and of a refused one (409 through the family). In-process (Flask's test client), one
fresh database per size.

Run: `python -m benchmarks.families [--db sqlite|postgresql|both] [--reps 15]` (a minute or two).
"""
from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import create_engine, event, text

HELSINKI = ZoneInfo("Europe/Helsinki")
PG_BASE = os.environ.get("BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432")
HALLS = 40


def _app(url: str):
    from commons import create_app

    os.environ.setdefault("COMMONS_INSTANCE", tempfile.mkdtemp(prefix="families-bench-"))
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False,
                      "RATELIMIT_ENABLED": False, "SERVER_NAME": "commons.bench"})
    from flask_migrate import upgrade

    with app.app_context():
        upgrade()
    return app


def _fill(app, days: int) -> dict:
    """The halls, parts and rooms, a group and its representative's token, and the parts' bookings."""
    from commons.extensions import db
    from commons.models import ApiToken, Facility, Group, GroupMember, User
    from spaces.models import Booking, OpeningHours, Space

    with app.app_context():
        facility = Facility(name="Sports halls", district="Kallio", address="Street 1, Helsinki")
        group = Group(name="Bench club", kind="association", district="Kallio", verified=True)
        user = User(email="bench@commons.localhost", name="Bench", role="member")
        user.set_password("bench-password-1")
        db.session.add_all([facility, group, user])
        db.session.flush()
        db.session.add(GroupMember(group_id=group.id, user_id=user.id))
        token = ApiToken.generate()
        db.session.add(ApiToken(user_id=user.id, token_hash=ApiToken.hash(token)))

        def space(name, part_of=None):
            s = Space(facility_id=facility.id, name=name, capacity=40, timezone="Europe/Helsinki", buffer_minutes=0,
                      min_minutes=30, max_minutes=240, slot_minutes=30, horizon_days=400, weekly_quota_minutes=None,
                      requires_approval=False, part_of=part_of)
            s.opening_hours = [OpeningHours(weekday=d, opens_minute=6 * 60, closes_minute=23 * 60) for d in range(7)]
            db.session.add(s)
            db.session.flush()
            return s.id

        halls, parts, leaves, rooms = [], [], [], []
        for h in range(HALLS):
            hall = space(f"Hall {h}")
            halls.append(hall)
            kids = [space(f"Hall {h} part {k}", hall) for k in range(2 + h % 2)]
            parts.append(kids[0])
            if h % 3 == 0:
                leaves.append(space(f"Hall {h} court", kids[0]))
                leaves += kids[1:]
            else:
                leaves += kids
            rooms.append(space(f"Room {h}"))
        today = datetime.now(HELSINKI).date()
        rows = []
        for d in range(days):
            day = today + timedelta(days=d + 1)
            for leaf in leaves:  # 08-09 and 10-11 local in every leaf: parts of one hall never collide
                for hour in (8, 10):
                    s = datetime(day.year, day.month, day.day, hour, tzinfo=HELSINKI).astimezone(timezone.utc)
                    rows.append(Booking(space_id=leaf, group_id=group.id, title="Training", start_at=s, end_at=s + timedelta(hours=1),
                                        blocked_until=s + timedelta(hours=1), status="confirmed", attendees=10))
        db.session.add_all(rows)
        db.session.commit()
        return {"token": token, "group": group.id, "halls": halls, "parts": parts, "rooms": rooms, "bookings": len(rows),
                "today": today}


def _measure(app, world: dict, reps: int) -> dict[str, tuple[int, float]]:
    """name -> (statements sent, median milliseconds)."""
    from commons.extensions import db

    client = app.test_client()
    headers = {"Authorization": f"Bearer {world['token']}"}
    with app.app_context():
        engine = db.engine
    seen: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *a: seen.append(a[2]))
    day = world["today"] + timedelta(days=7)
    week = {"from": day.isoformat(), "to": (day + timedelta(days=7)).isoformat()}
    out = {}

    def run(name, call):
        times, counts = [], []
        for i in range(reps):
            seen.clear()
            t0 = time.perf_counter()
            r = call(i)
            times.append((time.perf_counter() - t0) * 1000)
            counts.append(len([s for s in seen if not s.startswith(("BEGIN", "COMMIT", "ROLLBACK"))]))
            assert r.status_code in (200, 201, 409), (name, r.status_code, r.get_data(as_text=True)[:300])
        out[name] = (max(counts), statistics.median(times))

    def book(spaces, hour, expect):
        def call(i):
            d = day + timedelta(days=i % 20)
            s = datetime(d.year, d.month, d.day, hour, tzinfo=HELSINKI)
            r = client.post("/api/v1/bookings", headers=headers, json={
                "space_id": spaces[i % len(spaces)], "group_id": world["group"], "title": "Bench",
                "start": s.isoformat(), "end": (s + timedelta(hours=1)).isoformat()})
            assert r.status_code == expect, (r.status_code, r.get_json())
            return r
        return call

    run("availability: a hall (week)", lambda i: client.get(f"/api/v1/spaces/{world['halls'][i % HALLS]}/availability", query_string=week))
    run("availability: a part (week)", lambda i: client.get(f"/api/v1/spaces/{world['parts'][i % HALLS]}/availability", query_string=week))
    run("book a hall", book(world["halls"], 13, 201))
    run("book a part", book(world["parts"], 15, 201))
    run("book a room alone", book(world["rooms"], 13, 201))
    run("refused: a hall while a part is booked (409)", book(world["halls"], 8, 409))
    return out


def _database(kind: str, tag: str) -> str:
    if kind == "sqlite":
        return "sqlite:///" + os.path.join(tempfile.mkdtemp(prefix="families-bench-"), f"{tag}.db")
    name = f"families_bench_{tag}"
    admin = create_engine(f"{PG_BASE}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name}"))
        conn.execute(text(f"CREATE DATABASE {name}"))
    admin.dispose()
    return f"{PG_BASE}/{name}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.families")
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--reps", type=int, default=15)
    args = parser.parse_args(argv)
    kinds = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    print("| database | bookings | measure | statements | median ms |")
    print("|---|---:|---|---:|---:|")
    for kind in kinds:
        results = []
        for days in (30, 300):
            url = _database(kind, f"d{days}")
            app = _app(url)
            world = _fill(app, days)
            results.append((world["bookings"], _measure(app, world, args.reps)))
            with app.app_context():
                from commons.extensions import db

                db.engine.dispose()
        for bookings, measured in results:
            for name, (count, ms) in measured.items():
                print(f"| {kind} | {bookings} | {name} | {count} | {ms:.1f} |")
        (small_n, small), (big_n, big) = results
        flat = all(small[k][0] == big[k][0] for k in small)
        print(f"| {kind} | {small_n} → {big_n} | statements the same for both sizes | {'yes' if flat else 'NO'} | |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
