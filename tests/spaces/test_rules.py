"""Unit tests for spaces/rules.py: pure functions, no Flask app, no database, a fixed `now`."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

import spaces.messages  # noqa: F401  (the words of the codes)
from commons.codes import english
from spaces import rules
from spaces.rules import Booked, Interval, Problem, RRuleError, SpaceRules

HEL = ZoneInfo("Europe/Helsinki")
UTC = timezone.utc
# Monday 2027-01-04 11:00 local (+02:00), the first day of ISO week 2027-W01.
NOW = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)
WED = date(2027, 1, 13)  # a Wednesday in ISO week 2027-W02, well inside the horizon
EVERY_DAY_8_21 = {d: [(8 * 60, 21 * 60)] for d in range(7)}
ALWAYS_OPEN = {d: [(0, 1440)] for d in range(7)}
SPRING = date(2027, 3, 28)  # last Sunday of March 2027: 03:00 +02:00 -> 04:00 +03:00
AUTUMN = date(2027, 10, 31)  # last Sunday of October 2027: 04:00 +03:00 -> 03:00 +02:00
H2, H3 = timedelta(hours=2), timedelta(hours=3)


def at(day: date, hour: int, minute: int = 0, second: int = 0, microsecond: int = 0) -> datetime:
    """An existing, unambiguous Helsinki wall-clock time as an aware datetime."""
    return datetime.combine(day, time(hour, minute, second, microsecond), tzinfo=HEL)


def hm(hour: int, minute: int = 0) -> datetime:
    return at(WED, hour, minute)


def make_rules(**kw) -> SpaceRules:
    kw.setdefault("opening", EVERY_DAY_8_21)
    return SpaceRules(tz=HEL, **kw)


def en(p: Problem) -> str:
    """The problem in English, as the API's `reason` gives it."""
    return english(p.code, p.params)


def codes(problems: list[Problem]) -> list[str]:
    return [p.code for p in problems]


def hour_long(day: date, hour: int = 18) -> Interval:
    return Interval(at(day, hour), at(day, hour + 1))


def iv(a: datetime, b: datetime) -> Interval:
    return Interval(a, b)


def elapsed(a: datetime, b: datetime) -> timedelta:
    """Real time between two instants. (`b - a` is wall-clock time when both share one ZoneInfo.)"""
    return b.astimezone(UTC) - a.astimezone(UTC)


# --- Local time helpers --------------------------------------------------------------------------


class TestLocalTime:
    def test_localize_existing_time(self):
        got = rules.localize(datetime(2027, 1, 13, 18, 0), HEL)
        assert got == datetime(2027, 1, 13, 16, 0, tzinfo=UTC)
        assert got.utcoffset() == H2

    def test_localize_summer_time(self):
        got = rules.localize(datetime(2027, 6, 1, 18, 0), HEL)
        assert got == datetime(2027, 6, 1, 15, 0, tzinfo=UTC)
        assert got.utcoffset() == H3

    def test_localize_nonexistent_time_is_none(self):
        assert rules.localize(datetime(2027, 3, 28, 3, 30), HEL) is None
        assert rules.localize(datetime(2027, 3, 28, 3, 0), HEL) is None
        assert rules.localize(datetime(2027, 3, 28, 2, 59), HEL) == datetime(2027, 3, 28, 0, 59, tzinfo=UTC)
        assert rules.localize(datetime(2027, 3, 28, 4, 0), HEL) == datetime(2027, 3, 28, 1, 0, tzinfo=UTC)

    def test_localize_ambiguous_time_takes_first(self):
        got = rules.localize(datetime(2027, 10, 31, 3, 30), HEL)
        # (== between zones is always False for an ambiguous time, so compare in UTC.)
        assert got.astimezone(UTC) == datetime(2027, 10, 31, 0, 30, tzinfo=UTC)
        assert got.utcoffset() == H3

    def test_local_minutes(self):
        assert rules.local_minutes(hm(18, 30), HEL, WED) == 1110
        assert rules.local_minutes(at(WED + timedelta(days=1), 0), HEL, WED) == 1440
        assert rules.local_minutes(datetime(2027, 1, 13, 16, 0, tzinfo=UTC), HEL, WED) == 1080
        # On the spring change day, wall-clock minutes, not elapsed minutes.
        assert rules.local_minutes(at(SPRING, 5), HEL, SPRING) == 300

    def test_iso_week_in_local_time(self):
        assert rules.iso_week(hm(12), HEL) == (2027, 2)
        # Sunday 2027-01-10 23:30 local is 21:30 UTC: week 1.
        assert rules.iso_week(datetime(2027, 1, 10, 21, 30, tzinfo=UTC), HEL) == (2027, 1)
        # Monday 2027-01-11 00:30 local is still Sunday 22:30 UTC: week 2 nonetheless.
        assert rules.iso_week(datetime(2027, 1, 10, 22, 30, tzinfo=UTC), HEL) == (2027, 2)
        # Year boundary: Sunday 2027-01-03 is in 2026-W53; Monday 00:30 local is 2027-W01.
        assert rules.iso_week(at(date(2027, 1, 3), 23, 30), HEL) == (2026, 53)
        assert rules.iso_week(datetime(2027, 1, 3, 22, 30, tzinfo=UTC), HEL) == (2027, 1)

    def test_week_bounds(self):
        w = rules.week_bounds(2027, 1, HEL)
        assert w == Interval(at(date(2027, 1, 4), 0), at(date(2027, 1, 11), 0))
        assert w.start == datetime(2027, 1, 3, 22, 0, tzinfo=UTC)
        assert elapsed(w.start, w.end) == timedelta(days=7)

    def test_week_bounds_across_dst(self):
        w = rules.week_bounds(2027, 12, HEL)  # Mon 22 Mar - Mon 29 Mar, contains the spring change
        assert w.start == datetime(2027, 3, 21, 22, 0, tzinfo=UTC)
        assert w.end == datetime(2027, 3, 28, 21, 0, tzinfo=UTC)
        assert elapsed(w.start, w.end) == timedelta(days=7, hours=-1)
        w = rules.week_bounds(2027, 43, HEL)  # contains the autumn change
        assert elapsed(w.start, w.end) == timedelta(days=7, hours=1)

    def test_week_bounds_and_iso_week_agree(self):
        w = rules.week_bounds(2027, 2, HEL)
        assert rules.iso_week(w.start, HEL) == (2027, 2)
        assert rules.iso_week(w.end - timedelta(microseconds=1), HEL) == (2027, 2)
        assert rules.iso_week(w.end, HEL) == (2027, 3)


# --- Conflicts: half-open intervals, buffer, closures ---------------------------------------------


class TestConflicts:
    def test_touching_bookings_do_not_conflict(self):
        r = make_rules()
        existing = [Booked(hm(16), hm(18), hm(18))]
        assert rules.conflict_problems(hm(18), hm(20), r, existing, []) == []
        assert rules.conflict_problems(hm(14), hm(16), r, existing, []) == []

    def test_one_minute_overlap_conflicts(self):
        r = make_rules()
        existing = [Booked(hm(16), hm(18), hm(18))]
        after = rules.conflict_problems(hm(17, 59), hm(20), r, existing, [])
        before = rules.conflict_problems(hm(14), hm(16, 1), r, existing, [])
        assert codes(after) == ["booked"] and codes(before) == ["booked"]

    def test_identical_and_containing_bookings_conflict(self):
        r = make_rules()
        existing = [Booked(hm(16), hm(18), hm(18))]
        assert codes(rules.conflict_problems(hm(16), hm(18), r, existing, [])) == ["booked"]
        assert codes(rules.conflict_problems(hm(15), hm(19), r, existing, [])) == ["booked"]
        assert codes(rules.conflict_problems(hm(16, 30), hm(17), r, existing, [])) == ["booked"]

    def test_instants_in_other_zones_compare_as_instants(self):
        r = make_rules()
        existing = [Booked(hm(16), hm(18), hm(18))]
        # 16:00-18:00 UTC is 18:00-20:00 Helsinki: touches, no conflict.
        start_utc = datetime(2027, 1, 13, 16, 0, tzinfo=UTC)
        assert rules.conflict_problems(start_utc, start_utc + H2, r, existing, []) == []
        assert len(rules.conflict_problems(start_utc - timedelta(minutes=1), start_utc + H2, r, existing, [])) == 1

    @pytest.mark.parametrize(
        ("start", "end", "conflict"),
        [
            ((20, 0), (21, 0), True),
            ((17, 0), (18, 0), True),
            ((20, 15), (21, 0), False),
            ((17, 0), (17, 45), False),
            ((20, 14), (21, 0), True),
            ((17, 0), (17, 46), True),
            ((19, 0), (19, 30), True),
            ((21, 0), (22, 0), False),
        ],
    )
    def test_buffer_on_both_sides(self, start, end, conflict):
        r = make_rules(buffer_minutes=15)
        existing = [Booked(hm(18), hm(20), hm(20, 15))]
        found = rules.conflict_problems(hm(*start), hm(*end), r, existing, [])
        assert codes(found) == (["booked"] if conflict else [])

    def test_current_buffer_applies_even_if_blocked_until_is_smaller(self):
        # A booking made before the buffer was raised: blocked_until == end.
        r = make_rules(buffer_minutes=15)
        existing = [Booked(hm(18), hm(20), hm(20))]
        assert codes(rules.conflict_problems(hm(20), hm(21), r, existing, [])) == ["booked"]
        assert rules.conflict_problems(hm(20, 15), hm(21), r, existing, []) == []

    def test_larger_blocked_until_is_respected(self):
        # Booked with an old 45-minute buffer; the space now has 15.
        r = make_rules(buffer_minutes=15)
        existing = [Booked(hm(18), hm(20), hm(20, 45))]
        assert codes(rules.conflict_problems(hm(20, 30), hm(21), r, existing, [])) == ["booked"]
        assert codes(rules.conflict_problems(hm(20, 44), hm(21), r, existing, [])) == ["booked"]
        assert rules.conflict_problems(hm(20, 45), hm(21, 30), r, existing, []) == []
        # The old buffer only extends the end; before the booking the current buffer counts.
        assert rules.conflict_problems(hm(17), hm(17, 45), r, existing, []) == []

    def test_blocked_until_respected_without_buffer(self):
        r = make_rules(buffer_minutes=0)
        existing = [Booked(hm(18), hm(20), hm(20, 30))]
        assert codes(rules.conflict_problems(hm(20), hm(21), r, existing, [])) == ["booked"]
        assert rules.conflict_problems(hm(20, 30), hm(21), r, existing, []) == []
        assert rules.conflict_problems(hm(17), hm(18), r, existing, []) == []

    def test_booked_problem_carries_the_booking_not_the_buffer(self):
        r = make_rules(buffer_minutes=15)
        existing = [Booked(hm(18), hm(20), hm(20, 15))]
        (p,) = rules.conflict_problems(hm(20), hm(21), r, existing, [])
        assert p.kind == "conflict"
        assert p.code == "booked"
        assert (p.start, p.end) == (hm(18), hm(20))
        assert p.occurrence == Interval(hm(20), hm(21))
        assert "15 minutes for changeover" in en(p)
        assert "Wed 13 Jan 2027 18:00–20:00" in en(p)

    def test_no_changeover_text_without_buffer(self):
        (p,) = rules.conflict_problems(hm(19), hm(21), make_rules(), [Booked(hm(18), hm(20), hm(20))], [])
        assert "changeover" not in en(p)

    def test_closures_conflict_without_buffer(self):
        r = make_rules(buffer_minutes=15)
        closures = [Interval(hm(12), hm(14))]
        assert rules.conflict_problems(hm(14), hm(15), r, [], closures) == []
        assert rules.conflict_problems(hm(11), hm(12), r, [], closures) == []
        (p,) = rules.conflict_problems(hm(13, 30), hm(14, 30), r, [], closures)
        assert (p.kind, p.code) == ("conflict", "closed")
        assert (p.start, p.end) == (hm(12), hm(14))
        assert p.occurrence == Interval(hm(13, 30), hm(14, 30))
        assert en(p) == "Closed Wed 13 Jan 2027 12:00–14:00."

    def test_long_closure_covering_the_booking(self):
        closures = [Interval(at(WED, 0), at(WED + timedelta(days=3), 0))]
        (p,) = rules.conflict_problems(hm(18), hm(19), make_rules(), [], closures)
        assert p.code == "closed"
        assert en(p) == "Closed Wed 13 Jan 2027 00:00 – Sat 16 Jan 2027 00:00."

    def test_every_thing_in_the_way_is_reported(self):
        r = make_rules(buffer_minutes=15)
        booked = [Booked(hm(10), hm(11), hm(11, 15)), Booked(hm(12), hm(13), hm(13, 15)), Booked(hm(16), hm(17), hm(17))]
        closures = [Interval(hm(11, 30), hm(11, 45)), Interval(hm(20), hm(21))]
        found = rules.conflict_problems(hm(11), hm(12), r, booked, closures)
        assert [(p.code, p.start, p.end) for p in found] == [
            ("booked", hm(10), hm(11)),
            ("booked", hm(12), hm(13)),
            ("closed", hm(11, 30), hm(11, 45)),
        ]


# --- Single-occurrence rules ----------------------------------------------------------------------


class TestOpeningHours:
    OPENING = {
        0: [(480, 1260)],
        1: [(480, 1260)],
        2: [(480, 720), (780, 1260)],  # Wednesday: lunch break 12:00-13:00
        3: [(1080, 1440)],  # Thursday: 18:00-24:00
        4: [(0, 1440)],  # Friday: all day
        5: [(600, 960)],  # Saturday: 10:00-16:00
        # Sunday: closed
    }

    def problems(self, start, end):
        return codes(rules.rule_problems(start, end, make_rules(opening=self.OPENING), NOW))

    @pytest.mark.parametrize(
        ("day", "start", "end"),
        [
            (date(2027, 1, 11), (8, 0), (10, 0)),
            (date(2027, 1, 11), (19, 0), (21, 0)),
            (WED, (8, 0), (12, 0)),
            (WED, (13, 0), (17, 0)),
            (date(2027, 1, 14), (22, 0), (24, 0)),
            (date(2027, 1, 15), (0, 0), (2, 0)),
            (date(2027, 1, 16), (10, 0), (14, 0)),
        ],
    )
    def test_inside(self, day, start, end):
        s = at(day, *start)
        e = at(day, *end) if end != (24, 0) else at(day + timedelta(days=1), 0)
        assert self.problems(s, e) == []

    @pytest.mark.parametrize(
        ("day", "start", "end"),
        [
            (date(2027, 1, 11), (7, 30), (9, 0)),  # starts before opening
            (date(2027, 1, 11), (20, 0), (21, 30)),  # ends after closing
            (date(2027, 1, 11), (21, 0), (22, 0)),  # entirely after closing
            (WED, (11, 30), (13, 30)),  # spans the lunch break
            (WED, (12, 0), (13, 0)),  # inside the break
            (date(2027, 1, 16), (9, 30), (11, 0)),  # Saturday, too early
            (date(2027, 1, 17), (10, 0), (12, 0)),  # Sunday: closed all day
        ],
    )
    def test_outside(self, day, start, end):
        assert self.problems(at(day, *start), at(day, *end)) == ["outside_opening_hours"]

    def test_reason_names_the_hours(self):
        r = make_rules(opening=self.OPENING)
        (p,) = rules.rule_problems(at(date(2027, 1, 17), 10), at(date(2027, 1, 17), 12), r, NOW)
        assert (p.kind, p.code) == ("rule", "outside_opening_hours")
        assert en(p) == "Sun 17 Jan 2027 10:00–12:00 is outside the opening hours: closed on Sundays."
        assert p.occurrence == Interval(at(date(2027, 1, 17), 10), at(date(2027, 1, 17), 12))
        assert p.start is None and p.end is None
        (p,) = rules.rule_problems(hm(11, 30), hm(13, 30), r, NOW)
        assert en(p).endswith("open on Wednesdays 08:00–12:00, 13:00–21:00.")

    def test_closes_at_midnight(self):
        thu, fri = date(2027, 1, 14), date(2027, 1, 15)
        assert self.problems(at(thu, 23), at(fri, 0)) == []
        assert self.problems(at(thu, 23, 30), at(fri, 0)) == []

    def test_booking_spanning_midnight_is_outside(self):
        # Open 18:00-24:00 Thursday and all of Friday, but one booking may not span midnight.
        thu, fri = date(2027, 1, 14), date(2027, 1, 15)
        assert self.problems(at(thu, 23), at(fri, 1)) == ["outside_opening_hours"]
        r = make_rules(opening=ALWAYS_OPEN)
        assert codes(rules.rule_problems(at(thu, 23, 30), at(fri, 0, 30), r, NOW)) == ["outside_opening_hours"]

    def test_given_in_utc_checked_in_local_time(self):
        r = make_rules(opening={2: [(480, 1260)]})
        # 06:00-08:00 UTC in January is 08:00-10:00 Helsinki.
        s = datetime(2027, 1, 13, 6, 0, tzinfo=UTC)
        assert rules.rule_problems(s, s + H2, r, NOW) == []
        s = datetime(2027, 1, 13, 5, 30, tzinfo=UTC)
        assert codes(rules.rule_problems(s, s + H2, r, NOW)) == ["outside_opening_hours"]
        # 17:00-19:00 UTC is 19:00-21:00 local, ending exactly at closing time.
        s = datetime(2027, 1, 13, 17, 0, tzinfo=UTC)
        assert rules.rule_problems(s, s + H2, r, NOW) == []

    def test_local_weekday_decides_not_utc_weekday(self):
        # Thursday 00:30 local is Wednesday 22:30 UTC; only Thursday is open.
        r = make_rules(opening={3: [(0, 1440)]})
        s = datetime(2027, 1, 13, 22, 30, tzinfo=UTC)
        assert rules.rule_problems(s, s + timedelta(hours=1), r, NOW) == []
        r = make_rules(opening={2: [(0, 1440)]})
        assert codes(rules.rule_problems(s, s + timedelta(hours=1), r, NOW)) == ["outside_opening_hours"]

    def test_opening_on_dst_days_is_wall_clock(self):
        r = make_rules(opening=EVERY_DAY_8_21, max_minutes=13 * 60)
        # 08:00-21:00 local on both change days, whatever the offset.
        assert rules.rule_problems(at(SPRING, 8), at(SPRING, 21), r, NOW) == []
        assert at(SPRING, 8).utcoffset() == H3
        assert codes(rules.rule_problems(at(SPRING, 7, 30), at(SPRING, 9), r, NOW)) == ["outside_opening_hours"]
        now = datetime(2027, 10, 1, tzinfo=UTC)
        assert rules.rule_problems(at(AUTUMN, 8), at(AUTUMN, 21), r, now) == []
        assert codes(rules.rule_problems(at(AUTUMN, 20), at(AUTUMN, 21, 30), r, now)) == ["outside_opening_hours"]


class TestRules:
    def test_a_good_booking_has_no_problems(self):
        assert rules.rule_problems(hm(18), hm(20), make_rules(), NOW) == []

    @pytest.mark.parametrize(
        ("start", "end"),
        [
            (hm(18, 15), hm(19)),
            (hm(18), hm(18, 45)),
            (hm(18, 15), hm(19, 15)),
            (at(WED, 18, 0, 30), hm(19)),
            (hm(18), at(WED, 19, 0, 1)),
            (at(WED, 18, 0, 0, 1), at(WED, 19, 0, 0, 1)),  # microseconds are off the grid too
        ],
    )
    def test_off_grid(self, start, end):
        assert codes(rules.rule_problems(start, end, make_rules(), NOW)) == ["off_grid"]

    def test_off_grid_reason(self):
        (p,) = rules.rule_problems(hm(18, 15), hm(19), make_rules(), NOW)
        assert en(p) == "Start and end must be on a grid of 30 minutes (for example 18:00, 18:30, 19:00)."
        (p,) = rules.rule_problems(hm(18, 10), hm(19), make_rules(slot_minutes=15), NOW)
        assert en(p) == "Start and end must be on a grid of 15 minutes (for example 18:00, 18:15, 18:30)."
        (p,) = rules.rule_problems(hm(18, 30), hm(20), make_rules(slot_minutes=60), NOW)
        assert en(p) == "Start and end must be on a grid of 1 hour (for example 18:00, 19:00, 20:00)."

    @pytest.mark.parametrize(("start", "end"), [(hm(18), hm(18, 30)), (hm(18, 30), hm(20)), (hm(8), hm(12))])
    def test_on_grid(self, start, end):
        assert rules.rule_problems(start, end, make_rules(), NOW) == []

    def test_grid_is_local_wall_clock(self):
        # With 90-minute slots the grid is 00:00, 01:30, ..., 18:00 local (16:00 UTC, which is not
        # a multiple of 90 minutes after UTC midnight).
        r = make_rules(slot_minutes=90, max_minutes=300)
        assert rules.rule_problems(hm(18), hm(19, 30), r, NOW) == []
        assert codes(rules.rule_problems(hm(16, 0), hm(18), r, NOW)) == ["off_grid"]

    def test_grid_on_dst_day_is_wall_clock(self):
        r = make_rules(slot_minutes=60, opening=ALWAYS_OPEN)
        # 02:00+02:00 to 05:00+03:00: 2 real hours, on the wall-clock hour grid.
        assert rules.rule_problems(at(SPRING, 2), at(SPRING, 5), r, NOW) == []
        assert elapsed(at(SPRING, 2), at(SPRING, 5)) == H2

    def test_slot_of_one_minute_disables_the_minute_grid(self):
        r = make_rules(slot_minutes=1)
        assert rules.rule_problems(hm(18, 7), hm(19, 13), r, NOW) == []

    @pytest.mark.parametrize(
        ("start", "end", "expected"),
        [
            (hm(18), hm(18, 30), ["too_short"]),
            (hm(18), hm(19), []),
            (hm(18), hm(21), []),
            (hm(17, 30), hm(21), ["too_long"]),
        ],
    )
    def test_min_and_max_length(self, start, end, expected):
        r = make_rules(min_minutes=60, max_minutes=180)
        assert codes(rules.rule_problems(start, end, r, NOW)) == expected

    def test_length_reasons(self):
        r = make_rules(min_minutes=60, max_minutes=180)
        (p,) = rules.rule_problems(hm(18), hm(18, 30), r, NOW)
        assert en(p) == "A booking must last at least 1 hour."
        (p,) = rules.rule_problems(hm(9), hm(13), r, NOW)
        assert en(p) == "A booking may last at most 3 hours."

    def test_length_counts_real_minutes_across_dst(self):
        # 02:00-06:00 wall clock on the spring change day lasts 3 real hours.
        r = make_rules(opening=ALWAYS_OPEN, max_minutes=180)
        assert rules.rule_problems(at(SPRING, 2), at(SPRING, 6), r, NOW) == []
        now = datetime(2027, 10, 1, tzinfo=UTC)
        # 02:00-05:00 wall clock on the autumn change day lasts 4 real hours.
        assert codes(rules.rule_problems(at(AUTUMN, 2), at(AUTUMN, 5), r, now)) == ["too_long"]

    def test_horizon(self):
        r = make_rules(horizon_days=90, opening=ALWAYS_OPEN)
        # NOW + 90 days = 2027-04-04 09:00 UTC = 12:00 local (summer time).
        last_ok = at(date(2027, 4, 4), 11, 30)
        assert rules.rule_problems(last_ok, last_ok + timedelta(hours=1), r, NOW) == []
        first_bad = at(date(2027, 4, 4), 12)
        (p,) = rules.rule_problems(first_bad, first_bad + timedelta(hours=1), r, NOW)
        assert (p.kind, p.code) == ("rule", "beyond_horizon")
        assert en(p) == "Bookings can be made at most 90 days ahead (until Sun 04 Apr 2027 12:00)."

    def test_past(self):
        r = make_rules()
        # NOW is 11:00 local on Monday 2027-01-04.
        mon = date(2027, 1, 4)
        assert codes(rules.rule_problems(at(mon, 10), at(mon, 11), r, NOW)) == ["in_the_past"]
        assert codes(rules.rule_problems(at(mon, 10, 30), at(mon, 12), r, NOW)) == ["in_the_past"]
        assert rules.rule_problems(at(mon, 11), at(mon, 12), r, NOW) == []
        (p,) = rules.rule_problems(at(mon, 10), at(mon, 11), r, NOW)
        assert en(p) == "Mon 04 Jan 2027 10:00 is in the past."

    @pytest.mark.parametrize(("start", "end"), [(hm(18), hm(18)), (hm(19), hm(18)), (hm(18, 10), hm(7, 3))])
    def test_end_before_start_is_the_only_problem(self, start, end):
        (p,) = rules.rule_problems(start, end, make_rules(), NOW)
        assert (p.kind, p.code) == ("rule", "end_before_start")
        assert p.occurrence == Interval(start, end)

    def test_all_problems_are_listed(self):
        mon = date(2027, 1, 4)
        found = codes(rules.rule_problems(at(mon, 7, 10), at(mon, 7, 20), make_rules(), NOW))
        assert found == ["in_the_past", "too_short", "off_grid", "outside_opening_hours"]

    def test_far_future_and_too_long(self):
        s = at(date(2027, 6, 1), 8)
        assert codes(rules.rule_problems(s, s + timedelta(hours=5), make_rules(), NOW)) == ["beyond_horizon", "too_long"]


# --- Capacity ------------------------------------------------------------------------------------


class TestCapacity:
    def test_within_capacity(self):
        r = make_rules(capacity=10)
        assert rules.capacity_problem(hm(18), hm(20), r, 10) is None
        assert rules.capacity_problem(hm(18), hm(20), r, 1) is None

    def test_not_checked_without_capacity_or_attendees(self):
        assert rules.capacity_problem(hm(18), hm(20), make_rules(), 500) is None
        assert rules.capacity_problem(hm(18), hm(20), make_rules(capacity=10), None) is None

    def test_over_capacity(self):
        p = rules.capacity_problem(hm(18), hm(20), make_rules(capacity=10), 25)
        assert (p.kind, p.code, p.params) == ("rule", "over_capacity", {"attendees": 25, "capacity": 10})
        assert p.occurrence == Interval(hm(18), hm(20))
        assert en(p) == "The space holds up to 10 people; the booking is for 25."
        assert en(rules.capacity_problem(hm(18), hm(20), make_rules(capacity=1), 2)) == (
            "The space holds up to 1 person; the booking is for 2.")

    def test_evaluate_refuses_every_date_of_a_series(self):
        r = make_rules(capacity=10)
        occ = [hour_long(WED + timedelta(weeks=i)) for i in range(3)]
        ev = rules.evaluate(occ, r, NOW, [], [], {}, attendees=11)
        assert ev.accepted == [] and ev.has_rule_problem
        assert [(p.code, p.occurrence) for p in ev.problems] == [("over_capacity", o) for o in occ]
        assert rules.evaluate(occ, r, NOW, [], [], {}, attendees=10).accepted == occ
        assert rules.evaluate(occ, r, NOW, [], [], {}).accepted == occ  # attendees not given: not checked

    def test_reported_with_the_other_rules(self):
        (late, crowded) = rules.evaluate([Interval(hm(20), hm(22))], make_rules(capacity=4), NOW, [], [], {},
                                         attendees=5).problems
        assert (late.code, crowded.code) == ("outside_opening_hours", "over_capacity")


# --- Quota ----------------------------------------------------------------------------------------


class TestQuota:
    def test_no_quota(self):
        assert rules.quota_problem(hm(18), hm(20), make_rules(), 10_000) is None

    def test_within_quota(self):
        r = make_rules(weekly_quota_minutes=180)
        assert rules.quota_problem(hm(18), hm(20), r, 0) is None
        assert rules.quota_problem(hm(18), hm(20), r, 60) is None  # exactly the quota

    def test_over_quota(self):
        r = make_rules(weekly_quota_minutes=180)
        p = rules.quota_problem(hm(18), hm(20), r, 90)
        assert (p.kind, p.code) == ("rule", "over_quota")
        assert p.occurrence == Interval(hm(18), hm(20))
        assert en(p) == "Over the weekly quota of 180 minutes per group in week 2/2027 (90 minutes left)."
        p = rules.quota_problem(hm(18), hm(20), r, 500)
        assert "(0 minutes left)" in en(p)

    def test_sunday_night_and_monday_morning_are_different_iso_weeks(self):
        r = make_rules(weekly_quota_minutes=60, opening=ALWAYS_OPEN)
        sunday = Interval(at(date(2027, 1, 10), 23), at(date(2027, 1, 10), 23, 30))
        monday = Interval(at(date(2027, 1, 11), 0, 30), at(date(2027, 1, 11), 1))
        # Both fall on Sunday 10 January in UTC, 90 minutes apart.
        assert sunday.start.astimezone(UTC).date() == monday.start.astimezone(UTC).date() == date(2027, 1, 10)
        assert rules.iso_week(sunday.start, HEL) == (2027, 1)
        assert rules.iso_week(monday.start, HEL) == (2027, 2)

        ev = rules.evaluate([sunday, monday], r, NOW, [], [], {(2027, 1): 60})
        assert ev.accepted == [monday]
        assert [(p.code, p.occurrence) for p in ev.problems] == [("over_quota", sunday)]
        assert "week 1/2027" in en(ev.problems[0])

        ev = rules.evaluate([sunday, monday], r, NOW, [], [], {(2027, 2): 60})
        assert ev.accepted == [sunday]
        assert [(p.code, p.occurrence) for p in ev.problems] == [("over_quota", monday)]
        assert "week 2/2027" in en(ev.problems[0])

        # Both fit: 30 minutes of a 60-minute quota in each week.
        ev = rules.evaluate([sunday, monday], r, NOW, [], [], {(2027, 1): 30, (2027, 2): 30})
        assert ev.accepted == [sunday, monday] and ev.problems == []

    def test_evaluate_accumulates_quota_across_occurrences(self):
        r = make_rules(weekly_quota_minutes=150)
        days = [date(2027, 1, 11) + timedelta(days=i) for i in range(4)]  # Mon-Thu of week 2
        occ = [Interval(at(d, 18), at(d, 19)) for d in days]
        ev = rules.evaluate(occ, r, NOW, [], [], {})
        assert ev.accepted == occ[:2]
        assert [(p.code, p.occurrence) for p in ev.problems] == [("over_quota", occ[2]), ("over_quota", occ[3])]
        assert "(30 minutes left)" in en(ev.problems[0])
        assert ev.has_rule_problem

    def test_evaluate_counts_previous_usage(self):
        r = make_rules(weekly_quota_minutes=150)
        occ = [hour_long(date(2027, 1, 11) + timedelta(days=i)) for i in range(3)]
        used = {(2027, 2): 60.0}
        ev = rules.evaluate(occ, r, NOW, [], [], used)
        assert ev.accepted == occ[:1]
        assert codes(ev.problems) == ["over_quota", "over_quota"]
        assert used == {(2027, 2): 60.0}  # the caller's dict is not changed

    def test_refused_occurrences_are_not_counted(self):
        r = make_rules(weekly_quota_minutes=120)
        mon, tue, wed = (date(2027, 1, 11) + timedelta(days=i) for i in range(3))
        occ = [Interval(at(d, 18), at(d, 19)) for d in (mon, tue, wed)]
        booked = [Booked(at(tue, 18, 30), at(tue, 20), at(tue, 20))]
        ev = rules.evaluate(occ, r, NOW, booked, [], {})
        assert ev.accepted == [occ[0], occ[2]]
        assert [(p.code, p.occurrence) for p in ev.problems] == [("booked", occ[1])]
        assert not ev.has_rule_problem

    def test_rule_breaking_occurrences_are_not_counted(self):
        r = make_rules(weekly_quota_minutes=120)
        mon, tue, wed = (date(2027, 1, 11) + timedelta(days=i) for i in range(3))
        occ = [Interval(at(mon, 18), at(mon, 19)), Interval(at(tue, 20), at(tue, 22)), Interval(at(wed, 18), at(wed, 19))]
        ev = rules.evaluate(occ, r, NOW, [], [], {})
        assert ev.accepted == [occ[0], occ[2]]
        assert codes(ev.problems) == ["outside_opening_hours"]

    def test_quota_is_per_week(self):
        r = make_rules(weekly_quota_minutes=60)
        occ = [hour_long(date(2027, 1, 13) + timedelta(weeks=i)) for i in range(3)]
        ev = rules.evaluate(occ, r, NOW, [], [], {})
        assert ev.accepted == occ and ev.problems == []

    def test_check_quota_false(self):
        r = make_rules(weekly_quota_minutes=60)
        occ = [hour_long(date(2027, 1, 11) + timedelta(days=i)) for i in range(3)]
        ev = rules.evaluate(occ, r, NOW, [], [], {(2027, 2): 600}, check_quota=False)
        assert ev.accepted == occ and ev.problems == []


# --- Series ---------------------------------------------------------------------------------------


def local_starts(occurrences: list[Interval]) -> list[datetime]:
    return [o.start.astimezone(HEL).replace(tzinfo=None) for o in occurrences]


class TestExpandSeries:
    def test_weekly_across_spring_change_keeps_wall_clock(self):
        start = at(date(2027, 3, 21), 18)
        occ, problems = rules.expand_series("FREQ=WEEKLY;COUNT=4", start, start + H2, HEL)
        assert problems == []
        days = [date(2027, 3, 21), date(2027, 3, 28), date(2027, 4, 4), date(2027, 4, 11)]
        assert occ == [Interval(at(d, 18), at(d, 20)) for d in days]
        assert [o.start.astimezone(HEL).isoformat() for o in occ] == [
            "2027-03-21T18:00:00+02:00",
            "2027-03-28T18:00:00+03:00",
            "2027-04-04T18:00:00+03:00",
            "2027-04-11T18:00:00+03:00",
        ]
        assert [o.end.astimezone(HEL).strftime("%H:%M%z") for o in occ] == ["20:00+0200"] + ["20:00+0300"] * 3
        assert [o.start.astimezone(UTC).hour for o in occ] == [16, 15, 15, 15]
        assert all(o.end - o.start == H2 for o in occ)

    def test_weekly_across_autumn_change_keeps_wall_clock(self):
        start = at(date(2027, 10, 24), 18)
        occ, problems = rules.expand_series("FREQ=WEEKLY;COUNT=4", start, start + H2, HEL)
        assert problems == []
        assert [o.start.astimezone(HEL).isoformat() for o in occ] == [
            "2027-10-24T18:00:00+03:00",
            "2027-10-31T18:00:00+02:00",
            "2027-11-07T18:00:00+02:00",
            "2027-11-14T18:00:00+02:00",
        ]
        assert [o.start.astimezone(UTC).hour for o in occ] == [15, 16, 16, 16]
        assert all(o.end - o.start == H2 for o in occ)

    def test_start_given_in_utc(self):
        start = datetime(2027, 3, 21, 16, 0, tzinfo=UTC)  # 18:00 local
        occ, _ = rules.expand_series("FREQ=WEEKLY;COUNT=2", start, start + H2, HEL)
        assert occ == [
            Interval(at(date(2027, 3, 21), 18), at(date(2027, 3, 21), 20)),
            Interval(at(SPRING, 18), at(SPRING, 20)),
        ]

    def test_biweekly(self):
        start = at(date(2027, 1, 13), 18)
        occ, problems = rules.expand_series("FREQ=WEEKLY;INTERVAL=2;COUNT=3", start, start + H2, HEL)
        assert problems == []
        assert [o.start for o in occ] == [at(date(2027, 1, 13), 18), at(date(2027, 1, 27), 18), at(date(2027, 2, 10), 18)]

    def test_byday(self):
        start = at(date(2027, 1, 11), 18)  # Monday
        occ, _ = rules.expand_series("FREQ=WEEKLY;BYDAY=MO,WE;COUNT=4", start, start + H2, HEL)
        days = [o.start.astimezone(HEL).date() for o in occ]
        assert days == [date(2027, 1, 11), date(2027, 1, 13), date(2027, 1, 18), date(2027, 1, 20)]

    def test_daily_and_monthly(self):
        start = at(date(2027, 1, 30), 18)
        occ, _ = rules.expand_series("FREQ=DAILY;COUNT=3", start, start + H2, HEL)
        assert [o.start.astimezone(HEL).date() for o in occ] == [date(2027, 1, 30), date(2027, 1, 31), date(2027, 2, 1)]
        occ, _ = rules.expand_series("FREQ=MONTHLY;BYMONTHDAY=15;COUNT=3", start, start + H2, HEL)
        assert [o.start for o in occ] == [at(date(2027, 2, 15), 18), at(date(2027, 3, 15), 18), at(date(2027, 4, 15), 18)]

    def test_until_date_is_inclusive_through_that_day(self):
        start = at(date(2027, 5, 4), 18)  # Tuesday; 2027-06-01 is a Tuesday too
        occ, _ = rules.expand_series("FREQ=WEEKLY;UNTIL=20270601", start, start + H2, HEL)
        assert [o.start for o in occ] == [at(date(2027, 5, 4) + timedelta(weeks=i), 18) for i in range(5)]
        assert occ[-1].start == at(date(2027, 6, 1), 18)
        occ, _ = rules.expand_series("FREQ=WEEKLY;UNTIL=20270531", start, start + H2, HEL)
        assert occ[-1].start == at(date(2027, 5, 25), 18)

    def test_until_utc_is_converted_to_local(self):
        start = at(date(2027, 5, 4), 18)  # 15:00 UTC in summer
        occ, _ = rules.expand_series("FREQ=WEEKLY;UNTIL=20270601T160000Z", start, start + H2, HEL)
        assert occ[-1].start == at(date(2027, 6, 1), 18) and len(occ) == 5
        occ, _ = rules.expand_series("FREQ=WEEKLY;UNTIL=20270601T150000Z", start, start + H2, HEL)
        assert occ[-1].start == at(date(2027, 6, 1), 18) and len(occ) == 5  # UNTIL is inclusive
        occ, _ = rules.expand_series("FREQ=WEEKLY;UNTIL=20270601T145959Z", start, start + H2, HEL)
        assert occ[-1].start == at(date(2027, 5, 25), 18) and len(occ) == 4

    def test_until_local_naive(self):
        start = at(date(2027, 5, 4), 18)
        occ, _ = rules.expand_series("FREQ=WEEKLY;UNTIL=20270601T180000", start, start + H2, HEL)
        assert len(occ) == 5
        occ, _ = rules.expand_series("FREQ=WEEKLY;UNTIL=20270601T175959", start, start + H2, HEL)
        assert len(occ) == 4

    def test_until_before_start_gives_nothing(self):
        start = at(date(2027, 5, 4), 18)
        assert rules.expand_series("FREQ=WEEKLY;UNTIL=20270503", start, start + H2, HEL) == ([], [])

    @pytest.mark.parametrize(
        "text",
        [
            "RRULE:FREQ=WEEKLY;COUNT=3",
            "rrule:freq=weekly;count=3",
            "  FREQ=WEEKLY;COUNT=3  ",
            "COUNT=3;FREQ=WEEKLY",
            "FREQ = WEEKLY ; COUNT = 3",
        ],
    )
    def test_accepted_spellings(self, text):
        start = at(date(2027, 1, 13), 18)
        occ, problems = rules.expand_series(text, start, start + H2, HEL)
        assert [o.start for o in occ] == [at(date(2027, 1, 13) + timedelta(weeks=i), 18) for i in range(3)]
        assert problems == []

    @pytest.mark.parametrize(
        ("text", "message"),
        [
            ("FREQ=WEEKLY", "needs an end"),
            ("FREQ=WEEKLY;BYDAY=MO", "needs an end"),
            ("FREQ=HOURLY;COUNT=3", "FREQ=DAILY, WEEKLY, MONTHLY or YEARLY"),
            ("FREQ=MINUTELY;COUNT=3", "FREQ=DAILY, WEEKLY, MONTHLY or YEARLY"),
            ("FREQ=SECONDLY;COUNT=3", "FREQ=DAILY, WEEKLY, MONTHLY or YEARLY"),
            ("COUNT=3", "FREQ=DAILY, WEEKLY, MONTHLY or YEARLY"),
            ("FREQ=FORTNIGHTLY;COUNT=3", "FREQ=DAILY, WEEKLY, MONTHLY or YEARLY"),
            ("garbage", "'garbage' is not NAME=VALUE"),
            ("FREQ=WEEKLY;COUNT=3;", "is not NAME=VALUE"),
            ("FREQ=WEEKLY;COUNT=", "is not NAME=VALUE"),
            ("", "Give one RRULE line"),
            ("RRULE:", "Give one RRULE line"),
            ("FREQ=WEEKLY;COUNT=3\nFREQ=DAILY;COUNT=2", "Give one RRULE line"),
            ("FREQ=WEEKLY;COUNT=3;BYDAY=" + "MO," * 200 + "TU", "Give one RRULE line"),
            ("FREQ=WEEKLY;COUNT=3;DTSTART=20270101T180000", "DTSTART comes from the booking"),
            ("DTSTART=20270101T180000;FREQ=WEEKLY;COUNT=3", "DTSTART comes from the booking"),
            ("FREQ=WEEKLY;COUNT=abc", "Not a valid RRULE"),
            ("FREQ=WEEKLY;COUNT=3;BYDAY=XX", "Not a valid RRULE"),
            ("FREQ=WEEKLY;COUNT=3;FOO=BAR", "FOO is not supported for FREQ=WEEKLY"),
            ("FREQ=WEEKLY;UNTIL=2027-06-01", "UNTIL must look like"),
            ("FREQ=WEEKLY;UNTIL=20271301", "UNTIL must look like"),
            ("FREQ=WEEKLY;UNTIL=tomorrow", "UNTIL must look like"),
            ("FREQ=WEEKLY;COUNT=105", "at most 104 dates"),
            ("FREQ=DAILY;UNTIL=20271231", "at most 104 dates"),
            ("FREQ=WEEKLY;COUNT=2;UNTIL=20270601", "either COUNT or UNTIL"),
            ("FREQ=WEEKLY;INTERVAL=0;COUNT=3", "INTERVAL"),
            ("FREQ=WEEKLY;INTERVAL=-1;COUNT=3", "INTERVAL"),
            ("FREQ=WEEKLY;INTERVAL=two;COUNT=3", "INTERVAL"),
            # INTERVAL=0 used to make dateutil loop forever when no date matched.
            ("FREQ=WEEKLY;INTERVAL=0;BYMONTH=2;UNTIL=20280101", "INTERVAL"),
            # The last day of the calendar used to escape as OverflowError.
            ("FREQ=DAILY;UNTIL=99991231", "UNTIL must look like"),
            ("FREQ=DAILY;UNTIL=99991231T235959Z", "UNTIL must look like"),
            # dateutil raises IndexError while iterating on this; now refused before expanding.
            ("FREQ=YEARLY;COUNT=2;BYEASTER=366", "BYEASTER is not supported"),
            # Rules that never match made dateutil search up to the year 9999 (seconds of CPU).
            ("FREQ=DAILY;COUNT=1;BYSETPOS=2", "BYSETPOS is not supported"),
            ("FREQ=YEARLY;COUNT=2;BYMONTH=2;BYMONTHDAY=30", "BYMONTH is not supported"),
            ("FREQ=MONTHLY;COUNT=2;BYDAY=1TU;BYMONTHDAY=5", "either BYDAY or BYMONTHDAY"),
        ],
    )
    def test_errors(self, text, message):
        start = at(date(2027, 1, 13), 18)
        with pytest.raises(RRuleError, match=message.replace("(", r"\(").replace(".", r"\.")):
            rules.expand_series(text, start, start + H2, HEL)

    def test_rrule_error_is_a_value_error(self):
        assert issubclass(RRuleError, ValueError)

    def test_max_occurrences(self):
        start = at(date(2027, 1, 13), 18)
        occ, _ = rules.expand_series(f"FREQ=WEEKLY;COUNT={rules.MAX_OCCURRENCES}", start, start + H2, HEL)
        assert len(occ) == rules.MAX_OCCURRENCES == 104
        assert occ[-1].start == at(date(2027, 1, 13) + timedelta(weeks=103), 18)
        occ, _ = rules.expand_series("FREQ=DAILY;COUNT=5", start, start + H2, HEL, max_count=5)
        assert len(occ) == 5
        with pytest.raises(RRuleError, match="at most 4 dates"):
            rules.expand_series("FREQ=DAILY;COUNT=5", start, start + H2, HEL, max_count=4)

    def test_count_zero_gives_no_dates(self):
        start = at(date(2027, 1, 13), 18)
        assert rules.expand_series("FREQ=WEEKLY;COUNT=0", start, start + H2, HEL) == ([], [])

    def test_nonexistent_start_is_a_problem_not_a_shifted_booking(self):
        start = at(date(2027, 3, 27), 3, 30)
        occ, problems = rules.expand_series("FREQ=DAILY;COUNT=3", start, start + timedelta(hours=1), HEL)
        assert occ == [
            Interval(at(date(2027, 3, 27), 3, 30), at(date(2027, 3, 27), 4, 30)),
            Interval(at(date(2027, 3, 29), 3, 30), at(date(2027, 3, 29), 4, 30)),
        ]
        assert occ[0].start.astimezone(HEL).utcoffset() == H2
        assert occ[1].start.astimezone(HEL).utcoffset() == H3
        (p,) = problems
        assert (p.kind, p.code) == ("rule", "nonexistent_time")
        assert p.occurrence.start.replace(tzinfo=None) == datetime(2027, 3, 28, 3, 30)
        assert p.occurrence.end.replace(tzinfo=None) == datetime(2027, 3, 28, 4, 30)
        assert en(p) == "Sun 28 Mar 2027 03:30 does not exist on that day (clocks change)."

    def test_nonexistent_end_is_a_problem(self):
        start = at(date(2027, 3, 27), 2, 30)
        occ, problems = rules.expand_series("FREQ=DAILY;COUNT=3", start, start + timedelta(hours=1), HEL)
        assert [o.start.astimezone(HEL).date() for o in occ] == [date(2027, 3, 27), date(2027, 3, 29)]
        assert codes(problems) == ["nonexistent_time"]
        assert problems[0].occurrence.start.replace(tzinfo=None) == datetime(2027, 3, 28, 2, 30)

    def test_ambiguous_time_takes_the_first(self):
        start = at(date(2027, 10, 30), 3, 0)
        occ, problems = rules.expand_series("FREQ=DAILY;COUNT=3", start, start + timedelta(minutes=30), HEL)
        assert problems == []
        autumn = occ[1]
        assert autumn.start == datetime(2027, 10, 31, 0, 0, tzinfo=UTC)  # 03:00+03:00, the first 03:00
        assert autumn.end == datetime(2027, 10, 31, 0, 30, tzinfo=UTC)
        assert local_starts(occ) == [datetime(2027, 10, d, 3, 0) for d in (30, 31)] + [datetime(2027, 11, 1, 3, 0)]

    def test_wall_clock_duration_is_kept(self):
        # A series whose first occurrence ends the next day keeps its local end time.
        start = at(date(2027, 3, 26), 22)
        occ, problems = rules.expand_series("FREQ=DAILY;COUNT=3", start, start + timedelta(hours=4), HEL)
        assert problems == []
        assert [o.end for o in occ] == [at(date(2027, 3, 27), 2), at(SPRING, 2), at(date(2027, 3, 29), 2)]
        assert [o.end - o.start for o in occ] == [timedelta(hours=4)] * 3

    def test_occurrences_are_utc_instants(self):
        # Datetimes that share one ZoneInfo subtract and compare by wall clock in Python; the
        # occurrences are therefore returned in UTC so lengths and conflicts use real time.
        start = at(date(2027, 10, 30), 1)
        occ, _ = rules.expand_series("FREQ=DAILY;COUNT=3", start, start + H3, HEL)
        assert all(o.start.tzinfo is UTC and o.end.tzinfo is UTC for o in occ)
        assert [o.end - o.start for o in occ] == [H3, timedelta(hours=4), H3]  # 01:00-04:00 on 31 Oct: 4 h

    def test_series_across_autumn_change_uses_real_length(self):
        # 01:00-04:00 local every day: on 2027-10-31 that is 01:00+03:00-04:00+02:00, four hours.
        now = datetime(2027, 10, 1, tzinfo=UTC)
        r = make_rules(opening=ALWAYS_OPEN, max_minutes=180)
        start = at(date(2027, 10, 30), 1)
        occ, _ = rules.expand_series("FREQ=DAILY;COUNT=3", start, start + H3, HEL)
        ev = rules.evaluate(occ, r, now, [], [], {})
        assert ev.accepted == [occ[0], occ[2]]
        assert [(p.code, p.occurrence) for p in ev.problems] == [("too_long", occ[1])]

    def test_series_across_autumn_change_counts_real_minutes_for_quota(self):
        now = datetime(2027, 10, 1, tzinfo=UTC)
        r = make_rules(opening=ALWAYS_OPEN, weekly_quota_minutes=400)
        start = at(date(2027, 10, 30), 1)  # Saturday and Sunday of ISO week 43
        occ, _ = rules.expand_series("FREQ=DAILY;COUNT=2", start, start + H3, HEL)
        ev = rules.evaluate(occ, r, now, [], [], {})
        # 180 + 240 real minutes = 420 > 400 (by wall clock it would look like 180 + 180).
        assert ev.accepted == occ[:1]
        assert [(p.code, p.occurrence) for p in ev.problems] == [("over_quota", occ[1])]
        assert "(220 minutes left)" in en(ev.problems[0])

    def test_series_through_evaluate(self):
        # The weekly 18:00-20:00 on the spring change day fits the 08:00-21:00 local opening hours.
        start = at(date(2027, 3, 21), 18)
        occ, _ = rules.expand_series("FREQ=WEEKLY;COUNT=2", start, start + H2, HEL)
        ev = rules.evaluate(occ, make_rules(), NOW, [], [], {})
        assert ev.accepted == occ and ev.problems == []


# --- evaluate ---------------------------------------------------------------------------------------


class TestEvaluate:
    def test_all_accepted(self):
        occ = [Interval(hm(10), hm(12)), Interval(hm(12), hm(14))]
        ev = rules.evaluate(occ, make_rules(), NOW, [], [], {})
        assert ev.accepted == occ and ev.problems == [] and not ev.has_rule_problem

    def test_occurrences_of_one_request_conflict_with_each_other(self):
        occ = [Interval(hm(18), hm(20)), Interval(hm(19), hm(21))]
        ev = rules.evaluate(occ, make_rules(), NOW, [], [], {})
        assert ev.accepted == occ[:1]
        (p,) = ev.problems
        assert (p.kind, p.code, p.start, p.end, p.occurrence) == ("conflict", "booked", hm(18), hm(20), occ[1])

    def test_buffer_between_occurrences_of_one_request(self):
        occ = [Interval(hm(10), hm(12)), Interval(hm(12), hm(14)), Interval(hm(12, 30), hm(14)), Interval(hm(18), hm(20))]
        ev = rules.evaluate(occ, make_rules(buffer_minutes=30), NOW, [], [], {})
        assert ev.accepted == [occ[0], occ[2], occ[3]]
        assert [(p.code, p.occurrence) for p in ev.problems] == [("booked", occ[1])]

    def test_daily_with_buffer_overlapping_next_day(self):
        r = make_rules(opening=ALWAYS_OPEN, buffer_minutes=23 * 60, max_minutes=240)
        start = hm(18)
        occ, _ = rules.expand_series("FREQ=DAILY;COUNT=3", start, start + H2, HEL)
        ev = rules.evaluate(occ, r, NOW, [], [], {})
        # Day 2 is 22 h after day 1 ends (< 23 h buffer): refused; day 3 is 46 h after: accepted.
        assert ev.accepted == [occ[0], occ[2]]
        (p,) = ev.problems
        assert (p.code, p.start, p.end, p.occurrence) == ("booked", occ[0].start, occ[0].end, occ[1])

    def test_problems_and_accepted_are_split(self):
        booked = [Booked(at(date(2027, 1, 14), 18), at(date(2027, 1, 14), 19), at(date(2027, 1, 14), 19))]
        closures = [Interval(at(date(2027, 1, 15), 0), at(date(2027, 1, 16), 0))]
        days = [WED + timedelta(days=i) for i in range(4)]  # Wed, Thu (booked), Fri (closed), Sat
        occ = [Interval(at(d, 18), at(d, 20)) for d in days]
        ev = rules.evaluate(occ, make_rules(), NOW, booked, closures, {})
        assert ev.accepted == [occ[0], occ[3]]
        assert [(p.kind, p.code, p.occurrence) for p in ev.problems] == [
            ("conflict", "booked", occ[1]),
            ("conflict", "closed", occ[2]),
        ]
        assert not ev.has_rule_problem

    def test_rule_and_conflict_problems_of_one_occurrence(self):
        booked = [Booked(hm(20), hm(22), hm(22))]
        occ = [Interval(hm(20), hm(22))]
        ev = rules.evaluate(occ, make_rules(), NOW, booked, [], {})
        assert ev.accepted == []
        assert [(p.kind, p.code) for p in ev.problems] == [("rule", "outside_opening_hours"), ("conflict", "booked")]
        assert ev.has_rule_problem

    def test_no_quota_problem_when_other_problems(self):
        r = make_rules(weekly_quota_minutes=10)
        ev = rules.evaluate([Interval(hm(20), hm(22))], r, NOW, [], [], {})
        assert codes(ev.problems) == ["outside_opening_hours"]

    def test_past_occurrences_are_skipped(self):
        mon = date(2027, 1, 4)
        occ = [Interval(at(mon, 9), at(mon, 10)), Interval(at(mon, 12), at(mon, 13))]
        ev = rules.evaluate(occ, make_rules(), NOW, [], [], {})
        assert ev.accepted == occ[1:]
        assert codes(ev.problems) == ["in_the_past"]

    def test_empty(self):
        ev = rules.evaluate([], make_rules(), NOW, [], [], {})
        assert ev.accepted == [] and ev.problems == [] and not ev.has_rule_problem


# --- Availability -----------------------------------------------------------------------------------


def day_window(day: date, days: int = 1) -> Interval:
    return Interval(at(day, 0), at(day + timedelta(days=days), 0))


class TestAvailability:
    def test_free_is_opening_minus_widened_bookings_minus_closures(self):
        r = make_rules(buffer_minutes=15)
        booked = [Booked(hm(12), hm(14), hm(14, 15))]
        closures = [Interval(hm(16), hm(17))]
        busy, free = rules.availability(day_window(WED), r, booked, closures)
        assert busy == [iv(hm(12), hm(14)), iv(hm(16), hm(17))]
        assert free == [iv(hm(8), hm(11, 45)), iv(hm(14, 15), hm(16)), iv(hm(17), hm(21))]

    def test_no_bookings(self):
        busy, free = rules.availability(day_window(WED), make_rules(), [], [])
        assert busy == [] and free == [iv(hm(8), hm(21))]

    def test_larger_blocked_until_counts(self):
        r = make_rules(buffer_minutes=15)
        booked = [Booked(hm(12), hm(14), hm(15))]
        busy, free = rules.availability(day_window(WED), r, booked, [])
        assert busy == [iv(hm(12), hm(14))]
        assert free == [iv(hm(8), hm(11, 45)), iv(hm(15), hm(21))]

    def test_busy_is_clipped_and_merged(self):
        r = make_rules(buffer_minutes=15)
        booked = [
            Booked(hm(9), hm(11), hm(11, 15)),
            Booked(hm(11), hm(12), hm(12, 15)),  # touches the first: merged in busy
            Booked(hm(19), hm(23), hm(23, 15)),
        ]
        closures = [Interval(hm(11, 30), hm(13))]  # overlaps the second booking
        window = Interval(hm(10), hm(20))
        busy, free = rules.availability(window, r, booked, closures)
        assert busy == [iv(hm(10), hm(13)), iv(hm(19), hm(20))]
        assert free == [iv(hm(13), hm(18, 45))]

    def test_things_outside_the_window(self):
        r = make_rules(buffer_minutes=30)
        window = Interval(hm(10), hm(16))
        # Ends at the window start: not busy, but its buffer reaches in.
        # Starts at the window end: not busy, but its buffer reaches in.
        booked = [Booked(hm(8), hm(10), hm(10, 30)), Booked(hm(16), hm(18), hm(18, 30)), Booked(hm(18), hm(19), hm(19))]
        closures = [Interval(hm(6), hm(7))]
        busy, free = rules.availability(window, r, booked, closures)
        assert busy == []
        assert free == [iv(hm(10, 30), hm(15, 30))]

    def test_several_days_and_closed_days(self):
        opening = {0: [(480, 1260)], 2: [(480, 720), (780, 1260)], 5: [(600, 960)]}
        r = make_rules(opening=opening)
        mon = date(2027, 1, 11)
        busy, free = rules.availability(day_window(mon, 7), r, [], [])
        assert busy == []
        sat = date(2027, 1, 16)
        assert free == [
            iv(at(mon, 8), at(mon, 21)),
            iv(hm(8), hm(12)),
            iv(hm(13), hm(21)),
            iv(at(sat, 10), at(sat, 16)),
        ]

    def test_window_clips_opening(self):
        busy, free = rules.availability(Interval(hm(10), hm(12)), make_rules(), [], [])
        assert free == [iv(hm(10), hm(12))]
        # A window given in UTC that starts on the previous UTC day.
        window = Interval(datetime(2027, 1, 12, 22, 0, tzinfo=UTC), datetime(2027, 1, 13, 8, 0, tzinfo=UTC))
        busy, free = rules.availability(window, make_rules(), [], [])
        assert free == [iv(hm(8), hm(10))]

    def test_all_day_opening_merges_across_midnight(self):
        r = make_rules(opening=ALWAYS_OPEN)
        busy, free = rules.availability(day_window(WED, 2), r, [], [])
        assert free == [day_window(WED, 2)]

    def test_opening_intervals_on_spring_change_day(self):
        r = make_rules()
        got = rules.opening_intervals(Interval(at(date(2027, 3, 27), 0), at(date(2027, 3, 29), 0)), r)
        assert got == [
            iv(at(date(2027, 3, 27), 8), at(date(2027, 3, 27), 21)),
            iv(at(SPRING, 8), at(SPRING, 21)),
        ]
        assert [(i.start.astimezone(HEL).utcoffset(), i.end.astimezone(HEL).utcoffset()) for i in got] == [(H2, H2), (H3, H3)]
        assert got[1].start == datetime(2027, 3, 28, 5, 0, tzinfo=UTC)
        assert got[1].end == datetime(2027, 3, 28, 18, 0, tzinfo=UTC)
        assert got[0].start == datetime(2027, 3, 27, 6, 0, tzinfo=UTC)

    def test_opening_intervals_on_autumn_change_day(self):
        got = rules.opening_intervals(Interval(at(AUTUMN, 0), at(AUTUMN + timedelta(days=1), 0)), make_rules())
        assert got == [iv(datetime(2027, 10, 31, 6, 0, tzinfo=UTC), datetime(2027, 10, 31, 19, 0, tzinfo=UTC))]

    def test_opening_that_covers_the_spring_gap(self):
        r = make_rules(opening=ALWAYS_OPEN)
        got = rules.opening_intervals(Interval(at(SPRING, 0), at(SPRING + timedelta(days=1), 0)), r)
        assert got == [iv(at(SPRING, 0), at(SPRING + timedelta(days=1), 0))]
        assert elapsed(got[0].start, got[0].end) == timedelta(hours=23)

    def test_opening_boundaries_inside_the_skipped_hour(self):
        # Opens at 03:30, which the clocks skip on 2027-03-28: the space opens at 04:00+03:00, the
        # first wall-clock time after 03:30 there is, consistently with rule_problems.
        r = make_rules(opening={6: [(210, 300)]}, min_minutes=30)
        got = rules.opening_intervals(day_window(SPRING), r)
        assert got == [iv(at(SPRING, 4), at(SPRING, 5))]
        assert got[0].start == datetime(2027, 3, 28, 1, 0, tzinfo=UTC)
        assert rules.rule_problems(at(SPRING, 4), at(SPRING, 5), r, NOW) == []
        assert rules.is_free(Interval(at(SPRING, 4), at(SPRING, 5)), r, [], [])
        # Closes at 03:30: open until the clocks jump (03:00+02:00 = 04:00+03:00).
        r = make_rules(opening={6: [(0, 210)]})
        got = rules.opening_intervals(day_window(SPRING), r)
        assert got == [iv(at(SPRING, 0), datetime(2027, 3, 28, 1, 0, tzinfo=UTC))]
        assert rules.rule_problems(at(SPRING, 1), at(SPRING, 2, 30), r, NOW) == []
        # 04:00-04:30 wall clock is after 03:30: outside by the rules and not free either.
        assert codes(rules.rule_problems(at(SPRING, 4), at(SPRING, 4, 30), r, NOW)) == ["outside_opening_hours"]
        assert not rules.is_free(Interval(at(SPRING, 4), at(SPRING, 4, 30)), r, [], [])

    def test_opening_intervals_include_previous_day_only_when_in_window(self):
        r = make_rules()
        assert rules.opening_intervals(Interval(hm(21), hm(23)), r) == []
        assert rules.opening_intervals(Interval(hm(20), hm(23)), r) == [iv(hm(20), hm(21))]

    def test_free_on_spring_change_day(self):
        r = make_rules(buffer_minutes=30)
        booked = [Booked(at(SPRING, 12), at(SPRING, 14), at(SPRING, 14, 30))]
        busy, free = rules.availability(day_window(SPRING), r, booked, [])
        assert busy == [iv(at(SPRING, 12), at(SPRING, 14))]
        assert free == [iv(at(SPRING, 8), at(SPRING, 11, 30)), iv(at(SPRING, 14, 30), at(SPRING, 21))]

    def test_is_free(self):
        r = make_rules(buffer_minutes=15)
        booked = [Booked(hm(12), hm(14), hm(14, 15))]
        closures = [Interval(hm(16), hm(17))]

        def free(a, b):
            return rules.is_free(Interval(a, b), r, booked, closures)

        assert free(hm(8), hm(11, 45))  # exactly a free interval
        assert free(hm(9), hm(10))
        assert free(hm(14, 15), hm(16))
        assert free(hm(17), hm(21))
        assert not free(hm(11), hm(12))  # inside the buffer before
        assert not free(hm(14), hm(15))  # inside the buffer after
        assert not free(hm(12, 30), hm(13))  # booked
        assert not free(hm(15, 30), hm(16, 30))  # closure
        assert not free(hm(7), hm(9))  # before opening
        assert not free(hm(20), hm(22))  # after closing
        assert not free(hm(10), hm(15))  # spans a booking
        sunday = Interval(at(date(2027, 1, 17), 10), at(date(2027, 1, 17), 11))
        assert not rules.is_free(sunday, make_rules(opening={2: [(480, 1260)]}), [], [])  # closed day

    def test_is_free_agrees_with_conflicts(self):
        r = make_rules(buffer_minutes=15)
        booked = [Booked(hm(18), hm(20), hm(20, 15))]
        for start, end in [((20, 0), (21, 0)), ((17, 0), (18, 0)), ((20, 15), (21, 0)), ((17, 0), (17, 45))]:
            conflict = bool(rules.conflict_problems(hm(*start), hm(*end), r, booked, []))
            assert rules.is_free(Interval(hm(*start), hm(*end)), r, booked, []) is not conflict


# --- merge / subtract ------------------------------------------------------------------------------


def h(n: float) -> datetime:
    return datetime(2027, 1, 13, tzinfo=UTC) + timedelta(hours=n)


def ivs(*pairs) -> list[Interval]:
    return [Interval(h(a), h(b)) for a, b in pairs]


class TestMerge:
    @pytest.mark.parametrize(
        ("given", "expected"),
        [
            ([], []),
            ([(1, 2)], [(1, 2)]),
            ([(3, 4), (1, 2)], [(1, 2), (3, 4)]),  # sorted
            ([(1, 3), (2, 4)], [(1, 4)]),  # overlapping
            ([(1, 2), (2, 3)], [(1, 3)]),  # touching
            ([(1, 5), (2, 3)], [(1, 5)]),  # contained
            ([(2, 3), (1, 5)], [(1, 5)]),
            ([(1, 2), (1, 2)], [(1, 2)]),  # duplicates
            ([(1, 2), (1, 4), (3, 5), (7, 8), (6, 7)], [(1, 5), (6, 8)]),
            ([(5, 6), (1, 2), (2, 2.5), (3, 4)], [(1, 2.5), (3, 4), (5, 6)]),
        ],
    )
    def test_merge(self, given, expected):
        assert rules.merge(ivs(*given)) == ivs(*expected)

    def test_merge_accepts_any_iterable_and_mixed_zones(self):
        a = Interval(hm(10), hm(12))  # 08:00-10:00 UTC
        b = Interval(datetime(2027, 1, 13, 10, 0, tzinfo=UTC), datetime(2027, 1, 13, 11, 0, tzinfo=UTC))
        assert rules.merge(x for x in [b, a]) == [Interval(hm(10), b.end)]


class TestSubtract:
    @pytest.mark.parametrize(
        ("base", "remove", "expected"),
        [
            ([(1, 5)], [], [(1, 5)]),
            ([], [(1, 5)], []),
            ([(1, 5)], [(0, 6)], []),  # covers all
            ([(1, 5)], [(1, 5)], []),  # exactly
            ([(1, 5)], [(2, 3)], [(1, 2), (3, 5)]),  # middle
            ([(1, 5)], [(0, 2)], [(2, 5)]),  # start
            ([(1, 5)], [(4, 6)], [(1, 4)]),  # end
            ([(1, 5)], [(5, 6), (0, 1)], [(1, 5)]),  # touching only: half-open
            ([(1, 5)], [(6, 7)], [(1, 5)]),  # disjoint
            ([(1, 5)], [(2, 3), (2.5, 4)], [(1, 2), (4, 5)]),  # overlapping cuts
            ([(1, 5)], [(3, 4), (2, 2.5)], [(1, 2), (2.5, 3), (4, 5)]),  # unsorted cuts
            ([(1, 3), (4, 6)], [(2, 5)], [(1, 2), (5, 6)]),  # a cut across two base intervals
            ([(1, 3), (4, 6), (7, 9)], [(0, 1.5), (5, 8)], [(1.5, 3), (4, 5), (8, 9)]),
            ([(1, 3), (4, 6)], [(3, 4)], [(1, 3), (4, 6)]),
        ],
    )
    def test_subtract(self, base, remove, expected):
        assert rules.subtract(ivs(*base), ivs(*remove)) == ivs(*expected)

    def test_subtract_accepts_a_generator(self):
        assert rules.subtract(ivs((1, 5)), (x for x in ivs((2, 3)))) == ivs((1, 2), (3, 5))


def test_back_to_back_opening_spans_are_one_open_time():
    """08-12 and 12-21 on one day: a booking 11-13 is inside opening hours (as availability shows it)."""
    r = rules.SpaceRules(tz=HEL, opening={2: [(8 * 60, 12 * 60), (12 * 60, 21 * 60)]}, horizon_days=400)
    day = date(2027, 1, 13)  # a Wednesday
    now = at(date(2027, 1, 4), 9)
    assert rules.rule_problems(at(day, 11), at(day, 13), r, now) == []
    window = rules.Interval(at(day, 11), at(day, 13))
    assert rules.is_free(window, r, [], [])


def test_seconds_are_off_grid_even_on_a_one_minute_grid():
    r = rules.SpaceRules(tz=HEL, opening={2: [(8 * 60, 21 * 60)]}, slot_minutes=1, horizon_days=400)
    day = date(2027, 1, 13)
    now = at(date(2027, 1, 4), 9)
    codes = [p.code for p in rules.rule_problems(at(day, 11) + timedelta(seconds=30), at(day, 12), r, now)]
    assert codes == ["off_grid"]


def test_monthly_by_weekday_series():
    start = at(date(2027, 1, 12), 18)  # the second Tuesday of January 2027
    occ, problems = rules.expand_series("FREQ=MONTHLY;BYDAY=2TU;COUNT=3", start, start + H2, HEL)
    assert problems == []
    assert [o.start.astimezone(HEL).date() for o in occ] == [date(2027, 1, 12), date(2027, 2, 9), date(2027, 3, 9)]
