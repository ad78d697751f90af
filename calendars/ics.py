"""Building iCalendar (RFC 5545) text: feeds and single-event downloads.

Pure where it matters: `build_calendar` and `vtimezone` take plain values and return bytes/lines,
with no clock and no database, so an unchanged calendar is byte-identical (DTSTAMP and
LAST-MODIFIED come from stored timestamps). Times are written as local wall-clock times with a
TZID and a VTIMEZONE generated from the zoneinfo database for the years the calendar uses.

A booking series is one master VEVENT (DTSTART in local time + the series' RRULE, bounded with
UNTIL), EXDATEs for the dates the rule gives that are not (or no longer) booked, and an override
VEVENT with RECURRENCE-ID for each occurrence that differs from what the master says (moved, another
status, a different length across a clock change). Anything the rule cannot express exactly
becomes a VEVENT of its own, so a client never shows a date that is not booked.
"""
from __future__ import annotations

import functools
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr

PRODID = "-//Commons//Calendar feeds 1.0//EN"
ACTIVE = ("pending", "confirmed", "offered")  # an offer to the waiting list holds its time: TENTATIVE
ICS_STATUS = {"pending": "TENTATIVE", "confirmed": "CONFIRMED", "offered": "TENTATIVE", "cancelled": "CANCELLED",
              "rejected": "CANCELLED", "expired": "CANCELLED", "declined": "CANCELLED", "released": "CANCELLED"}


# --- Plain values in -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Item:
    """One booking occurrence as a calendar shows it (summary and description already chosen)."""

    id: int
    series_id: int | None
    summary: str
    status: str  # the booking status: pending, confirmed, cancelled, rejected, expired
    start: datetime  # aware (UTC)
    end: datetime
    tz: str
    sequence: int
    created: datetime
    updated: datetime
    original_start: datetime | None = None
    description: str = ""
    location: str = ""
    url: str = ""


@dataclass(frozen=True)
class ClosureItem:
    id: int
    summary: str
    start: datetime
    end: datetime
    tz: str
    created: datetime
    location: str = ""


@dataclass
class CalendarInfo:
    name: str
    domain: str  # for UIDs: booking-12@<domain>
    description: str = ""
    refresh: timedelta | None = timedelta(hours=1)
    timezone: str | None = None  # X-WR-TIMEZONE
    method: str = "PUBLISH"


# --- Content lines ----------------------------------------------------------------------------------


def escape(text: str) -> str:
    """TEXT value escaping (RFC 5545 3.3.11)."""
    return (
        text.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\r", "\\n")
        .replace("\n", "\\n")
    )


_CONTROL = {c: None for c in list(range(32)) + [127] if chr(c) not in "\n\t"}


def _clean(text: str) -> str:
    # Control characters other than newline and tab are not allowed in TEXT values.
    return text if text.isprintable() else text.translate(_CONTROL)


def fold(line: str) -> str:
    """Fold a content line at 75 octets (RFC 5545 3.1), never inside a UTF-8 character."""
    if line.isascii():
        if len(line) <= 75:
            return line
        return "\r\n ".join([line[:75]] + [line[i : i + 74] for i in range(75, len(line), 74)])
    raw = line.encode("utf-8")
    if len(raw) <= 75:
        return line
    parts: list[str] = []
    current: list[str] = []
    size = 0
    limit = 75
    for ch in line:
        n = len(ch.encode("utf-8"))
        if size + n > limit:
            parts.append("".join(current))
            current, size, limit = [], 0, 74  # continuation lines begin with one space
        current.append(ch)
        size += n
    parts.append("".join(current))
    return "\r\n ".join(parts)


def _param(value: str) -> str:
    return f'"{value}"' if any(c in value for c in ';:,') else value


def prop(name: str, value: str, **params: str) -> str:
    head = name + "".join(f";{k.replace('_', '-').upper()}={_param(v)}" for k, v in params.items())
    return fold(f"{head}:{value}")


@functools.lru_cache(maxsize=4096)
def text_prop(name: str, value: str) -> str:
    return prop(name, escape(_clean(value)))


def utc_stamp(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def local_stamp(moment: datetime, tz: ZoneInfo) -> str:
    return moment.astimezone(tz).strftime("%Y%m%dT%H%M%S")


def naive_stamp(naive: datetime) -> str:
    return naive.strftime("%Y%m%dT%H%M%S")


def _offset(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    h, m = divmod(abs(minutes), 60)
    return f"{sign}{h:02d}{m:02d}"


# --- VTIMEZONE ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Transition:
    at: datetime  # UTC instant
    local: datetime  # naive wall-clock time just before the change (in the old offset)
    offset_from: timedelta
    offset_to: timedelta
    dst: bool
    name: str


def _transitions(tz: ZoneInfo, first_year: int, last_year: int) -> list[_Transition]:
    out = []
    t = datetime(first_year, 1, 1, tzinfo=timezone.utc)
    end = datetime(last_year + 1, 1, 1, tzinfo=timezone.utc)
    step = timedelta(hours=6)
    prev = t.astimezone(tz).utcoffset()
    while t < end:
        nxt = t + step
        off = nxt.astimezone(tz).utcoffset()
        if off != prev:
            lo, hi = t, nxt  # the change is in (lo, hi]
            while hi - lo > timedelta(seconds=1):
                mid = lo + (hi - lo) / 2
                mid = mid.replace(microsecond=0)
                if mid <= lo:
                    mid = lo + timedelta(seconds=1)
                if mid.astimezone(tz).utcoffset() == prev:
                    lo = mid
                else:
                    hi = mid
            at = hi
            local_after = at.astimezone(tz)
            out.append(
                _Transition(
                    at=at,
                    local=(at + prev).replace(tzinfo=None),
                    offset_from=prev,
                    offset_to=off,
                    dst=bool(local_after.dst()),
                    name=local_after.tzname() or "",
                )
            )
            prev = off
        t = nxt
    return out


def _yearly_rule(group: list[_Transition], first_year: int, last_year: int) -> str | None:
    """RRULE:FREQ=YEARLY;BYMONTH=m;BYDAY=-1SU (or 2SU…) when the changes follow one yearly rule."""
    years = [t.local.year for t in group]
    if years != list(range(first_year, last_year + 1)):
        return None
    first = group[0].local
    weekday = first.weekday()
    days = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
    last_week = all((t.local + timedelta(days=7)).month != t.local.month for t in group)
    nth = {(t.local.day - 1) // 7 + 1 for t in group}
    for t in group:
        if (t.local.month, t.local.weekday(), t.local.time()) != (first.month, weekday, first.time()):
            return None
    if last_week:
        byday = f"-1{days[weekday]}"
    elif len(nth) == 1:
        byday = f"{nth.pop()}{days[weekday]}"
    else:
        return None
    return f"FREQ=YEARLY;BYMONTH={first.month};BYDAY={byday}"


def vtimezone(tzid: str, first_year: int, last_year: int) -> list[str]:
    """A VTIMEZONE for tzid valid for local times in [first_year, last_year]: the yearly rules
    (as every client knows them) when the zone follows them, otherwise each change listed.
    Kept per process (a pure function of its arguments): finding the transitions scans the years in
    six-hour steps, which was a third of the cost of a booking's e-mail attachment (profile)."""
    return list(_vtimezone(tzid, first_year, last_year))


@functools.lru_cache(maxsize=256)
def _vtimezone(tzid: str, first_year: int, last_year: int) -> tuple[str, ...]:
    tz = ZoneInfo(tzid)
    lo, hi = first_year - 1, last_year + 1
    changes = _transitions(tz, lo, hi)
    lines = ["BEGIN:VTIMEZONE", prop("TZID", tzid), prop("X-LIC-LOCATION", tzid)]

    def observance(kind: str, t_local: datetime, off_from, off_to, name: str, rule: str | None = None) -> list[str]:
        out = [f"BEGIN:{kind}", prop("TZOFFSETFROM", _offset(off_from)), prop("TZOFFSETTO", _offset(off_to))]
        if name:
            out.append(text_prop("TZNAME", name))
        out.append(prop("DTSTART", naive_stamp(t_local)))
        if rule:
            out.append(prop("RRULE", rule))
        out.append(f"END:{kind}")
        return out

    groups: dict[tuple, list[_Transition]] = defaultdict(list)
    for t in changes:
        groups[(t.dst, t.offset_from, t.offset_to, t.name)].append(t)
    rules = {key: _yearly_rule(g, lo, hi) for key, g in groups.items()}
    if changes and len(groups) == 2 and all(rules.values()):
        for key, group in sorted(groups.items(), key=lambda kv: kv[1][0].at):
            t = group[0]
            lines += observance("DAYLIGHT" if t.dst else "STANDARD", t.local, t.offset_from, t.offset_to, t.name, rules[key])
    else:
        start = datetime(lo, 1, 1)
        at = start.replace(tzinfo=tz)
        off = at.utcoffset()
        lines += observance("DAYLIGHT" if at.dst() else "STANDARD", start, off, off, at.tzname() or "")
        for t in changes:
            lines += observance("DAYLIGHT" if t.dst else "STANDARD", t.local, t.offset_from, t.offset_to, t.name)
    lines.append("END:VTIMEZONE")
    return tuple(lines)


# --- Events -----------------------------------------------------------------------------------------


@dataclass
class Years:
    """The local years each zone's times fall in, gathered while writing events: the calendar's
    VTIMEZONEs cover them (volunteers.feeds writes its events with one too)."""

    by_tz: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))

    def local(self, moment: datetime, tzid: str) -> str:
        tz = ZoneInfo(tzid)
        local = moment.astimezone(tz)
        self.by_tz[tzid].add(local.year)
        return local.strftime("%Y%m%dT%H%M%S")

    def naive(self, naive: datetime, tzid: str) -> str:
        self.by_tz[tzid].add(naive.year)
        return naive_stamp(naive)


def _when(years: Years, name: str, moment: datetime, tzid: str) -> str:
    return prop(name, years.local(moment, tzid), TZID=tzid)


def _common(item: Item, uid: str, sequence: int, stamp: datetime, status: str) -> list[str]:
    lines = [
        prop("UID", uid),
        prop("DTSTAMP", utc_stamp(stamp)),
        prop("CREATED", utc_stamp(item.created)),
        prop("LAST-MODIFIED", utc_stamp(stamp)),
        prop("SEQUENCE", str(sequence)),
        text_prop("SUMMARY", item.summary),
    ]
    if item.location:
        lines.append(text_prop("LOCATION", item.location))
    if item.description:
        lines.append(text_prop("DESCRIPTION", item.description))
    if item.url:
        lines.append(prop("URL", item.url, VALUE="URI"))
    lines.append(prop("STATUS", ICS_STATUS.get(status, "CONFIRMED")))
    lines.append(prop("TRANSP", "OPAQUE"))
    return lines


def _single(item: Item, domain: str, years: Years) -> list[str]:
    c = _common(item, f"booking-{item.id}@{domain}", item.sequence, item.updated, item.status)
    when = [_when(years, "DTSTART", item.start, item.tz), _when(years, "DTEND", item.end, item.tz)]
    return ["BEGIN:VEVENT", c[0], *when, *c[1:], "END:VEVENT"]


def _orig(item: Item) -> datetime:
    return item.original_start or item.start


def _strip_rule(rrule: str) -> list[tuple[str, str]]:
    text = rrule.strip()
    if text.upper().startswith("RRULE:"):
        text = text[6:]
    parts = []
    for piece in text.split(";"):
        key, _, value = piece.partition("=")
        key = key.strip().upper()
        if key in ("COUNT", "UNTIL", "DTSTART") or not key:
            continue
        parts.append((key, value.strip().upper()))
    return parts


def _series(rows: list[Item], rrule: str, domain: str, years: Years) -> tuple[list[list[str]], list[Item]]:
    """(VEVENT blocks, rows that had to become VEVENTs of their own) for one series."""
    active = sorted((r for r in rows if r.status in ACTIVE), key=lambda r: (_orig(r), r.id))
    if not active:
        return [], []
    tzid = active[0].tz
    tz = ZoneInfo(tzid)
    first = active[0]
    first_local = _orig(first).astimezone(tz).replace(tzinfo=None)
    last_local = _orig(active[-1]).astimezone(tz).replace(tzinfo=None)
    unmoved = [r for r in active if r.original_start is None] or active
    ref = unmoved[0]
    wall = ref.end.astimezone(tz).replace(tzinfo=None) - ref.start.astimezone(tz).replace(tzinfo=None)
    master_end_local = first_local + wall
    master_start = first_local.replace(tzinfo=tz).astimezone(timezone.utc)
    master_end = master_end_local.replace(tzinfo=tz).astimezone(timezone.utc)
    exact = master_end - master_start  # RFC 5545: DTEND gives every instance this exact duration
    parts = _strip_rule(rrule)
    try:
        rule = rrulestr(
            ";".join(f"{k}={v}" for k, v in parts + [("UNTIL", naive_stamp(last_local))]), dtstart=first_local
        )
        instances = list(rule)
    except Exception:  # a stored rule that dateutil cannot read: every date on its own
        return [], list(active)
    if len(instances) > 5000 or first_local not in instances:
        return [], list(active)
    # Rows of every status, by their original local start (cancelled ones become EXDATEs).
    by_orig: dict[datetime, Item] = {}
    for r in sorted(rows, key=lambda r: (r.status not in ACTIVE, r.id)):
        by_orig.setdefault(_orig(r).astimezone(tz).replace(tzinfo=None), r)
    instance_set = set(instances)
    strays = [r for r in active if _orig(r).astimezone(tz).replace(tzinfo=None) not in instance_set]
    statuses = Counter(r.status for r in active)
    master_status = "confirmed" if statuses["confirmed"] >= statuses["pending"] else "pending"
    summary = first.summary
    sequence = sum(r.sequence for r in rows)
    stamp = max(r.updated for r in rows)
    uid = f"series-{first.series_id}@{domain}"
    exdates: list[datetime] = []
    overrides: list[Item] = []
    for inst in instances:
        row = by_orig.get(inst)
        if row is None or row.status not in ACTIVE or row in strays:
            exdates.append(inst)
            continue
        start = inst.replace(tzinfo=tz, fold=0).astimezone(timezone.utc)
        if (
            row.start != start
            or row.end != start + exact
            or row.status != master_status
            or row.summary != summary
            or row.description != first.description
        ):
            overrides.append(row)
    master = Item(
        id=first.id,
        series_id=first.series_id,
        summary=summary,
        status=master_status,
        start=master_start,
        end=master_end,
        tz=tzid,
        sequence=sequence,
        created=min(r.created for r in rows),
        updated=stamp,
        description=first.description,
        location=first.location,
        url=first.url,
    )
    common = _common(master, uid, sequence, stamp, master_status)
    block = ["BEGIN:VEVENT", common[0]]
    block += [prop("DTSTART", years.naive(first_local, tzid), TZID=tzid), prop("DTEND", years.naive(master_end_local, tzid), TZID=tzid)]
    until = utc_stamp(last_local.replace(tzinfo=tz, fold=0))  # UTC, as RFC 5545 asks with a TZID'd DTSTART
    block.append(prop("RRULE", ";".join(f"{k}={v}" for k, v in parts + [("UNTIL", until)])))
    # One EXDATE line per date: short lines, and every client reads them.
    for ex in exdates:
        block.append(prop("EXDATE", years.naive(ex, tzid), TZID=tzid))
    block += common[1:] + ["END:VEVENT"]
    blocks = [block]
    for row in overrides:
        rid = _orig(row).astimezone(tz).replace(tzinfo=None)
        c = _common(row, uid, sequence, max(row.updated, stamp), row.status)
        blocks.append(
            ["BEGIN:VEVENT", c[0], prop("RECURRENCE-ID", years.naive(rid, tzid), TZID=tzid)]
            + [_when(years, "DTSTART", row.start, tzid), _when(years, "DTEND", row.end, tzid)]
            + c[1:]
            + ["END:VEVENT"]
        )
    return blocks, strays


def _cancelled_series(rows: list[Item], rrule: str, domain: str, years: Years) -> tuple[list[list[str]], list[Item]]:
    """A series with no active date left (cancelled whole, or every date declined or expired), for a
    download or an e-mail: the series' event as its dates stood, STATUS:CANCELLED, same UID and a
    grown SEQUENCE, so a calendar that has it cancels it. (A feed simply leaves it out.)"""
    blocks, strays = _series([replace(r, status="confirmed") for r in rows], rrule, domain, years)
    blocks = [["STATUS:CANCELLED" if line == "STATUS:CONFIRMED" else line for line in b] for b in blocks]
    by_id = {r.id: r for r in rows}
    return blocks, [by_id[s.id] for s in strays]


def _closure(c: ClosureItem, domain: str, years: Years) -> list[str]:
    tz = ZoneInfo(c.tz)
    s, e = c.start.astimezone(tz), c.end.astimezone(tz)
    lines = ["BEGIN:VEVENT", prop("UID", f"closure-{c.id}@{domain}")]
    if s.time() == time(0) and e.time() == time(0) and e.date() > s.date():
        # Whole local days: an all-day event, as a person would enter it.
        lines += [prop("DTSTART", s.strftime("%Y%m%d"), VALUE="DATE"), prop("DTEND", e.strftime("%Y%m%d"), VALUE="DATE")]
    else:
        lines += [_when(years, "DTSTART", c.start, c.tz), _when(years, "DTEND", c.end, c.tz)]
    lines += [
        prop("DTSTAMP", utc_stamp(c.created)),
        prop("CREATED", utc_stamp(c.created)),
        prop("LAST-MODIFIED", utc_stamp(c.created)),
        prop("SEQUENCE", "0"),
        text_prop("SUMMARY", c.summary),
    ]
    if c.location:
        lines.append(text_prop("LOCATION", c.location))
    lines += [prop("STATUS", "CONFIRMED"), prop("TRANSP", "OPAQUE"), "END:VEVENT"]
    return lines


def _duration(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    if seconds % 86400 == 0:
        return f"P{seconds // 86400}D"
    h, rest = divmod(seconds, 3600)
    m = rest // 60
    return "PT" + (f"{h}H" if h else "") + (f"{m}M" if m else "") if (h or m) else "PT0S"


def build_calendar(
    info: CalendarInfo,
    items: list[Item] = (),
    series_rules: dict[int, str] | None = None,
    closures: list[ClosureItem] = (),
    include_cancelled: bool = False,
) -> bytes:
    """The whole VCALENDAR as UTF-8 bytes with CRLF line ends. Feeds leave cancelled single
    bookings out (a subscribed client drops them); `include_cancelled` writes them as
    STATUS:CANCELLED instead (for a download or an e-mail that updates an imported event)."""
    series_rules = series_rules or {}
    years = Years()
    keyed: list[tuple[datetime, str, list[str]]] = []
    by_series: dict[int, list[Item]] = defaultdict(list)
    singles: list[Item] = []
    for it in items:
        if it.series_id is not None and it.series_id in series_rules:
            by_series[it.series_id].append(it)
        else:
            singles.append(it)
    for sid, rows in by_series.items():
        blocks, strays = _series(rows, series_rules[sid], info.domain, years)
        if not blocks and not strays and include_cancelled:
            blocks, strays = _cancelled_series(rows, series_rules[sid], info.domain, years)
        for block in blocks:
            keyed.append((_block_start(block, rows), block[1], block))
        singles += strays
    for it in singles:
        if it.status in ACTIVE or include_cancelled:
            block = _single(it, info.domain, years)
            keyed.append((it.start, block[1], block))
    for c in closures:
        block = _closure(c, info.domain, years)
        keyed.append((c.start, block[1], block))
    keyed.sort(key=lambda k: (k[0], k[1], k[2][2] if len(k[2]) > 2 else ""))

    head = [
        "BEGIN:VCALENDAR",
        prop("VERSION", "2.0"),
        prop("PRODID", PRODID),
        prop("CALSCALE", "GREGORIAN"),
        prop("METHOD", info.method),
        text_prop("NAME", info.name),
        text_prop("X-WR-CALNAME", info.name),
    ]
    if info.description:
        head += [text_prop("DESCRIPTION", info.description), text_prop("X-WR-CALDESC", info.description)]
    if info.timezone:
        head.append(prop("X-WR-TIMEZONE", info.timezone))
    if info.refresh:
        head += [prop("REFRESH-INTERVAL", _duration(info.refresh), VALUE="DURATION"), prop("X-PUBLISHED-TTL", _duration(info.refresh))]
    body: list[str] = []
    for _, _, block in keyed:
        body += block
    zones: list[str] = []
    for tzid in sorted(years.by_tz):
        ys = years.by_tz[tzid]
        zones += vtimezone(tzid, min(ys), max(ys))
    lines = head + zones + body + ["END:VCALENDAR"]
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


def _block_start(block: list[str], rows: list[Item]) -> datetime:
    # Sort key of a series block: its first row's start (stable, no parsing of our own output).
    rid = next((ln for ln in block if ln.startswith("RECURRENCE-ID")), None)
    if rid is None:
        return min(_orig(r) for r in rows)
    value = rid.rsplit(":", 1)[1]
    tzid = rows[0].tz
    return datetime.strptime(value, "%Y%m%dT%H%M%S").replace(tzinfo=ZoneInfo(tzid)).astimezone(timezone.utc)


def space_location(space) -> str:
    """Where: the space, its facility and the facility's address (LOCATION of every event)."""
    f = getattr(space, "facility", None)
    return ", ".join(x for x in (space.name, f.name if f else "", f.address if f else "") if x)


def booking_item(b, summary: str | None = None, description: str | None = None) -> Item:
    """A booking as every calendar shows it: the feeds (public: `summary` "Reserved" where the title
    is private and an empty `description`, never the group), downloads and e-mail attachments
    (the real title; the group as the description by default)."""
    return Item(
        id=b.id,
        series_id=b.series_id,  # a series' date is its event only when the caller gives the rule
        summary=b.title if summary is None else summary,
        status=b.status,
        start=b.start_at,
        end=b.end_at,
        tz=b.space.timezone,
        sequence=b.sequence,
        created=b.created_at,
        updated=b.updated_at,
        description=getattr(b.group, "name", "") if description is None else description,
        location=space_location(b.space),
        original_start=b.original_start,
    )


def booking_ics(bookings, domain: str | None = None, name: str | None = None, series_rules: dict[int, str] | None = None) -> bytes:
    """Bookings as the feeds show them, for "Add to calendar" and e-mail attachments, so that a
    calendar app that imported one recognises it in every later e-mail and download and updates it:

    - a single booking: a VEVENT with UID booking-<id>@<domain> and its SEQUENCE;
    - the dates of a series whose rule is in `series_rules` (pass *every* row of the series, as
      calendars.services.booking_calendars does): the series' one event, exactly as in the feeds
      (UID series-<id>@<domain>, RRULE, EXDATE for dates no longer booked, RECURRENCE-ID for moved
      ones, the same SEQUENCE); without its rule a date is a booking-<id> event of its own.

    Real titles, status and place; a cancelled, rejected or expired booking (or a series with no
    date left) is written as STATUS:CANCELLED, so a calendar that imported it updates it. Needs the
    bookings' space (and facility, group) loaded; `domain` defaults to the app's."""
    if domain is None:
        from calendars.domain import calendar_domain

        domain = calendar_domain()
    items = [booking_item(b) for b in bookings]
    title = name or (items[0].summary if items else "Commons")
    return build_calendar(CalendarInfo(name=title, domain=domain, refresh=None), items, series_rules or {}, include_cancelled=True)
