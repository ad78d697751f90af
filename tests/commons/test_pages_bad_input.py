"""Odd input to the account and group pages: always a 4xx page (or the page again with errors),
never a 500, nothing written, nothing in the server's error log."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from commons.extensions import db
from commons.models import Group, GroupMember, User
from tests.conftest import PASSWORD


# Nothing a client sends leaves a traceback in the server log (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("no_server_error_logged")


def counts(app):
    with app.app_context():
        out = tuple(db.session.execute(select(func.count()).select_from(m)).scalar_one() for m in (User, Group, GroupMember))
        db.session.remove()
        return out


ODD = ["\x00", "a\x00b@example.fi", "x" * 5000, "💥" * 200, "<script>alert(1)</script>", "' OR 1=1 --", " ", "\u202e\u0000"]
SIGNUP = {"role": "member", "name": "Tuula", "email": "tuula@example.fi", "password": "three blind mice",
          "confirm": "three blind mice"}
GROUP = {"name": "Vallila Residents", "kind": "association", "district": "Vallila", "registration_number": "",
         "description": ""}


def answered(app, r, before, value) -> None:
    """A 4xx that wrote nothing, or (for text a person may well type) a redirect after saving it;
    never a NUL byte stored."""
    if r.status_code == 302:
        assert "\x00" not in value
        return
    assert 400 <= r.status_code < 500, r.status_code
    assert counts(app) == before


@pytest.mark.parametrize("value", ODD)
@pytest.mark.parametrize("field", ["role", "name", "email", "password", "confirm"])
def test_sign_up_with_odd_input(app, client, field, value):
    before = counts(app)
    data = dict(SIGNUP, **{field: value})
    if field == "password":
        data["confirm"] = value
    answered(app, client.post("/signup", data=data), before, value)


@pytest.mark.parametrize("value", ODD)
@pytest.mark.parametrize("field", ["name", "kind", "district", "registration_number", "description"])
def test_register_a_group_with_odd_input(app, client, make_user, field, value):
    user = make_user()
    assert client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302
    before = counts(app)
    answered(app, client.post("/groups/new", data=dict(GROUP, **{field: value})), before, value)


@pytest.mark.parametrize("value", ODD + [["a@example.fi", "b@example.fi"]])
def test_add_a_representative_with_odd_input(app, client, make_user, make_group, value):
    group = make_group()
    user = make_user(groups=[group])
    assert client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302
    before = counts(app)
    r = client.post(f"/groups/{group}/representatives", data={"email": value})
    assert 400 <= r.status_code < 500
    assert counts(app) == before


@pytest.mark.parametrize("value", ODD)
@pytest.mark.parametrize("path, field", [("/account/profile", "name"), ("/account/profile", "email"),
                                         ("/account/password", "current_password"), ("/account/password", "new_password"),
                                         ("/account/delete", "password")])
def test_account_forms_with_odd_input(app, client, make_user, path, field, value):
    user = make_user()
    assert client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302
    before = counts(app)
    data = {"current_password": PASSWORD, "new_password": "a new long secret", "confirm": "a new long secret",
            "name": "Name", "email": user.email}
    data[field] = value
    if field == "new_password":
        data["confirm"] = value
    answered(app, client.post(path, data=data), before, value)


@pytest.mark.parametrize("query", [{"when": "\x00"}, {"status": "💥"}, {"when": ["past", "upcoming"]}, {"status": "x" * 5000},
                                   {"next": "\x00"}])
def test_lists_with_odd_filters(client, make_user, make_group, query):
    group = make_group()
    user = make_user(groups=[group])
    assert client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302
    for path in ("/bookings", f"/groups/{group}"):
        r = client.get(path, query_string=query)
        assert r.status_code in (200, 422), (path, r.status_code)


@pytest.mark.parametrize("path", ["/groups/0", "/groups/-1", "/groups/abc", "/groups/2147483648", "/bookings/0/cancel",
                                  "/groups/1/representatives"])
def test_odd_addresses_are_404_or_405(client, make_user, path):
    user = make_user()
    assert client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302
    assert client.get(path).status_code in (404, 405)
