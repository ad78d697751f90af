"""Reading an .ics file into closures: pure (bytes, the space's zone and a window in; candidate
closures and the events that could not be used out). No Flask, no database.

Time zones are honoured as the file gives them: TZID'd times with the file's VTIMEZONE (or the
zoneinfo zone of that name), UTC times, Google's X-WR-TIMEZONE (via x-wr-timezone), and floating
times as wall-clock times of the space. All-day events close whole local days. Recurring events are
expanded within the window with recurring-ical-events, moved and cancelled dates included.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import icalendar
import recurring_ical_events
import x_wr_timezone

MAX_CLOSURE = timedelta(days=400)
MAX_EVENTS = 5000  # VEVENTs in one file
MAX_DATES_PER_EVENT = 1000  # e.g. a daily event for the whole window fits; FREQ=MINUTELY does not
MAX_CLOSURES = 5000  # closures from one import
DEFAULT_REASON = "Closed (imported from a calendar)"


class NotACalendar(ValueError):
    """The file is not iCalendar at all (a 400 for the client)."""


@dataclass(frozen=True)
class Candidate:
    key: str  # what makes a re-import find it again: the UID (plus the date for a recurring event)
    uid: str
    start: datetime  # UTC
    end: datetime
    summary: str


@dataclass(frozen=True)
class Skipped:
    uid: str
    reason: str


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


def _problem(event) -> str | None:
    if event.errors:
        prop_name, message = event.errors[0]
        where = f"{prop_name}: " if prop_name else ""
        return _short(f"broken line ({where}{message})")
    if event.get("DTSTART") is None:
        return "no start date (DTSTART)"
    if str(event.get("STATUS", "")).upper() == "CANCELLED" and event.get("RECURRENCE-ID") is None:
        return "the event is cancelled"
    return None


def parse(data: bytes, tz: ZoneInfo, lo: datetime, hi: datetime) -> Parsed:
    """Closures for the events of `data` within [lo, hi). Raises NotACalendar for a file that is
    not iCalendar; events that cannot be used are returned in `skipped` with the reason."""
    text = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not text[:15].upper().startswith(b"BEGIN:VCALENDAR"):
        raise NotACalendar("This is not an iCalendar (.ics) file: it should begin with BEGIN:VCALENDAR. Export the calendar as .ics and send that.")
    try:
        text.decode("utf-8")
    except UnicodeDecodeError:
        raise NotACalendar("The file is not UTF-8 text, as iCalendar files are.") from None
    try:
        cal = icalendar.Calendar.from_ical(text)
    except Exception as exc:  # icalendar raises ValueError (and others) for what it cannot read at all
        raise NotACalendar(_short(f"The file could not be read as iCalendar: {exc}")) from None
    if getattr(cal, "name", "") != "VCALENDAR":
        raise NotACalendar("This is not an iCalendar (.ics) file: it holds no VCALENDAR.")
    try:
        cal = x_wr_timezone.to_standard(cal)
    except Exception as exc:
        raise NotACalendar(_short(f"The calendar's X-WR-TIMEZONE could not be used: {exc}")) from None

    zones = [c for c in cal.subcomponents if c.name == "VTIMEZONE"]
    by_uid: dict[str, list] = {}
    skipped: list[Skipped] = []
    events = [c for c in cal.subcomponents if c.name == "VEVENT"]
    if len(events) > MAX_EVENTS:
        raise NotACalendar(f"The file has {len(events)} events; import at most {MAX_EVENTS} at a time.")
    for event in events:
        uid = _uid(event)
        problem = _problem(event)
        if problem:
            skipped.append(Skipped(uid, problem))
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
        if len(out) >= MAX_CLOSURES:
            skipped.append(Skipped(uid, f"one import makes at most {MAX_CLOSURES} closures: import the rest in another file"))
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
            skipped.append(Skipped(uid, _short(f"its dates could not be worked out ({exc})")))
            continue
        if len(occurrences) > MAX_DATES_PER_EVENT:
            skipped.append(Skipped(uid, f"it repeats more than {MAX_DATES_PER_EVENT} times in the import window"))
            continue
        if not occurrences:
            skipped.append(Skipped(uid, "no dates between the start of today and the end of the import window"))
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
                skipped.append(Skipped(uid, _short(f"its time could not be read ({exc})")))
                continue
            if end <= start:
                skipped.append(Skipped(uid, "it has no length (a start but no end): a closure needs both"))
                continue
            if end - start > MAX_CLOSURE:
                skipped.append(Skipped(uid, "it lasts longer than 400 days"))
                continue
            rid = occ.get("RECURRENCE-ID")
            key = _key(f"{uid}|{_stamp(rid.dt if rid is not None else start_value)}") if recurring else _key(uid)
            summary = _short(str(occ.get("SUMMARY") or "").strip(), 200) or DEFAULT_REASON
            out.append(Candidate(key, uid, start, end, summary))
    seen: set[str] = set()
    unique = []
    for c in sorted(out, key=lambda c: (c.start, c.key)):
        if c.key not in seen:
            seen.add(c.key)
            unique.append(c)
    return Parsed(unique, skipped)
