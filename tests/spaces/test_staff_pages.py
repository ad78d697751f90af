"""The staff approval queue page: lists pending requests of the staff's facilities only; approve and reject."""
from commons.extensions import db
from spaces.models import Booking
from tests.conftest import PASSWORD, local, next_weekday


def _sign_in(client, email):
    r = client.post("/login", data={"email": email, "password": PASSWORD})
    assert r.status_code == 302


def _pending(make_user, make_group, make_space, make_facility, title="Knitting"):
    facility = make_facility()
    space = make_space(facility_id=facility)
    group = make_group(verified=False)
    rep = make_user(groups=[group])
    day = next_weekday(2)
    r = rep.post("/bookings", {"space_id": space, "group_id": group, "title": title,
                               "start": local(day, "10:00"), "end": local(day, "12:00")})
    assert r.status_code == 201 and r.get_json()["status"] == "pending"
    return facility, r.get_json()["id"]


def test_queue_shows_own_facilities_pending_requests_only(app, make_user, make_group, make_space, make_facility):
    facility, booking_id = _pending(make_user, make_group, make_space, make_facility, "Knitting")
    _other_facility, _ = _pending(make_user, make_group, make_space, make_facility, "Elsewhere")
    staff = make_user(role="staff", facilities=[facility], email="staff@example.fi")
    client = app.test_client()
    _sign_in(client, "staff@example.fi")
    page = client.get("/staff/requests").get_data(as_text=True)
    assert "Knitting" in page
    assert "Elsewhere" not in page
    assert 'for="approve-%d"' % booking_id in page
    assert staff


def test_approve_and_reject_from_the_page(app, make_user, make_group, make_space, make_facility):
    facility, booking_id = _pending(make_user, make_group, make_space, make_facility)
    make_user(role="staff", facilities=[facility], email="staff@example.fi")
    client = app.test_client()
    _sign_in(client, "staff@example.fi")
    r = client.post(f"/staff/requests/{booking_id}", data={"decision": "approve", "message": "Welcome!"})
    assert r.status_code == 302
    with app.app_context():
        b = db.session.get(Booking, booking_id)
        assert (b.status, b.decision_message) == ("confirmed", "Welcome!")
    r = client.post(f"/staff/requests/{booking_id}", data={"decision": "reject"})
    assert r.status_code == 422
    assert "confirmed" in r.get_data(as_text=True)


def test_missing_decision_is_explained(app, make_user, make_group, make_space, make_facility):
    facility, booking_id = _pending(make_user, make_group, make_space, make_facility)
    make_user(role="staff", facilities=[facility], email="staff@example.fi")
    client = app.test_client()
    _sign_in(client, "staff@example.fi")
    r = client.post(f"/staff/requests/{booking_id}", data={"message": "hm"})
    assert r.status_code == 422
    assert "Choose approve or reject." in r.get_data(as_text=True)


def test_members_and_other_staff_cannot_decide(app, make_user, make_group, make_space, make_facility):
    facility, booking_id = _pending(make_user, make_group, make_space, make_facility)
    other = make_facility()
    make_user(role="staff", facilities=[other], email="other@example.fi")
    make_user(role="member", email="member@example.fi")
    client = app.test_client()
    _sign_in(client, "other@example.fi")
    # another facility's request does not exist for them (as in the API)
    assert client.post(f"/staff/requests/{booking_id}", data={"decision": "approve"}).status_code == 404
    client = app.test_client()
    _sign_in(client, "member@example.fi")
    assert client.get("/staff/requests").status_code == 403
    assert client.post(f"/staff/requests/{booking_id}", data={"decision": "approve"}).status_code == 403
    assert app.test_client().get("/staff/requests").status_code == 302  # anonymous: to sign-in
    with app.app_context():
        assert db.session.get(Booking, booking_id).status == "pending"
