"""The main journeys in a real browser (Chromium through Playwright, CSRF on), each page checked
with axe-core at desktop width and at 375 px (no sideways scrolling there):

- a new representative signs up, registers a group (an admin verifies it through the API), books a
  hall that needs approval, sees the request pending on the group's page; staff approve it on
  /staff/requests; the representative sees it confirmed;
- a conflict is shown next to the form, with what was typed kept, and fixed by choosing another time;
- the language switch: fi -> sv -> en sticks across pages and after signing in;
- the keyboard: the skip link, visible focus.

Screenshots: docs/screenshots/front-page.png and docs/screenshots/group-page.png.
"""
from __future__ import annotations

import re

import pytest

from tests.conftest import PASSWORD, next_weekday
from tests.support.accounts import mailed_link
from tests.support.browser import SCREENSHOTS, check_accessibility, check_small_screen

pytestmark = pytest.mark.browser


def check(page, what: str) -> None:
    check_accessibility(page, context=what)
    check_small_screen(page, context=what)


def sign_in(page, base: str, email: str, labels=("E-mail", "Password", "Sign in")) -> None:
    page.goto(f"{base}/login")
    page.get_by_label(labels[0]).fill(email)
    page.get_by_label(labels[1]).fill(PASSWORD)
    page.get_by_role("button", name=labels[2], exact=True).click()


def test_sign_up_register_book_approve_confirmed(app, live_server, browser_page, make_facility, make_space, make_user):
    from playwright.sync_api import expect

    oodi = make_facility(name="Oodi Central Library", district="Kluuvi")
    hall = make_space(facility_id=oodi, name="Maijansali event hall", capacity=80, requires_approval=True,
                      accessibility=["step_free_access", "induction_loop"], equipment=["projector", "stage"])
    make_space(facility_id=make_facility(name="Kontula Youth Centre", district="Kontula"), name="Music studio",
               capacity=6, equipment=["piano"])
    admin = make_user(role="admin")
    staff = make_user(role="staff", facilities=[oodi], email="staff@example.fi", name="Sami Staff")
    page = browser_page
    base = live_server
    day = next_weekday(2)

    # The front page: the search right there, who can book, help without internet.
    page.goto(base + "/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Book the city's spaces, free of charge")
    expect(page.get_by_role("search")).to_be_visible()
    expect(page.get_by_label("District")).to_be_visible()
    expect(page.get_by_role("group", name="Equipment")).to_contain_text("projector")
    check(page, "front page")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1024, "height": 900})
    page.screenshot(path=str(SCREENSHOTS / "front-page.png"))
    page.set_viewport_size({"width": 1280, "height": 900})

    # Search from the front page: spaces free then, with a projector.
    page.get_by_label("Date").fill(day.isoformat())
    page.get_by_label("From").fill("18:00")
    page.get_by_label("Until").fill("20:00")
    page.get_by_role("group", name="Equipment").get_by_label("projector").check()
    page.get_by_role("button", name="Search").click()
    expect(page).to_have_url(re.compile(r"/spaces\?"))
    expect(page.get_by_role("link", name="Maijansali event hall")).to_be_visible()
    expect(page.get_by_role("link", name="Music studio")).to_have_count(0)
    check(page, "search results")

    # Sign up as a group representative.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Create an account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Create an account")
    check(page, "sign-up")
    page.get_by_label("A group representative").check()
    page.get_by_label("Your name").fill("Tuula Treasurer")
    page.get_by_label("E-mail").fill("tuula@example.fi")
    page.get_by_label("Password", exact=True).fill("short")
    page.get_by_label("The password again").fill("short")
    page.get_by_role("button", name="Create the account").click()
    # refused next to the field, with what was typed kept
    expect(page.locator("#password-error")).to_have_text("The password must be at least 8 characters.")
    expect(page.get_by_role("alert")).to_contain_text("Password: The password must be at least 8 characters.")
    expect(page.get_by_label("Your name")).to_have_value("Tuula Treasurer")
    check(page, "sign-up errors")
    page.get_by_label("Password", exact=True).fill("three blind mice")
    page.get_by_label("The password again").fill("three blind mice")
    page.get_by_role("button", name="Create the account").click()

    # Then register the group.
    expect(page.get_by_role("status")).to_contain_text("Welcome, Tuula Treasurer!")
    expect(page.get_by_role("heading", level=1)).to_have_text("Register a group")
    expect(page.get_by_role("heading", name="Confirm your e-mail address")).to_be_visible()
    check(page, "register a group")
    # the address is confirmed with the link mailed to it (issue 22), then back to registering the group
    page.goto(base + mailed_link(app, "tuula@example.fi", "verify"))
    page.get_by_role("button", name="Confirm my address").click()
    expect(page.get_by_role("status")).to_contain_text("Thank you: your e-mail address tuula@example.fi is confirmed.")
    page.goto(base + "/groups/new")
    expect(page.get_by_role("heading", name="Confirm your e-mail address")).to_have_count(0)
    page.get_by_label("The group's name").fill("Vallila Residents")
    page.get_by_label("An informal resident group").check()
    page.get_by_label("District").select_option(label="Vallila")
    page.get_by_label("What the group does (optional)").fill("Monthly residents' evenings.")
    page.get_by_role("button", name="Register the group").click()
    expect(page.get_by_role("status")).to_contain_text("Your group Vallila Residents is registered.")
    expect(page.get_by_role("heading", level=1)).to_have_text("Vallila Residents")
    group_id = int(re.search(r"/groups/(\d+)$", page.url).group(1))
    check(page, "group page (new)")

    # An administrator verifies the group (through the API).
    assert admin.post(f"/groups/{group_id}/verify").status_code == 200

    # Book the hall that needs the staff's approval.
    page.goto(f"{base}/spaces/{hall}")
    page.get_by_label("Title", exact=True).fill("Spring party")
    page.get_by_label("Date", exact=True).fill(day.isoformat())
    page.get_by_label("Start time").fill("18:00")
    page.get_by_label("End time").fill("20:00")
    page.get_by_label("Number of people").fill("40")
    page.get_by_role("button", name="Book", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("Request sent: Spring party")
    check(page, "space page after booking")

    # The group's page: the request is pending.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My groups").click()
    page.get_by_role("link", name="Vallila Residents").click()
    card = page.locator("li.booking").filter(has_text="Spring party")
    expect(card).to_contain_text("Waiting for approval")
    check(page, "group page (pending)")

    # Staff approve it, in their own browser.
    staff_context = page.context.browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    try:
        staff_page = staff_context.new_page()
        sign_in(staff_page, base, staff.email)
        staff_page.goto(f"{base}/staff/requests")
        request = staff_page.locator("li.booking").filter(has_text="Spring party")
        request.get_by_label("Approve").check()
        request.get_by_label("Message to the group (optional)").fill("Welcome! The hall opens at 17:30.")
        request.get_by_role("button", name="Save decision").click()
        expect(staff_page.get_by_role("status")).to_contain_text("Approved 1 date")
    finally:
        staff_context.close()

    # The representative sees it confirmed, with the staff's message.
    page.reload()
    card = page.locator("li.booking").filter(has_text="Spring party")
    expect(card).to_contain_text("Confirmed")
    expect(card).to_contain_text("Welcome! The hall opens at 17:30.")
    page.get_by_label("Status").select_option(label="Confirmed")
    page.get_by_role("button", name="Show", exact=True).click()
    expect(page.get_by_role("heading", name="Upcoming bookings: Confirmed")).to_be_visible()
    expect(page.locator("li.booking")).to_have_count(1)
    check(page, "group page (confirmed)")
    page.set_viewport_size({"width": 1024, "height": 900})
    page.screenshot(path=str(SCREENSHOTS / "group-page.png"))
    page.set_viewport_size({"width": 1280, "height": 900})

    # The account page, and cancelling with a confirmation step.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My account")
    check(page, "account")
    page.goto(f"{base}/groups/{group_id}")
    page.get_by_role("link", name="Cancel this booking…").click()
    check(page, "cancel step")
    page.get_by_role("button", name="Yes, cancel").click()
    expect(page.get_by_role("status")).to_contain_text("Cancelled: Spring party")
    assert page.url.endswith(f"/groups/{group_id}")


def test_a_conflict_is_shown_and_fixed(live_server, browser_page, make_facility, make_space, make_group, make_user):
    from playwright.sync_api import expect

    room = make_space(facility_id=make_facility(name="Kallio Library"), name="Reading circle room", buffer_minutes=15)
    group, other = make_group(name="Kallio Residents"), make_group(name="Chess Club")
    rep = make_user(groups=[group], email="rep@example.fi")
    chess = make_user(groups=[other])
    day = next_weekday(1)
    assert chess.post("/bookings", {"space_id": room, "group_id": other, "title": "Chess night",
                                    "start": f"{day}T18:00", "end": f"{day}T20:00"}).status_code == 201
    page = browser_page
    sign_in(page, live_server, rep.email)
    page.goto(f"{live_server}/spaces/{room}")
    page.get_by_label("Title", exact=True).fill("Board meeting")
    page.get_by_label("Date", exact=True).fill(day.isoformat())
    page.get_by_label("Start time").fill("19:00")
    page.get_by_label("End time").fill("21:00")
    page.get_by_role("button", name="Book", exact=True).click()
    alert = page.locator("#book").get_by_role("alert")
    expect(alert).to_contain_text("This time cannot be booked")
    expect(alert).to_contain_text("18:00–20:00")  # what is in the way: the time, never who
    expect(alert).not_to_contain_text("Chess")
    expect(page.get_by_label("Title", exact=True)).to_have_value("Board meeting")
    expect(page.get_by_label("Start time")).to_have_value("19:00")
    check(page, "space page with a conflict")

    # Fixed: after the other booking and its changeover time.
    page.get_by_label("Start time").fill("20:30")
    page.get_by_label("End time").fill("22:00")
    page.get_by_role("button", name="Book", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("Booked: Board meeting")
    the_day = page.locator(f"li.day:has(h3#day-{day.isoformat()})")
    expect(the_day.locator("li.slot-mine").filter(has_text="20:30–22:00")).to_contain_text("Your booking")


def test_the_language_switch_sticks_across_pages_and_sign_in(live_server, browser_page, make_user, make_group):
    from playwright.sync_api import expect

    user = make_user(groups=[make_group(name="Kallio Residents")], email="kieli@example.fi")
    page = browser_page
    base = live_server
    page.goto(base + "/")
    expect(page.locator("html")).to_have_attribute("lang", "en")  # the browser asks for en-GB

    page.wait_for_load_state("networkidle")  # the page and what it loads (favicon, CSS) answered, as a person would see it
    page.get_by_role("button", name="Suomi").click()
    expect(page.locator("html")).to_have_attribute("lang", "fi")
    expect(page.get_by_role("heading", level=1)).to_have_text("Varaa kaupungin tiloja maksutta")
    page.wait_for_load_state("networkidle")
    page.get_by_role("link", name="Tilat", exact=True).click()
    expect(page.locator("html")).to_have_attribute("lang", "fi")
    expect(page.get_by_role("heading", level=1)).to_have_text("Etsi tila")
    check(page, "search in Finnish")

    page.get_by_role("button", name="Svenska").click()
    expect(page.locator("html")).to_have_attribute("lang", "sv")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hitta en lokal")
    page.get_by_role("link", name="Logga in", exact=True).click()
    page.get_by_label("E-post").fill(user.email)
    page.get_by_label("Lösenord").fill(PASSWORD)
    page.get_by_role("button", name="Logga in", exact=True).click()
    expect(page.locator("html")).to_have_attribute("lang", "sv")  # after signing in too
    page.get_by_role("link", name="Mina grupper").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mina grupper")
    check(page, "my groups in Swedish")

    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("My groups")
    page.get_by_role("link", name="My account").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")

    # Remembered on the account: another browser that asks for Finnish gets English after sign-in.
    other = page.context.browser.new_context(locale="fi-FI")
    try:
        p2 = other.new_page()
        p2.goto(base + "/login")
        expect(p2.locator("html")).to_have_attribute("lang", "fi")
        sign_in(p2, base, user.email, labels=("Sähköposti", "Salasana", "Kirjaudu sisään"))
        expect(p2.locator("html")).to_have_attribute("lang", "en")
    finally:
        other.close()


def test_keyboard_skip_link_and_visible_focus(live_server, browser_page):
    from playwright.sync_api import expect

    page = browser_page
    page.goto(live_server + "/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"
    box = skip.bounding_box()
    assert box and box["x"] >= 0 and box["width"] > 0  # visible when focused
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    # the next Tab stops inside the main content: the search form's first field
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('main') !== null")
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"


def test_pages_print_without_navigation_or_forms(live_server, browser_page, make_facility, make_space):
    page = browser_page
    space = make_space(facility_id=make_facility(), name="Reading room")
    page.goto(f"{live_server}/spaces/{space}")
    page.emulate_media(media="print")
    hidden = page.evaluate(
        "() => ['header', 'footer', 'form.search, form.booking, section#book form'].map("
        "s => [...document.querySelectorAll(s)].every(e => getComputedStyle(e).display === 'none'))"
    )
    assert hidden == [True, True, True]
    assert page.evaluate("getComputedStyle(document.querySelector('#week')).display") != "none"


def test_sign_up_with_the_keyboard_only(live_server, browser_page, app):
    """Tab to each field, Space on the radio button, type, Enter to send: no mouse."""
    from playwright.sync_api import expect

    page = browser_page
    page.goto(live_server + "/signup")

    def tab_to(element_id: str) -> None:
        for _ in range(40):  # the header's links and buttons come first
            if page.evaluate("document.activeElement && document.activeElement.id") == element_id:
                return
            page.keyboard.press("Tab")
        raise AssertionError(f"Tab never reached #{element_id}")

    tab_to("role-0")
    page.keyboard.press("Space")
    expect(page.get_by_label("A group representative")).to_be_checked()
    tab_to("name")
    page.keyboard.type("Keijo Keyboard")
    page.keyboard.press("Tab")
    page.keyboard.type("keijo@example.fi")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "password"
    page.keyboard.type("typed without a mouse")
    page.keyboard.press("Tab")
    page.keyboard.type("typed without a mouse")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Register a group")
    expect(page.get_by_role("status")).to_contain_text("Welcome, Keijo Keyboard!")
