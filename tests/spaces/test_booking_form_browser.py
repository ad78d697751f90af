"""The booking form at phone width (390 px) in a real browser (issue 21, item 6): a person with two
groups chooses one (no default), repeats every other week three times, is warned that the same group
is booked in another space then, books anyway, and finds that group chosen next time."""
from __future__ import annotations

import pytest

from tests.conftest import PASSWORD, local, next_weekday
from tests.support.browser import SCREENSHOTS, check_small_screen

pytestmark = pytest.mark.browser


def test_the_booking_form_at_phone_width(live_server, browser_page, make_facility, make_space, make_group, make_user):
    from playwright.sync_api import expect

    kallio = make_facility(name="Kallio Library", district="Kallio")
    room = make_space(facility_id=kallio, name="Reading circle room", capacity=10)
    hall = make_space(facility_id=kallio, name="Hall", capacity=80)
    chess, choir = make_group(name="Kallio Chess Club"), make_group(name="Kallio Choir")
    rep = make_user(groups=[chess, choir], email="rep@example.fi")
    day = next_weekday(1)
    conductor = make_user(groups=[choir])  # another representative booked the hall (the rep has booked nothing yet)
    assert conductor.post("/bookings", {"space_id": hall, "group_id": choir, "title": "Concert rehearsal",
                                  "start": local(day, "17:00"), "end": local(day, "19:00")}).status_code == 201

    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server}/login?next=/spaces/{room}")
    page.get_by_label("E-mail").fill(rep.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Reading circle room")

    group = page.get_by_label("Group", exact=True)
    expect(group).to_have_value("")  # two groups: none chosen for the person
    group.select_option(label="Kallio Choir")
    page.get_by_label("Title", exact=True).fill("Choir practice")
    page.get_by_label("Date", exact=True).fill(day.isoformat())
    page.get_by_label("Start time").fill("18:00")
    page.get_by_label("End time").fill("20:00")
    page.get_by_label("Number of people").fill("9")
    page.get_by_label("Every other week").check()
    page.get_by_label("Or a number of times").fill("3")
    check_small_screen(page, width=390, context="the booking form")
    page.get_by_role("button", name="Book", exact=True).click()

    warning = page.locator("#book .booking-warning")
    expect(warning).to_contain_text("Your group already has a booking at this time")
    expect(warning).to_contain_text("Hall, Kallio Library")
    expect(warning).to_be_in_viewport()  # where the eyes are, before anything is booked
    expect(page.get_by_label("Or a number of times")).to_have_value("3")
    expect(page.get_by_label("Every other week")).to_be_checked()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    warning.screenshot(path=str(SCREENSHOTS / "i21-06-same-group-warning-en-phone.png"))
    check_small_screen(page, width=390, context="the same-group warning")
    page.get_by_role("button", name="Book anyway").click()

    expect(page.get_by_role("status")).to_contain_text("Booked 3 dates")
    expect(page.get_by_label("Group", exact=True)).to_have_value(str(choir))  # remembered
