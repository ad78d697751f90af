"""WTForms forms of the account and group pages: sign-up, password change, account deletion,
registering a group, adding a co-representative; and the fields, filters and validators that the
forms of every package share (dates and times as people type them, checkboxes, weekday names).

Labels and messages are plain English wrapped in lazy_gettext (translated in translations/). The
forms check what a form can check; the services (commons.services) decide the rest, and the views
put the services' refusals back next to the fields in the page's language.
"""
from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField as _DateField
from wtforms import EmailField, PasswordField, RadioField, SelectChoice, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms import TimeField as _TimeField
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from commons import districts
from commons.i18n import WEEKDAY_NAMES, page_language
from commons.schemas import looks_like_email
from commons.text import has_bidi_control
from commons.timezone import year_in_range

MIN_PASSWORD = 8


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def plain_text(form, field):
    """No control characters (a NUL byte cannot even be stored in PostgreSQL text)."""
    if isinstance(field.data, str) and _CONTROL.search(field.data):
        raise ValidationError(_l("Remove the control characters (such as NUL) from the text."))


def no_bidi_controls(form, field):
    """Names and titles: no bidirectional control characters (such as U+202E RIGHT-TO-LEFT OVERRIDE),
    which make a name show as something else than it is (commons.text)."""
    if has_bidi_control(field.data):
        raise ValidationError(
            _l("Remove the text direction control characters (such as U+202E): they make the text show as something else than it is.")
        )


def strip_text(value):
    """A filter: text without the spaces around it (other values as they are)."""
    return value.strip() if isinstance(value, str) else value


def district_value(value):
    """A filter for a district chosen from a list: a district's name in either language (any case,
    spaces around it) becomes the Finnish name the list's values use; other text as it is (trimmed)."""
    return districts.finnish(value) if isinstance(value, str) and value.strip() else strip_text(value)


def district_choices(names, empty: str | None = None) -> list[SelectChoice]:
    """The choices of a district list: one per district, named in the page's language (Kallio,
    Berghäll), the value its Finnish name; `empty` the label of a first "no district" choice."""
    first = [SelectChoice("", empty)] if empty is not None else []
    return first + [SelectChoice(value, label) for value, label in districts.choices(names, page_language())]


def email_address(form, field):
    """Something that looks like an e-mail address (the same test as the API's)."""
    if not looks_like_email((field.data or "").strip()):
        raise ValidationError(_l("Give an e-mail address like name@example.fi."))


# --- Fields every package's forms use -------------------------------------------------------------

WEEKDAYS = WEEKDAY_NAMES  # the form fields' weekday choices: the names commons.i18n says


class DateField(_DateField):
    """A date as the browser's date input sends it (2027-01-12), or typed the Finnish and Swedish way
    (12.1.2027) where the browser shows a plain text field."""

    def __init__(self, label=None, validators=None, format=("%Y-%m-%d", "%d.%m.%Y"), **kwargs):
        super().__init__(label, validators, format=list(format), **kwargs)

    def _value(self):
        # A date that was understood goes back in the form the date input reads; one that was not, as typed.
        return self.data.strftime(self.format[0]) if self.data is not None and not self.errors else super()._value()


class TimeField(_TimeField):
    """A time as the browser's time input sends it (18:00, or 18:00:00 with a step), or typed the
    Finnish way (18.00) where the browser shows a plain text field."""

    def __init__(self, label=None, validators=None, format=("%H:%M", "%H.%M", "%H:%M:%S"), **kwargs):
        super().__init__(label, validators, format=list(format), **kwargs)

    def _value(self):
        return self.data.strftime(self.format[0]) if self.data is not None and not self.errors else super()._value()


def sensible_year(form, field):
    """Dates within the years a booking can sensibly have (as the API: 2000-2200)."""
    if field.data and not year_in_range(field.data.year):
        raise ValidationError(_l("Give a date between the years 2000 and 2200."))


class CheckboxesField(SelectMultipleField):
    """Several choices as a list of checkboxes (the template renders them in a fieldset)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


# --- The account and group forms --------------------------------------------------------------------


def _email_field(label=None, **kwargs):
    return EmailField(
        label or _l("E-mail"),
        validators=[DataRequired(message=_l("Give your e-mail address.")), Length(max=254), plain_text, email_address],
        filters=[strip_text],
        **kwargs,
    )


def _new_password_field(label):
    return PasswordField(
        label,
        description=_l("At least 8 characters. A few words in a row are easy to remember and hard to guess."),
        validators=[
            DataRequired(message=_l("Choose a password.")),
            Length(min=MIN_PASSWORD, max=200, message=_l("The password must be at least 8 characters.")),
            plain_text,
        ],
    )


class SignUpForm(FlaskForm):
    role = RadioField(
        _l("I am signing up as"),
        choices=[
            SelectChoice("member", _l("A group representative: I book spaces for an association or a resident group")),
            SelectChoice("volunteer", _l("A volunteer: I help at activities")),
        ],
        validators=[InputRequired(message=_l("Choose how you sign up."))],
    )
    name = StringField(
        _l("Your name"),
        validators=[DataRequired(message=_l("Give your name.")), Length(max=120), plain_text, no_bidi_controls],
        filters=[strip_text],
    )
    email = _email_field()
    password = _new_password_field(_l("Password"))
    confirm = PasswordField(
        _l("The password again"),
        validators=[DataRequired(message=_l("Type the password again.")), Length(max=200, message=_l("At most 200 characters.")),
                    EqualTo("password", message=_l("The passwords are not the same."))],
    )


class ProfileForm(FlaskForm):
    name = StringField(
        _l("Your name"),
        validators=[DataRequired(message=_l("Give your name.")), Length(max=120), plain_text, no_bidi_controls],
        filters=[strip_text],
    )
    email = _email_field()


class PasswordForm(FlaskForm):
    current_password = PasswordField(
        _l("Current password"),
        validators=[DataRequired(message=_l("Give your current password.")), Length(max=200, message=_l("At most 200 characters."))],
    )
    new_password = _new_password_field(_l("New password"))
    confirm = PasswordField(
        _l("New password again"),
        validators=[
            DataRequired(message=_l("Type the new password again.")),
            Length(max=200, message=_l("At most 200 characters.")),
            EqualTo("new_password", message=_l("The passwords are not the same.")),
        ],
    )


class DeleteAccountForm(FlaskForm):
    password = PasswordField(
        _l("Your password"),
        description=_l("To be sure it is you, give your password."),
        validators=[DataRequired(message=_l("Give your password.")), Length(max=200, message=_l("At most 200 characters."))],
    )


GROUP_KIND_LABELS = {
    "association": _l("A registered association"),
    "resident_group": _l("An informal resident group"),
}


class GroupForm(FlaskForm):
    name = StringField(
        _l("The group's name"),
        validators=[DataRequired(message=_l("Give the group's name.")), Length(max=120, message=_l("At most 120 characters.")), plain_text,
                    no_bidi_controls],
        filters=[strip_text],
    )
    kind = RadioField(
        _l("What kind of group"),
        choices=[SelectChoice(k, v) for k, v in GROUP_KIND_LABELS.items()],
        validators=[InputRequired(message=_l("Choose what kind of group it is."))],
    )
    district = SelectField(
        _l("District"),
        description=_l("Where the group is active."),
        choices=[],
        validate_choice=True,
        validators=[DataRequired(message=_l("Give the district.")), Length(max=80, message=_l("At most 80 characters.")), plain_text,
                    no_bidi_controls],
        filters=[district_value],
    )
    registration_number = StringField(
        _l("Registration number (optional)"),
        description=_l("Registered associations: the number in the register of associations, e.g. 123.456."),
        validators=[Optional(), Length(max=40, message=_l("At most 40 characters.")), plain_text],
        filters=[strip_text],
    )
    description = TextAreaField(
        _l("What the group does (optional)"),
        validators=[Optional(), Length(max=4000, message=_l("At most 4000 characters.")), plain_text],
        filters=[strip_text],
    )

    def __init__(self, *args, facility_districts=(), **kwargs):
        super().__init__(*args, **kwargs)
        # Helsinki's districts (commons.districts) and any other the facilities are in
        names = [fi for fi, _sv in districts.DISTRICTS] + list(facility_districts)
        self.district.choices = district_choices(names, empty=_l("Choose a district"))


class InviteForm(FlaskForm):
    email = _email_field(
        _l("Their e-mail"),
        description=_l("They need an account first: ask them to sign up, then add them here."),
    )


class LeaveGroupForm(FlaskForm):
    """Leaving a group: a confirmation with nothing to fill in (the CSRF token)."""


def put_back(form, err, names: dict[str, str] | None = None) -> bool:
    """A service's refusal (a commons.errors.ApiError) next to the form's fields, in the page's
    language: each field the refusal names gets its words (`err.field_text`). `names` maps the
    service's field names (the API's: "free_from", "rules.max_minutes") to the form's where they
    differ. Returns whether any was placed; when none was, the page says `err.said()` instead."""
    names = names or {}
    placed = False
    for key in err.fields:
        target = getattr(form, names.get(key, key), None)
        if target is None or not hasattr(target, "errors"):
            continue
        text = err.field_text(key)
        text = text[:1].upper() + text[1:] + ("" if text.endswith((".", "!", "?")) else ".")
        if not isinstance(target.errors, list):
            target.errors = list(target.errors)
        if text not in target.errors:
            target.errors.append(text)
        placed = True
    return placed


class VerifyEmailForm(FlaskForm):
    """Confirming an address whose link was opened: nothing to fill in (the CSRF token). A button, not the
    link alone, so that a mail program or a scanner that opens every link cannot confirm an address."""


class ForgotForm(FlaskForm):
    """A forgotten password: the address of the account."""

    email = _email_field()


class ResetForm(FlaskForm):
    """A new password, set through the link mailed for a forgotten one."""

    password = _new_password_field(_l("New password"))
    confirm = PasswordField(
        _l("New password again"),
        validators=[
            DataRequired(message=_l("Type the new password again.")),
            Length(max=200, message=_l("At most 200 characters.")),
            EqualTo("password", message=_l("The passwords are not the same.")),
        ],
    )
