"""Staff and admin journeys in a real browser (Chromium via Playwright, CSRF on), each page checked
with axe-core: staff approves a request from the dashboard, books on behalf of a group, creates a
space and sets its hours, adds a closure; an admin verifies a group and adds staff. A screenshot of
the staff calendar goes to docs/screenshots/staff-calendar.png."""
from __future__ import annotations

import pytest

from tests.support.browser import SCREENSHOTS, check_accessibility
from tests.conftest import PASSWORD, local, next_weekday

pytestmark = pytest.mark.browser


def sign_in(page, base, email):
    page.goto(f"{base}/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


@pytest.fixture
def hall(make_facility, make_space, make_group, make_user):
    facility = make_facility(name="Kallio Library", district="Kallio")
    space = make_space(facility_id=facility, name="Reading circle room", requires_approval=True)
    make_space(facility_id=facility, name="Hall")
    group = make_group(name="Kallio Residents' Association")
    rep = make_user(groups=[group], email="rep@example.fi", name="Riikka Rep")
    make_user(role="staff", facilities=[facility], email="staff@example.fi", name="Sanna Staff")
    return dict(facility=facility, space=space, group=group, rep=rep)


def test_staff_approves_from_the_dashboard_and_sees_the_calendar(live_server, browser_page, hall):
    from playwright.sync_api import expect

    day = next_weekday(2)
    r = hall["rep"].post("/bookings", {"space_id": hall["space"], "group_id": hall["group"], "title": "Residents' evening",
                                       "start": local(day, "18:00"), "end": local(day, "20:00")})
    assert r.get_json()["status"] == "pending"
    page = browser_page
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    sign_in(page, live_server, "staff@example.fi")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Staff").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Staff dashboard")
    expect(page.locator("#queue-title + p")).to_contain_text("1 request is waiting")
    check_accessibility(page)

    page.get_by_role("link", name="Open the approval queue").click()
    check_accessibility(page)
    page.get_by_label("Approve").check()
    page.get_by_label("Message to the group (optional)").fill("Welcome! Keys at the counter.")
    page.get_by_role("button", name="Save decision").click()
    expect(page.get_by_role("status")).to_contain_text("Approved 1 date")

    page.get_by_role("link", name="Staff", exact=True).click()
    page.get_by_role("link", name="Week calendar").click()
    page.get_by_label("Date", exact=True).fill(day.isoformat())
    page.get_by_role("button", name="Show").click()
    table = page.get_by_role("table")
    expect(table).to_contain_text("Confirmed: Residents' evening")
    expect(table).to_contain_text("Kallio Residents' Association")
    expect(page.get_by_role("row", name="Hall")).to_contain_text("Free")
    check_accessibility(page)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1280, "height": 700})
    page.locator("main").screenshot(path=str(SCREENSHOTS / "staff-calendar.png"))

    # the day view, by keyboard: the "Show one day" link
    page.get_by_role("link", name="Show one day").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("columnheader")).to_have_count(2)
    check_accessibility(page)
    assert not [e for e in errors if "Content Security Policy" in e], errors


def test_staff_books_on_behalf_of_a_group(live_server, browser_page, hall):
    from playwright.sync_api import expect

    day = next_weekday(3)
    page = browser_page
    sign_in(page, live_server, "staff@example.fi")
    page.goto(f"{live_server}/staff")
    page.get_by_role("link", name="Book for a group Reading circle room").click()
    group = page.get_by_label("Booking for")
    expect(group).to_be_visible()
    expect(page.locator("#group-hint")).to_contain_text("the group sees it among its bookings")
    group.select_option(label="Kallio Residents' Association")
    page.get_by_label("Title", exact=True).fill("Phone booking: choir")
    page.get_by_label("Date", exact=True).fill(day.isoformat())
    page.get_by_label("Start time").fill("10:00")
    page.get_by_label("End time").fill("12:00")
    page.get_by_role("button", name="Book", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("Booked: Phone booking: choir")
    check_accessibility(page)

    # the same time again: which time is taken, and the nearest free times
    group.select_option(label="Kallio Residents' Association")
    page.get_by_label("Title", exact=True).fill("Second try")
    page.get_by_label("Date", exact=True).fill(day.isoformat())
    page.get_by_label("Start time").fill("11:00")
    page.get_by_label("End time").fill("12:00")
    page.get_by_role("button", name="Book", exact=True).click()
    expect(page.locator("#book").get_by_role("alert")).to_contain_text("10:00–12:00")
    suggestions = page.locator(".suggestions").filter(has_text="Free times nearby")
    expect(suggestions).to_contain_text("Free times nearby")
    expect(suggestions).to_contain_text("12:00–13:00")
    expect(page.get_by_label("Title", exact=True)).to_have_value("Second try")
    check_accessibility(page)

    # the group sees it as confirmed, made by the staff
    booking = [b for b in hall["rep"].get("/bookings").get_json() if b["title"] == "Phone booking: choir"]
    assert booking and booking[0]["on_behalf"] and booking[0]["status"] == "confirmed"


def test_staff_creates_a_space_sets_hours_and_adds_a_closure(live_server, browser_page, hall):
    from playwright.sync_api import expect

    page = browser_page
    sign_in(page, live_server, "staff@example.fi")
    page.goto(f"{live_server}/staff")
    page.get_by_role("link", name="Add a space").first.click()
    check_accessibility(page)
    page.get_by_label("Name", exact=True).fill("Music studio")
    page.get_by_label("Capacity (people)").fill("0")
    page.get_by_label("Step-free access").check()
    page.get_by_label("Equipment (optional)").fill("piano, drum kit")
    monday = page.get_by_role("group", name="Monday")
    monday.get_by_label("Opens").fill("10:00")
    monday.get_by_label("Closes").fill("09:00")
    page.get_by_role("group", name="Saturday").get_by_label("Closed all day").uncheck()
    page.get_by_role("group", name="Saturday").get_by_label("Opens").fill("12:00")
    page.get_by_role("group", name="Saturday").get_by_label("Closes").fill("16:00")
    page.get_by_role("button", name="Add the space").click()

    # errors next to the fields, what was typed kept
    expect(page.get_by_role("alert")).to_contain_text("The space was not saved")
    expect(page.locator("#capacity-error")).to_have_text("Give a number from 1 to 10000.")
    expect(page.locator("#closes_0-error")).to_contain_text("The closing time must be after the opening time.")
    expect(page.get_by_label("Name", exact=True)).to_have_value("Music studio")
    expect(page.get_by_label("Step-free access")).to_be_checked()
    check_accessibility(page)
    page.get_by_label("Capacity (people)").fill("12")
    monday.get_by_label("Closes").fill("20:00")
    page.get_by_role("button", name="Add the space").click()
    expect(page.get_by_role("status")).to_contain_text("Space created: Music studio")

    page.get_by_role("link", name="Edit Music studio").click()
    expect(page.get_by_role("group", name="Saturday").get_by_label("Opens")).to_have_value("12:00")
    expect(page.get_by_role("group", name="Sunday").get_by_label("Closed all day")).to_be_checked()
    check_accessibility(page)
    page.get_by_role("link", name="Open the space page").click()
    hours = page.locator("section.hours table")
    expect(hours.get_by_role("row", name="Monday")).to_contain_text("10:00–20:00")
    expect(hours.get_by_role("row", name="Saturday")).to_contain_text("12:00–16:00")
    expect(hours.get_by_role("row", name="Sunday")).to_contain_text("Not open")

    page.go_back()
    page.get_by_role("link", name="Closures").first.click()
    check_accessibility(page)
    day = next_weekday(0)
    page.get_by_label("First day").fill(day.isoformat())
    page.get_by_label("Reason").fill("Piano tuning")
    page.get_by_label("From (optional)").fill("10:00")
    page.get_by_role("button", name="Add closure").click()
    expect(page.locator("#end-error")).to_contain_text("Give both times")
    expect(page.get_by_label("Reason")).to_have_value("Piano tuning")
    page.get_by_label("Until (optional)").fill("12:00")
    page.get_by_role("button", name="Add closure").click()
    expect(page.get_by_role("status")).to_contain_text("Piano tuning")
    expect(page.get_by_role("heading", level=3)).to_contain_text("10:00–12:00")
    check_accessibility(page)


def test_admin_verifies_a_group_and_adds_staff(live_server, browser_page, make_group, make_user, make_facility):
    from playwright.sync_api import expect

    make_group(name="Kontula Chess Club", verified=False)
    make_user(role="admin", email="admin@example.fi", name="Aino Admin")
    make_user(email="new.staff@example.fi", name="Niko New")
    page = browser_page
    sign_in(page, live_server, "admin@example.fi")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Admin").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Administration")
    check_accessibility(page)
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("status")).to_contain_text("Verified: Kontula Chess Club")
    expect(page.get_by_text("No group is waiting.")).to_be_visible()

    page.get_by_label("Name", exact=True).fill("Kontula Youth Centre")
    page.get_by_label("District").fill("Kontula")
    page.get_by_role("button", name="Add the facility").click()
    expect(page.locator("#address-error")).to_have_text("Give the street address.")
    expect(page.get_by_label("Name", exact=True)).to_have_value("Kontula Youth Centre")
    check_accessibility(page)
    page.get_by_label("Address").fill("Ostostie 4")
    page.get_by_role("button", name="Add the facility").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Kontula Youth Centre")
    page.get_by_label("E-mail of the new staff member").fill("new.staff@example.fi")
    page.get_by_role("button", name="Add to staff").click()
    expect(page.get_by_role("status")).to_contain_text("Niko New is now staff of Kontula Youth Centre")
    check_accessibility(page)

    # CSRF is on: the same session posting without the form's token is refused and nothing is stored
    refused = page.request.post(f"{live_server}/admin/facilities", form={"name": "Forged", "district": "X", "address": "Y"})
    assert refused.status == 400
    page.goto(f"{live_server}/admin")
    expect(page.get_by_role("table")).not_to_contain_text("Forged")
