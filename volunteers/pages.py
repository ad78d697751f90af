"""What the volunteering pages share: the blueprint (one, "volunteers": the volunteers' pages in
volunteers.volunteer_views, the organisers' in volunteers.organiser_views), statuses in the page's
language, a shift as a list row, hours and match reasons as a person reads them, and the template
globals other packages' pages use (a group's activities on its page). The services' refusals are
said with err.said() (words in volunteers.messages) and put next to fields with
commons.forms.put_back."""
from __future__ import annotations

from datetime import datetime, timezone

from flask import Blueprint, g, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

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


def shift_when(shift) -> str:
    return format_span(shift.start_at, shift.end_at, site_tz())


def hours_text(minutes: int | None) -> str:
    """Hours as a person reads them: 3, 2.5 (2,5 in Finnish and Swedish): the reasons' way (reasons.hours)."""
    return reasons.hours(minutes or 0)


def reason_text(reason, audience: str = "volunteer") -> str:
    """A reason as a sentence in the page's language; for organisers about the volunteer ("In their district")."""
    return str(reasons.describe(reason, audience=audience))


def reason_rows(match, audience: str = "volunteer", skip: tuple[str, ...] = ()) -> dict:
    """The reasons of a match, the met ones and the misses apart, as sentences (without the codes in `skip`)."""
    met = [reason_text(r, audience) for r in match.reasons if r.met and r.code not in skip]
    missed = [reason_text(r, audience) for r in match.reasons if not r.met and r.code not in skip]
    return {"met": [t for t in met if t], "missed": [t for t in missed if t]}


def score_text(value: float) -> str:
    return f"{value:.0f}"


# A score (0-100, volunteers.rules.WEIGHTS) in words, best band first.
SCORE_WORDS = ((80, _l("Very good match")), (60, _l("Good match")), (40, _l("Fair match")), (0, _l("Weak match")))


def score_words(value: float) -> str:
    """A volunteer's score with its scale, in words and points: "Very good match (85/100)"."""
    words = next(str(w) for low, w in SCORE_WORDS if value >= low)
    return _("%(words)s (%(score)s/100)", words=words, score=score_text(value))


@bp.app_template_global("volunteer_labels")
def volunteer_labels() -> dict:
    return {"skill": skill_name, "language": lambda c: language_name(c, page_language())}


@bp.app_template_global("group_links_in_menu")
def group_links_in_menu() -> bool:
    """Whether the main navigation (templates/base.html) offers My bookings and My groups: not to a
    volunteer with no group and no booking. Asked once per request (kept on flask.g)."""
    if not current_user.is_authenticated:
        return False
    if current_user.role in ("staff", "admin"):
        return True
    if "group_links_in_menu" not in g:
        g.group_links_in_menu = not services.volunteer_without_groups(current_user._get_current_object())
    return g.group_links_in_menu


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
