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
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from spaces import rules
from spaces.rules import Interval

# Counting distinct groups below this number could identify them: the open data leaves them out.
OPEN_DATA_MIN_GROUPS = 3
_DAY = timedelta(days=1)


@dataclass(frozen=True)
class BookingFact:
    """One booking as the report sees it: time, status, group and its kind. Never a name."""

    start: datetime
    end: datetime
    status: str
    group_id: int
    group_kind: str
    no_show: bool | None = None
    checked_in: bool = False
    purpose: str | None = None  # a code of spaces.purposes, or None: not stated
    age_groups: tuple[str, ...] = ()


@dataclass
class Figures:
    """Figures of one space, or summed over several (a facility, a district, everything)."""

    open_minutes: float = 0.0
    booked_minutes: float = 0.0  # confirmed bookings, clipped to the window
    booked_open_minutes: float = 0.0  # the part of those inside open time (the utilisation's numerator)
    bookings: int = 0
    cancellations: int = 0
    no_shows: int = 0
    checked_in_minutes: float = 0.0  # bookings the group checked in to (spaces that ask for check-in)
    released_minutes: float = 0.0  # bookings released because nobody checked in (each a no-show)
    groups: dict[int, str] = field(default_factory=dict)  # group id -> kind (distinct groups)
    volunteer_minutes: float = 0.0
    volunteers: set[int] = field(default_factory=set)
    # Booked minutes by the bookings' purpose and by age group (a booking for several age groups counts
    # in each; one stating none counts in neither), with the distinct groups behind each (small-count
    # suppression).
    purpose_minutes: dict[str, float] = field(default_factory=dict)
    purpose_groups: dict[str, set[int]] = field(default_factory=dict)
    age_group_minutes: dict[str, float] = field(default_factory=dict)
    age_group_groups: dict[str, set[int]] = field(default_factory=dict)

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
        self.checked_in_minutes += other.checked_in_minutes
        self.released_minutes += other.released_minutes
        self.groups.update(other.groups)
        self.volunteer_minutes += other.volunteer_minutes
        self.volunteers |= other.volunteers
        for mine, theirs in ((self.purpose_minutes, other.purpose_minutes), (self.age_group_minutes, other.age_group_minutes)):
            for k, v in theirs.items():
                mine[k] = mine.get(k, 0.0) + v
        for mine_g, theirs_g in ((self.purpose_groups, other.purpose_groups), (self.age_group_groups, other.age_group_groups)):
            for k, v in theirs_g.items():
                mine_g.setdefault(k, set()).update(v)

    def count_audience(self, b: BookingFact, minutes_: float) -> None:
        """Add a booked booking's minutes under its purpose and each of its age groups."""
        if b.purpose:
            self.purpose_minutes[b.purpose] = self.purpose_minutes.get(b.purpose, 0.0) + minutes_
            self.purpose_groups.setdefault(b.purpose, set()).add(b.group_id)
        for a in b.age_groups or ():
            self.age_group_minutes[a] = self.age_group_minutes.get(a, 0.0) + minutes_
            self.age_group_groups.setdefault(a, set()).add(b.group_id)


def minutes(intervals: Iterable[Interval]) -> float:
    total = 0.0
    for i in intervals:
        if i.start.tzinfo is timezone.utc and i.end.tzinfo is timezone.utc:
            total += (i.end - i.start).total_seconds() / 60  # UTC: plain subtraction is elapsed time
        else:
            total += rules.elapsed_minutes(i.start, i.end)
    return total


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
    return rules.subtract(opening_intervals(window, sr), list(closures))


def opening_intervals(window: Interval, sr: rules.SpaceRules) -> list[Interval]:
    """The same intervals as spaces.rules.opening_intervals (tests/spaces/test_reports.py compares
    them across clock changes), faster over a year: on a day whose two midnights have the same UTC
    offset (all but two days a year) local times are plain arithmetic, no time zone lookups per
    opening time. A day with a clock change takes the rules' way."""
    tz = sr.tz
    utc = timezone.utc
    day = window.start.astimezone(tz).date() - _DAY
    last = window.end.astimezone(tz).date()
    w_start, w_end = window.start, window.end
    out: list[Interval] = []
    midnight = datetime.combine(day, time(0))
    offset = tz.utcoffset(midnight)
    while day <= last:
        next_midnight = midnight + _DAY
        next_offset = tz.utcoffset(next_midnight)
        spans = sr.opening.get(day.weekday())
        if spans:
            if offset == next_offset:
                base = (midnight - offset).replace(tzinfo=utc)
                for opens, closes in spans:
                    s, e = base + timedelta(minutes=opens), base + timedelta(minutes=closes)
                    if s < w_start:
                        s = w_start
                    if e > w_end:
                        e = w_end
                    if s < e:
                        out.append(Interval(s, e))
            else:
                out.extend(rules.opening_intervals(Interval(max(w_start, (midnight - offset).replace(tzinfo=utc)),
                                                            min(w_end, (next_midnight - next_offset).replace(tzinfo=utc))),
                                                   rules.SpaceRules(tz=tz, opening={day.weekday(): spans})))
        day += _DAY
        midnight, offset = next_midnight, next_offset
    return rules.merge(out)


@dataclass
class SpaceUsage:
    """One space's figures and the intervals behind them (all UTC, merged)."""

    figures: Figures
    opened: list[Interval]
    booked: list[Interval]
    booked_open: list[Interval]  # booked time inside open time (the utilisation's numerator)
    checked_in: list[Interval] = field(default_factory=list)  # booked time the group checked in to
    released: list[Interval] = field(default_factory=list)  # booked time released (nobody checked in; an unconfirmed series)


def space_usage(
    window: Interval, sr: rules.SpaceRules, closures: Iterable[Interval], bookings: Iterable[BookingFact]
) -> SpaceUsage:
    """A space's figures in the window, with its open, booked and booked-while-open intervals.

    A booking counts when it overlaps the window (a booking across the window's edge counts once,
    with only its minutes inside the window). Booked = confirmed; cancelled bookings are counted as
    cancellations; a confirmed booking marked as a no-show counts as booked and as a no-show. A
    released booking counts as booked and in the released time, and as a no-show when nobody checked in
    (release-unused marks it; the unconfirmed rest of a series released ahead is no no-show); a
    checked-in one in the checked-in time. Any other status (pending, offered, rejected, expired,
    declined) counts nowhere.
    """
    opened = open_time(window, sr, closures)
    fig = Figures(open_minutes=minutes(opened))
    booked: list[Interval] = []
    checked_in: list[Interval] = []
    released: list[Interval] = []
    w_start, w_end = window.start, window.end
    for b in bookings:
        if not (b.start < w_end and b.end > w_start):
            continue
        if b.status in ("confirmed", "released"):
            fig.bookings += 1
            fig.groups[b.group_id] = b.group_kind
            if b.no_show:
                fig.no_shows += 1
            clipped = Interval(max(b.start, w_start), min(b.end, w_end))
            booked.append(clipped)
            fig.count_audience(b, (clipped.end - clipped.start).total_seconds() / 60)
            if b.status == "released":
                released.append(clipped)
            elif b.checked_in:
                checked_in.append(clipped)
        elif b.status == "cancelled":
            fig.cancellations += 1
    checked_in, released = rules.merge(checked_in), rules.merge(released)
    fig.checked_in_minutes = minutes(checked_in)
    fig.released_minutes = minutes(released)
    booked = rules.merge(booked)
    inside = intersect(booked, opened)
    fig.booked_minutes = minutes(booked)
    fig.booked_open_minutes = minutes(inside)
    return SpaceUsage(fig, opened, booked, inside, checked_in, released)


def space_figures(
    window: Interval, sr: rules.SpaceRules, closures: Iterable[Interval], bookings: Iterable[BookingFact]
) -> tuple[Figures, list[Interval], list[Interval]]:
    """(figures, open intervals, booked intervals) of one space in the window (see space_usage)."""
    u = space_usage(window, sr, closures, bookings)
    return u.figures, u.opened, u.booked


# --- Buckets by local time -----------------------------------------------------------------------


def _next_local_hour(moment: datetime, tz: ZoneInfo) -> datetime:
    """The next local full hour after `moment`, as a UTC instant (a skipped hour is skipped)."""
    local = moment.astimezone(tz)
    naive = local.replace(tzinfo=None, minute=0, second=0, microsecond=0) + timedelta(hours=1)
    nxt = naive.replace(tzinfo=tz).astimezone(timezone.utc)
    if nxt <= moment:  # the earlier reading of a repeated hour: take the later one
        nxt = naive.replace(tzinfo=tz, fold=1).astimezone(timezone.utc)
    return nxt


# An hour bucket is one int: the local date's proleptic ordinal * 24 + the local hour. Summing into
# ints and turning them into weekdays and ISO weeks once at the end is much faster than building a
# (date, hour) key for every hour of every space (the 365-day report spent most of its time there).
_EPOCH_HOUR = date(1970, 1, 1).toordinal() * 24


def add_hours(out: dict[int, float], intervals: Iterable[Interval], tz: ZoneInfo) -> None:
    """Add the intervals' minutes into `out`, per local hour bucket (see _EPOCH_HOUR)."""
    for iv in intervals:
        cur = iv.start.astimezone(timezone.utc)
        end = iv.end.astimezone(timezone.utc)
        while cur < end:
            # At most a day at a time, so that a long interval (a space open day and night) takes
            # the fast way on every day without a clock change.
            stop = min(end, cur + _DAY)
            offset = cur.astimezone(tz).utcoffset()
            if stop.astimezone(tz).utcoffset() == offset:
                # No clock change inside (they are months apart): local time is UTC plus one offset,
                # so the hours are plain arithmetic on local seconds.
                shift = offset.total_seconds()
                s, e = cur.timestamp() + shift, stop.timestamp() + shift
                h = int(s // 3600)
                while s < e:
                    nxt = (h + 1) * 3600
                    if nxt > e:
                        nxt = e
                    out[_EPOCH_HOUR + h] += (nxt - s) / 60
                    s = nxt
                    h += 1
            else:
                c = cur
                while c < stop:
                    nxt = min(_next_local_hour(c, tz), stop)
                    local = c.astimezone(tz)
                    out[local.toordinal() * 24 + local.hour] += (nxt - c).total_seconds() / 60
                    c = nxt
            cur = stop


def hour_buckets(intervals: Iterable[Interval], tz: ZoneInfo) -> dict[tuple[date, int], float]:
    """Minutes of the intervals per (local date, local hour)."""
    out: dict[int, float] = defaultdict(float)
    add_hours(out, intervals, tz)
    return {(date.fromordinal(k // 24), k % 24): m for k, m in out.items()}


@dataclass
class Buckets:
    """Open and booked minutes by weekday and hour (the heat map) and by ISO week (the trend)."""

    open_by_hour: dict[tuple[int, int], float] = field(default_factory=lambda: defaultdict(float))
    booked_by_hour: dict[tuple[int, int], float] = field(default_factory=lambda: defaultdict(float))
    open_by_week: dict[tuple[int, int], float] = field(default_factory=lambda: defaultdict(float))
    booked_by_week: dict[tuple[int, int], float] = field(default_factory=lambda: defaultdict(float))
    # checked-in and released time by ISO week (the trend shows them beside the booked hours)
    hours_by_week: dict[str, dict[tuple[int, int], float]] = field(
        default_factory=lambda: {k: defaultdict(float) for k in ("checked_in", "released")})

    _open: dict[int, float] = field(default_factory=lambda: defaultdict(float))  # hour bucket -> minutes
    _booked: dict[int, float] = field(default_factory=lambda: defaultdict(float))

    def add_space(
        self, opened: Sequence[Interval], booked: Sequence[Interval], tz: ZoneInfo, booked_open: Sequence[Interval] | None = None
    ) -> None:
        """Booked time counts where it is inside open time, as in the utilisation (`booked_open`,
        when the caller has it already: space_usage's)."""
        add_hours(self._open, opened, tz)
        add_hours(self._booked, intersect(booked, opened) if booked_open is None else booked_open, tz)

    def add_hours_by_week(self, usage: "SpaceUsage", tz: ZoneInfo) -> None:
        """Checked-in and released time of a space by ISO week (the trend chart's hours)."""
        for kind, spans in (("checked_in", usage.checked_in), ("released", usage.released)):
            by_hour: dict[int, float] = defaultdict(float)
            add_hours(by_hour, spans, tz)
            for key, m in by_hour.items():
                self.hours_by_week[kind][date.fromordinal(key // 24).isocalendar()[:2]] += m

    def _fold(self) -> None:
        """Sum the hour buckets added so far into weekday/hour and ISO week (once per distinct day)."""
        weeks: dict[int, tuple[int, int]] = {}
        for source, by_hour, by_week in ((self._open, self.open_by_hour, self.open_by_week),
                                         (self._booked, self.booked_by_hour, self.booked_by_week)):
            for key, m in source.items():
                ordinal, hour = divmod(key, 24)
                week = weeks.get(ordinal)
                if week is None:
                    week = weeks[ordinal] = date.fromordinal(ordinal).isocalendar()[:2]
                by_hour[((ordinal - 1) % 7, hour)] += m  # ordinal 1 (1 January of year 1) was a Monday
                by_week[week] += m
            source.clear()

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
        self._fold()
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
        self._fold()
        return [
            {
                "week": f"{y:04d}-W{w:02d}",
                "open_hours": hours(m),
                "booked_hours": hours(self.booked_by_week.get((y, w), 0.0)),
                "utilisation": ratio(self.booked_by_week.get((y, w), 0.0), m),
                "checked_in_hours": hours(self.hours_by_week["checked_in"].get((y, w), 0.0)),
                "released_hours": hours(self.hours_by_week["released"].get((y, w), 0.0)),
            }
            for (y, w), m in sorted(self.open_by_week.items())
        ]


def hours(minutes_: float) -> float:
    return round(minutes_ / 60, 2)


def hours_by(minutes_by: dict[str, float], groups_by: dict[str, set[int]], min_groups: int = 0) -> dict[str, float | None]:
    """Hours per code, in code order; a code behind fewer than `min_groups` distinct groups is None
    (the open data's small-count suppression: one group's use cannot be told apart)."""
    return {k: (hours(minutes_by[k]) if len(groups_by.get(k, ())) >= min_groups else None) for k in sorted(minutes_by)}


def ratio(part: float, whole: float) -> float | None:
    """A utilisation rounded to 4 decimals; None (not 0) when there was no open time to use."""
    if whole <= 0:
        return None
    return round(min(1.0, part / whole), 4)
