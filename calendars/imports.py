"""Reading an .ics file into closures: pure (bytes, the space's zone and a window in; candidate
closures and the events that could not be used out). No Flask, no database.

Time zones are honoured as the file gives them: TZID'd times with the file's VTIMEZONE (or the
zoneinfo zone of that name), UTC times, Google's X-WR-TIMEZONE (via x-wr-timezone), and floating
times as wall-clock times of the space. All-day events close whole local days. Recurring events are
expanded within the window with recurring-ical-events, moved and cancelled dates included.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import icalendar
import recurring_ical_events
import x_wr_timezone

import calendars.messages  # noqa: F401  (the words of the codes said here)
from commons.codes import Said, english

MAX_CLOSURE = timedelta(days=400)
# Limits of one import (README "Limits"). The events and closures are the defaults of the
# ICS_IMPORT_MAX_EVENTS and ICS_IMPORT_MAX_CLOSURES settings; the service passes the configured ones.
MAX_EVENTS = 1000  # VEVENTs in one file
MAX_DATES_PER_EVENT = 1000  # e.g. a daily event for the whole window fits; FREQ=MINUTELY does not
MAX_CLOSURES = 2000  # closures from one import
MAX_TIMEZONES = 50  # VTIMEZONEs in one file (a real one has a few; each is copied to every event's expansion)
# Expanding a rule walks every period from its DTSTART, also those before the window: a FREQ=SECONDLY
# rule from 1900 would take hours. A rule whose walk to the end of the window is longer is skipped.
MAX_RULE_STEPS = 200_000
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


def _problem(event) -> Said | None:
    if event.errors:
        prop_name, message = event.errors[0]
        return Said("ics_broken_line", {"property": str(prop_name or ""), "detail": _short(message, 140)})
    if event.get("DTSTART") is None:
        return Said("ics_no_start")
    if str(event.get("STATUS", "")).upper() == "CANCELLED" and event.get("RECURRENCE-ID") is None:
        return Said("ics_cancelled")
    return None


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
        try:
            interval = max(1, int((rule.get("INTERVAL") or [1])[0]))
        except (TypeError, ValueError):
            interval = 1
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
        else:  # every period gives dates: the expansion stops after MAX_DATES_PER_EVENT of them in the window
            before = max(0.0, (min(lo, end) - start).total_seconds()) / step
            inside = max(0.0, (end - max(lo, start)).total_seconds()) / step + 1
            periods = before + min(inside, MAX_DATES_PER_EVENT + 1)
            count = (rule.get("COUNT") or [None])[0]
            if count is not None:
                try:
                    periods = min(periods, int(count))
                except (TypeError, ValueError):
                    pass
        worst = max(worst, int(min(periods * per_period, 10**12)))
    return worst


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
    make; events that cannot be used are returned in `skipped` with the reason."""
    text = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not text[:15].upper().startswith(b"BEGIN:VCALENDAR"):
        raise NotACalendar("ics_no_begin")
    try:
        text.decode("utf-8")
    except UnicodeDecodeError:
        raise NotACalendar("ics_not_utf8") from None
    _scan(text, max_events)
    try:
        cal = icalendar.Calendar.from_ical(text)
    except Exception as exc:  # icalendar raises ValueError (and others) for what it cannot read at all
        raise NotACalendar("ics_unreadable", detail=_short(str(exc), 140)) from None
    if getattr(cal, "name", "") != "VCALENDAR":
        raise NotACalendar("ics_no_vcalendar")
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
    for uid, group in by_uid.items():
        recurring = len(group) > 1 or any(e.get("RRULE") is not None or e.get("RDATE") is not None for e in group)
        sub = icalendar.Calendar()
        for z in zones:
            sub.add_component(z)
        for e in group:
            sub.add_component(e)
        try:
            steps = max(_rule_steps(e, lo, hi, tz) for e in group)
        except Exception as exc:  # a DTSTART the expander could not use either
            skipped.append(Skipped(uid, "ics_dates_unworkable", {"detail": _short(str(exc), 140)}))
            continue
        if steps > MAX_RULE_STEPS:
            skipped.append(Skipped(uid, "ics_repeats_too_often"))
            continue
        occurrences = []
        try:
            for occ in recurring_ical_events.of(sub).after(lo):  # lazily: a rule may repeat every minute
                if _instant(occ["DTSTART"].dt, tz) >= hi:
                    break
                occurrences.append(occ)
                if len(occurrences) > MAX_DATES_PER_EVENT:
                    break
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
