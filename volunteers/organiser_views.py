"""The organisers' pages (HTML): creating and editing an activity and its shifts, a shift's ranked
candidates with an Invite button, its sign-ups and waitlist with attendance, taking someone off a
shift, and the fill plan. Organisers are the representatives of the activity's verified group and
the staff of its facility (volunteers.services.can_organise). The volunteers' pages are
volunteers.volunteer_views (the same blueprint, volunteers.pages.bp).

Thin: a form, a call to volunteers.services, a page; no queries of their own.
"""
from __future__ import annotations

from datetime import datetime, time, timedelta, timezone
from decimal import Decimal

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, ngettext
from flask_login import current_user, login_required
from wtforms import SelectChoice

from commons import districts
from commons.errors import ApiError, Forbidden
from commons.forms import put_back
from commons.i18n import format_span, page_language
from commons.pagination import paginate
from commons.ratelimits import invite_per_organiser
from commons.timezone import site_tz
from volunteers import services
from volunteers.ratelimits import invite_per_fill_plan
from volunteers.forms import (ActivityForm, AttendanceForm, ButtonForm, CounterSignupForm, FillPlanApplyForm, InviteForm, ShiftForm,
                              organiser_value)
from volunteers.pages import (ORGANISER_STATUS_LABELS, back_to, bp, district_choices, hours_text, reason_rows, reason_text,
                              score_words, shift_row, shift_when)


def _organised_activity(activity_id: int):
    activity = services.get_activity(activity_id)
    if not services.can_organise(current_user._get_current_object(), activity):
        raise Forbidden(reason="organisers_only_page")
    return activity


def _organised_shift(shift_id: int):
    view = services.get_shift_view(shift_id)
    if not services.can_organise(current_user._get_current_object(), view.activity):
        raise Forbidden(reason="organisers_only_page")
    return view


def _activity_form_choices(form: ActivityForm, user, fixed=None) -> None:
    groups, facilities = services.organisable_groups_and_facilities(user)
    organisers = [(organiser_value("group", g.id), g.name) for g in groups]
    organisers += [(organiser_value("facility", f.id), f.name) for f in facilities]
    if fixed is not None:
        organisers = [o for o in organisers if o[0] == fixed] or [(fixed, "")]
    bookings = []
    for g in groups:
        for b in services.bookings_for_activity(user, g.id):
            label = f"{b.title} · {format_span(b.start_at, b.end_at, site_tz())} · {b.space.name}"
            if len(groups) > 1:
                label = f"{g.name}: {label}"
            bookings.append((str(b.id), label))
    form.set_choices(organisers, bookings, district_choices())


@bp.route("/activities/new", methods=["GET", "POST"])
@login_required
def new_activity():
    user = current_user._get_current_object()
    groups, facilities = services.organisable_groups_and_facilities(user)
    if not groups and not facilities:
        raise Forbidden(reason="organising_verified_only")
    form = ActivityForm() if request.method == "POST" else ActivityForm(formdata=None)
    _activity_form_choices(form, user)
    if request.method == "GET":
        group_id = request.args.get("group", type=int)
        if group_id and any(g.id == group_id for g in groups):
            form.organiser.data = organiser_value("group", group_id)
    if form.validate_on_submit():
        kind, ident = form.organiser_parts()
        data = {
            f"{kind}_id": ident,
            "title": form.title.data,
            "description": form.description.data or "",
            "district": form.district.data or None,
            "place": form.place.data or "",
            "booking_id": int(form.booking.data) if form.booking.data else None,
            "withdraw_hours_before": form.withdraw_hours_before.data,
        }
        try:
            activity = services.create_activity(user, data)
        except ApiError as err:
            if err.status == 401:
                raise
            if not put_back(form, err, {"booking_id": "booking", "group_id": "organiser", "facility_id": "organiser"}):
                form.title.errors = [*form.title.errors, err.said()]
        else:
            flash(_("The activity %(title)s is created. Now add its shifts.", title=activity.title))
            return redirect(url_for("volunteers.new_shift", activity_id=activity.id))
    return render_template("volunteers/activity_form.html", form=form, activity=None), (422 if form.errors else 200)


@bp.route("/activities/<int:activity_id>/edit", methods=["GET", "POST"])
@login_required
def edit_activity(activity_id: int):
    activity = _organised_activity(activity_id)
    user = current_user._get_current_object()
    fixed = organiser_value("group", activity.group_id) if activity.group_id else organiser_value("facility", activity.facility_id)
    if request.method == "POST":
        form = ActivityForm()
    else:
        form = ActivityForm(formdata=None, obj=activity)
        form.booking.data = str(activity.booking_id) if activity.booking_id else ""
        form.district.data = districts.finnish(activity.district)
    _activity_form_choices(form, user, fixed=fixed)
    form.organiser.data = fixed
    # the linked booking stays as it is (it may be past or another's): shown, not changed here
    form.booking.choices = [c for c in form.booking.choices if c.value in ("", str(activity.booking_id or ""))] or form.booking.choices
    if activity.booking_id and not any(c.value == str(activity.booking_id) for c in form.booking.choices):
        form.booking.choices.append(SelectChoice(str(activity.booking_id), _("The linked booking")))
    if activity.district and districts.finnish(activity.district) not in [c.value for c in form.district.choices]:
        form.district.choices.append(SelectChoice(districts.finnish(activity.district), districts.display(activity.district, page_language())))
    form.booking.data = str(activity.booking_id) if activity.booking_id else ""
    if form.validate_on_submit():
        data = {"title": form.title.data, "description": form.description.data or "", "place": form.place.data or "",
                "withdraw_hours_before": form.withdraw_hours_before.data}
        if form.district.data and not activity.booking_id and not districts.same(form.district.data, activity.district):
            data["district"] = form.district.data
        try:
            services.update_activity(user, activity.id, data)
        except ApiError as err:
            if err.status in (401, 403, 404):
                raise
            if not put_back(form, err):
                form.title.errors = [*form.title.errors, err.said()]
        else:
            flash(_("The activity is saved."))
            return redirect(url_for("volunteers.manage_activity", activity_id=activity.id))
    return render_template("volunteers/activity_form.html", form=form, activity=activity), (422 if form.errors else 200)


@bp.route("/activities/<int:activity_id>/manage")
@login_required
def manage_activity(activity_id: int):
    activity = _organised_activity(activity_id)
    rows = [shift_row(v) for v in services.activity_shift_views(activity.id, include_cancelled=True)]
    return render_template("volunteers/manage.html", activity=activity, rows=rows, button=ButtonForm(formdata=None))


def _booking_when(activity) -> str | None:
    """The linked booking's time as the page shows times ("la 5.12.2026 12.00–15.00"), so that the
    organiser knows which time the shift must lie within; None without a booking."""
    booking = services.linked_booking(activity)
    return format_span(booking.start_at, booking.end_at, site_tz()) if booking is not None else None


def _shift_data(form: ShiftForm) -> dict:
    day = form.date.data
    start = datetime.combine(day, form.start.data).replace(tzinfo=site_tz())
    end_minute = form.end_minute()
    end = datetime.combine(day + timedelta(days=end_minute // 1440), time(end_minute % 1440 // 60, end_minute % 60)).replace(tzinfo=site_tz())
    return {
        "start": start.isoformat(),
        "end": end.isoformat(),
        "needed": form.needed.data,
        "skills": form.skills.data or [],
        "languages": form.languages.data or [],
        "min_age": form.min_age.data,
        "requires": form.requires.data or [],
    }


def _put_back_shift(form: ShiftForm, err: ApiError) -> None:
    """A refused shift next to its fields: the day (a shift with a minimum age and people on it
    keeps its day) on the date, other refusals of the start on the start time."""
    names = {"start": "date"} if err.reason == "age_rule_fixed" else {}
    if not put_back(form, err, names):
        form.start.errors = [*form.start.errors, err.said()]


@bp.route("/activities/<int:activity_id>/shifts/new", methods=["GET", "POST"])
@login_required
def new_shift(activity_id: int):
    activity = _organised_activity(activity_id)
    if request.method == "POST":
        form = ShiftForm(locale=page_language())
    else:
        form = ShiftForm(formdata=None, locale=page_language())
        booking = services.linked_booking(activity)
        if booking is not None:
            s, e = booking.start_at.astimezone(site_tz()), booking.end_at.astimezone(site_tz())
            form.date.data, form.start.data, form.end.data = s.date(), s.time(), e.time()
    if form.validate_on_submit():
        try:
            shift = services.create_shift(current_user._get_current_object(), activity.id, _shift_data(form))
        except ApiError as err:
            if err.status in (401, 403, 404):
                raise
            _put_back_shift(form, err)
        else:
            flash(_("The shift %(when)s is added. Here are the volunteers who fit it best.", when=shift_when(shift)))
            return redirect(url_for("volunteers.candidates", shift_id=shift.id))
    return render_template("volunteers/shift_form.html", form=form, activity=activity, shift=None,
                           booking_when=_booking_when(activity)), (422 if form.errors else 200)


@bp.route("/shifts/<int:shift_id>/edit", methods=["GET", "POST"])
@login_required
def edit_shift(shift_id: int):
    view = _organised_shift(shift_id)
    shift = view.shift
    if request.method == "POST":
        form = ShiftForm(locale=page_language(), held_languages=shift.languages or [])
    else:
        s, e = shift.start_at.astimezone(site_tz()), shift.end_at.astimezone(site_tz())
        form = ShiftForm(formdata=None, locale=page_language(), held_languages=shift.languages or [],
                         data={"date": s.date(), "start": s.time(), "end": e.time(), "needed": shift.needed,
                               "skills": list(shift.skills or []), "languages": list(shift.languages or []), "min_age": shift.min_age,
                               "requires": list(shift.requires or [])})
    if form.validate_on_submit():
        try:
            services.update_shift(current_user._get_current_object(), shift.id, _shift_data(form))
        except ApiError as err:
            if err.status in (401, 403, 404):
                raise
            _put_back_shift(form, err)
        else:
            flash(_("The shift is saved. Volunteers with a place are told of any change of time."))
            return redirect(url_for("volunteers.manage_activity", activity_id=view.activity.id))
    return render_template("volunteers/shift_form.html", form=form, activity=view.activity, shift=shift, when=shift_when(shift),
                           booking_when=_booking_when(view.activity)), (
        422 if form.errors else 200)


@bp.route("/shifts/<int:shift_id>/cancel", methods=["GET", "POST"])
@login_required
def cancel_shift(shift_id: int):
    view = _organised_shift(shift_id)
    form = ButtonForm()
    if request.method == "POST" and form.validate_on_submit():
        try:
            services.cancel_shift(current_user._get_current_object(), shift_id)
        except ApiError as err:
            if err.status in (401, 403, 404):
                raise
            flash(err.said())
        else:
            flash(_("The shift %(when)s is cancelled. Everyone signed up or waiting is told.", when=shift_when(view.shift)))
        return redirect(url_for("volunteers.manage_activity", activity_id=view.activity.id))
    return render_template("volunteers/cancel_shift.html", view=view, when=shift_when(view.shift), form=ButtonForm(formdata=None))


CANDIDATES_SHOWN = 500  # the best ones, 50 a page
BLOCKED_SHOWN = 50  # those who would fit but for a credential (one list, not paged)


@bp.route("/shifts/<int:shift_id>/candidates")
@login_required
def candidates(shift_id: int):
    view = _organised_shift(shift_id)
    found = services.candidates_for(current_user._get_current_object(), shift_id, limit=CANDIDATES_SHOWN)
    rows = []
    for candidate, match in found:
        rows.append({
            "candidate": candidate,
            "score": score_words(match.score),
            "status": str(ORGANISER_STATUS_LABELS.get(candidate.signup_status, "")) if candidate.signup_status else "",
            **reason_rows(match, "organiser"),
        })
    pager = paginate(rows)
    # Who would fit but for a credential the shift requires: apart, not invitable, only the kind and why.
    blocked = [{"candidate": c, "reasons": [reason_text(r, "organiser") for r in reasons]}
               for c, reasons in services.blocked_candidates_for(current_user._get_current_object(), shift_id,
                                                                 limit=BLOCKED_SHOWN)]
    return render_template(
        "volunteers/candidates.html",
        view=view,
        row=shift_row(view),
        rows=pager.items,
        pager=pager,
        blocked=blocked,
        form=InviteForm(formdata=None),
    )


@bp.route("/shifts/<int:shift_id>/invite", methods=["POST"])
@login_required
@invite_per_organiser
def invite(shift_id: int):
    _organised_shift(shift_id)
    form = InviteForm()
    if not form.validate_on_submit() or not (form.volunteer_id.data or "").isdigit() or len(form.volunteer_id.data) > 9:
        abort(400)
    try:
        services.invite(current_user._get_current_object(), shift_id, int(form.volunteer_id.data))
    except ApiError as err:
        if err.status in (401, 403):
            raise
        flash(err.said())
    else:
        flash(_("The invitation is sent. The volunteer gets a place when they accept it."))
    return redirect(url_for("volunteers.candidates", shift_id=shift_id))


def _signup_rows(shift_id: int) -> list[dict]:
    rows = []
    for sv in services.shift_signups(current_user._get_current_object(), shift_id):
        s = sv.signup
        rows.append({
            "sv": sv,
            # An erased account keeps its sign-up (its hours still count) without the person: say so
            # rather than an empty name cell and an empty attendance legend.
            "name": sv.name or (_("Erased person") if sv.without_account else _("Erased account")),
            "without_account": sv.without_account,
            "late": s.late_withdrawal_at is not None,
            "status": s.status,
            "status_label": str(ORGANISER_STATUS_LABELS.get(s.status, s.status)),
            "position": sv.waitlist_position,
            "contact": sv.shared_contact if s.status == "confirmed" else None,
            "attended": s.attended,
            "hours": hours_text(s.minutes_worked) if s.minutes_worked is not None else "",
        })
    return rows


def _signups_page(view, form: AttendanceForm | None = None, status: int = 200, counter: CounterSignupForm | None = None):
    rows = _signup_rows(view.shift.id)
    started = view.shift.start_at <= datetime.now(timezone.utc)
    confirmed = [r for r in rows if r["status"] == "confirmed"]
    if form is None:
        form = AttendanceForm(formdata=None)
        for r in confirmed:
            att = r["attended"]
            form.rows.append_entry({
                "signup_id": str(r["sv"].signup.id),
                "attended": "" if att is None else ("yes" if att else "no"),
                "hours": Decimal(f"{r['sv'].signup.minutes_worked / 60:g}") if r["sv"].signup.minutes_worked is not None else None,
            })
    by_id = {str(r["sv"].signup.id): r for r in confirmed}
    attendance = [(entry, by_id.get(entry.form.signup_id.data)) for entry in form.rows]
    return render_template(
        "volunteers/signups.html",
        view=view,
        row=shift_row(view),
        rows=rows,
        started=started,
        form=form,
        attendance=[(e, r) for e, r in attendance if r is not None],
        button=ButtonForm(formdata=None),
        counter=counter or CounterSignupForm(formdata=None),
        can_erase=services.can_record_credentials(current_user._get_current_object()),
    ), status


@bp.route("/shifts/<int:shift_id>/signups")
@login_required
def signups(shift_id: int):
    return _signups_page(_organised_shift(shift_id))


@bp.route("/shifts/<int:shift_id>/counter-signup", methods=["POST"])
@login_required
def counter_signup(shift_id: int):
    """An organiser signs up a person without an account (at the counter or by phone)."""
    view = _organised_shift(shift_id)
    form = CounterSignupForm()
    if not form.validate_on_submit():
        return _signups_page(view, status=422, counter=form)
    try:
        services.counter_signup(current_user._get_current_object(), shift_id, {"name": form.name.data, "phone": form.phone.data or ""})
    except ApiError as err:
        if err.status in (401, 403, 404):
            raise
        form.name.errors = [*form.name.errors, err.said()]
        return _signups_page(view, status=422, counter=form)
    flash(_("%(name)s has a place on this shift.", name=form.name.data))
    return redirect(url_for("volunteers.signups", shift_id=shift_id))


@bp.route("/signups/<int:signup_id>/erase", methods=["POST"])
@login_required
def erase_guest(signup_id: int):
    """Staff erase a person without an account (name and phone); the place and hours stay."""
    if not ButtonForm().validate_on_submit():
        abort(400)
    su = services.erase_guest(current_user._get_current_object(), signup_id)
    flash(_("The person's name and phone are erased."))
    return redirect(back_to(url_for("volunteers.signups", shift_id=su.shift_id)))


@bp.route("/shifts/<int:shift_id>/attendance", methods=["POST"])
@login_required
def attendance(shift_id: int):
    view = _organised_shift(shift_id)
    form = AttendanceForm()
    if not form.validate_on_submit():
        return _signups_page(view, form, 422)
    mine = {str(r["sv"].signup.id) for r in _signup_rows(shift_id) if r["status"] == "confirmed"}
    saved = 0
    failed = False
    for entry in form.rows:
        sid, choice = entry.form.signup_id.data, entry.form.attended.data
        if sid not in mine or not choice:
            continue
        minutes = int(entry.form.hours.data * 60) if entry.form.hours.data is not None else None
        try:
            services.record_attendance(current_user._get_current_object(), int(sid), choice == "yes", minutes)
        except ApiError as err:
            if err.status in (401, 403):
                raise
            entry.form.attended.errors = [*entry.form.attended.errors, err.said()]
            failed = True
        else:
            saved += 1
    if failed:
        return _signups_page(view, form, 422)
    flash(ngettext("Attendance saved for %(num)d person.", "Attendance saved for %(num)d people.", saved))
    return redirect(url_for("volunteers.signups", shift_id=shift_id))


@bp.route("/signups/<int:signup_id>/remove", methods=["POST"])
@login_required
def remove_signup(signup_id: int):
    form = ButtonForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        s = services.remove_signup(current_user._get_current_object(), signup_id)
    except ApiError as err:
        if err.status in (401, 403, 404):
            raise
        flash(err.said())
        return redirect(back_to(url_for("volunteers.home")))
    flash(_("The volunteer is taken off the shift. The next in line, if any, got the place."))
    return redirect(url_for("volunteers.signups", shift_id=s.shift_id))


@bp.route("/activities/<int:activity_id>/fill-plan", methods=["GET", "POST"])
@login_required
@invite_per_fill_plan
def fill_plan(activity_id: int):
    activity = _organised_activity(activity_id)
    user = current_user._get_current_object()
    result = None
    if request.method == "POST":
        form = FillPlanApplyForm()
        if form.validate_on_submit():
            pairs = form.pairs()
            result = services.apply_fill_plan(user, pairs)
            shift_views = {v.shift.id: v for v in services.activity_shift_views(activity.id)}
            if result.applied:
                flash(ngettext("%(num)d invitation sent. A volunteer has a place once they accept it.",
                               "%(num)d invitations sent. A volunteer has a place once they accept it.", len(result.applied)))
            if not result.refused:
                return redirect(url_for("volunteers.manage_activity", activity_id=activity.id))
            refused = [{"when": shift_when(shift_views[r.shift_id].shift) if r.shift_id in shift_views else "",
                        "name": "", "reason": r.said.text()}
                       for r in result.refused]
            return render_template("volunteers/fill_plan.html", activity=activity, rows=[], refused=refused,
                                   form=FillPlanApplyForm(formdata=None), unfilled=[], optimal=True), 409
        abort(400)
    plan, names, matches = services.propose_fill_plan(user, {"activity_id": activity.id})
    shift_views = {v.shift.id: v for v in services.activity_shift_views(activity.id)}
    rows = []
    for shift_id, volunteer_id in plan.assignments:
        match = matches.get((shift_id, volunteer_id))
        v = shift_views.get(shift_id)
        rows.append({
            "when": shift_when(v.shift) if v else "",
            "name": names.get(volunteer_id, ""),
            "score": score_words(match.score) if match else "",
            **(reason_rows(match, "organiser") if match else {"met": [], "missed": []}),
        })
    unfilled = [{"when": shift_when(shift_views[s].shift), "places": n} for s, n in plan.unfilled.items() if n and s in shift_views]
    form = FillPlanApplyForm(formdata=None)
    form.assignments.data = ",".join(f"{s}:{v}" for s, v in plan.assignments)
    return render_template("volunteers/fill_plan.html", activity=activity, rows=rows, refused=[], form=form,
                           unfilled=unfilled, optimal=plan.optimal)
