"""Issue 21 items 8 and 16 at phone width (390 px), in Finnish, in a real browser: from the group page
to the group's feed link, which is readable whole (wrapped, nothing wider than the screen); the Copy
button copies it and says "Kopioitu"; and on the space page the booking form's "show the title in the
public calendar" checkbox sits beside its label."""
from __future__ import annotations

import pytest

from tests.conftest import PASSWORD
from tests.support.browser import check_small_screen

pytestmark = pytest.mark.browser


def test_copy_the_feed_link_on_a_phone_and_the_checkbox_beside_its_label(live_server, browser_page, make_space, make_group, make_user):
    from playwright.sync_api import expect

    space = make_space(name="Kokoushuone Kiikku")
    group = make_group(name="Vallilan neulojat")
    make_user(groups=[group], email="riikka@example.fi", name="Riikka")
    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server)
    page.goto(f"{live_server}/login")
    page.locator('form.language button[value="fi"]').click()
    expect(page.locator("html")).to_have_attribute("lang", "fi")
    page.locator("input[name=email]").fill("riikka@example.fi")
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("input[name=password]").press("Enter")
    expect(page.get_by_role("status")).to_contain_text("Olet kirjautunut sisään")

    page.goto(f"{live_server}/groups/{group}")
    page.get_by_role("link", name="Seuraa ryhmän varauksia kalenterisovelluksessasi").click()
    feed = page.locator(f"#feed-group_bookings-{group}")
    link = feed.get_by_label("Kopioitava linkki")
    url = link.input_value()
    assert "/calendars/feeds/" in url
    shown = link.evaluate("e => ({right: e.getBoundingClientRect().right, sw: e.scrollWidth, cw: e.clientWidth,"
                          " sh: e.scrollHeight, ch: e.clientHeight})")
    assert shown["right"] <= 390 and shown["sw"] <= shown["cw"], shown  # wrapped, not cut off at the side
    assert shown["sh"] <= shown["ch"] + 1, shown  # every line of it in sight, no scrolling inside
    check_small_screen(page, width=390)
    feed.get_by_role("button", name="Kopioi").click()
    expect(feed.locator(".copy-status")).to_have_text("Kopioitu")
    assert page.evaluate("navigator.clipboard.readText()") == url

    page.goto(f"{live_server}/spaces/{space}")
    box = page.locator("#public_title").bounding_box()
    label = page.locator("label[for=public_title]")
    expect(label).to_contain_text("julkisessa kalenterissa")
    first_line = label.evaluate("e => { const r = e.getClientRects()[0]; return {left: r.left, top: r.top, bottom: r.bottom}; }")
    assert first_line["left"] >= box["x"] + box["width"], (box, first_line)  # beside, not under
    assert first_line["top"] < box["y"] + box["height"] and first_line["bottom"] > box["y"], (box, first_line)
