"""The staff page for volunteers' credentials (Flask client): find by the exact e-mail address (a
neutral answer otherwise), record one (errors next to the fields, typed values kept), remove one
after a confirmation; a volunteer is refused. And the reasons a shift needing a credential gives:
the volunteer's recommendations and the organiser's candidate list say which credential and why."""
from __future__ import annotations

import html
from datetime import timedelta

from sqlalchemy import select

from commons.extensions import db
from commons.models import AuditEvent
from tests.conftest import sign_in_without_form
from tests.volunteers.conftest import tuesday
from volunteers.models import VolunteerCredential


def text(r) -> str:
    return html.unescape(r.get_data(as_text=True))


def _staff_page(app, make_user, world):
    staff = make_user("staff", facilities=[world.facility])
    client = app.test_client()
    sign_in_without_form(app, client, staff.user_id)
    return client


def test_staff_find_add_bad_date_and_remove(app, make_user, world):
    v = world.volunteer(name="Vilja Volunteer")
    client = _staff_page(app, make_user, world)
    r = client.get("/staff/credentials?lang=en")
    assert r.status_code == 200 and "Find the volunteer" in text(r) and "Vilja" not in text(r)

    # not found: the same neutral answer for no account and for a partial address
    for email in ("nobody@example.fi", "user"):
        r = client.post("/staff/credentials", data={"email": email})
        assert "Vilja" not in text(r)
    r = client.post("/staff/credentials", data={"email": "nobody@example.fi"})
    assert r.status_code == 200 and "No volunteer was found with this address" in text(r)

    with app.app_context():
        from commons.models import User
        email = db.session.get(User, v.user_id).email
    r = client.post("/staff/credentials", data={"email": "  " + email.upper() + " "})
    assert r.status_code == 302 and email not in r.location  # a signed token in the address, never the e-mail
    page = r.location
    v_token = page.split("v=")[1]
    r = client.get(page)
    assert "Credentials of Vilja Volunteer" in text(r) and "No credentials are recorded" in text(r)
    # the token is this staff member's: another staff member's client does not see the volunteer with it
    other = _staff_page(app, make_user, world)
    assert "Vilja" not in text(other.get(page))
    assert "Vilja" not in text(client.get("/staff/credentials?v=forged"))

    # a bad date: the error next to the field, what was typed kept
    r = client.post("/staff/credentials/new", data={"kind": "first_aid", "valid_until": "31.2.2027", "note": "Red Cross card", "v": v_token})
    assert r.status_code == 422
    page = text(r)
    assert 'id="valid_until-error"' in page and 'value="31.2.2027"' in page and 'value="Red Cross card"' in page
    assert '<option selected value="first_aid">' in page or 'value="first_aid" selected' in page

    day = tuesday(3)
    r = client.post("/staff/credentials/new", data={"kind": "first_aid", "valid_until": day.isoformat(), "note": "Red Cross card", "v": v_token})
    assert r.status_code == 302
    r = client.get(r.location)
    assert "First-aid certificate" in text(r) and "Red Cross card" in text(r)
    assert v.get("/volunteers/me").get_json()["credentials"][0]["kind"] == "first_aid"
    with app.app_context():
        cid = db.session.execute(select(VolunteerCredential.id)).scalar_one()
        actions = [a for a in db.session.execute(select(AuditEvent.action)).scalars()]
        assert "credential.record" in actions

    # remove: a confirmation first, then gone (and audited)
    assert client.get(f"/staff/credentials/{cid}/remove").status_code == 404  # without the found volunteer
    r = client.get(f"/staff/credentials/{cid}/remove?v={v_token}")
    assert r.status_code == 200 and "Yes, remove it" in text(r)
    with app.app_context():
        assert db.session.get(VolunteerCredential, cid) is not None
    r = client.post(f"/staff/credentials/{cid}/remove", data={"v": v_token})
    assert r.status_code == 302
    with app.app_context():
        assert db.session.get(VolunteerCredential, cid) is None
        assert "credential.remove" in [a for a in db.session.execute(select(AuditEvent.action)).scalars()]
    assert client.get(f"/staff/credentials/{cid}/remove?v={v_token}").status_code == 404


def test_a_volunteer_is_refused_the_staff_page(app, make_user, world):
    v = world.volunteer()
    client = app.test_client()
    sign_in_without_form(app, client, v.user_id)
    assert client.get("/staff/credentials").status_code == 403
    assert client.post("/staff/credentials", data={"email": "x@example.fi"}).status_code == 403
    assert client.post("/staff/credentials/new", data={"kind": "first_aid", "valid_until": "2027-01-01"}).status_code == 403
    assert app.test_client().get("/staff/credentials").status_code in (302, 401)
