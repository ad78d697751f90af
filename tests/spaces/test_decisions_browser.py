"""Decisions ask first, in a real browser at phone width (issue 21 item 11): the "choose approve or reject"
error appears on the request it belongs to, where the person's eyes are (not at the top of a long queue),
and rejecting without a message asks first on a page of its own (no JavaScript needed)."""
from __future__ import annotations

import pytest

from tests.conftest import PASSWORD, local, next_weekday
from tests.support.browser import SCREENSHOTS, check_accessibility

pytestmark = pytest.mark.browser


def test_missing_decision_is_shown_on_its_request_and_reject_asks_first(live_server, browser_page, make_facility, make_space,
                                                                        make_group, make_user, app):
    from playwright.sync_api import expect

    facility = make_facility(name="Kallio Library")
    space = make_space(facility_id=facility, name="Reading room", requires_approval=True)
    group = make_group(name="Kallio Chess Club")
    rep = make_user(groups=[group])
    make_user(role="staff", facilities=[facility], email="staff@example.fi")
    day = next_weekday(2)
    ids = []
    for k, title in enumerate(("Chess night", "Board meeting", "Tournament", "Open evening")):
        r = rep.post("/bookings", {"space_id": space, "group_id": group, "title": title,
                                   "start": local(day, f"{10 + 2 * k}:00"), "end": local(day, f"{11 + 2 * k}:00")})
        assert r.get_json()["status"] == "pending"
        ids.append(r.get_json()["id"])
    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server}/login")
    page.get_by_label("E-mail").fill("staff@example.fi")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server}/staff/requests")
    last = page.locator(f"li:has(#request-{ids[-1]})")
    last.get_by_label("Message to the group (optional)").fill("See you there")
    last.get_by_role("button", name="Save decision").click()
    error = last.get_by_role("alert")
    expect(error).to_have_text("Choose approve or reject.")
    expect(error).to_be_in_viewport()  # the page opens at the request, not at its top
    expect(page.locator("main > .error-summary")).to_have_count(0)
    expect(last.get_by_label("Message to the group (optional)")).to_have_value("See you there")
    check_accessibility(page, context="the queue with a request's error")
    if SCREENSHOTS.name == "screenshots":
        page.screenshot(path=str(SCREENSHOTS / "i21-11-error-on-request-en-phone.png"))

    first = page.locator(f"li:has(#request-{ids[0]})")
    first.get_by_label("Reject").check()
    first.get_by_role("button", name="Save decision").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Reject without a message?")
    check_accessibility(page, context="the reject confirmation")
    page.get_by_role("button", name="Reject").click()
    expect(page.get_by_role("status")).to_contain_text("Rejected 1 date")
    expect(page.locator(f"#request-{ids[0]}")).to_have_count(0)
