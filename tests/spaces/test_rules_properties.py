"""Hypothesis property tests for spaces/rules.py: pure functions, no app, no database, fixed clocks."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from spaces import rules
from spaces.rules import Booked, Interval, SpaceRules

HEL = ZoneInfo("Europe/Helsinki")
UTC = timezone.utc
ALWAYS_OPEN = {d: [(0, 1440)] for d in range(7)}
# Mondays: an ordinary winter week and the weeks of the spring and autumn clock changes.
MONDAYS = [date(2027, 1, 11), date(2027, 3, 22), date(2027, 10, 25)]
# Days around the clock changes (and an ordinary one) for availability windows.
WINDOW_DAYS = [date(2027, 1, 13), date(2027, 3, 27), date(2027, 3, 28), date(2027, 10, 30), date(2027, 10, 31)]

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def minutes(start: datetime, end: datetime) -> float:
    """Real minutes between two instants (`end - start` is wall-clock time within one ZoneInfo)."""
    return (utc(end) - utc(start)).total_seconds() / 60


def overlaps(a_start, a_end, b_start, b_end) -> bool:
    return utc(a_start) < utc(b_end) and utc(b_start) < utc(a_end)


# --- (1) evaluate never lets two accepted bookings overlap (buffers included) ------------------------

candidate = st.tuples(
    st.integers(0, 13),  # day after the Monday
    st.integers(0, 47),  # start slot (30 minutes)
    st.integers(1, 8),  # length in slots
)


def candidate_interval(monday: date, day: int, slot: int, length: int) -> Interval | None:
    naive = datetime.combine(monday + timedelta(days=day), time(0)) + timedelta(minutes=30 * slot)
    start = rules.localize(naive, HEL)
    end = rules.localize(naive + timedelta(minutes=30 * length), HEL)
    if start is None or end is None:
        return None
    # Half of the candidates in UTC, half in Helsinki time: rules compare instants.
    return Interval(utc(start), utc(end)) if slot % 2 else Interval(start, end)


def assert_no_overlap(old: list[Booked], new: list[Interval], buffer: timedelta, closures: list[Interval]) -> None:
    """Every pair involving a new booking keeps the buffer (and an old booking's blocked_until)."""
    everyone = [(utc(b.start), utc(b.end), utc(max(utc(b.end) + buffer, utc(b.blocked_until))), False) for b in old]
    everyone += [(utc(i.start), utc(i.end), utc(i.end) + buffer, True) for i in new]
    everyone.sort()
    for i, (a_start, a_end, a_blocked, a_new) in enumerate(everyone):
        for b_start, b_end, _, b_new in everyone[i + 1 :]:
            if not (a_new or b_new):
                continue  # two old bookings were checked under the old rules
            assert b_start >= a_end + buffer, (a_start, a_end, b_start, b_end)
            assert b_start >= a_blocked, (a_start, a_end, a_blocked, b_start)
    for i in new:
        for c in closures:
            assert not overlaps(i.start, i.end, c.start, c.end)


@FAST
@given(
    monday=st.sampled_from(MONDAYS),
    old_buffer=st.sampled_from([0, 30, 60, 90]),
    buffer=st.sampled_from([0, 15, 30, 60]),
    old=st.lists(candidate, max_size=12),
    new=st.lists(candidate, max_size=25),
    closure_specs=st.lists(candidate, max_size=3),
)
def test_evaluating_one_by_one_never_accepts_overlaps(monday, old_buffer, buffer, old, new, closure_specs):
    now = datetime.combine(monday - timedelta(days=1), time(0), tzinfo=UTC)
    # Existing bookings, made when the changeover buffer was `old_buffer`.
    old_rules = SpaceRules(tz=HEL, buffer_minutes=old_buffer, opening=ALWAYS_OPEN)
    booked: list[Booked] = []
    for spec in old:
        occ = candidate_interval(monday, *spec)
        if occ is None:
            continue
        ev = rules.evaluate([occ], old_rules, now, booked, [], {})
        if ev.accepted:
            booked.append(Booked(occ.start, occ.end, occ.end + old_rules.buffer))
    closures = [c for c in (candidate_interval(monday, *spec) for spec in closure_specs) if c is not None]

    r = SpaceRules(tz=HEL, buffer_minutes=buffer, opening=ALWAYS_OPEN)
    existing = list(booked)
    accepted: list[Interval] = []
    for spec in new:
        occ = candidate_interval(monday, *spec)
        if occ is None:
            continue
        ev = rules.evaluate([occ], r, now, existing, closures, {})
        assert (ev.accepted == [occ]) != bool(ev.problems)
        if ev.accepted:
            accepted.append(occ)
            existing.append(Booked(occ.start, occ.end, utc(occ.end) + r.buffer))
    assert_no_overlap(booked, accepted, r.buffer, closures)


@FAST
@given(
    monday=st.sampled_from(MONDAYS),
    buffer=st.sampled_from([0, 15, 30, 60, 24 * 60]),
    old=st.lists(candidate, max_size=8),
    new=st.lists(candidate, max_size=25),
    quota=st.one_of(st.none(), st.integers(0, 20).map(lambda n: 30 * n)),
)
def test_one_request_never_accepts_overlaps_or_exceeds_quota(monday, buffer, old, new, quota):
    now = datetime.combine(monday - timedelta(days=1), time(0), tzinfo=UTC)
    r = SpaceRules(tz=HEL, buffer_minutes=buffer, opening=ALWAYS_OPEN, weekly_quota_minutes=quota)
    booked: list[Booked] = []
    for spec in old:
        occ = candidate_interval(monday, *spec)
        if occ is not None and not rules.conflict_problems(occ.start, occ.end, r, booked, []):
            booked.append(Booked(occ.start, occ.end, utc(occ.end) + r.buffer))
    occurrences = [o for o in (candidate_interval(monday, *spec) for spec in new) if o is not None]
    ev = rules.evaluate(occurrences, r, now, booked, [], {})
    # Every occurrence is either accepted (in the given order) or has at least one problem.
    accepted_ids = {id(a) for a in ev.accepted}
    assert [o for o in occurrences if id(o) in accepted_ids] == ev.accepted
    refused = [o for o in occurrences if id(o) not in accepted_ids]
    assert all(any(p.occurrence == o for p in ev.problems) for o in refused)
    assert_no_overlap(booked, ev.accepted, r.buffer, [])
    if quota is not None:
        used: dict[tuple[int, int], float] = {}
        for o in ev.accepted:
            week = rules.iso_week(o.start, HEL)
            used[week] = used.get(week, 0) + minutes(o.start, o.end)
        assert all(v <= quota for v in used.values())


# --- (2) expand_series keeps the local wall-clock time ---------------------------------------------


@FAST
@given(
    freq=st.sampled_from(["DAILY", "WEEKLY"]),
    interval=st.integers(1, 3),
    count=st.integers(1, 40),
    day=st.dates(date(2026, 1, 1), date(2029, 12, 31)),
    minute=st.integers(0, 1439),
    duration=st.integers(1, 600),
    as_utc=st.booleans(),
    prefix=st.sampled_from(["", "RRULE:"]),
)
def test_series_keep_local_wall_clock(freq, interval, count, day, minute, duration, as_utc, prefix):
    naive_start = datetime.combine(day, time(0)) + timedelta(minutes=minute)
    naive_end = naive_start + timedelta(minutes=duration)
    start, end = rules.localize(naive_start, HEL), rules.localize(naive_end, HEL)
    assume(start is not None and end is not None)  # the first occurrence exists
    if as_utc:
        start, end = utc(start), utc(end)
    text = f"{prefix}FREQ={freq};INTERVAL={interval};COUNT={count}"
    occ, problems = rules.expand_series(text, start, end, HEL)

    assert len(occ) + len(problems) == count
    step = timedelta(days=interval * (7 if freq == "WEEKLY" else 1))
    expected_days = [day + k * step for k in range(count)]
    got_days = sorted(
        [o.start.astimezone(HEL).date() for o in occ] + [p.occurrence.start.replace(tzinfo=None).date() for p in problems]
    )
    assert got_days == expected_days
    # The first one is the booking as given. Compared as UTC instants: a time in the repeated autumn
    # hour is never == to a datetime of another tzinfo (PEP 495), even when it is the same instant.
    first = (occ[0].start.astimezone(timezone.utc), occ[0].end.astimezone(timezone.utc))
    assert first == (start.astimezone(timezone.utc), end.astimezone(timezone.utc))
    for o in occ:
        ls, le = o.start.astimezone(HEL).replace(tzinfo=None), o.end.astimezone(HEL).replace(tzinfo=None)
        assert ls.time() == naive_start.time()
        assert le - ls == naive_end - naive_start  # same local end time (possibly the next day)
        assert rules.localize(ls, HEL) is not None and rules.localize(le, HEL) is not None
    for a, b in zip(occ, occ[1:]):
        assert utc(a.start) < utc(b.start)
    for p in problems:
        assert p.code == "nonexistent_time" and p.kind == "rule"
        ps, pe = p.occurrence.start.replace(tzinfo=None), p.occurrence.end.replace(tzinfo=None)
        assert ps.time() == naive_start.time() and pe - ps == naive_end - naive_start
        assert rules.localize(ps, HEL) is None or rules.localize(pe, HEL) is None


# --- (3) availability: free time is open and clear of every booking and closure --------------------


@st.composite
def opening_hours(draw) -> dict[int, list[tuple[int, int]]]:
    out = {}
    for weekday in range(7):
        # Half-hour marks, with a bias towards 03:00-04:00, the hour the clocks skip or repeat.
        marks = sorted(draw(st.sets(st.one_of(st.integers(0, 48), st.sampled_from([6, 7, 8])), max_size=4)))
        spans = [(30 * a, 30 * b) for a, b in zip(marks[::2], marks[1::2])]
        if spans:
            out[weekday] = spans
    return out


span = st.tuples(st.integers(-96, 4 * 96), st.integers(1, 24))  # 15-minute units from the window's day


def wall_clock_open(moment: datetime, opening) -> bool | None:
    """Open by the local wall clock; None for a wall-clock time that occurs twice (autumn)."""
    local = moment.astimezone(HEL)
    naive = local.replace(tzinfo=None)
    if naive.replace(tzinfo=HEL, fold=0).utcoffset() != naive.replace(tzinfo=HEL, fold=1).utcoffset():
        return None
    m = local.hour * 60 + local.minute
    return any(o <= m < c for o, c in opening.get(local.weekday(), []))


@pytest.mark.fuzz  # the longest property of this file: outside the fast lane
@FAST
@given(
    opening=opening_hours(),
    day=st.sampled_from(WINDOW_DAYS),
    window_spec=st.tuples(st.integers(-8, 96), st.integers(1, 4 * 48)),
    buffer=st.sampled_from([0, 15, 30, 45]),
    booking_specs=st.lists(st.tuples(span, st.sampled_from([0, 0, 15, 60])), max_size=8),
    closure_specs=st.lists(span, max_size=3),
    probe=span,
)
def test_free_time_is_open_and_clear(opening, day, window_spec, buffer, booking_specs, closure_specs, probe):
    base = datetime.combine(day, time(0), tzinfo=HEL).astimezone(UTC)  # local midnight, as UTC
    q = timedelta(minutes=15)

    def interval(offset: int, length: int) -> Interval:
        return Interval(base + offset * q, base + (offset + length) * q)

    window = interval(*window_spec)
    r = SpaceRules(tz=HEL, buffer_minutes=buffer, opening=opening)
    booked = []
    for (offset, length), extra in booking_specs:
        i = interval(offset, length)
        booked.append(Booked(i.start, i.end, i.end + r.buffer + timedelta(minutes=extra)))
    closures = [interval(*spec) for spec in closure_specs]
    blocked = [Interval(b.start - r.buffer, max(b.end + r.buffer, b.blocked_until)) for b in booked] + closures

    busy, free = rules.availability(window, r, booked, closures)

    for parts in (busy, free):
        for i in parts:
            assert window.start <= i.start < i.end <= window.end
        for a, b in zip(parts, parts[1:]):
            assert a.end < b.start  # sorted, disjoint, not even touching (merged)
    for f in free:
        for x in blocked:
            assert not overlaps(f.start, f.end, x.start, x.end)
    opening_ivs = rules.opening_intervals(window, r)
    for f in free:
        assert any(o.start <= f.start and f.end <= o.end for o in opening_ivs)

    # Point by point, every 15 minutes (and 1 minute before each): free exactly when the wall
    # clock says open and nothing blocks; busy exactly when a booking or closure is there.
    t = window.start
    while t < window.end:
        for point in (t, t + timedelta(minutes=14)):
            if point >= window.end:
                continue
            in_free = any(f.start <= point < f.end for f in free)
            is_open = wall_clock_open(point, opening)
            is_blocked = any(x.start <= point < x.end for x in blocked)
            if is_open is not None:
                assert in_free == (is_open and not is_blocked), point
            else:
                assert not in_free or not is_blocked
            in_busy = any(b.start <= point < b.end for b in busy)
            assert in_busy == any(b.start <= point < b.end for b in booked + closures), point
        t += q

    # is_free agrees with the conflict rules and the opening hours.
    cand = interval(*probe)
    fits_opening = any(
        o.start <= cand.start and cand.end <= o.end for o in rules.opening_intervals(cand, r)
    )
    no_conflict = not rules.conflict_problems(cand.start, cand.end, r, booked, closures)
    assert rules.is_free(cand, r, booked, closures) == (fits_opening and no_conflict)


# --- merge / subtract against a minute-by-minute model --------------------------------------------

raw = st.lists(st.tuples(st.integers(0, 40), st.integers(1, 10)), max_size=8)
BASE = datetime(2027, 1, 13, tzinfo=UTC)


def as_intervals(pairs) -> list[Interval]:
    return [Interval(BASE + timedelta(minutes=a), BASE + timedelta(minutes=a + n)) for a, n in pairs]


def covered(intervals: list[Interval]) -> set[int]:
    """The minutes (since BASE) that the intervals cover."""

    def minute(moment: datetime) -> int:
        return int((moment - BASE).total_seconds() // 60)

    return {m for i in intervals for m in range(minute(i.start), minute(i.end))}


@FAST
@given(raw, raw)
def test_merge_and_subtract_match_set_model(base_pairs, remove_pairs):
    base, remove = as_intervals(base_pairs), as_intervals(remove_pairs)
    merged = rules.merge(base)
    assert covered(merged) == covered(base)
    for a, b in zip(merged, merged[1:]):
        assert a.end < b.start
    result = rules.subtract(merged, remove)
    assert covered(result) == covered(base) - covered(remove)
    assert all(i.start < i.end for i in result)
    for a, b in zip(result, result[1:]):
        assert a.end < b.start


# --- expand_series accepts a rule or raises RRuleError, nothing else ---------------------------------

rrule_part = st.one_of(
    st.sampled_from(["DAILY", "WEEKLY", "MONTHLY", "YEARLY", "HOURLY", "weekly", "X"]).map(lambda v: f"FREQ={v}"),
    st.sampled_from(["0", "1", "3", "104", "105", "-1", "x", "99999999999999999999"]).map(lambda v: f"COUNT={v}"),
    st.sampled_from(["20270601", "20270601T160000Z", "20270601T180000", "2027-06-01", "99991231", "00010101", "x"]).map(
        lambda v: f"UNTIL={v}"
    ),
    st.sampled_from(["0", "1", "2", "-1", "x", "52"]).map(lambda v: f"INTERVAL={v}"),
    st.sampled_from(["MO", "MO,WE", "XX", "1MO", "-1FR", ""]).map(lambda v: f"BYDAY={v}"),
    st.sampled_from(["1", "15", "28", "x"]).map(lambda v: f"BYMONTHDAY={v}"),
    st.sampled_from(["MO", "SU", "XX"]).map(lambda v: f"WKST={v}"),
    st.sampled_from(["DTSTART=20270101T000000", "garbage", "", "X-NAME=1"]),
)


@settings(max_examples=200, deadline=None)
@given(parts=st.lists(rrule_part, min_size=1, max_size=5), day=st.dates(date(2027, 1, 1), date(2027, 12, 31)))
def test_expand_series_raises_only_rrule_error(parts, day):
    start = datetime.combine(day, time(18), tzinfo=HEL)
    try:
        occ, problems = rules.expand_series(";".join(parts), start, start + timedelta(hours=2), HEL)
    except rules.RRuleError:
        return
    assert len(occ) + len(problems) <= rules.MAX_OCCURRENCES
    for o in occ:
        assert o.start.astimezone(HEL).time() == time(18)
        assert minutes(o.start, o.end) in (120, 60, 180)  # 120 unless a clock change
