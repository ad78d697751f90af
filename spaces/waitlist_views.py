"""Pages of "use it or free it": joining the waiting list from a taken time on the space page, my
waiting list and offers (accept, decline, leave), checking in (the bookings page, and the page the
QR code on the printed week opens at the door), and the staff's view of who checked in today.
Thin: forms, calls to spaces.services.waitlist, pages."""
from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, IntegerField, TimeField
from wtforms.validators import InputRequired, NumberRange

from commons.auth import staff_facility_ids
from commons.errors import ApiError, Forbidden
from commons.i18n import format_moment, format_span
from commons.urls import safe_next
from spaces import rules
from spaces.forms import STATUS_LABELS
from spaces.services import waitlist

bp = Blueprint("waitlist", __name__)

ENTRY_LABELS = {
    "waiting": lambda: _("Waiting"),
    "offered": lambda: _("Offered to your group"),
    "accepted": lambda: _("Accepted"),
    "declined": lambda: _("Declined"),
    "expired": lambda: _("Expired"),
    "left": lambda: _("Left the line"),
}


class ButtonForm(FlaskForm):
    """A button: nothing to fill in but the CSRF token."""


class JoinForm(FlaskForm):
    """The taken time the space page tried to book, carried in hidden fields."""

    group = HiddenField(validators=[InputRequired()])
    title = HiddenField(validators=[InputRequired()])
    date = DateField(validators=[InputRequired()])
    start = TimeField(validators=[InputRequired()])
    end = TimeField(validators=[InputRequired()])
    attendees = IntegerField(validators=[InputRequired(), NumberRange(min=1, max=100000)])
    rrule = HiddenField()  # the series' repeat rule: wait for each of its taken dates


def _back(default: str) -> str:
    return safe_next(request.form.get("next"), default)


@bp.route("/spaces/<int:space_id>/waitlist", methods=["POST"])
@login_required
def join(space_id: int):
    form = JoinForm()
    back = url_for("spaces.space_page", space_id=space_id)
    if not form.validate_on_submit() or not form.group.data.isdigit():
        flash(_("The waiting list could not be joined: the time was not understood."), "error")
        return redirect(back)
    data = waitlist.WaitlistJoin(group_id=int(form.group.data), title=form.title.data[:200],
                                 start=datetime.combine(form.date.data, form.start.data),
                                 end=datetime.combine(form.date.data, form.end.data), attendees=form.attendees.data,
                                 rrule=(form.rrule.data or "").strip()[:500] or None)
    try:
        joined = waitlist.join_waitlist(current_user, space_id, data)
    except ApiError as err:
        if err.status == 404:
            raise
        flash(err.said(), "error")
        return redirect(back)
    if data.rrule:
        flash(ngettext("Your group is in the waiting list for %(num)d taken date. Each date that frees is held for your group on its own, and you get an e-mail.",
                       "Your group is in the waiting list for %(num)d taken dates. Each date that frees is held for your group on its own, and you get an e-mail.",
                       len(joined.entries)))
    else:
        flash(_("Your group is in the waiting list, number %(n)d in line. If the time frees, it is held for your group and you get an e-mail.", n=joined.position))
    return redirect(url_for("waitlist.my_waitlist"))


@bp.route("/waitlist")
@login_required
def my_waitlist():
    rows = []
    for entry, position, offer in waitlist.my_waitlist(current_user):
        tz = ZoneInfo(entry.space.timezone)
        rows.append({
            "entry": entry,
            "position": position,
            "offer": offer,
            "when": format_span(offer.start_at if offer else entry.start_at, offer.end_at if offer else entry.end_at, tz),
            "until": format_moment(offer.offer_expires_at, tz) if offer and offer.offer_expires_at else None,
            "status": ENTRY_LABELS.get(entry.status, lambda: entry.status)(),
        })
    return render_template("spaces/waitlist.html", rows=rows)


@bp.route("/waitlist/<int:entry_id>/leave", methods=["POST"])
@login_required
def leave(entry_id: int):
    if ButtonForm().validate_on_submit():
        try:
            waitlist.leave_waitlist(current_user, entry_id)
        except ApiError as err:
            if err.status == 404:
                raise
            flash(err.said(), "error")
        else:
            flash(_("Your group left the waiting list."))
    return redirect(url_for("waitlist.my_waitlist"))


@bp.route("/bookings/<int:booking_id>/accept", methods=["POST"])
@login_required
def accept(booking_id: int):
    if ButtonForm().validate_on_submit():
        try:
            (booking,) = waitlist.accept_offer(current_user, booking_id)
        except ApiError as err:
            if err.status in (403, 404):
                raise
            flash(err.said(), "error")
        else:
            flash(_("Accepted: the time is your group's booking now.") if booking.status == "confirmed"
                  else _("Accepted: the staff will confirm the booking; until then the time is held for your group."))
    return redirect(url_for("waitlist.my_waitlist"))


@bp.route("/bookings/<int:booking_id>/decline", methods=["POST"])
@login_required
def decline(booking_id: int):
    if ButtonForm().validate_on_submit():
        try:
            waitlist.decline_offer(current_user, booking_id)
        except ApiError as err:
            if err.status in (403, 404):
                raise
            flash(err.said(), "error")
        else:
            flash(_("Declined: the time goes to the next in line."))
    return redirect(url_for("waitlist.my_waitlist"))


@bp.route("/bookings/<int:booking_id>/check-in", methods=["POST"])
@login_required
def check_in(booking_id: int):
    back = _back(url_for("spaces.my_bookings"))
    if ButtonForm().validate_on_submit():
        try:
            waitlist.check_in(current_user, booking_id)
        except ApiError as err:
            if err.status in (403, 404):
                raise
            flash(err.said(), "error")
        else:
            flash(_("Checked in. Welcome!"))
    return redirect(back)


@bp.route("/series/<int:series_id>/confirm", methods=["POST"])
@login_required
def confirm_series(series_id: int):
    """The button on the bookings page of a series asked to be confirmed (two dates in a row released)."""
    back = _back(url_for("spaces.my_bookings"))
    if ButtonForm().validate_on_submit():
        try:
            kept = waitlist.confirm_series(current_user, series_id)
        except ApiError as err:
            if err.status in (403, 404):
                raise
            flash(err.said(), "error")
        else:
            flash(ngettext("Confirmed: your group keeps %(num)d upcoming date.", "Confirmed: your group keeps %(num)d upcoming dates.", kept))
    return redirect(back)


@bp.route("/spaces/<int:space_id>/check-in")
@login_required
def door(space_id: int):
    """What the QR code on the printed week opens: today's bookings of my groups in this space."""
    now = datetime.now(timezone.utc)
    space, bookings = waitlist.bookings_to_check_in(current_user, space_id, now)
    tz = ZoneInfo(space.timezone)
    rows = []
    for b in bookings:
        window = rules.check_in_window(b.start_at, space.check_in_grace_minutes)
        rows.append({"booking": b, "when": format_span(b.start_at, b.end_at, tz),
                     "open": window.start <= now < window.end and b.checked_in_at is None,
                     "opens": format_moment(window.start, tz), "closes": format_moment(window.end, tz),
                     "checked_in": format_moment(b.checked_in_at, tz) if b.checked_in_at else None})
    return render_template("spaces/check_in.html", space=space, rows=rows)


@bp.route("/staff/check-ins")
@login_required
def staff_check_ins():
    """The staff's view: today's bookings in spaces that ask for check-in, who came and who not."""
    if current_user.is_admin:
        facilities = None
    else:
        facilities = sorted(staff_facility_ids(current_user))
        if current_user.role != "staff" or not facilities:
            raise Forbidden(reason="staff_only")
    now = datetime.now(timezone.utc)
    rows = []
    for b in waitlist.checked_in_today(facilities, now):
        tz = ZoneInfo(b.space.timezone)
        window = rules.check_in_window(b.start_at, b.space.check_in_grace_minutes)
        rows.append({"booking": b, "when": format_span(b.start_at, b.end_at, tz),
                     "checked_in": format_moment(b.checked_in_at, tz) if b.checked_in_at else None,
                     "can_check_in": b.status == "confirmed" and b.checked_in_at is None and window.start <= now < window.end,
                     "status": str(STATUS_LABELS.get(b.status, b.status))})
    return render_template("spaces/staff_check_ins.html", rows=rows)
