"""The keyboard alone (Tab, Shift+Tab, Enter, Space, arrow keys), in Chromium:

- the main booking journey: sign in, the Spaces link, search, open a space, fill in the booking form,
  book, then see the booking in My bookings and cancel it, without the mouse;
- staff approve a request from the navigation's Staff link;
- visible focus: on pages with every kind of control (links, buttons, text/date/time/number fields,
  selects, checkboxes, radio buttons, text areas, disclosure summaries, scrollable regions), Tab
  through the whole page; every element that takes the focus shows the focus outline and is on screen.
"""
from __future__ import annotations

import pytest

from tests.conftest import PASSWORD, local, next_weekday

pytestmark = pytest.mark.browser


def tab_to(page, selector: str, limit: int = 80, back: bool = False) -> None:
    """Press Tab (Shift+Tab with back=True) until the focused element matches the CSS selector."""
    for _ in range(limit):
        if page.evaluate("s => !!document.activeElement && document.activeElement.matches(s)", selector):
            return
        page.keyboard.press("Shift+Tab" if back else "Tab")
    raise AssertionError(f"the keyboard never reached {selector}")


def enter(page) -> None:
    """Enter on a link or in a form, and wait for the page it leads to."""
    with page.expect_navigation():
        page.keyboard.press("Enter")


def type_into(page, field_id: str, attempts: list[str], expected: str) -> None:
    """Type into the focused date or time field, part by part as the keyboard does. Chromium orders
    and shapes the parts by its own locale (dd/mm/yyyy or mm/dd/yyyy, 24 or 12 hours): try each way
    of typing in turn until the field holds `expected`, going back to its first part between tries."""
    for text in attempts:
        page.keyboard.type(text)
        if page.evaluate("i => document.getElementById(i).value", field_id) == expected:
            return
        while page.evaluate("() => document.activeElement.id") == field_id:
            page.keyboard.press("Shift+Tab")
        page.keyboard.press("Tab")
    raise AssertionError(f"could not type {expected} into #{field_id}")


def type_date(page, field_id: str, day) -> None:
    type_into(page, field_id, [f"{day.day:02d}{day.month:02d}{day.year}", f"{day.month:02d}{day.day:02d}{day.year}"],
              day.isoformat())


def type_time(page, field_id: str, hh: int, mm: int) -> None:
    twelve = f"{(hh - 1) % 12 + 1:02d}{mm:02d}{'P' if hh >= 12 else 'A'}"
    type_into(page, field_id, [f"{hh:02d}{mm:02d}", twelve], f"{hh:02d}:{mm:02d}")


def test_book_a_space_and_cancel_it_with_the_keyboard_only(live_server, browser_page, make_facility, make_space,
                                                           make_group, make_user):
    from playwright.sync_api import expect

    kallio = make_facility(name="Kallio Library", district="Kallio")
    space = make_space(facility_id=kallio, name="Reading circle room", capacity=12)
    group = make_group(name="Kallio Knitters")
    make_user(groups=[group], email="keys@example.fi", name="Kaija Keys")
    day = next_weekday(3)
    page = browser_page
    page.goto(live_server + "/login")

    tab_to(page, "input[name=email]")
    page.keyboard.type("keys@example.fi")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    enter(page)
    expect(page.get_by_role("navigation", name="Main")).to_contain_text("Kaija Keys")

    # The Spaces link of the main navigation, then the search's button
    tab_to(page, "header nav a[href='/spaces']")
    enter(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Find a space")
    tab_to(page, "form.search input[name=min_capacity]")
    page.keyboard.type("10")
    tab_to(page, "form.search button[type=submit]")
    enter(page)
    tab_to(page, f"main a[href^='/spaces/{space}']")
    enter(page)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Reading circle room")

    # The booking form: the group is chosen already (the only one); title, date, times, people
    tab_to(page, "form.booking select[name=group]")
    assert page.evaluate("document.activeElement.value") == str(group)
    page.keyboard.press("Tab")
    page.keyboard.type("Knitting evening")
    page.keyboard.press("Tab")
    type_date(page, "date", day)
    tab_to(page, "#start")  # Tab also steps through a date field's parts
    type_time(page, "start", 18, 0)
    tab_to(page, "#end")
    type_time(page, "end", 19, 30)
    assert page.evaluate("[document.querySelector('#start').value, document.querySelector('#end').value]") == ["18:00", "19:30"]
    tab_to(page, "form.booking input[name=attendees]")
    page.keyboard.type("8")
    tab_to(page, "form.booking input[name=public_title]")
    page.keyboard.press("Space")
    assert page.evaluate("document.activeElement.checked") is True
    tab_to(page, "form.booking button[type=submit]")
    enter(page)
    expect(page.get_by_role("status")).to_contain_text("Knitting evening")

    # The same time again: the conflict is said in words, with free times nearby, and what was typed is kept
    page.goto(f"{live_server}/spaces/{space}")
    tab_to(page, "form.booking input[name=title]")
    page.keyboard.type("Second evening")
    page.keyboard.press("Tab")
    type_date(page, "date", day)
    tab_to(page, "#start")
    type_time(page, "start", 19, 0)
    tab_to(page, "#end")
    type_time(page, "end", 20, 0)
    assert page.evaluate("[document.querySelector('#start').value, document.querySelector('#end').value]") == ["19:00", "20:00"]
    tab_to(page, "form.booking button[type=submit]")
    enter(page)
    expect(page.get_by_role("alert")).to_contain_text("Already booked")
    expect(page.get_by_role("alert")).to_contain_text("18:00–19:30")  # which time is taken
    expect(page.locator(".suggestions").first).to_contain_text("19:30–20:30")  # the nearest free time
    assert page.evaluate("document.querySelector('#title').value") == "Second evening"

    # My bookings (back up the page with Shift+Tab), then cancel the booking: Enter on the link, Enter to confirm
    tab_to(page, "header nav a[href='/bookings']", back=True)
    enter(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("My bookings")
    tab_to(page, "main p.cancel a")
    enter(page)
    tab_to(page, "main form button[type=submit]")
    enter(page)
    expect(page.get_by_role("status")).to_contain_text("Cancelled")


def test_staff_approve_a_request_with_the_keyboard_only(live_server, browser_page, make_facility, make_space,
                                                       make_group, make_user):
    """Staff: the Staff link (with the count), the queue, Space on "Approve", a message, Enter; the count is gone."""
    from playwright.sync_api import expect

    kallio = make_facility(name="Kallio Library")
    hall = make_space(facility_id=kallio, name="Hall", requires_approval=True)
    group = make_group(name="Kallio Knitters")
    rep = make_user(groups=[group], email="rep@example.fi")
    make_user(role="staff", facilities=[kallio], email="staff@example.fi")
    day = next_weekday(2)
    r = rep.post("/bookings", {"space_id": hall, "group_id": group, "title": "Spring party", "start": local(day, "18:00"),
                               "end": local(day, "20:00")})
    booking = r.get_json()["id"]
    page = browser_page
    page.goto(live_server + "/login")
    tab_to(page, "input[name=email]")
    page.keyboard.type("staff@example.fi")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    enter(page)

    tab_to(page, "header nav a[href='/staff']")
    assert page.evaluate("document.activeElement.textContent.replace(/\\s+/g, ' ').trim()") == "Staff 1 request waiting"
    enter(page)
    tab_to(page, "main a[href='/staff/requests']")
    enter(page)
    tab_to(page, f"#approve-{booking}")
    page.keyboard.press("Space")
    assert page.evaluate("document.activeElement.checked") is True
    tab_to(page, f"#message-{booking}")
    page.keyboard.type("Welcome! Keys at the counter.")
    tab_to(page, "form.decision button[type=submit]")
    enter(page)
    expect(page.get_by_role("status")).to_contain_text("Approved 1 date")
    expect(page.locator("header nav a[href='/staff']")).to_have_text("Staff")


FOCUS_REPORT = """() => {
  const e = document.activeElement;
  if (!e || e === document.body) return null;
  const s = getComputedStyle(e), r = e.getBoundingClientRect();
  const kind = e.tagName.toLowerCase() + (e.type && e.tagName !== 'BUTTON' ? '[' + e.type + ']' : '')
             + (e.hasAttribute('tabindex') && !['A','BUTTON','INPUT','SELECT','TEXTAREA','SUMMARY'].includes(e.tagName) ? '[tabindex]' : '');
  const again = e.dataset.tabbed === '1';
  e.dataset.tabbed = '1';
  return {kind, again, id: e.id || e.getAttribute('href') || e.name || e.textContent.trim().slice(0, 30),
          outline: s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2,
          visible: r.width > 0 && r.height > 0 && r.right > 0 && r.bottom > 0 && r.left < innerWidth};
}"""


def tab_through(page) -> list[dict]:
    """Every element the Tab key stops at, once round the page."""
    out = []
    for _ in range(250):
        page.keyboard.press("Tab")
        page.evaluate("() => { const e = document.activeElement; if (e && e.scrollIntoViewIfNeeded) e.scrollIntoViewIfNeeded(); }")
        info = page.evaluate(FOCUS_REPORT)
        if info is None:
            continue
        if info.pop("again"):
            break  # round the page once
        out.append(info)
    return out


def test_every_kind_of_control_shows_the_focus(live_server, browser_page, make_facility, make_space, make_group, make_user):
    from tests.accessibility.test_every_page_browser import sign_in

    kallio = make_facility(name="Kallio Library")
    space = make_space(facility_id=kallio, name="Reading circle room")
    group = make_group(name="Kallio Knitters")
    make_user(groups=[group], email="rep@example.fi")
    make_user(role="staff", facilities=[kallio], email="staff@example.fi")
    page = browser_page
    kinds: set[str] = set()
    problems = []
    for who, paths in (("rep@example.fi", [f"/spaces/{space}", "/bookings", f"/groups/{group}", "/groups/new", "/account"]),
                       ("staff@example.fi", ["/staff", f"/staff/spaces/{space}/edit", "/staff/calendar?view=week",
                                             "/staff/reports", f"/staff/spaces/{space}/closures"])):
        page.context.clear_cookies()
        sign_in(page, live_server, who)
        for path in paths:
            page.goto(live_server + path)
            for info in tab_through(page):
                kinds.add(info["kind"])
                if not (info["outline"] and info["visible"]):
                    problems.append(f"{path}: {info}")
    assert not problems, "focus not visible:\n" + "\n".join(problems)
    expected = {"a", "button", "input[text]", "input[email]", "input[password]", "input[date]", "input[time]",
                "input[number]", "input[checkbox]", "input[radio]", "select[select-one]", "textarea[textarea]"}
    assert expected <= kinds, f"not reached by Tab: {expected - kinds}"
