"""Forms of the staff pages: a space (facts, rules, opening hours) and a closure.

The forms check what a form can check, in words a person understands; spaces.services (through the
API's pydantic schemas) has the last word, and the views put its errors back next to these fields.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from commons.schemas import closing_minute, minute_to_hhmm, minute_to_time, time_to_minute
from commons.forms import WEEKDAYS, CheckboxesField, DateField, TimeField, no_bidi_controls, sensible_year, strip_text
from spaces.forms import ACCESSIBILITY_LABELS
from spaces.models import ACCESSIBILITY_FEATURES


def _minutes(label, lo, hi, default, description=None, required=True):
    validators = [InputRequired(message=_l("Give a number of minutes."))] if required else [Optional()]
    validators.append(NumberRange(min=lo, max=hi, message=_l("Give a number from %(lo)d to %(hi)d.", lo=lo, hi=hi)))
    return IntegerField(label, default=default, description=description, validators=validators)


class SpaceForm(FlaskForm):
    facility = SelectField(_l("Facility"), coerce=int, choices=[], validate_choice=True)
    name = StringField(
        _l("Name"),
        description=_l("As people know it, e.g. Meeting room Sali."),
        validators=[DataRequired(message=_l("Give the space a name.")), Length(max=120, message=_l("At most 120 characters.")),
                    no_bidi_controls],
        filters=[strip_text],
    )
    description = TextAreaField(
        _l("Description (optional)"), validators=[Length(max=4000, message=_l("At most 4000 characters."))], filters=[strip_text]
    )
    capacity = IntegerField(
        _l("Capacity (people)"),
        validators=[
            InputRequired(message=_l("Give the number of people the space takes.")),
            NumberRange(min=1, max=10000, message=_l("Give a number from 1 to 10000.")),
        ],
    )
    accessibility = CheckboxesField(
        _l("Accessibility"), choices=[SelectChoice(code, ACCESSIBILITY_LABELS[code]) for code in ACCESSIBILITY_FEATURES]
    )
    equipment = StringField(
        _l("Equipment (optional)"),
        description=_l("Separate with commas, e.g. projector, whiteboard, coffee maker."),
        validators=[Length(max=2000, message=_l("At most 2000 characters."))],
        filters=[strip_text],
    )
    buffer_minutes = _minutes(
        _l("Changeover time (minutes)"), 0, 240, 0, _l("Kept free before and after each booking, e.g. for cleaning.")
    )
    min_minutes = _minutes(_l("Shortest booking (minutes)"), 5, 1440, 30)
    max_minutes = _minutes(_l("Longest booking (minutes)"), 5, 1440, 240)
    slot_minutes = _minutes(
        _l("Time grid (minutes)"), 1, 240, 30, _l("Bookings start and end at times this many minutes apart, e.g. 30.")
    )
    horizon_days = IntegerField(
        _l("How far ahead (days)"),
        default=90,
        validators=[
            InputRequired(message=_l("Give a number of days.")),
            NumberRange(min=1, max=730, message=_l("Give a number from %(lo)d to %(hi)d.", lo=1, hi=730)),
        ],
    )
    weekly_quota_minutes = _minutes(
        _l("Weekly limit per group (minutes, optional)"), 1, 10080, None, _l("Leave empty for no limit."), required=False
    )
    requires_approval = BooleanField(
        _l("The staff approve every booking"),
        description=_l("Otherwise bookings of verified groups are confirmed at once."),
    )
    part_of = SelectField(
        _l("Part of"),
        description=_l("For a part of a divisible space, e.g. half A of a sports hall: a booking of the whole "
                       "takes its parts, and a booking of a part takes the whole."),
        coerce=int, choices=[], validate_choice=True, default=0,
    )
    check_in_required = BooleanField(
        _l("Groups check in when they arrive"),
        description=_l("A booking nobody checks in to by the end of the grace period is released for others."),
    )
    check_in_grace_minutes = _minutes(
        _l("Check-in grace period (minutes)"), 0, 240, 15, _l("How long after the start a group can still check in."), required=False
    )
    offer_hours = _minutes(
        _l("Offers to the waiting list wait (hours)"), 1, 336, 24,
        _l("How long a freed time is held for the next group in line (at most until it starts)."), required=False
    )

    def __init__(self, *args, facilities=(), spaces=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.facility.choices = [SelectChoice(f.id, f.name) for f in facilities]
        self.part_of.choices = [SelectChoice(0, _l("Not part of another space"))] + [
            SelectChoice(s.id, f"{s.facility.name}: {s.name}") for s in spaces]

    def part_of_id(self) -> int | None:
        return self.part_of.data or None

    def validate_max_minutes(self, field):
        if self.min_minutes.data is not None and field.data is not None and field.data < self.min_minutes.data:
            raise ValidationError(_l("The longest booking cannot be shorter than the shortest."))

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        for d in range(7):
            opens, closes, closed = self.day(d)
            if closed.data:
                continue
            if opens.data is None and not opens.errors:
                opens.errors = list(opens.errors) + [_l("Give the opening time, or mark the day closed.")]
                ok = False
            if closes.data is None and not closes.errors:
                closes.errors = list(closes.errors) + [_l("Give the closing time, or mark the day closed.")]
                ok = False
            if opens.data is not None and closes.data is not None and closing_minute(closes.data) <= time_to_minute(opens.data):
                closes.errors = list(closes.errors) + [_l("The closing time must be after the opening time.")]
                ok = False
        return ok

    def day(self, weekday: int):
        return getattr(self, f"opens_{weekday}"), getattr(self, f"closes_{weekday}"), getattr(self, f"closed_{weekday}")

    def days(self):
        """(weekday name, opens, closes, closed) for the template."""
        return [(WEEKDAYS[d], *self.day(d)) for d in range(7)]

    def opening_hours(self) -> list[dict]:
        out = []
        for d in range(7):
            opens, closes, closed = self.day(d)
            if not closed.data and opens.data is not None and closes.data is not None:
                out.append(
                    {"weekday": d, "opens": minute_to_hhmm(time_to_minute(opens.data)), "closes": minute_to_hhmm(closing_minute(closes.data))}
                )
        return out

    def rules(self) -> dict:
        return {
            "buffer_minutes": self.buffer_minutes.data,
            "min_minutes": self.min_minutes.data,
            "max_minutes": self.max_minutes.data,
            "slot_minutes": self.slot_minutes.data,
            "horizon_days": self.horizon_days.data,
            "weekly_quota_minutes": self.weekly_quota_minutes.data,
            "requires_approval": bool(self.requires_approval.data),
            "check_in_required": bool(self.check_in_required.data),
            "check_in_grace_minutes": 15 if self.check_in_grace_minutes.data is None else self.check_in_grace_minutes.data,
            "offer_hours": self.offer_hours.data or 24,
        }

    def equipment_list(self) -> list[str]:
        return [e.strip() for e in (self.equipment.data or "").split(",") if e.strip()]

    def load(self, space) -> None:
        """Fill a fresh form (GET) from a space: each weekday's hours as one span (first opening to last closing)."""
        if self.facility is not None:
            self.facility.data = space.facility_id
        self.name.data = space.name
        self.description.data = space.description
        self.capacity.data = space.capacity
        self.accessibility.data = space.accessibility
        self.equipment.data = ", ".join(space.equipment)
        for name in ("buffer_minutes", "min_minutes", "max_minutes", "slot_minutes", "horizon_days", "weekly_quota_minutes"):
            getattr(self, name).data = getattr(space, name)
        self.requires_approval.data = space.requires_approval
        self.part_of.data = space.part_of or 0
        self.check_in_required.data = space.check_in_required
        self.check_in_grace_minutes.data = space.check_in_grace_minutes
        self.offer_hours.data = space.offer_hours
        for d in range(7):
            opens, closes, closed = self.day(d)
            spans = [oh for oh in space.opening_hours if oh.weekday == d]
            if spans:
                opens.data = minute_to_time(spans[0].opens_minute)
                closes.data = minute_to_time(spans[-1].closes_minute)
                closed.data = False
            else:
                opens.data = closes.data = None
                closed.data = True


def single_span_hours(space) -> list[dict]:
    """The space's hours as the form shows them (one span a day), to tell whether the form changed them."""
    out = []
    for d in range(7):
        spans = [oh for oh in space.opening_hours if oh.weekday == d]
        if spans:
            out.append({"weekday": d, "opens": minute_to_hhmm(spans[0].opens_minute), "closes": minute_to_hhmm(spans[-1].closes_minute)})
    return out


for _d in range(7):
    setattr(SpaceForm, f"opens_{_d}", TimeField(_l("Opens"), validators=[Optional()]))
    setattr(SpaceForm, f"closes_{_d}", TimeField(_l("Closes"), validators=[Optional()]))
    setattr(SpaceForm, f"closed_{_d}", BooleanField(_l("Closed all day")))


class ClosureForm(FlaskForm):
    first_day = DateField(
        _l("First day"), validators=[InputRequired(message=_l("Give the first day, e.g. 2027-01-05.")), sensible_year]
    )
    last_day = DateField(
        _l("Last day (optional)"),
        description=_l("Leave empty for a closure within one day."),
        validators=[Optional(), sensible_year],
    )
    start = TimeField(
        _l("From (optional)"),
        description=_l("Leave both times empty to close whole days."),
        validators=[Optional()],
    )
    end = TimeField(_l("Until (optional)"), validators=[Optional()])
    reason = StringField(
        _l("Reason"),
        description=_l("Told to the groups whose bookings you cancel for the closure, e.g. Floor maintenance."),
        validators=[DataRequired(message=_l("Give a reason.")), Length(max=200, message=_l("At most 200 characters.")),
                    no_bidi_controls],
        filters=[strip_text],
    )

    def validate_last_day(self, field):
        if field.data and self.first_day.data and field.data < self.first_day.data:
            raise ValidationError(_l("The last day cannot be before the first day."))

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if self.start.errors or self.end.errors:
            return False
        if (self.start.data is None) != (self.end.data is None):
            empty = self.end if self.end.data is None else self.start
            empty.errors = list(empty.errors) + [_l("Give both times, or leave both empty to close whole days.")]
            return False
        one_day = self.last_day.data in (None, self.first_day.data)
        if self.start.data and self.end.data and one_day and self.end.data <= self.start.data:
            self.end.errors = list(self.end.errors) + [_l("The end time must be after the start time.")]
            return False
        return ok

    def span(self) -> tuple[datetime, datetime]:
        """Local wall-clock start and end of the closure."""
        first: date = self.first_day.data
        last: date = self.last_day.data or first
        if self.start.data is None:
            return datetime.combine(first, time(0)), datetime.combine(last + timedelta(days=1), time(0))
        return datetime.combine(first, self.start.data), datetime.combine(last, self.end.data)
