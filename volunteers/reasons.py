"""The matching's reasons as sentences a person reads, in the page language.

`describe(reason)` turns a volunteers.rules.Reason into one sentence ("Speaks Swedish (needed)",
"Free on Tuesdays 17.00–21.00", "In your district: Kallio"); `skill_name(code)` and
`language_name(code)` give the names of skills and languages in the page language (languages from
babel's CLDR data); `LANGUAGE_CODES` are the ISO 639-1 codes a profile or shift may use.

Sentences are written for the volunteer by default ("In your district: Kallio"); pass
audience="organiser" for the candidate lists ("In their district: Kallio"). Most sentences have no
subject ("Speaks Swedish (needed)") and read the same to both. Organisers get only the reasons of
rules.organiser_view: "Free at this time" (no windows), and "Not eligible for this shift" for any miss.
"""
from __future__ import annotations

from babel import Locale
from babel.numbers import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from volunteers.rules import SKILLS, Reason

# ISO 639-1 codes (two letters) as babel's CLDR data knows them: what profiles and shifts may use.
LANGUAGE_CODES: frozenset[str] = frozenset(
    code for code in Locale("en").languages if len(code) == 2 and code.isalpha() and code.islower())

SKILL_NAMES = {
    "first_aid": _l("First aid"),
    "cooking": _l("Cooking"),
    "tutoring": _l("Tutoring"),
    "language_teaching": _l("Language teaching"),
    "it_help": _l("IT help"),
    "repair": _l("Repair"),
    "sewing": _l("Sewing"),
    "gardening": _l("Gardening"),
    "sports": _l("Sports"),
    "music": _l("Music"),
    "arts_and_crafts": _l("Arts and crafts"),
    "childcare": _l("Childcare"),
    "elder_care": _l("Elder care"),
    "driving": _l("Driving"),
    "event_setup": _l("Event setup"),
    "photography": _l("Photography"),
    "translation": _l("Translation"),
    "sign_language": _l("Sign language"),
}
assert set(SKILL_NAMES) == set(SKILLS)

# "Free on Tuesdays ..." : the weekday as a habit, and the plain weekday name (Monday 0).
ON_WEEKDAYS = (_l("on Mondays"), _l("on Tuesdays"), _l("on Wednesdays"), _l("on Thursdays"), _l("on Fridays"),
               _l("on Saturdays"), _l("on Sundays"))
WEEKDAY_NAMES = (_l("Monday"), _l("Tuesday"), _l("Wednesday"), _l("Thursday"), _l("Friday"), _l("Saturday"),
                 _l("Sunday"))


def _lang() -> str:
    from commons.i18n import page_language

    try:
        return page_language()
    except RuntimeError:  # outside an app: English
        return "en"


def skill_name(code: str) -> str:
    """A skill's name in the page language ("First aid"); an unknown code (a free tag) as written."""
    name = SKILL_NAMES.get(code)
    return str(name) if name is not None else code.replace("_", " ")


def language_name(code: str) -> str:
    """A language's name in the page language ("Swedish", "ruotsi", "svenska"); unknown: the code."""
    try:
        return Locale.parse(_lang()).languages.get(code, code)
    except Exception:  # an unusual page locale: English names
        return Locale("en").languages.get(code, code)


def _in_sentence(name: str) -> str:
    """A name inside a sentence: "First aid" -> "first aid", but "IT help" stays."""
    if len(name) > 1 and name[1].isupper():
        return name
    return name[:1].lower() + name[1:]


def _clock(minutes: int) -> str:
    from commons.i18n import format_clock

    try:
        return format_clock(minutes)
    except RuntimeError:
        h, m = divmod(minutes, 60)
        return f"{h:02d}:{m:02d}"


def _segments(value: str) -> list[tuple[int, int, int]]:
    out = []
    for part in value.split(","):
        try:
            day, span = part.split(":")
            start, end = span.split("-")
            out.append((int(day) % 7, int(start), int(end)))
        except ValueError:
            continue
    return out


def _hours(minutes: int) -> str:
    hours = round(minutes / 60, 1)
    return format_decimal(hours if hours % 1 else int(hours), format="#,##0.#", locale=_lang())


def describe(reason: Reason, audience: str = "volunteer") -> str:
    """One sentence for one reason, in the page language."""
    code, met, value = reason.code, reason.met, reason.value
    organiser = audience == "organiser"
    if code == "available":
        return "; ".join(_("Free %(when)s %(start)s–%(end)s", when=ON_WEEKDAYS[d], start=_clock(s), end=_clock(e))
                         for d, s, e in _segments(value)) or _("Free at this time")
    if code == "unavailable":
        spans = ", ".join(f"{WEEKDAY_NAMES[d]} {_clock(s)}–{_clock(e)}" for d, s, e in _segments(value))
        return _("Not free at this time: %(when)s", when=spans) if spans else _("Not free at this time")
    if code == "skill":
        name = _in_sentence(skill_name(value))
        return _("Has %(skill)s skills (needed)", skill=name) if met else \
            _("Does not list %(skill)s (needed)", skill=name)
    if code == "no_skills_needed":
        return _("No particular skills needed")
    if code == "language":
        name = language_name(value)
        return _("Speaks %(language)s (needed)", language=name) if met else \
            _("Does not speak %(language)s (needed)", language=name)
    if code == "no_languages_needed":
        return _("No particular language needed")
    if code == "district":
        if organiser:
            return _("In their district: %(district)s", district=value) if met else \
                _("Not in their districts: %(district)s", district=value)
        return _("In your district: %(district)s", district=value) if met else \
            _("Not in your districts: %(district)s", district=value)
    if code == "spare_hours":
        minutes = int(value or 0)
        if not met:
            return _("Has little time to spare this week")
        return _("Has %(hours)s h to spare this week", hours=_hours(minutes))
    if code == "fairness":
        count = int(value or 0)
        if met:
            return _("Has had few shifts lately")
        return ngettext("Has had %(num)d shift lately", "Has had %(num)d shifts lately", count)
    if code == "not_eligible":
        return _("Not eligible for this shift")
    if code == "age_unknown":
        return _("Needs a date of birth: the minimum age is %(age)s", age=value)
    if code == "too_young":
        return _("Under the minimum age of %(age)s", age=value)
    if code == "needs_consent":
        return _("Needs a guardian's consent (under 18)")
    if code == "overlap":
        return _("Already has a shift at this time")
    if code == "over_hours":
        return _("Would go past the weekly limit of %(hours)s h", hours=_hours(int(value or 0)))
    return code.replace("_", " ")


def describe_all(reasons, audience: str = "volunteer") -> list[str]:
    """describe() for each reason, in order."""
    return [describe(r, audience) for r in reasons]
