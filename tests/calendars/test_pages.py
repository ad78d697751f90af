"""The calendars pages: personal feed links with a rotate button, the links on other pages."""
from __future__ import annotations

import re

from tests.calendars.conftest import book
from tests.conftest import PASSWORD, local, next_weekday


FEED_URL = r'class="feed-url"[^>]*>(http[^<]+/calendars/feeds/[^<]+\.ics)</textarea>'


def _signed_in(app, email, lang=None):
    client = app.test_client()
    if lang:
        client.environ_base["HTTP_ACCEPT_LANGUAGE"] = lang
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
    [old] = re.findall(FEED_URL, html)
    assert "webcal://" in html
    assert client.get(old).status_code == 200
    r = client.post("/calendars/rotate", data={"kind": "group_bookings", "group_id": str(group)})
    assert r.status_code == 302
    assert client.get(old).status_code == 404
    [new] = re.findall(FEED_URL, client.get("/calendars").data.decode())
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


def test_the_feed_link_is_copied_with_a_button_and_a_new_link_asks_first(world, app):
    """Issue 21 item 8: the link wraps (a read-only text area, selectable without JavaScript), the Copy
    button (shown by copy-link.js where the browser can copy) says "Copied" in the page's language, and
    "Make a new link" opens a step that says whose subscriptions stop before the button that does it."""
    space, group, rep, staff, _ = world
    html = _signed_in(app, "riikka@example.fi", "fi").get("/calendars").data.decode()
    li = html[html.index(f'id="feed-group_bookings-{group}"'):]
    li = li[: li.index("</li>")]
    assert re.search(FEED_URL, li) and "readonly" in li
    button = re.search(r'<button type="button" class="copy-link"[^>]*>([^<]+)</button>', li)
    assert button and button.group(1) == "Kopioi" and 'data-copied="Kopioitu"' in button.group(0) and " hidden" in button.group(0)
    assert 'aria-live="polite"' in li and "/static/copy-link.js" in html
    details = li[li.index("<details"): li.index("</details>")]
    assert "<summary>Tee uusi linkki</summary>" in details
    assert "Vanha linkki lakkaa toimimasta heti kaikilta" in details
    # the only button that makes a new link is inside the step that asks first
    assert li.count('type="submit"') == 1 and ">Kyllä, tee uusi linkki</button>" in details
    sv = _signed_in(app, "riikka@example.fi", "sv").get("/calendars").data.decode()
    assert 'data-copied="Kopierad"' in sv and "Ja, gör en ny länk" in sv and "slutar fungera genast, för alla" in sv


def test_the_group_page_and_my_bookings_lead_to_the_groups_feed(world, app):
    space, group, rep, staff, _ = world
    client = _signed_in(app, "riikka@example.fi")
    page = client.get(f"/groups/{group}").data.decode()
    assert f'href="/calendars#feed-group_bookings-{group}">Follow the group’s bookings in your calendar app</a>' in page
    assert f'id="feed-group_bookings-{group}"' in client.get("/calendars").data.decode()
    mine = client.get("/bookings").data.decode()
    assert 'href="/calendars">Follow your groups’ bookings in your calendar app</a>' in mine
