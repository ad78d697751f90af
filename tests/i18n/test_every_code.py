"""Every refusal code the rules and services can produce, found in the source (not from a hand
list), is registered with words, and says itself in Finnish, Swedish and English.

How a code is written, so that this walk finds it (the conventions of commons.codes):
- a refusal: `ApiError(..., reason="code")` (and `Invalid`, `Forbidden`, `NotFound`, `Conflict`,
  `RuleViolation`, `Unauthorized`): the `reason=` keyword;
- a field's refusal or any code as a value: `Said("code", {...})`;
- a rule's problem: `Problem(kind, "code", ...)` and `no("code", ...)` in spaces.rules;
- a repeat rule or a calendar file that cannot be used: `RRuleError("code", ...)`,
  `NotACalendar("code", ...)`, `TooMany("code", ...)`, `BadTimezone("code", ...)`, `TooComplex("code", ...)`;
  an event an import skips: `Skipped(uid, "code", ...)`;
- a schema validator's refusal: `PydanticCustomError("code", "English words", {...})`;
- the words: `@message("code", **example_params)` in a package's messages.py (volunteers' match
  reasons: in volunteers/reasons.py, the codes a `Reason` of volunteers.rules is said with).

Besides, in commons, spaces, calendars and volunteers no refusal may be raised without a `reason` (a
bare English message), no schema validator may raise a bare ValueError, and no view may show an
error's English `message`: so nobody can add one later.
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask_babel import force_locale

from commons.codes import entries, say

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("commons", "spaces", "calendars", "volunteers", "rounds")
CONVERTED = PACKAGES

ERRORS = {"ApiError", "Invalid", "Unauthorized", "Forbidden", "NotFound", "Conflict", "RuleViolation"}
CODE_FIRST = {"Said", "RRuleError", "NotACalendar", "TooMany", "BadTimezone", "TooComplex", "PydanticCustomError", "no",
              "say", "english"}
CODE_SECOND = {"Problem", "Skipped"}

# Codes whose words quote what the API takes (times as HH:MM or ISO 8601, the names of its fields):
# those are written the API's way in every language, not the page language's way.
API_FORMATS = {"iso_time_type", "iso_time_format", "hhmm_format", "hhmm_range", "datetime_parsing", "time_parsing",
               "date_parsing", "report_period_required", "rrule_until_format", "rrule_one_line", "rrule_needs_end"}


# The same check over every route, page, code or role: clock-independent, so CI's clock lanes leave it out.
pytestmark = pytest.mark.sweep


@dataclass(frozen=True)
class Found:
    code: str
    path: str
    line: int

    @property
    def package(self) -> str:
        return self.path.split("/")[0]


def _name(func: ast.expr) -> str:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def _literal(node: ast.expr | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def python_files(packages=PACKAGES):
    for package in packages:
        yield from sorted((ROOT / package).rglob("*.py"))


def walk_source(text: str, rel: str, produced: list, registered: list, bare: list) -> None:
    """The codes one module produces and registers, and its refusals raised without a reason."""
    for node in ast.walk(ast.parse(text, rel)):
        if not isinstance(node, ast.Call):
            continue
        name = _name(node.func)
        where = (rel, node.lineno)
        if name in ERRORS:
            reason = next((k.value for k in node.keywords if k.arg == "reason"), None)
            if reason is None:
                bare.append(Found(name, *where))
            elif _literal(reason):
                produced.append(Found(_literal(reason), *where))
            fields = next((k.value for k in node.keywords if k.arg == "fields"), None)
            if isinstance(fields, ast.Dict) and any(_literal(v) is not None or isinstance(v, ast.JoinedStr)
                                                    for v in fields.values):
                bare.append(Found(f"{name} with English fields", *where))  # a field's refusal is a Said
        elif name in CODE_FIRST and node.args and _literal(node.args[0]):
            produced.append(Found(_literal(node.args[0]), *where))
        elif name in CODE_SECOND and len(node.args) > 1 and _literal(node.args[1]):
            produced.append(Found(_literal(node.args[1]), *where))
        elif name == "message" and node.args and _literal(node.args[0]):
            registered.append(Found(_literal(node.args[0]), *where))


def walk(packages=PACKAGES) -> tuple[list[Found], list[Found], list[Found]]:
    """(codes produced, codes registered with @message, refusals raised without a reason)."""
    produced: list[Found] = []
    registered: list[Found] = []
    bare: list[Found] = []
    for path in python_files(packages):
        walk_source(path.read_text(encoding="utf-8"), path.relative_to(ROOT).as_posix(), produced, registered, bare)
    return produced, registered, bare


PRODUCED, REGISTERED, BARE = walk()


def test_the_walk_finds_the_codes_of_every_kind():
    """The walk itself: it finds codes written each way (a test that cannot fail finds nothing)."""
    codes = {f.code for f in PRODUCED}
    for code in ("too_short", "booked", "over_quota", "nonexistent_time", "rrule_freq", "booking_refused",
                 "space_not_found", "fields_invalid", "iso_time_format", "ics_no_begin", "ics_no_length",
                 "too_many_events", "email_taken", "year_out_of_range", "ics_timezone_not_yearly",
                 "ics_too_complex", "ics_interval_not_whole", "import_space_changed", "password_changed_meanwhile",
                 "overlap", "not_eligible", "outside_booking", "plan_full", "unknown_skill", "match_speaks",
                 "match_in_their_district"):
        assert code in codes, code
    assert len({f.code for f in PRODUCED if f.package in CONVERTED}) > 100
    assert {f.code for f in REGISTERED} >= {"too_short", "missing", "ics_cancelled"}


def test_every_code_produced_is_registered(app):
    """Each code a rule or service of commons, spaces, calendars or volunteers produces has words, and
    create_app imports every messages.py (the registry after create_app holds every code written in one)."""
    known = set(entries())
    missing = [f"{f.code} ({f.path}:{f.line})" for f in PRODUCED if f.package in CONVERTED and f.code not in known]
    assert not missing, f"codes without words: {missing}"
    unregistered = [f"{f.code} ({f.path}:{f.line})" for f in REGISTERED if f.package in CONVERTED and f.code not in known]
    assert not unregistered, f"messages.py not imported by create_app: {unregistered}"


def test_every_match_reason_has_words(app):
    """The matching's reasons (volunteers.rules.Reason codes, found in the rules' source) are said
    through registered codes (volunteers.reasons.said), met or not, to a volunteer and to an organiser."""
    from volunteers import reasons, rules

    found = set()
    for node in ast.walk(ast.parse((ROOT / "volunteers" / "rules.py").read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and _name(node.func) == "Reason" and node.args and _literal(node.args[0]):
            found.add(_literal(node.args[0]))
    assert found >= {"available", "unavailable", "skill", "district", "overlap", "over_hours", "not_eligible"}
    assert found <= set(rules.HARD_CODES + rules.PART_CODES) | {"not_eligible"}
    known = set(entries())
    missing = []
    for code in sorted(set(rules.HARD_CODES + rules.PART_CODES) | found):
        for met in (True, False):
            for value in ("", "1:1020-1260", "5"):
                for audience in ("volunteer", "organiser"):
                    said_as = reasons.said(rules.Reason(code, met, value), audience)
                    if said_as.code not in known:
                        missing.append(f"{code} (met={met}, value={value!r}, {audience}): {said_as.code}")
    assert not missing, missing


def test_no_refusal_is_raised_without_a_reason():
    """A refusal in commons, spaces, calendars or volunteers says what is wrong as a code (reason=...),
    and each field's refusal as a Said, never only as an English sentence."""
    bare = [f"{f.code} at {f.path}:{f.line}" for f in BARE if f.package in CONVERTED]
    assert not bare, f"refusals without a reason code: {bare}"


def test_the_walk_finds_a_bare_refusal_and_each_way_of_writing_a_code():
    """The checks themselves, on a module written the old way and the new."""
    produced, registered, bare = [], [], []
    walk_source(
        'raise Invalid("The end must be after the start.", fields={"end": "must be after start"})\n'
        'raise Forbidden(reason="staff_only")\n'
        'raise Invalid(reason=exc.code, params=exc.params, fields={"rrule": Said("rrule_freq")})\n'
        'problems.append(Problem("rule", "too_short", {}, occ))\n'
        'skipped.append(Skipped(uid, "ics_no_length"))\n'
        'raise PydanticCustomError("hhmm_format", "Use HH:MM.")\n'
        '@message("staff_only")\ndef _staff_only(p):\n    return ""\n',
        "spaces/example.py", produced, registered, bare)
    assert [(f.code, f.line) for f in bare] == [("Invalid", 1), ("Invalid with English fields", 1)]
    assert {f.code for f in produced} == {"staff_only", "rrule_freq", "too_short", "ics_no_length", "hhmm_format"}
    assert [f.code for f in registered] == ["staff_only"]


def test_schema_validators_refuse_with_codes():
    """A validator in a schema raises PydanticCustomError (a code with params), not a bare
    ValueError, whose English words a page could only show as they are."""
    offenders = []
    for package in CONVERTED:
        for path in sorted((ROOT / package).rglob("schemas.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call) and _name(node.exc.func) == "ValueError":
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not offenders, offenders


def test_no_view_shows_an_errors_english_message():
    """Pages say refusals with err.said() / err.field_text(name): no view reads `.message` of an error."""
    offenders = []
    for package in CONVERTED:
        for path in sorted((ROOT / package).glob("*views.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Attribute) and node.attr == "message" and isinstance(node.value, ast.Name) \
                        and node.value.id in ("err", "exc", "error"):
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not offenders, offenders


# --- Every registered code, in every language --------------------------------------------------------------

ENGLISH_TIME = re.compile(r"\b(\d{2}):(\d{2})\b")


def said(app, code: str, lang: str) -> str:
    with app.test_request_context("/"), force_locale(lang):
        return say(code, entries()[code].example)


def only_codes_and_numbers(text: str) -> bool:
    """Nothing to translate: no word of three or more lower-case letters."""
    return not re.search(r"\b[a-zåäö]{3,}\b", text)


def english_free_text(params) -> list[str]:
    """The params that are English free text (a parser's error, say), not codes or numbers: a
    Finnish or Swedish sentence must not carry them (commons.i18n.with_detail says them in English only)."""
    out = []
    for value in params.values():
        if isinstance(value, str) and " " in value.strip() and len(re.findall(r"\b[a-z]{2,}\b", value)) >= 2:
            out.append(value)
    return out


@pytest.fixture(scope="module")
def catalogue_english():
    from tests.i18n.test_no_english_left import english_texts

    return {lang: english_texts(lang) for lang in ("fi", "sv")}


def test_every_registered_code_says_itself_in_every_language(app, catalogue_english):
    from tests.i18n.test_no_english_left import english_left

    problems: dict[str, list[str]] = {}
    for code in sorted(entries()):
        texts = {lang: said(app, code, lang) for lang in ("fi", "sv", "en")}
        en = texts["en"]
        wrong = []
        if not en.strip():
            wrong.append("no English words")
        for lang in ("fi", "sv"):
            text = texts[lang]
            if not text.strip():
                wrong.append(f"{lang}: empty")
                continue
            if text == en and not only_codes_and_numbers(en):
                wrong.append(f"{lang}: the same as the English: {text!r}")
            elif en in text and not only_codes_and_numbers(en):
                wrong.append(f"{lang}: holds the English sentence: {text!r}")
            for value in english_free_text(entries()[code].example):
                if value in text:
                    wrong.append(f"{lang}: English words from the params: {value!r} in {text!r}")
            left = english_left(f"<p>{text}</p>", lang)
            if code in API_FORMATS:  # ISO dates in the examples of what the API takes are meant
                left = [x for x in left if not x.startswith("date not in")]
            if left:
                wrong.append(f"{lang}: English left: {left}")
        if code not in API_FORMATS:
            for hh, mm in ENGLISH_TIME.findall(en):
                if f"{int(hh)}.{mm}" not in texts["fi"] or re.search(r"\d:\d\d", texts["fi"]):
                    wrong.append(f"fi: {hh}:{mm} not written {int(hh)}.{mm}: {texts['fi']!r}")
                if f"{hh}:{mm}" not in texts["sv"]:
                    wrong.append(f"sv: {hh}:{mm} not written {hh}:{mm}: {texts['sv']!r}")
        if wrong:
            problems[code] = wrong
    assert len(entries()) >= 140
    assert not problems, problems


def test_times_inside_messages_follow_the_language(app):
    """The example the issue gives: fi 17.00, sv 17:00 (and the whole span in each language's way)."""
    params = {"start": "2027-03-02T17:00:00+02:00", "end": "2027-03-02T19:30:00+02:00"}
    with app.test_request_context("/"):
        with force_locale("fi"):
            assert say("closed", params) == "Suljettu ti 2.3.2027 17.00–19.30."
        with force_locale("sv"):
            assert say("closed", params) == "Stängt tis 2 mars 2027 17:00–19:30."
        with force_locale("en"):
            assert say("closed", params) == "Closed Tue 02 Mar 2027 17:00–19:30."


def test_a_parsers_english_detail_is_said_in_english_only(app):
    with app.test_request_context("/"):
        with force_locale("en"):
            assert say("ics_unreadable", {"detail": "Content line could not be parsed"}) == \
                "The file could not be read as iCalendar (Content line could not be parsed)."
        with force_locale("fi"):
            assert say("ics_unreadable", {"detail": "Content line could not be parsed"}) == \
                "Tiedostoa ei voitu lukea iCalendar-tiedostona."
