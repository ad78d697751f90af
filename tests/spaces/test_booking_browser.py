"""A real browser on the real app: Chromium (the system's /usr/bin/chromium) driven by Playwright.

The app is served by werkzeug in a thread, against the test database, with CSRF protection on (as
in production): a person signs in, opens a space, books it through the form by its labels, and sees
the booking in the week view. A screenshot of the page goes to docs/screenshots/space-page.png.
"""
from __future__ import annotations

import pytest

from tests.support.browser import SCREENSHOTS, check_accessibility
from tests.conftest import PASSWORD, next_weekday

pytestmark = pytest.mark.browser


def test_representative_books_a_space_in_the_browser(live_server, browser_page, make_facility, make_space, make_group, make_user):
    from playwright.sync_api import expect

    facility = make_facility(name="Kallio Library", district="Kallio")
    space = make_space(facility_id=facility, name="Reading circle room", capacity=10,
                       accessibility=["step_free_access", "accessible_toilet"], equipment=["whiteboard", "coffee maker"],
                       buffer_minutes=15, weekly_quota_minutes=360)
    group = make_group(name="Kallio Residents' Association")
    other = make_group(name="Kontula Chess Club")
    rep = make_user(groups=[group], name="Riikka Representative", email="rep@example.fi")
    chess = make_user(groups=[other])
    day = next_weekday(1)
    r = chess.post("/bookings", {"space_id": space, "group_id": other, "title": "Chess night",
                                 "start": f"{day}T10:00", "end": f"{day}T12:00"})
    assert r.status_code == 201, r.get_json()

    page = browser_page
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    # Anonymous: the space page offers to sign in, and the sign-in comes back to the space.
    page.goto(f"{live_server}/spaces")
    check_accessibility(page)
    page.get_by_role("link", name="Reading circle room").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Reading circle room")
    page.get_by_role("link", name="Sign in to book").click()
    page.get_by_label("E-mail").fill(rep.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{live_server}/spaces/{space}")
    expect(page.get_by_role("navigation", name="Main")).to_contain_text("My bookings")

    # Book by the labels.
    page.get_by_label("Group", exact=True).select_option(label="Kallio Residents' Association")
    page.get_by_label("Title", exact=True).fill("Residents' evening")
    page.get_by_label("Date", exact=True).fill(day.isoformat())
    page.get_by_label("Start time").fill("18:00")
    page.get_by_label("End time").fill("20:00")
    page.get_by_label("Number of people").fill("9")
    page.get_by_label("Show the title in the public calendar").check()
    page.get_by_role("button", name="Book", exact=True).click()

    # Redirected to the booked week, with the success message and the booking in the week view.
    status = page.get_by_role("status")
    expect(status).to_contain_text("Booked: Residents' evening")
    year, week, _ = day.isocalendar()
    assert f"week={year}-W{week:02d}" in page.url
    the_day = page.locator(f"li.day:has(h3#day-{day.isoformat()})")
    expect(the_day.locator("li.slot-mine").filter(has_text="18:00–20:00")).to_contain_text("Your booking: Residents' evening")
    expect(the_day.locator("li.slot-booked").filter(has_text="10:00–12:00")).to_have_text("10:00–12:00 Booked")
    expect(the_day.locator("li.slot-free").first).to_contain_text("Free")
    expect(page.locator("#week")).not_to_contain_text("Kontula Chess Club")
    expect(page.locator("#week")).not_to_contain_text("Chess night")

    check_accessibility(page)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "space-page.png"), full_page=True)

    # A second booking on top of it is refused, next to the form, with what was typed kept.
    page.get_by_label("Group", exact=True).select_option(label="Kallio Residents' Association")
    page.get_by_label("Title", exact=True).fill("Overlapping meeting")
    page.get_by_label("Date", exact=True).fill(day.isoformat())
    page.get_by_label("Start time").fill("19:00")
    page.get_by_label("End time").fill("20:00")
    page.get_by_role("button", name="Book", exact=True).click()
    alert = page.locator("#book").get_by_role("alert")
    expect(alert).to_contain_text("This time cannot be booked")
    expect(alert).to_contain_text("18:00–20:00")
    expect(page.get_by_label("Title", exact=True)).to_have_value("Overlapping meeting")

    # My bookings: cancel it.
    page.get_by_role("link", name="My bookings").click()
    expect(page.get_by_role("heading", level=3, name="Residents' evening")).to_be_visible()
    check_accessibility(page)
    page.get_by_role("link", name="Cancel this booking…").click()  # a confirmation step first
    expect(page.get_by_role("heading", level=1)).to_have_text("Cancel a booking")
    check_accessibility(page)
    page.get_by_role("button", name="Yes, cancel").click()
    expect(page.get_by_role("status")).to_contain_text("Cancelled: Residents' evening")
    expect(page.get_by_role("link", name="Cancel this booking…")).to_have_count(0)

    assert not [e for e in errors if "Content Security Policy" in e], errors
