"""Volunteering pages (HTML): the volunteer's home with recommended shifts and their reasons, the
profile, my shifts; the public list of activities needing volunteers and an activity's page; and the
organisers' pages (an activity and its shifts, ranked candidates with an Invite button, sign-ups and
the waitlist with attendance, the fill plan).

Thin: a form, a call to volunteers.services, a page. Public pages show counts, never names. The
services' refusals (English, as the API gives them) are put back in the page's language by their
code (`refusal_text`).
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l, ngettext
from flask_login import current_user, login_required

from commons.pagination import paginate
from commons.errors import ApiError, Forbidden
from commons.i18n import format_day, format_span, page_language
from commons.ratelimits import invite_per_organiser
from commons.urls import safe_next as _safe_next
from spaces import services as space_services
from volunteers import rules, services
from volunteers.forms import (
    ActivityForm,
    AttendanceForm,
    ButtonForm,
    FillPlanApplyForm,
    InviteForm,
    ProfileForm,
    ShiftForm,
    language_name,
    organiser_value,
    skill_name,
)

bp = Blueprint("volunteers", __name__)

STATUS_LABELS = {
    "invited": _l("Invited"),
    "confirmed": _l("You have a place"),
    "waitlisted": _l("On the waitlist"),
    "withdrawn": _l("Withdrawn"),
    "removed": _l("Taken off by the organiser"),
    "cancelled": _l("Cancelled"),
}
# The same statuses as the organiser reads them (about someone else).
ORGANISER_STATUS_LABELS = {
    "invited": _l("Invited, not answered yet"),
    "confirmed": _l("Confirmed"),
    "waitlisted": _l("On the waitlist"),
    "withdrawn": _l("Withdrew"),
    "removed": _l("Taken off"),
    "cancelled": _l("Shift cancelled"),
}

# Why a sign-up, an invitation or a shift was refused, by the services' reason code.
REFUSALS = {
    "overlap": _l("You already have a shift at that time."),
    "over_hours": _l("This shift would take you past the hours a week you said you can give. You can change them in your profile."),
    "too_young": _l("This shift has a minimum age that you do not meet yet."),
    "needs_consent": _l("You are under 18: your guardian's consent must be recorded in your profile first."),
    "cancelled": _l("This shift is cancelled."),
    "past": _l("This shift has already started or is over."),
    "no_profile": _l("Fill in your volunteer profile first."),
    "not_eligible": _l("This volunteer cannot take this shift (time, age or weekly hours)."),
    "already": _l("Already signed up for this shift."),
    "full": _l("The shift is full."),
    "outside_booking": _l("The shift must be within the linked booking's time."),
    "booking_not_group": _l("Choose one of your group's own upcoming bookings."),
    "booking_inactive": _l("That booking is cancelled or over: choose another one."),
    "inactive_profile": _l("Your profile is on a break. Tick \"Recommend shifts to me\" in your profile to take shifts again."),
    "started": _l("This shift has already started or is over."),
    "needs_birth_date": _l("This shift has a minimum age: add your date of birth to your profile first."),
    "removed": _l("The organiser has taken you off this shift."),
    "not_signed_up": _l("You are not signed up for this shift."),
    "not_confirmed": _l("Only people with a place on the shift can be marked."),
    "not_organiser": _l("Only the activity's organisers can do this."),
    "unavailable": _l("This volunteer is not free at that time."),
    "age_rule_fixed": _l("Volunteers are on this shift or invited to it, so its minimum age and its day can no longer change. Cancel it and add a new shift instead."),
    "group_not_verified": _l("Only a verified group can organise volunteers. The city verifies groups on request."),
}

# Why an assignment of a fill plan got no invitation, as its organiser reads it (nothing personal).
PLAN_REFUSALS = {
    "already": _l("Already on this shift or invited to it."),
    "full": _l("Every place is taken or has an invitation out."),
    "not_eligible": _l("No longer among the candidates for this shift."),
    "removed": _l("Taken off this shift earlier."),
}


def refusal_text(err: ApiError) -> str:
    reason = (err.extra or {}).get("reason") or (err.fields or {}).get("reason")
    if reason in REFUSALS:
        return str(REFUSALS[reason])
    if err.status == 409:
        return str(REFUSALS["overlap"])
    if err.status == 404:
        return _("This shift no longer exists.")
    return _("This could not be done: check the details and try again.")


def _field_error(field, message: str) -> None:
    if not isinstance(field.errors, list):
        field.errors = list(field.errors)
    field.errors.append(message)


def _tz():
    return space_services.default_tz()


def _today() -> date:
    return datetime.now(_tz()).date()


def _when(shift) -> str:
    return format_span(shift.start_at, shift.end_at, _tz())


def _hours(minutes: int | None) -> str:
    """Hours as a person reads them: 3, 2.5 (2,5 in Finnish and Swedish)."""
    h = (minutes or 0) / 60
    text = f"{h:.1f}".rstrip("0").rstrip(".")
    return text.replace(".", ",") if page_language() in ("fi", "sv") else text


def reason_text(reason, audience: str = "volunteer") -> str:
    """A reason as a sentence in the page's language; for organisers about the volunteer ("In their district")."""
    from volunteers import reasons

    return str(reasons.describe(reason, audience=audience))


def reason_rows(match, audience: str = "volunteer") -> dict:
    """The reasons of a match, the met ones and the misses apart, as sentences."""
    met = [reason_text(r, audience) for r in match.reasons if r.met]
    missed = [reason_text(r, audience) for r in match.reasons if not r.met]
    return {"met": [t for t in met if t], "missed": [t for t in missed if t]}


def _score(value: float) -> str:
    return f"{value:.0f}"


@bp.app_template_global("volunteer_labels")
def volunteer_labels() -> dict:
    return {"skill": skill_name, "language": lambda c: language_name(c, page_language())}


@bp.app_template_global("group_activities")
def group_activities(group_id: int) -> list[dict]:
    """The group's activities for its page (templates/spaces/groups/detail.html): title, next shift, counts."""
    rows = []
    for activity in services.my_activities(current_user._get_current_object()):
        if activity.group_id != group_id:
            continue
        views = [v for v in services.activity_shift_views(activity.id) if v.shift.end_at > datetime.now(timezone.utc)]
        rows.append({"activity": activity, "shifts": len(views), "open": sum(v.open_places for v in views)})
    return rows


# --- Public: activities needing volunteers ----------------------------------------------------------


def _shift_row(view, mine: dict | None = None) -> dict:
    s = view.shift
    row = {
        "view": view,
        "shift": s,
        "when": _when(s),
        "open": view.open_places,
        "waiting": view.waitlisted,
        "skills": [skill_name(c) for c in s.skills or ()],
        "languages": [language_name(c, page_language()) for c in s.languages or ()],
        "past": s.start_at <= datetime.now(timezone.utc),
    }
    if mine is not None:
        signup = mine.get(s.id)
        row["my_status"] = signup.status if signup else None
        row["my_status_label"] = str(STATUS_LABELS.get(signup.status, signup.status)) if signup else ""
        row["my_position"] = getattr(signup, "_position", None) if signup else None
    return row


def _my_signups() -> dict:
    """{shift_id: sign-up} of the signed-in user (upcoming), with their waitlist positions."""
    if not current_user.is_authenticated:
        return {}
    mine = services.my_shifts(current_user._get_current_object())
    out = {}
    for m in mine.upcoming:
        m.signup._position = m.waitlist_position
        out[m.signup.shift_id] = m.signup
    return out


@bp.route("/activities")
def activity_list():
    district = request.args.get("district") or None
    if district is not None and "\x00" in district:
        abort(400)  # no district has one, and PostgreSQL cannot even compare text with a NUL (a 500)
    found = services.list_activities(upcoming_only=True, district=district)
    districts = sorted({a.district for a, _ in services.list_activities(upcoming_only=True)})
    rows = []
    for activity, views in found:
        rows.append({
            "activity": activity,
            "shifts": [_shift_row(v) for v in views],
            "open": sum(v.open_places for v in views),
        })
    pager = paginate(rows)
    return render_template("volunteers/activities.html", rows=pager.items, pager=pager, districts=districts, district=district)


@bp.route("/activities/<int:activity_id>")
def activity_page(activity_id: int):
    activity = services.get_activity(activity_id)
    user = current_user._get_current_object() if current_user.is_authenticated else None
    mine = _my_signups() if user else None
    rows = [_shift_row(v, mine) for v in services.activity_shift_views(activity.id)]
    profile = services.get_profile(user) if user else None
    return render_template(
        "volunteers/activity.html",
        activity=activity,
        rows=rows,
        profile=profile,
        organiser=bool(user and services.can_organise(user, activity)),
        button=ButtonForm(formdata=None),
        back=request.path,
    )


# --- The volunteer ---------------------------------------------------------------------------------


@bp.route("/volunteering")
@login_required
def home():
    user = current_user._get_current_object()
    profile = services.get_profile(user)
    matches = []
    if profile is not None:
        for view, match in services.matches_for(user, limit=10):
            matches.append({"row": _shift_row(view), "score": _score(match.score), **reason_rows(match)})
    mine = services.my_shifts(user)
    organised = services.my_activities(user)
    return render_template(
        "volunteers/home.html",
        profile=profile,
        matches=matches,
        upcoming=[_my_row(m) for m in mine.upcoming[:5]],
        more_upcoming=len(mine.upcoming) > 5,
        hours={"week": _hours(mine.minutes_week), "month": _hours(mine.minutes_month), "total": _hours(mine.minutes_total)},
        organised=organised,
        button=ButtonForm(formdata=None),
        back=request.path,
        can_create=any(services.organisable_groups_and_facilities(user)),
    )


def _my_row(m) -> dict:
    s = m.signup
    return {
        "signup": s,
        "view": m.view,
        "when": _when(m.view.shift),
        "status": s.status,
        "status_label": str(STATUS_LABELS.get(s.status, s.status)),
        "position": m.waitlist_position,
        "hours": _hours(m.minutes) if m.minutes else "",
        "cancelled": m.view.shift.status == "cancelled",
        "attended": s.attended,
    }


@bp.route("/volunteering/shifts")
@login_required
def my_shifts():
    mine = services.my_shifts(current_user._get_current_object())
    return render_template(
        "volunteers/my_shifts.html",
        upcoming=[_my_row(m) for m in mine.upcoming],
        past=[_my_row(m) for m in mine.past],
        hours={"week": _hours(mine.minutes_week), "month": _hours(mine.minutes_month), "total": _hours(mine.minutes_total)},
        button=ButtonForm(formdata=None),
        back=request.path,
    )


def _districts(held: list[str] = ()) -> list[str]:
    return space_services.list_districts()


def _profile_data(profile) -> dict:
    d = services.profile_dict(profile)

    def t(text: str) -> time:
        h, m = (int(x) for x in text.split(":"))
        return time(0, 0) if h == 24 else time(h, m)

    return {
        "skills": d.get("skills", []),
        "tags": ", ".join(d.get("tags", [])),
        "languages": d.get("languages", []),
        "districts": d.get("districts", []),
        "availability": [{"weekday": str(w["weekday"]), "start": t(w["start"]), "end": t(w["end"])} for w in d.get("availability", [])],
        "max_hours_per_week": Decimal(f"{float(d.get('max_hours_per_week', 4)):g}"),
        "date_of_birth": d.get("date_of_birth"),
        "guardian_name": d.get("guardian_name") or "",
        "guardian_contact": d.get("guardian_contact") or "",
        "guardian_consent": bool(d.get("guardian_consent")),
        "shared_contact": d.get("shared_contact") or "",
        "active": d.get("active", True),
    }


PROFILE_FIELD_ERRORS = {
    "skills": _l("Choose skills from the list."),
    "tags": _l("Each tag can be at most 80 characters."),
    "languages": _l("Choose languages from the list."),
    "districts": _l("Choose districts from the list."),
    "max_hours_per_week": _l("Give a number of hours from 0 to 60."),
    "date_of_birth": _l("Give your date of birth, e.g. 2008-05-17."),
    "guardian_name": _l("Give your guardian's name."),
    "guardian_contact": _l("At most 200 characters."),
    "guardian_consent": _l("Give your guardian's name and contact too."),
    "shared_contact": _l("At most 200 characters."),
}


def _hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


@bp.route("/volunteering/profile", methods=["GET", "POST"])
@login_required
def profile():
    user = current_user._get_current_object()
    existing = services.get_profile(user)
    held = _profile_data(existing) if existing is not None else {}
    districts = _districts()
    if request.method == "POST":
        form = ProfileForm(locale=page_language(), districts=districts, held=held)
    else:
        form = ProfileForm(formdata=None, data=held or None, locale=page_language(), districts=districts, held=held)
    today = _today()
    minor = form.is_minor(today)
    if form.validate_on_submit():
        rows = [e for e in form.availability.entries if e.form.window()]
        data = {
            "skills": form.skills.data or [],
            "tags": form.tag_list(),
            "languages": form.languages.data or [],
            "districts": form.districts.data or [],
            "availability": [{"weekday": w["weekday"], "start": _hhmm(w["start"]), "end": _hhmm(w["end"])} for w in form.windows()],
            "max_hours_per_week": float(form.max_hours_per_week.data),
            "date_of_birth": form.date_of_birth.data,
            "guardian_name": form.guardian_name.data or None,
            "guardian_contact": form.guardian_contact.data or None,
            "guardian_consent": bool(form.guardian_consent.data) if minor else False,
            "shared_contact": form.shared_contact.data or None,
            "active": bool(form.active.data),
        }
        if not minor:
            data["guardian_name"] = data["guardian_contact"] = None
        try:
            services.save_profile(user, data)
        except ApiError as err:
            if err.status in (401, 403):
                raise
            _put_back_profile(form, err, rows)
        else:
            if minor and not data["guardian_consent"]:
                flash(_("Your profile is saved. You are under 18: before you can sign up for shifts, fill in your guardian's details and consent below."))
                return redirect(url_for("volunteers.profile") + "#guardian")
            flash(_("Your volunteer profile is saved."))
            return redirect(url_for("volunteers.home"))
    show_guardian = minor or (existing is not None and bool(held.get("guardian_name") or held.get("guardian_consent")))
    if existing is not None and existing.date_of_birth and not form.date_of_birth.errors and form.date_of_birth.data is None:
        show_guardian = False
    status = 422 if form.errors or (request.method == "POST" and any(e.form.errors for e in form.availability.entries)) else 200
    return (
        render_template(
            "volunteers/profile.html",
            form=form,
            existing=existing,
            show_guardian=show_guardian,
            age=rules.age_on(form.date_of_birth.data, today) if minor else None,
            consent_at=format_day(existing.guardian_consent_at.astimezone(_tz()).date()) if existing is not None and existing.guardian_consent_at else None,
        ),
        status,
    )


def _put_back_profile(form: ProfileForm, err: ApiError, rows) -> None:
    put = False
    for key in err.fields or {}:
        parts = key.split(".")
        name = parts[0]
        if name == "availability":
            index = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
            entry = rows[index] if index is not None and index < len(rows) else (rows[0] if rows else None)
            if entry is not None:
                sub = parts[2] if len(parts) > 2 and parts[2] in ("weekday", "start", "end") else "end"
                _field_error(entry.form[sub], _("Check this time: the end must be after the start."))
                put = True
            continue
        if name in PROFILE_FIELD_ERRORS and name in form:
            _field_error(form[name], str(PROFILE_FIELD_ERRORS[name]))
            put = True
    if not put:
        _field_error(form.skills, _("The profile could not be saved: check the details and try again."))


def _back(default: str) -> str:
    target = request.form.get("next")
    return target if target and _safe_next(target) == target else default


@bp.route("/volunteering/shifts/<int:shift_id>/signup", methods=["POST"])
@login_required
def signup(shift_id: int):
    form = ButtonForm()
    back = _back(url_for("volunteers.my_shifts"))
    if not form.validate_on_submit():
        abort(400)
    user = current_user._get_current_object()
    try:
        result = services.signup(user, shift_id)
    except ApiError as err:
        if err.status in (401, 403):
            raise
        flash(refusal_text(err))
        return redirect(back)
    view = services.get_shift_view(shift_id)
    what = {"title": view.activity.title, "when": _when(view.shift)}
    if result.status == "confirmed":
        flash(_("You have a place on %(title)s, %(when)s. Thank you!", **what))
    elif result.status == "waitlisted":
        flash(_("%(title)s, %(when)s is full: you are number %(position)d on the waitlist. You get a place by yourself when one frees up, and we tell you.",
                position=result.waitlist_position or 0, **what))
    else:
        flash(_("Your sign-up for %(title)s, %(when)s is saved.", **what))
    return redirect(back)


@bp.route("/volunteering/shifts/<int:shift_id>/withdraw", methods=["POST"])
@login_required
def withdraw(shift_id: int):
    form = ButtonForm()
    back = _back(url_for("volunteers.my_shifts"))
    if not form.validate_on_submit():
        abort(400)
    try:
        services.withdraw(current_user._get_current_object(), shift_id)
    except ApiError as err:
        if err.status in (401, 403):
            raise
        flash(refusal_text(err))
        return redirect(back)
    view = services.get_shift_view(shift_id)
    flash(_("You withdrew from %(title)s, %(when)s.", title=view.activity.title, when=_when(view.shift)))
    return redirect(back)


# --- Organisers: activities ------------------------------------------------------------------------


def _organised_activity(activity_id: int):
    activity = services.get_activity(activity_id)
    if not services.can_organise(current_user._get_current_object(), activity):
        raise Forbidden(_("Only the activity's organisers can see this page."))
    return activity


def _organised_shift(shift_id: int):
    view = services.get_shift_view(shift_id)
    if not services.can_organise(current_user._get_current_object(), view.activity):
        raise Forbidden(_("Only the activity's organisers can see this page."))
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
            label = f"{b.title} · {format_span(b.start_at, b.end_at, _tz())} · {b.space.name}"
            if len(groups) > 1:
                label = f"{g.name}: {label}"
            bookings.append((str(b.id), label))
    form.set_choices(organisers, bookings, _districts())


ACTIVITY_FIELD_ERRORS = {
    "title": _l("Give the activity a title."),
    "description": _l("At most 4000 characters."),
    "district": _l("Choose the district, or link a booking."),
    "place": _l("At most 200 characters."),
    "booking_id": _l("Choose one of your group's own upcoming bookings."),
    "group_id": _l("You do not represent this group."),
    "facility_id": _l("You are not staff of this facility."),
}


def _put_back(form, err: ApiError, names: dict, messages: dict, fallback_field) -> None:
    put = False
    for key in err.fields or {}:
        name = names.get(key.split(".")[0], key.split(".")[0])
        if name in form and key.split(".")[0] in messages:
            _field_error(form[name], str(messages[key.split(".")[0]]))
            put = True
    if not put:
        _field_error(fallback_field, refusal_text(err))


@bp.route("/activities/new", methods=["GET", "POST"])
@login_required
def new_activity():
    user = current_user._get_current_object()
    groups, facilities = services.organisable_groups_and_facilities(user)
    if not groups and not facilities:
        raise Forbidden(_("Only representatives of verified groups and facility staff can create activities. The city verifies a group on request."))
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
        }
        if kind != "group" and data["booking_id"]:
            _field_error(form.booking, _("Only a group's activity can be linked to one of the group's bookings."))
        else:
            try:
                activity = services.create_activity(user, data)
            except ApiError as err:
                if err.status == 401:
                    raise
                _put_back(form, err, {"booking_id": "booking", "group_id": "organiser", "facility_id": "organiser"},
                          ACTIVITY_FIELD_ERRORS, form.title)
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
        form.district.data = activity.district
    _activity_form_choices(form, user, fixed=fixed)
    form.organiser.data = fixed
    # the linked booking stays as it is (it may be past or another's): shown, not changed here
    form.booking.choices = [c for c in form.booking.choices if c.value in ("", str(activity.booking_id or ""))] or form.booking.choices
    if activity.booking_id and not any(c.value == str(activity.booking_id) for c in form.booking.choices):
        from wtforms import SelectChoice

        form.booking.choices.append(SelectChoice(str(activity.booking_id), _("The linked booking")))
    if activity.district and activity.district not in [c.value for c in form.district.choices]:
        from wtforms import SelectChoice

        form.district.choices.append(SelectChoice(activity.district, activity.district))
    form.booking.data = str(activity.booking_id) if activity.booking_id else ""
    if form.validate_on_submit():
        data = {"title": form.title.data, "description": form.description.data or "", "place": form.place.data or ""}
        if form.district.data and not activity.booking_id:
            data["district"] = form.district.data
        try:
            services.update_activity(user, activity.id, data)
        except ApiError as err:
            if err.status in (401, 403, 404):
                raise
            _put_back(form, err, {}, ACTIVITY_FIELD_ERRORS, form.title)
        else:
            flash(_("The activity is saved."))
            return redirect(url_for("volunteers.manage_activity", activity_id=activity.id))
    return render_template("volunteers/activity_form.html", form=form, activity=activity), (422 if form.errors else 200)


@bp.route("/activities/<int:activity_id>/manage")
@login_required
def manage_activity(activity_id: int):
    activity = _organised_activity(activity_id)
    rows = [_shift_row(v) for v in services.activity_shift_views(activity.id, include_cancelled=True)]
    return render_template("volunteers/manage.html", activity=activity, rows=rows, button=ButtonForm(formdata=None))


# --- Organisers: shifts ----------------------------------------------------------------------------


SHIFT_FIELD_ERRORS = {
    "start": _l("Check the date and the start time."),
    "end": _l("Check the end time: it must be after the start."),
    "needed": _l("Give a number from 1 to 500."),
    "skills": _l("Choose skills from the list."),
    "languages": _l("Choose languages from the list."),
    "min_age": _l("Give an age from 0 to 99."),
}


def _booking_when(activity) -> str | None:
    """The linked booking's time as the page shows times ("la 5.12.2026 12.00–15.00"), so that the
    organiser knows which time the shift must lie within; None without a booking."""
    if not activity.booking_id:
        return None
    from commons.extensions import db
    from spaces.models import Booking

    booking = db.session.get(Booking, activity.booking_id)
    return format_span(booking.start_at, booking.end_at, _tz()) if booking is not None else None


def _shift_data(form: ShiftForm) -> dict:
    day = form.date.data
    start = datetime.combine(day, form.start.data).replace(tzinfo=_tz())
    end_minute = form.end_minute()
    end = datetime.combine(day + timedelta(days=end_minute // 1440), time(end_minute % 1440 // 60, end_minute % 60)).replace(tzinfo=_tz())
    return {
        "start": start.isoformat(),
        "end": end.isoformat(),
        "needed": form.needed.data,
        "skills": form.skills.data or [],
        "languages": form.languages.data or [],
        "min_age": form.min_age.data,
    }


def _put_back_shift(form: ShiftForm, err: ApiError, activity=None) -> None:
    reason = (err.extra or {}).get("reason")
    if reason == "age_rule_fixed":
        _field_error(form.min_age if "min_age" in (err.fields or {}) else form.date, str(REFUSALS["age_rule_fixed"]))
        return
    if reason == "outside_booking":
        when = _booking_when(activity) if activity is not None else None
        _field_error(form.start, _("The shift must be within the linked booking's time, %(when)s.", when=when) if when
                     else str(REFUSALS["outside_booking"]))
        return
    put = False
    for key in err.fields or {}:
        name = key.split(".")[0]
        if name in SHIFT_FIELD_ERRORS:
            _field_error(form["date" if name == "start" and not form.start.data else name], str(SHIFT_FIELD_ERRORS[name]))
            put = True
    if not put:
        _field_error(form.start, refusal_text(err) if reason else _("The shift could not be saved: check its time (within the linked booking, if there is one)."))


@bp.route("/activities/<int:activity_id>/shifts/new", methods=["GET", "POST"])
@login_required
def new_shift(activity_id: int):
    activity = _organised_activity(activity_id)
    if request.method == "POST":
        form = ShiftForm(locale=page_language())
    else:
        form = ShiftForm(formdata=None, locale=page_language())
        if activity.booking_id:
            from spaces.models import Booking
            from commons.extensions import db

            booking = db.session.get(Booking, activity.booking_id)
            if booking is not None:
                s, e = booking.start_at.astimezone(_tz()), booking.end_at.astimezone(_tz())
                form.date.data, form.start.data, form.end.data = s.date(), s.time(), e.time()
    if form.validate_on_submit():
        try:
            shift = services.create_shift(current_user._get_current_object(), activity.id, _shift_data(form))
        except ApiError as err:
            if err.status in (401, 403, 404):
                raise
            _put_back_shift(form, err, activity)
        else:
            flash(_("The shift %(when)s is added. Here are the volunteers who fit it best.", when=_when(shift)))
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
        s, e = shift.start_at.astimezone(_tz()), shift.end_at.astimezone(_tz())
        form = ShiftForm(formdata=None, locale=page_language(), held_languages=shift.languages or [],
                         data={"date": s.date(), "start": s.time(), "end": e.time(), "needed": shift.needed,
                               "skills": list(shift.skills or []), "languages": list(shift.languages or []), "min_age": shift.min_age})
    if form.validate_on_submit():
        try:
            services.update_shift(current_user._get_current_object(), shift.id, _shift_data(form))
        except ApiError as err:
            if err.status in (401, 403, 404):
                raise
            _put_back_shift(form, err, view.activity)
        else:
            flash(_("The shift is saved. Volunteers with a place are told of any change of time."))
            return redirect(url_for("volunteers.manage_activity", activity_id=view.activity.id))
    return render_template("volunteers/shift_form.html", form=form, activity=view.activity, shift=shift, when=_when(shift),
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
            flash(refusal_text(err))
        else:
            flash(_("The shift %(when)s is cancelled. Everyone signed up or waiting is told.", when=_when(view.shift)))
        return redirect(url_for("volunteers.manage_activity", activity_id=view.activity.id))
    return render_template("volunteers/cancel_shift.html", view=view, when=_when(view.shift), form=ButtonForm(formdata=None))


# --- Organisers: candidates, sign-ups, attendance --------------------------------------------------


CANDIDATES_SHOWN = 500  # the best ones, 50 a page


@bp.route("/shifts/<int:shift_id>/candidates")
@login_required
def candidates(shift_id: int):
    view = _organised_shift(shift_id)
    found = services.candidates_for(current_user._get_current_object(), shift_id, limit=CANDIDATES_SHOWN)
    rows = []
    for candidate, match in found:
        rows.append({
            "candidate": candidate,
            "score": _score(match.score),
            "status": str(ORGANISER_STATUS_LABELS.get(candidate.signup_status, "")) if candidate.signup_status else "",
            **reason_rows(match, "organiser"),
        })
    pager = paginate(rows)
    return render_template(
        "volunteers/candidates.html",
        view=view,
        row=_shift_row(view),
        rows=pager.items,
        pager=pager,
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
        flash(refusal_text(err))
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
            "name": sv.name or _("Erased account"),
            "status": s.status,
            "status_label": str(ORGANISER_STATUS_LABELS.get(s.status, s.status)),
            "position": sv.waitlist_position,
            "contact": sv.shared_contact if s.status == "confirmed" else None,
            "attended": s.attended,
            "hours": _hours(s.minutes_worked) if s.minutes_worked is not None else "",
        })
    return rows


def _signups_page(view, form: AttendanceForm | None = None, status: int = 200):
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
        row=_shift_row(view),
        rows=rows,
        started=started,
        form=form,
        attendance=[(e, r) for e, r in attendance if r is not None],
        button=ButtonForm(formdata=None),
    ), status


@bp.route("/shifts/<int:shift_id>/signups")
@login_required
def signups(shift_id: int):
    return _signups_page(_organised_shift(shift_id))


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
            _field_error(entry.form.attended, _("Attendance can be recorded once the shift has started."))
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
        flash(refusal_text(err))
        return redirect(_back(url_for("volunteers.home")))
    flash(_("The volunteer is taken off the shift. The next in line, if any, got the place."))
    return redirect(url_for("volunteers.signups", shift_id=s.shift_id))


# --- Organisers: the fill plan ---------------------------------------------------------------------


@bp.route("/activities/<int:activity_id>/fill-plan", methods=["GET", "POST"])
@login_required
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
            refused = [{"when": _when(shift_views[r.shift_id].shift) if r.shift_id in shift_views else "",
                        "name": "", "reason": str(PLAN_REFUSALS.get(r.reason) or REFUSALS.get(r.reason, _l("The checks said no when it was applied.")))}
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
            "when": _when(v.shift) if v else "",
            "name": names.get(volunteer_id, ""),
            "score": _score(match.score) if match else "",
            **(reason_rows(match, "organiser") if match else {"met": [], "missed": []}),
        })
    unfilled = [{"when": _when(shift_views[s].shift), "places": n} for s, n in plan.unfilled.items() if n and s in shift_views]
    form = FillPlanApplyForm(formdata=None)
    form.assignments.data = ",".join(f"{s}:{v}" for s, v in plan.assignments)
    return render_template("volunteers/fill_plan.html", activity=activity, rows=rows, refused=[], form=form,
                           unfilled=unfilled, optimal=plan.optimal)
