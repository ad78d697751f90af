"""The calendars pages: personal feed links with a rotate button, the links on other pages."""
from __future__ import annotations

import re

from tests.calendars.conftest import book
from tests.conftest import PASSWORD, local, next_weekday


def _signed_in(app, email):
    client = app.test_client()
    r = client.post("/login", data={"email": email, "password": PASSWORD})
    assert r.status_code in (302, 303)
    return client


def test_feeds_page_lists_links_and_makes_new_ones(world, app):
    space, group, rep, staff, _ = world
    client = _signed_in(app, "riikka@example.fi")
    page = client.get("/calendars")
    assert page.status_code == 200
    html = page.data.decode()
    assert html.count("<h1>") == 1 and "Kallio Knitters" in html and 'aria-current="page"' in html
    [old] = re.findall(r'value="(http[^"]+/calendars/feeds/[^"]+\.ics)"', html)
    assert "webcal://" in html
    assert client.get(old).status_code == 200
    r = client.post("/calendars/rotate", data={"kind": "group_bookings", "group_id": str(group)})
    assert r.status_code == 302
    assert client.get(old).status_code == 404
    [new] = re.findall(r'value="(http[^"]+/calendars/feeds/[^"]+\.ics)"', client.get("/calendars").data.decode())
    assert new != old and client.get(new).status_code == 200
    assert client.post("/calendars/rotate", data={"kind": "group_bookings", "group_id": "99999"}).status_code == 404


def test_feeds_page_needs_sign_in(client):
    assert client.get("/calendars").status_code == 302


def test_links_to_feeds_on_the_space_page_and_my_bookings(world, app, client):
    space, group, rep, staff, _ = world
    day = next_weekday(2)
    b = book(rep, space, group, local(day, "10:00"), local(day, "11:00"))
    html = client.get(f"/spaces/{space}").data.decode()
    assert f"webcal://commons.test/calendars/spaces/{space}.ics" in html
    mine = _signed_in(app, "riikka@example.fi").get("/bookings").data.decode()
    assert f"/bookings/{b['id']}.ics" in mine and "/calendars" in mine
