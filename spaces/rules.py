"""Booking rules as pure functions over plain values: no Flask, no database.

All instants are aware datetimes (any zone; compared as instants). Opening hours, the slot grid,
recurrences and ISO weeks are local wall-clock notions, computed in the space's zone `tz`.
Intervals are half-open: [start, end).
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr

from commons.codes import Said, english
from commons.timezone import iso_week, week_bounds as week_instants

MAX_OCCURRENCES = 104  # two years of weekly meetings; longer series are refused with a clear error
MINUTES_PER_DAY = 1440


@dataclass(frozen=True)
class Interval:
    start: datetime
    end: datetime


@dataclass(frozen=True)
class SpaceRules:
    tz: ZoneInfo
    buffer_minutes: int = 0
    min_minutes: int = 30
    max_minutes: int = 240
    slot_minutes: int = 30
    horizon_days: int = 90
    weekly_quota_minutes: int | None = None
    capacity: int | None = None  # how many people the space holds (None: not checked)
    # weekday (Monday 0) -> [(opens_minute, closes_minute)], local wall-clock
    opening: dict[int, list[tuple[int, int]]] = field(default_factory=dict)

    @property
    def buffer(self) -> timedelta:
        return timedelta(minutes=self.buffer_minutes)


@dataclass(frozen=True)
class Booked:
    """An existing active booking as the rules see it: no names, only time."""

    start: datetime
    end: datetime
    blocked_until: datetime
    space_id: int | None = None  # the space booked (None: not said)
    family_name: str | None = None  # set when it is another space of the family (the hall, a part)


@dataclass(frozen=True)
class Problem:
    """Why one requested occurrence cannot be booked: a `code` with its `params` (plain values, times
    as ISO 8601 in the space's zone); the words are in spaces.messages, per language.

    kind "conflict": something else occupies the time (start/end say what, time only);
    kind "rule": a booking rule says no.
    """

    kind: str
    code: str
    params: dict
    occurrence: Interval
    start: datetime | None = None  # the interval that is in the way (conflicts)
    end: datetime | None = None
    space_id: int | None = None  # the space whose booking is in the way (conflicts), when known

    @property
    def said(self) -> Said:
        return Said(self.code, self.params)


# --- Local time --------------------------------------------------------------------------------


def localize(naive: datetime, tz: ZoneInfo) -> datetime | None:
    """Wall-clock time in `tz` as an aware datetime; None when that time does not exist
    (skipped by a clock change). An ambiguous time takes its first occurrence (fold=0)."""
    aware = naive.replace(tzinfo=tz, fold=0)
    round_trip = aware.astimezone(timezone.utc).astimezone(tz).replace(tzinfo=None)
    if round_trip != naive:
        return None
    return aware


def local_minutes(moment: datetime, tz: ZoneInfo, day: date) -> int:
    """Minutes of `moment` since local midnight of `day` (1440 for the next midnight)."""
    local = moment.astimezone(tz)
    return (local.date() - day).days * MINUTES_PER_DAY + local.hour * 60 + local.minute


def elapsed_minutes(start: datetime, end: datetime) -> float:
    """Real minutes from start to end. Not `end - start`: Python subtracts two datetimes that share
    one tzinfo by wall clock, which is wrong across a clock change."""
    return (end.astimezone(timezone.utc) - start.astimezone(timezone.utc)).total_seconds() / 60


def iso_local(moment: datetime, tz: ZoneInfo) -> str:
    """An instant as ISO 8601 in the space's zone (with its offset): how times travel in params."""
    return moment.astimezone(tz).isoformat()


def week_bounds(year: int, week: int, tz: ZoneInfo) -> Interval:
    """The ISO week as an interval of instants: local Monday 00:00 to the next local Monday 00:00."""
    return Interval(*week_instants(year, week, tz))


# --- Single-occurrence rules ---------------------------------------------------------------------


def rule_problems(start: datetime, end: datetime, rules: SpaceRules, now: datetime) -> list[Problem]:
    """Every rule the occurrence [start, end) breaks, except the weekly quota (see `quota_problem`)."""
    occ = Interval(start, end)
    tz = rules.tz
    out: list[Problem] = []

    def no(code: str, **params) -> None:
        out.append(Problem("rule", code, params, occ))

    if end <= start:
        no("end_before_start")
        return out
    if start < now:
        no("in_the_past", start=iso_local(start, tz))
    horizon_end = now + timedelta(days=rules.horizon_days)
    if start >= horizon_end:
        no("beyond_horizon", horizon_days=rules.horizon_days, until=iso_local(horizon_end, tz))
    minutes = elapsed_minutes(start, end)
    if minutes < rules.min_minutes:
        no("too_short", min_minutes=rules.min_minutes)
    if minutes > rules.max_minutes:
        no("too_long", max_minutes=rules.max_minutes)
    day = start.astimezone(tz).date()
    s_min, e_min = local_minutes(start, tz, day), local_minutes(end, tz, day)
    if (
        s_min % rules.slot_minutes
        or e_min % rules.slot_minutes
        or start.second
        or end.second
        or start.microsecond
        or end.microsecond
    ):
        no("off_grid", slot_minutes=rules.slot_minutes)
    if not any(o <= s_min and e_min <= c for o, c in _joined(rules.opening.get(day.weekday(), []))):
        no(
            "outside_opening_hours",
            start=iso_local(start, tz),
            end=iso_local(end, tz),
            weekday=day.weekday(),
            hours=[[o, c] for o, c in sorted(rules.opening.get(day.weekday(), []))],
        )
    return out


def _joined(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Back-to-back opening spans (08-12 and 12-21) are one open time, as in availability."""
    out: list[tuple[int, int]] = []
    for o, c in sorted(spans):
        if out and o <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], c))
        else:
            out.append((o, c))
    return out


def conflict_problems(
    start: datetime,
    end: datetime,
    rules: SpaceRules,
    booked: Iterable[Booked],
    closures: Iterable[Interval],
) -> list[Problem]:
    """Active bookings (widened by the changeover buffer on both sides) and closures in the way."""
    occ = Interval(start, end)
    out = []
    buf = rules.buffer
    for b in booked:
        blocked_until = max(b.end + buf, b.blocked_until)
        if start < blocked_until and b.start < end + buf:
            params = {"start": iso_local(b.start, rules.tz), "end": iso_local(b.end, rules.tz),
                      "buffer_minutes": rules.buffer_minutes}
            if b.family_name is not None:  # taken through the family: say which part (or the whole)
                params.update(space_id=b.space_id, space_name=b.family_name)
                out.append(Problem("conflict", "family_booked", params, occ, b.start, b.end, b.space_id))
            else:
                out.append(Problem("conflict", "booked", params, occ, b.start, b.end, b.space_id))
    for c in closures:
        if start < c.end and c.start < end:
            params = {"start": iso_local(c.start, rules.tz), "end": iso_local(c.end, rules.tz)}
            out.append(Problem("conflict", "closed", params, occ, c.start, c.end))
    return out


def quota_problem(
    start: datetime, end: datetime, rules: SpaceRules, used_minutes_in_week: float
) -> Problem | None:
    """The group's weekly quota (minutes per ISO week in the space's zone), counting this occurrence."""
    if rules.weekly_quota_minutes is None:
        return None
    minutes = elapsed_minutes(start, end)
    if used_minutes_in_week + minutes > rules.weekly_quota_minutes:
        year, week = iso_week(start, rules.tz)
        left = max(0, rules.weekly_quota_minutes - used_minutes_in_week)
        params = {"quota_minutes": rules.weekly_quota_minutes, "week": week, "year": year, "left_minutes": int(left)}
        return Problem("rule", "over_quota", params, Interval(start, end))
    return None


def capacity_problem(start: datetime, end: datetime, rules: SpaceRules, attendees: int | None) -> Problem | None:
    """More people than the space holds (its capacity). None when either is not known."""
    if attendees is None or rules.capacity is None or attendees <= rules.capacity:
        return None
    return Problem("rule", "over_capacity", {"attendees": attendees, "capacity": rules.capacity}, Interval(start, end))


# --- Series --------------------------------------------------------------------------------------


class RRuleError(ValueError):
    """A repeat rule that cannot be used: a `code` (words in spaces.messages) with its `params`."""

    def __init__(self, code: str, **params):
        super().__init__(code)
        self.code = code
        self.params = params

    def __str__(self) -> str:
        return english(self.code, self.params)

    @property
    def said(self) -> Said:
        return Said(self.code, self.params)


_ALLOWED_FREQ = {"DAILY", "WEEKLY", "MONTHLY", "YEARLY"}
# What a booking series may say, by FREQ. Kept to parts with which every rule matches at least once
# a year: dateutil searches up to the year 9999 for a rule that never matches (e.g. BYSETPOS=2 with
# COUNT=1, or BYMONTH=2;BYMONTHDAY=30), which would let one request burn seconds of CPU.
_ALLOWED_PARTS = {
    "DAILY": {"FREQ", "INTERVAL", "COUNT", "UNTIL", "BYDAY", "WKST"},
    "WEEKLY": {"FREQ", "INTERVAL", "COUNT", "UNTIL", "BYDAY", "WKST"},
    "MONTHLY": {"FREQ", "INTERVAL", "COUNT", "UNTIL", "BYDAY", "BYMONTHDAY", "WKST"},
    "YEARLY": {"FREQ", "INTERVAL", "COUNT", "UNTIL", "WKST"},
}


def expand_series(
    rrule: str, start: datetime, end: datetime, tz: ZoneInfo, max_count: int = MAX_OCCURRENCES
) -> tuple[list[Interval], list[Problem]]:
    """Occurrences of an RFC 5545 RRULE in local wall-clock time: a weekly 18:00–20:00 stays
    18:00–20:00 local across DST changes. Returns (occurrences, problems): a local time that a
    clock change skips is a problem, not a shifted booking. Raises RRuleError for a bad rule."""
    text = rrule.strip()
    if text.upper().startswith("RRULE:"):
        text = text[6:]
    if not text or "\n" in text or len(text) > 500:
        raise RRuleError("rrule_one_line")
    parts = {}
    for piece in text.split(";"):
        key, sep, value = piece.partition("=")
        if not sep or not value:
            raise RRuleError("rrule_not_name_value", piece=piece[:40])
        parts[key.strip().upper()] = value.strip()
    freq = parts.get("FREQ", "").upper()
    if freq not in _ALLOWED_FREQ:
        raise RRuleError("rrule_freq")
    extra = sorted(set(parts) - _ALLOWED_PARTS[freq] - {"DTSTART"})
    if extra:
        allowed = ", ".join(sorted(_ALLOWED_PARTS[freq] - {"FREQ"}))
        raise RRuleError("rrule_part_unsupported", part=extra[0][:40], freq=freq, allowed=allowed)
    if freq == "MONTHLY" and "BYDAY" in parts and "BYMONTHDAY" in parts:
        raise RRuleError("rrule_monthly_both")
    if "DTSTART" in parts:
        raise RRuleError("rrule_dtstart")
    if "COUNT" not in parts and "UNTIL" not in parts:
        raise RRuleError("rrule_needs_end")
    if "COUNT" in parts and "UNTIL" in parts:  # RFC 5545: MUST NOT occur together
        raise RRuleError("rrule_count_and_until")
    if "INTERVAL" in parts and not _positive_int(parts["INTERVAL"]):
        # dateutil accepts INTERVAL=0 and then never advances: duplicates or an endless loop
        raise RRuleError("rrule_interval")
    if "UNTIL" in parts:
        parts["UNTIL"] = _until_as_local(parts["UNTIL"], tz)
    local_start = start.astimezone(tz).replace(tzinfo=None)
    local_end = end.astimezone(tz).replace(tzinfo=None)
    duration = local_end - local_start
    if _never_matches(freq, parts, local_start):
        return [], []  # what dateutil finds, after searching every period up to the year 9999 (a second)
    try:
        rule = rrulestr(";".join(f"{k}={v}" for k, v in parts.items()), dtstart=local_start)
    except Exception as exc:  # dateutil raises ValueError, TypeError or KeyError for bad input
        raise RRuleError("rrule_invalid", detail=str(exc)[:200]) from None
    occurrences: list[Interval] = []
    problems: list[Problem] = []
    count = 0
    try:
        for local in rule:
            count += 1
            if count > max_count:
                raise RRuleError("rrule_too_many", max_count=max_count)
            s, e = localize(local, tz), localize(local + duration, tz)
            if s is None or e is None:
                naive = Interval(local.replace(tzinfo=tz), (local + duration).replace(tzinfo=tz))
                problems.append(Problem("rule", "nonexistent_time", {"local_time": local.isoformat()}, naive))
                continue
            # As UTC instants: two datetimes sharing one ZoneInfo compare and subtract by wall clock.
            occurrences.append(Interval(s.astimezone(timezone.utc), e.astimezone(timezone.utc)))
    except RRuleError:
        raise
    except Exception as exc:  # dateutil can also raise IndexError (e.g. BYEASTER=366) while iterating
        raise RRuleError("rrule_invalid", detail=str(exc)[:200]) from None
    return occurrences, problems


_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_DAYS_IN_MONTH = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)  # February: in leap years


def _never_matches(freq: str, parts: dict[str, str], start: datetime) -> bool:
    """Whether the series can give no date at all, seen without walking it: a daily rule whose
    INTERVAL only reaches weekdays its BYDAY does not name (FREQ=DAILY;INTERVAL=7;BYDAY=MO from a
    Tuesday), or a monthly one whose INTERVAL only reaches months without its BYMONTHDAY (the 31st
    every 12 months from April). dateutil would search each period up to the year 9999 for them."""
    try:
        interval = int(parts.get("INTERVAL", "1"))
    except ValueError:
        return False  # refused with its reason elsewhere
    if freq == "DAILY" and "BYDAY" in parts:
        named = {d.strip().upper()[-2:] for d in parts["BYDAY"].split(",")}
        if not named <= set(_WEEKDAYS):
            return False  # dateutil refuses it, with its reason
        reached = {_WEEKDAYS[(start.weekday() + interval * k) % 7] for k in range(7)}
        return not named & reached
    if freq == "MONTHLY" and "BYMONTHDAY" in parts:
        try:
            days = {abs(int(d)) for d in parts["BYMONTHDAY"].split(",")}
        except ValueError:
            return False
        reached = {(start.month - 1 + interval * k) % 12 for k in range(12)}
        return not any(day <= _DAYS_IN_MONTH[m] for m in reached for day in days)
    return False


def _positive_int(value: str) -> bool:
    try:
        return int(value) >= 1
    except ValueError:
        return False


def _until_as_local(value: str, tz: ZoneInfo) -> str:
    """UNTIL as naive local time (our DTSTART is naive local). A date means 'through that day';
    a UTC time (…Z) is converted to local time."""
    v = value.upper()
    try:
        if len(v) == 8:
            d = datetime.strptime(v, "%Y%m%d")
            return (d + timedelta(days=1) - timedelta(seconds=1)).strftime("%Y%m%dT%H%M%S")
        if v.endswith("Z"):
            utc = datetime.strptime(v, "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc)
            return utc.astimezone(tz).strftime("%Y%m%dT%H%M%S")
        datetime.strptime(v, "%Y%m%dT%H%M%S")
        return v
    except (ValueError, OverflowError):  # OverflowError: a date at the very end of the calendar
        raise RRuleError("rrule_until_format") from None


@dataclass
class Evaluation:
    accepted: list[Interval]
    problems: list[Problem]

    @property
    def has_rule_problem(self) -> bool:
        return any(p.kind == "rule" for p in self.problems)


def evaluate(
    occurrences: Sequence[Interval],
    rules: SpaceRules,
    now: datetime,
    booked: Sequence[Booked],
    closures: Sequence[Interval],
    used_minutes_by_week: dict[tuple[int, int], float],
    check_quota: bool = True,
    attendees: int | None = None,
) -> Evaluation:
    """Check each requested occurrence against the rules, the other bookings, the closures, the
    weekly quota, the space's capacity (for `attendees` people; None: not checked) and the
    occurrences accepted before it. Problems of one occurrence do not stop
    the others from being checked: the caller rejects all or skips the bad ones."""
    accepted: list[Interval] = []
    problems: list[Problem] = []
    used = dict(used_minutes_by_week)
    for occ in occurrences:
        found = rule_problems(occ.start, occ.end, rules, now)
        crowded = capacity_problem(occ.start, occ.end, rules, attendees)
        if crowded:
            found.append(crowded)
        taken = list(booked) + [Booked(a.start, a.end, a.end + rules.buffer) for a in accepted]
        found += conflict_problems(occ.start, occ.end, rules, taken, closures)
        if not found and check_quota:
            week = iso_week(occ.start, rules.tz)
            over = quota_problem(occ.start, occ.end, rules, used.get(week, 0))
            if over:
                found.append(over)
            else:
                used[week] = used.get(week, 0) + elapsed_minutes(occ.start, occ.end)
        if found:
            problems.extend(found)
        else:
            accepted.append(occ)
    return Evaluation(accepted, problems)


# --- Availability --------------------------------------------------------------------------------


def opening_intervals(window: Interval, rules: SpaceRules) -> list[Interval]:
    """Opening hours as instants, for every local day touching the window, clipped to it."""
    tz = rules.tz
    day = window.start.astimezone(tz).date() - timedelta(days=1)
    last = window.end.astimezone(tz).date()
    out: list[Interval] = []
    while day <= last:
        for opens, closes in rules.opening.get(day.weekday(), []):
            s = _local_minute(day, opens, tz)
            e = _local_minute(day, closes, tz)
            s, e = max(s, window.start), min(e, window.end)
            if s < e:
                out.append(Interval(s, e))
        day += timedelta(days=1)
    return merge(out)


def _local_minute(day: date, minute: int, tz: ZoneInfo) -> datetime:
    naive = datetime.combine(day, time(0)) + timedelta(minutes=minute)
    aware = localize(naive, tz)
    while aware is None:  # inside a skipped hour: the first wall-clock minute after it
        naive += timedelta(minutes=1)
        aware = localize(naive, tz)
    # As UTC: instants of one ZoneInfo compare by wall clock, and a time in the repeated autumn hour
    # never compares equal to another zone's (PEP 495). Everything the rules compare is UTC.
    return aware.astimezone(timezone.utc)


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    out: list[Interval] = []
    for iv in sorted(intervals, key=lambda i: (i.start, i.end)):
        if out and iv.start <= out[-1].end:
            if iv.end > out[-1].end:
                out[-1] = Interval(out[-1].start, iv.end)
        else:
            out.append(iv)
    return out


def subtract(base: Sequence[Interval], remove: Iterable[Interval]) -> list[Interval]:
    cuts = merge(remove)
    out: list[Interval] = []
    for iv in base:
        cur = iv.start
        for c in cuts:
            if c.end <= cur or c.start >= iv.end:
                continue
            if c.start > cur:
                out.append(Interval(cur, c.start))
            cur = max(cur, c.end)
            if cur >= iv.end:
                break
        if cur < iv.end:
            out.append(Interval(cur, iv.end))
    return out


def availability(
    window: Interval, rules: SpaceRules, booked: Sequence[Booked], closures: Sequence[Interval]
) -> tuple[list[Interval], list[Interval]]:
    """(busy, free) within the window. Busy: bookings and closures as they are (no names).
    Free: opening hours minus bookings widened by the changeover buffer on both sides, minus
    closures, i.e. exactly the times a new booking could start and end within."""
    buf = rules.buffer
    busy = merge(
        [Interval(max(b.start, window.start), min(b.end, window.end)) for b in booked if b.start < window.end and b.end > window.start]
        + [Interval(max(c.start, window.start), min(c.end, window.end)) for c in closures if c.start < window.end and c.end > window.start]
    )
    blocked = [Interval(b.start - buf, max(b.end + buf, b.blocked_until)) for b in booked] + list(closures)
    free = subtract(opening_intervals(window, rules), blocked)
    return busy, free


def is_free(window: Interval, rules: SpaceRules, booked: Sequence[Booked], closures: Sequence[Interval]) -> bool:
    """The whole window is open and nothing (buffers included) is in the way."""
    _, free = availability(window, rules, booked, closures)
    return any(f.start <= window.start and window.end <= f.end for f in free)


# --- Nearest free times ---------------------------------------------------------------------------


def nearest_free_slots(
    wanted: Interval,
    free: Sequence[Interval],
    tz: ZoneInfo,
    slot_minutes: int,
    count: int = 3,
    earliest: datetime | None = None,
) -> list[Interval]:
    """Up to `count` free times as long as `wanted`, starting on the local slot grid, nearest to
    `wanted.start` (earlier or later), not overlapping each other, none starting before `earliest`.
    `free` are the free intervals (as from `availability`); the result is in time order."""
    length = wanted.end - wanted.start
    if length <= timedelta(0) or count <= 0:
        return []
    step = max(slot_minutes, 1)
    candidates: list[Interval] = []
    for iv in free:
        day = iv.start.astimezone(tz).date()
        last = iv.end.astimezone(tz).date()
        while day <= last:
            for minute in range(0, MINUTES_PER_DAY, step):
                naive = datetime.combine(day, time(0)) + timedelta(minutes=minute)
                aware = localize(naive, tz)
                if aware is None:
                    continue
                start = aware.astimezone(timezone.utc)
                if start < iv.start or (earliest is not None and start < earliest):
                    continue
                if start + length > iv.end:
                    break
                candidates.append(Interval(start, start + length))
            day += timedelta(days=1)
    candidates.sort(key=lambda c: (abs(c.start - wanted.start), c.start))
    chosen: list[Interval] = []
    for c in candidates:
        if c.start == wanted.start:
            continue
        if all(c.end <= o.start or c.start >= o.end for o in chosen):
            chosen.append(c)
            if len(chosen) == count:
                break
    return sorted(chosen, key=lambda c: c.start)


# --- Use it or free it: check-in and offers ------------------------------------------------------

CHECK_IN_EARLY = timedelta(minutes=15)


def check_in_window(start: datetime, grace_minutes: int) -> Interval:
    """When a group may check in: from 15 minutes before the start until the grace period ends."""
    return Interval(start - CHECK_IN_EARLY, start + timedelta(minutes=grace_minutes))


def offered_start(start: datetime, now: datetime, slot_minutes: int) -> datetime:
    """Where an offer of the time [start, ...) begins: at its start, or, when that has passed (the
    rest of a released booking), at the first step of the space's grid from now on."""
    if start >= now:
        return start
    step = timedelta(minutes=slot_minutes)
    return start + step * -((start - now) // step)


def offer_expiry(now: datetime, start: datetime, end: datetime, offer_hours: int) -> datetime:
    """An offer holds its time for offer_hours, or until its start, whichever is first (an offer of
    time already begun: until its end at most)."""
    limit = start if start > now else end
    return min(now + timedelta(hours=offer_hours), limit)


# A series whose dates were released twice in a row asks its group to confirm the rest; what is still
# unconfirmed this long after asking is released (spaces.housekeeping.release_unused).
SERIES_CONFIRM_WAIT = timedelta(days=7)
