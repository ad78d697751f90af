"""Decisions ask first (issue 21 item 11): rejecting a request without a message shows a confirmation
page (no JavaScript needed); the "choose approve or reject" error is shown on the request it belongs to."""
import re

from commons.extensions import db
from spaces.models import Booking
from tests.conftest import PASSWORD, local, next_weekday


def _sign_in(client, email):
    assert client.post("/login", data={"email": email, "password": PASSWORD}).status_code == 302


def _two_pending(app, make_user, make_group, make_space, make_facility):
    facility = make_facility()
    space = make_space(facility_id=facility)
    group = make_group(verified=False)
    rep = make_user(groups=[group])
    day = next_weekday(2)
    ids = []
    for title, start, end in (("Knitting", "10:00", "12:00"), ("Choir", "13:00", "14:00")):
        r = rep.post("/bookings", {"space_id": space, "group_id": group, "title": title, "start": local(day, start), "end": local(day, end)})
        assert r.status_code == 201 and r.get_json()["status"] == "pending"
        ids.append(r.get_json()["id"])
    make_user(role="staff", facilities=[facility], email="staff@example.fi")
    client = app.test_client()
    _sign_in(client, "staff@example.fi")
    return client, ids


def _status(app, booking_id):
    with app.app_context():
        return db.session.get(Booking, booking_id).status


def test_reject_without_a_message_asks_first(app, make_user, make_group, make_space, make_facility):
    client, (knitting, _choir) = _two_pending(app, make_user, make_group, make_space, make_facility)
    asked = client.post(f"/staff/requests/{knitting}", data={"decision": "reject", "message": "  "})
    page = asked.get_data(as_text=True)
    assert asked.status_code == 200 and "Reject without a message?" in page and "Knitting" in page
    assert 'name="confirm" value="yes"' in page and 'name="csrf_token"' in page
    assert _status(app, knitting) == "pending"  # nothing decided yet
    done = client.post(f"/staff/requests/{knitting}", data={"decision": "reject", "confirm": "yes", "scope": "one"})
    assert done.status_code == 302 and _status(app, knitting) == "rejected"


def test_reject_with_a_message_and_approve_do_not_ask(app, make_user, make_group, make_space, make_facility):
    client, (knitting, choir) = _two_pending(app, make_user, make_group, make_space, make_facility)
    assert client.post(f"/staff/requests/{knitting}", data={"decision": "reject", "message": "The room is being painted."}).status_code == 302
    assert client.post(f"/staff/requests/{choir}", data={"decision": "approve"}).status_code == 302
    assert (_status(app, knitting), _status(app, choir)) == ("rejected", "confirmed")


def test_reject_confirmation_in_swedish(app, make_user, make_group, make_space, make_facility):
    client, (knitting, _choir) = _two_pending(app, make_user, make_group, make_space, make_facility)
    page = client.post(f"/staff/requests/{knitting}", data={"decision": "reject"}, headers={"Accept-Language": "sv"}).get_data(as_text=True)
    assert "Avslå utan meddelande?" in page and "Reject without a message?" not in page


def test_the_missing_decision_error_is_on_its_request(app, make_user, make_group, make_space, make_facility):
    client, (knitting, choir) = _two_pending(app, make_user, make_group, make_space, make_facility)
    r = client.post(f"/staff/requests/{choir}", data={"message": "Welcome"})
    assert r.status_code == 422
    page = r.get_data(as_text=True)
    items = re.findall(r'<li class="booking status-pending">.*?</li>\s*(?=<li|</ul>)', page, re.S)
    by_id = {int(re.search(r'id="request-(\d+)"', i).group(1)): i for i in items}
    assert "Choose approve or reject." in by_id[choir] and "Choose approve or reject." not in by_id[knitting]
    assert page.count("Choose approve or reject.") == 1  # not at the top of the page as well
    assert ">Welcome</textarea>" in by_id[choir]  # what was typed stays
    assert f'action="/staff/requests/{choir}#request-{choir}"' in page  # the answer opens at the request
