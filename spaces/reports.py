"""Usage figures as pure functions over plain values: no Flask, no database.

Everything is computed in real (elapsed) minutes over half-open intervals of instants, and bucketed
by the space's local wall-clock time: a local day with a clock change has 23 or 25 hours, and the
repeated autumn hour counts twice in its hour bucket. Opening hours come from the weekday table
(spaces.rules.opening_intervals, clipped to the window); closures are subtracted from them.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from spaces import rules
from spaces.rules import Interval

# Counting distinct groups below this number could identify them: the open data leaves them out.
OPEN_DATA_MIN_GROUPS = 3


@dataclass(frozen=True)
class BookingFact:
    """One booking as the report sees it: time, status, group and its kind. Never a name."""

    start: datetime
    end: datetime
    status: str
    group_id: int
    group_kind: str
    no_show: bool | None = None


@dataclass
class Figures:
    """Figures of one space, or summed over several (a facility, a district, everything)."""

    open_minutes: float = 0.0
    booked_minutes: float = 0.0  # confirmed bookings, clipped to the window
    booked_open_minutes: float = 0.0  # the part of those inside open time (the utilisation's numerator)
    bookings: int = 0
    cancellations: int = 0
    no_shows: int = 0
    groups: dict[int, str] = field(default_factory=dict)  # group id -> kind (distinct groups)
    volunteer_minutes: float = 0.0
    volunteers: set[int] = field(default_factory=set)

    @property
    def utilisation(self) -> float | None:
        """Booked time inside open time / open time; None when the space was not open at all."""
        if self.open_minutes <= 0:
            return None
        return min(1.0, self.booked_open_minutes / self.open_minutes)

    @property
    def distinct_groups(self) -> int:
        return len(self.groups)

    def kinds(self) -> dict[str, int]:
        out = {"association": 0, "resident_group": 0}
        for kind in self.groups.values():
            out[kind] = out.get(kind, 0) + 1
        return out

    def add(self, other: Figures) -> None:
        self.open_minutes += other.open_minutes
        self.booked_minutes += other.booked_minutes
        self.booked_open_minutes += other.booked_open_minutes
        self.bookings += other.bookings
        self.cancellations += other.cancellations
        self.no_shows += other.no_shows
        self.groups.update(other.groups)
        self.volunteer_minutes += other.volunteer_minutes
        self.volunteers |= other.volunteers


def minutes(intervals: Iterable[Interval]) -> float:
    return sum(rules.elapsed_minutes(i.start, i.end) for i in intervals)


def clip(intervals: Iterable[Interval], window: Interval) -> list[Interval]:
    out = []
    for i in intervals:
        s, e = max(i.start, window.start), min(i.end, window.end)
        if s < e:
            out.append(Interval(s, e))
    return out


def intersect(a: Sequence[Interval], b: Sequence[Interval]) -> list[Interval]:
    """The time in both (each list merged first)."""
    a, b = rules.merge(a), rules.merge(b)
    out, i, j = [], 0, 0
    while i < len(a) and j < len(b):
        s, e = max(a[i].start, b[j].start), min(a[i].end, b[j].end)
        if s < e:
            out.append(Interval(s, e))
        if a[i].end < b[j].end:
            i += 1
        else:
            j += 1
    return out


def open_time(window: Interval, sr: rules.SpaceRules, closures: Iterable[Interval]) -> list[Interval]:
    """Opening hours within the window, per local day (DST-aware), minus closures."""
    return rules.subtract(rules.opening_intervals(window, sr), list(closures))


def space_figures(
    window: Interval, sr: rules.SpaceRules, closures: Iterable[Interval], bookings: Iterable[BookingFact]
) -> tuple[Figures, list[Interval], list[Interval]]:
    """(figures, open intervals, booked intervals) of one space in the window.

    A booking counts when it overlaps the window (a booking across the window's edge counts once,
    with only its minutes inside the window). Booked = confirmed; cancelled bookings are counted as
    cancellations; a confirmed booking marked as a no-show counts as booked and as a no-show.
    """
    opened = open_time(window, sr, closures)
    fig = Figures(open_minutes=minutes(opened))
    booked: list[Interval] = []
    for b in bookings:
        if not (b.start < window.end and b.end > window.start):
            continue
        if b.status == "confirmed":
            fig.bookings += 1
            fig.groups[b.group_id] = b.group_kind
            if b.no_show:
                fig.no_shows += 1
            booked.extend(clip([Interval(b.start, b.end)], window))
        elif b.status == "cancelled":
            fig.cancellations += 1
    booked = rules.merge(booked)
    fig.booked_minutes = minutes(booked)
    fig.booked_open_minutes = minutes(intersect(booked, opened))
    return fig, opened, booked


# --- Buckets by local time -----------------------------------------------------------------------


def _next_local_hour(moment: datetime, tz: ZoneInfo) -> datetime:
    """The next local full hour after `moment`, as a UTC instant (a skipped hour is skipped)."""
    local = moment.astimezone(tz)
    naive = local.replace(tzinfo=None, minute=0, second=0, microsecond=0) + timedelta(hours=1)
    nxt = naive.replace(tzinfo=tz).astimezone(timezone.utc)
    if nxt <= moment:  # the earlier reading of a repeated hour: take the later one
        nxt = naive.replace(tzinfo=tz, fold=1).astimezone(timezone.utc)
    return nxt


_EPOCH = date(1970, 1, 1)


def hour_buckets(intervals: Iterable[Interval], tz: ZoneInfo) -> dict[tuple[date, int], float]:
    """Minutes of the intervals per (local date, local hour)."""
    out: dict[tuple[date, int], float] = defaultdict(float)
    for iv in intervals:
        cur = iv.start.astimezone(timezone.utc)
        end = iv.end.astimezone(timezone.utc)
        offset = cur.astimezone(tz).utcoffset()
        if end - cur <= timedelta(days=7) and end.astimezone(tz).utcoffset() == offset:
            # No clock change inside (they are months apart): local time is UTC plus one offset,
            # so the hours are plain arithmetic on local seconds (most intervals; much faster).
            shift = offset.total_seconds()
            s, e = cur.timestamp() + shift, end.timestamp() + shift
            while s < e:
                nxt = min(s - s % 3600 + 3600, e)
                day = int(s // 86400)
                out[(_EPOCH + timedelta(days=day), int(s - day * 86400) // 3600)] += (nxt - s) / 60
                s = nxt
            continue
        while cur < end:
            nxt = min(_next_local_hour(cur, tz), end)
            local = cur.astimezone(tz)
            out[(local.date(), local.hour)] += (nxt - cur).total_seconds() / 60
            cur = nxt
    return out


@dataclass
class Buckets:
    """Open and booked minutes by weekday and hour (the heat map) and by ISO week (the trend)."""

    open_by_hour: dict[tuple[int, int], float] = field(default_factory=lambda: defaultdict(float))
    booked_by_hour: dict[tuple[int, int], float] = field(default_factory=lambda: defaultdict(float))
    open_by_week: dict[tuple[int, int], float] = field(default_factory=lambda: defaultdict(float))
    booked_by_week: dict[tuple[int, int], float] = field(default_factory=lambda: defaultdict(float))

    def add_space(self, opened: Sequence[Interval], booked: Sequence[Interval], tz: ZoneInfo) -> None:
        """Booked time counts where it is inside open time, as in the utilisation."""
        for (day, hour), m in hour_buckets(opened, tz).items():
            self.open_by_hour[(day.weekday(), hour)] += m
            self.open_by_week[day.isocalendar()[:2]] += m
        for (day, hour), m in hour_buckets(intersect(booked, opened), tz).items():
            self.booked_by_hour[(day.weekday(), hour)] += m
            self.booked_by_week[day.isocalendar()[:2]] += m

    def add_weeks(self, window: Interval, tz: ZoneInfo) -> None:
        """Every ISO week touching the window appears in the trend, open or not."""
        day = window.start.astimezone(tz).date()
        last = (window.end - timedelta(microseconds=1)).astimezone(tz).date()
        while day <= last:
            self.open_by_week.setdefault(day.isocalendar()[:2], 0.0)
            day += timedelta(days=7 - day.weekday())
        self.open_by_week.setdefault(last.isocalendar()[:2], 0.0)

    def heatmap(self) -> list[dict]:
        """One cell per weekday (Monday 0) and hour with open time: minutes and utilisation."""
        return [
            {
                "weekday": wd,
                "hour": hour,
                "open_hours": hours(m),
                "booked_hours": hours(self.booked_by_hour.get((wd, hour), 0.0)),
                "utilisation": ratio(self.booked_by_hour.get((wd, hour), 0.0), m),
            }
            for (wd, hour), m in sorted(self.open_by_hour.items())
            if m > 0
        ]

    def weekly(self) -> list[dict]:
        return [
            {
                "week": f"{y:04d}-W{w:02d}",
                "open_hours": hours(m),
                "booked_hours": hours(self.booked_by_week.get((y, w), 0.0)),
                "utilisation": ratio(self.booked_by_week.get((y, w), 0.0), m),
            }
            for (y, w), m in sorted(self.open_by_week.items())
        ]


def hours(minutes_: float) -> float:
    return round(minutes_ / 60, 2)


def ratio(part: float, whole: float) -> float | None:
    """A utilisation rounded to 4 decimals; None (not 0) when there was no open time to use."""
    if whole <= 0:
        return None
    return round(min(1.0, part / whole), 4)
