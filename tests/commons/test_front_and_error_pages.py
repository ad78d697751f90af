"""The front page (the search form, who can book, help without internet) and the friendly error
pages (404, 403, 429, 500) in the person's language, each with a way back."""
from __future__ import annotations

import html
import logging
import re

import pytest

from tests.conftest import PASSWORD, next_weekday


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


@pytest.fixture
def spaces(make_facility, make_space):
    kallio = make_facility(name="Kallio Library", district="Kallio")
    malmi = make_facility(name="Malmitalo", district="Malmi")
    room = make_space(facility_id=kallio, name="Reading room", capacity=10, accessibility=["step_free_access"],
                      equipment=["whiteboard", "projector"])
    hall = make_space(facility_id=malmi, name="Workshop", capacity=30, equipment=["sewing machines"])
    return dict(room=room, hall=hall)


def test_the_front_page_has_the_search_form(client, spaces):
    page = text(client.get("/"))
    form = re.search(r'<form method="get" action="/spaces" class="search" role="search"[^>]*>(.*?)</form>', page, re.S)
    assert form, "no search form on the front page"
    f = form.group(1)
    assert '<label for="district">District</label>' in f
    assert '<option value="Kallio">Kallio</option>' in f and '<option value="Malmi">Malmi</option>' in f
    assert '<label for="min_capacity">At least this many people</label>' in f
    assert '<input id="date" name="date" type="date"' in f
    assert '<label for="start">From</label>' in f and '<label for="end">Until</label>' in f
    assert '<legend>Accessibility</legend>' in f and 'value="step_free_access"' in f
    assert '<legend>Equipment</legend>' in f
    assert 'value="whiteboard"' in f and 'value="sewing machines"' in f
    assert 'name="csrf_token"' not in f  # a search changes nothing


def test_the_front_page_says_who_can_book_and_how_in_plain_words(client, spaces):
    page = text(client.get("/"))
    assert "<h2 id=\"who-title\">Who can book</h2>" in page
    assert "Registered associations and informal resident groups" in page
    assert "Booking is free of charge." in page
    assert "<h2 id=\"how-title\">How to book</h2>" in page
    assert '<a href="/signup">Create an account.</a>' in page
    assert "the staff approve them" in page
    assert "No computer? Call or visit the facility: the staff can book for your group." in page


def test_the_front_page_search_finds_spaces_free_then(client, spaces, make_group, make_user):
    group = make_group()
    rep = make_user(groups=[group])
    day = next_weekday(2)
    r = rep.post("/bookings", {"space_id": spaces["room"], "group_id": group, "title": "Taken",
                               "start": f"{day}T18:00", "end": f"{day}T20:00"})
    assert r.status_code == 201
    args = {"district": "", "date": day.isoformat(), "start": "19:00", "end": "20:00"}
    page = text(client.get("/spaces", query_string=args))
    assert "Reading room" not in page and "Workshop" in page
    page = text(client.get("/spaces", query_string=dict(args, start="20:00", end="21:00")))
    assert "Reading room" in page and "Workshop" in page


def test_the_search_filters_by_equipment(client, spaces):
    page = text(client.get("/spaces", query_string={"equipment": ["whiteboard", "projector"]}))
    assert "Reading room" in page and "Workshop" not in page
    page = text(client.get("/spaces", query_string={"equipment": "sewing machines"}))
    assert "Workshop" in page and "Reading room" not in page
    r = client.get("/spaces", query_string={"equipment": "teleporter"})
    assert r.status_code == 422 and "'teleporter' is not a valid choice for this field." in text(r)


def test_equipment_names_are_translated_where_known(client, spaces):
    page = text(client.get(f"/spaces/{spaces['room']}", headers={"Accept-Language": "fi"}))
    assert "<li>valkotaulu</li>" in page and "<li>videotykki</li>" in page
    page = text(client.get("/", headers={"Accept-Language": "sv"}))
    assert "symaskiner" in page


# --- Error pages ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "lang, heading, words",
    [
        ("fi", "Sivua ei löytynyt", "Takaisin etusivulle"),
        ("sv", "Sidan hittades inte", "Tillbaka till startsidan"),
        ("en", "Page not found", "Back to the front page"),
    ],
)
def test_404_in_the_persons_language_with_a_way_back(client, lang, heading, words):
    r = client.get("/no/such/page", headers={"Accept-Language": lang})
    assert r.status_code == 404
    page = text(r)
    assert f'<html lang="{lang}">' in page
    assert f"<h1>{heading}</h1>" in page
    assert f'<a href="/">{words}</a>' in page


def test_403_in_the_persons_language(client, make_group, make_user):
    a, b = make_group(name="A"), make_group(name="B")
    rep = make_user(groups=[a])
    client.post("/login", data={"email": rep.email, "password": PASSWORD})
    client.post("/language", data={"lang": "sv"})
    r = client.get(f"/groups/{b}")
    assert r.status_code == 403
    page = text(r)
    assert '<html lang="sv">' in page and "<h1>Inte tillåtet</h1>" in page
    assert "Bara gruppens representanter kan se den här sidan." in page
    assert '<a href="/">' in page


def test_500_is_friendly_translated_and_logged(app, client, monkeypatch, caplog):
    def broken():
        raise RuntimeError("secret internal detail")

    monkeypatch.setitem(app.view_functions, "commons.index", broken)
    with caplog.at_level(logging.ERROR):
        r = client.get("/", headers={"Accept-Language": "fi"})
    assert r.status_code == 500
    page = text(r)
    assert '<html lang="fi">' in page
    assert "<h1>Jokin meni vikaan</h1>" in page
    assert "secret internal detail" not in page and "Traceback" not in page
    assert '<a href="/">Takaisin etusivulle</a>' in page
    assert any("secret internal detail" in (rec.exc_text or str(rec.exc_info)) for rec in caplog.records)
    caplog.clear()  # the logged error was expected
