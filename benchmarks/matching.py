"""How fast the matching is: ranking one shift among 20 000 volunteers, and a fill plan for 200 shifts
x 2 000 volunteers. Seeded, realistic generated data (Helsinki districts, the city's common
languages, skills from the shared vocabulary, weekly availability windows, shifts already held).

Run: `python -m benchmarks.matching` (prints a table; takes a few seconds).
"""
from __future__ import annotations

import random
import statistics
import time
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from volunteers.matching import VolunteerPool
from volunteers.planning import fill_plan
from volunteers.rules import SKILLS, ShiftFacts, VolunteerFacts, Window, match

TZ = ZoneInfo("Europe/Helsinki")
TODAY = date(2027, 3, 1)
DISTRICTS = ("Kallio", "Vallila", "Sörnäinen", "Kamppi", "Punavuori", "Töölö", "Pasila", "Käpylä",
             "Herttoniemi", "Itäkeskus", "Kontula", "Vuosaari", "Malmi", "Pukinmäki", "Kannelmäki",
             "Pitäjänmäki", "Lauttasaari", "Munkkiniemi", "Oulunkylä", "Maunula")
# (code, share of volunteers speaking it)
LANGUAGES = (("fi", 0.85), ("sv", 0.25), ("en", 0.7), ("ru", 0.08), ("et", 0.06), ("so", 0.03), ("ar", 0.04))
TAGS = ("chess", "sign language", "bike repair", "storytelling", "knitting", "board games", "first aid")


def make_volunteers(n: int, seed: int = 1) -> list[VolunteerFacts]:
    rnd = random.Random(seed)
    out = []
    for i in range(n):
        windows = []
        for day in rnd.sample(range(7), rnd.randint(1, 4)):
            if rnd.random() < 0.6:  # evenings
                start = rnd.choice((15, 16, 17, 18)) * 60
                windows.append(Window(day, start, min(1440, start + rnd.choice((3, 4, 5, 6)) * 60)))
            else:  # daytime
                start = rnd.choice((8, 9, 10, 12)) * 60
                windows.append(Window(day, start, start + rnd.choice((3, 4, 6, 8)) * 60))
        busy = []
        for _ in range(rnd.choice((0, 0, 0, 1, 1, 2))):
            d = TODAY + timedelta(days=rnd.randint(0, 13))
            st = datetime(d.year, d.month, d.day, rnd.choice((10, 14, 17, 18)), tzinfo=TZ)
            busy.append((st, st + timedelta(hours=rnd.choice((2, 3)))))
        age = rnd.choice((15, 16, 17)) if rnd.random() < 0.05 else rnd.randint(18, 80)
        out.append(VolunteerFacts(
            id=i + 1,
            skills=frozenset(rnd.sample(SKILLS, rnd.randint(0, 4))),
            tags=frozenset(rnd.sample(TAGS, rnd.randint(0, 2))),
            languages=frozenset(code for code, share in LANGUAGES if rnd.random() < share) or frozenset({"fi"}),
            districts=frozenset(rnd.sample(DISTRICTS, rnd.randint(1, 4))),
            availability=tuple(windows),
            max_minutes_per_week=rnd.choice((120, 180, 240, 360, 480, 600)),
            date_of_birth=date(TODAY.year - age, rnd.randint(1, 12), rnd.randint(1, 28)),
            guardian_consent=rnd.random() < 0.5,
            busy=tuple(busy),
            recent_shifts=rnd.choice((0, 0, 1, 1, 2, 3, 5, 8)),
        ))
    return out


def make_shifts(n: int, seed: int = 2) -> list[ShiftFacts]:
    rnd = random.Random(seed)
    out = []
    for i in range(n):
        d = TODAY + timedelta(days=rnd.randint(0, 13))
        hour = rnd.choice((9, 10, 12, 14, 16, 17, 17, 18, 18, 19))
        st = datetime(d.year, d.month, d.day, hour, rnd.choice((0, 0, 30)), tzinfo=TZ)
        out.append(ShiftFacts(
            id=1000 + i,
            start=st,
            end=st + timedelta(minutes=rnd.choice((60, 90, 120, 120, 180))),
            district=rnd.choice(DISTRICTS),
            skills=frozenset(rnd.sample(SKILLS, rnd.choice((0, 1, 1, 2)))),
            languages=frozenset(rnd.choice(((), ("fi",), ("sv",), ("fi", "en"), ("ru",), ("so",)))),
            min_age=rnd.choice((None, None, None, 15, 18)),
            needed=rnd.randint(1, 4),
            taken=0,
        ))
    return out


def bench_rank(n_volunteers: int = 20_000, n_shifts: int = 25, limit: int = 50):
    volunteers = make_volunteers(n_volunteers)
    t0 = time.perf_counter()
    pool = VolunteerPool(volunteers)
    build = time.perf_counter() - t0
    times, found, scoring = [], [], []
    for shift in make_shifts(n_shifts, seed=3):
        t0 = time.perf_counter()
        pool.evaluate(shift, TZ, TODAY)
        scoring.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        ranked = pool.rank(shift, TZ, TODAY, limit)
        times.append(time.perf_counter() - t0)
        found.append(len(ranked))
    shift = make_shifts(1, seed=3)[0]
    t0 = time.perf_counter()
    plain = [m for m in (match(v, shift, TZ, TODAY) for v in volunteers) if m.eligible]
    plain_time = time.perf_counter() - t0
    assert len(plain) == len(pool.rank(shift, TZ, TODAY, None))  # the same eligible set (tests prove it all)
    return build, statistics.median(times), max(times), statistics.median(found), statistics.median(scoring), plain_time


def bench_fill(n_shifts: int = 200, n_volunteers: int = 2_000):
    shifts, volunteers = make_shifts(n_shifts), make_volunteers(n_volunteers, seed=4)
    t0 = time.perf_counter()
    plan = fill_plan(shifts, volunteers, TZ, TODAY, time_limit=30)
    elapsed = time.perf_counter() - t0
    places = sum(s.needed - s.taken for s in shifts)
    return elapsed, plan, places


def main() -> None:
    build, median, worst, found, scoring, plain = bench_rank()
    elapsed, plan, places = bench_fill()
    rows = [
        ("pool build, 20 000 volunteers", f"{build * 1000:.0f} ms", ""),
        ("rank one shift among 20 000 (median of 25)", f"{median * 1000:.1f} ms",
         f"max {worst * 1000:.1f} ms; top 50 with reasons; median {found:.0f} returned"),
        ("  of which scoring all 20 000 (numpy)", f"{scoring * 1000:.2f} ms", "eligibility and score for everyone"),
        ("the same with plain rules.match (no pool)", f"{plain * 1000:.0f} ms", "one shift, for comparison"),
        ("fill plan, 200 shifts x 2 000 volunteers", f"{elapsed:.2f} s",
         f"optimal={plan.optimal}; {len(plan.assignments)} of {places} places filled; "
         f"total score {plan.total_score:.1f}"),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"{'measure':<{width}}  {'time':>9}  detail")
    for name, value, detail in rows:
        print(f"{name:<{width}}  {value:>9}  {detail}")


if __name__ == "__main__":
    main()
