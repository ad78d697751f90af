"""Every kind of refused booking, tried through the space page's form in Finnish and in Swedish, is
said in the page's language: no English sentence on the page, neither from the catalog nor made at
run time. What the English would have said is known from the same booking sent to the JSON API (which
answers in English, with `reason`/`params` and each violation's and conflict's `code`/`params`):
none of it may be on the page, and each problem's words in the page's language must be.

The times are built from the space's rules and from today (Helsinki), so the tests pass at any hour
of any day. The browser test takes screenshots of the refusals (docs/screenshots/refusal-fi.png and
refusal-sv.png with UPDATE_SCREENSHOTS=1).
"""
from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Callable

import pytest
from flask_babel import force_locale

from commons.codes import say
from tests.support.browser import SCREENSHOTS, check_accessibility
from tests.conftest import HELSINKI, PASSWORD, local, next_dst_start, next_weekday
from tests.i18n.test_no_english_left import english_left

# Open 08-21 on weekdays and Saturdays, all day on Sundays (the spring clock change is on a Sunday night).
HOURS = {d: [("08:00", "21:00")] for d in range(6)} | {6: [("00:00", "24:00")]}
RULES = dict(min_minutes=60, max_minutes=180, slot_minutes=30, horizon_days=400, weekly_quota_minutes=180,
             buffer_minutes=15)


@pytest.fixture
def world(make_facility, make_space, make_group, make_user):
    facility = make_facility(name="Kallion kirjasto", district="Kallio")
    space = make_space(facility_id=facility, name="Kerhohuone", capacity=12, hours=HOURS, **RULES)
    group = make_group(name="Kallion shakkikerho")
    rep = make_user(groups=[group], name="Riikka Edustaja", email="riikka@example.fi")
    staff = make_user(role="staff", facilities=[facility], name="Sanna Henkilökunta", email="sanna@example.fi")
    return {"space": space, "group": group, "rep": rep, "staff": staff, "day": next_weekday(1)}


@dataclass
class Case:
    """One kind of refusal: the day and times typed into the form, what is in the way beforehand,
    the status, and the codes the refusal carries (None: the form itself refuses it)."""

    day: Callable[[dict], date]
    start: str
    end: str
    status: int
    codes: set[str] | None
    repeat_until: Callable[[date], date] | None = None
    before: Callable[[dict], None] = lambda w: None
    also: dict = field(default_factory=dict)


def _book_first(w, day_offset=0, start="18:00", end="20:00"):
    d = w["day"] + timedelta(days=day_offset)
    r = w["rep"].post("/bookings", {"space_id": w["space"], "group_id": w["group"], "title": "Aiempi varaus",
                                    "start": local(d, start), "end": local(d, end)})
    assert r.status_code == 201, r.get_json()


def _close(w):
    r = w["staff"].post(f"/spaces/{w['space']}/closures", {"start": local(w["day"], "16:00"), "end": local(w["day"], "21:00"),
                                                           "reason": "Lattian vahaus"})
    assert r.status_code == 201, r.get_json()


def _yesterday(w):
    return datetime.now(HELSINKI).date() - timedelta(days=1)


CASES = {
    "too short": Case(lambda w: w["day"], "18:00", "18:30", 422, {"too_short"}),
    "off the slot grid": Case(lambda w: w["day"], "18:10", "19:10", 422, {"off_grid"}),
    "outside opening hours": Case(lambda w: w["day"], "20:00", "22:00", 422, {"outside_opening_hours"}),
    "in the past": Case(_yesterday, "10:00", "11:00", 422, {"in_the_past"}),
    "beyond the horizon": Case(lambda w: next_weekday(1, 60), "18:00", "19:00", 422, {"beyond_horizon"}),
    "too long": Case(lambda w: w["day"], "09:00", "13:00", 422, {"too_long"}),
    "over the weekly quota": Case(lambda w: w["day"] + timedelta(days=1), "18:00", "20:00", 422, {"over_quota"},
                                  before=_book_first),
    "more people than the space holds": Case(lambda w: w["day"], "18:00", "19:00", 422, {"over_capacity"},
                                             also={"attendees": 25}),
    "already booked": Case(lambda w: w["day"], "19:00", "20:00", 409, {"booked"}, before=_book_first),
    "closed": Case(lambda w: w["day"], "18:00", "19:00", 409, {"closed"}, before=_close),
    "nonexistent time": Case(lambda w: next_dst_start(), "03:00", "04:00", 422, {"nonexistent_time"}),
    "end before start": Case(lambda w: w["day"], "20:00", "18:00", 422, None),
    "repeat rule ending before it starts": Case(lambda w: w["day"], "18:00", "19:00", 422, None,
                                                repeat_until=lambda d: d - timedelta(days=7)),
    "repeat rule too long": Case(lambda w: w["day"], "18:00", "19:00", 422, None,
                                 repeat_until=lambda d: d + timedelta(weeks=110)),
}


def api_refusal(w, day: date, case: Case) -> dict:
    """The same booking sent to the JSON API: its English refusal (nothing is booked)."""
    body = {"space_id": w["space"], "group_id": w["group"], "title": "Hallituksen kokous", "attendees": 8,
            "start": local(day, case.start), "end": local(day, case.end)}
    body.update(case.also)
    if case.repeat_until:
        body["rrule"] = f"FREQ=WEEKLY;UNTIL={case.repeat_until(day):%Y%m%d}"
    r = w["rep"].post("/bookings", body)
    assert 400 <= r.status_code < 500, r.get_json()
    return r.get_json()["error"]


def english_of(error: dict) -> list[str]:
    """Every English sentence of an API refusal."""
    texts = [error["message"], *error.get("fields", {}).values()]
    texts += [p["reason"] for p in error.get("violations", []) + error.get("conflicts", [])]
    return texts


def page_text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


@pytest.mark.parametrize("lang", ["fi", "sv"])
@pytest.mark.parametrize("kind", list(CASES))
def test_each_refusal_is_said_in_the_page_language(app, world, kind, lang):
    case = CASES[kind]
    w = world
    case.before(w)
    day = case.day(w)
    error = api_refusal(w, day, case)

    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = lang
    r = client.post("/login", data={"email": w["rep"].email, "password": PASSWORD})
    assert r.status_code == 302
    form = {"group": str(w["group"]), "title": "Hallituksen kokous", "date": day.isoformat(), "start": case.start,
            "end": case.end, "attendees": "8", "on_conflict": "reject"}
    form.update({k: str(v) for k, v in case.also.items()})
    if case.repeat_until:
        form["repeat_until"] = case.repeat_until(day).isoformat()
    r = client.post(f"/spaces/{w['space']}", data=form)
    assert r.status_code == case.status, (kind, page_text(r)[:3000])
    text = page_text(r)
    assert f'<html lang="{lang}">' in text

    # The refusal's own words in the page's language are on the page.
    if case.codes is not None:
        problems = error.get("violations", []) + error.get("conflicts", [])
        said = [(p["code"], p["params"]) for p in problems] or [(error["reason"], error["params"])]
        assert case.codes <= {code for code, _ in said}, (kind, said)
        with app.test_request_context("/"), force_locale(lang):
            words = [say(code, params) for code, params in said]
        for sentence in words:
            assert sentence in text, (kind, lang, sentence)

    # No English: neither the catalog's, nor what the API said in English for the same booking.
    left = english_left(r.get_data(as_text=True), lang, also=english_of(error))
    assert not left, f"English on the {lang} page ({kind}): {left}"


def test_a_refused_booking_in_the_api_carries_codes_and_params(world):
    """The API in English: `reason`/`params` at the top, and each violation and conflict with its
    `code` and `params` (and its English `reason`)."""
    w = world
    _book_first(w)
    day = w["day"]
    r = w["rep"].post("/bookings", {"space_id": w["space"], "group_id": w["group"], "title": "Kokous",
                                    "start": local(day, "19:10"), "end": local(day, "19:40")})
    assert r.status_code == 422
    error = r.get_json()["error"]
    assert error["code"] == "rule" and error["reason"] == "booking_refused"
    assert error["params"]["first_code"] in {"too_short", "off_grid"} and error["params"]["count"] == 3
    assert error["message"].startswith("This time cannot be booked: ")
    assert {v["code"] for v in error["violations"]} == {"too_short", "off_grid"}
    assert {c["code"] for c in error["conflicts"]} == {"booked"}
    for p in error["violations"] + error["conflicts"]:
        assert isinstance(p["params"], dict) and p["reason"]
    (booked,) = error["conflicts"]
    assert booked["params"] == {"start": f"{local(day, '18:00')}:00{booked['start'][-6:]}",
                                "end": f"{local(day, '20:00')}:00{booked['end'][-6:]}", "buffer_minutes": 15}
    assert booked["reason"] == f"Already booked {booked['reason'][len('Already booked '):]}"
    assert "(with 15 minutes for changeover before and after)" in booked["reason"]

    r = w["rep"].post("/bookings", {"space_id": w["space"], "group_id": w["group"], "title": "Kokous",
                                    "start": local(day, "19:00"), "end": local(day, "20:00")})
    assert r.status_code == 409
    error = r.get_json()["error"]
    assert (error["code"], error["reason"]) == ("conflict", "booking_not_free")
    assert error["params"]["first_code"] == "booked"

    # A field's refusal: the English in `fields`, its code in `field_codes`.
    r = w["rep"].post("/bookings", {"space_id": w["space"], "group_id": w["group"], "title": "Kokous",
                                    "start": local(next_dst_start(), "03:00"), "end": local(next_dst_start(), "04:00")})
    assert r.status_code == 422
    error = r.get_json()["error"]
    assert (error["code"], error["reason"]) == ("invalid", "nonexistent_time")
    assert error["field_codes"]["start"] == {"code": "nonexistent_time", "params": error["params"]}
    assert "does not exist" in error["fields"]["start"] and "does not exist" in error["message"]

    # pydantic's refusals: pydantic's English in `fields`, a code from the error type in `field_codes`.
    r = w["rep"].post("/bookings", {"space_id": w["space"], "group_id": w["group"], "title": "x" * 201,
                                    "start": "huomenna", "end": local(day, "20:00"), "attendees": 0})
    assert r.status_code == 422
    error = r.get_json()["error"]
    assert (error["code"], error["reason"]) == ("invalid", "fields_invalid")
    assert error["params"] == {"fields": ["attendees", "start", "title"]}
    assert error["field_codes"] == {
        "title": {"code": "string_too_long", "params": {"max_length": 200}},
        "start": {"code": "iso_time_format", "params": {"value": "huomenna"}},
        "attendees": {"code": "greater_than_equal", "params": {"ge": 1}},
    }
    assert "at most 200 characters" in error["fields"]["title"]


# --- In a browser: screenshots of the refusals in Finnish and Swedish --------------------------------------


@pytest.mark.browser
def test_refusals_in_the_browser_in_finnish_and_swedish(live_server, browser_page, world):
    """A representative books a time that breaks three rules (too short, off the grid, past closing
    time) beside a booked one: the page says each in Finnish, then in Swedish."""
    from playwright.sync_api import expect

    w = world
    _book_first(w)
    page = browser_page
    day = w["day"]
    expected = {
        "fi": ("Varausta ei tehty", "Varauksen on kestettävä vähintään 1 tunti.", "20.40–21.10"),
        "sv": ("Bokningen gjordes inte", "En bokning måste vara minst 1 timme.", "20:40–21:10"),
    }
    for lang in ("fi", "sv"):
        # A browser of that language (its own date and time inputs too), with the language switch pressed.
        context = page.context.browser.new_context(viewport={"width": 1280, "height": 900}, locale=f"{lang}-FI")
        page = context.new_page()
        page.set_default_timeout(15000)
        page.goto(f"{live_server}/login")
        page.locator("form.language button[value=%s]" % lang).click()  # the language switch of every page
        expect(page.locator("html")).to_have_attribute("lang", lang)
        page.locator("#email").fill(w["rep"].email)
        page.locator("#password").fill(PASSWORD)
        page.locator("main form button[type=submit]").click()
        expect(page.locator("html")).to_have_attribute("lang", lang)
        page.goto(f"{live_server}/spaces/{w['space']}")
        book = page.locator("form.booking")
        book.locator("#title").fill("Hallituksen kokous")
        book.locator("#date").fill(day.isoformat())
        book.locator("#start").fill("20:40")
        book.locator("#end").fill("21:10")
        book.locator("#attendees").fill("8")
        book.locator("button[type=submit]").click()
        summary = page.locator(".error-summary")
        heading, too_short, span = expected[lang]
        expect(summary).to_contain_text(heading)
        expect(summary).to_contain_text(too_short)
        expect(summary).to_contain_text(span)
        assert english_left(page.content(), lang) == []
        check_accessibility(page, context=f"space page with refusals ({lang})")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"refusal-{lang}.png"), full_page=True)
        context.close()
