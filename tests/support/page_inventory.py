"""Every HTML page of the app, with the data to show it full, for the page-wide checks
(tests/accessibility/test_every_page_browser.py: axe-core, one h1, title, 375 px; tests/i18n/test_no_english_left.py).

`seed_world` builds a facility with spaces, closures, a group with confirmed and pending bookings,
a resident, staff and an admin through the conftest factories and the API. `every_page(world)` lists
(role, name, path) for every GET page, signed in as the role that meets it. `test_inventory_covers_every_page`
in test_every_page_browser.py fails when a new page route is not in the list.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from tests.conftest import local, next_weekday

# GET routes that are not HTML pages (downloads and feeds), or are only a redirect.
NOT_PAGES = {
    "static",
    "commons.favicon",  # a redirect to static/favicon.ico
    "account.export",  # a JSON download
    "calendars.booking_download",  # .ics
    "calendars.personal_feed",  # .ics
    "calendars.space_feed",  # .ics
    "operations.healthz",  # JSON for the load balancer
    "operations.readyz",  # JSON for the load balancer
    "operations.metrics",  # Prometheus text
    # the provider's answer: a redirect, or (refused) a page shown only with OIDC_* set (tests/commons/test_oidc.py,
    # tests/commons/test_accounts_browser.py walks it with axe)
    "oidc.callback",
}

ROLES = {
    "anon": None,
    "member": "riikka@example.fi",
    "staff": "sanna@example.fi",
    "admin": "aino@example.fi",
    "volunteer": "vilja@example.fi",
}


@dataclass(frozen=True)
class Page:
    role: str
    name: str
    path: str
    status: int = 200


def seed_world(make_facility, make_space, make_group, make_user) -> dict:
    kallio = make_facility(name="Kallion kirjasto", district="Kallio")
    room = make_space(facility_id=kallio, name="Lukupiiri", accessibility=["step_free_access"], equipment=["piano"],
                      buffer_minutes=15, weekly_quota_minutes=600)
    hall = make_space(facility_id=kallio, name="Sali", requires_approval=True)
    group = make_group(name="Kallion asukkaat")
    other = make_group(name="Toinen ryhmä")
    unverified = make_group(name="Uusi kerho", verified=False)
    rep = make_user(groups=[group, unverified], name="Riikka", email=ROLES["member"])
    staff = make_user(role="staff", facilities=[kallio], name="Sanna", email=ROLES["staff"])
    make_user(role="admin", name="Aino", email=ROLES["admin"])
    day = next_weekday(1)
    booked = {}
    for space, title in ((room, "Hallituksen kokous"), (hall, "Kevätjuhla")):
        r = rep.post("/bookings", {"space_id": space, "group_id": group, "title": title, "start": local(day, "18:00"),
                                   "end": local(day, "20:00"), "public_title": True, "rrule": "FREQ=WEEKLY;COUNT=3"})
        assert r.status_code == 201, r.get_json()
        body = r.get_json()
        booked[space] = body["bookings"][0]["id"] if "bookings" in body else body["id"]
    closure = staff.post(f"/spaces/{room}/closures", {"start": local(day + timedelta(days=1), "08:00"),
                                                        "end": local(day + timedelta(days=1), "16:00"), "reason": "Siivous"})
    assert closure.status_code == 201, closure.get_json()
    # a whole day of the hall closed on the series' second date: the closure's warning lists the booking it falls on
    hall_closure = staff.post(f"/spaces/{hall}/closures", {"start": local(day + timedelta(days=7), "00:00"),
                                                             "end": local(day + timedelta(days=8), "00:00"), "reason": "Remontti"})
    assert hall_closure.status_code == 201 and hall_closure.get_json()["affected_bookings"], hall_closure.get_json()
    # Use it or free it: the room asks for check-in; the group waits in line for a taken time, and its
    # second group holds an offer (a cancelled booking's time)
    assert staff.patch(f"/spaces/{room}", {"rules": {"check_in_required": True}}).status_code == 200
    later = day + timedelta(days=2)
    r = rep.post("/bookings", {"space_id": room, "group_id": group, "title": "Kuoroharjoitus", "start": local(later, "18:00"),
                               "end": local(later, "19:00")})
    assert r.status_code == 201, r.get_json()
    wait = {"group_id": unverified, "title": "Kerhoilta", "start": local(later, "18:00"), "end": local(later, "19:00")}
    assert rep.post(f"/spaces/{room}/waitlist", wait).status_code == 201
    assert rep.post(f"/spaces/{room}/waitlist", {**wait, "group_id": group, "start": local(day, "18:00"),
                                                 "end": local(day, "19:00")}).status_code == 201
    assert rep.post(f"/bookings/{r.get_json()['id']}/cancel", {}).status_code == 200
    iso = day.isocalendar()
    # Volunteering: the group's activity linked to its booking, a shift needing a cook who speaks Swedish, and a
    # volunteer (with a profile that fits) who has a place on a second shift.
    volunteer = make_user(role="volunteer", name="Vilja", email=ROLES["volunteer"])
    r = volunteer.client.put("/api/v1/volunteers/me", headers=volunteer._headers(), json={
        "skills": ["cooking"], "languages": ["fi", "sv"], "districts": ["Kallio"], "max_hours_per_week": 6,
        "availability": [{"weekday": 1, "start": "17:00", "end": "21:00"}], "shared_contact": "040 123 4567"})
    assert r.status_code == 200, r.get_json()
    r = rep.post("/activities", {"group_id": group, "title": "Kielikahvila", "description": "Suomea kahvin äärellä.",
                                 "booking_id": booked[room]})
    assert r.status_code == 201, r.get_json()
    activity = r.get_json()["id"]
    shifts = []
    for start, end, needed in (("18:00", "19:00", 2), ("19:00", "20:00", 3)):
        r = rep.post(f"/activities/{activity}/shifts", {"start": local(day, start), "end": local(day, end), "needed": needed,
                                                        "skills": ["cooking"], "languages": ["sv"]})
        assert r.status_code == 201, r.get_json()
        shifts.append(r.get_json()["id"])
    assert volunteer.post(f"/shifts/{shifts[1]}/signup").status_code == 200
    # a shift needing a hygiene passport, which the volunteer lacks: "would fit, but needs a credential" on
    # her recommendations and on the organiser's candidate list
    r = rep.post(f"/activities/{activity}/shifts", {"start": local(day, "18:00"), "end": local(day, "19:00"), "needed": 1,
                                                    "skills": ["cooking"], "requires": ["hygiene_passport"]})
    assert r.status_code == 201, r.get_json()
    cred_shift = r.get_json()["id"]
    # a credential staff saw (on the profile page) and a certificate of hours (its public page)
    profile_id = volunteer.get("/volunteers/me").get_json()["id"]
    r = staff.post(f"/volunteers/{profile_id}/credentials", {"kind": "first_aid", "valid_until": str(day + timedelta(days=300))})
    assert r.status_code == 201, r.get_json()
    credential = r.get_json()["id"]
    from volunteers.credential_views import found_token

    with staff.client.application.app_context():  # the staff credentials page's token naming the volunteer found
        cred_v = found_token(staff.user_id, profile_id)
    r = volunteer.post("/volunteers/me/certificates", {"year": day.year})
    assert r.status_code == 201, r.get_json()
    certificate = r.get_json()["code"]

    # a link to set a new password, as mailed to the representative (its page is shown, not used)
    from tests.support.accounts import mailed_link

    assert rep.client.post("/account/forgot", data={"email": ROLES["member"]}).status_code == 200
    reset_path = mailed_link(rep.client.application, ROLES["member"], "reset")
    # and the link to confirm a new account's address, as mailed at sign-up (its page is shown, not used)
    newcomer = rep.client.application.test_client()
    r = newcomer.post("/signup", data={"role": "member", "name": "Uusi Ihminen", "email": "uusi.ihminen@example.fi",
                                       "password": "long enough pw", "confirm": "long enough pw"})
    assert r.status_code == 302, r.get_data(as_text=True)[:300]
    verify_path = mailed_link(rep.client.application, "uusi.ihminen@example.fi", "verify")

    # A seasonal round open for applications, and the group's application (a wish for Tuesday evenings)
    from datetime import datetime, timezone

    now = datetime.now(timezone.utc)
    season = day + timedelta(days=35)
    r = staff.post("/rounds", {"name": "Syyskausi", "space_ids": [room, hall], "season_start": str(season),
                               "season_end": str(season + timedelta(days=69)), "applications_open": (now - timedelta(days=1)).isoformat(),
                               "applications_close": (now + timedelta(days=7)).isoformat(),
                               "priority_classes": [{"code": "youth", "name": "Nuorisoseurat"}, {"code": "others", "name": "Muut yhteisöt"}]})
    assert r.status_code == 201, r.get_json()
    round_id = r.get_json()["id"]
    r = rep.post(f"/rounds/{round_id}/applications", {"group_id": group, "purpose": "music", "age_groups": ["adults_30_64"], "attendees": 15,
                                                      "priority_class": "others", "wishes": [{"slots_per_week": 1, "minutes": 120,
                                                      "windows": [{"weekday": 1, "start": "17:00", "end": "21:00"}], "space_ids": [room, hall]}]})
    assert r.status_code == 201, r.get_json()
    application = r.get_json()["id"]
    return dict(round=round_id, application=application, reset_path=reset_path, verify_path=verify_path, certificate=certificate, credential=credential, cred_v=cred_v, cred_shift=cred_shift, facility=kallio, room=room, hall=hall, hall_closure=hall_closure.get_json()["id"], group=group, other=other, rep=rep, staff=staff, day=day,
                booking=booked[room], pending=booked[hall], week=f"{iso[0]}-W{iso[1]:02d}", activity=activity, shift=shifts[0],
                taken_shift=shifts[1], volunteer=volunteer)


def every_page(w: dict) -> list[Page]:
    room, day, week = w["room"], w["day"].isoformat(), w["week"]
    return [
        # Anyone
        Page("anon", "front", "/"),
        Page("anon", "sign in", "/login"),
        Page("anon", "sign up", "/signup"),
        Page("anon", "spaces", "/spaces"),
        Page("anon", "search results", f"/spaces?date={day}&start=18:00&end=19:00&accessibility=step_free_access"),
        Page("anon", "space", f"/spaces/{room}?week={week}"),
        Page("anon", "print week", f"/spaces/{room}/print?week={week}"),
        Page("anon", "404", "/ei-ole", 404),
        Page("anon", "privacy notice", "/privacy"),
        Page("anon", "forgot password", "/account/forgot"),
        Page("anon", "set a new password", w["reset_path"]),
        Page("anon", "reset link refused", "/account/reset/" + "x" * 43, 404),
        Page("anon", "confirm the address", w["verify_path"]),
        Page("anon", "verification link refused", "/account/verify/" + "x" * 43, 404),
        # A group's representative
        Page("member", "front signed in", "/"),
        Page("member", "space signed in", f"/spaces/{room}?week={week}"),
        Page("member", "my bookings", "/bookings"),
        Page("member", "my past bookings", "/bookings?when=past&status=cancelled"),
        Page("member", "cancel step", f"/bookings/{w['booking']}/cancel"),
        Page("member", "waiting list and offers", "/waitlist"),
        Page("member", "check in at the door", f"/spaces/{room}/check-in"),
        Page("member", "my groups", "/groups/mine"),
        Page("member", "new group", "/groups/new"),
        Page("member", "group", f"/groups/{w['group']}"),
        Page("member", "leave group", f"/groups/{w['group']}/leave"),
        Page("member", "calendar feeds", "/calendars"),
        Page("member", "account", "/account"),
        Page("member", "delete account", "/account/delete"),
        Page("member", "403", f"/groups/{w['other']}", 403),
        Page("member", "403 staff", "/staff", 403),
        # Seasonal rounds
        Page("anon", "rounds", "/rounds"),
        Page("anon", "round", f"/rounds/{w['round']}"),
        Page("member", "round signed in", f"/rounds/{w['round']}"),
        Page("member", "apply", f"/rounds/{w['round']}/apply"),
        Page("member", "add a wish", f"/rounds/{w['round']}/apply?application={w['application']}"),
        Page("member", "application", f"/rounds/{w['round']}/applications/{w['application']}"),
        Page("staff", "round staff", f"/rounds/{w['round']}/staff"),
        Page("staff", "publish round", f"/rounds/{w['round']}/staff/publish"),
        # Facility staff
        Page("staff", "staff dashboard", "/staff"),
        Page("staff", "requests", "/staff/requests"),
        Page("staff", "check-ins today", "/staff/check-ins"),
        Page("staff", "calendar week", f"/staff/calendar?view=week&date={day}"),
        Page("staff", "calendar day", f"/staff/calendar?view=day&date={day}"),
        Page("staff", "new space", "/staff/spaces/new"),
        Page("staff", "edit space", f"/staff/spaces/{room}/edit"),
        Page("staff", "closures", f"/staff/spaces/{room}/closures"),
        Page("staff", "import", f"/staff/spaces/{room}/import"),
        Page("staff", "book at the counter", f"/staff/spaces/{room}/counter"),
        Page("staff", "closures with bookings hit", f"/staff/spaces/{w['hall']}/closures?closure={w['hall_closure']}"),
        Page("staff", "remove a closure", f"/staff/spaces/{w['hall']}/closures/{w['hall_closure']}/delete"),
        Page("staff", "close a facility", f"/staff/facilities/{w['facility']}/closures?closure={w['hall_closure']}"),
        Page("staff", "reports", "/staff/reports"),
        Page("staff", "volunteers' credentials", "/staff/credentials"),
        Page("staff", "volunteer's credentials found", f"/staff/credentials?v={w['cred_v']}"),
        Page("staff", "remove a credential", f"/staff/credentials/{w['credential']}/remove?v={w['cred_v']}"),
        Page("volunteer", "403 staff credentials", "/staff/credentials", 403),
        Page("staff", "book on behalf", f"/spaces/{room}?week={week}"),
        Page("staff", "print week staff", f"/spaces/{room}/print?week={week}"),
        Page("staff", "audit log staff", f"/admin/audit?facility={w['facility']}&action=closure.create"),
        # Volunteering: anyone sees the activities (counts only); a volunteer their home, profile and shifts;
        # the group's representative organises (activity, shifts, candidates, sign-ups, fill plan)
        Page("anon", "activities", "/activities"),
        Page("anon", "activity", f"/activities/{w['activity']}"),
        Page("volunteer", "volunteering", "/volunteering"),
        Page("volunteer", "volunteer profile", "/volunteering/profile"),
        Page("volunteer", "my shifts", "/volunteering/shifts"),
        Page("volunteer", "my hours", "/volunteering/hours"),
        Page("anon", "certificate of hours", f"/certificates/{w['certificate']}"),
        Page("volunteer", "activity as volunteer", f"/activities/{w['activity']}"),
        Page("volunteer", "activities as volunteer", "/activities"),
        Page("volunteer", "403 organiser", f"/activities/{w['activity']}/manage", 403),
        Page("member", "new activity", f"/activities/new?group={w['group']}"),
        Page("member", "manage activity", f"/activities/{w['activity']}/manage"),
        Page("member", "edit activity", f"/activities/{w['activity']}/edit"),
        Page("member", "new shift", f"/activities/{w['activity']}/shifts/new"),
        Page("member", "edit shift", f"/shifts/{w['shift']}/edit"),
        Page("member", "cancel shift", f"/shifts/{w['shift']}/cancel"),
        Page("member", "candidates", f"/shifts/{w['shift']}/candidates"),
        Page("member", "candidates lacking a credential", f"/shifts/{w['cred_shift']}/candidates"),
        Page("member", "signups", f"/shifts/{w['taken_shift']}/signups"),
        Page("member", "fill plan", f"/activities/{w['activity']}/fill-plan"),
        Page("member", "volunteering as representative", "/volunteering"),
        # Administrators
        Page("admin", "admin", "/admin"),
        Page("admin", "admin facility", f"/admin/facilities/{w['facility']}"),
        Page("admin", "staff dashboard as admin", "/staff"),
        Page("admin", "audit log", "/admin/audit"),
        Page("member", "403 audit log", "/admin/audit", 403),
    ]


def page_endpoints(app) -> set[str]:
    """The endpoints of every GET route that serves an HTML page (not the API, feeds or downloads)."""
    return {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if "GET" in rule.methods and not rule.rule.startswith("/api/") and rule.endpoint not in NOT_PAGES
    }


def endpoint_of(app, path: str) -> str | None:
    from urllib.parse import urlsplit

    from werkzeug.exceptions import HTTPException

    adapter = app.url_map.bind("localhost")
    try:
        endpoint, _ = adapter.match(urlsplit(path).path, method="GET")
    except HTTPException:
        return None
    return endpoint
