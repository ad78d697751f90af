"""Staff booking for a person who phones or comes to the counter (issue 21 item 9): a name and phone
number as the booking's contact instead of a group, the same rules as any booking, seen by the facility's
staff only, never on public pages or feeds, cleared by the retention job and erasable on request."""
from datetime import timedelta, datetime

from sqlalchemy import select

from commons.extensions import db
from commons.jobs import JOBS
from commons.models import AuditEvent, Group, OutboxMessage
from spaces.models import Booking
from tests.conftest import PASSWORD, local, next_weekday

NAME, PHONE = "Aino Asiakas", "040 765 4321"


def _world(make_user, make_space, make_facility, **rules):
    facility = make_facility()
    space = make_space(facility_id=facility, **rules)
    staff = make_user(role="staff", facilities=[facility], email="staff@example.fi")
    return facility, space, staff


def _body(space, day, start="18:00", end="19:00", **kw):
    return {"space_id": space, "contact_name": NAME, "contact_phone": PHONE, "title": "Birthday",
            "start": local(day, start), "end": local(day, end), **kw}


def _sign_in(client, email):
    assert client.post("/login", data={"email": email, "password": PASSWORD}).status_code == 302


def test_staff_book_for_a_contact_confirmed_and_seen_by_staff_only(app, make_user, make_space, make_facility, make_group):
    facility, space, staff = _world(make_user, make_space, make_facility)
    day = next_weekday(3)
    r = staff.post("/bookings", _body(space, day, contact_phone=" +358 (0)40-765  4321 "))
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["status"] == "confirmed"
    one = staff.get(f"/bookings/{r.get_json()['id']}").get_json()
    assert (one["contact_name"], one["contact_phone"], one["public_title"]) == (NAME, "+358 (0)40-765 4321", False)
    with app.app_context():
        group = db.session.get(Group, one["group_id"])
        assert (group.kind, group.counter_facility_id, group.members) == ("counter", facility, [])
        assert db.session.query(OutboxMessage).count() == 0  # no e-mail: the person has none, staff call them
        event = db.session.execute(select(AuditEvent).where(AuditEvent.object_id == one["id"])).scalar_one()
        assert event.action == "booking.create_for_contact" and NAME not in str(event.details) and PHONE not in str(event.details)
    # a second booking uses the same counter group; a group booking the same time is refused (same rules)
    assert staff.post("/bookings", _body(space, day, "19:00", "20:00")).get_json()["id"]
    group_id = make_group()
    rep = make_user(groups=[group_id])
    clash = rep.post("/bookings", {"space_id": space, "group_id": group_id, "title": "x", "start": local(day, "18:30"), "end": local(day, "19:30")})
    assert clash.status_code == 409
    # the representative sees neither the booking nor its contact
    assert rep.get(f"/bookings/{one['id']}").status_code == 404
    assert NAME not in rep.get("/bookings").get_data(as_text=True)


def test_the_booking_rules_apply(make_user, make_space, make_facility):
    _facility, space, staff = _world(make_user, make_space, make_facility, max_minutes=60)
    day = next_weekday(3)
    r = staff.post("/bookings", _body(space, day, "18:00", "20:00"))
    assert r.status_code == 422 and r.get_json()["error"]["code"] == "rule", r.get_json()
    closed = staff.post("/bookings", _body(space, day, "06:00", "07:00"))
    assert closed.status_code == 422


def test_non_staff_and_other_facilities_staff_are_refused(make_user, make_space, make_facility, make_group, app):
    _facility, space, _staff = _world(make_user, make_space, make_facility)
    other = make_user(role="staff", facilities=[make_facility()])
    group = make_group()
    member = make_user(groups=[group])
    day = next_weekday(3)
    for who in (other, member):
        r = who.post("/bookings", _body(space, day))
        assert r.status_code == 403 and "book_for_contact_staff_only" in str(r.get_json()), r.get_json()
    with app.app_context():  # nothing made, not even the counter group
        assert db.session.execute(select(Group).where(Group.kind == "counter")).first() is None


def test_clear_422s(make_user, make_space, make_facility, make_group):
    _facility, space, staff = _world(make_user, make_space, make_facility)
    day = next_weekday(3)
    for body, code in [
        (_body(space, day, contact_phone="12ab"), "phone_invalid"),
        (_body(space, day, contact_phone="040"), "phone_invalid"),
        ({k: v for k, v in _body(space, day).items() if k != "contact_phone"}, "group_or_contact"),
        ({**_body(space, day), "group_id": make_group()}, "group_or_contact"),
        ({k: v for k, v in _body(space, day).items() if k not in ("contact_name", "contact_phone")}, "group_or_contact"),
    ]:
        r = staff.post("/bookings", body)
        assert r.status_code == 422 and code in str(r.get_json()), (body, r.get_json())
    # the counter group itself is not bookable as a group
    ok = staff.post("/bookings", _body(space, day)).get_json()
    counter = staff.get(f"/bookings/{ok['id']}").get_json()["group_id"]
    r = staff.post("/bookings", {"space_id": space, "group_id": counter, "title": "x", "start": local(day, "20:00"), "end": local(day, "21:00")})
    assert r.status_code == 422 and "counter_group_needs_contact" in str(r.get_json())


def test_contact_never_on_public_pages_or_feeds(app, make_user, make_space, make_facility, anon):
    _facility, space, staff = _world(make_user, make_space, make_facility)
    day = next_weekday(3)
    assert staff.post("/bookings", _body(space, day, title=NAME, public_title=True)).status_code == 201
    client = app.test_client()
    week = f"{day.isocalendar()[0]}-W{day.isocalendar()[1]:02d}"
    for path in (f"/spaces/{space}?week={week}", f"/calendars/spaces/{space}.ics", f"/api/v1/spaces/{space}/availability?from={day}&to={day + timedelta(days=1)}"):
        r = client.get(path)
        assert r.status_code == 200, path
        text = r.get_data(as_text=True)
        assert NAME not in text and "765" not in text, path
    assert "Booked" in client.get(f"/spaces/{space}?week={week}").get_data(as_text=True)
    # the facility's counter group, which holds the booking, is not one of the groups anyone can list
    assert all(g["name"].startswith("Asiakaspalvelu") is False for g in client.get("/api/v1/groups").get_json())


def test_retention_clears_the_contact(app, make_user, make_space, make_facility):
    _facility, space, staff = _world(make_user, make_space, make_facility)
    day = next_weekday(3)
    booking = staff.post("/bookings", _body(space, day)).get_json()["id"]
    with app.app_context():
        end = db.session.get(Booking, booking).end_at
        out = JOBS["retention"].func(end + timedelta(days=app.config["RETENTION_BOOKER_DAYS"] + 1))
        assert "erased the booker from 1 booking(s)" in out
        b = db.session.get(Booking, booking)
        assert (b.contact_name, b.contact_phone, b.status) == (None, None, "confirmed")


def test_staff_page_books_lists_and_erases(app, make_user, make_space, make_facility):
    _facility, space, _staff = _world(make_user, make_space, make_facility)
    client = app.test_client()
    _sign_in(client, "staff@example.fi")
    day = next_weekday(3)
    page = client.get(f"/staff/spaces/{space}/counter")
    assert page.status_code == 200 and 'type="tel"' in page.get_data(as_text=True)
    bad = client.post(f"/staff/spaces/{space}/counter", data={"contact_name": NAME, "contact_phone": "abc", "date": day.isoformat(),
                                                              "start": "18:00", "end": "19:00", "attendees": "2"})
    assert bad.status_code == 422 and "Give 5 to 15 digits" in bad.get_data(as_text=True)
    form = {"contact_name": NAME, "contact_phone": PHONE, "date": day.isoformat(), "start": "18:00", "end": "19:00", "attendees": "2"}
    r = client.post(f"/staff/spaces/{space}/counter", data=form, follow_redirects=True)
    assert r.status_code == 200
    text = r.get_data(as_text=True)
    assert NAME in text and 'href="tel:0407654321"' in text and "No e-mail is sent" in text
    taken = client.post(f"/staff/spaces/{space}/counter", data=form)
    assert taken.status_code == 409 and "The booking was not made" in taken.get_data(as_text=True)
    cal = client.get(f"/staff/calendar?date={day.isoformat()}&view=day").get_data(as_text=True)
    assert NAME in cal and PHONE in cal
    with app.app_context():
        b = db.session.execute(select(Booking).where(Booking.space_id == space)).scalar_one()
    erased = client.post(f"/staff/spaces/{space}/counter/{b.id}/erase", follow_redirects=True)
    assert erased.status_code == 200 and NAME not in erased.get_data(as_text=True)
    with app.app_context():
        b = db.session.get(Booking, b.id)
        assert (b.contact_name, b.contact_phone, b.status) == (None, None, "confirmed")
        assert db.session.execute(select(AuditEvent.action).where(AuditEvent.object_id == b.id)).scalars().all().count("booking.contact_erase") == 1
    again = client.post(f"/staff/spaces/{space}/counter/{b.id}/erase")
    assert again.status_code == 422


def test_other_facilities_staff_get_403_on_the_page(app, make_user, make_space, make_facility):
    _facility, space, _staff = _world(make_user, make_space, make_facility)
    make_user(role="staff", facilities=[make_facility()], email="other@example.fi")
    client = app.test_client()
    _sign_in(client, "other@example.fi")
    assert client.get(f"/staff/spaces/{space}/counter").status_code == 403
    assert client.post(f"/staff/spaces/{space}/counter", data={}).status_code == 403
