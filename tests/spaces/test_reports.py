"""The usage figures (spaces/reports.py) against hand-computed numbers: pure functions, no database."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from spaces import reports, rules
from spaces.reports import BookingFact, Buckets, hour_buckets
from spaces.rules import Interval

HKI = ZoneInfo("Europe/Helsinki")


def at(y, m, d, hh=0, mm=0, fold=0):
    return datetime(y, m, d, hh, mm, tzinfo=HKI, fold=fold).astimezone(timezone.utc)


WEEKDAYS_8_16 = {d: [(8 * 60, 16 * 60)] for d in range(5)} | {5: [(10 * 60, 14 * 60)]}
SR = rules.SpaceRules(tz=HKI, opening=WEEKDAYS_8_16)
# Monday 4 January 2027 00:00 to Friday 8 January 11:00 (winter time, +02:00)
WINDOW = Interval(at(2027, 1, 4), at(2027, 1, 8, 11))
CLOSURE = Interval(at(2027, 1, 6, 12), at(2027, 1, 6, 18))  # Wednesday afternoon


def facts():
    return [
        BookingFact(at(2027, 1, 4, 10), at(2027, 1, 4, 12), "confirmed", 1, "association"),  # 2 h
        BookingFact(at(2027, 1, 5, 14), at(2027, 1, 5, 16), "confirmed", 2, "resident_group"),  # 2 h
        BookingFact(at(2027, 1, 7, 10), at(2027, 1, 7, 12), "cancelled", 1, "association"),  # a cancellation
        BookingFact(at(2027, 1, 8, 10), at(2027, 1, 8, 12), "confirmed", 3, "association", no_show=True),  # 1 h inside
        BookingFact(at(2027, 1, 6, 12), at(2027, 1, 6, 14), "confirmed", 1, "association"),  # in the closure
        BookingFact(at(2027, 1, 11, 9), at(2027, 1, 11, 10), "confirmed", 4, "association"),  # after the window
        BookingFact(at(2027, 1, 3, 22), at(2027, 1, 4, 0), "confirmed", 4, "association"),  # ends at the start: out
        BookingFact(at(2027, 1, 7, 14), at(2027, 1, 7, 16), "pending", 5, "association"),  # not confirmed
    ]


def test_open_time_is_opening_hours_in_the_window_minus_closures():
    # Mon 8 + Tue 8 + Wed (8 - 4 closed) + Thu 8 + Fri 08-11 3 = 31 h
    assert reports.minutes(reports.open_time(WINDOW, SR, [CLOSURE])) == 31 * 60
    assert reports.minutes(reports.open_time(WINDOW, SR, [])) == 35 * 60


def test_space_figures_hand_computed():
    fig, opened, booked = reports.space_figures(WINDOW, SR, [CLOSURE], facts())
    assert fig.open_minutes == 1860
    assert fig.booked_minutes == 120 + 120 + 60 + 120  # the Friday booking clipped at the window's end
    assert fig.booked_open_minutes == 300  # the booking inside the closure is not open time
    assert fig.utilisation == 300 / 1860
    assert reports.ratio(fig.booked_open_minutes, fig.open_minutes) == 0.1613
    assert fig.bookings == 4
    assert fig.distinct_groups == 3
    assert fig.kinds() == {"association": 2, "resident_group": 1}
    assert fig.cancellations == 1
    assert fig.no_shows == 1
    assert booked[-1] == Interval(at(2027, 1, 8, 10), at(2027, 1, 8, 11))


def test_a_space_never_open_has_no_utilisation():
    fig, _, _ = reports.space_figures(WINDOW, rules.SpaceRules(tz=HKI, opening={}), [], facts())
    assert fig.open_minutes == 0
    assert fig.utilisation is None and reports.ratio(0, 0) is None
    assert fig.bookings == 4  # bookings still count (the hours were changed after they were made)


def test_summing_counts_a_group_once():
    a, _, _ = reports.space_figures(WINDOW, SR, [], facts()[:2])
    b, _, _ = reports.space_figures(WINDOW, SR, [], facts()[1:2])
    total = reports.Figures()
    total.add(a)
    total.add(b)
    assert total.bookings == 3 and total.distinct_groups == 2
    assert total.open_minutes == 2 * 35 * 60


ALL_DAY = rules.SpaceRules(tz=HKI, opening={d: [(0, 1440)] for d in range(7)})


def test_a_day_with_a_clock_change_has_23_or_25_open_hours():
    spring = Interval(at(2027, 3, 28), at(2027, 3, 29))  # clocks forward 03:00 -> 04:00
    autumn = Interval(at(2027, 10, 31), at(2027, 11, 1))  # clocks back 04:00 -> 03:00
    assert reports.minutes(reports.open_time(spring, ALL_DAY, [])) == 23 * 60
    assert reports.minutes(reports.open_time(autumn, ALL_DAY, [])) == 25 * 60
    short = rules.SpaceRules(tz=HKI, opening={6: [(8 * 60, 16 * 60)]})
    assert reports.minutes(reports.open_time(spring, short, [])) == 8 * 60


def test_hour_buckets_across_clock_changes():
    autumn = hour_buckets([Interval(at(2027, 10, 31), at(2027, 11, 1))], HKI)
    day = datetime(2027, 10, 31).date()
    assert autumn[(day, 3)] == 120  # the repeated hour, twice
    assert autumn[(day, 2)] == 60 and autumn[(day, 4)] == 60
    assert sum(autumn.values()) == 25 * 60 and len(autumn) == 24
    spring = hour_buckets([Interval(at(2027, 3, 28), at(2027, 3, 29))], HKI)
    sday = datetime(2027, 3, 28).date()
    assert (sday, 3) not in spring  # the skipped hour
    assert sum(spring.values()) == 23 * 60 and len(spring) == 23
    half = hour_buckets([Interval(at(2027, 1, 4, 10, 30), at(2027, 1, 4, 12, 15))], HKI)
    assert dict(half) == {(datetime(2027, 1, 4).date(), 10): 30, (datetime(2027, 1, 4).date(), 11): 60,
                          (datetime(2027, 1, 4).date(), 12): 15}


def test_heatmap_and_weekly_trend():
    fig, opened, booked = reports.space_figures(WINDOW, SR, [CLOSURE], facts())
    b = Buckets()
    b.add_space(opened, booked, HKI)
    b.add_weeks(WINDOW, HKI)
    cells = {(c["weekday"], c["hour"]): c for c in b.heatmap()}
    assert cells[(0, 10)] == {"weekday": 0, "hour": 10, "open_hours": 1.0, "booked_hours": 1.0, "utilisation": 1.0}
    assert cells[(0, 8)]["utilisation"] == 0.0
    assert (2, 12) not in cells  # closed on Wednesday afternoon: no open time, no cell
    assert cells[(4, 10)]["utilisation"] == 1.0 and (4, 11) not in cells  # Friday clipped at 11:00
    assert (5, 10) not in cells  # the window ends before Saturday
    assert b.weekly() == [{"week": "2027-W01", "open_hours": 31.0, "booked_hours": 5.0, "utilisation": 0.1613,
                           "checked_in_hours": 0.0, "released_hours": 0.0}]


def test_weekly_trend_lists_every_week_of_the_window():
    b = Buckets()
    b.add_weeks(Interval(at(2027, 1, 1), at(2027, 1, 20)), HKI)  # Friday of 2026-W53 .. Tuesday of 2027-W03
    assert [w["week"] for w in b.weekly()] == ["2026-W53", "2027-W01", "2027-W02", "2027-W03"]
    assert b.weekly()[0]["utilisation"] is None


def test_the_fast_opening_hours_are_the_rules_opening_hours():
    """reports.opening_intervals (used for long reports) gives exactly spaces.rules.opening_intervals,
    on days with and without a clock change, in zones whose clocks change at night or at midnight."""
    import random

    rng = random.Random(9)
    hours = [
        {d: [(0, 1440)] for d in range(7)},
        {d: [(8 * 60, 16 * 60), (17 * 60, 1440)] for d in range(7)},
        {6: [(0, 3 * 60 + 30), (3 * 60 + 30, 4 * 60 + 15)], 0: [(3 * 60, 5 * 60)]},  # inside the changed hours
        {d: [(2 * 60 + 30, 3 * 60 + 30)] for d in (5, 6)},
    ]
    for zone in ("Europe/Helsinki", "America/Santiago", "America/Havana", "Australia/Lord_Howe", "UTC"):
        tz = ZoneInfo(zone)
        for opening in hours:
            sr = rules.SpaceRules(tz=tz, opening=opening)
            for _ in range(25):
                start = datetime(2027, 1, 1, tzinfo=timezone.utc) + timedelta(minutes=rng.randrange(365 * 1440))
                window = Interval(start, start + timedelta(minutes=rng.randrange(1, 60 * 1440)))
                assert reports.opening_intervals(window, sr) == rules.opening_intervals(window, sr), (zone, opening, window)
    # A whole year, and the figures of the hand-computed window
    year = Interval(at(2027, 1, 1), at(2028, 1, 1))
    assert reports.opening_intervals(year, ALL_DAY) == rules.opening_intervals(year, ALL_DAY)
    assert reports.minutes(reports.opening_intervals(year, ALL_DAY)) == 365 * 24 * 60


def test_hours_by_purpose_and_age_group_with_small_counts_suppressed():
    def b(day, group, purpose=None, ages=(), status="confirmed"):
        return BookingFact(at(2027, 1, day, 10), at(2027, 1, day, 12), status, group, "association", purpose=purpose, age_groups=ages)

    one = reports.space_figures(WINDOW, SR, [], [b(4, 1, "music", ("children_7_12", "adults_30_64")), b(5, 2, "music", ("adults_30_64",)),
                                                 b(7, 3, "sports"), b(6, 4), b(4, 5, "music", status="cancelled")])[0]
    # 2 h each; a booking stating no purpose is in none; one for two age groups counts in both; a cancelled one nowhere
    assert reports.hours_by(one.purpose_minutes, one.purpose_groups) == {"music": 4.0, "sports": 2.0}
    assert reports.hours_by(one.age_group_minutes, one.age_group_groups) == {"adults_30_64": 4.0, "children_7_12": 2.0}
    # the open data's rule: a purpose behind fewer than 3 distinct groups is left out (None)
    assert reports.hours_by(one.purpose_minutes, one.purpose_groups, 3) == {"music": None, "sports": None}
    # summed over spaces, the groups behind each purpose are counted once each
    other = reports.space_figures(WINDOW, SR, [], [b(4, 6, "music"), b(5, 1, "music")])[0]
    total = reports.Figures()
    total.add(one)
    total.add(other)
    assert reports.hours_by(total.purpose_minutes, total.purpose_groups, 3) == {"music": 8.0, "sports": None}
