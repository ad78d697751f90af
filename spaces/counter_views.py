"""Staff booking for a person who phones or comes to the counter (no group, no account): the person's
name and phone number are the booking's contact (spaces.services.create_booking with contact_name and
contact_phone: the same rules as any booking, confirmed by staff, no e-mail). The page lists the
space's counter bookings with their contacts (this facility's staff only) and erases a contact on the
person's request. Its routes are on the staff blueprint (spaces.staff_views adds them: ROUTES)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _, lazy_gettext as _l, ngettext
from flask_login import current_user
from flask_wtf import FlaskForm
from pydantic import ValidationError
from wtforms import IntegerField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError as FormError

from commons.apispec import said_of
from commons.auth import is_staff_of
from commons.codes import say
from commons.errors import ApiError
from commons.forms import DateField, TimeField, no_bidi_controls, put_back, sensible_year, strip_text
from commons.i18n import format_span
from spaces import services, staff_services
from spaces.forms import STATUS_LABELS
from spaces.schemas import BookingIn, phone_number

class EmptyForm(FlaskForm):
    """A button's form: only the CSRF token."""


KEPT_AFTER = timedelta(days=30)  # past counter bookings stay listed this long (their contact until retention)


class CounterBookingForm(FlaskForm):
    contact_name = StringField(
        _l("Name"), description=_l("The person's name, as they give it."),
        validators=[DataRequired(message=_l("Give the person's name.")), Length(max=120, message=_l("At most 120 characters.")),
                    no_bidi_controls],
        filters=[strip_text],
    )
    contact_phone = StringField(
        _l("Phone number"), description=_l("For calling them if the booking changes, e.g. 040 123 4567."),
        validators=[DataRequired(message=_l("Give the person's phone number.")), Length(max=40, message=_l("At most 40 characters."))],
        filters=[strip_text],
    )
    date = DateField(_l("Date"), validators=[InputRequired(message=_l("Give the date, e.g. 2027-01-05.")), sensible_year])
    start = TimeField(_l("Start time"), validators=[InputRequired(message=_l("Give the start time, e.g. 18:00."))])
    end = TimeField(_l("End time"), validators=[InputRequired(message=_l("Give the end time, e.g. 20:00."))])
    attendees = IntegerField(
        _l("Number of people"), default=1,
        validators=[InputRequired(message=_l("Give the number of people.")),
                    NumberRange(min=1, max=100000, message=_l("Give a number from 1 to 100000."))],
    )
    title = StringField(
        _l("What for (optional)"), description=_l("Shown to the staff only, e.g. Birthday party."),
        validators=[Optional(), Length(max=200, message=_l("At most 200 characters.")), no_bidi_controls], filters=[strip_text],
    )

    def validate_contact_phone(self, field):
        try:
            field.data = phone_number(field.data or "")
        except Exception:  # PydanticCustomError: its words are the code's
            raise FormError(_("Give 5 to 15 digits, for example 040 123 4567 or +358 40 123 4567.")) from None

    def validate_end(self, field):
        if self.start.data and field.data and field.data <= self.start.data:
            raise FormError(_l("The end time must be after the start time."))


_FIELDS = {"start": "start", "end": "end", "title": "title", "attendees": "attendees", "contact_name": "contact_name",
           "contact_phone": "contact_phone"}


def _space(space_id: int):
    if current_user.role not in ("staff", "admin"):
        abort(403, description=_("This page is for facility staff."))
    space = services.get_space(space_id)
    if not is_staff_of(current_user, space.facility_id):
        abort(403, description=_("Only the facility's staff can manage this space."))
    return space


def _page(space, form: CounterBookingForm, error: str | None = None, status: int = 200):
    now = datetime.now(timezone.utc)
    tz = ZoneInfo(space.timezone)
    rows = [{"booking": b, "when": format_span(b.start_at, b.end_at, tz), "status": STATUS_LABELS.get(b.status, b.status)}
            for b in staff_services.counter_bookings(space.id, now - KEPT_AFTER)]
    return (
        render_template("spaces/staff_counter.html", space=space, form=form, error=error, rows=rows,
                        erase_form=EmptyForm(formdata=None), retention_days=current_app.config["RETENTION_BOOKER_DAYS"]),
        status,
    )


def counter_booking(space_id: int):
    space = _space(space_id)
    form = CounterBookingForm()
    if not form.is_submitted():
        return _page(space, CounterBookingForm(formdata=None))
    if not form.validate_on_submit():
        return _page(space, form, status=422)
    try:
        data = BookingIn(
            space_id=space.id, contact_name=form.contact_name.data, contact_phone=form.contact_phone.data,
            title=form.title.data or _("Booked at the counter"), attendees=form.attendees.data,
            start=datetime.combine(form.date.data, form.start.data), end=datetime.combine(form.date.data, form.end.data),
        )
    except ValidationError as exc:
        return _page(space, form, _("Check the booking: %(reason)s", reason=said_of(exc.errors()[0]).text()), 422)
    try:
        result = services.create_booking(current_user, data)
    except ApiError as err:
        if err.status == 404:
            raise
        put_back(form, err, _FIELDS)
        return _page(space, form, " ".join([err.said(), *_problems(err)]), err.status)
    _id, start, end = result.booked[0]
    flash(_("Booked %(when)s for %(name)s (%(phone)s): confirmed. No e-mail is sent: call them if anything changes.",
            when=format_span(start, end, result.tz), name=data.contact_name, phone=data.contact_phone))
    return redirect(url_for("staff.counter_booking", space_id=space.id))


def _problems(err: ApiError) -> list[str]:
    """What was in the way, in the page's language (times only)."""
    return [say(p["code"], p["params"]) for p in err.conflicts + err.extra.get("violations", [])]


def counter_contact_erase(space_id: int, booking_id: int):
    space = _space(space_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        ids = services.erase_contact(current_user, booking_id)
    except ApiError as err:
        if err.status in (403, 404):
            raise
        return _page(space, CounterBookingForm(formdata=None), err.said(), err.status)
    flash(ngettext("The person's name and phone number were erased from %(num)d booking.",
                   "The person's name and phone number were erased from %(num)d bookings.", len(ids)))
    return redirect(url_for("staff.counter_booking", space_id=space.id))


# (rule, endpoint, view, methods): added to the staff blueprint, behind login_required, by spaces.staff_views
ROUTES = [
    ("/spaces/<int:space_id>/counter", "counter_booking", counter_booking, ["GET", "POST"]),
    ("/spaces/<int:space_id>/counter/<int:booking_id>/erase", "counter_contact_erase", counter_contact_erase, ["POST"]),
]
