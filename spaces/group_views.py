"""Group pages: my groups, register a group, a group's page (representatives, adding a
co-representative, leaving the group, the group's bookings with filters), and the confirmation step
before a booking (or the rest of its series) is cancelled.

Only the group's representatives (and admins) see a group's page; others get 403. Thin: forms,
calls to commons.services / spaces.services, pages.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from commons import services as commons_services
from commons.auth import is_representative
from commons.pagination import paginate
from commons.ratelimits import account_lookups_per_account, account_lookups_per_ip
from commons.errors import ApiError, Forbidden
from commons.forms import GROUP_KIND_LABELS, GroupForm, InviteForm, LeaveGroupForm, put_back
from commons.i18n import format_day, format_moment, format_span
from commons.timezone import site_tz
from commons.urls import safe_next
from spaces import rules, services
from spaces.forms import STATUS_LABELS, BookingFilterForm, CancelForm
from spaces.models import ACTIVE_STATUSES
from spaces.schemas import BookingQuery
from spaces.services import waitlist

bp = Blueprint("groups", __name__)

PAST_DAYS = 365


# --- Booking lists (a group's page and /bookings) ------------------------------------------------------


def _check_in_open(b, now: datetime) -> bool:
    window = rules.check_in_window(b.start_at, b.space.check_in_grace_minutes)
    return window.start <= now < window.end


def booking_list(actor, group_id: int | None = None, now: datetime | None = None) -> dict:
    """The filter form (from the query string) and the rows it selects, for templates/spaces/_bookings.html."""
    now = now or datetime.now(timezone.utc)
    form = BookingFilterForm(formdata=request.args or None)
    valid = form.validate() if request.args else True
    when = form.when.data if valid else "upcoming"
    status = (form.status.data or None) if valid else None
    if when == "past":
        query = BookingQuery(group_id=group_id, status=status, from_=now - timedelta(days=PAST_DAYS), to=now, limit=500)
        found = [b for b in reversed(services.list_bookings(actor, query)) if b.end_at <= now]
    else:
        found = services.list_bookings(actor, BookingQuery(group_id=group_id, status=status, from_=now, limit=500))
    rows = []
    for b in found:
        rows.append(
            {
                "booking": b,
                "when": format_span(b.start_at, b.end_at, ZoneInfo(b.space.timezone)),
                "status": str(STATUS_LABELS.get(b.status, b.status)),
                "can_cancel": b.status in ACTIVE_STATUSES and b.start_at > now,
                "can_check_in": b.status == "confirmed" and b.checked_in_at is None
                and _check_in_open(b, now),
                "checked_in": format_moment(b.checked_in_at, ZoneInfo(b.space.timezone)) if b.checked_in_at else None,
            }
        )
    pager = paginate(rows)
    asking = waitlist.series_asking({b.series_id for b in found if b.series_id is not None}) if when != "past" else {}
    confirm = []
    for sid, asked in asking.items():
        first = next(b for b in found if b.series_id == sid)
        tz = ZoneInfo(first.space.timezone)
        confirm.append({"series_id": sid, "title": first.title, "space": first.space.name,
                        "until": format_moment(asked + rules.SERIES_CONFIRM_WAIT, tz)})
    return {
        "confirm_series": confirm,
        "filter_form": form,
        "rows": pager.items,
        "pager": pager,
        "when": when,
        "status_label": str(STATUS_LABELS[status]) if status in STATUS_LABELS else "",
        "filter_valid": valid,
    }


# --- My groups, a new group ---------------------------------------------------------------------------------


@bp.route("/groups/mine")
@login_required
def my_groups():
    return render_template(
        "spaces/groups/mine.html", groups=commons_services.groups_of(current_user), kind_labels=GROUP_KIND_LABELS
    )


@bp.route("/groups/new", methods=["GET", "POST"])
@login_required
def new_group():
    form = GroupForm(facility_districts=services.list_districts())
    if form.validate_on_submit():
        try:
            group = commons_services.register_group(
                current_user._get_current_object(),
                name=form.name.data,
                kind=form.kind.data,
                district=form.district.data,
                registration_number=form.registration_number.data or None,
                description=form.description.data or "",
            )
        except ApiError as err:
            if not put_back(form, err):
                form.name.errors = [*form.name.errors, err.said()]
        else:
            flash(_("Your group %(name)s is registered. You can book now; until the city verifies the group, the staff approve each booking.", name=group.name))
            return redirect(url_for("groups.group_page", group_id=group.id))
    return render_template("spaces/groups/new.html", form=form), (422 if form.errors else 200)


# --- A group's page -------------------------------------------------------------------------------------------


def _group_for_representative(group_id: int):
    group = commons_services.get_group(group_id)
    if not (current_user.is_admin or is_representative(current_user, group.id)):
        raise Forbidden(reason="group_page_representatives_only")
    return group


def _group_page(group_id: int, invite_form: InviteForm | None = None, status: int = 200):
    group = _group_for_representative(group_id)
    listing = booking_list(current_user, group_id=group.id)
    if not listing["filter_valid"]:
        status = 422
    representatives = commons_services.representatives(group.id)
    return (
        render_template(
            "spaces/groups/detail.html",
            group=group,
            kind=GROUP_KIND_LABELS.get(group.kind, group.kind),
            verified_on=format_day(group.verified_at.astimezone(site_tz()).date()) if group.verified_at else None,
            representatives=representatives,
            can_leave=commons_services.may_leave(current_user, representatives),
            invite_form=invite_form or InviteForm(formdata=None),
            listing=listing,
        ),
        status,
    )


@bp.route("/groups/<int:group_id>")
@login_required
def group_page(group_id: int):
    return _group_page(group_id)


@bp.route("/groups/<int:group_id>/representatives", methods=["POST"])
@login_required
@account_lookups_per_ip  # a refusal says that nobody has an account with the address
@account_lookups_per_account
def add_representative(group_id: int):
    group = _group_for_representative(group_id)
    form = InviteForm()
    if form.validate_on_submit():
        try:
            member = commons_services.add_representative(current_user._get_current_object(), group.id, form.email.data)
        except ApiError as err:
            if err.status == 403:
                raise
            if not put_back(form, err):
                form.email.errors = [*form.email.errors, err.said()]
        else:
            flash(_("%(name)s is now a representative of %(group)s.", name=member.user.name, group=group.name))
            return redirect(url_for("groups.group_page", group_id=group.id))
    return _group_page(group.id, form, 422)


@bp.route("/groups/<int:group_id>/leave", methods=["GET", "POST"])
@login_required
def leave_group(group_id: int):
    """Stop representing the group, after a confirmation (the link in the e-mail that tells a person
    someone added them leads here). Only the group's own representatives: others get 403."""
    group = commons_services.group_represented_by(current_user, group_id)
    form = LeaveGroupForm()
    error = None
    if form.validate_on_submit():
        try:
            commons_services.leave_group(current_user._get_current_object(), group.id)
        except ApiError as err:
            if err.status == 403:
                raise
            error = err.said()
        else:
            flash(_("You are no longer a representative of %(group)s.", group=group.name))
            return redirect(url_for("groups.my_groups"))
    status = 422 if error or form.errors else 200
    return render_template("spaces/groups/leave.html", group=group, form=form, error=error), status


# --- Cancelling, with a confirmation step -------------------------------------------------------------------


def safe_back(target: str | None) -> str:
    """Where to go after cancelling: the list the person came from (a path on this site), else my bookings."""
    return safe_next(target, url_for("spaces.my_bookings"))


@bp.route("/bookings/<int:booking_id>/cancel", methods=["GET"])
@login_required
def confirm_cancel(booking_id: int):
    """Are you sure? The booking, and for a series the choice of this date or all later ones.
    The form posts to spaces.cancel_booking (the same address)."""
    booking = services.get_booking(current_user, booking_id)
    now = datetime.now(timezone.utc)
    back = safe_back(request.args.get("next"))
    return render_template(
        "spaces/cancel.html",
        booking=booking,
        when=format_span(booking.start_at, booking.end_at, ZoneInfo(booking.space.timezone)),
        status=str(STATUS_LABELS.get(booking.status, booking.status)),
        can_cancel=booking.status in ACTIVE_STATUSES and booking.start_at > now,
        form=CancelForm(formdata=None),
        back=back,
    )
