"""The volunteers' pages (HTML): the public list of activities needing volunteers and an
activity's page; the volunteer's home with recommended shifts and their reasons, their profile and
their shifts; signing up and withdrawing. The organisers' pages are volunteers.organiser_views (the
same blueprint, volunteers.pages.bp).

Thin: a form, a call to volunteers.services, a page. Public pages show counts, never names.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from commons import districts as known_districts
from commons.errors import ApiError
from commons.forms import put_back
from commons.i18n import format_day, page_language
from commons.pagination import paginate
from commons.schemas import minute_to_hhmm
from commons.timezone import site_tz
from volunteers import rules, services
from volunteers.forms import ButtonForm, ProfileForm
from volunteers.pages import (STATUS_LABELS, back_to, bp, district_choices, hours_text, reason_rows, reason_text,
                              score_words, shift_row, shift_when)
from volunteers.reasons import later_week

def _my_signups() -> dict:
    """{shift_id: services.MyShift} of the signed-in user's upcoming sign-ups (with their places in line)."""
    if not current_user.is_authenticated:
        return {}
    return {m.signup.shift_id: m for m in services.my_shifts(current_user._get_current_object()).upcoming}


@bp.route("/activities")
def activity_list():
    district = request.args.get("district") or None
    if district is not None and "\x00" in district:
        abort(400)  # no district has one, and PostgreSQL cannot even compare text with a NUL (a 500)
    found = services.list_activities(upcoming_only=True, district=district)
    everywhere = found if district is None else services.list_activities(upcoming_only=True)
    districts = known_districts.choices([a.district for a, _ in everywhere], page_language())  # (value, name in the page's language)
    rows = []
    for activity, views in found:
        rows.append({
            "activity": activity,
            "shifts": [shift_row(v) for v in views],
            "open": sum(v.open_places for v in views),
        })
    pager = paginate(rows)
    return render_template("volunteers/activities.html", rows=pager.items, pager=pager, districts=districts, district=district,
                           chosen=known_districts.finnish(district) if district else "")


@bp.route("/activities/<int:activity_id>")
def activity_page(activity_id: int):
    activity = services.get_activity(activity_id)
    user = current_user._get_current_object() if current_user.is_authenticated else None
    mine = _my_signups() if user else None
    rows = [shift_row(v, mine) for v in services.activity_shift_views(activity.id)]
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


@bp.route("/volunteering")
@login_required
def home():
    user = current_user._get_current_object()
    profile = services.get_profile(user)
    matches, blocked = [], []
    if profile is not None:
        matches = _match_cards(services.matches_for(user, limit=40), cards=10)
        # shifts that would be recommended but for a credential: the reason, and no sign-up button
        for view, match in services.blocked_matches_for(user, limit=5):
            later = later_week(view.shift.start_at) is not None  # "this week"'s spare time: not on later weeks' shifts
            blocked.append({"row": shift_row(view), **reason_rows(match, skip=("spare_hours",) if later else ())})
    mine = services.my_shifts(user)
    organised = services.my_activities(user)
    return render_template(
        "volunteers/home.html",
        profile=profile,
        matches=matches,
        blocked=blocked,
        upcoming=[_my_row(m) for m in mine.upcoming[:5]],
        more_upcoming=len(mine.upcoming) > 5,
        hours={"week": hours_text(mine.minutes_week), "month": hours_text(mine.minutes_month), "total": hours_text(mine.minutes_total)},
        organised=organised,
        button=ButtonForm(formdata=None),
        back=request.path,
        can_create=any(services.organisable_groups_and_facilities(user)),
    )


def _match_cards(found, cards: int, now: datetime | None = None) -> list[dict]:
    """Recommendations, one card per activity (a weekly activity's dates together), best first: the
    card has the best date's score (in words, with its scale) and reasons, and every date found with
    its own sign-up; the spare time of a date only on this week's dates ("You have 3 h left this week")."""
    out: dict[int, dict] = {}
    for view, match in found:
        card = out.get(view.activity.id)
        if card is None:
            if len(out) >= cards:
                continue
            card = out[view.activity.id] = {"row": shift_row(view), "score": score_words(match.score), "dates": [],
                                            **reason_rows(match, skip=("spare_hours",))}
        row = shift_row(view)
        spare = next((r for r in match.reasons if r.code == "spare_hours"), None)
        row["time_left"] = reason_text(spare) if spare and later_week(view.shift.start_at, now) is None else ""
        card["dates"].append(row)
    for card in out.values():
        card["dates"].sort(key=lambda r: (r["shift"].start_at, r["shift"].id))
    return list(out.values())


def _my_row(m) -> dict:
    s = m.signup
    return {
        "signup": s,
        "view": m.view,
        "when": shift_when(m.view.shift),
        "status": s.status,
        "status_label": str(STATUS_LABELS.get(s.status, s.status)),
        "position": m.waitlist_position,
        "hours": hours_text(m.minutes) if m.minutes else "",
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
        hours={"week": hours_text(mine.minutes_week), "month": hours_text(mine.minutes_month), "total": hours_text(mine.minutes_total)},
        button=ButtonForm(formdata=None),
        back=request.path,
    )


def _today() -> date:
    return datetime.now(site_tz()).date()


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


@bp.route("/volunteering/profile", methods=["GET", "POST"])
@login_required
def profile():
    user = current_user._get_current_object()
    existing = services.get_profile(user)
    held = _profile_data(existing) if existing is not None else {}
    districts = district_choices()
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
            "availability": [{"weekday": w["weekday"], "start": minute_to_hhmm(w["start"]), "end": minute_to_hhmm(w["end"])} for w in form.windows()],
            "max_hours_per_week": float(form.max_hours_per_week.data),
            "date_of_birth": form.date_of_birth.data,
            "guardian_name": form.guardian_name.data or None,
            "guardian_contact": form.guardian_contact.data or None,
            "guardian_consent": bool(form.guardian_consent.data),
            "shared_contact": form.shared_contact.data or None,
            "active": bool(form.active.data),
        }
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
            consent_at=format_day(existing.guardian_consent_at.astimezone(site_tz()).date()) if existing is not None and existing.guardian_consent_at else None,
            credentials=[{"name": c["name"], "until": format_day(c["valid_until"])}
                         for c in (services.profile_dict(existing)["credentials"] if existing is not None else [])],
        ),
        status,
    )


def _put_back_profile(form: ProfileForm, err: ApiError, rows) -> None:
    """A refused profile next to its fields: an availability window's refusal on its row (the
    pydantic error's row, or the first row of the weekday whose windows overlap), the others on
    their fields (a list item's on its list)."""
    placed = False
    names = {}
    for key in err.fields:
        parts = key.split(".")
        if parts[0] != "availability":
            names[key] = parts[0]
            continue
        names[key] = ""  # placed here, on the row
        index = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
        if index is None and "weekday" in err.params:
            index = next((i for i, e in enumerate(rows) if e.form.window()["weekday"] == err.params["weekday"]), None)
        entry = rows[index] if index is not None and index < len(rows) else (rows[0] if rows else None)
        if entry is not None:
            sub = entry.form[parts[2] if len(parts) > 2 and parts[2] in ("weekday", "start", "end") else "end"]
            sub.errors = [*sub.errors, err.field_text(key)]
            placed = True
    if not put_back(form, err, names) and not placed:
        form.skills.errors = [*form.skills.errors, err.said()]


@bp.route("/volunteering/shifts/<int:shift_id>/signup", methods=["POST"])
@login_required
def signup(shift_id: int):
    form = ButtonForm()
    back = back_to(url_for("volunteers.my_shifts"))
    if not form.validate_on_submit():
        abort(400)
    user = current_user._get_current_object()
    try:
        result = services.signup(user, shift_id)
    except ApiError as err:
        if err.status in (401, 403):
            raise
        flash(err.said())
        return redirect(back)
    view = services.get_shift_view(shift_id)
    what = {"title": view.activity.title, "when": shift_when(view.shift)}
    if result.status == "confirmed":
        flash(_("You have a place on %(title)s, %(when)s. Thank you!", **what))
    elif result.status == "waitlisted":
        flash(_("%(title)s, %(when)s is full: you are number %(position)d on the waitlist. You get a place by yourself when one frees up, and we tell you.",
                position=result.waitlist_position or 0, **what))
    else:
        flash(_("Your sign-up for %(title)s, %(when)s is saved.", **what))
    return redirect(back)


def _confirm_withdraw(mine, back: str):
    """The page that asks before a volunteer leaves their place (no JavaScript needed)."""
    view, status = mine.view, mine.signup.status
    hours = view.activity.withdraw_hours_before
    late = status == "confirmed" and hours is not None and view.shift.start_at - datetime.now(site_tz()) < timedelta(hours=hours)
    return render_template("volunteers/withdraw_confirm.html", view=view, when=shift_when(view.shift), status=status,
                           late_hours=hours if late else None, back=back, button=ButtonForm(formdata=None))


@bp.route("/volunteering/shifts/<int:shift_id>/withdraw", methods=["POST"])
@login_required
def withdraw(shift_id: int):
    form = ButtonForm()
    back = back_to(url_for("volunteers.my_shifts"))
    if not form.validate_on_submit():
        abort(400)
    mine = _my_signups().get(shift_id)
    if request.form.get("confirm") != "yes" and mine is not None and mine.signup.status in ("confirmed", "waitlisted"):
        return _confirm_withdraw(mine, back)  # leaving a place (not declining an invitation): asked first
    try:
        services.withdraw(current_user._get_current_object(), shift_id)
    except ApiError as err:
        if err.status in (401, 403):
            raise
        flash(err.said())
        return redirect(back)
    view = services.get_shift_view(shift_id)
    flash(_("You withdrew from %(title)s, %(when)s.", title=view.activity.title, when=shift_when(view.shift)))
    return redirect(back)
