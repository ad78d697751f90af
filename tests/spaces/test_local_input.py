"""Dates and times typed the Finnish/Swedish way are understood where a browser shows a text field."""
from __future__ import annotations

from datetime import date, time

import pytest
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict

from commons.forms import DateField, TimeField


class _Form(FlaskForm):
    class Meta:
        csrf = False

    day = DateField("Day")
    at = TimeField("At")


@pytest.mark.parametrize(
    "typed_day, typed_at, day, at",
    [
        ("2027-01-12", "18:00", date(2027, 1, 12), time(18, 0)),  # what date/time inputs send
        ("12.1.2027", "18.00", date(2027, 1, 12), time(18, 0)),  # typed in Finnish
        ("12.01.2027", "08.30", date(2027, 1, 12), time(8, 30)),
        ("2027-01-12", "18:00:00", date(2027, 1, 12), time(18, 0)),  # a time input with a step
    ],
)
def test_local_typing_is_understood(app, typed_day, typed_at, day, at):
    with app.test_request_context():
        form = _Form(formdata=MultiDict({"day": typed_day, "at": typed_at}))
        assert form.validate(), form.errors
        assert (form.day.data, form.at.data) == (day, at)
        # rendered back in the form the browser's inputs expect
        assert 'value="2027-01-12"' in form.day() and f'value="{at:%H:%M}"' in form.at()


@pytest.mark.parametrize("typed_day, typed_at", [("1/12/2027", "18:00"), ("2027-01-12", "25.00"), ("31.2.2027", "18:00")])
def test_what_is_not_a_date_or_time_is_refused(app, typed_day, typed_at):
    with app.test_request_context():
        form = _Form(formdata=MultiDict({"day": typed_day, "at": typed_at}))
        assert not form.validate()
