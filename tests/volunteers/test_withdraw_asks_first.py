"""Withdrawing from a volunteer shift asks first (issue 21 item 11): a confirmation page, no JavaScript
needed; declining an invitation does not ask."""
from commons.extensions import db
from tests.conftest import PASSWORD
from volunteers.models import ShiftSignup


def _sign_in(client, email):
    assert client.post("/login", data={"email": email, "password": PASSWORD}).status_code == 302


def test_withdrawing_from_a_shift_asks_first(app, world):
    activity = world.activity()
    shift = world.shift(activity)
    vol = world.volunteer(name="Vera Volunteer")
    assert vol.post(f"/shifts/{shift}/signup").get_json()["status"] == "confirmed"
    client = app.test_client()
    _sign_in(client, vol.email)
    asked = client.post(f"/volunteering/shifts/{shift}/withdraw", data={"next": "/volunteering/shifts"})
    page = asked.get_data(as_text=True)
    assert asked.status_code == 200 and "Withdraw from the shift?" in page and "Language café" in page
    assert 'name="confirm" value="yes"' in page and 'href="/volunteering/shifts"' in page
    with app.app_context():
        assert db.session.query(ShiftSignup).filter_by(shift_id=shift).one().status == "confirmed"
    done = client.post(f"/volunteering/shifts/{shift}/withdraw", data={"next": "/volunteering/shifts", "confirm": "yes"})
    assert done.status_code == 302
    with app.app_context():
        assert db.session.query(ShiftSignup).filter_by(shift_id=shift).one().status == "withdrawn"
