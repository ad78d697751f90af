"""The usage report and the printed week in a real Chromium: charts drawn, no serious accessibility
findings (axe-core), and the week for the door fits on one A4 page (Chromium's own PDF of it).
Screenshots: docs/screenshots/usage-report.png and docs/screenshots/print-week.png."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest

from commons.extensions import db
from commons.models import Facility
from spaces.models import Booking, Closure
from tests.support.browser import SCREENSHOTS, check_accessibility
from tests.conftest import HELSINKI, PASSWORD, next_weekday

pytestmark = pytest.mark.browser


def at(day, hh, mm=0):
    return datetime(day.year, day.month, day.day, hh, mm, tzinfo=HELSINKI).astimezone(timezone.utc)


@pytest.fixture
def week_of_use(app, make_facility, make_space, make_group, make_user):
    oodi = make_facility(name="Oodi", district="Kluuvi")
    kontula = make_facility(name="Kontula Youth Centre", district="Kontula")
    hours = {d: [("08:00", "21:00")] for d in range(5)} | {5: [("10:00", "18:00")], 6: [("12:00", "18:00")]}
    room = make_space(facility_id=oodi, hours=hours, name="Maker room", capacity=12)
    hall = make_space(facility_id=kontula, hours=hours, name="Youth hall", capacity=40)
    groups = [make_group(name=n, kind=k) for n, k in (("Kluuvi Knitters", "association"), ("Vallila Residents", "resident_group"),
                                                       ("Chess Club", "association"))]
    monday = next_weekday(0, weeks_ahead=1)
    plan = [  # (space, group, day offset, start, end, public title or None)
        (room, 0, 0, 10, 12, "Open knitting café"), (room, 1, 0, 17, 19, None), (room, 2, 1, 18, 20, "Chess for beginners"),
        (room, 0, 2, 9, 11, None), (room, 1, 3, 17, 19, "Residents' evening"), (room, 2, 4, 12, 14, None),
        (room, 0, 5, 11, 13, "Repair café"), (hall, 1, 0, 18, 20, None), (hall, 2, 2, 16, 19, None), (hall, 0, 4, 17, 21, None),
    ]
    with app.app_context():
        db.session.get(Facility, oodi).phone = "09 310 85000"
        db.session.get(Facility, oodi).address = "Töölönlahdenkatu 4, 00100 Helsinki"
        for sid, g, off, s, e, public in plan:
            day = monday + timedelta(days=off)
            db.session.add(Booking(space_id=sid, group_id=groups[g], title=public or "Private meeting", public_title=bool(public),
                                   attendees=8, start_at=at(day, s), end_at=at(day, e), blocked_until=at(day, e), status="confirmed"))
        day = monday + timedelta(days=1)
        db.session.add(Booking(space_id=room, group_id=groups[0], title="Cancelled", attendees=3, start_at=at(day, 10),
                               end_at=at(day, 12), blocked_until=at(day, 12), status="cancelled"))
        thursday = monday + timedelta(days=3)
        db.session.add(Closure(space_id=room, start_at=at(thursday, 8), end_at=at(thursday, 12), reason="Cleaning the floors"))
        db.session.commit()
    staff = make_user("staff", facilities=[oodi, kontula], email="staff@example.fi", name="Sanna Staff")
    return room, monday, staff


def test_usage_report_and_printed_week(live_server, browser_page, week_of_use):
    from playwright.sync_api import expect

    room, monday, staff = week_of_use
    page = browser_page
    errors: list[str] = []
    page.on("console", lambda m: errors.append(f"{m.text} {m.location.get('url')}") if m.type == "error" else None)

    page.goto(f"{live_server}/login")
    page.get_by_label("E-mail").fill(staff.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Staff").click()  # the dashboard leads to the reports
    page.get_by_role("navigation", name="Staff tools").get_by_role("link", name="Reports").click()
    page.get_by_label("First day").fill(monday.isoformat())
    page.get_by_label("Last day").fill((monday + timedelta(days=6)).isoformat())
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Usage report")
    expect(page.get_by_role("img", name=re.compile("Utilisation by district"))).to_be_visible()
    expect(page.get_by_role("img", name=re.compile("Heat map"))).to_be_visible()
    expect(page.get_by_role("img", name=re.compile("Utilisation by week"))).to_be_visible()
    spaces = page.locator("#spaces-table").locator("xpath=ancestor::table")
    expect(spaces.get_by_role("row", name=re.compile("Maker room"))).to_contain_text("14")  # 7 bookings of 2 hours
    check_accessibility(page)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "usage-report.png"), full_page=True)

    # The week for the door, from the space's page
    year, week, _ = monday.isocalendar()
    page.goto(f"{live_server}/spaces/{room}?week={year}-W{week:02d}")
    page.get_by_role("link", name="Print this week for the noticeboard").click()
    expect(page.locator("html")).to_have_attribute("lang", "fi")  # the noticeboard's language (the facility's), not the reader's
    page.locator("#print-lang").select_option("en")  # chosen on the print page
    page.locator("form.print-language button").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Maker room")
    table = page.locator("table.print-days")
    expect(table).to_contain_text("Open knitting café")
    expect(table).to_contain_text("Booked")  # the space page's word
    expect(table).not_to_contain_text("Private meeting")
    expect(table).not_to_contain_text("Cancelled")
    expect(page.locator("main")).to_contain_text("Cleaning the floors")
    expect(page.locator("main")).to_contain_text("09 310 85000")
    expect(page.get_by_role("img", name=re.compile("QR code"))).to_be_visible()
    check_accessibility(page)

    page.emulate_media(media="print")
    expect(page.locator("header")).to_be_hidden()
    expect(page.locator(".week-nav")).to_be_hidden()
    page.set_viewport_size({"width": 794, "height": 1123})  # A4 at 96 dpi
    page.screenshot(path=str(SCREENSHOTS / "print-week.png"), full_page=True)
    pdf = page.pdf(format="A4", print_background=True)
    pages = len(re.findall(rb"/Type\s*/Page(?!s)", pdf))
    assert pages == 1, f"the printed week takes {pages} A4 pages"
    assert not [e for e in errors if "favicon.ico" not in e], errors  # (the app has no favicon)


def test_report_tables_fit_a_desktop_in_finnish(live_server, browser_page, week_of_use):
    """Issue 21, item 13: at 1280 px every column of the figures is in sight, in Finnish (the longest
    headings): no table scrolls sideways. Screenshot: docs/screenshots/i21-13-reports-fi.png."""
    from playwright.sync_api import expect

    room, monday, staff = week_of_use
    page = browser_page
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server}/login")
    page.get_by_label("E-mail").fill(staff.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("button", name="Suomi").click()
    page.goto(f"{live_server}/staff/reports?first_day={monday.isoformat()}&last_day={(monday + timedelta(days=6)).isoformat()}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Käyttöraportti")
    regions = page.locator("div.scroll-cue[role=region]")
    expect(regions).to_have_count(6)
    for i in range(regions.count()):
        region = regions.nth(i)
        expect(region).to_be_visible()
        wide = region.evaluate("r => [r.scrollWidth, r.clientWidth, r.getAttribute('aria-labelledby')]")
        assert wide[0] <= wide[1] + 1, f"{wide[2]} scrolls sideways at 1280 px: {wide[0]} > {wide[1]}"
    spaces = page.get_by_role("region", name="Tunnit ja varaukset tiloittain")
    last = spaces.get_by_role("columnheader", name="Vapautetut tunnit")
    last.scroll_into_view_if_needed()
    expect(last).to_be_in_viewport(ratio=1)  # the last column, whole, without scrolling sideways
    check_accessibility(page)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    section = page.locator("section", has=page.get_by_role("heading", name="Kaikki luvut"))
    section.screenshot(path=str(SCREENSHOTS / "i21-13-reports-fi.png"))
