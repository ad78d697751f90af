"""The week for the door on one A4 page, whatever the week holds (pure: no Flask, no database).

The printed page is laid out in lines of a known height: the print CSS (static/commons.css, "A space's
week for the door") sets every size in pt and mm, and every time sits in a cell of its own that is cut,
never wrapped. A day's row is as many lines as the longest of its two cells: the day's name with its
opening hours under it (one line per span), and its times: the booked and closed times, `columns` to a
line, then the free times, `free_columns` to a line.

`fit` takes the largest type whose lines fit on the page (DENSITIES: the lines the days' table holds at
each size, measured in Chromium with a margin: tests/spaces/test_print_week_browser.py proves the
page count). When even the smallest cannot hold the week, the longest days give up lines one at a time,
and the last cell of a shortened list says how many more times there are ("+N more"): every time is
on the space's page, behind the QR code. The closures listed under the table are cut the same way.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from math import ceil
from typing import Sequence, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Density:
    css: str  # classes of the page: "" (roomy), "dense", "dense densest"
    columns: int  # booked and closed times to a line
    free_columns: int  # free times to a line
    lines: int  # lines the days' table holds on the page at this size


# The lines the days' table holds: A4 less 12 mm margins is 273 mm; less the rest of the page at its
# tallest (the header with its QR code, three closures, the longest address, every rule, in Finnish:
# 105 / 89 / 88 mm roomy / dense / densest, measured in Chromium), the rows' padding, and 12 mm to spare;
# divided by the line (4.4 / 3.7 / 3.2 mm).
DENSITIES = (
    Density("", 2, 4, 32),
    Density("dense", 3, 6, 44),
    Density("dense densest", 4, 7, 52),
)
MAX_CLOSURES = 3  # closures listed under the table (each is also in its day's row)

# From Friday on (Monday 0), the week for the door is next week's: this week is nearly over when it is posted.
NEXT_WEEK_FROM = 4


def default_week(today: date) -> tuple[int, int]:
    """The ISO week (year, week) the print page shows without `?week=`: this week's until Thursday,
    next week's from Friday on (`today` is the local date)."""
    day = today + timedelta(days=7) if today.weekday() >= NEXT_WEEK_FROM else today
    year, week, _ = day.isocalendar()
    return year, week


@dataclass(frozen=True)
class DayNeed:
    entries: int  # booked and closed times
    free: int  # free times
    hour_lines: int = 1  # spans of opening hours, a line each under the day's name and its date


@dataclass
class Fit:
    density: Density
    shown: list[tuple[int, int]]  # per day: cells of booked and closed times, cells of free times (a "+N more" included)
    cut: bool  # some times did not fit (their days end with "+N more")


def day_lines(need: DayNeed, density: Density, entry_lines: int | None = None, free_lines: int | None = None) -> int:
    if entry_lines is None:
        entry_lines = ceil(need.entries / density.columns)
    if free_lines is None:
        free_lines = ceil(need.free / density.free_columns)
    return max(2 + need.hour_lines, entry_lines + free_lines)


def fit(needs: Sequence[DayNeed]) -> Fit:
    """The density to print the week at, and how many cells of each day's lists to print."""
    for density in DENSITIES:
        if sum(day_lines(n, density) for n in needs) <= density.lines:
            return Fit(density, [(n.entries, n.free) for n in needs], cut=False)
    density = DENSITIES[-1]
    entry_lines = [ceil(n.entries / density.columns) for n in needs]
    free_lines = [ceil(n.free / density.free_columns) for n in needs]

    def total() -> int:
        return sum(day_lines(n, density, e, f) for n, e, f in zip(needs, entry_lines, free_lines))

    while total() > density.lines:
        # The day with the most lines gives one up, from the longer of its two lists (never its last line).
        i = max(range(len(needs)), key=lambda k: (entry_lines[k] + free_lines[k], -k))
        if entry_lines[i] >= free_lines[i] and entry_lines[i] > 1:
            entry_lines[i] -= 1
        elif free_lines[i] > 1:
            free_lines[i] -= 1
        else:
            break  # one line each: nothing left to take (cannot happen for a week of seven days)
    shown = [(min(n.entries, e * density.columns), min(n.free, f * density.free_columns))
             for n, e, f in zip(needs, entry_lines, free_lines)]
    cut = any(s != (n.entries, n.free) for s, n in zip(shown, needs))
    return Fit(density, shown, cut)


def cut_list(items: Sequence[T], cells: int) -> tuple[list[T], int]:
    """The items that go in `cells` cells, and how many more there are: when they do not all fit, the
    last cell is kept for "+N more"."""
    if len(items) <= cells:
        return list(items), 0
    keep = max(cells - 1, 0)
    return list(items[:keep]), len(items) - keep
