"""Forms of the calendars pages."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField
from wtforms.validators import Length


class ImportForm(FlaskForm):
    file = FileField(
        _l("Calendar file (.ics)"),
        validators=[FileRequired(message=_l("Choose an .ics file to import."))],
        # the description, with the configured size limit, is set by the page (calendars.views.import_page)
    )


class RotateForm(FlaskForm):
    kind = HiddenField(validators=[Length(max=40)])
    group_id = HiddenField(validators=[Length(max=20)])
