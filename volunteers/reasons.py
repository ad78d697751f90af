"""The matching's reasons as sentences a person reads, in the page language: the messages module of
the match reasons.

A volunteers.rules.Reason keeps the code the API gives (`reason_codes`: "available", "skill", ...);
`said(reason)` turns it into a registered message code with params (commons.codes: "match_speaks"
with {"language": "sv"}), one code per sentence, whose words are registered below, so that
tests/i18n/test_every_code.py says each in every language. `describe(reason)` is that sentence
("Speaks Swedish (needed)", "Free on Tuesdays 17.00–21.00", "In your district: Kallio");
`skill_name(code)` and `language_name(code)` give the names of skills and languages in the page
language (languages from babel's CLDR data); `LANGUAGE_CODES` are the ISO 639-1 codes a profile or
shift may use.

Sentences are written for the volunteer by default, in one voice addressed to them ("You speak
Swedish", "In your district: Kallio", "You have the skill: first aid"); pass audience="organiser" for
the candidate lists, which read about the volunteer ("Speaks Swedish (needed)", "In their district:
Kallio"). Organisers get only the reasons of rules.organiser_view: "Free at this time" (no windows),
and "Not eligible for this shift" for any miss. The spare time is the shift's week's: `week` (the
shift's ISO week number when it is not this week, see `later_week`) says it of that week, not "this week".
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from babel import Locale
from babel.numbers import format_decimal
from flask_babel import get_locale, gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from commons.codes import Said, message
from commons.districts import display as district_display
from commons.i18n import ON_WEEKDAYS, WEEKDAY_NAMES
from volunteers.rules import CREDENTIAL_KINDS, SKILLS, Reason

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

CREDENTIAL_NAMES = {
    "criminal_record_check": _l("Criminal record check"),
    "first_aid": _l("First-aid certificate"),
    "hygiene_passport": _l("Hygiene passport"),
}
assert set(CREDENTIAL_NAMES) == set(CREDENTIAL_KINDS)


def credential_name(code: str, in_sentence: bool = False) -> str:
    """A credential kind's name in the page language ("First-aid certificate"; inside a sentence
    "first-aid certificate")."""
    name = CREDENTIAL_NAMES.get(code)
    text = str(name) if name is not None else code.replace("_", " ")
    return _in_sentence(text) if in_sentence else text


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


def _segments(value: str) -> list[list[int]]:
    """ "1:1020-1260,2:0-60" -> [[1, 1020, 1260], [2, 0, 60]] (weekday, start and end minute)."""
    out = []
    for part in value.split(","):
        try:
            day, span = part.split(":")
            start, end = span.split("-")
            out.append([int(day) % 7, int(start), int(end)])
        except ValueError:
            continue
    return out


def hours(minutes: int) -> str:
    """Hours in the page language's numbers: 3, 2.5 (2,5 in Finnish and Swedish)."""
    hours = round(minutes / 60, 1)
    return format_decimal(hours if hours % 1 else int(hours), format="#,##0.#", locale=_lang())


def _number(value: str) -> int:
    try:
        return int(value or 0)
    except ValueError:
        return 0


def later_week(start_at, now=None) -> int | None:
    """The ISO week number of a shift starting at `start_at` when that is not this week (local
    weeks in the site's time zone); None for this week's (and past) shifts."""
    from commons.timezone import site_tz

    tz = site_tz()
    now = (now or datetime.now(timezone.utc)).astimezone(tz)
    start = start_at.astimezone(tz)
    if start.date() - timedelta(days=start.weekday()) <= now.date() - timedelta(days=now.weekday()):
        return None
    return start.isocalendar()[1]


def said(reason: Reason, audience: str = "volunteer", week: int | None = None) -> Said:
    """One reason as a message code with its params (one code per sentence; the words are below).
    `week`: the shift's week number when it is a later week (later_week), for the spare time."""
    code, met, value = reason.code, reason.met, reason.value
    organiser = audience == "organiser"
    if code == "available":
        spans = _segments(value)
        if spans:
            return Said("match_free_on", {"spans": spans})
        return Said("match_free_now") if organiser else Said("match_you_are_free")
    if code == "unavailable":
        spans = _segments(value)
        return Said("match_not_free_on", {"spans": spans}) if spans else Said("match_not_free")
    if code == "credential":
        if met:
            return Said("match_has_credential" if organiser else "match_you_have_credential", {"kind": value})
        kind, _sep, problem = value.partition(":")
        if organiser:
            return Said("match_credential_expires" if problem == "expires" else "match_credential_missing", {"kind": kind})
        return Said("match_your_credential_expires" if problem == "expires" else "match_you_need_credential", {"kind": kind})
    if code == "skill":
        if organiser:
            return Said("match_has_skill", {"skill": value}) if met else Said("match_lacks_skill", {"skill": value})
        return Said("match_you_have_skill", {"skill": value}) if met else Said("match_you_lack_skill", {"skill": value})
    if code == "no_skills_needed":
        return Said("match_no_skills_needed" if organiser else "match_you_need_no_skills")
    if code == "language":
        if organiser:
            return Said("match_speaks", {"language": value}) if met else Said("match_does_not_speak", {"language": value})
        return Said("match_you_speak", {"language": value}) if met else Said("match_you_do_not_speak", {"language": value})
    if code == "no_languages_needed":
        return Said("match_no_languages_needed" if organiser else "match_you_need_no_language")
    if code == "district":
        if organiser:
            return Said("match_in_their_district", {"district": value}) if met else \
                Said("match_not_in_their_districts", {"district": value})
        return Said("match_in_your_district", {"district": value}) if met else \
            Said("match_not_in_your_districts", {"district": value})
    if code == "spare_hours":
        if week is not None:
            return Said("match_spare_hours_in_week", {"minutes": _number(value), "week": week}) if met else \
                Said("match_little_spare_time_in_week", {"week": week})
        return Said("match_spare_hours", {"minutes": _number(value)}) if met else Said("match_little_spare_time")
    if code == "fairness":
        return Said("match_few_recent_shifts") if met else Said("match_recent_shifts", {"count": _number(value)})
    if code == "not_eligible":
        return Said("match_not_eligible")
    if code == "age_unknown":
        return Said("match_age_unknown", {"min_age": _number(value)})
    if code == "too_young":
        return Said("match_too_young", {"min_age": _number(value)})
    if code == "needs_consent":
        return Said("match_needs_consent")
    if code == "overlap":
        return Said("match_overlap")
    if code == "over_hours":
        return Said("match_over_hours", {"max_minutes": _number(value)})
    return Said(f"match_{code}")  # a code the rules gained without words here: tests/i18n/test_every_code.py fails


def describe(reason: Reason, audience: str = "volunteer", week: int | None = None) -> str:
    """One sentence for one reason, in the page language."""
    return said(reason, audience, week).text()


def describe_all(reasons, audience: str = "volunteer", week: int | None = None) -> list[str]:
    """describe() for each reason, in order."""
    return [describe(r, audience, week) for r in reasons]


# --- The words of each reason (registered codes; see said) -------------------------------------------


@message("match_free_on", spans=[[1, 1020, 1260]])
def _free_on(p):
    return "; ".join(_("You are free %(when)s %(start)s–%(end)s", when=ON_WEEKDAYS[d % 7], start=_clock(s), end=_clock(e))
                     for d, s, e in p["spans"])


@message("match_free_now")
def _free_now(p):
    return _("Free at this time")


@message("match_not_free_on", spans=[[2, 1020, 1140]])
def _not_free_on(p):
    spans = ", ".join(f"{WEEKDAY_NAMES[d % 7]} {_clock(s)}–{_clock(e)}" for d, s, e in p["spans"])
    return _("You are not free at this time: %(when)s", when=spans)


@message("match_not_free")
def _not_free(p):
    return _("You are not free at this time")


@message("match_has_skill", skill="first_aid")
def _has_skill(p):
    return _("Has %(skill)s skills (needed)", skill=_in_sentence(skill_name(p["skill"])))


@message("match_lacks_skill", skill="first_aid")
def _lacks_skill(p):
    return _("Does not list %(skill)s (needed)", skill=_in_sentence(skill_name(p["skill"])))


@message("match_no_skills_needed")
def _no_skills_needed(p):
    return _("No particular skills needed")


@message("match_speaks", language="sv")
def _speaks(p):
    return _("Speaks %(language)s (needed)", language=language_name(p["language"]))


@message("match_does_not_speak", language="sv")
def _does_not_speak(p):
    return _("Does not speak %(language)s (needed)", language=language_name(p["language"]))


@message("match_no_languages_needed")
def _no_languages_needed(p):
    return _("No particular language needed")


def district_in_language(name: str) -> str:
    """A district as the reader's language names it (Berghäll on a Swedish page for a shift saved in Kallio)."""
    return district_display(name, str(get_locale() or "fi"))


@message("match_in_your_district", district="Kallio")
def _in_your_district(p):
    return _("In your district: %(district)s", district=district_in_language(p["district"]))


@message("match_not_in_your_districts", district="Kallio")
def _not_in_your_districts(p):
    return _("Not in your districts: %(district)s", district=district_in_language(p["district"]))


@message("match_in_their_district", district="Kallio")
def _in_their_district(p):
    return _("In their district: %(district)s", district=district_in_language(p["district"]))


@message("match_not_in_their_districts", district="Kallio")
def _not_in_their_districts(p):
    return _("Not in their districts: %(district)s", district=district_in_language(p["district"]))


@message("match_spare_hours", minutes=150)
def _sparehours(p):
    return _("You have %(hours)s h left this week", hours=hours(p["minutes"]))


@message("match_spare_hours_in_week", minutes=150, week=51)
def _spare_hours_in_week(p):
    return _("You have %(hours)s h left in week %(week)s", hours=hours(p["minutes"]), week=p["week"])


@message("match_little_spare_time")
def _little_spare_time(p):
    return _("You have little time left this week")


@message("match_little_spare_time_in_week", week=51)
def _little_spare_time_in_week(p):
    return _("You have little time left in week %(week)s", week=p["week"])


@message("match_few_recent_shifts")
def _few_recent_shifts(p):
    return _("You have had few shifts lately")


@message("match_recent_shifts", count=5)
def _recent_shifts(p):
    return ngettext("You have had %(num)d shift lately", "You have had %(num)d shifts lately", p["count"])


@message("match_not_eligible")
def _not_eligible(p):
    return _("Not eligible for this shift")


@message("match_age_unknown", min_age=16)
def _age_unknown(p):
    return _("Add your date of birth: the minimum age is %(age)s", age=p["min_age"])


@message("match_too_young", min_age=16)
def _too_young(p):
    return _("You are under the minimum age of %(age)s", age=p["min_age"])


@message("match_needs_consent")
def _needs_consent(p):
    return _("You need a guardian's consent (under 18)")


@message("match_overlap")
def _overlap(p):
    return _("You already have a shift at this time")


@message("match_over_hours", max_minutes=240)
def _overhours(p):
    return _("You would go past your weekly limit of %(hours)s h", hours=hours(p["max_minutes"]))


@message("match_has_credential", kind="first_aid")
def _has_credential(p):
    return _("Has a valid %(kind)s (needed)", kind=_in_sentence(credential_name(p["kind"])))


@message("match_credential_missing", kind="first_aid")
def _credential_missing(p):
    return _("Needs a valid %(kind)s", kind=_in_sentence(credential_name(p["kind"])))


@message("match_credential_expires", kind="first_aid")
def _credential_expires(p):
    return _("%(kind)s expires before this shift", kind=credential_name(p["kind"]))


# The volunteer's own voice for what organisers read about them (audience="volunteer").


@message("match_you_are_free")
def _you_are_free(p):
    return _("You are free at this time")


@message("match_you_have_skill", skill="first_aid")
def _you_have_skill(p):
    return _("You have the skill: %(skill)s", skill=_in_sentence(skill_name(p["skill"])))


@message("match_you_lack_skill", skill="first_aid")
def _you_lack_skill(p):
    return _("You have not listed the skill: %(skill)s", skill=_in_sentence(skill_name(p["skill"])))


@message("match_you_need_no_skills")
def _you_need_no_skills(p):
    return _("You need no particular skills")


@message("match_you_speak", language="sv")
def _you_speak(p):
    return _("You speak %(language)s", language=language_name(p["language"]))


@message("match_you_do_not_speak", language="sv")
def _you_do_not_speak(p):
    return _("You have not listed the language: %(language)s", language=language_name(p["language"]))


@message("match_you_need_no_language")
def _you_need_no_language(p):
    return _("You need no particular language")


@message("match_you_have_credential", kind="first_aid")
def _you_have_credential(p):
    return _("You have a valid %(kind)s", kind=_in_sentence(credential_name(p["kind"])))


@message("match_you_need_credential", kind="first_aid")
def _you_need_credential(p):
    return _("You need a valid %(kind)s", kind=_in_sentence(credential_name(p["kind"])))


@message("match_your_credential_expires", kind="first_aid")
def _your_credential_expires(p):
    return _("Your %(kind)s expires before this shift", kind=_in_sentence(credential_name(p["kind"])))
