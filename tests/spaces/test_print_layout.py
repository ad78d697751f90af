"""spaces.print_layout: the printed week's size and cuts, as counted lines (pure: no app, no browser).
tests/spaces/test_print_week_browser.py proves in Chromium that what it counts is one A4 page."""
from __future__ import annotations

from math import ceil

from hypothesis import given
from hypothesis import strategies as st

from spaces.print_layout import DENSITIES, DayNeed, cut_list, day_lines, fit

ROOMY, DENSE, DENSEST = DENSITIES


def test_a_quiet_week_prints_roomy_and_whole():
    needs = [DayNeed(entries=2, free=3)] * 7
    f = fit(needs)
    assert f.density is ROOMY and not f.cut and f.shown == [(2, 3)] * 7


def test_a_fuller_week_takes_smaller_type_before_anything_is_cut():
    needs = [DayNeed(entries=15, free=14)] * 7  # open 8-22, a booking every other half hour, a closure
    assert sum(day_lines(n, ROOMY) for n in needs) > ROOMY.lines
    assert sum(day_lines(n, DENSE) for n in needs) > DENSE.lines
    f = fit(needs)
    assert f.density is DENSEST and not f.cut and f.shown == [(15, 14)] * 7


def test_a_day_is_at_least_its_name_date_and_opening_hours():
    assert day_lines(DayNeed(0, 0, hour_lines=1), ROOMY) == 3
    assert day_lines(DayNeed(0, 1, hour_lines=3), ROOMY) == 5
    assert day_lines(DayNeed(5, 9, hour_lines=1), ROOMY) == ceil(5 / 2) + ceil(9 / 4)


def test_an_overfull_week_cuts_the_longest_days_and_counts_what_is_left_out():
    needs = [DayNeed(entries=48, free=48)] * 6 + [DayNeed(entries=2, free=2)]
    f = fit(needs)
    assert f.density is DENSEST and f.cut
    assert f.shown[6] == (2, 2)  # the quiet day is not cut
    lines = sum(day_lines(n, DENSEST, ceil(e / DENSEST.columns), ceil(fr / DENSEST.free_columns))
                for n, (e, fr) in zip(needs, f.shown))
    assert lines <= DENSEST.lines
    shown, more = cut_list(list(range(48)), f.shown[0][0])
    assert len(shown) + 1 == f.shown[0][0] and len(shown) + more == 48  # the last cell says "+N more"


def test_cut_list_keeps_the_last_cell_for_the_rest():
    assert cut_list([1, 2, 3], 3) == ([1, 2, 3], 0)
    assert cut_list([1, 2, 3, 4], 3) == ([1, 2], 2)
    assert cut_list([], 0) == ([], 0)


@given(st.lists(st.tuples(st.integers(0, 120), st.integers(0, 120), st.integers(1, 4)), min_size=7, max_size=7))
def test_every_week_fits_its_size_and_shows_all_it_can(days):
    needs = [DayNeed(e, f, h) for e, f, h in days]
    got = fit(needs)
    d = got.density
    lines = sum(day_lines(n, d, ceil(e / d.columns), ceil(fr / d.free_columns)) for n, (e, fr) in zip(needs, got.shown))
    # never more lines than the page holds, except the days' names and hours, which are never cut
    assert lines <= max(d.lines, sum(2 + n.hour_lines for n in needs))
    for n, (e, fr) in zip(needs, got.shown):
        assert 0 <= e <= n.entries and 0 <= fr <= n.free
        assert (e > 0) == (n.entries > 0) and (fr > 0) == (n.free > 0)  # a cut list keeps at least its "+N more"
    assert got.cut == any((e, fr) != (n.entries, n.free) for n, (e, fr) in zip(needs, got.shown))
    if not got.cut:
        assert got.density is next(x for x in DENSITIES if sum(day_lines(n, x) for n in needs) <= x.lines)
