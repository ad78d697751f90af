"""Administration pages: verify groups, create facilities, add and remove staff. Admins only."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from commons.extensions import db
from commons.models import Facility, FacilityStaff, Group, User
from tests.conftest import PASSWORD


def sign_in(client, email) -> None:
    r = client.post("/login", data={"email": email, "password": PASSWORD})
    assert r.status_code == 302, r.get_data(as_text=True)


def text(r) -> str:
    return r.get_data(as_text=True)


@pytest.fixture
def admin(app, make_user):
    make_user(role="admin", email="admin@example.fi", name="Aino Admin")
    client = app.test_client()
    sign_in(client, "admin@example.fi")
    return client


@pytest.mark.parametrize("role", ["member", "staff", "volunteer"])
def test_admin_pages_are_for_admins_only(app, make_user, make_facility, make_group, role):
    facility, group = make_facility(), make_group(verified=False)
    user = make_user(role=role, facilities=[facility] if role == "staff" else [])
    c = app.test_client()
    sign_in(c, user.email)
    for method, path in (("get", "/admin"), ("get", f"/admin/facilities/{facility}"), ("post", f"/admin/groups/{group}/verify"),
                         ("post", "/admin/facilities"), ("post", f"/admin/facilities/{facility}/staff"),
                         ("post", f"/admin/facilities/{facility}/staff/{user.user_id}/remove")):
        r = getattr(c, method)(path, data={"name": "X", "email": user.email})
        assert r.status_code == 403, (method, path)
        assert "This page is for administrators." in text(r)
    assert app.test_client().get("/admin").status_code == 302
    with app.app_context():
        assert not db.session.get(Group, group).verified


def test_groups_unverified_first_and_verify(app, admin, make_group, make_user):
    make_group(name="Aardvark Club", verified=True)
    waiting = make_group(name="Zebra Society", verified=False)
    make_user(groups=[waiting], name="Zoe Rep")
    page = text(admin.get("/admin"))
    assert page.index("Zebra Society") < page.index("Aardvark Club")
    assert "Zoe Rep" in page and f'action="/admin/groups/{waiting}/verify"' in page
    r = admin.post(f"/admin/groups/{waiting}/verify", follow_redirects=True)
    assert "Verified: Zebra Society." in text(r)
    with app.app_context():
        assert db.session.get(Group, waiting).verified
    assert "No group is waiting." in text(admin.get("/admin"))
    assert admin.post("/admin/groups/999999/verify").status_code == 404


def test_create_facility_and_errors_keep_typed(app, admin):
    r = admin.post("/admin/facilities", data={"name": "Kallio Library", "district": "Kallio", "address": "Viides linja 11",
                                               "phone": "09 310 85010"})
    assert r.status_code == 302
    with app.app_context():
        f = db.session.execute(select(Facility)).scalar_one()
        assert (f.name, f.district, f.address, f.phone) == ("Kallio Library", "Kallio", "Viides linja 11", "09 310 85010")
        assert r.headers["Location"].endswith(f"/admin/facilities/{f.id}")
    r = admin.post("/admin/facilities", data={"name": "Kallio Library", "district": "Kallio", "address": "Somewhere"})
    assert r.status_code == 422
    assert "A facility with this name exists already." in text(r) and 'value="Somewhere"' in text(r)
    r = admin.post("/admin/facilities", data={"name": "New", "district": "", "address": ""})
    assert r.status_code == 422
    assert "Give the district, e.g. Kallio." in text(r) and "Give the street address." in text(r) and 'value="New"' in text(r)


def test_add_and_remove_staff(app, admin, make_facility, make_user):
    facility = make_facility(name="Kontula Youth Centre")
    person = make_user(role="member", email="new.staff@example.fi", name="Niko New")
    page = admin.get(f"/admin/facilities/{facility}")
    assert page.status_code == 200 and "No staff yet." in text(page)
    r = admin.post(f"/admin/facilities/{facility}/staff", data={"email": "nobody@example.fi"})
    assert r.status_code == 422 and "Nobody has an account with that e-mail" in text(r) and 'value="nobody@example.fi"' in text(r)
    r = admin.post(f"/admin/facilities/{facility}/staff", data={"email": "not-an-email"})
    assert r.status_code == 422 and "Give an e-mail address, e.g. name@hel.fi." in text(r)
    r = admin.post(f"/admin/facilities/{facility}/staff", data={"email": "New.Staff@example.fi"}, follow_redirects=True)
    assert "Niko New is now staff of Kontula Youth Centre." in text(r)
    with app.app_context():
        assert db.session.get(User, person.user_id).role == "staff"
        assert db.session.execute(select(FacilityStaff)).scalar_one().user_id == person.user_id
    # now they see the staff pages for that facility
    c = app.test_client()
    sign_in(c, "new.staff@example.fi")
    assert "Kontula Youth Centre" in text(c.get("/staff"))
    r = admin.post(f"/admin/facilities/{facility}/staff/{person.user_id}/remove", follow_redirects=True)
    assert "Removed from the staff of Kontula Youth Centre." in text(r)
    with app.app_context():
        assert db.session.execute(select(FacilityStaff)).first() is None
    assert admin.post(f"/admin/facilities/{facility}/staff/{person.user_id}/remove").status_code == 404


def test_nav_shows_staff_and_admin_links_by_role(app, admin, make_user):
    page = text(admin.get("/"))
    assert 'href="/staff"' in page and 'href="/admin"' in page
    make_user(role="staff", email="s@example.fi")
    c = app.test_client()
    sign_in(c, "s@example.fi")
    page = text(c.get("/"))
    assert 'href="/staff"' in page and 'href="/admin"' not in page
