"""Staff pages: the approval queue of pending booking requests in the staff member's facilities."""
from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _, lazy_gettext as _l, ngettext
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice, TextAreaField
from wtforms.validators import InputRequired, Length

from commons.auth import is_staff_of
from commons.errors import ApiError
from commons.i18n import format_span
from spaces import services
from spaces.schemas import BookingQuery

bp = Blueprint("staff", __name__, url_prefix="/staff")


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
        {"booking": b, "when": format_span(b.start_at, b.end_at, ZoneInfo(b.space.timezone))} for b in pending
    ]
    return (
        render_template(
            "spaces/requests.html",
            rows=rows,
            form=form or DecisionForm(formdata=None),
            error=error,
            failed_id=failed_id,
        ),
        status,
    )


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
    try:
        changed = services.decide(current_user, booking_id, approve, form.message.data or "", form.scope.data or "one")
    except ApiError as err:
        if err.status == 404:
            raise
        return _queue(err.message, err.status, booking_id, form)
    first = changed[0]
    when = format_span(first.start_at, first.end_at, ZoneInfo(first.space.timezone))
    if approve:
        flash(ngettext("Approved %(num)d date from %(when)s: %(title)s.", "Approved %(num)d dates from %(when)s: %(title)s.",
                       len(changed), when=when, title=first.title))
    else:
        flash(ngettext("Rejected %(num)d date from %(when)s: %(title)s.", "Rejected %(num)d dates from %(when)s: %(title)s.",
                       len(changed), when=when, title=first.title))
    return redirect(url_for("staff.requests_queue"))
