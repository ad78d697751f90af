"""HTML pages for spaces: the search, a space's page (facts, week view, booking form), my bookings.

Thin: parse the form, call a service, render. Times are shown in the space's zone; the week view
shows busy times as "Booked"/"Closed" (with the title only when the group made it public), never who.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, ngettext
from flask_login import current_user, login_required
from pydantic import ValidationError

from commons.pagination import paginate
from commons.codes import say
from commons.errors import ApiError
from commons.forms import WEEKDAYS
from commons.i18n import format_clock, format_day, format_span
from commons.ratelimits import booking_per_group
from spaces import rules, services
from spaces.forms import (
    BookingForm,
    CancelForm,
    SearchForm,
    accessibility_label,
    equipment_label,
)
from spaces.group_views import booking_list, safe_back
from spaces.models import Space
from spaces.schemas import BookingIn, SpaceQuery

bp = Blueprint("spaces", __name__)


@bp.app_template_global("space_search_form")
def space_search_form() -> SearchForm:
    """The search form of the front page (templates/commons/index.html): it GETs /spaces."""
    return SearchForm(formdata=None, districts=services.list_districts(), equipment=services.list_equipment())


bp.add_app_template_global(equipment_label, "equipment_label")

_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")


# --- Search ---------------------------------------------------------------------------------------


@bp.route("/spaces")
def space_list():
    form = SearchForm(formdata=request.args or None, districts=services.list_districts(), equipment=services.list_equipment())
    searched = bool(request.args)
    spaces: list[Space] = []
    error = None
    status = 200
    if not searched:
        spaces = services.search_spaces(SpaceQuery())
    elif form.validate():
        free_from, free_to = form.window()
        try:
            query = SpaceQuery(
                district=form.district.data or None,
                min_capacity=form.min_capacity.data,
                accessibility=form.accessibility.data or [],
                equipment=form.equipment.data or [],
                free_from=free_from,
                free_to=free_to,
            )
            spaces = services.search_spaces(query)
        except ValidationError as exc:
            error = _("The search could not be done: %(reason)s", reason=exc.errors()[0]["msg"])
            status = 422
        except ApiError as exc:
            _put_back(form, exc, {"free_from": "start", "free_to": "end"})
            error = exc.message
            status = 422
    else:
        status = 422
    if form.errors:
        status = 422
    return (
        render_template(
            "spaces/list.html",
            form=form,
            spaces=(pager := paginate(spaces)).items,
            pager=pager,
            searched=searched,
            error=error,
            accessibility_label=accessibility_label,
        ),
        status,
    )


# --- A space's page -------------------------------------------------------------------------------


@dataclass
class Slot:
    start: datetime
    end: datetime
    kind: str  # "booked", "closed", "free"
    label: str
    titles: list[str] = field(default_factory=list)
    text: str = ""


@dataclass
class Day:
    date: date
    heading: str
    hours: str
    slots: list[Slot]


def _parse_week(text: str | None, tz: ZoneInfo) -> tuple[int, int] | None:
    """(year, week) of ?week=YYYY-Www; this week when absent; None when it is not a week."""
    if not text:
        return rules.iso_week(datetime.now(timezone.utc), tz)
    m = _WEEK.match(text.strip())
    if not m:
        return None
    year, week = int(m.group(1)), int(m.group(2))
    if not 2000 <= year <= 2200:
        return None
    try:
        date.fromisocalendar(year, week, 1)
    except ValueError:
        return None
    return year, week


def requested_week(tz: ZoneInfo, now: datetime) -> tuple[tuple[int, int], str | None]:
    """The ISO week asked for in `?week=2027-W05` (this week without one), and a message when the
    parameter is not a week (then this week is shown): the space page and its printed week."""
    parsed = _parse_week(request.args.get("week"), tz)
    if parsed is not None:
        return parsed, None
    message = _("“%(week)s” is not a week; showing this week. Weeks look like 2027-W05.", week=request.args.get("week", "")[:20])
    return rules.iso_week(now, tz), message


def week_param(year: int, week: int) -> str:
    return f"{year:04d}-W{week:02d}"


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


def _hours_text(space: Space, weekday: int) -> str:
    spans = [oh for oh in space.opening_hours if oh.weekday == weekday]
    if not spans:
        return _("Not open")
    return ", ".join(f"{_minute(o.opens_minute)}–{_minute(o.closes_minute)}" for o in spans)


def _minute(m: int) -> str:
    return format_clock(m)


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


def build_week(space: Space, year: int, week: int, now: datetime, bookable_only: bool = False) -> list[Day]:
    """The week as days of busy and free times, from services.availability (no names). Free: only
    what can still be booked (from now, within the space's horizon); with `bookable_only` (for
    paper) also cut to the slot grid and at least as long as the shortest booking."""
    tz = ZoneInfo(space.timezone)
    bounds = rules.week_bounds(year, week, tz)
    lo, hi, busy, free = services.availability(space, bounds.start, bounds.end, now=now)
    closures = [rules.Interval(c.start_at, c.end_at) for c in services.list_closures(space.id, lo, hi)]
    closed = _intersect(busy, closures)
    booked = rules.subtract(busy, closures)
    public = services.public_titles(space.id, lo, hi)
    bookable_from = _next_grid_time(now, tz, space.slot_minutes)
    bookable_until = now + timedelta(days=space.horizon_days)  # no booking may start later (rules.check)
    days = []
    monday = date.fromisocalendar(year, week, 1)
    for offset in range(7):
        d = monday + timedelta(days=offset)
        day_lo = datetime.combine(d, time(0), tzinfo=tz).astimezone(timezone.utc)
        day_hi = datetime.combine(d + timedelta(days=1), time(0), tzinfo=tz).astimezone(timezone.utc)
        slots = []
        for iv in _clip(booked, day_lo, day_hi):
            titles = [t for s, e, t in public if s < iv.end and e > iv.start]
            slots.append(Slot(iv.start, iv.end, "booked", _("Booked"), titles))
        for iv in _clip(closed, day_lo, day_hi):
            slots.append(Slot(iv.start, iv.end, "closed", _("Closed")))
        for iv in _clip(free, day_lo, day_hi):
            start, end = max(iv.start, bookable_from), min(iv.end, bookable_until)  # only what can still be booked
            if bookable_only:
                start, end = _next_grid_time(start, tz, space.slot_minutes), _grid_floor(end, tz, space.slot_minutes)
                if start >= end or rules.elapsed_minutes(start, end) < space.min_minutes:
                    continue
            if start < end:
                slots.append(Slot(start, end, "free", _("Free")))
        slots.sort(key=lambda s: (s.start, s.end))
        for s in slots:
            s.text = f"{_hhmm(s.start, tz, d)}–{_hhmm(s.end, tz, d)}"
        days.append(
            Day(
                date=d,
                heading=format_day(d, "weekday_date"),
                hours=_hours_text(space, d.weekday()),
                slots=slots,
            )
        )
    return days


def _duration(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    if hours and rest:
        return _("%(h)d h %(m)d min", h=hours, m=rest)
    if hours:
        return ngettext("%(num)d hour", "%(num)d hours", hours)
    return ngettext("%(num)d minute", "%(num)d minutes", rest)


def rules_in_words(space: Space) -> list[str]:
    out = []
    if space.buffer_minutes:
        out.append(
            _("%(d)s are kept free before and after each booking for changing over.", d=_duration(space.buffer_minutes))
        )
    else:
        out.append(_("Bookings can follow each other with no changeover time."))
    out.append(_("A booking lasts from %(lo)s to %(hi)s.", lo=_duration(space.min_minutes), hi=_duration(space.max_minutes)))
    if space.slot_minutes > 1:
        out.append(
            _(
                "Bookings start and end at times %(d)s apart (for example %(example)s).",
                d=_duration(space.slot_minutes),
                example=", ".join(_minute(18 * 60 + k * space.slot_minutes) for k in range(3)),
            )
        )
    out.append(ngettext("You can book at most %(num)d day ahead.", "You can book at most %(num)d days ahead.", space.horizon_days))
    if space.weekly_quota_minutes:
        out.append(_("Each group can book at most %(d)s a week here.", d=_duration(space.weekly_quota_minutes)))
    if space.requires_approval:
        out.append(_("The staff approve every booking before it is confirmed."))
    else:
        out.append(_("Bookings of verified groups are confirmed at once; other groups' bookings wait for the staff."))
    return out


def _put_back(form, err: ApiError, names: dict[str, str]) -> None:
    """Field errors of a service error, next to the form's fields, in the page language."""
    for key in err.fields:
        target = getattr(form, names.get(key, key), None)
        if target is not None and hasattr(target, "errors"):
            if not isinstance(target.errors, list):
                target.errors = list(target.errors)
            reason = err.field_text(key)
            target.errors.append(reason[:1].upper() + reason[1:] + ("" if reason.endswith(".") else "."))


def _problems(err: ApiError, space: Space) -> list[str]:
    """The conflicts and rule violations of a refused booking as sentences in the page language: times only."""
    tz = ZoneInfo(space.timezone)
    out = []
    for p in err.conflicts + err.extra.get("violations", []):
        occ_s = datetime.fromisoformat(p.get("occurrence_start", p["start"]))
        occ_e = datetime.fromisoformat(p.get("occurrence_end", p["end"]))
        out.append(_("%(when)s: %(reason)s", when=format_span(occ_s, occ_e, tz), reason=say(p["code"], p["params"])))
    return out


_FIELD_NAMES = {"start": "start", "end": "end", "rrule": "repeat_until", "title": "title", "attendees": "attendees", "group_id": "group"}


@bp.route("/spaces/<int:space_id>", methods=["GET", "POST"])
@booking_per_group
def space_page(space_id: int):
    space = services.get_space(space_id)
    tz = ZoneInfo(space.timezone)
    now = datetime.now(timezone.utc)
    (year, week), week_error = requested_week(tz, now)
    status = 422 if week_error and request.method == "GET" else 200

    form = None
    problems: list[str] = []
    suggestions: list[str] = []
    booking_error = None
    can_book = False
    if request.method == "POST" and not current_user.is_authenticated:
        return redirect(url_for("commons.login", next=request.path))
    if current_user.is_authenticated:
        form = BookingForm()
        own, others = services.bookable_groups(current_user, space)
        form.set_groups(own, others)
        can_book = bool(own or others)
        if request.method == "POST":
            if form.validate_on_submit():
                try:
                    data = BookingIn(
                        space_id=space.id,
                        group_id=form.group.data,
                        title=form.title.data,
                        start=datetime.combine(form.date.data, form.start.data),
                        end=datetime.combine(form.date.data, form.end.data),
                        attendees=form.attendees.data,
                        public_title=form.public_title.data,
                        rrule=form.rrule(),
                        on_conflict=form.on_conflict.data,
                    )
                except ValidationError as exc:
                    booking_error = _("Check the booking: %(reason)s", reason=exc.errors()[0]["msg"])
                    status = 422
                else:
                    try:
                        result = services.create_booking(current_user, data)
                    except ApiError as err:
                        problems = _problems(err, space)
                        if not problems:
                            booking_error = err.message
                        elif data.rrule:
                            booking_error = _("Some dates of the series cannot be booked:")
                        else:
                            booking_error = _("This time cannot be booked:")
                        _put_back(form, err, _FIELD_NAMES)
                        status = err.status
                        if err.conflicts and not data.rrule:  # which time is taken, and what is free nearby
                            suggestions = [
                                format_span(f.start, f.end, tz)
                                for f in services.nearest_free_times(space, data.start, data.end, now=now)
                            ]
                    else:
                        _flash_booked(result, space)
                        first = result.bookings[0].start_at
                        return redirect(
                            url_for("spaces.space_page", space_id=space.id, week=week_param(*rules.iso_week(first, tz)))
                            + "#week"
                        )
            else:
                status = 422
            if form.date.data and not form.date.errors:  # show the week the person tried to book
                year, week = form.date.data.isocalendar()[:2]

    days = build_week(space, year, week, now)
    monday = date.fromisocalendar(year, week, 1)
    prev_week = week_param(*(monday - timedelta(days=7)).isocalendar()[:2])
    next_week = week_param(*(monday + timedelta(days=7)).isocalendar()[:2])
    this_week = week_param(*rules.iso_week(now, tz))
    opening = [(WEEKDAYS[d], _hours_text(space, d)) for d in range(7)]
    return (
        render_template(
            "spaces/detail.html",
            space=space,
            days=days,
            year=year,
            week=week,
            week_start=format_day(monday, "day_month"),
            week_end=format_day(monday + timedelta(days=6), "date"),
            prev_week=prev_week,
            next_week=next_week,
            this_week=this_week,
            is_this_week=week_param(year, week) == this_week,
            week_error=week_error,
            opening=opening,
            rules_text=rules_in_words(space),
            accessibility_label=accessibility_label,
            form=form,
            can_book=can_book,
            booking_error=booking_error,
            problems=problems,
            suggestions=suggestions,
        ),
        status,
    )


def _flash_booked(result: services.BookingResult, space: Space) -> None:
    first = result.bookings[0]
    when = format_span(first.start_at, first.end_at, result.tz)
    if len(result.bookings) == 1:
        if result.status == "pending":
            flash(_("Request sent: %(title)s, %(when)s. The staff will confirm it.", title=first.title, when=when))
        else:
            flash(_("Booked: %(title)s, %(when)s.", title=first.title, when=when))
    else:
        if result.status == "pending":
            flash(_("Requests sent for %(n)d dates from %(when)s. The staff will confirm them.", n=len(result.bookings), when=when))
        else:
            flash(_("Booked %(n)d dates from %(when)s: %(title)s.", n=len(result.bookings), when=when, title=first.title))
    for p in result.skipped:
        reason = say(p.code, p.params)
        flash(_("Not booked: %(when)s: %(reason)s", when=format_span(p.occurrence.start, p.occurrence.end, result.tz), reason=reason))


# --- My bookings ----------------------------------------------------------------------------------


def _my_bookings_page(error: str | None = None, status: int = 200):
    listing = booking_list(current_user)
    if not listing["filter_valid"]:
        status = max(status, 422)
    return render_template("spaces/bookings.html", error=error, listing=listing), status


@bp.route("/bookings")
@login_required
def my_bookings():
    return _my_bookings_page()


@bp.route("/bookings/<int:booking_id>/cancel", methods=["POST"])
@login_required
def cancel_booking(booking_id: int):
    form = CancelForm()
    if not form.validate_on_submit():
        return _my_bookings_page(_("Choose which dates to cancel."), 422)
    try:
        cancelled = services.cancel_booking(current_user, booking_id, scope=form.scope.data)
    except ApiError as err:
        if err.status == 404:
            raise
        return _my_bookings_page(err.message, err.status)
    first = cancelled[0]
    when = format_span(first.start_at, first.end_at, ZoneInfo(first.space.timezone))
    if len(cancelled) == 1:
        flash(_("Cancelled: %(title)s, %(when)s.", title=first.title, when=when))
    else:
        flash(_("Cancelled %(n)d dates from %(when)s: %(title)s.", n=len(cancelled), when=when, title=first.title))
    return redirect(safe_back(request.form.get("next")))
