"""GET /me/export lists what is stored about a person; DELETE /me erases the account but keeps the group's bookings."""
from commons.extensions import db
from spaces.models import Booking
from tests.conftest import local, next_weekday


def test_export_and_erase(app, make_user, make_group, make_space):
    group, space = make_group(name="Vallila Readers"), make_space()
    rep = make_user(groups=[group], email="sari@example.fi", name="Sari Example")
    day = next_weekday(3)
    r = rep.post("/bookings", {"space_id": space, "group_id": group, "title": "Reading circle",
                               "start": local(day, "17:00"), "end": local(day, "18:00")})
    assert r.status_code == 201
    booking_id = r.get_json()["id"]

    export = rep.get("/me/export").get_json()
    assert export["user"]["email"] == "sari@example.fi"
    assert export["groups"] == [{"id": group, "name": "Vallila Readers"}]
    assert [b["id"] for b in export["bookings_made"]] == [booking_id]

    assert rep.delete("/me").status_code == 200
    assert rep.get("/me").status_code == 401  # the token went with the account
    with app.app_context():
        booking = db.session.get(Booking, booking_id)
        assert booking is not None and booking.status == "confirmed"  # the group's booking stays
        assert booking.booked_by_id is None  # without the person
