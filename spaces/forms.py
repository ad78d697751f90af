"""WTForms forms of the spaces pages: search, booking, cancelling (the fields every package uses
are in commons.forms).

Labels are plain English wrapped in lazy_gettext, translated in translations/ (fi, sv). The forms check
what a form can check (required, types, ranges, order of times); the booking rules themselves are
checked by spaces.services, whose errors the views put back on these forms.
"""
from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _, lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, RadioField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from commons.forms import (CheckboxesField, DateField, TimeField, district_choices, district_value, no_bidi_controls, sensible_year,
                           strip_text)
from spaces.models import ACCESSIBILITY_FEATURES
from spaces.purposes import AGE_GROUPS, PURPOSES
from spaces.rules import MAX_OCCURRENCES

ACCESSIBILITY_LABELS = {
    "step_free_access": _l("Step-free access"),
    "accessible_toilet": _l("Accessible toilet"),
    "induction_loop": _l("Induction loop"),
    "elevator": _l("Lift"),
    "accessible_parking": _l("Accessible parking"),
    "braille_signage": _l("Braille signs"),
    "quiet_space": _l("Quiet space"),
}
assert set(ACCESSIBILITY_LABELS) == set(ACCESSIBILITY_FEATURES), "every accessibility feature needs a label"

STATUS_LABELS = {
    "pending": _l("Waiting for approval"),
    "confirmed": _l("Confirmed"),
    "rejected": _l("Rejected"),
    "cancelled": _l("Cancelled"),
    "expired": _l("Expired"),
    "offered": _l("Offered to your group"),
    "declined": _l("Declined"),
    "released": _l("Released (no check-in)"),
}


def accessibility_label(code: str) -> str:
    return str(ACCESSIBILITY_LABELS.get(code, code.replace("_", " ")))


class SearchForm(FlaskForm):
    """The space search (GET; no CSRF token: it changes nothing)."""

    district = SelectField(_l("District"), choices=[], validate_choice=True, default="", filters=[district_value])
    min_capacity = IntegerField(
        _l("At least this many people"),
        validators=[Optional(), NumberRange(min=1, max=100000, message=_l("Give a number from 1 to 100000."))],
    )
    accessibility = CheckboxesField(
        _l("Accessibility"), choices=[SelectChoice(code, ACCESSIBILITY_LABELS[code]) for code in ACCESSIBILITY_FEATURES]
    )
    equipment = CheckboxesField(_l("Equipment"), choices=[])
    date = DateField(_l("Date"), validators=[Optional(), sensible_year])
    start = TimeField(_l("From"), validators=[Optional()])
    end = TimeField(_l("Until"), validators=[Optional()])

    def __init__(self, *args, districts: list[str] = (), equipment: list[str] = (), **kwargs):
        kwargs.setdefault("meta", {"csrf": False})
        super().__init__(*args, **kwargs)
        self.district.choices = district_choices(districts, empty=_l("Any district"))
        # by name in the page's language, as a person looks for them
        self.equipment.choices = sorted((SelectChoice(c, equipment_label(c)) for c in equipment), key=lambda c: c.label.lower())

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        # "free then": the date, the start and the end go together
        window = (self.date, self.start, self.end)
        given = [f for f in window if f.raw_data and f.raw_data[0].strip()]
        if given and len(given) < len(window):
            for f in window:
                if f not in given:
                    f.errors.append(_l("To find spaces free at a time, give the date, the start time and the end time."))
            ok = False
        return ok

    def validate_end(self, field):
        if self.start.data and field.data and field.data <= self.start.data:
            raise ValidationError(_l("The end time must be after the start time."))

    def window(self) -> tuple[datetime | None, datetime | None]:
        if self.date.data and self.start.data and self.end.data:
            return datetime.combine(self.date.data, self.start.data), datetime.combine(self.date.data, self.end.data)
        return None, None


class AskedTimeForm(FlaskForm):
    """A date and times in a space page's address (`?date=2027-01-05&start=18:00&end=20:00`, from a search
    result or a free time's link): they open that date's week and fill the booking form. GET; no CSRF
    token (it changes nothing); any of the three may be left out."""

    date = DateField(_l("Date"), validators=[Optional(), sensible_year])
    start = TimeField(_l("Start time"), validators=[Optional()])
    end = TimeField(_l("End time"), validators=[Optional()])

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("meta", {"csrf": False})
        super().__init__(*args, **kwargs)

    def validate_end(self, field):
        if self.start.data and field.data and field.data <= self.start.data:
            raise ValidationError(_l("The end time must be after the start time."))

    def params(self) -> dict[str, str]:
        """The values understood, as the address writes them (for links that keep them)."""
        out = {}
        if self.date.data and not self.date.errors:
            out["date"] = self.date.data.isoformat()
        for f in (self.start, self.end):
            if f.data and not f.errors:
                out[f.name] = f.data.strftime("%H:%M")
        return out


def _group_id(value) -> int | None:
    """The group select's value: an id, or None for its empty "Choose a group" option."""
    return None if value in ("", None) else int(value)


# How often a series repeats: every N weeks (the RRULE's INTERVAL).
REPEAT_EVERY = {1: _l("Every week"), 2: _l("Every other week")}


class BookingForm(FlaskForm):
    group = SelectField(_l("Group"), coerce=_group_id, choices=[], validate_choice=True)
    title = StringField(
        _l("Title"),
        description=_l("What the booking is for, e.g. Board meeting."),
        validators=[DataRequired(message=_l("Give the booking a title.")), Length(max=200), no_bidi_controls],
        filters=[strip_text],
    )
    date = DateField(
        _l("Date"), validators=[InputRequired(message=_l("Give the date, e.g. 2027-01-05.")), sensible_year]
    )
    start = TimeField(_l("Start time"), validators=[InputRequired(message=_l("Give the start time, e.g. 18:00."))])
    end = TimeField(_l("End time"), validators=[InputRequired(message=_l("Give the end time, e.g. 20:00."))])
    attendees = IntegerField(
        _l("Number of people"),
        default=1,
        validators=[
            InputRequired(message=_l("Give the number of people.")),
            NumberRange(min=1, max=100000, message=_l("Give a number from 1 to 100000.")),
        ],
    )
    public_title = BooleanField(
        _l("Show the title in the public calendar"),
        description=_l("Otherwise others see only that the time is booked. Your group's name is never shown."),
    )
    repeat_every = RadioField(
        _l("How often"),
        choices=[SelectChoice(str(n), words) for n, words in REPEAT_EVERY.items()],
        default="1",
        validators=[Optional()],
    )
    repeat_until = DateField(
        _l("Until (last date)"),
        validators=[Optional(), sensible_year],
    )
    repeat_count = IntegerField(
        _l("Or a number of times"),
        description=_l("The first date counts as one. Give a last date or a number of times, not both."),
        validators=[Optional(), NumberRange(min=2, max=MAX_OCCURRENCES,
                                            message=_l("Give a number from 2 to %(max)d.", max=MAX_OCCURRENCES))],
    )
    on_conflict = RadioField(
        _l("If some weeks are not free"),
        choices=[SelectChoice("reject", _l("Book nothing")), SelectChoice("skip", _l("Book the free weeks and skip the others"))],
        default="reject",
    )
    purpose = SelectField(
        _l("Purpose (optional)"),
        choices=[SelectChoice("", _l("Not stated"))] + [SelectChoice(code, name) for code, name in PURPOSES.items()],
        default="",
        validate_choice=True,
    )
    age_groups = CheckboxesField(
        _l("Age groups (optional)"), choices=[SelectChoice(code, name) for code, name in AGE_GROUPS.items()]
    )

    def validate_end(self, field):
        if self.start.data and field.data and field.data <= self.start.data:
            raise ValidationError(_l("The end time must be after the start time."))

    def validate_group(self, field):
        if field.data is None:
            raise ValidationError(_l("Choose the group the booking is for."))

    def validate_repeat_until(self, field):
        if field.data and self.date.data and field.data <= self.date.data:
            raise ValidationError(_l("The last date must be after the first date."))
        weeks = self._every() * (MAX_OCCURRENCES - 1)
        if field.data and self.date.data and (field.data - self.date.data).days // (7 * self._every()) + 1 > MAX_OCCURRENCES:
            raise ValidationError(
                _("A series can have at most %(count)d dates: choose a last date at most %(weeks)d weeks after the first.",
                  count=MAX_OCCURRENCES, weeks=weeks)
            )

    def validate_repeat_count(self, field):
        if field.data is not None and self.repeat_until.data:
            raise ValidationError(_l("Give either a last date or a number of times, not both."))

    def _every(self) -> int:
        """Every how many weeks the series repeats (1 when the choice is missing or odd: it is refused by its field)."""
        return int(self.repeat_every.data) if self.repeat_every.data in ("1", "2") else 1

    def repeats(self) -> bool:
        return bool(self.repeat_until.data or self.repeat_count.data)

    def preselect_group(self, remembered: int | None) -> None:
        """Before the form is shown (not after a post): the group last booked for when it is among the
        choices, the only one when there is one; otherwise the empty "Choose a group" option
        stays chosen, so that nobody books for the first group by mistake."""
        ids = [c.value for c in self.group.choices if c.value != ""]
        if remembered in ids:
            self.group.data = remembered
        elif len(ids) == 1:
            self.group.data = ids[0]

    def set_groups(self, own, others) -> None:
        """The groups one may book for: one's own, and (staff of the facility) other verified groups."""
        if others:
            # staff at the counter or on the phone: "Booking for" a group, who sees it among its bookings
            self.group.label.text = str(_l("Booking for"))
            self.group.description = _l(
                "As staff you can book for any verified group (a phone or counter booking). It is confirmed at once, "
                "marked as made by the staff, and the group sees it among its bookings."
            )
            mine, behalf = str(_l("Your groups")), str(_l("On behalf of a verified group"))
            self.group.choices = [SelectChoice(g.id, g.name, optgroup=mine) for g in own] + [
                SelectChoice(g.id, g.name, optgroup=behalf) for g in others
            ]
        else:
            self.group.choices = [SelectChoice(g.id, g.name) for g in own]
        if len(self.group.choices) > 1:  # several: no default, the person chooses
            self.group.choices.insert(0, SelectChoice("", _l("Choose a group")))

    def rrule(self) -> str | None:
        if not self.repeats():
            return None
        every = f";INTERVAL={self._every()}" if self._every() > 1 else ""
        if self.repeat_count.data:
            return f"FREQ=WEEKLY{every};COUNT={self.repeat_count.data}"
        return f"FREQ=WEEKLY{every};UNTIL={self.repeat_until.data:%Y%m%d}"


class CancelForm(FlaskForm):
    scope = RadioField(
        _l("Cancel which dates"),
        choices=[SelectChoice("one", _l("Only this date")), SelectChoice("series", _l("All upcoming dates of the series"))],
        default="one",
    )


class BookingFilterForm(FlaskForm):
    """Which bookings a list shows (GET; no CSRF token: it changes nothing)."""

    when = SelectField(
        _l("When"),
        choices=[SelectChoice("upcoming", _l("Upcoming")), SelectChoice("past", _l("Past (last 12 months)"))],
        default="upcoming",
    )
    status = SelectField(
        _l("Status"),
        choices=[SelectChoice("", _l("Any status"))] + [SelectChoice(s, STATUS_LABELS[s]) for s in ("pending", "confirmed", "cancelled", "rejected")],
        default="",
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("meta", {"csrf": False})
        super().__init__(*args, **kwargs)


# Equipment is free text that staff type; the common items are translated, others shown as typed.
EQUIPMENT_LABELS = {
    "projector": _l("projector"),
    "screen": _l("screen"),
    "whiteboard": _l("whiteboard"),
    "wifi": _l("wifi"),
    "sound system": _l("sound system"),
    "stage": _l("stage"),
    "coffee maker": _l("coffee maker"),
    "drum kit": _l("drum kit"),
    "amplifiers": _l("amplifiers"),
    "piano": _l("piano"),
    "kitchenette": _l("kitchenette"),
    "kitchen": _l("kitchen"),
    "board games": _l("board games"),
    "floorball goals": _l("floorball goals"),
    "mats": _l("mats"),
    "oven": _l("oven"),
    "dishwasher": _l("dishwasher"),
    "sewing machines": _l("sewing machines"),
    "large tables": _l("large tables"),
    "sink": _l("sink"),
}


def equipment_label(code: str) -> str:
    return str(EQUIPMENT_LABELS.get(code, code))
