"""The fill plan: exact (checked against brute force on small instances), and it keeps capacity,
no overlaps, weekly hours (local ISO weeks) and eligibility. Plain values, no database."""
from __future__ import annotations

import itertools
import random
from datetime import date, timedelta

import pytest

from volunteers import matching, rules
from volunteers.planning import Plan, fill_plan
from volunteers.rules import ShiftFacts, VolunteerFacts, match

from ._facts import TODAY, TZ, WINTER_TUESDAY, at, shift, volunteer

MONDAY = date(2027, 1, 11)


def quarter_weeks(s: ShiftFacts) -> dict[tuple[int, int], int]:
    """Minutes of a span per local ISO week, counted a quarter hour at a time (independent of rules)."""
    out: dict[tuple[int, int], int] = {}
    t = s.start
    while t < s.end:
        key = t.astimezone(TZ).isocalendar()[:2]
        out[key] = out.get(key, 0) + 15
        t += timedelta(minutes=15)
    return out


def feasible(pairs, shifts_by_id, vols_by_id) -> bool:
    per_shift: dict[int, int] = {}
    per_vol: dict[int, list[ShiftFacts]] = {}
    for sid, vid in pairs:
        per_shift[sid] = per_shift.get(sid, 0) + 1
        per_vol.setdefault(vid, []).append(shifts_by_id[sid])
    if any(n > shifts_by_id[sid].needed - shifts_by_id[sid].taken for sid, n in per_shift.items()):
        return False
    for vid, held in per_vol.items():
        v = vols_by_id[vid]
        for a, b in itertools.combinations(held, 2):
            if a.start < b.end and b.start < a.end:
                return False
        weeks: dict[tuple[int, int], int] = {}
        spans = held + [ShiftFacts(0, b0, b1, "") for b0, b1 in v.busy]
        for s in spans:
            for k, m in quarter_weeks(s).items():
                weeks[k] = weeks.get(k, 0) + m
        if any(m > v.max_minutes_per_week for m in weeks.values()):
            return False
    return True


def brute_force(shifts, vols) -> float:
    scores = {(s.id, v.id): m.score for s in shifts for v in vols if (m := match(v, s, TZ, TODAY)).eligible}
    by_s, by_v = {s.id: s for s in shifts}, {v.id: v for v in vols}
    best = 0.0
    keys = list(scores)
    for r in range(len(keys) + 1):
        for subset in itertools.combinations(keys, r):
            total = sum(scores[k] for k in subset)
            if total > best + 1e-9 and feasible(subset, by_s, by_v):
                best = total
    return round(best, 1)


def check_plan(plan: Plan, shifts, vols):
    by_s, by_v = {s.id: s for s in shifts}, {v.id: v for v in vols}
    assert len(set(plan.assignments)) == len(plan.assignments)
    assert feasible(plan.assignments, by_s, by_v)
    total = 0.0
    for sid, vid in plan.assignments:
        m = match(by_v[vid], by_s[sid], TZ, TODAY)
        assert m.eligible
        total += m.score
    assert plan.total_score == pytest.approx(round(total, 1))
    for s in shifts:
        left = s.needed - s.taken - sum(1 for sid, _ in plan.assignments if sid == s.id)
        assert plan.unfilled.get(s.id, 0) == max(left, 0)


def random_instance(rnd: random.Random):
    shifts = []
    for i in range(rnd.randint(1, 4)):
        day = MONDAY + timedelta(days=rnd.choice((1, 1, 2, 6, 7)))  # Tue, Wed, Sun, next Mon
        shifts.append(shift(i + 1, day=day, start=(rnd.choice((17, 18, 23)), rnd.choice((0, 30))),
                            minutes=rnd.choice((60, 90, 120)), district=rnd.choice(("Kallio", "Vallila")),
                            skills=frozenset(rnd.sample(("cooking", "first_aid"), rnd.randint(0, 2))),
                            languages=frozenset(rnd.sample(("fi", "sv"), rnd.randint(0, 1))),
                            needed=rnd.randint(1, 2), taken=rnd.choice((0, 0, 1))))
    vols = []
    for j in range(rnd.randint(1, 4)):
        busy = ()
        if rnd.random() < 0.3:
            b = at(MONDAY + timedelta(days=rnd.choice((1, 3))), 17, 30)
            busy = ((b, b + timedelta(minutes=60)),)
        vols.append(volunteer(10 + j, skills=set(rnd.sample(("cooking", "first_aid"), rnd.randint(0, 2))),
                              languages=set(rnd.sample(("fi", "sv"), rnd.randint(0, 2))),
                              districts=set(rnd.sample(("Kallio", "Vallila"), rnd.randint(0, 1))),
                              max_minutes_per_week=rnd.choice((60, 120, 150, 240, 600)),
                              recent_shifts=rnd.randint(0, 5), busy=busy))
    return shifts, vols


@pytest.mark.parametrize("seed", range(60))
def test_the_plan_is_optimal_against_brute_force(seed):
    shifts, vols = random_instance(random.Random(seed))
    plan = fill_plan(shifts, vols, TZ, TODAY)
    assert plan.optimal
    check_plan(plan, shifts, vols)
    assert plan.total_score == pytest.approx(brute_force(shifts, vols))


def test_greedy_is_not_enough():
    # Taking the best pair first (v1 on A, 100) leaves B to no one (v2 has no birth date for its
    # minimum age): 100 in all. The optimum puts v1 on B (85) and v2 on A (75): 160.
    a = shift(1, start=(17, 0), languages=frozenset({"sv"}))
    b = shift(2, start=(17, 0), district="Vallila", languages=frozenset({"sv"}), min_age=18)
    v1 = volunteer(1, languages={"sv"}, districts={"Kallio"}, date_of_birth=date(1990, 1, 1))
    v2 = volunteer(2, districts={"Kallio"})
    assert [match(v, s, TZ, TODAY).score for s in (a, b) for v in (v1, v2)] == [100.0, 75.0, 85.0, 0.0]
    plan = fill_plan([a, b], [v1, v2], TZ, TODAY)
    assert plan.assignments == [(1, 2), (2, 1)] and plan.total_score == 160.0 and plan.unfilled == {}


def test_capacity_counts_places_already_taken():
    s = shift(1, needed=3, taken=2)
    plan = fill_plan([s], [volunteer(i) for i in range(1, 6)], TZ, TODAY)
    assert len(plan.assignments) == 1 and plan.unfilled == {}
    full = shift(2, needed=2, taken=2)
    assert fill_plan([full], [volunteer(1)], TZ, TODAY) == Plan([], 0.0, {}, True)


def test_one_person_never_gets_overlapping_shifts_but_back_to_back_is_fine():
    first, overlapping, after = shift(1, start=(17, 0)), shift(2, start=(18, 0)), shift(3, start=(19, 0))
    plan = fill_plan([first, overlapping, after], [volunteer(1)], TZ, TODAY)
    assert plan.assignments == [(1, 1), (3, 1)]
    assert plan.unfilled == {2: 1}


def test_three_shifts_overlapping_at_one_moment_give_one():
    # Each pair overlaps, and all three share 18:30: one constraint per start point covers them.
    ss = [shift(1, start=(17, 0), minutes=120), shift(2, start=(18, 0), minutes=120), shift(3, start=(18, 30), minutes=30)]
    plan = fill_plan(ss, [volunteer(1)], TZ, TODAY)
    assert len(plan.assignments) == 1


def test_shifts_overlapping_what_someone_holds_are_not_offered():
    held = ((at(WINTER_TUESDAY, 18), at(WINTER_TUESDAY, 19)),)
    plan = fill_plan([shift(1, start=(17, 0))], [volunteer(1, busy=held)], TZ, TODAY)
    assert plan.assignments == [] and plan.unfilled == {1: 1}


def test_weekly_hours_are_kept_per_local_week():
    v = volunteer(1, max_minutes_per_week=180)
    same_week = [shift(1, day=WINTER_TUESDAY), shift(2, day=WINTER_TUESDAY + timedelta(days=1))]
    assert len(fill_plan(same_week, [v], TZ, TODAY).assignments) == 1
    two_weeks = [shift(1, day=WINTER_TUESDAY), shift(2, day=WINTER_TUESDAY + timedelta(days=7))]
    assert len(fill_plan(two_weeks, [v], TZ, TODAY).assignments) == 2
    exactly = volunteer(1, max_minutes_per_week=240)
    assert len(fill_plan(same_week, [exactly], TZ, TODAY).assignments) == 2
    held = ((at(MONDAY, 10), at(MONDAY, 10, 1)),)  # one minute already held that week
    assert len(fill_plan(same_week, [volunteer(1, max_minutes_per_week=240, busy=held)], TZ, TODAY).assignments) == 1


def test_ineligible_pairs_are_never_planned():
    s = shift(1, min_age=18)
    plan = fill_plan([s], [volunteer(1), volunteer(2, date_of_birth=date(1990, 1, 1))], TZ, TODAY)
    assert plan.assignments == [(1, 2)]


def test_empty_inputs():
    assert fill_plan([], [], TZ, TODAY) == Plan([], 0.0, {}, True)
    assert fill_plan([], [volunteer(1)], TZ, TODAY) == Plan([], 0.0, {}, True)
    assert fill_plan([shift(1, needed=2)], [], TZ, TODAY) == Plan([], 0.0, {1: 2}, True)
    assert fill_plan([shift(1)], [volunteer(1, availability=())], TZ, TODAY) == Plan([], 0.0, {1: 1}, True)


def test_a_time_limit_is_accepted():
    plan = fill_plan([shift(1)], [volunteer(1)], TZ, TODAY, time_limit=5)
    assert plan.optimal and plan.assignments == [(1, 1)]


def test_the_numpy_path_plans_the_same_as_the_plain_path(monkeypatch):
    rnd = random.Random(7)
    shifts = [shift(i, day=MONDAY + timedelta(days=rnd.randint(0, 9)), start=(rnd.choice((16, 17, 18)), 0),
                    minutes=rnd.choice((60, 120)), languages=frozenset(rnd.sample(("fi", "sv"), rnd.randint(0, 1))),
                    needed=rnd.randint(1, 3)) for i in range(1, 16)]
    vols = [volunteer(j, languages=set(rnd.sample(("fi", "sv"), rnd.randint(0, 2))), recent_shifts=rnd.randint(0, 4),
                      max_minutes_per_week=rnd.choice((60, 120, 240)),
                      availability=[(d, 16 * 60, 20 * 60) for d in rnd.sample(range(7), 3)])
            for j in range(1, matching.POOL_THRESHOLD + 20)]
    fast = fill_plan(shifts, vols, TZ, TODAY)
    assert matching.eligible_pairs(shifts, vols, TZ, TODAY) == rules.eligible_pairs(shifts, vols, TZ, TODAY)
    monkeypatch.setattr(matching, "POOL_THRESHOLD", 10**9)
    plain = fill_plan(shifts, vols, TZ, TODAY)
    assert fast.optimal and plain.optimal
    assert fast.total_score == plain.total_score
    assert rules.eligible_pairs(shifts, vols, TZ, TODAY) == sorted(rules.eligible_pairs(shifts, vols, TZ, TODAY))
    check_plan(fast, shifts, vols)


def test_excluded_pairs_are_never_planned_and_ages_can_be_taken_earlier():
    """The services exclude people already on a shift (invited, declined, taken off), and organisers' plans
    take ages on the first of the month (rules.match's ages_on)."""
    a, b = shift(1, start=(17, 0)), shift(2, start=(19, 0))
    v1, v2 = volunteer(1, recent_shifts=0), volunteer(2, recent_shifts=3)
    assert fill_plan([a, b], [v1, v2], TZ, TODAY).assignments == [(1, 1), (2, 1)]
    plan = fill_plan([a, b], [v1, v2], TZ, TODAY, exclude=frozenset({(1, 1)}))
    assert plan.assignments == [(1, 2), (2, 1)] and plan.optimal
    assert fill_plan([a], [v1], TZ, TODAY, exclude=frozenset({(1, 1)})) == Plan([], 0.0, {1: 1}, True)
    teen = volunteer(3, date_of_birth=date(2011, 1, 5), guardian_consent=True)  # 16 on 5 January 2027
    aged = shift(3, min_age=16)  # WINTER_TUESDAY, 12 January 2027
    assert fill_plan([aged], [teen], TZ, TODAY).assignments == [(3, 3)]
    assert fill_plan([aged], [teen], TZ, TODAY, ages_on=date(2027, 1, 1)).assignments == []
