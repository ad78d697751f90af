"""WTForms forms of the volunteering pages: the volunteer's profile (with its weekly availability
rows), an activity, a shift, the organisers' buttons (invite, attendance, the fill plan).

Labels and messages are plain English wrapped in lazy_gettext (translated in translations/). The
forms check what a form can check (required, types, ranges, the order of times); the rules of
volunteering (capacity, overlaps, weekly hours, age) are volunteers.services', whose refusals (codes,
words in volunteers.messages) the views put back next to these fields in the page's language
(commons.forms.put_back).
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from babel import Locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DecimalField,
    EmailField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.widgets import TextInput
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from commons import districts as known_districts
from commons.forms import (WEEKDAYS, CheckboxesField, DateField, TimeField, district_choices, district_value, email_address, no_bidi_controls,
                           plain_text, sensible_year, strip_text)
from commons.schemas import closing_minute, time_to_minute
from volunteers import reasons, rules
from volunteers.schemas import MAX_ASSIGNMENTS

# The languages the profile and shift forms offer (ISO 639-1), named in the page's language. The
# city's languages first, then those most spoken in Helsinki; a profile may hold others (from the
# API): they are kept and shown too.
LANGUAGES: tuple[str, ...] = (
    "fi", "sv", "en", "se", "ru", "et", "so", "ar", "fa", "ku", "zh", "es", "fr", "de", "uk", "tr", "vi", "sq", "th",
)

EMPTY_ROWS = 2  # empty availability rows offered after the filled ones (no script needed to add one)


def language_name(code: str, locale: str) -> str:
    """A language's name in the page's language ("ruotsi", "svenska", "Swedish"), capitalised for a list."""
    try:
        name = Locale.parse(locale).languages.get(code) or code
    except (ValueError, TypeError):
        name = code
    return name[:1].upper() + name[1:]


def skill_name(code: str) -> str:
    """A skill code's name in the page's language (volunteers.reasons names them for the reasons too)."""
    return reasons.skill_name(code)


def skill_choices() -> list[SelectChoice]:
    return sorted((SelectChoice(c, skill_name(c)) for c in rules.SKILLS), key=lambda c: c.label.lower())


def language_choices(locale: str, extra: list[str] = ()) -> list[SelectChoice]:
    codes = list(LANGUAGES) + [c for c in extra if c not in LANGUAGES]
    return [SelectChoice(c, language_name(c, locale)) for c in codes]


class HoursField(DecimalField):
    """Hours as a person types them: 4, 2.5 or 2,5 (a text field: a number field refuses the comma)."""

    widget = TextInput()

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("places", None)
        super().__init__(label, validators, **kwargs)

    def _value(self):
        """What the box shows: what was typed when the form came back with an error; else the number
        as a person writes it in the page's language (2,5 in Finnish and Swedish, as the hours are
        shown everywhere else on the pages)."""
        if self.raw_data is not None:
            return self.raw_data[0] if self.raw_data else ""
        if self.data is None:
            return ""
        from commons.i18n import page_language

        text = format(Decimal(self.data).normalize(), "f")
        return text.replace(".", ",") if page_language() in ("fi", "sv") else text

    def process_formdata(self, valuelist):
        if valuelist:
            text = (valuelist[0] or "").strip().replace(",", ".")
            if not text:
                self.data = None
                return
            try:
                self.data = Decimal(text)
            except (InvalidOperation, ValueError):
                self.data = None
                raise ValueError(_l("Give the hours as a number, e.g. 4 or 2.5."))
            if not self.data.is_finite():  # NaN, sNaN, Infinity: NumberRange cannot compare sNaN (a 500)
                self.data = None
                raise ValueError(_l("Give the hours as a number, e.g. 4 or 2.5."))


class WindowForm(Form):
    """One row of weekly availability: a weekday and a time (several rows may share a weekday)."""

    weekday = SelectField(
        _l("Day"),
        choices=[SelectChoice("", _l("Choose a day"))] + [SelectChoice(str(i), name) for i, name in enumerate(WEEKDAYS)],
        default="",
    )
    start = TimeField(_l("From"), validators=[Optional()])
    end = TimeField(_l("Until"), description=_l("00:00 is midnight at the end of the day."), validators=[Optional()])

    def is_empty(self) -> bool:
        return not (self.weekday.data or self.start.raw_data and self.start.raw_data[0].strip()
                    or self.end.raw_data and self.end.raw_data[0].strip())

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if not ok or self.is_empty():
            return ok
        if not self.weekday.data:
            self.weekday.errors.append(_l("Choose the day."))
            ok = False
        if self.start.data is None:
            self.start.errors.append(_l("Give the time you are free from, e.g. 17:00."))
            ok = False
        if self.end.data is None:
            self.end.errors.append(_l("Give the time you are free until, e.g. 21:00."))
            ok = False
        if ok and self.end_minute() <= time_to_minute(self.start.data):
            self.end.errors.append(_l("The end time must be after the start time."))
            ok = False
        return ok

    def end_minute(self) -> int | None:
        return None if self.end.data is None else closing_minute(self.end.data)

    def window(self) -> dict | None:
        if self.is_empty() or not self.weekday.data:
            return None
        return {"weekday": int(self.weekday.data), "start": time_to_minute(self.start.data), "end": self.end_minute()}


class ProfileForm(FlaskForm):
    skills = CheckboxesField(_l("What you can do"), description=_l("Choose all that fit."), choices=[])
    tags = StringField(
        _l("Other skills or interests (optional)"),
        description=_l("Separate them with commas, e.g. chess, sign language, bicycles."),
        validators=[Length(max=500, message=_l("At most 500 characters.")), plain_text],
        filters=[strip_text],
    )
    languages = CheckboxesField(_l("Languages you speak"), choices=[])
    districts = CheckboxesField(_l("Districts you can get to"), choices=[])
    availability = FieldList(FormField(WindowForm), label=_l("When you are free each week"), min_entries=1)
    max_hours_per_week = HoursField(
        _l("At most this many hours a week"),
        default=Decimal(4),
        validators=[
            InputRequired(message=_l("Give the hours, e.g. 4.")),
            NumberRange(min=0, max=60, message=_l("Give a number of hours from 0 to 60.")),
        ],
    )
    date_of_birth = DateField(
        _l("Date of birth (optional)"),
        description=_l("Some shifts have a minimum age. Only you and the system see your date of birth."),
        validators=[Optional()],
    )
    guardian_name = StringField(
        _l("Guardian's name"), validators=[Length(max=120, message=_l("At most 120 characters.")), plain_text, no_bidi_controls],
        filters=[strip_text]
    )
    guardian_contact = StringField(
        _l("Guardian's phone or e-mail"),
        validators=[Length(max=200, message=_l("At most 200 characters.")), plain_text],
        filters=[strip_text],
    )
    guardian_consent = BooleanField(_l("My guardian agrees that I volunteer"))
    shared_contact = StringField(
        _l("Contact shown to organisers (optional)"),
        description=_l("A phone number or e-mail address. Only organisers of shifts you have a place on see it."),
        validators=[Length(max=200, message=_l("At most 200 characters.")), plain_text],
        filters=[strip_text],
    )
    active = BooleanField(_l("Recommend shifts to me"), default=True,
                          description=_l("Untick to take a break: organisers then do not see you as a candidate."))

    def __init__(self, *args, locale: str = "fi", districts: list[str] = (), held: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        held = held or {}
        self.skills.choices = skill_choices()
        self.languages.choices = language_choices(locale, list(held.get("languages", ())) + list(self.languages.data or ()))
        # one choice per district in the page's language (Kallio, Berghäll), with those the volunteer has
        self.districts.choices = district_choices(list(districts) + list(held.get("districts", ())))
        self.districts.data = known_districts.distinct(self.districts.data or [])
        # room to add: empty rows after the filled ones
        while len(self.availability.entries) < max(3, self._filled_rows() + EMPTY_ROWS):
            self.availability.append_entry()

    def _filled_rows(self) -> int:
        return sum(1 for e in self.availability.entries if not e.form.is_empty())

    def validate_date_of_birth(self, field):
        if field.data and not (date(1900, 1, 1) <= field.data <= date.today()):
            raise ValidationError(_l("Give your date of birth, e.g. 2008-05-17."))

    def is_minor(self, today: date) -> bool:
        return bool(self.date_of_birth.data and not self.date_of_birth.errors and rules.is_minor(self.date_of_birth.data, today))

    def validate_guardian_consent(self, field):
        if field.data and not (self.guardian_name.data and self.guardian_contact.data):
            raise ValidationError(_l("Give your guardian's name and contact too."))

    def windows(self) -> list[dict]:
        return [w for w in (e.form.window() for e in self.availability.entries) if w]

    def tag_list(self) -> list[str]:
        seen: list[str] = []
        for part in (self.tags.data or "").split(","):
            tag = " ".join(part.split()).lower()
            if tag and tag not in seen:
                seen.append(tag)
        return seen

    def max_minutes(self) -> int:
        return int((self.max_hours_per_week.data or 0) * 60)


def organiser_value(kind: str, ident: int) -> str:
    return f"{kind}:{ident}"


class ActivityForm(FlaskForm):
    organiser = SelectField(_l("Organised by"), choices=[], validate_choice=True)
    booking = SelectField(
        _l("Linked booking (optional)"),
        description=_l("One of your group's upcoming bookings: it gives the place and the time."),
        choices=[],
        validate_choice=True,
        default="",
    )
    title = StringField(
        _l("Title"),
        description=_l("What volunteers will help with, e.g. Language café."),
        validators=[DataRequired(message=_l("Give the activity a title.")), Length(max=200, message=_l("At most 200 characters.")),
                    plain_text, no_bidi_controls],
        filters=[strip_text],
    )
    description = TextAreaField(
        _l("Description"),
        description=_l("What happens, who comes, what volunteers do."),
        validators=[Length(max=4000, message=_l("At most 4000 characters.")), plain_text],
        filters=[strip_text],
    )
    district = SelectField(
        _l("District"), description=_l("Not needed when a booking is linked: it is the booking's district."), choices=[],
        validate_choice=True, default="", filters=[district_value],
    )
    place = StringField(
        _l("Place (optional)"),
        description=_l("Where, when no booking is linked, e.g. Kallio library, 2nd floor."),
        validators=[Length(max=200, message=_l("At most 200 characters.")), plain_text, no_bidi_controls],
        filters=[strip_text],
    )
    withdraw_hours_before = IntegerField(
        _l("Withdrawing late (optional)"),
        description=_l("Hours before a shift a volunteer can still withdraw without it counting as late. Empty: any time."),
        validators=[Optional(), NumberRange(min=0, max=720, message=_l("Give a number of hours from 0 to 720."))],
    )

    def set_choices(self, organisers: list[tuple[str, str]], bookings: list[tuple[str, str]], districts: list[str]) -> None:
        self.organiser.choices = [SelectChoice(v, label) for v, label in organisers]
        self.booking.choices = [SelectChoice("", _l("No booking"))] + [SelectChoice(v, label) for v, label in bookings]
        self.district.choices = district_choices(districts, empty=_l("Choose a district"))

    def validate_district(self, field):
        if not field.data and not self.booking.data:
            raise ValidationError(_l("Choose the district, or link a booking."))

    def organiser_parts(self) -> tuple[str, int]:
        kind, _, ident = (self.organiser.data or ":").partition(":")
        return kind, int(ident)


class ShiftForm(FlaskForm):
    date = DateField(_l("Date"), validators=[InputRequired(message=_l("Give the date, e.g. 2027-01-05.")), sensible_year])
    start = TimeField(_l("Start time"), validators=[InputRequired(message=_l("Give the start time, e.g. 18:00."))])
    end = TimeField(_l("End time"), description=_l("00:00 is midnight at the end of the day."),
                    validators=[InputRequired(message=_l("Give the end time, e.g. 20:00."))])
    needed = IntegerField(
        _l("People needed"),
        default=1,
        validators=[InputRequired(message=_l("Give how many people are needed.")),
                    NumberRange(min=1, max=500, message=_l("Give a number from 1 to 500."))],
    )
    skills = CheckboxesField(_l("Skills needed"), description=_l("Leave all unticked if anyone can help."), choices=[])
    languages = CheckboxesField(_l("Languages needed"), description=_l("Volunteers who speak one of these languages are preferred."),
                                choices=[])
    min_age = IntegerField(
        _l("Minimum age (optional)"),
        validators=[Optional(), NumberRange(min=0, max=99, message=_l("Give an age from 0 to 99."))],
    )
    requires = CheckboxesField(_l("Credentials needed"),
                               description=_l("Staff must have seen it, valid on the shift's date: e.g. a criminal record check for work with children."),
                               choices=[])

    def __init__(self, *args, locale: str = "fi", held_languages: list[str] = (), **kwargs):
        super().__init__(*args, **kwargs)
        from volunteers.reasons import credential_name

        self.requires.choices = [SelectChoice(c, credential_name(c)) for c in rules.CREDENTIAL_KINDS]
        self.skills.choices = skill_choices()
        self.languages.choices = language_choices(locale, list(held_languages) + list(self.languages.data or ()))

    def end_minute(self) -> int | None:
        return None if self.end.data is None else closing_minute(self.end.data)

    def validate_end(self, field):
        if self.start.data and field.data and self.end_minute() <= time_to_minute(self.start.data):
            raise ValidationError(_l("The end time must be after the start time."))


class ButtonForm(FlaskForm):
    """A button's form: only the CSRF token (sign up, withdraw, cancel a shift, invite)."""


class InviteForm(FlaskForm):
    volunteer_id = HiddenField(validators=[DataRequired(), Length(max=20)])


ATTENDANCE_CHOICES = (("", _l("Not recorded")), ("yes", _l("Came")), ("no", _l("Did not come")))


class AttendanceRow(Form):
    signup_id = HiddenField(validators=[Length(max=20)])
    attended = RadioField(_l("Attendance"), choices=[SelectChoice(v, label) for v, label in ATTENDANCE_CHOICES], default="",
                          validate_choice=True)
    hours = HoursField(
        _l("Hours worked"),
        description=_l("Leave empty for the whole shift."),
        validators=[Optional(), NumberRange(min=0, max=24, message=_l("Give a number of hours from 0 to 24."))],
    )


class AttendanceForm(FlaskForm):
    rows = FieldList(FormField(AttendanceRow), min_entries=0)


MAX_ASSIGNMENTS_TEXT = MAX_ASSIGNMENTS * 22  # FillPlanApplyIn's pairs "shift:volunteer," of 32-bit ids


class FillPlanApplyForm(FlaskForm):
    """The proposed assignments, as shift:volunteer pairs, confirmed by the organiser."""

    assignments = HiddenField(validators=[DataRequired(), Length(max=MAX_ASSIGNMENTS_TEXT)])

    def pairs(self) -> list[tuple[int, int]]:
        return self.parse_pairs(self.assignments.data or "")

    @staticmethod
    def parse_pairs(text: str) -> list[tuple[int, int]]:
        out = []
        for part in text.split(","):
            s, _, v = part.partition(":")
            if s.isdigit() and v.isdigit() and len(s) < 10 and len(v) < 10:
                out.append((int(s), int(v)))
        return out


class CounterSignupForm(FlaskForm):
    """A person without an account, signed up by an organiser at the counter or by phone."""

    name = StringField(_l("Name"), validators=[DataRequired(message=_l("Give the person's name.")),
                                               Length(max=120, message=_l("At most 120 characters.")), plain_text, no_bidi_controls],
                       filters=[strip_text])
    phone = StringField(_l("Phone (optional)"), description=_l("Only the shift's organisers see it."),
                        validators=[Length(max=40, message=_l("At most 40 characters.")), plain_text, no_bidi_controls],
                        filters=[strip_text])


class FindVolunteerForm(FlaskForm):
    """Staff find a volunteer by the e-mail address the person gives (an exact match only)."""

    email = EmailField(
        _l("The volunteer's e-mail address"),
        description=_l("Ask the person for the address of their account. Only an exact address finds them."),
        validators=[DataRequired(message=_l("Give the volunteer's e-mail address.")), Length(max=254, message=_l("At most 254 characters.")),
                    plain_text, email_address],
        filters=[strip_text],
    )


class CredentialForm(FlaskForm):
    """Staff record that they saw a credential: its kind, last valid day and a short note (never the document)."""

    kind = SelectField(_l("Credential"), validators=[InputRequired(message=_l("Choose the credential."))], choices=[])
    valid_until = DateField(_l("Valid until"), description=_l("The last day it is valid, as the document says, e.g. 2027-06-30."),
                            validators=[InputRequired(message=_l("Give the last valid day, e.g. 2027-06-30.")), sensible_year])
    note = StringField(_l("Note (optional)"), description=_l("What you saw, briefly. Never copy the document or its numbers."),
                       validators=[Length(max=200, message=_l("At most 200 characters.")), plain_text, no_bidi_controls],
                       filters=[strip_text])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from volunteers.reasons import credential_name

        self.kind.choices = [SelectChoice(c, credential_name(c)) for c in rules.CREDENTIAL_KINDS]
