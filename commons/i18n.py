"""The page language: which one a request gets, and dates written the way that language writes them.

The language is chosen (select_locale below) from, in order: the switch stored in the session,
the signed-in user's saved language, the browser's Accept-Language, and Finnish. Only the pages are
translated: the JSON API answers in English whatever the request's language.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_date as _babel_format_date
from flask import current_app, has_request_context, request, session
from flask_babel import lazy_gettext as _l

# Weekday names (Monday 0), translated when said.
WEEKDAY_NAMES = (_l("Monday"), _l("Tuesday"), _l("Wednesday"), _l("Thursday"), _l("Friday"), _l("Saturday"), _l("Sunday"))

# "Open on Tuesdays": a weekday as a habit (Monday 0).
ON_WEEKDAYS = tuple(_l(name) for name in (
    "on Mondays", "on Tuesdays", "on Wednesdays", "on Thursdays", "on Fridays", "on Saturdays", "on Sundays"))

# Each language by its own name, for the language switch.
LANGUAGE_NAMES = {"fi": "Suomi", "sv": "Svenska", "en": "English"}

# Date patterns (CLDR) per language: Finnish writes 4.1.2027, Swedish 4 januari 2027.
_PATTERNS = {
    "fi": {"weekday": "cccc", "weekday_date": "cccc d.M.", "weekday_full": "cccc d.M.y", "day_month": "d.M.", "date": "d.M.y", "short": "EEE d.M.y",
           "day": "EEE d.M.y"},
    "sv": {"weekday": "EEEE", "weekday_date": "EEEE d MMMM", "weekday_full": "EEEE d MMMM y", "day_month": "d MMMM", "date": "d MMMM y",
           "short": "EEE d MMM y", "day": "EEE d MMM y"},
    "en": {"weekday": "EEEE", "weekday_date": "EEEE d MMMM", "weekday_full": "EEEE d MMMM y", "day_month": "d MMMM", "date": "d MMMM y",
           "short": "EEE dd MMM y", "day": "EEE d MMM y"},
}


def select_locale() -> str:
    """The language of this request's page (Flask-Babel's locale selector)."""
    languages = current_app.config["LANGUAGES"]
    default = current_app.config["BABEL_DEFAULT_LOCALE"]
    if not has_request_context():
        return default
    chosen = session.get("lang")
    if chosen in languages:
        return chosen
    from flask_login import current_user

    saved = getattr(current_user, "language", None) if current_user else None
    if saved in languages:
        return saved
    # The JSON API speaks English unless the caller asks (Accept-Language) or has chosen a language:
    # a script sending no header gets English reasons, like the API's English error messages.
    fallback = "en" if request.path.startswith("/api/") and "en" in languages else default
    return request.accept_languages.best_match(languages) or fallback


def page_language() -> str:
    """The language being written in: the request's, a `force_locale`'s, or English outside the app."""
    from flask import has_app_context
    from flask_babel import get_locale

    if not has_app_context():
        return "en"

    locale = get_locale()
    return locale.language if locale else current_app.config["BABEL_DEFAULT_LOCALE"]


def format_day(day: date, kind: str = "date") -> str:
    """A date in the page language; kind is weekday (the name alone), weekday_date, weekday_full (with the
    year), day_month, date, short or day (a whole day: fi "su 6.12.2026", sv "sön 6 dec. 2026", en "Sun 6 Dec 2026")."""
    lang = page_language()
    text = _babel_format_date(day, _PATTERNS.get(lang, _PATTERNS["en"])[kind], locale=lang)
    return text[:1].upper() + text[1:] if kind.startswith("weekday") else text


def format_clock(minutes: int) -> str:
    """A time of day given in minutes after midnight (1440: the midnight that ends the day) the way
    the page language writes it: Finnish 18.00 and 8.30 (CLDR H.mm), Swedish and English 18:00 and 08:30."""
    h, m = divmod(minutes, 60)
    return f"{h}.{m:02d}" if page_language() == "fi" else f"{h:02d}:{m:02d}"


def format_span(start: datetime, end: datetime, tz: ZoneInfo) -> str:
    """A booking's time in its space's zone, e.g. "ti 1.12.2026 18.00–20.00" (one day) or both ends."""
    s, e = start.astimezone(tz), end.astimezone(tz)
    first = f"{format_day(s.date(), 'short')} {format_clock(s.hour * 60 + s.minute)}"
    if s.date() == e.date():
        return f"{first}–{format_clock(e.hour * 60 + e.minute)}"
    return f"{first} – {format_day(e.date(), 'short')} {format_clock(e.hour * 60 + e.minute)}"


def whole_days(start: datetime, end: datetime, tz: ZoneInfo) -> tuple[date, date] | None:
    """The first and last day when the span is whole local days (midnight to midnight), else None."""
    s, e = start.astimezone(tz), end.astimezone(tz)
    if s.timetz().replace(tzinfo=None) != time(0) or e.timetz().replace(tzinfo=None) != time(0) or e.date() <= s.date():
        return None
    return s.date(), e.date() - timedelta(days=1)


def format_closure(start: datetime, end: datetime, tz: ZoneInfo) -> str:
    """A closure's time: whole days as days ("su 6.12.2026", "su 6.12.2026 – ti 8.12.2026"), not
    "00.00–00.00"; any other span as format_span writes it."""
    days = whole_days(start, end, tz)
    if days is None:
        return format_span(start, end, tz)
    first, last = days
    if first == last:
        return format_day(first, "day")
    return f"{format_day(first, 'day')} – {format_day(last, 'day')}"


def format_duration(minutes: int) -> str:
    """A length of time in the page language: "1 h 30 min", "2 hours", "45 minutes"."""
    from flask_babel import gettext, ngettext

    hours, rest = divmod(int(minutes), 60)
    if hours and rest:
        return gettext("%(h)d h %(m)d min", h=hours, m=rest)
    if hours:
        return ngettext("%(num)d hour", "%(num)d hours", hours)
    return ngettext("%(num)d minute", "%(num)d minutes", rest)


def format_minutes(minutes: int) -> str:
    """A count of minutes in the page language: "90 minutes" (for quotas, where minutes are counted)."""
    from flask_babel import ngettext

    return ngettext("%(num)d minute", "%(num)d minutes", int(minutes))


def as_moment(value: datetime | str) -> datetime:
    """A time from a message's params: an aware datetime, or ISO 8601 text with its offset."""
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def format_moment(value: datetime | str, tz: ZoneInfo | None = None) -> str:
    """One instant in the page language, e.g. "ti 1.12.2026 18.00" (in `tz`, else in its own offset:
    message params carry the space's local offset)."""
    moment = as_moment(value)
    if tz is not None:
        moment = moment.astimezone(tz)
    return f"{format_day(moment.date(), 'short')} {format_clock(moment.hour * 60 + moment.minute)}"


def format_span_of(start: datetime | str, end: datetime | str, tz: ZoneInfo | None = None) -> str:
    """`format_span` for message params: ISO texts (or datetimes) in their own offset unless `tz` is given."""
    s, e = as_moment(start), as_moment(end)
    if tz is not None:
        return format_span(s, e, tz)
    first = format_moment(s)
    if s.date() == e.date():
        return f"{first}–{format_clock(e.hour * 60 + e.minute)}"
    return f"{first} – {format_moment(e)}"


def with_detail(sentence: str, detail: str | None) -> str:
    """A sentence with a library's own English words about what it could not read (a parser's
    error) in parentheses before its full stop: only in English (the API's `message`, English
    pages). In Finnish and Swedish the sentence stands alone; the detail stays in the params."""
    if not detail or page_language() != "en":
        return sentence
    if sentence.endswith("."):
        return f"{sentence[:-1]} ({detail})."
    return f"{sentence} ({detail})"


def format_week(iso_week: str, short: bool = False) -> str:
    """An ISO week ("2026-W44") in the page language: "Viikko 44/2026", or short "vk 44"."""
    from flask_babel import gettext

    year, week = iso_week.split("-W")
    if short:
        return gettext("wk %(week)d", week=int(week))
    return gettext("Week %(week)d/%(year)d", week=int(week), year=int(year))


# --- WTForms' own messages ("Not a valid time value.") in the page language ------------------------
#
# Flask-WTF translates WTForms' built-in messages with the catalogs shipped in WTForms, which miss
# some (Finnish has no "Not a valid time value."). Our catalogs carry the ones our forms can show
# (listed below for pybabel extract); the form translations look there first, then in WTForms'.


def _wtforms_messages() -> None:  # pragma: no cover - never called: it only lists the texts for extraction
    from flask_babel import gettext, ngettext

    gettext("Not a valid choice.")
    gettext("Invalid Choice: could not coerce.")
    gettext("Not a valid date value.")
    gettext("Not a valid time value.")
    gettext("Not a valid integer value.")
    gettext("This field is required.")
    gettext("Field must be between %(min)d and %(max)d characters long.")
    gettext("Number must be between %(min)s and %(max)s.")
    ngettext("'%(value)s' is not a valid choice for this field.", "'%(value)s' are not valid choices for this field.", 1)
    ngettext("Field cannot be longer than %(max)d character.", "Field cannot be longer than %(max)d characters.", 1)
    ngettext("Field must be at least %(min)d character long.", "Field must be at least %(min)d characters long.", 1)


class FormTranslations:
    """WTForms translations: our catalog first (no formatting here: WTForms formats itself), then WTForms'."""

    def gettext(self, string: str) -> str:
        from flask_babel import get_translations
        from flask_wtf.i18n import translations as wtforms_translations

        ours = get_translations().ugettext(string) if has_request_context() else string
        return ours if ours != string else wtforms_translations.gettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        from flask_babel import get_translations
        from flask_wtf.i18n import translations as wtforms_translations

        default = singular if n == 1 else plural
        ours = get_translations().ungettext(singular, plural, n) if has_request_context() else default
        return ours if ours != default else wtforms_translations.ngettext(singular, plural, n)


def install_form_translations() -> None:
    """Make every FlaskForm use FormTranslations (Flask-WTF reads the module-level `translations`)."""
    import flask_wtf.form

    flask_wtf.form.translations = FormTranslations()
