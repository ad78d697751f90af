"""The volunteering journeys in Chromium (Playwright), with axe-core on every page of the flow:
- a volunteer (in Swedish) fills the profile (first with a mistake, shown next to its field), sees a
  recommended shift with the reasons, signs up from it with the keyboard and finds it under My shifts;
- an organiser (in Finnish) creates an activity from the group's page, linked to a booking, adds a shift,
  sees the ranked candidates with reasons and invites one.
Screenshots for the README (UPDATE_SCREENSHOTS=1): docs/screenshots/volunteer-recommendations.png and
organiser-candidates.png."""
from __future__ import annotations

import pytest

from tests.support.browser import CHROMIUM, CHROMIUM_ARGS, SCREENSHOTS, check_accessibility, check_small_screen
from tests.conftest import PASSWORD, local, next_weekday

pytestmark = pytest.mark.browser


@pytest.fixture
def world(make_facility, make_space, make_group, make_user):
    kallio = make_facility(name="Kallion kirjasto", district="Kallio")
    room = make_space(facility_id=kallio, name="Lukusali")
    group = make_group(name="Kallion asukkaat")
    rep = make_user(groups=[group], name="Riikka Rinne", email="riikka@example.fi")
    vol = make_user(role="volunteer", name="Vilja Virtanen", email="vilja@example.fi")
    day = next_weekday(1)  # a Tuesday
    r = rep.post("/bookings", {"space_id": room, "group_id": group, "title": "Kielikahvila", "start": local(day, "17:00"),
                               "end": local(day, "21:00")})
    assert r.status_code == 201, r.get_json()
    return dict(group=group, rep=rep, vol=vol, day=day, booking=r.get_json()["id"])


def browser(pw, lang):
    b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    context = b.new_context(viewport={"width": 1100, "height": 900}, locale=f"{lang}-FI")
    page = context.new_page()
    page.set_default_timeout(15000)
    return b, page


def sign_in(page, base, email):
    page.goto(f"{base}/login")
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(lambda url: "/login" not in url)


def check(page, where, lang):
    assert page.evaluate("document.documentElement.lang") == lang, where
    assert page.locator("h1").count() == 1, where
    check_accessibility(page, context=where)
    check_small_screen(page, context=where)


def shot(page, name):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / name))


def test_a_volunteer_fills_the_profile_and_signs_up_from_a_recommendation(live_server, world):
    from playwright.sync_api import expect, sync_playwright

    rep = world["rep"]
    r = rep.post("/activities", {"group_id": world["group"], "title": "Kielikahvila", "booking_id": world["booking"],
                                 "description": "Puhutaan suomea ja ruotsia."})
    assert r.status_code == 201, r.get_json()
    activity = r.get_json()["id"]
    r = rep.post(f"/activities/{activity}/shifts", {"start": local(world["day"], "18:00"), "end": local(world["day"], "20:00"),
                                                    "needed": 2, "skills": ["cooking"], "languages": ["sv"]})
    assert r.status_code == 201, r.get_json()
    shift = r.get_json()["id"]

    with sync_playwright() as pw:
        b, page = browser(pw, "sv")
        try:
            sign_in(page, live_server, "vilja@example.fi")
            page.goto(f"{live_server}/volunteering")
            check(page, "volunteering, no profile yet", "sv")
            page.locator("main a[href='/volunteering/profile']").first.click()
            page.wait_for_url("**/volunteering/profile")
            check(page, "profile form", "sv")
            page.check("input[name=skills][value=cooking]")
            page.check("input[name=languages][value=sv]")
            page.check("input[name=languages][value=fi]")
            page.check("input[name=districts][value=Kallio]")
            page.select_option("#availability-0-weekday", "1")
            page.fill("#availability-0-start", "17:00")
            page.fill("#availability-0-end", "16:00")  # a mistake: before the start
            page.fill("#max_hours_per_week", "6")
            page.fill("#tags", "schack")
            page.locator("form.profile-form button[type=submit]").click()
            expect(page.locator("[role=alert]")).to_be_visible()
            expect(page.locator("#availability-0-end-error")).to_be_visible()
            assert page.get_attribute("#availability-0-end", "aria-invalid") == "true"
            assert page.input_value("#tags") == "schack"  # what was typed is kept
            assert page.is_checked("input[name=skills][value=cooking]")
            check(page, "profile with an error", "sv")
            page.fill("#availability-0-end", "21:00")
            page.locator("form.profile-form button[type=submit]").click()
            page.wait_for_url("**/volunteering")
            expect(page.locator("[role=status]")).to_be_visible()
            match = page.locator(f"li.match:has(form[action='/volunteering/shifts/{shift}/signup'])")
            expect(match).to_be_visible()
            assert match.locator("ul.reasons.met li").count() >= 2
            check(page, "recommendations", "sv")
            shot(page, "volunteer-recommendations.png")
            # Sign up with the keyboard
            match.locator("button[type=submit]").focus()
            page.keyboard.press("Enter")
            page.wait_for_load_state()
            expect(page.locator("[role=status]")).to_contain_text("Kielikahvila")
            page.goto(f"{live_server}/volunteering/shifts")
            upcoming = page.locator("ul[aria-labelledby=upcoming-title] li")
            expect(upcoming).to_have_count(1)
            expect(upcoming).to_contain_text("Kielikahvila")
            assert upcoming.locator(f"form[action='/volunteering/shifts/{shift}/withdraw']").count() == 1
            check(page, "my shifts", "sv")
            page.goto(f"{live_server}/activities/{activity}")
            check(page, "the activity, signed in", "sv")
        finally:
            b.close()


def test_an_organiser_creates_an_activity_and_a_shift_and_invites_a_candidate(live_server, world):
    from playwright.sync_api import expect, sync_playwright

    vol = world["vol"]
    r = vol.client.put("/api/v1/volunteers/me", headers=vol._headers(), json={
        "skills": ["cooking"], "languages": ["fi", "sv"], "districts": ["Kallio"], "max_hours_per_week": 6,
        "availability": [{"weekday": 1, "start": "17:00", "end": "21:00"}]})
    assert r.status_code == 200, r.get_json()

    with sync_playwright() as pw:
        b, page = browser(pw, "fi")
        try:
            sign_in(page, live_server, "riikka@example.fi")
            page.goto(f"{live_server}/groups/{world['group']}")
            page.locator(f"a[href='/activities/new?group={world['group']}']").click()
            page.wait_for_url("**/activities/new*")
            check(page, "new activity", "fi")
            page.locator("form.activity-form button[type=submit]").click()  # empty: errors
            expect(page.locator("#title-error")).to_be_visible()
            check(page, "new activity with errors", "fi")
            page.select_option("#booking", str(world["booking"]))
            page.fill("#title", "Kielikahvila")
            page.fill("#description", "Puhutaan suomea ja ruotsia.")
            page.locator("form.activity-form button[type=submit]").click()
            page.wait_for_url("**/shifts/new")
            check(page, "new shift", "fi")
            assert page.input_value("#start") == "17:00"  # from the booking
            page.fill("#start", "18:00")
            page.fill("#end", "20:00")
            page.fill("#needed", "2")
            page.check("input[name=skills][value=cooking]")
            page.check("input[name=languages][value=sv]")
            page.locator("form.shift-form button[type=submit]").click()
            page.wait_for_url("**/candidates")
            candidate = page.locator("ol.candidates li", has_text="Vilja Virtanen")
            expect(candidate).to_be_visible()
            assert candidate.locator("ul.reasons li").count() >= 2
            check(page, "candidates", "fi")
            shot(page, "organiser-candidates.png")
            candidate.locator("button[type=submit]").click()
            page.wait_for_url("**/candidates")
            expect(page.locator("[role=status]")).to_be_visible()
            check(page, "candidates after the invitation", "fi")
            page.locator("main a[href$='/signups']").first.click()
            expect(page.locator("table")).to_contain_text("Vilja Virtanen")
            check(page, "sign-ups", "fi")
            activity_link = page.locator("p.breadcrumb a").first
            activity_link.click()
            check(page, "manage the activity", "fi")
            page.locator("main a[href$='/fill-plan']").first.click()
            check(page, "fill plan", "fi")
        finally:
            b.close()
