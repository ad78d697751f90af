"""The calendars pages in a real browser (Chromium + Playwright), with axe-core checks: a staff
member imports a holiday file for a space; a representative sees and replaces a feed link."""
from __future__ import annotations

import pytest

from tests.support.browser import SCREENSHOTS, check_accessibility
from tests.conftest import PASSWORD, local, next_weekday

pytestmark = pytest.mark.browser


def test_staff_import_and_personal_feeds_in_the_browser(live_server, browser_page, tmp_path, make_facility, make_space, make_group, make_user):
    from playwright.sync_api import expect

    facility = make_facility(name="Oodi")
    space = make_space(facility_id=facility, name="Studio")
    group = make_group(name="Vallila Residents")
    rep = make_user(groups=[group], email="rep@example.fi", name="Riikka")
    make_user(role="staff", facilities=[facility], email="staff@example.fi", name="Sami")
    day = next_weekday(2, 2)
    r = rep.post("/bookings", {"space_id": space, "group_id": group, "title": "Board meeting", "start": local(day, "10:00"), "end": local(day, "11:00")})
    assert r.status_code == 201
    ics = tmp_path / "holidays.ics"
    ics.write_bytes(
        ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//City//EN\r\nBEGIN:VEVENT\r\nUID:h1@city\r\nDTSTAMP:20260101T000000Z\r\n"
         f"DTSTART;VALUE=DATE:{day:%Y%m%d}\r\nSUMMARY:City holiday\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:h2@city\r\n"
         "DTSTAMP:20260101T000000Z\r\nSUMMARY:No date\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n").encode()
    )
    page = browser_page

    def sign_in(email):
        page.goto(f"{live_server}/login")
        page.get_by_label("E-mail").fill(email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()

    sign_in("staff@example.fi")
    page.goto(f"{live_server}/spaces/{space}")
    page.get_by_role("link", name="Import closures").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Import closures from a calendar file")
    check_accessibility(page)
    page.get_by_role("button", name="Import").click()  # no file: the error is next to the field
    expect(page.get_by_role("alert")).to_contain_text("Choose an .ics file")
    page.get_by_label("Calendar file (.ics)").set_input_files(str(ics))
    page.get_by_role("button", name="Import").click()
    result = page.get_by_role("status")
    expect(result).to_contain_text("1 new closure")
    expect(result).to_contain_text("Board meeting (Vallila Residents)")
    expect(result).to_contain_text("h2@city")
    check_accessibility(page)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "import-closures.png"), full_page=True)
    page.get_by_role("button", name="Sign out").click()

    sign_in("rep@example.fi")
    page.get_by_role("link", name="Calendar feeds").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Calendar feeds")
    check_accessibility(page)
    old = page.get_by_label("Link to copy").input_value()
    assert "/calendars/feeds/" in old
    page.locator("summary", has_text="Make a new link").click()  # the step that asks first
    expect(page.get_by_text("The old link stops working at once, for everyone")).to_be_visible()
    page.get_by_role("button", name="Yes, make a new link").click()
    expect(page.get_by_role("status")).to_contain_text("A new link for Vallila Residents is ready")
    assert page.get_by_label("Link to copy").input_value() != old
    page.screenshot(path=str(SCREENSHOTS / "calendar-feeds.png"), full_page=True)
