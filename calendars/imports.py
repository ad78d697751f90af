"""Reading an .ics file into closures: pure (bytes, the space's zone and a window in; candidate
closures and the events that could not be used out). No Flask, no database.

Time zones are honoured as the file gives them: TZID'd times with the file's VTIMEZONE (or the
zoneinfo zone of that name), UTC times, Google's X-WR-TIMEZONE (via x-wr-timezone), and floating
times as wall-clock times of the space. All-day events close whole local days. Recurring events are
expanded within the window with recurring-ical-events, moved and cancelled dates included.

Everything a file can make this module compute is bounded before it is computed (docs/security.md "Limits"):
the raw lines are counted before parsing; a time zone the file defines is checked before icalendar
builds it (its rules repeat yearly, and their changes up to a year after the window are few) and its
changes are then worked out once; an event's rule is estimated and its dates in the window counted
before it is expanded, and all events' walks together have a budget. The service calls `parse`
before its write transaction opens, so however long a file takes, nobody else waits for it.
"""
from __future__ import annotations

import functools
import hashlib
import threading
import zoneinfo
from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import icalendar
import recurring_ical_events
import x_wr_timezone
from dateutil.rrule import rruleset, rrulestr
from dateutil.tz.tz import _tzicalvtz
from icalendar.timezone import tzp
from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON
from icalendar.timezone.zoneinfo import ZONEINFO

import calendars.messages  # noqa: F401  (the words of the codes said here)
from commons.codes import Said, english

MAX_CLOSURE = timedelta(days=400)
# Limits of one import (docs/security.md "Limits"). The events and closures are the defaults of the
# ICS_IMPORT_MAX_EVENTS and ICS_IMPORT_MAX_CLOSURES settings; the service passes the configured ones.
MAX_EVENTS = 1000  # VEVENTs in one file
MAX_DATES_PER_EVENT = 1000  # e.g. a daily event for the whole window fits; FREQ=MINUTELY does not
MAX_CLOSURES = 2000  # closures from one import
MAX_TIMEZONES = 50  # VTIMEZONEs in one file (a real one has a few; each is copied to every event's expansion)
# Expanding a rule walks every period from its DTSTART, also those before the window: a FREQ=SECONDLY
# rule from 1900 would take hours. A rule whose walk to the end of the window is longer is skipped.
MAX_RULE_STEPS = 200_000
# All events' walks together (each is walked twice: counted, then expanded): about a second of work.
MAX_FILE_RULE_STEPS = 500_000
# An event's dates are counted around the window (two days either side, whatever the zone) before it is
# expanded; more than this many there and it is skipped without being expanded.
WINDOW_COUNT_LIMIT = 2 * MAX_DATES_PER_EVENT
WINDOW_SLACK = timedelta(days=2)
# The file's own time zones (VTIMEZONEs icalendar builds from their rules): their changes up to a year
# after the window, all zones together. Outlook's "Customized Time Zone" from 1601 is about 860.
MAX_ZONE_STEPS = 10_000
# STANDARD/DAYLIGHT parts of one such zone: each look-up of a time asks every part (Outlook writes 2).
MAX_ZONE_PARTS = 50
ZONE_MARGIN = timedelta(days=366)
MAX_DEPTH = 8  # VCALENDAR > VEVENT > VALARM is 3; VTIMEZONE > STANDARD is 3


def _scan(text: bytes, max_events: int) -> None:
    """Refuse a hostile file before the parser reads it: components nested deeper than any calendar
    nests them, or more events or time zones than one import takes (counted on the raw lines, which
    is fast; parsing such a file first would take seconds)."""
    depth = events = zones = 0
    for line in text.splitlines():
        head = line[:6].upper()
        if head == b"BEGIN:":
            depth += 1
            name = line[6:].strip().upper()
            if depth > MAX_DEPTH:
                raise NotACalendar("ics_too_deep", max_depth=MAX_DEPTH)
            if name == b"VEVENT":
                events += 1
            elif name == b"VTIMEZONE":
                zones += 1
        elif line[:4].upper() == b"END:":
            depth = max(0, depth - 1)
    if zones > MAX_TIMEZONES:
        raise TooMany("too_many_timezones", "timezones", zones, MAX_TIMEZONES)
    if events > max_events:
        raise TooMany("too_many_events", "events", events, max_events)
_FREQ_SECONDS = {"SECONDLY": 1, "MINUTELY": 60, "HOURLY": 3600, "DAILY": 86400, "WEEKLY": 7 * 86400,
                 "MONTHLY": 28 * 86400, "YEARLY": 365 * 86400}
_PER_PERIOD_DAYS = {"YEARLY": 366, "MONTHLY": 31, "WEEKLY": 7}
DEFAULT_REASON = "Closed (imported from a calendar)"


class NotACalendar(ValueError):
    """The file is not iCalendar at all (a 400 for the client): a `code` (words in calendars.messages)
    with its `params`."""

    def __init__(self, code: str, **params):
        self.code, self.params = code, params
        super().__init__(english(code, params))


class BadTimezone(ValueError):
    """A time zone of the file (VTIMEZONE) that is not worked out (a 422 for the client), as a `code`
    with its `params` (always `tzid`): a rule that does not repeat yearly (ics_timezone_not_yearly,
    with `freq`), one that cannot be read (ics_timezone_unreadable), more parts than MAX_ZONE_PARTS
    (ics_timezone_too_many_parts) or more changes than MAX_ZONE_STEPS (ics_timezone_too_many_changes),
    both with `found` and `limit`."""

    def __init__(self, code: str, tzid: str, **params):
        self.code, self.params = code, {"tzid": tzid, **params}
        super().__init__(english(code, self.params))


class TooComplex(ValueError):
    """The file's recurring events together walk more than MAX_FILE_RULE_STEPS (a 422: split the file):
    a `code` with `found` and `limit`."""

    def __init__(self, code: str, found: int, limit: int):
        self.code, self.params = code, {"found": found, "limit": limit}
        self.found, self.limit = found, limit
        super().__init__(english(code, self.params))


class TooMany(ValueError):
    """The file holds more than one import may (a 422 for the client: split the file)."""

    def __init__(self, code: str, what: str, found: int, limit: int):
        self.code, self.params = code, {"found": found, "limit": limit}
        self.what, self.found, self.limit = what, found, limit
        super().__init__(english(code, self.params))


@dataclass(frozen=True)
class Candidate:
    key: str  # what makes a re-import find it again: the UID (plus the date for a recurring event)
    uid: str
    start: datetime  # UTC
    end: datetime
    summary: str


@dataclass(frozen=True)
class Skipped:
    """An event the import did not use, and why: a `code` with its `params` (calendars.messages)."""

    uid: str
    code: str
    params: dict = field(default_factory=dict)

    @property
    def said(self) -> Said:
        return Said(self.code, self.params)

    @property
    def reason(self) -> str:
        """Why, in English (the API's `reason`)."""
        return english(self.code, self.params)


@dataclass
class Parsed:
    closures: list[Candidate]
    skipped: list[Skipped]


def _short(text: str, n: int = 160) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= n else text[: n - 1] + "…"


def _key(text: str) -> str:
    return text if len(text) <= 255 else "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def _instant(value, tz: ZoneInfo) -> datetime:
    """A DTSTART/DTEND value as a UTC instant: dates are local midnights; floating times are
    wall-clock times of the space."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=tz)
        return value.astimezone(timezone.utc)
    if isinstance(value, date):
        return datetime.combine(value, time(0), tzinfo=tz).astimezone(timezone.utc)
    raise ValueError("not a date or time")


def _stamp(value) -> str:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            return value.strftime("%Y%m%dT%H%M%S")
        return value.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    return value.strftime("%Y%m%d")


def _uid(event) -> str:
    uid = str(event.get("UID") or "").strip()
    if uid:
        return uid
    raw = (str(event.get("DTSTART").to_ical() if event.get("DTSTART") is not None else b"") + str(event.get("SUMMARY") or "")).encode()
    return "no-uid-" + hashlib.sha256(raw).hexdigest()[:16]


def _as_list(value) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _rules(component, key: str = "RRULE") -> list:
    return _as_list(component.get(key))


def _interval(rule) -> int | None:
    """The rule's INTERVAL (1 when absent); None when it is not a whole number."""
    try:
        return int((rule.get("INTERVAL") or [1])[0])
    except (TypeError, ValueError):
        return None


def _problem(event) -> Said | None:
    if event.errors:
        prop_name, message = event.errors[0]
        return Said("ics_broken_line", {"property": str(prop_name or ""), "detail": _short(message, 140)})
    if event.get("DTSTART") is None:
        return Said("ics_no_start")
    if str(event.get("STATUS", "")).upper() == "CANCELLED" and event.get("RECURRENCE-ID") is None:
        return Said("ics_cancelled")
    for rule in _rules(event):
        interval = _interval(rule) if hasattr(rule, "get") else None
        if interval is None or interval < 1:
            # dateutil takes INTERVAL=0 and never moves on: the expansion would not end
            given = (rule.get("INTERVAL") or [""])[0] if hasattr(rule, "get") else ""
            return Said("ics_interval_not_whole", {"interval": _short(str(given), 20)})
    return None


# --- The file's own time zones ----------------------------------------------------------------------
#
# icalendar builds a tzinfo (dateutil's tzical) from each VTIMEZONE whose TZID is no IANA name, when it
# reads the file. That tzinfo walks the STANDARD and DAYLIGHT rules from their DTSTART on every look-up,
# caching each step: two FREQ=SECONDLY rules from 1900 grew a worker by 120 MB every 6 s. So every such
# zone is checked before it is built (rules repeat yearly; their changes up to a year after the window
# are at most MAX_ZONE_STEPS, all zones together), a name that means a known zone (Windows' "FLE
# Standard Time", "/vendor/Europe/Helsinki") is that zone, and the changes of the others are worked out
# once and looked up by bisection. icalendar keeps what it built in one cache per process, where the
# first file to define "Office" would decide it for every later import: each import starts and ends
# with an empty cache, one import at a time in a process.


def _part_name(component) -> str:
    return str(getattr(component, "name", "") or "").upper()


def _tzid(component) -> str:
    return _short(str(component.get("TZID") or "?"), 80)


def _check_zone_rules(component, tzid: str) -> None:
    """Refuse a time zone whose STANDARD or DAYLIGHT rules do not repeat yearly (time zones change
    their offset at most a few times a year, and every producer writes FREQ=YEARLY)."""
    for part in component.walk():
        if _part_name(part) not in ("STANDARD", "DAYLIGHT"):
            continue
        for key in ("RRULE", "EXRULE"):
            for rule in _rules(part, key):
                if not hasattr(rule, "get"):
                    raise BadTimezone("ics_timezone_unreadable", tzid)
                freq = str((rule.get("FREQ") or [""])[0]).upper()
                if freq != "YEARLY":
                    raise BadTimezone("ics_timezone_not_yearly", tzid, freq=freq or "?")
                interval = _interval(rule)
                if interval is None or interval < 1:
                    raise BadTimezone("ics_timezone_unreadable", tzid)


def _dates_per_year(rule) -> int:
    """At most how many dates one year of a yearly rule gives (an upper bound)."""

    def n(key: str) -> int:
        return len(rule.get(key) or [])

    if n("BYYEARDAY"):
        days = n("BYYEARDAY")
    elif n("BYWEEKNO"):
        days = 7 * n("BYWEEKNO")
    elif n("BYMONTHDAY") or n("BYDAY"):
        per_month = 31
        if n("BYMONTHDAY"):
            per_month = min(per_month, n("BYMONTHDAY"))
        if n("BYDAY"):  # "-1SU" is one day a month, "SU" up to five
            per_month = min(per_month, sum(1 if str(d).strip().upper()[:1] in "+-0123456789" else 5 for d in rule["BYDAY"]))
        days = (n("BYMONTH") or 12) * per_month
    else:
        days = n("BYMONTH") or 1
    dates = min(days, 366) * max(1, n("BYHOUR")) * max(1, n("BYMINUTE")) * max(1, n("BYSECOND"))
    return min(dates, n("BYSETPOS")) if n("BYSETPOS") else max(1, dates)


def _zone_steps(component, until: datetime) -> int:
    """How many changes (and yearly periods) building the zone up to `until` walks: an upper bound."""
    steps = 0
    for part in component.walk():
        if _part_name(part) not in ("STANDARD", "DAYLIGHT"):
            continue
        steps += 1
        start = part.get("DTSTART")
        first_year = getattr(getattr(start, "dt", None), "year", until.year)
        for rule in _rules(part, "RRULE") + _rules(part, "EXRULE"):
            last_year = until.year
            end = (rule.get("UNTIL") or [None])[0]
            if getattr(end, "year", None) is not None:
                last_year = min(last_year, end.year)
            periods = max(0, last_year - first_year) // max(1, _interval(rule) or 1) + 1
            steps += periods * _dates_per_year(rule)
        for key in ("RDATE", "EXDATE"):
            steps += sum(len(getattr(dates, "dts", ())) or 1 for dates in _as_list(part.get(key)))
    return steps


@functools.cache
def _zone_names() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def _known_zone(tzid: str) -> ZoneInfo | None:
    """The IANA zone a TZID names: itself, a Windows name, or a "globally unique" /vendor/Area/City."""
    cleaned = tzid.strip("/")
    candidates = [cleaned, WINDOWS_TO_OLSON.get(cleaned, "")]
    if tzid.startswith("/"):
        parts = cleaned.split("/")
        candidates += ["/".join(parts[i:]) for i in range(1, len(parts))]
    for name in candidates:
        if name in _zone_names():
            return ZoneInfo(name)
    return None


class _Changes:
    """The changes of one STANDARD or DAYLIGHT part up to `until`, worked out once; tzical asks
    `before(dt, inc=True)` on every look-up, answered by bisection instead of a walk from DTSTART.
    After `until` the last change before it holds (times that late are outside any import)."""

    def __init__(self, rule, until: datetime):
        self.times: list[datetime] = []
        for moment in rule:
            if moment > until:
                break
            self.times.append(moment)
            if len(self.times) > MAX_ZONE_STEPS:  # the check before should have refused the zone
                raise ValueError("a time zone with too many changes")

    def before(self, dt: datetime, inc: bool = False) -> datetime | None:
        i = bisect_right(self.times, dt) if inc else bisect_left(self.times, dt)
        return self.times[i - 1] if i else None


class _FileZones(ZONEINFO):
    """icalendar's zoneinfo provider, for the time zones one file defines (see above)."""

    def begin(self, until: datetime) -> None:
        self.until = until.astimezone(timezone.utc).replace(tzinfo=None)
        self.steps = 0

    def create_timezone(self, tz):
        tzid = _tzid(tz)
        _check_zone_rules(tz, tzid)
        known = _known_zone(str(tz.get("TZID") or ""))
        if known is not None:
            return known
        parts = sum(1 for part in tz.walk() if _part_name(part) in ("STANDARD", "DAYLIGHT"))
        if parts > MAX_ZONE_PARTS:
            raise BadTimezone("ics_timezone_too_many_parts", tzid, found=parts, limit=MAX_ZONE_PARTS)
        self.steps += _zone_steps(tz, self.until)
        if self.steps > MAX_ZONE_STEPS:
            # all the file's zones together, up to a year after the window
            raise BadTimezone("ics_timezone_too_many_changes", tzid, found=self.steps, limit=MAX_ZONE_STEPS)
        zone = super().create_timezone(tz)
        if not isinstance(zone, _tzicalvtz):
            raise ValueError(f"the time zone {tzid} could not be built")
        for part in zone._comps:  # noqa: SLF001 - the parts tzical made from the rules we checked
            part.rrule = _Changes(part.rrule, self.until)
        return zone


_FILE_ZONES = _FileZones()
_FILE_ZONES_LOCK = threading.Lock()


@contextmanager
def _file_zones(until: datetime) -> Iterator[None]:
    with _FILE_ZONES_LOCK:
        _FILE_ZONES.begin(until)
        tzp.use(_FILE_ZONES)  # an empty cache: nothing from an earlier file
        try:
            yield
        finally:
            tzp.use_zoneinfo()  # icalendar's default again, with an empty cache


# --- Recurring events -----------------------------------------------------------------------------------


def _rule_steps(event, lo: datetime, hi: datetime, tz: ZoneInfo) -> int:
    """How many candidate dates expanding the event's RRULEs up to `hi` may walk through (an upper
    bound: periods from DTSTART times the dates one period can hold)."""
    rules = event.get("RRULE")
    if rules is None:
        return 0
    start = _instant(event["DTSTART"].dt, tz)
    worst = 0
    for rule in rules if isinstance(rules, list) else [rules]:
        freq = str((rule.get("FREQ") or [""])[0]).upper()
        if freq not in _FREQ_SECONDS:
            continue  # the expander refuses it, with a reason
        interval = max(1, _interval(rule) or 1)
        end = hi
        until = (rule.get("UNTIL") or [None])[0]
        if until is not None:
            try:
                end = min(end, _instant(until, tz))
            except ValueError:
                pass
        step = _FREQ_SECONDS[freq] * interval
        per_period = 1
        if any(rule.get(k) for k in ("BYDAY", "BYMONTHDAY", "BYYEARDAY", "BYWEEKNO")):
            per_period = _PER_PERIOD_DAYS.get(freq, 1)
        for k in ("BYHOUR", "BYMINUTE", "BYSECOND"):
            per_period *= max(1, len(rule.get(k) or []))
        filtered = any(rule.get(k) for k in ("BYMONTH", "BYSETPOS", "BYWEEKNO", "BYYEARDAY", "BYMONTHDAY", "BYDAY"))
        if filtered:  # a filter may pass few of the dates walked: the walk may go on to the end
            periods = max(0.0, (end - start).total_seconds()) / step + 1
        else:  # every period gives dates: the count stops after WINDOW_COUNT_LIMIT of them in the window
            before = max(0.0, (min(lo, end) - start).total_seconds()) / step
            inside = max(0.0, (end - max(lo, start)).total_seconds()) / step + 1
            periods = before + min(inside, WINDOW_COUNT_LIMIT + 1)
            count = (rule.get("COUNT") or [None])[0]
            if count is not None:
                try:
                    periods = min(periods, int(count))
                except (TypeError, ValueError):
                    pass
        worst = max(worst, int(min(periods * per_period, 10**12)))
    return worst


def _naive(value) -> datetime:
    """A date or time as the naive wall-clock time it names (a date: its midnight)."""
    if isinstance(value, tuple):  # a PERIOD (start, end or duration)
        value = value[0]
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    return datetime.combine(value, time(0))


def _window_dates(event, lo: datetime, hi: datetime) -> tuple[int, int]:
    """How many dates the event's RRULEs and RDATEs give (EXDATEs taken off), counted on wall-clock
    times without looking at time zones: (surely in the window, perhaps in it), the first up to
    MAX_DATES_PER_EVENT + 1 and the second up to WINDOW_COUNT_LIMIT + 1. A walk of dateutil alone,
    bounded like the expansion by _rule_steps."""
    first = _naive(event["DTSTART"].dt)
    dates = rruleset()
    for rule in _rules(event):
        dates.rrule(rrulestr(rule.to_ical().decode(), dtstart=first, ignoretz=True))
    dates.rdate(first)
    for key, add in (("RDATE", dates.rdate), ("EXDATE", dates.exdate)):
        for values in _as_list(event.get(key)):
            for value in getattr(values, "dts", ()):
                add(_naive(value.dt))
    lo_n, hi_n = lo.replace(tzinfo=None), hi.replace(tzinfo=None)
    inner = outer = 0
    for moment in dates.xafter(lo_n - WINDOW_SLACK, inc=True):
        if moment >= hi_n + WINDOW_SLACK:
            break
        outer += 1
        if lo_n + WINDOW_SLACK <= moment < hi_n - WINDOW_SLACK:
            inner += 1
        if inner > MAX_DATES_PER_EVENT or outer > WINDOW_COUNT_LIMIT:
            break
    return inner, outer


def parse(
    data: bytes,
    tz: ZoneInfo,
    lo: datetime,
    hi: datetime,
    *,
    max_events: int = MAX_EVENTS,
    max_closures: int = MAX_CLOSURES,
) -> Parsed:
    """Closures for the events of `data` within [lo, hi). Raises NotACalendar for a file that is
    not iCalendar, TooMany for one with more events, time zones or closures than one import may
    make, BadTimezone for a time zone that is not worked out, TooComplex for recurring events that
    together take too long; events that cannot be used are returned in `skipped` with the reason."""
    text = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not text[:15].upper().startswith(b"BEGIN:VCALENDAR"):
        raise NotACalendar("ics_no_begin")
    try:
        text.decode("utf-8")
    except UnicodeDecodeError:
        raise NotACalendar("ics_not_utf8") from None
    _scan(text, max_events)
    with _file_zones(hi + ZONE_MARGIN):
        return _parse(text, tz, lo, hi, max_events, max_closures)


def _parse(text: bytes, tz: ZoneInfo, lo: datetime, hi: datetime, max_events: int, max_closures: int) -> Parsed:
    try:
        cal = icalendar.Calendar.from_ical(text)
    except BadTimezone:
        raise
    except Exception as exc:  # icalendar raises ValueError (and others) for what it cannot read at all
        raise NotACalendar("ics_unreadable", detail=_short(str(exc), 140)) from None
    if getattr(cal, "name", "") != "VCALENDAR":
        raise NotACalendar("ics_no_vcalendar")
    for zone in cal.walk("VTIMEZONE"):  # those named after IANA zones too (icalendar uses zoneinfo for them)
        _check_zone_rules(zone, _tzid(zone))
    try:
        cal = x_wr_timezone.to_standard(cal)
    except Exception as exc:
        raise NotACalendar("ics_x_wr_timezone", detail=_short(str(exc), 140)) from None

    zones = [c for c in cal.subcomponents if c.name == "VTIMEZONE"]
    if len(zones) > MAX_TIMEZONES:
        raise TooMany("too_many_timezones", "timezones", len(zones), MAX_TIMEZONES)
    by_uid: dict[str, list] = {}
    skipped: list[Skipped] = []
    events = [c for c in cal.subcomponents if c.name == "VEVENT"]
    if len(events) > max_events:
        raise TooMany("too_many_events", "events", len(events), max_events)
    for event in events:
        uid = _uid(event)
        problem = _problem(event)
        if problem:
            skipped.append(Skipped(uid, problem.code, problem.params))
            continue
        by_uid.setdefault(uid, []).append(event)

    out: list[Candidate] = []
    walked = 0
    for uid, group in by_uid.items():
        masters = [e for e in group if e.get("RECURRENCE-ID") is None and (e.get("RRULE") is not None or e.get("RDATE") is not None)]
        recurring = len(group) > 1 or bool(masters)
        try:
            steps = max(_rule_steps(e, lo, hi, tz) for e in group)
        except Exception as exc:  # a DTSTART the expander could not use either
            skipped.append(Skipped(uid, "ics_dates_unworkable", {"detail": _short(str(exc), 140)}))
            continue
        if steps > MAX_RULE_STEPS:
            skipped.append(Skipped(uid, "ics_repeats_too_often"))
            continue
        walked += 2 * steps
        if walked > MAX_FILE_RULE_STEPS:
            raise TooComplex("ics_too_complex", walked, MAX_FILE_RULE_STEPS)
        try:
            counts = [_window_dates(e, lo, hi) for e in masters]
        except Exception as exc:  # a rule or date dateutil cannot use
            skipped.append(Skipped(uid, "ics_dates_unworkable", {"detail": _short(str(exc), 140)}))
            continue
        if sum(inner for inner, _ in counts) > MAX_DATES_PER_EVENT:
            skipped.append(Skipped(uid, "ics_too_many_dates", {"max_dates": MAX_DATES_PER_EVENT}))
            continue
        if sum(outer for _, outer in counts) > WINDOW_COUNT_LIMIT:
            skipped.append(Skipped(uid, "ics_repeats_too_often"))
            continue
        sub = icalendar.Calendar()
        for z in zones:
            sub.add_component(z)
        for e in group:
            sub.add_component(e)
        try:
            # At most WINDOW_COUNT_LIMIT dates (and the moved ones): counted above. One walk; .after()
            # would walk the rule again from its DTSTART for each of its growing time spans.
            occurrences = list(recurring_ical_events.of(sub).between(lo, hi))
        except Exception as exc:  # a rule or date the expander cannot use
            skipped.append(Skipped(uid, "ics_dates_unworkable", {"detail": _short(str(exc), 140)}))
            continue
        if len(occurrences) > MAX_DATES_PER_EVENT:
            skipped.append(Skipped(uid, "ics_too_many_dates", {"max_dates": MAX_DATES_PER_EVENT}))
            continue
        if not occurrences:
            skipped.append(Skipped(uid, "ics_no_dates_in_window"))
            continue
        for occ in occurrences:
            try:
                start_value = occ["DTSTART"].dt
                end_prop = occ.get("DTEND")
                if end_prop is not None:
                    end_value = end_prop.dt
                elif occ.get("DURATION") is not None:
                    end_value = start_value + occ["DURATION"].dt
                elif isinstance(start_value, datetime):
                    end_value = start_value
                else:
                    end_value = start_value + timedelta(days=1)
                start, end = _instant(start_value, tz), _instant(end_value, tz)
            except Exception as exc:
                skipped.append(Skipped(uid, "ics_time_unreadable", {"detail": _short(str(exc), 140)}))
                continue
            if end <= start:
                skipped.append(Skipped(uid, "ics_no_length"))
                continue
            if end - start > MAX_CLOSURE:
                skipped.append(Skipped(uid, "ics_too_long", {"max_days": MAX_CLOSURE.days}))
                continue
            rid = occ.get("RECURRENCE-ID")
            key = _key(f"{uid}|{_stamp(rid.dt if rid is not None else start_value)}") if recurring else _key(uid)
            summary = _short(str(occ.get("SUMMARY") or "").strip(), 200) or DEFAULT_REASON
            out.append(Candidate(key, uid, start, end, summary))
        if len(out) > max_closures:
            raise TooMany("too_many_closures", "closures", len(out), max_closures)
    seen: set[str] = set()
    unique = []
    for c in sorted(out, key=lambda c: (c.start, c.key)):
        if c.key not in seen:
            seen.add(c.key)
            unique.append(c)
    return Parsed(unique, skipped)
