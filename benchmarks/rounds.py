"""How a seasonal round scales: 60 spaces, 400 applications of 3 wishes each, a 10-week season.

    .venv/bin/python -m benchmarks.rounds [--db sqlite|postgresql] [--apps 400] [--spaces 60] [--limit 50]

1. The allocation alone (rounds.allocation.allocate, pure): seconds, candidates, whether proven
   optimal (else the gap), slots given, wishes left with a reason.
2. The whole use case on a fresh database (rounds.services.allocate, then publish): seconds to
   allocate from the database, and to publish every allocation as a weekly series through the
   ordinary booking path (one transaction each), with the bookings made.
Goals (docs/rounds.md): allocation under 60 s, optimal or the gap reported; publishing under 60 s.
"""
from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from datetime import date, datetime, timedelta, timezone

from rounds.allocation import ApplicationFacts, SpaceFacts, Window, WishFacts, allocate

CLASSES = ["city", "public", "clubs", "others"]
AGES = [("children_7_12",), ("youth_13_17",), ("adults_30_64",), ("seniors_65",), ()]


def make_round(n_spaces: int, n_apps: int, seed: int = 7):
    """Plain values: spaces open 08-22 every day (30-minute grid, 15-minute buffer), applications of 3
    wishes (1-2 slots of 60-120 minutes, two weekday windows, 2-3 spaces of a neighbourhood)."""
    rnd = random.Random(seed)
    spaces = {}
    for i in range(1, n_spaces + 1):
        spaces[i] = SpaceFacts(i, 30, 30, 240, 15, {d: [(8 * 60, 22 * 60)] for d in range(7)}, f"D{i % 10}", {}, {d: 10 for d in range(7)})
    apps = []
    for a in range(1, n_apps + 1):
        wishes = []
        home = rnd.randrange(n_spaces)
        for w in range(3):
            days = rnd.sample(range(7), 2)
            daytime = rnd.random() < 0.2
            start, end = ((9, 15) if daytime else (rnd.choice([16, 17, 18]), rnd.choice([20, 21, 22])))
            prefs = tuple(sorted({1 + (home + k) % n_spaces for k in rnd.sample(range(5), rnd.choice([2, 3]))}))
            wishes.append(WishFacts(w, rnd.choice([1, 1, 2]), rnd.choice([60, 90, 120]),
                                    tuple(Window(d, start * 60, end * 60) for d in days), prefs))
        apps.append(ApplicationFacts(a, a, rnd.choice(CLASSES), tuple(wishes), rnd.choice(AGES), rnd.randint(5, 80), f"D{home % 10}"))
    return apps, spaces


def bench_allocation(n_spaces: int, n_apps: int, limit: float) -> dict:
    apps, spaces = make_round(n_spaces, n_apps)
    began = time.perf_counter()
    result = allocate(apps, spaces, CLASSES, None, [], time_limit=limit)
    seconds = time.perf_counter() - began
    again = allocate(apps, spaces, CLASSES, None, [], time_limit=limit)
    return {"seconds": seconds, "candidates": result.candidates, "optimal": result.optimal, "gap": result.gap,
            "slots": len(result.slots), "wishes": sum(len(a.wishes) for a in apps), "unallocated": len(result.unallocated),
            "same_twice": again.slots == result.slots}


def bench_database(db: str, n_spaces: int, n_apps: int, limit: float) -> dict:
    """Allocate and publish a round on a fresh database of the given kind."""
    url = os.environ.get("DATABASE_URL") if db == "postgresql" else "sqlite:///" + os.path.join(tempfile.mkdtemp(), "rounds.db")
    if not url:
        raise SystemExit("--db postgresql needs DATABASE_URL")
    os.environ.setdefault("COMMONS_INSTANCE", tempfile.mkdtemp())
    from flask_migrate import upgrade
    from sqlalchemy import text

    from commons import create_app
    from commons.extensions import db as sa_db
    from commons.models import Facility, FacilityStaff, Group, GroupMember, User
    from rounds import services
    from rounds.models import Round, RoundApplication, RoundSpace
    from spaces.models import Booking, OpeningHours, Space

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench " + "x" * 30, "ROUND_ALLOCATION_TIME_LIMIT": limit})
    apps, spaces = make_round(n_spaces, n_apps)
    with app.app_context():
        if url.startswith("postgres"):
            with sa_db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        upgrade()
        f = Facility(name="Bench hall", district="Kallio", address="Street 1")
        sa_db.session.add(f)
        sa_db.session.flush()
        space_ids = {}
        for sid in spaces:
            s = Space(facility_id=f.id, name=f"Hall {sid}", capacity=50, timezone="Europe/Helsinki", buffer_minutes=15, min_minutes=30,
                      max_minutes=240, slot_minutes=30, horizon_days=90, weekly_quota_minutes=None, requires_approval=False)
            s.opening_hours = [OpeningHours(weekday=d, opens_minute=480, closes_minute=1320) for d in range(7)]
            sa_db.session.add(s)
            sa_db.session.flush()
            space_ids[sid] = s.id
        staff = User(email="staff@example.fi", name="Staff", role="staff")
        sa_db.session.add(staff)
        sa_db.session.flush()
        sa_db.session.add(FacilityStaff(facility_id=f.id, user_id=staff.id))
        today = datetime.now(timezone.utc).date()
        start = today + timedelta(days=(7 - today.weekday()) % 7 + 14)
        now = datetime.now(timezone.utc)
        r = Round(name="Bench round", season_start=start, season_end=start + timedelta(weeks=10) - timedelta(days=1),
                  applications_open=now - timedelta(days=30), applications_close=now - timedelta(minutes=1),
                  priority_classes=[{"code": c, "name": c} for c in CLASSES], unallocated=[])
        r.spaces = [RoundSpace(space_id=space_ids[s], position=i) for i, s in enumerate(spaces)]
        sa_db.session.add(r)
        sa_db.session.flush()
        for a in apps:
            g = Group(name=f"Bench group {a.id}", kind="association", district=a.district, verified=True)
            sa_db.session.add(g)
            sa_db.session.flush()
            u = User(email=f"rep{a.id}@example.fi", name=f"Rep {a.id}", role="member", language=random.choice(["fi", "sv", "en"]))
            sa_db.session.add(u)
            sa_db.session.flush()
            sa_db.session.add(GroupMember(group_id=g.id, user_id=u.id))
            sa_db.session.add(RoundApplication(
                round_id=r.id, group_id=g.id, priority_class=a.priority_class, purpose="sports", age_groups=list(a.age_groups),
                attendees=a.attendees, status="submitted",
                wishes=[{"slots_per_week": w.slots_per_week, "minutes": w.minutes, "space_ids": [space_ids[s] for s in w.space_ids],
                         "windows": [{"weekday": x.weekday, "start": x.start, "end": x.end} for x in w.windows]} for w in a.wishes]))
        sa_db.session.commit()
        rid, staff_id = r.id, staff.id
    with app.test_request_context():
        actor = sa_db.session.get(User, staff_id)
        began = time.perf_counter()
        run = services.allocate(actor, rid)
        allocate_s = time.perf_counter() - began
        began = time.perf_counter()
        published = services.publish(actor, rid)
        publish_s = time.perf_counter() - began
        bookings = sa_db.session.query(Booking).count()
    return {"db": db, "allocate_s": allocate_s, "optimal": run.optimal, "gap": run.gap, "allocations": len(run.allocations),
            "publish_s": publish_s, "series": sum(1 for p in published if p.series_id), "bookings": bookings}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.rounds")
    parser.add_argument("--db", choices=["sqlite", "postgresql", "none"], default="sqlite")
    parser.add_argument("--spaces", type=int, default=60)
    parser.add_argument("--apps", type=int, default=400)
    parser.add_argument("--limit", type=float, default=50.0, help="the solver's time limit in seconds")
    args = parser.parse_args(argv)
    a = bench_allocation(args.spaces, args.apps, args.limit)
    print(f"allocation (pure), {args.spaces} spaces x {args.apps} applications x 3 wishes: {a['seconds']:.2f} s; "
          f"{a['candidates']} candidate slots; optimal={a['optimal']} gap={a['gap']}; {a['slots']} slots for {a['wishes']} wishes; "
          f"{a['unallocated']} wishes with a reason; same answer twice: {a['same_twice']}")
    ok = a["seconds"] < 60 and a["same_twice"]
    if args.db != "none":
        d = bench_database(args.db, args.spaces, args.apps, args.limit)
        print(f"{d['db']}: allocate from the database {d['allocate_s']:.2f} s (optimal={d['optimal']} gap={d['gap']}, "
              f"{d['allocations']} allocations); publish {d['publish_s']:.2f} s ({d['series']} series, {d['bookings']} bookings)")
        ok = ok and d["allocate_s"] < 60 and d["publish_s"] < 60
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
