"""What a space's pages show, shaped for the templates: the week as days of booked, closed and free
times, the opening hours and the booking rules in words, and the links between weeks. The space's
page (spaces.views) and its printed week (spaces.report_views) show the same from here.

No request handling: the views parse the request and pass plain values in. Times are shown in the
space's zone and in the page's language; busy times say "Booked" or "Closed" (with the title only
when the group made it public), never who.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from flask_babel import gettext as _, ngettext

from commons.forms import WEEKDAYS
from commons.i18n import format_clock, format_day, format_duration
from commons.timezone import day_bounds, iso_week, parse_week, shift_week, week_param
from spaces import print_layout, rules, services
from spaces.models import Space


@dataclass
class Slot:
    start: datetime
    end: datetime
    kind: str  # "booked", "closed", "free"
    label: str
    titles: list[str] = field(default_factory=list)
    text: str = ""
    status: str = ""  # of the person's own booking ("pending", "confirmed", "offered"); else empty
    fill: dict[str, str] | None = None  # a free time's date, start and end for the link that fills the booking form


@dataclass
class Day:
    date: date
    heading: str
    hours: str
    slots: list[Slot]


# --- Which week --------------------------------------------------------------------------------------


def requested_week(text: str | None, tz: ZoneInfo, now: datetime) -> tuple[tuple[int, int], str | None]:
    """The ISO week asked for as `?week=2027-W05` (this week without one), and a message when the
    parameter is not a week (then this week is shown): the space page and its printed week."""
    if not text:
        return iso_week(now, tz), None
    parsed = parse_week(text)
    if parsed is not None:
        return parsed, None
    message = _("“%(week)s” is not a week; showing this week. Weeks look like 2027-W05.", week=text[:20])
    return iso_week(now, tz), message


def week_links(year: int, week: int, now: datetime, tz: ZoneInfo) -> dict:
    """The week's heading (first and last day) and the weeks before, after and now, as links write them."""
    monday = date.fromisocalendar(year, week, 1)
    this_week = week_param(*iso_week(now, tz))
    return {
        "week_start": format_day(monday, "day_month"),
        "week_end": format_day(monday + timedelta(days=6), "date"),
        "prev_week": week_param(*shift_week(year, week, -1)),
        "next_week": week_param(*shift_week(year, week, 1)),
        "this_week": this_week,
        "is_this_week": week_param(year, week) == this_week,
    }


# --- The week's times ---------------------------------------------------------------------------------


def _hhmm(moment: datetime, tz: ZoneInfo, day: date) -> str:
    return format_clock(rules.local_minutes(moment, tz, day))


def _clip(intervals, lo: datetime, hi: datetime) -> list[rules.Interval]:
    return [rules.Interval(max(i.start, lo), min(i.end, hi)) for i in intervals if i.start < hi and i.end > lo]


def _intersect(a: list[rules.Interval], b: list[rules.Interval]) -> list[rules.Interval]:
    out = []
    for x in a:
        for y in b:
            s, e = max(x.start, y.start), min(x.end, y.end)
            if s < e:
                out.append(rules.Interval(s, e))
    return rules.merge(out)


def _next_grid_time(now: datetime, tz: ZoneInfo, slot_minutes: int) -> datetime:
    """The first local time on the space's grid at or after now."""
    local = now.astimezone(tz)
    minute = local.hour * 60 + local.minute + (1 if local.second or local.microsecond else 0)
    slot = max(slot_minutes, 1)
    naive = datetime.combine(local.date(), time(0)) + timedelta(minutes=-(-minute // slot) * slot)
    aware = rules.localize(naive, tz) or (naive + timedelta(hours=1)).replace(tzinfo=tz)
    return aware.astimezone(timezone.utc)


def _grid_floor(moment: datetime, tz: ZoneInfo, slot_minutes: int) -> datetime:
    """The last local time on the space's grid at or before `moment` (as an instant)."""
    local = moment.astimezone(tz)
    extra = (local.hour * 60 + local.minute) % max(slot_minutes, 1)
    return moment - timedelta(minutes=extra, seconds=local.second, microseconds=local.microsecond)


def _own_label(status: str, group: str | None) -> str:
    """How the person's own group's booking reads in the week (its group named when they have several)."""
    if status == "pending":
        return _("Your request (%(group)s), waiting for approval", group=group) if group else _("Your request, waiting for approval")
    if status == "offered":
        return _("Offered to your group (%(group)s)", group=group) if group else _("Offered to your group")
    return _("Your booking (%(group)s)", group=group) if group else _("Your booking")


def _fill(start: datetime, end: datetime, tz: ZoneInfo, space: Space, minutes: int) -> dict[str, str] | None:
    """The date, start and end a free time's link puts in the booking form: from the free time's first
    time on the grid, `minutes` long (within the space's shortest and longest booking), not past the
    free time's end nor its day's; None when nothing on the grid fits."""
    s = _next_grid_time(start, tz, space.slot_minutes)
    length = min(max(minutes, space.min_minutes), space.max_minutes)
    e = min(s + timedelta(minutes=length), _grid_floor(end, tz, space.slot_minutes))
    local_s = s.astimezone(tz)
    if e.astimezone(tz).date() != local_s.date():  # the form's times are of one day: end before midnight
        e = _grid_floor(day_bounds(local_s.date(), tz)[1] - timedelta(minutes=1), tz, space.slot_minutes)
    if e <= s:
        return None
    return form_values(s, e, tz)


def build_week(space: Space, year: int, week: int, now: datetime, bookable_only: bool = False,
               own: list[tuple[datetime, datetime, str, str | None, str]] = (), fill_minutes: int | None = None) -> list[Day]:
    """The week as days of busy and free times, from services.availability (no names). Free: only
    what can still be booked (from now, within the space's horizon); with `bookable_only` (for
    paper) also cut to the slot grid and at least as long as the shortest booking. `own`: the
    signed-in person's own groups' bookings (start, end, status, group name or None, title), shown
    to them as theirs ("Your booking"); `fill_minutes`: free times get the form values of a booking
    that long for their links (the page; not paper)."""
    tz = ZoneInfo(space.timezone)
    bounds = rules.week_bounds(year, week, tz)
    lo, hi, busy, free = services.availability(space, bounds.start, bounds.end, now=now)
    closures = services.family_closures([space.id], lo, hi)[space.id]  # the hall's closures close its parts, and the other way round
    closed = _intersect(busy, closures)
    booked = rules.subtract(busy, closures)
    if own:
        booked = rules.subtract(booked, [rules.Interval(s, e) for s, e, *_rest in own])
    public = services.public_titles(space.id, lo, hi)
    bookable_from = _next_grid_time(now, tz, space.slot_minutes)
    bookable_until = now + timedelta(days=space.horizon_days)  # no booking may start later (rules.check)
    days = []
    monday = date.fromisocalendar(year, week, 1)
    for offset in range(7):
        d = monday + timedelta(days=offset)
        day_lo, day_hi = day_bounds(d, tz)
        slots = []
        for iv in _clip(booked, day_lo, day_hi):
            titles = [t for s, e, t in public if s < iv.end and e > iv.start]
            slots.append(Slot(iv.start, iv.end, "booked", _("Booked"), titles))
        for s_, e_, status, group, title in own:
            if s_ < day_hi and e_ > day_lo:
                slots.append(Slot(max(s_, day_lo), min(e_, day_hi), "mine", _own_label(status, group), [title], status=status))
        for iv in _clip(closed, day_lo, day_hi):
            slots.append(Slot(iv.start, iv.end, "closed", _("Closed")))
        for iv in _clip(free, day_lo, day_hi):
            start, end = max(iv.start, bookable_from), min(iv.end, bookable_until)  # only what can still be booked
            if bookable_only:
                start, end = _next_grid_time(start, tz, space.slot_minutes), _grid_floor(end, tz, space.slot_minutes)
                if start >= end or rules.elapsed_minutes(start, end) < space.min_minutes:
                    continue
            if start < end:
                fill = _fill(start, end, tz, space, fill_minutes) if fill_minutes else None
                slots.append(Slot(start, end, "free", _("Free"), fill=fill))
        slots.sort(key=lambda s: (s.start, s.end))
        for s in slots:
            s.text = f"{_hhmm(s.start, tz, d)}–{_hhmm(s.end, tz, d)}"
            if s.kind == "closed" and (s.start, s.end) == (day_lo, day_hi):
                s.text = _("All day")  # a whole day closed reads as the day, not "0.00–24.00"
        days.append(Day(date=d, heading=format_day(d, "weekday_date"), hours=hours_text(space, d.weekday()), slots=slots))
    return days


def own_in_week(space: Space, year: int, week: int, groups) -> list[tuple[datetime, datetime, str, str | None, str]]:
    """The signed-in person's own groups' bookings in the week (for build_week's `own`): named by group
    only when they represent several. One query; none without groups."""
    if not groups:
        return []
    bounds = rules.week_bounds(year, week, ZoneInfo(space.timezone))
    names = {g.id: g.name for g in groups}
    several = len(names) > 1
    return [(s, e, status, names[g] if several else None, title)
            for s, e, status, g, title in services.own_bookings(space.id, list(names), bounds.start, bounds.end)]


def asked_minutes(asked: dict[str, str]) -> int:
    """How long the booking a free time's link fills in is: as long as the time asked for in the address
    (a search's), else two hours (the space's shortest and longest booking still apply: _fill)."""
    if "start" in asked and "end" in asked:
        (sh, sm), (eh, em) = (map(int, asked[k].split(":")) for k in ("start", "end"))
        return (eh * 60 + em) - (sh * 60 + sm)
    return 120


def form_values(start: datetime, end: datetime, tz: ZoneInfo) -> dict[str, str]:
    """A time as the booking form's date, start and end (address parameters of a link that fills it)."""
    s, e = start.astimezone(tz), end.astimezone(tz)
    return {"date": s.date().isoformat(), "start": s.strftime("%H:%M"), "end": e.strftime("%H:%M")}


# --- The week on paper (the printed week for the door) ------------------------------------------------


@dataclass
class PaperDay:
    """A day of the printed week: its name, date and opening hours (a span a line), its booked and closed
    times, then its free times, each list cut to what fits on the page (spaces.print_layout) with how
    many more there are."""

    weekday: str
    date_text: str
    hour_spans: list[str]
    entries: list[Slot]
    more_entries: int
    free: list[Slot]
    more_free: int


def paper_week(space: Space, days: list[Day]) -> tuple[print_layout.Fit, list[PaperDay]]:
    """The week's days (build_week) as they go on one A4 page, and the size they are printed at."""
    spans = {d.date: hour_spans(space, d.date.weekday()) for d in days}
    needs = [print_layout.DayNeed(entries=sum(1 for s in d.slots if s.kind != "free"),
                                  free=sum(1 for s in d.slots if s.kind == "free"), hour_lines=max(len(spans[d.date]), 1))
             for d in days]
    fitted = print_layout.fit(needs)
    paper = []
    for d, (entry_cells, free_cells) in zip(days, fitted.shown):
        entries, more_entries = print_layout.cut_list([s for s in d.slots if s.kind != "free"], entry_cells)
        free, more_free = print_layout.cut_list([s for s in d.slots if s.kind == "free"], free_cells)
        paper.append(PaperDay(format_day(d.date, "weekday"), format_day(d.date, "day_month"), spans[d.date],
                              entries, more_entries, free, more_free))
    return fitted, paper


# --- The space's hours and rules in words --------------------------------------------------------------


def hour_spans(space: Space, weekday: int) -> list[str]:
    """One weekday's opening hours, each e.g. "8.00–21.00" (Finnish); none when closed."""
    return [f"{format_clock(o.opens_minute)}–{format_clock(o.closes_minute)}" for o in space.opening_hours if o.weekday == weekday]


def hours_text(space: Space, weekday: int) -> str:
    """One weekday's opening hours, e.g. "8.00–21.00" (Finnish), or "Not open"."""
    return ", ".join(hour_spans(space, weekday)) or _("Not open")


def opening_hours(space: Space) -> list[tuple[str, str]]:
    """The week's opening hours as (weekday name, hours) from Monday."""
    return [(WEEKDAYS[d], hours_text(space, d)) for d in range(7)]


def rules_in_words(space: Space, printed: bool = False) -> list[str]:
    """The space's booking rules as sentences in the page's language (`printed`: the week for the
    door, which leaves out how the waiting list works: it is measured to fit one sheet)."""
    out = []
    if space.buffer_minutes:
        out.append(
            _("%(d)s are kept free before and after each booking for changing over.", d=format_duration(space.buffer_minutes))
        )
    else:
        out.append(_("Bookings can follow each other with no changeover time."))
    out.append(_("A booking lasts from %(lo)s to %(hi)s.", lo=format_duration(space.min_minutes), hi=format_duration(space.max_minutes)))
    if space.slot_minutes > 1:
        out.append(
            _(
                "Bookings start and end at times %(d)s apart (for example %(example)s).",
                d=format_duration(space.slot_minutes),
                example=", ".join(format_clock(18 * 60 + k * space.slot_minutes) for k in range(3)),
            )
        )
    out.append(ngettext("You can book at most %(num)d day ahead.", "You can book at most %(num)d days ahead.", space.horizon_days))
    if space.weekly_quota_minutes:
        out.append(_("Each group can book at most %(d)s a week here.", d=format_duration(space.weekly_quota_minutes)))
    if space.requires_approval:
        out.append(_("The staff approve every booking before it is confirmed."))
    else:
        out.append(_("Bookings of verified groups are confirmed at once; other groups' bookings wait for the staff."))
    if space.check_in_required:
        out.append(_("Groups check in on arrival, from 15 minutes before the start until %(d)s after it (the QR code at the door, or the bookings page). A booking nobody checks in to is then released for others.",
                     d=format_duration(space.check_in_grace_minutes) if space.check_in_grace_minutes else _("the start")))
    if printed:
        return out
    out.append(ngettext("When a taken time frees, it is offered to the first group in the waiting list and held for it for %(num)d hour, or until it starts.",
                        "When a taken time frees, it is offered to the first group in the waiting list and held for it for %(num)d hours, or until it starts.",
                        space.offer_hours))
    return out
