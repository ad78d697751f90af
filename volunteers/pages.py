"""What the volunteering pages share: the blueprint (one, "volunteers": the volunteers' pages in
volunteers.volunteer_views, the organisers' in volunteers.organiser_views), statuses and refusals
in the page's language, a shift as a list row, hours and match reasons as a person reads them, and
the template globals other packages' pages use (a group's activities on its page)."""
from __future__ import annotations

from datetime import datetime, timezone

from flask import Blueprint, request
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user

from commons.errors import ApiError
from commons.i18n import format_span, page_language
from commons.timezone import site_tz
from commons.urls import safe_next
from spaces import services as space_services
from volunteers import reasons, services
from volunteers.forms import language_name, skill_name

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


def field_error(field, message: str) -> None:
    if not isinstance(field.errors, list):
        field.errors = list(field.errors)
    field.errors.append(message)


def shift_when(shift) -> str:
    return format_span(shift.start_at, shift.end_at, site_tz())


def hours_text(minutes: int | None) -> str:
    """Hours as a person reads them: 3, 2.5 (2,5 in Finnish and Swedish)."""
    h = (minutes or 0) / 60
    text = f"{h:.1f}".rstrip("0").rstrip(".")
    return text.replace(".", ",") if page_language() in ("fi", "sv") else text


def reason_text(reason, audience: str = "volunteer") -> str:
    """A reason as a sentence in the page's language; for organisers about the volunteer ("In their district")."""
    return str(reasons.describe(reason, audience=audience))


def reason_rows(match, audience: str = "volunteer") -> dict:
    """The reasons of a match, the met ones and the misses apart, as sentences."""
    met = [reason_text(r, audience) for r in match.reasons if r.met]
    missed = [reason_text(r, audience) for r in match.reasons if not r.met]
    return {"met": [t for t in met if t], "missed": [t for t in missed if t]}


def score_text(value: float) -> str:
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


def shift_row(view, mine: dict | None = None) -> dict:
    """A shift as a list shows it; with `mine` ({shift id: services.MyShift} of the signed-in person)
    also their status and place in line."""
    s = view.shift
    row = {
        "view": view,
        "shift": s,
        "when": shift_when(s),
        "open": view.open_places,
        "waiting": view.waitlisted,
        "skills": [skill_name(c) for c in s.skills or ()],
        "languages": [language_name(c, page_language()) for c in s.languages or ()],
        "past": s.start_at <= datetime.now(timezone.utc),
    }
    if mine is not None:
        held = mine.get(s.id)
        status = held.signup.status if held else None
        row["my_status"] = status
        row["my_status_label"] = str(STATUS_LABELS.get(status, status)) if held else ""
        row["my_position"] = held.waitlist_position if held else None
    return row


def district_choices() -> list[str]:
    return space_services.list_districts()


def back_to(default: str) -> str:
    """Where a button's form says to go back to (its `next` field), if on this site; else `default`."""
    return safe_next(request.form.get("next"), default)
