"""The pages in Finnish, Swedish and English: Accept-Language, the default (Finnish), the language
switch (session, and the signed-in person's account), dates in the page language, and the
translation catalogs themselves (complete, no fuzzy entries, placeholders kept, .mo up to date).

The other tests' clients ask for English by default (tests/conftest.py EnglishClient); here each
request says which language it asks for, and `bare` is a client that asks for none."""
from __future__ import annotations

import html
import io
import re
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

from commons.extensions import db
from commons.models import User
from tests.conftest import PASSWORD, next_weekday

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "translations"
LANGUAGES = ("fi", "sv", "en")
ACCEPT = {"fi": "fi-FI,fi;q=0.9,en;q=0.5", "sv": "sv-FI,sv;q=0.9,en;q=0.5", "en": "en-GB,en;q=0.9"}


@pytest.fixture
def bare(app):
    """A client that sends no Accept-Language at all."""
    client = app.test_client()
    client.environ_base.pop("HTTP_ACCEPT_LANGUAGE", None)
    return client


@pytest.fixture
def space(make_facility, make_space):
    facility = make_facility(name="Kallio Library", district="Kallio")
    return make_space(facility_id=facility, name="Reading room", capacity=12, accessibility=["step_free_access"])


def page(response) -> str:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return html.unescape(response.get_data(as_text=True))


def lang_of(text: str) -> str:
    m = re.search(r'<html lang="([^"]+)">', text)
    assert m, "no <html lang>"
    return m.group(1)


def sign_in(client, email: str) -> None:
    r = client.post("/login", data={"email": email, "password": PASSWORD})
    assert r.status_code == 302, r.get_data(as_text=True)


# --- Accept-Language -------------------------------------------------------------------------------

EXPECTED = {
    "/": {"fi": "<h1>Varaa kaupungin tiloja maksutta</h1>", "sv": "<h1>Boka stadens lokaler avgiftsfritt</h1>",
          "en": "<h1>Book the city's spaces, free of charge</h1>"},
    "/login": {"fi": "<h1>Kirjaudu sisään</h1>", "sv": "<h1>Logga in</h1>", "en": "<h1>Sign in</h1>"},
    "/spaces": {"fi": "<h1>Etsi tila</h1>", "sv": "<h1>Hitta en lokal</h1>", "en": "<h1>Find a space</h1>"},
    "space": {"fi": 'id="hours-title">Aukioloajat</h2>', "sv": 'id="hours-title">Öppettider</h2>',
              "en": 'id="hours-title">Opening hours</h2>'},
}
# A second text of each page, to see more than the headings translated (labels, table cells).
ALSO = {
    "/": {"fi": ">Tilat</a>", "sv": ">Lokaler</a>", "en": ">Spaces</a>"},
    "/login": {"fi": ">Sähköposti</label>", "sv": ">E-post</label>", "en": ">E-mail</label>"},
    "/spaces": {"fi": ">Kaupunginosa</label>", "sv": ">Stadsdel</label>", "en": ">District</label>"},
    "space": {"fi": '<th scope="row">Maanantai</th>', "sv": '<th scope="row">Måndag</th>',
              "en": '<th scope="row">Monday</th>'},
}


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("path", ["/", "/login", "/spaces", "space"])
def test_accept_language_chooses_the_page_language(client, space, path, lang):
    url = f"/spaces/{space}" if path == "space" else path
    text = page(client.get(url, headers={"Accept-Language": ACCEPT[lang]}))
    assert lang_of(text) == lang
    assert EXPECTED[path][lang] in text
    assert ALSO[path][lang] in text


@pytest.mark.parametrize("path", ["/", "/login", "/spaces", "space"])
def test_without_accept_language_the_pages_are_finnish(bare, space, path):
    text = page(bare.get(f"/spaces/{space}" if path == "space" else path))
    assert lang_of(text) == "fi"
    assert EXPECTED[path]["fi"] in text


@pytest.mark.parametrize(
    "header, expected",
    [
        ("de-DE,de;q=0.9", "fi"),  # none of ours: the default
        ("de, sv;q=0.8, en;q=0.5", "sv"),  # the best of ours
        ("en;q=0.4, fi;q=0.7", "fi"),
        ("*", "fi"),
        ("sv-SE", "sv"),
    ],
)
def test_accept_language_picks_the_best_supported_language(client, header, expected):
    assert lang_of(page(client.get("/", headers={"Accept-Language": header}))) == expected


def test_error_pages_are_translated_and_the_api_stays_english(client, space):
    r = client.get("/no-such-page", headers={"Accept-Language": "sv"})
    assert r.status_code == 404
    text = html.unescape(r.get_data(as_text=True))
    assert lang_of(text) == "sv" and "Sidan hittades inte" in text and "Det finns ingen sida" in text

    api = client.get("/api/v1/spaces/999999", headers={"Accept-Language": "fi"})
    assert api.status_code == 404
    assert api.get_json()["error"]["message"] == "There is no space 999999."


def test_sign_in_prompt_is_in_the_page_language(client):
    r = client.get("/bookings", headers={"Accept-Language": "fi"})
    assert r.status_code == 302 and "/login" in r.headers["Location"]
    text = page(client.get(r.headers["Location"], headers={"Accept-Language": "fi"}))
    assert "Kirjaudu sisään nähdäksesi tämän sivun." in text


# --- Dates in the page language ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "lang, heading, day",
    [
        ("fi", "Viikko 1: 4.1. – 10.1.2027", ">Maanantai 4.1.</h3>"),
        ("sv", "Vecka 1: 4 januari – 10 januari 2027", ">Måndag 4 januari</h3>"),
        ("en", "Week 1: 4 January – 10 January 2027", ">Monday 4 January</h3>"),
    ],
)
def test_week_view_dates_are_in_the_page_language(client, space, lang, heading, day):
    text = page(client.get(f"/spaces/{space}?week=2027-W01", headers={"Accept-Language": ACCEPT[lang]}))
    assert heading in text
    assert day in text


def test_format_span_in_each_language(app):
    from datetime import datetime, timezone
    from zoneinfo import ZoneInfo

    from commons.i18n import format_span

    tz = ZoneInfo("Europe/Helsinki")
    start = datetime(2026, 12, 1, 16, 0, tzinfo=timezone.utc)  # 18:00 in Helsinki
    end = datetime(2026, 12, 1, 18, 0, tzinfo=timezone.utc)
    spans = {}
    for lang in LANGUAGES:
        with app.test_request_context("/", headers={"Accept-Language": lang}):
            spans[lang] = format_span(start, end, tz)
    assert spans["fi"] == "ti 1.12.2026 18.00–20.00"  # Finnish writes times with a dot
    assert spans["sv"] == "tis 1 dec. 2026 18:00–20:00"
    assert spans["en"] == "Tue 01 Dec 2026 18:00–20:00"


def test_what_is_in_the_way_of_a_booking_is_said_in_the_page_language(client, space, make_group, make_user):
    group = make_group()
    user = make_user(groups=[group])
    sign_in(client, user.email)
    client.post("/language", data={"lang": "fi"})
    day = next_weekday(1)  # a Tuesday
    form = {"group": str(group), "title": "Kokous", "date": day.isoformat(), "start": "18:00", "end": "20:00",
            "attendees": "5", "on_conflict": "reject"}
    assert client.post(f"/spaces/{space}", data=form).status_code == 302
    r = client.post(f"/spaces/{space}", data=dict(form, start="19:00", end="21:00"))
    assert r.status_code == 409
    text = html.unescape(r.get_data(as_text=True))
    when = f"ti {day.day}.{day.month}.{day.year}"
    assert f"{when} 19.00–21.00: Jo varattu {when} 18.00–20.00." in text
    assert "Tätä aikaa ei voi varata:" in text


# --- The language switch ---------------------------------------------------------------------------


def test_the_switch_is_labelled_and_names_each_language_in_itself(client):
    text = page(client.get("/", headers={"Accept-Language": "sv"}))
    form = re.search(r'<form method="post" action="/language" class="language">(.*?)</form>', text, re.S)
    assert form, "no language switch in the header"
    switch = form.group(1)
    assert "<legend>Språk</legend>" in switch
    assert 'name="csrf_token"' in switch
    for code, name in (("fi", "Suomi"), ("sv", "Svenska"), ("en", "English")):
        assert re.search(rf'<button type="submit" name="lang" value="{code}" lang="{code}"[^>]*>{name}</button>', switch)
    assert re.search(r'value="sv" lang="sv" aria-current="true"', switch)


def test_the_switch_sticks_across_requests(client, space):
    r = client.post("/language", data={"lang": "sv", "next": f"/spaces/{space}?week=2027-W01"})
    assert r.status_code == 302
    assert r.headers["Location"].endswith(f"/spaces/{space}?week=2027-W01")
    for url in ("/", "/spaces", f"/spaces/{space}", "/login"):
        # the switch wins over what the browser asks for
        assert lang_of(page(client.get(url, headers={"Accept-Language": "en"}))) == "sv"
    client.post("/language", data={"lang": "fi"})
    assert lang_of(page(client.get("/", headers={"Accept-Language": "en"}))) == "fi"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)", ""])
def test_the_switch_goes_back_only_to_this_site(client, target):
    r = client.post("/language", data={"lang": "en", "next": target})
    assert r.status_code == 302
    assert r.headers["Location"] in ("/", "http://commons.test/")


@pytest.mark.parametrize("value", ["de", "", "FI", "fi-FI", "x" * 300, "sv\x00"])
def test_an_unsupported_language_is_refused(client, value):
    r = client.post("/language", data={"lang": value})
    assert r.status_code in (400, 422)
    assert lang_of(html.unescape(r.get_data(as_text=True))) == "en"
    assert lang_of(page(client.get("/"))) == "en"  # nothing stored


def test_a_missing_language_is_refused(client):
    assert client.post("/language", data={}).status_code in (400, 422)
    assert client.get("/language").status_code == 405


def test_a_signed_in_persons_choice_is_kept_on_their_account(app, client, make_user):
    user = make_user()
    sign_in(client, user.email)
    assert lang_of(page(client.get("/"))) == "en"  # nothing saved yet: Accept-Language
    r = client.post("/language", data={"lang": "sv", "next": "/bookings"})
    assert r.status_code == 302 and r.headers["Location"].endswith("/bookings")
    with app.app_context():
        assert db.session.get(User, user.user_id).language == "sv"
    assert "<h1>Mina bokningar</h1>" in page(client.get("/bookings"))

    other = app.test_client()  # another browser, asking for English
    sign_in(other, user.email)
    text = page(other.get("/"))
    assert lang_of(text) == "sv"
    assert "Inloggad som" in text

    # signing out keeps the language chosen on this browser
    client.post("/logout")
    assert lang_of(page(client.get("/"))) == "sv"


def test_an_anonymous_choice_survives_signing_in_and_becomes_the_accounts(app, client, make_user):
    """Issue 21 item 2: the switch clicked before signing in is the person's choice, so their e-mail follows
    it too (docs/accounts.md "The account's language"; tests/commons/test_account_language.py)."""
    user = make_user()
    client.post("/language", data={"lang": "fi"})
    sign_in(client, user.email)
    assert lang_of(page(client.get("/"))) == "fi"
    with app.app_context():
        assert db.session.get(User, user.user_id).language == "fi"


# --- The catalogs ----------------------------------------------------------------------------------

PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")
CATALOGS = sorted(TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"))


def _read_po(path: Path):
    with path.open("rb") as f:
        return read_po(f)


def test_there_are_finnish_and_swedish_catalogs():
    assert {p.parts[-3] for p in CATALOGS} == {"fi", "sv"}


@pytest.mark.parametrize("po", CATALOGS, ids=lambda p: p.parts[-3])
def test_every_message_is_translated_and_none_is_fuzzy(po):
    catalog = _read_po(po)
    assert not catalog.fuzzy, "the catalog header is marked fuzzy"
    bad = []
    for m in catalog:
        if not m.id:
            continue
        strings = m.string if isinstance(m.string, (tuple, list)) else (m.string,)
        if m.fuzzy or not all(s and s.strip() for s in strings):
            bad.append(m.id)
    assert not bad, f"untranslated or fuzzy in {po}: {bad}"
    assert not list(catalog.obsolete), f"obsolete entries in {po}: run pybabel update with --ignore-obsolete"


@pytest.mark.parametrize("po", CATALOGS, ids=lambda p: p.parts[-3])
def test_placeholders_are_kept(po):
    bad = []
    for m in _read_po(po):
        if not m.id:
            continue
        ids = m.id if isinstance(m.id, (tuple, list)) else (m.id,)
        strings = m.string if isinstance(m.string, (tuple, list)) else (m.string,)
        wanted = set(PLACEHOLDER.findall(ids[-1]))
        assert set(PLACEHOLDER.findall(ids[0])) <= wanted
        for s in strings:
            if set(PLACEHOLDER.findall(s)) != wanted or "%" in PLACEHOLDER.sub("", s):
                bad.append((ids[0], s))
    assert not bad, f"placeholders differ in {po}: {bad}"


@pytest.mark.parametrize("po", CATALOGS, ids=lambda p: p.parts[-3])
def test_the_compiled_catalog_matches_its_po_file(po):
    mo = po.with_suffix(".mo")
    assert mo.exists(), f"{mo} is missing: run pybabel compile -d translations"
    compiled = io.BytesIO()
    write_mo(compiled, _read_po(po))
    compiled.seek(0)
    with mo.open("rb") as f:
        stored = read_mo(f)
    fresh = read_mo(compiled)

    def messages(catalog):
        def key(x):
            return tuple(x) if isinstance(x, (list, tuple)) else x

        return {key(m.id): key(m.string) for m in catalog if m.id}

    assert messages(stored) == messages(fresh), f"{mo} is out of date: run pybabel compile -d translations"


def test_every_message_in_the_code_is_in_the_catalogs():
    with (ROOT / "babel.cfg").open() as f:
        method_map, options_map = parse_mapping_cfg(f)
    keywords = dict(DEFAULT_KEYWORDS, _l=None, lazy_gettext=None)
    in_code = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=keywords
    ):
        in_code.add(message[0] if isinstance(message, tuple) else message)
    assert len(in_code) > 100
    for po in CATALOGS:
        known = {m.id[0] if isinstance(m.id, (tuple, list)) else m.id for m in _read_po(po) if m.id}
        missing = sorted(in_code - known)
        assert not missing, f"not in {po} (run pybabel extract and update): {missing}"
