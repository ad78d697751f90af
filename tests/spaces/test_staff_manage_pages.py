"""Staff pages: dashboard, calendar, creating and editing spaces, closures, booking on behalf, and
the nearest free times after a conflict. Flask test client (CSRF off in the test app)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from babel.dates import format_date
from sqlalchemy import select

from commons.extensions import db
from spaces.models import Booking, Closure, OpeningHours, Space
from tests.conftest import PASSWORD, local, next_weekday
from tests.support.queries import count_queries


def sign_in(client, email) -> None:
    r = client.post("/login", data={"email": email, "password": PASSWORD})
    assert r.status_code == 302, r.get_data(as_text=True)


def text(r) -> str:
    return r.get_data(as_text=True)


@pytest.fixture
def staffed(app, make_facility, make_space, make_user, make_group):
    """Kallio (staffed by `staff`) with two spaces, and Kontula (not theirs) with one."""
    kallio = make_facility(name="Kallio Library")
    kontula = make_facility(name="Kontula Youth Centre")
    room = make_space(facility_id=kallio, name="Reading room")
    hall = make_space(facility_id=kallio, name="Hall")
    other = make_space(facility_id=kontula, name="Kontula gym")
    staff = make_user(role="staff", facilities=[kallio], email="staff@example.fi", name="Sanna Staff")
    group = make_group(name="Kallio Residents")
    rep = make_user(groups=[group], email="rep@example.fi")
    client = app.test_client()
    sign_in(client, staff.email)
    return dict(kallio=kallio, kontula=kontula, room=room, hall=hall, other=other, staff=staff, group=group, rep=rep,
                client=client)


def space_form(facility, **over):
    data = {"facility": str(facility), "name": "Studio", "description": "A quiet studio", "capacity": "15",
            "accessibility": ["step_free_access", "induction_loop"], "equipment": "piano, Projector",
            "buffer_minutes": "15", "min_minutes": "60", "max_minutes": "180", "slot_minutes": "30",
            "horizon_days": "60", "weekly_quota_minutes": "", "requires_approval": "y"}
    for d in range(7):
        if d < 5:
            data[f"opens_{d}"], data[f"closes_{d}"] = "09:00", "21:00"
        else:
            data[f"closed_{d}"] = "y"
    data.update(over)
    return data


# --- Who may see what ---------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/staff", "/staff/calendar", "/staff/spaces/new"])
def test_staff_pages_are_for_staff(app, make_user, staffed, path):
    assert staffed["client"].get(path).status_code == 200
    member = app.test_client()
    sign_in(member, staffed["rep"].email)
    r = member.get(path)
    assert r.status_code == 403 and "This page is for facility staff." in text(r)
    anon = app.test_client().get(path)
    assert anon.status_code == 302 and "/login" in anon.headers["Location"]


def test_other_facilities_spaces_are_403(staffed):
    c, other = staffed["client"], staffed["other"]
    for path in (f"/staff/spaces/{other}/edit", f"/staff/spaces/{other}/closures"):
        r = c.get(path)
        assert r.status_code == 403, path
    assert c.post(f"/staff/spaces/{other}/closures", data={"first_day": "2027-01-05", "reason": "x"}).status_code == 403
    assert c.get("/staff/spaces/999999/edit").status_code == 404


# --- Dashboard ---------------------------------------------------------------------------------


def test_dashboard_lists_own_spaces_pending_count_and_links(staffed, make_group, make_user):
    group = make_group(verified=False)
    rep = make_user(groups=[group])
    day = next_weekday(2)
    r = rep.post("/bookings", {"space_id": staffed["room"], "group_id": group, "title": "Knitting",
                               "start": local(day, "10:00"), "end": local(day, "12:00")})
    assert r.get_json()["status"] == "pending"
    page = text(staffed["client"].get("/staff"))
    assert "Reading room" in page and "Hall" in page and "Kontula gym" not in page
    assert "1 request is waiting for a decision." in page
    room = staffed["room"]
    for href in (f"/staff/spaces/{room}/edit", f"/staff/spaces/{room}/closures", f"/staff/spaces/{room}/import",
                 f"/spaces/{room}/print", "/staff/reports", "/staff/requests", "/staff/calendar"):
        assert f'href="{href}' in page, href


def test_admin_dashboard_shows_every_facility(app, staffed, make_user):
    admin = make_user(role="admin", email="admin@example.fi")
    c = app.test_client()
    sign_in(c, admin.email)
    page = text(c.get("/staff"))
    assert "Kontula gym" in page and "Reading room" in page
    assert 'href="/admin"' in page


# --- Calendar ----------------------------------------------------------------------------------


def test_calendar_shows_bookings_with_group_status_closures_and_free(app, staffed, make_group, make_user):
    day = next_weekday(1)
    rep = staffed["rep"]
    r = rep.post("/bookings", {"space_id": staffed["room"], "group_id": staffed["group"], "title": "Board meeting",
                               "start": local(day, "18:00"), "end": local(day, "20:00")})
    assert r.status_code == 201
    staffed["staff"].post(f"/spaces/{staffed['hall']}/closures",
                          {"start": local(day, "08:00"), "end": local(day, "12:00"), "reason": "Floor polish"})
    page = text(staffed["client"].get(f"/staff/calendar?date={day}&view=day"))
    assert "Board meeting" in page and "Kallio Residents" in page and "Confirmed" in page
    assert "18:00–20:00" in page and "Closed" in page and "Floor polish" in page
    assert "08:00–18:00" in page  # free before the booking
    assert "Kontula gym" not in page
    week = text(staffed["client"].get(f"/staff/calendar?date={day}"))
    assert week.count('<th scope="col">') == 8  # the space + 7 days
    assert "Board meeting" in week


def test_calendar_navigation_and_bad_date(staffed):
    c = staffed["client"]
    page = text(c.get("/staff/calendar?date=2027-01-13&view=day"))
    assert "date=2027-01-12" in page and "date=2027-01-14" in page
    week = text(c.get("/staff/calendar?date=2027-01-13&view=week"))
    assert "date=2027-01-06" in week and "date=2027-01-20" in week
    r = c.get("/staff/calendar?date=13.1.2027")
    assert r.status_code == 422 and "is not a date" in text(r)
    assert c.get("/staff/calendar?date=2027-01-13&view=year&facility=abc").status_code == 200


def test_calendar_facility_filter_ignores_other_facilities(staffed):
    c = staffed["client"]
    page = text(c.get(f"/staff/calendar?facility={staffed['kontula']}"))
    assert "Reading room" in page  # not theirs: the filter is ignored, their own spaces are shown
    assert "Kontula gym" not in page


def test_calendar_costs_the_same_for_2_or_12_spaces(app, staffed, make_space):
    c = staffed["client"]
    day = next_weekday(1)
    rep = staffed["rep"]

    def book(space):
        r = rep.post("/bookings", {"space_id": space, "group_id": staffed["group"], "title": "Meeting",
                                   "start": local(day, "10:00"), "end": local(day, "11:00")})
        assert r.status_code == 201

    book(staffed["room"])
    c.get(f"/staff/calendar?date={day}")  # warm up (session, first-request work)
    with count_queries(app) as few:
        assert c.get(f"/staff/calendar?date={day}").status_code == 200
    for _ in range(10):
        space = make_space(facility_id=staffed["kallio"], name="More")
        book(space)
    with count_queries(app) as many:
        page = text(c.get(f"/staff/calendar?date={day}"))
    assert page.count("Meeting") >= 11
    assert len(many) == len(few)


# --- Creating and editing spaces ------------------------------------------------------------------


def test_create_space_with_rules_and_hours(app, staffed):
    c = staffed["client"]
    form = c.get("/staff/spaces/new")
    assert "Kallio Library" in text(form) and "Kontula Youth Centre" not in text(form)
    r = c.post("/staff/spaces/new", data=space_form(staffed["kallio"]))
    assert r.status_code == 302, text(r)
    with app.app_context():
        space = db.session.execute(select(Space).where(Space.name == "Studio")).scalar_one()
        assert (space.capacity, space.buffer_minutes, space.min_minutes, space.max_minutes, space.horizon_days) == (15, 15, 60, 180, 60)
        assert space.requires_approval and space.weekly_quota_minutes is None
        assert space.accessibility == ["induction_loop", "step_free_access"]
        assert space.equipment == ["piano", "projector"]
        hours = sorted((h.weekday, h.opens_minute, h.closes_minute) for h in space.opening_hours)
        assert hours == [(d, 540, 1260) for d in range(5)]


def test_create_space_errors_next_to_fields_keep_what_was_typed(app, staffed):
    c = staffed["client"]
    data = space_form(staffed["kallio"], name="Typed name", capacity="0", min_minutes="120", max_minutes="60",
                      opens_0="", closes_1="08:00")
    r = c.post("/staff/spaces/new", data=data)
    assert r.status_code == 422
    page = text(r)
    assert 'value="Typed name"' in page
    assert "Give a number from 1 to 10000." in page
    assert "The longest booking cannot be shorter than the shortest." in page
    assert "Give the opening time, or mark the day closed." in page
    assert "The closing time must be after the opening time." in page
    assert 'id="capacity-error"' in page and 'aria-invalid="true"' in page
    # a facility that is not theirs is not a choice
    r = c.post("/staff/spaces/new", data=space_form(staffed["kontula"]))
    assert r.status_code == 422 and "Not a valid choice" in text(r)
    with app.app_context():
        assert db.session.execute(select(Space).where(Space.name.in_(["Typed name", "Studio"]))).first() is None


def test_midnight_closing_and_quota(app, staffed):
    c = staffed["client"]
    r = c.post("/staff/spaces/new", data=space_form(staffed["kallio"], closes_0="00:00", weekly_quota_minutes="300"))
    assert r.status_code == 302, text(r)
    with app.app_context():
        space = db.session.execute(select(Space).where(Space.name == "Studio")).scalar_one()
        assert (0, 540, 1440) in [(h.weekday, h.opens_minute, h.closes_minute) for h in space.opening_hours]
        assert space.weekly_quota_minutes == 300


def test_edit_space_loads_saves_and_keeps_split_hours(app, staffed):
    c, room = staffed["client"], staffed["room"]
    with app.app_context():  # Monday with a lunch break
        space = db.session.get(Space, room)
        space.opening_hours = [h for h in space.opening_hours if h.weekday != 0] + [
            OpeningHours(weekday=0, opens_minute=480, closes_minute=720), OpeningHours(weekday=0, opens_minute=780, closes_minute=1260)]
        db.session.commit()
    page = text(c.get(f"/staff/spaces/{room}/edit"))
    assert 'value="Reading room"' in page and 'name="facility"' not in page
    assert 'id="opens_0" name="opens_0" step="300" type="time" value="08:00"' in page
    assert "Some days have a break" in page
    data = space_form(staffed["kallio"], name="Reading room 2", weekly_quota_minutes="")
    data.pop("facility")
    for d in range(7):  # the hours as loaded (08-22 every day; Monday shown 08:00-21:00)
        data.pop(f"closed_{d}", None)
        data[f"opens_{d}"], data[f"closes_{d}"] = "08:00", "22:00"
    data["closes_0"] = "21:00"
    r = c.post(f"/staff/spaces/{room}/edit", data=data)
    assert r.status_code == 302, text(r)
    with app.app_context():
        space = db.session.get(Space, room)
        assert space.name == "Reading room 2" and space.requires_approval
        monday = [(h.opens_minute, h.closes_minute) for h in space.opening_hours if h.weekday == 0]
        assert monday == [(480, 720), (780, 1260)]  # unchanged hours were not sent
    data["closed_6"] = "y"
    data["max_minutes"] = "30"
    r = c.post(f"/staff/spaces/{room}/edit", data=data)
    assert r.status_code == 422 and "The longest booking cannot be shorter than the shortest." in text(r)
    data["max_minutes"] = "180"
    assert c.post(f"/staff/spaces/{room}/edit", data=data).status_code == 302
    with app.app_context():
        space = db.session.get(Space, room)
        assert 6 not in {h.weekday for h in space.opening_hours}
        assert [(h.opens_minute, h.closes_minute) for h in space.opening_hours if h.weekday == 0] == [(480, 1260)]


# --- Closures ------------------------------------------------------------------------------------


def test_closure_whole_days_shows_hit_bookings_and_delete(app, staffed):
    c, room = staffed["client"], staffed["room"]
    day = next_weekday(3)
    r = staffed["rep"].post("/bookings", {"space_id": room, "group_id": staffed["group"], "title": "Choir",
                                          "start": local(day, "18:00"), "end": local(day, "20:00")})
    assert r.status_code == 201
    r = c.post(f"/staff/spaces/{room}/closures", data={"first_day": day.isoformat(), "last_day": (day + timedelta(days=1)).isoformat(),
                                                       "reason": "Pipe repair"}, follow_redirects=True)
    page = text(r)
    assert r.status_code == 200
    assert "Pipe repair" in page and "The closure falls on 1 booking" in page and "Choir (Kallio Residents, Confirmed)" in page
    days = f"{format_date(day, 'EEE d MMM y', locale='en')} – {format_date(day + timedelta(days=1), 'EEE d MMM y', locale='en')}"
    assert days in page and "00:00" not in page.split("Add a closure")[0]  # whole days read as days
    with app.app_context():
        closure = db.session.execute(select(Closure)).scalar_one()
        assert closure.end_at - closure.start_at == timedelta(days=2)
        cid = closure.id
    question = c.get(f"/staff/spaces/{room}/closures/{cid}/delete")  # removing asks first, without JavaScript
    assert question.status_code == 200 and "Do you want to remove this closure?" in text(question) and days in text(question)
    with app.app_context():
        assert db.session.get(Closure, cid) is not None
    r = c.post(f"/staff/spaces/{room}/closures/{cid}/delete", follow_redirects=True)
    assert "The closure was removed." in text(r)
    with app.app_context():
        assert db.session.execute(select(Closure)).first() is None
    assert c.post(f"/staff/spaces/{room}/closures/{cid}/delete").status_code == 404


def test_closure_with_times_and_errors_keep_typed(app, staffed):
    c, room = staffed["client"], staffed["room"]
    day = next_weekday(3)
    r = c.post(f"/staff/spaces/{room}/closures", data={"first_day": day.isoformat(), "start": "12:00", "reason": "Cleaning"})
    assert r.status_code == 422
    page = text(r)
    assert "Give both times, or leave both empty to close whole days." in page and 'value="Cleaning"' in page
    r = c.post(f"/staff/spaces/{room}/closures", data={"first_day": day.isoformat(), "start": "12:00", "end": "10:00", "reason": "Cleaning"})
    assert r.status_code == 422 and "The end time must be after the start time." in text(r)
    r = c.post(f"/staff/spaces/{room}/closures", data={"first_day": "", "reason": ""})
    assert r.status_code == 422 and "Give the first day" in text(r) and "Give a reason." in text(r)
    r = c.post(f"/staff/spaces/{room}/closures", data={"first_day": day.isoformat(), "start": "12:00", "end": "14:00", "reason": "Cleaning"})
    assert r.status_code == 302
    page = text(c.get(f"/staff/spaces/{room}/closures"))
    assert "12:00–14:00" in page and "Cleaning" in page


# --- Book on behalf, and the nearest free times -----------------------------------------------------


def test_staff_books_on_behalf_of_a_verified_group(app, staffed, make_group):
    c, room = staffed["client"], staffed["room"]
    unverified = make_group(name="New Club", verified=False)
    page = text(c.get(f"/spaces/{room}"))
    assert "Booking for" in page and "Kallio Residents" in page and "New Club" not in page
    assert "the group sees it among its bookings" in page
    day = next_weekday(2)
    data = {"group": str(staffed["group"]), "title": "Phone booking", "date": day.isoformat(), "start": "10:00",
            "end": "12:00", "attendees": "5", "on_conflict": "reject"}
    r = c.post(f"/spaces/{room}", data=data)
    assert r.status_code == 302, text(r)
    with app.app_context():
        b = db.session.execute(select(Booking).where(Booking.title == "Phone booking")).scalar_one()
        assert (b.group_id, b.on_behalf, b.status, b.booked_by_id) == (staffed["group"], True, "confirmed", staffed["staff"].user_id)
    # the group sees it
    assert any(x["title"] == "Phone booking" and x["on_behalf"] for x in staffed["rep"].get("/bookings").get_json())
    # not for an unverified group, nor in another facility
    r = c.post(f"/spaces/{room}", data=dict(data, group=str(unverified), start="14:00", end="15:00"))
    assert r.status_code == 422 and "Not a valid choice" in text(r)
    page = text(c.get(f"/spaces/{staffed['other']}"))
    assert "Booking for" not in page


def test_conflict_says_which_time_and_offers_nearest_free_times(app, staffed):
    c, room = staffed["client"], staffed["room"]
    day = next_weekday(2)
    r = staffed["rep"].post("/bookings", {"space_id": room, "group_id": staffed["group"], "title": "Taken",
                                          "start": local(day, "18:00"), "end": local(day, "20:00")})
    assert r.status_code == 201
    data = {"group": str(staffed["group"]), "title": "Wanted", "date": day.isoformat(), "start": "19:00",
            "end": "20:00", "attendees": "5", "on_conflict": "reject"}
    r = c.post(f"/spaces/{room}", data=data)
    assert r.status_code == 409
    page = text(r)
    assert "Already booked" in page and "18:00–20:00" in page
    assert "Free times nearby" in page
    for t in ("17:00–18:00", "20:00–21:00", "21:00–22:00"):
        assert t in page, t
    assert 'value="Wanted"' in page


def test_saving_the_same_features_again_is_not_a_conflict(staffed, make_space):
    # regression: the features were deleted and re-inserted in one flush, which broke their unique key
    space = make_space(facility_id=staffed["kallio"], accessibility=["elevator"], equipment=["piano"])
    r = staffed["staff"].patch(f"/spaces/{space}", {"accessibility": ["elevator", "quiet_space"], "equipment": ["Piano"]})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["accessibility"] == ["elevator", "quiet_space"] and r.get_json()["equipment"] == ["piano"]


# --- Languages -----------------------------------------------------------------------------------

ENGLISH_ON_STAFF_PAGES = ("Staff dashboard", "Calendar", "Add a space", "Opening hours", "Closed all day", "Opens",
                          "Upcoming closures", "Add closure", "Free", "Not open", "Administration", "Verify",
                          "Add the facility", "Add to staff", "Week calendar", "Booking rules", "Reason")


@pytest.mark.parametrize("lang,words", [("fi", ["Henkilökunnan etusivu", "Kalenteri", "Aukeaa", "Sulkuajat", "Ylläpito"]),
                                        ("sv", ["Personalens startsida", "Kalender", "Öppnar", "Stängningar", "Administration"])])
def test_staff_and_admin_pages_in_finnish_and_swedish(app, make_user, staffed, make_group, lang, words):
    make_group(name="Waiting Group", verified=False)
    make_user(role="admin", email="admin@example.fi")
    c = app.test_client()
    c.environ_base["HTTP_ACCEPT_LANGUAGE"] = lang
    sign_in(c, "admin@example.fi")
    room = staffed["room"]
    pages = [c.get(p) for p in ("/staff", "/staff/calendar", "/staff/calendar?view=day", "/staff/spaces/new",
                                 f"/staff/spaces/{room}/edit", f"/staff/spaces/{room}/closures", "/admin",
                                 f"/admin/facilities/{staffed['kallio']}")]
    html = " ".join(text(p) for p in pages)
    assert all(p.status_code == 200 for p in pages)
    assert html.count(f'<html lang="{lang}">') == len(pages)
    for w in words:
        assert w in html, w
    for english in ENGLISH_ON_STAFF_PAGES:
        if english not in words:
            assert f">{english}<" not in html, english


@pytest.mark.parametrize("which", ["start", "end"])
def test_calendar_day_on_a_clock_change_shows_local_times(staffed, which):
    from tests.conftest import next_dst_end, next_dst_start

    day = next_dst_start() if which == "start" else next_dst_end()
    r = staffed["rep"].post("/bookings", {"space_id": staffed["room"], "group_id": staffed["group"], "title": "Sunday club",
                                          "start": local(day, "18:00"), "end": local(day, "20:00")})
    assert r.status_code == 201, r.get_json()
    page = text(staffed["client"].get(f"/staff/calendar?date={day}&view=day"))
    assert "18:00–20:00" in page and "Sunday club" in page
    assert "08:00–18:00" in page and "20:00–22:00" in page
