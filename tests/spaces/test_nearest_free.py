"""rules.nearest_free_slots: the free times offered after a conflict (pure, no database)."""
from datetime import date, datetime, time, timedelta, timezone

from spaces import rules
from tests.conftest import HELSINKI, next_dst_end, next_dst_start


def at(day: date, hhmm: str) -> datetime:
    return datetime.combine(day, time.fromisoformat(hhmm), tzinfo=HELSINKI).astimezone(timezone.utc)


def iv(day, a, b) -> rules.Interval:
    return rules.Interval(at(day, a), at(day, b))


def hhmm(slots):
    return [(s.start.astimezone(HELSINKI).strftime("%H:%M"), s.end.astimezone(HELSINKI).strftime("%H:%M")) for s in slots]


DAY = date(2027, 1, 13)


def test_nearest_before_and_after_a_booking_not_overlapping_each_other():
    # open 08-22, booked 18-20: wanted 19-20 -> 20-21 (60 min away), 17-18 (120), 21-22 (120)
    free = [iv(DAY, "08:00", "18:00"), iv(DAY, "20:00", "22:00")]
    got = rules.nearest_free_slots(iv(DAY, "19:00", "20:00"), free, HELSINKI, 30)
    assert hhmm(got) == [("17:00", "18:00"), ("20:00", "21:00"), ("21:00", "22:00")]


def test_same_length_on_the_grid_and_count():
    free = [iv(DAY, "08:10", "12:00")]
    got = rules.nearest_free_slots(iv(DAY, "12:00", "13:30"), free, HELSINKI, 30, count=2)
    assert hhmm(got) == [("09:00", "10:30"), ("10:30", "12:00")]
    assert all(s.end - s.start == timedelta(minutes=90) for s in got)


def test_nothing_fits_or_nothing_free():
    assert rules.nearest_free_slots(iv(DAY, "10:00", "12:00"), [iv(DAY, "08:00", "09:00")], HELSINKI, 30) == []
    assert rules.nearest_free_slots(iv(DAY, "10:00", "12:00"), [], HELSINKI, 30) == []
    assert rules.nearest_free_slots(iv(DAY, "12:00", "10:00"), [iv(DAY, "08:00", "22:00")], HELSINKI, 30) == []


def test_not_before_earliest_and_next_days_count():
    free = [iv(DAY, "08:00", "10:00"), iv(DAY + timedelta(days=1), "08:00", "22:00")]
    got = rules.nearest_free_slots(iv(DAY, "18:00", "20:00"), free, HELSINKI, 60, count=1, earliest=at(DAY, "12:00"))
    assert got == [iv(DAY + timedelta(days=1), "08:00", "10:00")]


def test_the_requested_time_itself_is_not_offered():
    free = [iv(DAY, "08:00", "22:00")]
    got = rules.nearest_free_slots(iv(DAY, "10:00", "11:00"), free, HELSINKI, 60, count=2)
    assert iv(DAY, "10:00", "11:00") not in got
    assert hhmm(got) == [("09:00", "10:00"), ("11:00", "12:00")]


def test_across_the_clock_changes_wall_clock_grid_and_real_length():
    spring, autumn = next_dst_start(date(2027, 1, 1)), next_dst_end(date(2027, 1, 1))
    # spring: 03:00 -> 04:00 is skipped; the grid is local, lengths are real durations
    free = [rules.Interval(at(spring, "00:00"), at(spring, "08:00"))]
    got = rules.nearest_free_slots(iv(spring, "05:00", "06:00"), free, HELSINKI, 60, count=3)
    assert all(s.end - s.start == timedelta(hours=1) for s in got)
    assert hhmm(got) == [("02:00", "04:00"), ("04:00", "05:00"), ("06:00", "07:00")]
    # autumn: the day has 25 hours; every offer is an hour long and starts on a whole local hour
    free = [rules.Interval(at(autumn, "00:00"), at(autumn, "08:00"))]
    got = rules.nearest_free_slots(iv(autumn, "06:00", "07:00"), free, HELSINKI, 60, count=3)
    assert all(s.end - s.start == timedelta(hours=1) and s.start.astimezone(HELSINKI).minute == 0 for s in got)
    assert len(got) == 3
