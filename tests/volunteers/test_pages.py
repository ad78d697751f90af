"""Volunteering pages with the Flask client: the volunteer's home (recommendations with reasons, sign
up, withdraw), the profile form (errors next to the fields, typed values kept, guardian fields for
minors), my shifts (waitlist position), the public activity pages (counts, never names), and the
organisers' pages (activity and shift forms, candidates and Invite, sign-ups, attendance, the fill
plan). Who may see what: a volunteer or another group's representative never sees an activity's
organiser pages (403); anonymous visitors are sent to sign in."""
from __future__ import annotations

import html
import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from commons.extensions import db
from commons.models import User
from tests.conftest import HELSINKI, PASSWORD, local, next_weekday
from volunteers import services
from volunteers.models import Shift, ShiftSignup, VolunteerProfile

PROFILE = {
    "skills": ["cooking"],
    "languages": ["fi", "sv"],
    "districts": ["Kallio"],
    "availability": [{"weekday": 1, "start": "17:00", "end": "21:00"}],
    "max_hours_per_week": 6,
}


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def sign_in(client, user) -> None:
    r = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert r.status_code == 302


def _user(user_id: int) -> User:
    return db.session.get(User, user_id)


def save_profile(app, api, **changes):
    with app.app_context():
        services.save_profile(_user(api.user_id), {**PROFILE, **changes})
        pid = db.session.execute(select(VolunteerProfile.id).where(VolunteerProfile.user_id == api.user_id)).scalar_one()
        db.session.remove()
        return pid


def make_shift(app, api, activity_id, day, start="18:00", end="20:00", needed=2, **extra) -> int:
    with app.app_context():
        shift = services.create_shift(_user(api.user_id), activity_id, {"start": local(day, start), "end": local(day, end),
                                                                         "needed": needed, **extra})
        sid = shift.id
        db.session.remove()
        return sid


@pytest.fixture
def world(app, make_facility, make_space, make_group, make_user):
    kallio = make_facility(name="Kallio Library", district="Kallio")
    room = make_space(facility_id=kallio, name="Reading room")
    group = make_group(name="Kallio Residents")
    other = make_group(name="Kontula Chess Club", district="Kontula")
    rep = make_user(groups=[group], name="Riikka Rep", email="riikka@example.fi")
    other_rep = make_user(groups=[other], name="Olli Other", email="olli@example.fi")
    vol = make_user(role="volunteer", name="Vilja Volunteer", email="vilja@example.fi")
    vol2 = make_user(role="volunteer", name="Ville Second", email="ville@example.fi")
    day = next_weekday(1)  # a Tuesday
    r = rep.post("/bookings", {"space_id": room, "group_id": group, "title": "Language café", "start": local(day, "17:00"),
                               "end": local(day, "21:00")})
    assert r.status_code == 201, r.get_json()
    booking = r.get_json()["id"]
    with app.app_context():
        activity = services.create_activity(_user(rep.user_id), {"group_id": group, "title": "Language café",
                                                                  "description": "Talk Finnish over coffee.", "booking_id": booking})
        aid = activity.id
        db.session.remove()
    shift = make_shift(app, rep, aid, day, skills=["cooking"], languages=["sv"])
    return dict(kallio=kallio, room=room, group=group, other=other, rep=rep, other_rep=other_rep, vol=vol, vol2=vol2,
                day=day, booking=booking, activity=aid, shift=shift)


def signups(app, shift_id):
    with app.app_context():
        rows = list(db.session.execute(select(ShiftSignup).where(ShiftSignup.shift_id == shift_id)
                                       .order_by(ShiftSignup.id)).scalars())
        out = [(s.volunteer_id, s.status) for s in rows]
        db.session.remove()
        return out


# --- Public pages ------------------------------------------------------------------------------------


def test_the_public_list_and_activity_page_show_counts_and_invite_to_sign_in(app, client, world):
    save_profile(app, world["vol"])
    vc = app.test_client()
    sign_in(vc, world["vol"])
    assert vc.post(f"/volunteering/shifts/{world['shift']}/signup", data={}).status_code == 302
    page = text(client.get("/activities"))
    assert "Language café" in page and f'href="/activities/{world["activity"]}"' in page
    page = text(client.get(f"/activities/{world['activity']}"))
    assert "<h1>Language café" in page
    assert "1 place left of 2" in page
    assert "Vilja" not in page and "vilja@example.fi" not in page  # never names
    assert 'href="/login?next=' in page and 'href="/signup"' in page
    assert "/signup\" method" not in page and "volunteering/shifts" not in page  # no sign-up button for visitors
    assert client.get("/activities/999999").status_code == 404


def test_a_signed_in_volunteer_without_a_profile_is_asked_to_fill_it_in(client, world):
    sign_in(client, world["vol"])
    page = text(client.get(f"/activities/{world['activity']}"))
    assert 'href="/volunteering/profile"' in page
    page = text(client.get("/volunteering"))
    assert "Fill in my profile" in page and "Recommended for you" not in page


# --- The volunteer: profile -------------------------------------------------------------------------


def profile_form(**changes) -> dict:
    data = {
        "skills": ["cooking", "first_aid"],
        "tags": "Chess, sign language",
        "languages": ["fi", "sv"],
        "districts": ["Kallio"],
        "availability-0-weekday": "1", "availability-0-start": "17:00", "availability-0-end": "21:00",
        "availability-1-weekday": "1", "availability-1-start": "08:00", "availability-1-end": "10:00",
        "availability-2-weekday": "", "availability-2-start": "", "availability-2-end": "",
        "max_hours_per_week": "2,5",
        "date_of_birth": "",
        "shared_contact": "040 123 4567",
        "active": "y",
    }
    data.update(changes)
    return data


def test_the_profile_form_offers_the_vocabulary_and_saves_several_windows_a_day(app, client, world):
    sign_in(client, world["vol"])
    page = text(client.get("/volunteering/profile"))
    assert '<label for="skills-0">' in page or 'name="skills"' in page
    assert "First aid" in page  # skills by name, not code
    assert "Swedish" in page  # languages by name
    assert 'name="availability-0-weekday"' in page and 'name="availability-2-start"' in page
    assert "guardian" not in page.lower()  # no date of birth: no guardian fields
    r = client.post("/volunteering/profile", data=profile_form())
    assert r.status_code == 302, text(r)[:3000]
    with app.app_context():
        p = db.session.execute(select(VolunteerProfile).where(VolunteerProfile.user_id == world["vol"].user_id)).scalar_one()
        assert sorted(p.skills) == ["cooking", "first_aid"]
        assert p.tags == ["chess", "sign language"]
        assert sorted((w["weekday"], w["start"], w["end"]) for w in p.availability) == [(1, 480, 600), (1, 1020, 1260)]
        assert p.max_minutes_per_week == 150
        assert p.shared_contact == "040 123 4567"
        db.session.remove()
    # Shown again as saved, with an empty row to add one more
    page = text(client.get("/volunteering/profile"))
    assert 'value="17:00"' in page and 'value="08:00"' in page and 'value="2.5"' in page
    assert 'name="availability-3-weekday"' in page
    assert 'value="chess, sign language"' in page


def test_the_profile_forms_legends_are_not_repeated(client, world):
    """The section around the skills is not called "What you can do" like the skills themselves
    (a screen reader read "What you can do, What you can do")."""
    sign_in(client, world["vol"])
    page = text(client.get("/volunteering/profile"))
    legends = re.findall(r"<legend[^>]*>([^<]*)</legend>", page)
    assert "What you can do" in legends and "Skills and languages" in legends
    assert len(legends) == len(set(legends)), legends


def test_profile_errors_are_next_to_the_fields_and_typed_values_kept(app, client, world):
    sign_in(client, world["vol"])
    r = client.post("/volunteering/profile", data=profile_form(**{
        "availability-0-end": "16:00",  # before the start
        "availability-1-weekday": "9",  # no such day
        "availability-2-start": "19:00",  # no day, no end
        "max_hours_per_week": "-3",
        "tags": "kept tag",
    }))
    assert r.status_code == 422
    page = text(r)
    assert 'role="alert"' in page
    assert re.search(r'id="availability-0-end-error">The end time must be after the start time', page)
    assert 'id="availability-0-end"' in page and 'aria-invalid="true"' in page
    assert re.search(r'id="availability-1-weekday-error">', page)
    assert re.search(r'id="availability-2-weekday-error">Choose the day', page)
    assert re.search(r'id="availability-2-end-error">Give the time you are free until', page)
    assert re.search(r'id="max_hours_per_week-error">Give a number of hours from 0 to 60', page)
    assert 'value="kept tag"' in page and 'value="19:00"' in page and 'value="-3"' in page  # what was typed is kept
    with app.app_context():
        assert db.session.execute(select(VolunteerProfile)).first() is None
        db.session.remove()


def test_a_minor_sees_the_guardian_fields_and_consent_needs_the_guardian(app, client, world):
    sign_in(client, world["vol"])
    today = datetime.now(HELSINKI).date()
    born = today.replace(year=today.year - 15) - timedelta(days=3)
    r = client.post("/volunteering/profile", data=profile_form(date_of_birth=born.isoformat()))
    assert r.status_code == 302 and r.headers["Location"].endswith("/volunteering/profile#guardian")
    page = text(client.get("/volunteering/profile"))
    assert 'id="guardian"' in page and "You are 15." in page
    r = client.post("/volunteering/profile", data=profile_form(date_of_birth=born.isoformat(), guardian_consent="y"))
    assert r.status_code == 422
    assert re.search(r'id="guardian_consent-error">Give your guardian', text(r))
    r = client.post("/volunteering/profile", data=profile_form(date_of_birth=born.isoformat(), guardian_consent="y",
                                                               guardian_name="Maija Parent", guardian_contact="050 1"))
    assert r.status_code == 302
    with app.app_context():
        p = db.session.execute(select(VolunteerProfile)).scalar_one()
        assert p.guardian_name == "Maija Parent" and p.guardian_consent_at is not None
        db.session.remove()
    assert "Consent recorded on" in text(client.get("/volunteering/profile"))


# --- The volunteer: recommendations, sign up, my shifts -------------------------------------------------


def test_home_recommends_the_shift_with_reasons_and_signing_up_lists_it_under_my_shifts(app, client, world):
    save_profile(app, world["vol"])
    sign_in(client, world["vol"])
    page = text(client.get("/volunteering"))
    assert "Recommended for you" in page and "Language café" in page
    block = page.split('id="matches-title"', 1)[1].split('id="mine-title"', 1)[0]
    assert "Why it fits" in block and "/100)" in block
    assert "Swedish" in block  # a reason about the language the shift needs
    assert f'action="/volunteering/shifts/{world["shift"]}/signup"' in block
    r = client.post(f"/volunteering/shifts/{world['shift']}/signup", data={"next": "/volunteering"})
    assert r.status_code == 302 and r.headers["Location"].endswith("/volunteering")
    page = text(client.get("/volunteering"))
    assert "You have a place on Language café" in page
    mine = text(client.get("/volunteering/shifts"))
    upcoming = mine.split('id="upcoming-title"', 1)[1].split('id="past-title"', 1)[0]
    assert "Language café" in upcoming and "You have a place" in upcoming
    assert f'action="/volunteering/shifts/{world["shift"]}/withdraw"' in upcoming
    assert 'href="/calendars"' in mine  # the feeds
    asked = client.post(f"/volunteering/shifts/{world['shift']}/withdraw", data={"next": "/volunteering/shifts"})
    assert asked.status_code == 200 and "Withdraw from the shift?" in text(asked)  # asks first (issue 21)
    r = client.post(f"/volunteering/shifts/{world['shift']}/withdraw", data={"next": "/volunteering/shifts", "confirm": "yes"})
    assert r.status_code == 302
    assert "You withdrew from Language café" in text(client.get("/volunteering/shifts"))
    assert [s for _, s in signups(app, world["shift"])] == ["withdrawn"]


def test_a_full_shift_waitlists_and_my_shifts_shows_the_place_in_line(app, client, world):
    shift = make_shift(app, world["rep"], world["activity"], world["day"], "19:00", "20:00", needed=1)
    save_profile(app, world["vol2"])
    save_profile(app, world["vol"])
    other = app.test_client()
    sign_in(other, world["vol2"])
    assert other.post(f"/volunteering/shifts/{shift}/signup", data={}).status_code == 302
    sign_in(client, world["vol"])
    r = client.post(f"/volunteering/shifts/{shift}/signup", data={}, follow_redirects=True)
    assert "you are number 1 on the waitlist" in text(r)
    page = text(client.get("/volunteering/shifts"))
    assert "On the waitlist" in page and "number 1 in line" in page
    assert "Ville" not in page  # another volunteer's name never shows


def test_a_refused_sign_up_says_why_in_the_page_language(app, client, world):
    save_profile(app, world["vol"])
    sign_in(client, world["vol"])
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "fi"
    past = _past_shift(app, world)
    r = client.post(f"/volunteering/shifts/{past}/signup", data={}, follow_redirects=True)
    assert r.status_code == 200
    page = text(r)
    assert 'role="status"' in page and "This shift" not in page


def test_sign_up_needs_sign_in(app, world):
    c = app.test_client()
    r = c.post(f"/volunteering/shifts/{world['shift']}/signup", data={})
    assert r.status_code == 302 and "/login" in r.headers["Location"]


# --- Organisers --------------------------------------------------------------------------------------


ORGANISER_PAGES = (
    "/activities/{a}/manage", "/activities/{a}/edit", "/activities/{a}/shifts/new", "/activities/{a}/fill-plan",
    "/shifts/{s}/edit", "/shifts/{s}/cancel", "/shifts/{s}/candidates", "/shifts/{s}/signups",
)


@pytest.mark.parametrize("who", ["vol", "other_rep"])
def test_others_never_see_an_activitys_organiser_pages(app, client, world, who):
    save_profile(app, world["vol"])
    sign_in(client, world[who])
    for path in ORGANISER_PAGES:
        path = path.format(a=world["activity"], s=world["shift"])
        assert client.get(path).status_code == 403, path
    assert client.post(f"/shifts/{world['shift']}/invite", data={"volunteer_id": "1"}).status_code == 403
    assert client.post(f"/shifts/{world['shift']}/cancel", data={}).status_code == 403
    assert client.post(f"/shifts/{world['shift']}/attendance", data={}).status_code == 403
    assert client.post(f"/activities/{world['activity']}/fill-plan", data={"assignments": "1:1"}).status_code == 403
    assert client.get(f"/activities/{world['activity']}").status_code == 200  # the public page is for all


def test_organiser_pages_need_sign_in(client, world):
    for path in ORGANISER_PAGES + ("/volunteering", "/volunteering/profile", "/volunteering/shifts", "/activities/new"):
        path = path.format(a=world["activity"], s=world["shift"])
        r = client.get(path)
        assert r.status_code == 302 and "/login" in r.headers["Location"], path


def test_a_volunteer_cannot_create_activities(client, world):
    sign_in(client, world["vol"])
    assert client.get("/activities/new").status_code == 403


def test_the_group_page_lists_its_activities(client, world):
    sign_in(client, world["rep"])
    page = text(client.get(f"/groups/{world['group']}"))
    assert 'id="activities-title"' in page
    assert f'href="/activities/{world["activity"]}/manage"' in page
    assert f'href="/activities/new?group={world["group"]}"' in page


def test_creating_an_activity_linked_to_a_booking_then_a_shift(app, client, world):
    sign_in(client, world["rep"])
    page = text(client.get(f"/activities/new?group={world['group']}"))
    assert f'<option selected value="group:{world["group"]}">' in page or f'value="group:{world["group"]}" selected' in page
    assert f'value="{world["booking"]}"' in page  # the group's booking to link
    r = client.post("/activities/new", data={"organiser": f"group:{world['group']}", "booking": "", "title": "",
                                             "description": "", "district": "", "place": ""})
    assert r.status_code == 422
    page = text(r)
    assert re.search(r'id="title-error">Give the activity a title', page)
    assert re.search(r'id="district-error">Choose the district, or link a booking', page)
    r = client.post("/activities/new", data={"organiser": f"group:{world['group']}", "booking": str(world["booking"]),
                                             "title": "Repair evening", "description": "Bring your bike.", "district": "",
                                             "place": ""})
    assert r.status_code == 302, text(r)[:3000]
    new_shift_path = r.headers["Location"]
    assert new_shift_path.endswith("/shifts/new")
    page = text(client.get(new_shift_path))
    assert 'value="17:00"' in page and 'value="21:00"' in page  # the booking's time offered
    # errors: end before start; a time outside the booking
    r = client.post(new_shift_path, data={"date": world["day"].isoformat(), "start": "19:00", "end": "18:00", "needed": "0"})
    assert r.status_code == 422
    page = text(r)
    assert re.search(r'id="end-error">The end time must be after the start time', page)
    assert re.search(r'id="needed-error">Give a number from 1 to 500', page)
    assert 'value="19:00"' in page
    r = client.post(new_shift_path, data={"date": world["day"].isoformat(), "start": "20:00", "end": "22:00", "needed": "2"})
    assert r.status_code == 422
    assert "within the linked booking" in text(r)
    # ... and says which time that is, next to the field and at the top of the form
    assert re.search(r'id="start-error">[^<]*within the linked booking[^<]*17:00–21:00', text(r))
    assert re.search(r"linked to a booking, [^<]*17:00–21:00", text(client.get(new_shift_path)))
    fi = text(client.get(new_shift_path, headers={"Accept-Language": "fi"}))
    assert re.search(r"varaukseen[^<]*17\.00–21\.00", fi)
    r = client.post(new_shift_path, data={"date": world["day"].isoformat(), "start": "17:30", "end": "19:00", "needed": "3",
                                          "skills": ["repair"], "languages": ["fi"], "min_age": "16"})
    assert r.status_code == 302 and "/candidates" in r.headers["Location"]


def test_candidates_with_reasons_and_invite(app, client, world):
    vid = save_profile(app, world["vol"])
    sign_in(client, world["rep"])
    page = text(client.get(f"/shifts/{world['shift']}/candidates"))
    assert "Vilja Volunteer" in page and "/100)" in page and "match (" in page and "Why it fits" in page
    assert "In their district: Kallio" in page and "In your district" not in page  # about the volunteer
    assert "vilja@example.fi" not in page  # no e-mail addresses
    r = client.post(f"/shifts/{world['shift']}/invite", data={"volunteer_id": str(vid)}, follow_redirects=True)
    assert "The invitation is sent" in text(r)
    assert signups(app, world["shift"]) == [(vid, "invited")]
    page = text(client.get(f"/shifts/{world['shift']}/signups"))
    assert "Vilja Volunteer" in page and "Invited, not answered yet" in page
    # The volunteer accepts from their shifts
    vc = app.test_client()
    sign_in(vc, world["vol"])
    mine = text(vc.get("/volunteering/shifts"))
    assert "Invited" in mine and f'action="/volunteering/shifts/{world["shift"]}/signup"' in mine
    assert vc.post(f"/volunteering/shifts/{world['shift']}/signup", data={}).status_code == 302
    assert signups(app, world["shift"]) == [(vid, "confirmed")]


def test_signups_show_the_shared_contact_of_confirmed_ones_only(app, client, world):
    save_profile(app, world["vol"], shared_contact="040 111")
    save_profile(app, world["vol2"], shared_contact="040 222")
    shift = make_shift(app, world["rep"], world["activity"], world["day"], "18:00", "19:00", needed=1)
    for who in ("vol", "vol2"):
        c = app.test_client()
        sign_in(c, world[who])
        assert c.post(f"/volunteering/shifts/{shift}/signup", data={}).status_code == 302
    sign_in(client, world["rep"])
    page = text(client.get(f"/shifts/{shift}/signups"))
    assert "Vilja Volunteer" in page and "040 111" in page
    assert "Ville Second" in page and "040 222" not in page and "number 1 in line" in page


def _past_shift(app, world) -> int:
    """A shift that ended yesterday with the volunteer confirmed on it (written directly: no service
    makes shifts in the past)."""
    with app.app_context():
        end = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(days=1)
        shift = Shift(activity_id=world["activity"], start_at=end - timedelta(hours=2), end_at=end, needed=2,
                      skills=[], languages=[], status="open")
        db.session.add(shift)
        db.session.flush()
        profile = db.session.execute(select(VolunteerProfile).where(VolunteerProfile.user_id == world["vol"].user_id)).scalar_one_or_none()
        if profile is not None:
            db.session.add(ShiftSignup(shift_id=shift.id, volunteer_id=profile.id, status="confirmed",
                                       start_at=shift.start_at, end_at=shift.end_at))
        db.session.commit()
        sid = shift.id
        db.session.remove()
        return sid


def test_attendance_and_hours_after_the_shift(app, client, world):
    save_profile(app, world["vol"])
    shift = _past_shift(app, world)
    sign_in(client, world["rep"])
    page = text(client.get(f"/shifts/{shift}/signups"))
    assert "Attendance and hours" in page and 'name="rows-0-attended"' in page
    r = client.post(f"/shifts/{shift}/attendance", data={"rows-0-signup_id": page.split('name="rows-0-signup_id"')[1].split('value="')[1].split('"')[0],
                                                         "rows-0-attended": "yes", "rows-0-hours": "x"})
    assert r.status_code == 422
    assert re.search(r'id="rows-0-hours-error">', text(r))
    sid = text(r).split('name="rows-0-signup_id"')[1].split('value="')[1].split('"')[0]
    r = client.post(f"/shifts/{shift}/attendance", data={"rows-0-signup_id": sid, "rows-0-attended": "yes", "rows-0-hours": "1,5"})
    assert r.status_code == 302
    with app.app_context():
        s = db.session.get(ShiftSignup, int(sid))
        assert s.attended is True and s.minutes_worked == 90
        db.session.remove()
    vc = app.test_client()
    sign_in(vc, world["vol"])
    past = text(vc.get("/volunteering/shifts")).split('id="past-title"', 1)[1]
    assert "You came" in past and "1.5" in past


def test_an_erased_volunteers_sign_up_is_named_as_such_not_left_blank(app, client, world):
    """Erasing an account keeps its past sign-up (the hours count) without the person: the organiser's
    sign-ups page and its attendance form say "Erased account" instead of an empty name and legend."""
    save_profile(app, world["vol"])
    shift = _past_shift(app, world)
    assert world["vol"].delete("/me").status_code == 200
    sign_in(client, world["rep"])
    page = text(client.get(f"/shifts/{shift}/signups"))
    assert 'name="rows-0-attended"' in page
    assert "<legend></legend>" not in page
    assert re.search(r'<th scope="row" id="person-\d+">Erased account</th>', page)
    assert "<legend>Erased account</legend>" in page


def test_recorded_hours_are_shown_in_the_page_languages_number_format(app, client, world):
    """The attendance form's hours box and the profile's weekly hours show 1,5 on a Finnish or
    Swedish page (as every other number of hours there), 1.5 on an English one."""
    save_profile(app, world["vol"], max_hours_per_week=2.5)
    shift = _past_shift(app, world)
    sign_in(client, world["rep"])
    sid = text(client.get(f"/shifts/{shift}/signups")).split('name="rows-0-signup_id"')[1].split('value="')[1].split('"')[0]
    assert client.post(f"/shifts/{shift}/attendance", data={"rows-0-signup_id": sid, "rows-0-attended": "yes",
                                                            "rows-0-hours": "1,5"}).status_code == 302
    for lang, hours in (("fi", "1,5"), ("sv", "1,5"), ("en", "1.5")):
        page = text(client.get(f"/shifts/{shift}/signups", headers={"Accept-Language": lang}))
        assert re.search(rf'name="rows-0-hours"[^>]* value="{re.escape(hours)}"', page), lang
    vc = app.test_client()
    sign_in(vc, world["vol"])
    for lang, hours in (("fi", "2,5"), ("en", "2.5")):
        page = text(vc.get("/volunteering/profile", headers={"Accept-Language": lang}))
        assert re.search(rf'name="max_hours_per_week"[^>]* value="{re.escape(hours)}"', page), lang


def test_the_fill_plan_is_shown_then_sent_as_invitations_on_confirmation(app, client, world):
    vid = save_profile(app, world["vol"])
    sign_in(client, world["rep"])
    r = client.get(f"/activities/{world['activity']}/fill-plan")
    assert r.status_code == 200
    page = text(r)
    assert "Vilja Volunteer" in page and "/100)" in page
    assert signups(app, world["shift"]) == []  # nothing applied by looking
    # each proposal's heading: the name, then the time on its own line (not "Vilja Volunteer Tue …",
    # read as one name), with a comma between them for screen readers
    heading = re.search(r'<h2 id="plan-1">(.*?)</h2>', page).group(1)
    assert re.sub(r"<[^>]+>", "", heading).startswith("Vilja Volunteer, ")
    from pathlib import Path

    css = (Path(app.static_folder) / "commons.css").read_text(encoding="utf-8")
    assert re.search(r"h2 \.subtitle[^{]*\{[^}]*display: block", css)
    assignments = re.search(r'name="assignments" type="hidden" value="([^"]+)"|type="hidden" name="assignments" value="([^"]+)"', page)
    value = next(g for g in assignments.groups() if g)
    assert value == f"{world['shift']}:{vid}"
    assert "Send the invitations" in page and "has a place only once they accept it" in page
    r = client.post(f"/activities/{world['activity']}/fill-plan", data={"assignments": value}, follow_redirects=True)
    assert r.status_code == 200 and "1 invitation sent" in text(r)
    assert signups(app, world["shift"]) == [(vid, "invited")]  # nobody gets a place without accepting
    # Applying again: refused, listed, without anything about the person
    r = client.post(f"/activities/{world['activity']}/fill-plan", data={"assignments": value})
    assert r.status_code == 409 and "Some invitations were not sent" in text(r)
    assert "Already on this shift or invited to it." in text(r)


def test_cancelling_a_shift_asks_first(app, client, world):
    sign_in(client, world["rep"])
    page = text(client.get(f"/shifts/{world['shift']}/cancel"))
    assert "Yes, cancel the shift" in page and "No, keep the shift" in page
    # Swedish: "ett pass" (neuter), so "behåll passet", not the booking's "behåll den" (en bokning)
    sv = text(client.get(f"/shifts/{world['shift']}/cancel", headers={"Accept-Language": "sv"}))
    assert "Nej, behåll passet" in sv and "behåll den" not in sv
    r = client.post(f"/shifts/{world['shift']}/cancel", data={})
    assert r.status_code == 302
    with app.app_context():
        assert db.session.get(Shift, world["shift"]).status == "cancelled"
        db.session.remove()
    assert "Cancelled" in text(client.get(f"/activities/{world['activity']}/manage"))


def test_editing_a_shift_keeps_its_values(app, client, world):
    sign_in(client, world["rep"])
    page = text(client.get(f"/shifts/{world['shift']}/edit"))
    assert 'value="18:00"' in page and 'value="20:00"' in page and 'value="2"' in page
    r = client.post(f"/shifts/{world['shift']}/edit", data={"date": world["day"].isoformat(), "start": "18:00", "end": "20:00",
                                                           "needed": "4", "skills": ["cooking"], "languages": ["sv"]})
    assert r.status_code == 302
    with app.app_context():
        assert db.session.get(Shift, world["shift"]).needed == 4
        db.session.remove()


def test_editing_an_activity(app, client, world):
    sign_in(client, world["rep"])
    page = text(client.get(f"/activities/{world['activity']}/edit"))
    assert 'value="Language café"' in page
    r = client.post(f"/activities/{world['activity']}/edit", data={"title": "", "description": "x"})
    assert r.status_code == 422 and re.search(r'id="title-error">Give the activity a title', text(r))
    r = client.post(f"/activities/{world['activity']}/edit", data={"title": "Language café in Kallio", "description": "x",
                                                                   "place": "2nd floor"})
    assert r.status_code == 302
    assert "Language café in Kallio" in text(client.get(f"/activities/{world['activity']}"))


def test_the_navigation_marks_the_volunteering_section(app, client, world):
    from tests.commons.test_navigation import nav

    sign_in(client, world["vol"])
    links, _, current = nav(client.get("/volunteering").get_data(as_text=True))
    assert "Volunteering" in links and "Activities" in links
    assert current == [("Volunteering", "page")]
    assert nav(client.get("/volunteering/profile").get_data(as_text=True))[2] == [("Volunteering", "true")]
    assert nav(client.get(f"/activities/{world['activity']}").get_data(as_text=True))[2] == [("Activities", "true")]
    anon = app.test_client()
    links, _, current = nav(anon.get("/activities").get_data(as_text=True))
    assert links == ["Spaces", "Activities", "Seasonal rounds"] and current == [("Activities", "page")]


def test_pages_in_finnish_and_swedish_name_skills_languages_and_reasons_in_that_language(app, client, world):
    save_profile(app, world["vol"])
    sign_in(client, world["vol"])
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "fi"
    page = text(client.get("/volunteering"))
    assert '<html lang="fi">' in page and "Ruoanlaitto" in page and "Ruotsi" in page and "Miksi sopii" in page
    assert "Olet vapaana tiistaisin 17.00–21.00" in page
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "sv"
    page = text(client.get("/volunteering"))
    assert '<html lang="sv">' in page and "Matlagning" in page and "Varför det passar" in page
    assert "Du är ledig på tisdagar 17:00–21:00" in page


def test_facility_staff_organise_an_activity_of_their_facility(app, client, world, make_user):
    staff = make_user(role="staff", facilities=[world["kallio"]], name="Sanna Staff", email="sanna@example.fi")
    sign_in(client, staff)
    page = text(client.get("/activities/new"))
    assert f'value="facility:{world["kallio"]}"' in page
    r = client.post("/activities/new", data={"organiser": f"facility:{world['kallio']}", "booking": "", "title": "Library garden",
                                             "description": "", "district": "Kallio", "place": "The yard"})
    assert r.status_code == 302, text(r)[:3000]
    activity_id = int(r.headers["Location"].split("/activities/")[1].split("/")[0])
    assert client.get(f"/activities/{activity_id}/manage").status_code == 200
    page = text(client.get("/activities"))
    assert "Library garden" not in page  # no shifts yet: not listed as needing volunteers
    assert client.get("/activities?district=Nowhere").status_code == 200
