"""Spaces made of parts in a real browser (Chromium via Playwright, CSRF on), each page checked with
axe-core: staff makes a half part of a hall on the space form, books the half for one group and the
hall for another, and sees the refusal in Finnish naming the half, with the other half offered as
another space free then."""
from __future__ import annotations

import pytest

from tests.support.browser import check_accessibility
from tests.conftest import PASSWORD, next_weekday

pytestmark = pytest.mark.browser


def test_staff_divides_a_hall_and_sees_a_family_refusal_in_finnish(live_server, browser_page, make_facility, make_space,
                                                                   make_group, make_user, anon):
    from playwright.sync_api import expect

    facility = make_facility(name="Kallion liikuntahalli", district="Kallio")
    hall = make_space(facility_id=facility, name="Sali", capacity=60)
    half_b = make_space(facility_id=facility, name="Puolikas B", part_of=hall)
    make_group(name="Sählyseura")
    make_group(name="Koripalloseura")
    make_user(role="staff", facilities=[facility], email="staff@example.fi", name="Sanna Staff")
    page = browser_page
    page.goto(f"{live_server}/login")
    page.get_by_label("E-mail").fill("staff@example.fi")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    page.goto(f"{live_server}/staff/spaces/new")
    page.get_by_label("Name", exact=True).fill("Puolikas A")
    page.get_by_label("Capacity (people)").fill("30")
    page.get_by_label("Part of").select_option(label="Kallion liikuntahalli: Sali")
    check_accessibility(page)
    page.get_by_role("button", name="Add the space").click()
    expect(page.get_by_role("status")).to_contain_text("Space created: Puolikas A")

    day = next_weekday(2)
    space_a = next(s["id"] for s in anon.get("/spaces", facility_id=facility).get_json() if s["name"] == "Puolikas A")
    page.goto(f"{live_server}/spaces/{hall}")
    page.get_by_role("button", name="Suomi").click()

    def book(path, group, start, end):
        page.goto(f"{live_server}{path}")
        page.locator("select[name=group]").select_option(label=group)
        page.locator("input[name=title]").fill("Vuoro")
        page.locator("input[name=date]").fill(day.isoformat())
        page.locator("input[name=start]").fill(start)
        page.locator("input[name=end]").fill(end)
        page.locator("form.booking button[type=submit]").click()

    book(f"/spaces/{space_a}", "Sählyseura", "18:00", "19:00")
    expect(page.get_by_role("status").first).to_contain_text("Varattu")
    book(f"/spaces/{hall}", "Koripalloseura", "18:30", "19:30")
    expect(page.get_by_role("alert")).to_contain_text("Puolikas A on jo varattu")
    expect(page.locator("[aria-labelledby=alternatives-title]")).to_contain_text("Puolikas B")
    check_accessibility(page)
    assert half_b
