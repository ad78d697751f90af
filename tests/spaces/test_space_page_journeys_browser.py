"""The space page at phone width (390 px), as issue 21 found it: a free time in the week fills the booking
form (no JavaScript: a link), and after "Book" the outcome is on the screen and focused, not 1,500 px
higher at the top of the page; a refusal too."""
from __future__ import annotations

import pytest

from tests.conftest import PASSWORD, local, next_weekday
from tests.support.browser import check_accessibility

pytestmark = pytest.mark.browser

IN_VIEW = """(sel) => { const r = document.querySelector(sel).getBoundingClientRect();
                        return r.top >= 0 && r.top < window.innerHeight && r.bottom > 0; }"""


def test_a_free_time_fills_the_form_and_the_outcome_is_in_sight_on_a_phone(live_server, browser_page, make_facility, make_space,
                                                                           make_group, make_user):
    from playwright.sync_api import expect

    space = make_space(facility_id=make_facility(name="Kallio Library"), name="Reading room", capacity=12,
                       accessibility=["step_free_access"], equipment=["whiteboard"])
    group = make_group(name="Kallio Chess Club")
    rep = make_user(groups=[group], email="rep@example.fi")
    knitters = make_group(name="Knitters")
    other = make_user(groups=[knitters])
    day = next_weekday(1)
    assert other.post("/bookings", {"space_id": space, "group_id": knitters, "title": "Knitting",
                                    "start": local(day, "08:00"), "end": local(day, "12:00")}).status_code == 201

    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server}/login")
    page.get_by_label("E-mail").fill(rep.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    year, week, _ = day.isocalendar()
    page.goto(f"{live_server}/spaces/{space}?week={year}-W{week:02d}")

    # A free time in the week: one tap fills the date and the times, and the form is on the screen.
    the_day = page.locator(f"li.day:has(h3#day-{day.isoformat()})")
    expect(the_day.locator("li.slot-booked")).to_have_text("08:00–12:00 Booked")
    the_day.get_by_role("link", name="12:00–22:00 Free").click()
    expect(page.get_by_label("Date", exact=True)).to_have_value(day.isoformat())
    expect(page.get_by_label("Start time")).to_have_value("12:00")
    expect(page.get_by_label("End time")).to_have_value("14:00")
    assert page.evaluate(IN_VIEW, "#book h2")

    page.get_by_label("Title", exact=True).fill("Chess for beginners")
    page.get_by_role("button", name="Book", exact=True).click()

    # The outcome where the eyes are: in the viewport, focused (a screen reader reads it), with its links.
    outcome = page.locator("#outcome")
    expect(outcome.get_by_role("status")).to_contain_text("Booked: Chess for beginners")
    assert page.evaluate(IN_VIEW, "#outcome")
    assert page.evaluate("() => document.activeElement.id") == "outcome"
    expect(outcome.get_by_role("link", name="See it in My bookings")).to_be_visible()
    expect(the_day.locator("li.slot-mine")).to_have_text("12:00–14:00 Your booking: Chess for beginners")
    check_accessibility(page)

    # A refusal is where the eyes are too.
    page.get_by_label("Title", exact=True).fill("Overlapping")
    page.get_by_label("Date", exact=True).fill(day.isoformat())
    page.get_by_label("Start time").fill("13:00")
    page.get_by_label("End time").fill("15:00")
    page.get_by_role("button", name="Book", exact=True).click()
    expect(outcome.get_by_role("alert")).to_contain_text("This time cannot be booked")
    assert page.evaluate(IN_VIEW, "#outcome .error-summary")
    # and a nearby free time from its box fills the form
    page.locator("#outcome .suggestions").first.get_by_role("link").first.click()
    expect(page.get_by_label("Start time")).not_to_have_value("13:00")
    expect(page.get_by_label("Date", exact=True)).to_have_value(day.isoformat())
