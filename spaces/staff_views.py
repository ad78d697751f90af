"""Staff pages: the dashboard of the staff member's facilities, the approval queue of pending booking
requests, a day/week calendar across their spaces, creating and editing spaces (facts, rules, opening
hours) and their closures. Thin: parse the form, call a service, render."""
from __future__ import annotations

from dataclasses import dataclass, field as dc_field
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l, ngettext
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice, SelectField, TextAreaField
from wtforms.validators import InputRequired, Length

from commons.auth import is_staff_of
from commons.codes import say
from commons.apispec import said_of
from commons.forms import put_back
from commons.pagination import paginate
from commons.errors import ApiError
from commons import services as cservices
from commons.i18n import LANGUAGE_NAMES, format_clock, format_closure, format_day, format_span
from commons.timezone import day_bounds, site_tz, week_param, year_in_range
from pydantic import ValidationError
from spaces import counter_views, rules, services, staff_services
from spaces.forms import STATUS_LABELS
from spaces.schemas import BookingQuery, SpaceIn, SpacePatch
from spaces.staff_forms import ClosureForm, SpaceForm, single_span_hours

bp = Blueprint("staff", __name__, url_prefix="/staff")


@bp.app_context_processor
def _pending_requests_for_the_navigation():
    """pending_requests(): how many requests wait for the signed-in staff member's decision, shown on
    the main navigation's Staff link (templates/base.html calls it for staff and administrators only)."""

    def pending_requests() -> int:
        if not current_user.is_authenticated or current_user.role not in ("staff", "admin"):
            return 0
        return sum(staff_services.pending_counts(current_user, datetime.now(timezone.utc)).values())

    return {"pending_requests": pending_requests}


class DecisionForm(FlaskForm):
    decision = RadioField(
        _l("Decision"),
        choices=[SelectChoice("approve", _l("Approve")), SelectChoice("reject", _l("Reject"))],
        validators=[InputRequired(message=_l("Choose approve or reject."))],
    )
    scope = RadioField(
        _l("Which dates"),
        choices=[SelectChoice("one", _l("Only this date")), SelectChoice("series", _l("All pending dates of the series"))],
        default="one",
    )
    message = TextAreaField(
        _l("Message to the group (optional)"),
        validators=[Length(max=1000, message=_l("At most 1000 characters."))],
    )


class EmptyForm(FlaskForm):
    """A button's form: only the CSRF token."""


def _require_staff() -> None:
    if current_user.role not in ("staff", "admin"):
        abort(403, description=_("This page is for facility staff."))


def _queue(error: str | None = None, status: int = 200, failed_id: int | None = None, form: DecisionForm | None = None):
    now = datetime.now(timezone.utc)
    pending = [
        b
        for b in services.list_bookings(current_user, BookingQuery(status="pending", from_=now, limit=1000))
        if is_staff_of(current_user, b.space.facility_id)
    ]
    rows = [
        {"booking": b, "when": format_span(b.start_at, b.end_at, ZoneInfo(b.space.timezone)),
         "over_capacity": _over_capacity(b)} for b in pending
    ]
    return (
        render_template(
            "spaces/requests.html",
            rows=(pager := paginate(rows)).items,
            pager=pager,
            form=form or DecisionForm(formdata=None),
            error=error,
            failed_id=failed_id,
        ),
        status,
    )


def _over_capacity(b) -> str | None:
    """A request for more people than its space holds (made before capacity became a rule, or the
    space made smaller since), said as the rule says it: staff see it before they decide."""
    found = rules.capacity_problem(b.start_at, b.end_at, rules.SpaceRules(tz=ZoneInfo(b.space.timezone), capacity=b.space.capacity),
                                   b.attendees)
    return say(found.code, found.params) if found else None


@bp.route("/requests")
@login_required
def requests_queue():
    _require_staff()
    return _queue()


@bp.route("/requests/<int:booking_id>", methods=["POST"])
@login_required
def decide(booking_id: int):
    _require_staff()
    form = DecisionForm()
    if not form.validate_on_submit():
        return _queue(_("Choose approve or reject."), 422, booking_id, form)
    approve = form.decision.data == "approve"
    if not approve and not (form.message.data or "").strip() and request.form.get("confirm") != "yes":
        asked = _confirm_reject(booking_id, form)  # a rejection without a word to the group: asked first
        if asked is not None:
            return asked
    try:
        changed = services.decide(current_user, booking_id, approve, form.message.data or "", form.scope.data or "one")
    except ApiError as err:
        if err.status == 404:
            raise
        return _queue(err.said(), err.status, booking_id, form)
    first = changed[0]
    when = format_span(first.start_at, first.end_at, ZoneInfo(first.space.timezone))
    if approve:
        flash(ngettext("Approved %(num)d date from %(when)s: %(title)s.", "Approved %(num)d dates from %(when)s: %(title)s.",
                       len(changed), when=when, title=first.title))
    else:
        flash(ngettext("Rejected %(num)d date from %(when)s: %(title)s.", "Rejected %(num)d dates from %(when)s: %(title)s.",
                       len(changed), when=when, title=first.title))
    return redirect(url_for("staff.requests_queue"))


def _confirm_reject(booking_id: int, form: DecisionForm):
    """The page that asks before a request is rejected without a message (no JavaScript needed): reject
    anyway, add a message, or go back. None when there is nothing to ask (no longer pending: the
    decision's own refusal says so)."""
    booking = services.get_booking(current_user, booking_id)  # others' answer 404
    if not is_staff_of(current_user, booking.space.facility_id):
        abort(403, description=_("This page is for facility staff."))
    if booking.status != "pending":
        return None
    when = format_span(booking.start_at, booking.end_at, ZoneInfo(booking.space.timezone))
    return render_template("spaces/reject_confirm.html", booking=booking, when=when, form=form,
                           scope=form.scope.data if booking.series_id else "one")


# --- Dashboard ------------------------------------------------------------------------------------


def _week_of(day: date) -> str:
    return week_param(*day.isocalendar()[:2])


@bp.route("")
@login_required
def dashboard():
    _require_staff()
    now = datetime.now(timezone.utc)
    facilities = staff_services.managed_facilities(current_user)
    spaces = staff_services.managed_spaces(current_user)
    pending = staff_services.pending_counts(current_user, now)
    by_facility: dict[int, list] = {f.id: [] for f in facilities}
    for s in spaces:
        by_facility.setdefault(s.facility_id, []).append(s)
    today = datetime.now(site_tz()).date()
    return render_template(
        "spaces/staff_dashboard.html",
        facilities=facilities,
        by_facility=by_facility,
        pending=pending,
        pending_total=sum(pending.values()),
        this_week=_week_of(today),
        language_forms={f.id: language_form(f) for f in facilities},
    )


# --- Calendar across the staff's spaces ----------------------------------------------------------


@dataclass
class CalItem:
    kind: str  # booking, closed, free
    text: str  # the time, e.g. 18:00–20:00
    label: str  # what: status and title, or Closed: reason, or Free
    detail: str = ""
    status: str = ""
    status_code: str = ""


@dataclass
class CalRow:
    space: object
    cells: list[list[CalItem]] = dc_field(default_factory=list)


def _parse_date(text: str | None, today: date) -> date | None:
    if not text:
        return today
    try:
        d = date.fromisoformat(text.strip())
    except ValueError:
        return None
    return d if year_in_range(d.year) else None


def _clock(moment: datetime, tz: ZoneInfo, day: date) -> str:
    return format_clock(rules.local_minutes(moment, tz, day))


def _cell(cal: staff_services.SpaceCalendar, day: date) -> list[CalItem]:
    tz = ZoneInfo(cal.space.timezone)
    day_start, day_end = day_bounds(day, tz)
    items: list[tuple[datetime, int, CalItem]] = []

    def span(s, e):
        s, e = max(s, day_start), min(e, day_end)
        return (s, f"{_clock(s, tz, day)}–{_clock(e, tz, day)}") if s < e else (None, "")

    for b in cal.bookings:
        start, text = span(b.start_at, b.end_at)
        if start is None:
            continue
        if b.contact_name:  # booked at the counter: the person to call (this page is the facility's staff's)
            detail = _("At the counter: %(name)s, %(phone)s", name=b.contact_name, phone=b.contact_phone)
        else:
            detail = b.group.name + (" · " + _("booked by the staff") if b.on_behalf else "")
        items.append((start, 0, CalItem("booking", text, b.title, detail, str(STATUS_LABELS.get(b.status, b.status)), b.status)))
    for c in cal.closures:
        start, text = span(c.start_at, c.end_at)
        if c.start_at <= day_start and c.end_at >= day_end:
            text = _("All day")  # a whole day closed reads as the day, not "0.00–24.00"
        if start is not None:
            items.append((start, 1, CalItem("closed", text, _("Closed"), c.reason)))
    for f in cal.free:
        start, text = span(f.start, f.end)
        if start is not None:
            items.append((start, 2, CalItem("free", text, _("Free"))))
    items.sort(key=lambda x: (x[0], x[1]))
    return [i for _, _, i in items]


@bp.route("/calendar")
@login_required
def calendar():
    _require_staff()
    tz = site_tz()
    today = datetime.now(tz).date()
    status = 200
    error = None
    day = _parse_date(request.args.get("date"), today)
    if day is None:
        error = _("“%(date)s” is not a date; showing today. Dates look like 2027-01-05.", date=request.args.get("date", "")[:20])
        day, status = today, 422
    view = request.args.get("view", "week")
    if view not in ("day", "week"):
        view = "week"
    facilities = staff_services.managed_facilities(current_user)
    facility_id = request.args.get("facility", type=int)
    if facility_id is not None and facility_id not in {f.id for f in facilities}:
        facility_id = None
    spaces = staff_services.managed_spaces(current_user, facility_id)
    first = day - timedelta(days=day.weekday()) if view == "week" else day
    days = [first + timedelta(days=k) for k in range(7 if view == "week" else 1)]
    lo, hi = day_bounds(days[0], tz)[0], day_bounds(days[-1], tz)[1]
    cals = staff_services.calendar(spaces, lo, hi)
    rows = [CalRow(c.space, [_cell(c, d) for d in days]) for c in cals]
    step = timedelta(days=7 if view == "week" else 1)
    if view == "week":
        heading = _("Week %(week)d: %(start)s – %(end)s", week=first.isocalendar()[1],
                    start=format_day(days[0], "day_month"), end=format_day(days[-1], "date"))
    else:
        heading = format_day(day, "weekday_full")
    return (
        render_template(
            "spaces/staff_calendar.html",
            rows=rows,
            days=[(d, format_day(d, "weekday_date")) for d in days],
            heading=heading,
            view=view,
            day=day,
            prev_date=(day - step).isoformat(),
            next_date=(day + step).isoformat(),
            today=today.isoformat(),
            is_today=(today in days),
            facilities=facilities,
            facility_id=facility_id,
            error=error,
            week_param=_week_of(first),
        ),
        status,
    )


# --- Creating and editing spaces -----------------------------------------------------------------

_SPACE_FIELDS = {"name", "description", "capacity", "accessibility", "equipment", "facility_id", "part_of"}


def _space_errors(form: SpaceForm, locs: list[tuple[tuple, str]]) -> str | None:
    """Schema or service errors next to the form's fields; what has no field comes back as text."""
    general = []
    for loc, msg in locs:
        msg = msg[:1].upper() + msg[1:] + ("" if msg.endswith(".") else ".")
        target = None
        if loc and loc[0] in _SPACE_FIELDS:
            target = form.facility if loc[0] == "facility_id" else getattr(form, loc[0])
        elif loc and loc[0] == "rules":
            target = getattr(form, loc[1], None) if len(loc) > 1 else form.max_minutes
        if target is None:
            general.append(msg)
        else:
            target.errors = list(target.errors) + [msg]
    return " ".join(general) or None


def _schema_locs(exc: ValidationError) -> list[tuple[tuple, str]]:
    """Each refused field of a schema with its refusal in the page's language."""
    return [(tuple(e["loc"]), said_of(e).text()) for e in exc.errors()]


def _service_locs(err: ApiError) -> list[tuple[tuple, str]]:
    """Each field a service refused with its refusal in the page's language (else the refusal as a whole)."""
    if not err.fields:
        return [((), err.said())]
    return [(tuple(k.split(".")), err.field_text(k)) for k in err.fields]


def _space_of_mine(space_id: int):
    space = services.get_space(space_id)
    if not is_staff_of(current_user, space.facility_id):
        abort(403, description=_("Only the facility's staff can manage this space."))
    return space


def _save_space(form, save):
    """Run `save` (builds the schema from the form and calls the service). Returns (space, None, 200),
    or (None, a general message or None, 4xx status) with each refusal put back next to its field;
    an unknown space is a 404 page."""
    try:
        return save(), None, 200
    except ValidationError as exc:
        return None, _space_errors(form, _schema_locs(exc)), 422
    except ApiError as err:
        if err.status == 404:
            raise
        return None, _space_errors(form, _service_locs(err)), err.status


@bp.route("/spaces/new", methods=["GET", "POST"])
@login_required
def space_new():
    _require_staff()
    facilities = staff_services.managed_facilities(current_user)
    form = SpaceForm(facilities=facilities, spaces=staff_services.managed_spaces(current_user))
    error = None
    status = 200
    if request.method == "GET":
        for d in range(5):  # a sensible start: weekdays 08–21, weekends closed
            opens, closes, _closed = form.day(d)
            opens.data, closes.data = time(8), time(21)
        for d in (5, 6):
            form.day(d)[2].data = True
    elif form.validate_on_submit():
        def save():
            data = SpaceIn(
                facility_id=form.facility.data,
                name=form.name.data,
                description=form.description.data or "",
                capacity=form.capacity.data,
                opening_hours=form.opening_hours(),
                rules=form.rules(),
                accessibility=form.accessibility.data or [],
                equipment=form.equipment_list(),
                part_of=form.part_of_id(),
            )
            return services.create_space(current_user, data)

        space, error, status = _save_space(form, save)
        if status == 200:
            flash(_("Space created: %(name)s.", name=space.name))
            return redirect(url_for("staff.dashboard"))
    else:
        status = 422
    return render_template("spaces/staff_space_form.html", form=form, space=None, error=error,
                           no_facilities=not facilities), status


@bp.route("/spaces/<int:space_id>/edit", methods=["GET", "POST"])
@login_required
def space_edit(space_id: int):
    _require_staff()
    space = _space_of_mine(space_id)
    others = [s for s in staff_services.managed_spaces(current_user, space.facility_id) if s.id != space.id]
    form = SpaceForm(facilities=[space.facility], spaces=others)
    del form.facility  # a space stays in its facility
    error = None
    status = 200
    if request.method == "GET":
        form.load(space)
    elif form.validate_on_submit():
        hours = form.opening_hours()

        def save():
            rules_data = form.rules()
            if rules_data["weekly_quota_minutes"] is None:
                rules_data["weekly_quota_minutes"] = 0  # 0 removes the quota
            patch = SpacePatch(
                name=form.name.data,
                description=form.description.data or "",
                capacity=form.capacity.data,
                rules=rules_data,
                accessibility=form.accessibility.data or [],
                equipment=form.equipment_list(),
                # unchanged hours are not sent, so a day with two spans keeps them
                opening_hours=hours if hours != single_span_hours(space) else None,
                part_of=form.part_of_id(),
            )
            return services.update_space(current_user, space.id, patch)

        _saved, error, status = _save_space(form, save)
        if status == 200:
            flash(_("Saved: %(name)s.", name=form.name.data))
            return redirect(url_for("staff.space_edit", space_id=space_id))
    else:
        status = 422
    split_days = sorted({oh.weekday for oh in space.opening_hours if sum(1 for o in space.opening_hours if o.weekday == oh.weekday) > 1})
    return render_template("spaces/staff_space_form.html", form=form, space=space, error=error,
                           no_facilities=False, split_days=split_days), status


# --- Closures ------------------------------------------------------------------------------------


def _hit_rows(closure_ids: list[int], space_ids: set[int]) -> tuple[list[int], list[dict]]:
    """The closures asked for (of these spaces only) and the bookings they fall on that can still be
    cancelled, as the warning lists them (each with its day in the staff calendar)."""
    closures = [c for c in services.closures_by_ids(current_user, closure_ids) if c.space_id in space_ids] if closure_ids else []
    hit = services.bookings_by_ids(services.hit_bookings(closures, datetime.now(timezone.utc))) if closures else []
    rows = []
    for b in hit:
        tz = ZoneInfo(b.space.timezone)
        rows.append({"booking": b, "when": format_span(b.start_at, b.end_at, tz),
                     "status": STATUS_LABELS.get(b.status, b.status),
                     "day_link": url_for("staff.calendar", view="day", date=b.start_at.astimezone(tz).date().isoformat(),
                                         facility=b.space.facility_id)})
    return [c.id for c in closures], rows


def _closure_ids() -> list[int]:
    return [i for i in request.args.getlist("closure", type=int) if i > 0][:500]


def _closures_page(space, form: ClosureForm, error: str | None = None, status: int = 200):
    now = datetime.now(timezone.utc)
    tz = ZoneInfo(space.timezone)
    closures = [
        {"closure": c, "when": format_closure(c.start_at, c.end_at, tz)} for c in staff_services.upcoming_closures(space.id, now)
    ]
    hit_closures, hits = _hit_rows(_closure_ids(), {space.id})
    return (
        render_template("spaces/staff_closures.html", space=space, form=form, closures=closures, error=error,
                        delete_form=EmptyForm(formdata=None), hits=hits, hit_closures=hit_closures,
                        back=url_for("staff.closures", space_id=space.id)),
        status,
    )


@bp.route("/spaces/<int:space_id>/closures", methods=["GET", "POST"])
@login_required
def closures(space_id: int):
    _require_staff()
    space = _space_of_mine(space_id)
    form = ClosureForm()
    if request.method == "GET":
        return _closures_page(space, ClosureForm(formdata=None))
    if not form.validate_on_submit():
        return _closures_page(space, form, status=422)
    start, end = form.span()
    try:
        closure, affected = services.add_closure(current_user, space.id, start, end, form.reason.data)
    except ApiError as err:
        if err.status == 404:
            raise
        put_back(form, err, {"start": "first_day", "end": "end" if form.end.data else "last_day"})
        return _closures_page(space, form, err.said(), err.status)
    tz = ZoneInfo(space.timezone)
    flash(_("Closed %(when)s: %(reason)s.", when=format_closure(closure.start_at, closure.end_at, tz), reason=closure.reason))
    if affected:  # the warning on the page lists them, with the choice to cancel them
        return redirect(url_for("staff.closures", space_id=space.id, closure=closure.id) + "#hits-title")
    return redirect(url_for("staff.closures", space_id=space.id))


@bp.route("/spaces/<int:space_id>/closures/<int:closure_id>/delete", methods=["GET", "POST"])
@login_required
def closure_delete(space_id: int, closure_id: int):
    """GET: the question (works without JavaScript); POST: remove it."""
    _require_staff()
    space = _space_of_mine(space_id)
    if request.method == "GET":
        closure = next((c for c in services.list_closures(space.id) if c.id == closure_id), None)
        if closure is None:
            abort(404)
        return render_template("spaces/staff_closure_delete.html", space=space, closure=closure,
                               when=format_closure(closure.start_at, closure.end_at, ZoneInfo(space.timezone)),
                               form=EmptyForm(formdata=None))
    if not EmptyForm().validate_on_submit():
        abort(400)
    services.delete_closure(current_user, space.id, closure_id)
    flash(_("The closure was removed."))
    return redirect(url_for("staff.closures", space_id=space.id))


class CancelClosedForm(FlaskForm):
    """The bookings a closure falls on, chosen to be cancelled (the ids are checked by the service)."""


def _int_list(name: str) -> list[int]:
    return [int(v) for v in request.form.getlist(name) if v.isdigit()][:500]


@bp.route("/closures/cancel", methods=["POST"])
@login_required
def closure_cancel():
    """Cancel the chosen bookings a closure falls on: first the confirmation (what will be cancelled
    and who is told), then, with `confirm`, the cancellation in one transaction."""
    _require_staff()
    if not CancelClosedForm().validate_on_submit():
        abort(400)
    closure_ids, booking_ids = _int_list("closure"), _int_list("booking")
    if not closure_ids:
        abort(400)
    closures = services.closures_by_ids(current_user, closure_ids)
    spaces = {c.space_id for c in closures}
    facility_id = request.form.get("facility", type=int)
    back = (url_for("staff.facility_closures", facility_id=facility_id, closure=closure_ids) if facility_id
            else url_for("staff.closures", space_id=closures[0].space_id, closure=closure_ids))
    if not booking_ids:
        flash(_("Choose at least one booking to cancel."))
        return redirect(back + "#hits-title")
    _ids, hits = _hit_rows(closure_ids, spaces)
    chosen = [h for h in hits if h["booking"].id in booking_ids]
    if request.form.get("confirm") != "yes":
        return render_template("spaces/staff_closure_cancel.html", rows=chosen, closures=closures,
                               form=CancelClosedForm(formdata=None), facility_id=facility_id, back=back)
    try:
        cancelled = services.cancel_closed_bookings(current_user, closure_ids, booking_ids)
    except ApiError as err:
        if err.status == 404:
            raise
        flash(err.said())
        return redirect(back + "#hits-title")
    flash(ngettext("Cancelled %(num)d booking. The group was told by e-mail, with the reason for the closure.",
                   "Cancelled %(num)d bookings. The groups were told by e-mail, with the reason for the closure.", len(cancelled)))
    return redirect(back.split("?")[0] if not facility_id else url_for("staff.facility_closures", facility_id=facility_id))


# --- A whole facility: closures (a holiday) and its noticeboard language --------------------------


def _facility_of_mine(facility_id: int):
    facility = next((f for f in staff_services.managed_facilities(current_user) if f.id == facility_id), None)
    if facility is None:
        if facility_id not in {f.id for f in cservices.list_facilities()}:
            abort(404)
        abort(403, description=_("Only the facility's staff can manage this facility."))
    return facility


def _facility_closures_page(facility, form: ClosureForm, error: str | None = None, status: int = 200):
    now = datetime.now(timezone.utc)
    spaces = staff_services.managed_spaces(current_user, facility.id)
    upcoming = []
    for space in spaces:
        tz = ZoneInfo(space.timezone)
        upcoming += [{"space": space, "closure": c, "when": format_closure(c.start_at, c.end_at, tz)}
                     for c in staff_services.upcoming_closures(space.id, now)]
    upcoming.sort(key=lambda r: (r["closure"].start_at, r["space"].name))
    hit_closures, hits = _hit_rows(_closure_ids(), {s.id for s in spaces})
    return (
        render_template("spaces/staff_facility_closures.html", facility=facility, spaces=spaces, form=form, error=error,
                        upcoming=upcoming, hits=hits, hit_closures=hit_closures,
                        back=url_for("staff.facility_closures", facility_id=facility.id)),
        status,
    )


@bp.route("/facilities/<int:facility_id>/closures", methods=["GET", "POST"])
@login_required
def facility_closures(facility_id: int):
    """Close every space of the facility at once (a holiday)."""
    _require_staff()
    facility = _facility_of_mine(facility_id)
    if request.method == "GET":
        return _facility_closures_page(facility, ClosureForm(formdata=None))
    form = ClosureForm()
    if not form.validate_on_submit():
        return _facility_closures_page(facility, form, status=422)
    start, end = form.span()
    try:
        made, affected = services.add_facility_closure(current_user, facility.id, start, end, form.reason.data)
    except ApiError as err:
        if err.status == 404:
            raise
        put_back(form, err, {"start": "first_day", "end": "end" if form.end.data else "last_day"})
        return _facility_closures_page(facility, form, err.said(), err.status)
    first = made[0]
    flash(ngettext("Closed %(num)d space %(when)s: %(reason)s.", "Closed %(num)d spaces %(when)s: %(reason)s.", len(made),
                   when=format_closure(first.start_at, first.end_at, site_tz()), reason=first.reason))
    if affected:
        return redirect(url_for("staff.facility_closures", facility_id=facility.id, closure=[c.id for c in made]) + "#hits-title")
    return redirect(url_for("staff.facility_closures", facility_id=facility.id))


class LanguageForm(FlaskForm):
    language = SelectField(_l("Language of the noticeboard"), choices=[], validators=[InputRequired()],
                           description=_l("The printed week is printed in this language unless you choose another on the print page."))


def language_form(facility) -> LanguageForm:
    form = LanguageForm(formdata=None, language=facility.default_language)
    form.language.choices = list(LANGUAGE_NAMES.items())
    return form


@bp.route("/facilities/<int:facility_id>/language", methods=["POST"])
@login_required
def facility_language(facility_id: int):
    """The facility's default language (its noticeboard's: the printed week's)."""
    _require_staff()
    facility = _facility_of_mine(facility_id)
    form = LanguageForm()
    form.language.choices = list(LANGUAGE_NAMES.items())
    if not form.validate_on_submit():
        abort(400)
    cservices.set_default_language(current_user, facility.id, form.language.data, tuple(LANGUAGE_NAMES))
    flash(_("The noticeboard language of %(facility)s is now %(language)s.", facility=facility.name,
            language=LANGUAGE_NAMES[form.language.data]))
    return redirect(url_for("staff.dashboard") + f"#facility-{facility.id}")


for _rule, _endpoint, _view, _methods in counter_views.ROUTES:  # booking for a person at the counter
    bp.add_url_rule(_rule, _endpoint, login_required(_view), methods=_methods)
