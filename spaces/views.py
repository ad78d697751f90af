"""HTML pages for spaces: the search, a space's page (facts, week view, booking form), my bookings.

Thin: parse the form, call a service, render; the week view and the rules in words are shaped by
spaces.presenters. Times are shown in the space's zone.
"""
from __future__ import annotations

from datetime import datetime, timezone
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _, ngettext
from flask_login import current_user, login_required
from pydantic import ValidationError

from commons import districts
from commons.apispec import said_of
from commons.forms import put_back
from commons.pagination import paginate
from commons.codes import say
from commons.errors import ApiError
from commons.i18n import format_span, page_language
from commons.ratelimits import booking_per_group
from commons.timezone import iso_week, week_param
from spaces import presenters, services
from spaces.forms import (
    AskedTimeForm,
    BookingForm,
    CancelForm,
    SearchForm,
    accessibility_label,
    equipment_label,
)
from spaces.group_views import booking_list, safe_back
from spaces.models import Space
from spaces.purposes import age_group_name, purpose_name
from spaces.schemas import BookingIn, SpaceQuery

bp = Blueprint("spaces", __name__)


@bp.app_template_global("space_search_form")
def space_search_form() -> SearchForm:
    """The search form of the front page (templates/commons/index.html): it GETs /spaces."""
    return SearchForm(formdata=None, districts=services.list_districts(), equipment=services.list_equipment())


bp.add_app_template_global(equipment_label, "equipment_label")
bp.add_app_template_global(purpose_name, "purpose_name")
bp.add_app_template_global(age_group_name, "age_group_name")

# --- Search ---------------------------------------------------------------------------------------


@bp.route("/spaces")
def space_list():
    form = SearchForm(formdata=request.args or None, districts=services.list_districts(), equipment=services.list_equipment())
    searched = bool(request.args)
    spaces: list[Space] = []
    instead: list[tuple[str, str]] = []
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
            if not spaces:
                instead = _search_instead(query)
        except ValidationError as exc:
            error = _("The search could not be done: %(reason)s", reason=said_of(exc.errors()[0]).text())
            status = 422
        except ApiError as exc:
            put_back(form, exc, {"free_from": "start", "free_to": "end"})
            error = exc.said()
            status = 422
    else:
        status = 422
    if form.errors:
        status = 422
    return (
        render_template(
            "spaces/list.html",
            result_link=_result_link(form),
            form=form,
            spaces=(pager := paginate(spaces)).items,
            pager=pager,
            searched=searched,
            instead=instead,
            error=error,
            accessibility_label=accessibility_label,
        ),
        status,
    )


def _search_instead(query: SpaceQuery) -> list[tuple[str, str]]:
    """An empty search's way on: (link text, the same search changed) for districts where spaces fit,
    those next to the searched one first, and for the largest size spaces fit for."""
    found = services.search_instead(query)
    lang = page_language()
    out = []
    for name, count in found.districts:
        text = ngettext("%(district)s: %(num)d space", "%(district)s: %(num)d spaces", count, district=districts.display(name, lang))
        if name in districts.neighbours(query.district or ""):
            text = _("%(spaces)s (next to %(district)s)", spaces=text, district=districts.display(query.district, lang))
        out.append((text, _search_changed(district=name)))
    if found.capacity:
        out.append((_("Spaces for at least %(num)d people", num=found.capacity), _search_changed(min_capacity=str(found.capacity))))
    return out


def _search_changed(**changes: str) -> str:
    """This search's address with some of its fields changed (the page starts again from its first page)."""
    args = request.args.copy()
    args.pop("page", None)
    for name, value in changes.items():
        args[name] = value
    return url_for("spaces.space_list") + "?" + urlencode(list(args.items(multi=True)))


def _result_link(form: SearchForm):
    """A search result's link: the space's page with what was searched for (the accessibility and equipment,
    and a time: that date's week opens and the booking form is filled with it)."""
    carried = {"accessibility": form.accessibility.data or [], "equipment": form.equipment.data or []}
    if not form.errors and form.date.data and form.start.data and form.end.data:
        carried.update(date=form.date.data.isoformat(), start=form.start.data.strftime("%H:%M"), end=form.end.data.strftime("%H:%M"))
    return lambda space: url_for("spaces.space_page", space_id=space.id, **carried)


# --- A space's page -------------------------------------------------------------------------------




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
    (year, week), week_error = presenters.requested_week(request.args.get("week"), tz, now)
    status = 422 if week_error and request.method == "GET" else 200
    # ?date=&start=&end= (a search result, a free time's link): that date's week, and the form filled with them
    asked = AskedTimeForm(formdata=request.args)
    asked_error = None
    if request.method == "GET" and not asked.validate():
        name, errors = next((n, e) for n, e in asked.errors.items() if e)
        asked_error = _("“%(value)s” in the address was not used: %(reason)s", value=request.args.get(name, "")[:20], reason=errors[0])
        status = 422
    asked_values = asked.params() if request.method == "GET" else {}
    if "date" in asked_values and not request.args.get("week"):
        year, week = asked.date.data.isocalendar()[:2]
    outcome = None

    form = None
    elsewhere: list[tuple[str, str, str]] = []
    own: list = []
    problems: list[str] = []
    suggestions: list[dict] = []
    alternatives: list[Space] = []
    booking_error = None
    join_waitlist = None
    can_book = False
    if request.method == "POST" and not current_user.is_authenticated:
        return redirect(url_for("commons.login", next=request.path))
    if current_user.is_authenticated:
        form = BookingForm()
        own, others = services.bookable_groups(current_user, space)
        form.set_groups(own, others)
        can_book = bool(own or others)
        if request.method == "GET" and can_book:
            form.preselect_group(services.last_booked_group(current_user))
        if request.method == "GET":
            kept = session.pop("join_waitlist", None)
            if kept and kept.pop("space", None) == space.id:
                join_waitlist = kept
            told = session.pop("booking_outcome", None)
            if told and told.get("space") == space.id:
                outcome = told
            for name in asked_values:
                setattr(getattr(form, name), "data", getattr(asked, name).data)
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
                        purpose=form.purpose.data or None,
                        age_groups=form.age_groups.data or [],
                    )
                except ValidationError as exc:
                    booking_error = _("Check the booking: %(reason)s", reason=said_of(exc.errors()[0]).text())
                    status = 422
                else:  # the same group elsewhere then: the page says so, and books only when told "book anyway"
                    elsewhere = _same_group_elsewhere(form, data, tz)
                if booking_error is None and not elsewhere:
                    try:
                        result = services.create_booking(current_user, data)
                    except ApiError as err:
                        problems = _problems(err, space)
                        if not problems:
                            booking_error = err.said()
                        elif data.rrule:
                            booking_error = _("Some dates of the series cannot be booked:")
                        else:
                            booking_error = _("This time cannot be booked:")
                        put_back(form, err, {**_FIELD_NAMES, "rrule": "repeat_count" if form.repeat_count.data else "repeat_until"})
                        status = err.status
                        if err.conflicts and not err.extra.get("violations"):
                            # only booked time in the way: the group may wait in line for it (each taken date of a series)
                            closed = [c["code"] == "closed" for c in err.conflicts]
                            if (not any(closed)) if not data.rrule else not all(closed):
                                join_waitlist = {"group": form.group.data, "title": data.title, "attendees": data.attendees,
                                                 "date": form.date.data.isoformat(), "start": form.start.data.strftime("%H:%M"),
                                                 "end": form.end.data.strftime("%H:%M")}
                                if data.rrule:
                                    join_waitlist["rrule"] = data.rrule
                        if err.conflicts and not data.rrule:  # which time is taken, and what is free nearby
                            suggestions = [
                                {"text": format_span(f.start, f.end, tz), "fill": presenters.form_values(f.start, f.end, tz)}
                                for f in services.nearest_free_times(space, data.start, data.end, now=now)
                            ]
                            alternatives = _other_spaces(space, data)
                        elif not data.rrule and {v["code"] for v in err.extra.get("violations", [])} == {"over_capacity"}:
                            alternatives = _other_spaces(space, data)  # too small: spaces free then that hold them all
                    else:
                        _flash_booked(result, space, mine=form.group.data in {g.id for g in own})
                        if data.rrule and any(p.kind == "conflict" and p.code != "closed" for p in result.skipped):
                            # dates skipped because they are taken: the page it goes back to offers the line for them
                            session["join_waitlist"] = {"space": space.id, "group": form.group.data, "title": data.title,
                                                        "attendees": data.attendees, "date": form.date.data.isoformat(),
                                                        "start": form.start.data.strftime("%H:%M"),
                                                        "end": form.end.data.strftime("%H:%M"), "rrule": data.rrule}
                        first = result.booked[0][1]
                        return redirect(
                            url_for("spaces.space_page", space_id=space.id, week=week_param(*iso_week(first, tz)))
                            + "#outcome"
                        )
            else:
                status = 422
            if form.date.data and not form.date.errors:  # show the week the person tried to book
                year, week = form.date.data.isocalendar()[:2]

    return (
        render_template(
            "spaces/detail.html",
            space=space,
            days=presenters.build_week(space, year, week, now, own=presenters.own_in_week(space, year, week, own),
                                       fill_minutes=presenters.asked_minutes(asked_values)),
            year=year,
            week=week,
            **presenters.week_links(year, week, now, tz),
            week_error=week_error,
            opening=presenters.opening_hours(space),
            rules_text=presenters.rules_in_words(space),
            accessibility_label=accessibility_label,
            form=form,
            can_book=can_book,
            booking_error=booking_error,
            problems=problems,
            suggestions=suggestions,
            alternatives=alternatives,
            filters=_filters(),
            join_waitlist=join_waitlist,
            elsewhere=elsewhere,
            book_anyway=_asked(form) if elsewhere else None,
            asked=asked_values,
            asked_error=asked_error,
            outcome=outcome,
            tried=_tried(form) if problems and form else {},
        ),
        status,
    )


def _asked(form: BookingForm) -> str:
    """What a "book anyway" confirms: the group, the date, the times and the repeat, as one text. A
    confirmation of other values (the person changed the time, then pressed Enter) checks again."""
    return "|".join(str(x) for x in (form.group.data, form.date.data, form.start.data, form.end.data, form.rrule()))


def _same_group_elsewhere(form: BookingForm, data: BookingIn, tz: ZoneInfo) -> list[tuple[str, str, str]]:
    """(space, facility, when) of the group's bookings in other spaces at the time asked for, unless
    the person confirmed "book anyway" for these very values."""
    if request.form.get("book_anyway") == _asked(form):
        return []
    return [(e.space_name, e.facility_name, format_span(e.start, e.end, e.tz))
            for e in services.same_group_elsewhere(data, tz)]


def _tried(form: BookingForm) -> dict[str, str]:
    """The refused booking's date and times, for the links to other spaces free then (their forms filled)."""
    return {"date": form.date.data.isoformat(), "start": form.start.data.strftime("%H:%M"), "end": form.end.data.strftime("%H:%M")}


def _filters() -> dict[str, list[str]]:
    """The accessibility and equipment the person searched for (carried from the search to the space's
    page and its booking form), as query parameters."""
    return {k: request.args.getlist(k)[:20] for k in ("accessibility", "equipment") if request.args.getlist(k)}


def _other_spaces(space: Space, data: BookingIn) -> list[Space]:
    """Spaces free at the refused time that fit (same district, enough room, what was searched for)."""
    asked = _filters()
    try:
        return services.other_free_spaces(space, data.start, data.end, data.attendees, asked.get("accessibility", []),
                                          asked.get("equipment", []))
    except (ApiError, ValidationError):  # an odd filter in the address: no suggestions rather than an error
        return []


def _flash_booked(result: services.BookingResult, space: Space, mine: bool = True) -> None:
    """What was booked, kept for the page the form goes back to, which shows it where the form is
    (#outcome: not at the top of the page, out of sight on a phone), with links to the booking."""
    first_id, start, end = result.booked[0]
    when = format_span(start, end, result.tz)
    title, n = result.title, len(result.booked)
    lines = []
    if n == 1:
        if result.status == "pending":
            lines.append(_("Request sent: %(title)s, %(when)s. The staff will confirm it.", title=title, when=when))
        else:
            lines.append(_("Booked: %(title)s, %(when)s.", title=title, when=when))
    else:
        if result.status == "pending":
            lines.append(_("Requests sent for %(n)d dates from %(when)s. The staff will confirm them.", n=n, when=when))
        else:
            lines.append(_("Booked %(n)d dates from %(when)s: %(title)s.", n=n, when=when, title=title))
    for p in result.skipped:
        reason = say(p.code, p.params)
        lines.append(_("Not booked: %(when)s: %(reason)s", when=format_span(p.occurrence.start, p.occurrence.end, result.tz), reason=reason))
    session["booking_outcome"] = {"space": space.id, "lines": lines, "booking": first_id if mine else None,
                                  "day": start.astimezone(result.tz).date().isoformat()}


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
        return _my_bookings_page(err.said(), err.status)
    first = cancelled[0]
    when = format_span(first.start_at, first.end_at, ZoneInfo(first.space.timezone))
    if len(cancelled) == 1:
        flash(_("Cancelled: %(title)s, %(when)s.", title=first.title, when=when))
    else:
        flash(_("Cancelled %(n)d dates from %(when)s: %(title)s.", n=len(cancelled), when=when, title=first.title))
    return redirect(safe_back(request.form.get("next")))
