"""Account pages: sign-up (representative or volunteer), my account, password change, export,
deletion. Driven with the Flask test client; CSRF is switched on where a test checks it."""
from __future__ import annotations

import html
import json
import re

import pytest
from sqlalchemy import select

from commons.extensions import db, limiter
from commons.models import Group, GroupMember, User
from tests.conftest import PASSWORD, sign_in_without_form
from tests.support.accounts import verify_address


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def sign_in(client, email: str, password: str = PASSWORD) -> None:
    r = client.post("/login", data={"email": email, "password": password})
    assert r.status_code == 302, r.get_data(as_text=True)[:300]


def signed_in_email(client) -> str | None:
    r = client.get("/api/v1/me")
    return r.get_json()["email"] if r.status_code == 200 else None


def users(app) -> list[tuple[str, str, str]]:
    with app.app_context():
        return [(u.email, u.name, u.role) for u in db.session.execute(select(User).order_by(User.id)).scalars()]


SIGNUP = {"role": "member", "name": "Tuula Treasurer", "email": "Tuula@Example.fi", "password": "three blind mice",
          "confirm": "three blind mice"}


# --- Sign-up ----------------------------------------------------------------------------------------


def test_the_sign_up_page_explains_the_choices_and_the_password_rules(client):
    r = client.get("/signup")
    assert r.status_code == 200
    page = text(r)
    assert "<h1>Create an account</h1>" in page
    assert '<legend>I am signing up as</legend>' in page
    assert 'id="role-0"' in page and 'A group representative: I book spaces' in page
    assert "A volunteer: I help at activities" in page
    assert "At least 8 characters." in page
    assert '<label for="password">Password</label>' in page
    assert 'autocomplete="new-password"' in page


def test_a_representative_signs_up_is_signed_in_and_continues_to_register_the_group(app, client):
    r = client.post("/signup", data=SIGNUP)
    assert r.status_code == 302 and r.headers["Location"].endswith("/groups/new")
    assert users(app) == [("tuula@example.fi", "Tuula Treasurer", "member")]
    assert signed_in_email(client) == "tuula@example.fi"
    page = text(client.get("/groups/new"))
    assert "Welcome, Tuula Treasurer! You are signed in. Now register your group" in page
    assert "<h1>Register a group</h1>" in page


def test_a_volunteer_signs_up_and_continues_to_the_volunteer_profile(app, client):
    r = client.post("/signup", data=dict(SIGNUP, role="volunteer"))
    assert r.status_code == 302 and r.headers["Location"].endswith("/volunteering/profile")
    assert users(app)[0][2] == "volunteer"
    page = text(client.get("/volunteering/profile"))
    assert "Welcome, Tuula Treasurer! You are signed in. Now tell us what you can do" in page
    assert "<h1>My volunteer profile</h1>" in page
    assert "<dd>Volunteer</dd>" in text(client.get("/account"))


@pytest.mark.parametrize(
    "change, field, message",
    [
        ({"role": ""}, "role", "Choose how you sign up."),
        ({"role": "admin"}, "role", "Not a valid choice"),
        ({"name": "  "}, "name", "Give your name."),
        ({"email": ""}, "email", "Give your e-mail address."),
        ({"email": "tuula.example.fi"}, "email", "Give an e-mail address like name@example.fi."),
        ({"password": "short", "confirm": "short"}, "password", "The password must be at least 8 characters."),
        ({"confirm": "three blind mic"}, "confirm", "The passwords are not the same."),
    ],
)
def test_sign_up_errors_are_next_to_the_field_and_what_was_typed_is_kept(app, client, change, field, message):
    r = client.post("/signup", data=dict(SIGNUP, **change))
    assert r.status_code == 422
    page = text(r)
    assert f'id="{field}-error">{message}' in page
    assert 'role="alert"' in page  # the summary is announced
    assert users(app) == []
    assert signed_in_email(client) is None
    if field != "name":
        assert 'value="Tuula Treasurer"' in page
    if field != "email":
        assert 'value="Tuula@Example.fi"' in page
    assert "three blind mice" not in page  # passwords are never sent back


def test_an_e_mail_that_has_an_account_is_refused_with_a_way_forward(app, client, make_user):
    make_user(email="tuula@example.fi")
    r = client.post("/signup", data=SIGNUP)
    assert r.status_code == 422
    assert 'id="email-error">An account with this e-mail exists already. Sign in instead' in text(r)
    assert len(users(app)) == 1


def test_signed_in_people_are_sent_to_their_account(client, make_user):
    user = make_user()
    sign_in(client, user.email)
    r = client.get("/signup")
    assert r.status_code == 302 and r.headers["Location"].endswith("/account")


def test_sign_up_is_in_finnish_and_swedish(client):
    fi = text(client.get("/signup", headers={"Accept-Language": "fi"}))
    assert "<h1>Luo tili</h1>" in fi and "Nimesi" in fi and "Vähintään 8 merkkiä" in fi
    sv = text(client.get("/signup", headers={"Accept-Language": "sv"}))
    assert "<h1>Skapa ett konto</h1>" in sv and "Ditt namn" in sv and "Minst 8 tecken" in sv
    r = client.post("/signup", data=dict(SIGNUP, password="lyhyt", confirm="lyhyt"), headers={"Accept-Language": "fi"})
    assert r.status_code == 422 and "Salasanassa pitää olla vähintään 8 merkkiä." in text(r)


@pytest.fixture
def csrf_on(app, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)


@pytest.mark.parametrize("path", ["/signup", "/account/profile", "/account/password", "/account/delete", "/groups/new"])
def test_forms_need_the_csrf_token(app, client, make_user, csrf_on, path):
    user = make_user()
    if path != "/signup":
        sign_in_without_form(app, client, user.user_id)
    r = client.post(path, data=dict(SIGNUP, current_password=PASSWORD, new_password="x" * 10, password=PASSWORD,
                                    kind="association", district="Kallio"))
    assert r.status_code == 400
    assert "The form has expired" in text(r)
    assert users(app) == [(user.email, "User 1", "member")]  # nothing changed
    with app.app_context():
        assert db.session.execute(select(Group)).first() is None


def test_sign_up_is_rate_limited_with_the_wait_in_words(app, client, monkeypatch):
    limiter.reset()
    monkeypatch.setitem(app.config, "SIGNUP_RATE_LIMIT", "2 per minute")
    try:
        for _ in range(2):
            assert client.post("/signup", data=dict(SIGNUP, role="")).status_code == 422
        r = client.post("/signup", data=SIGNUP, headers={"Accept-Language": "en"})
        assert r.status_code == 429
        seconds = int(r.headers["Retry-After"])
        assert 0 < seconds <= 60
        page = text(r)
        assert "<h1>Too many requests</h1>" in page
        said = re.search(r"Too many tries in a short time\. Wait (\d+) seconds? and try again\.", page)
        assert said and abs(int(said.group(1)) - seconds) <= 1  # computed a moment apart
        fi = text(client.post("/signup", data=SIGNUP, headers={"Accept-Language": "fi"}))
        assert "Odota" in fi and ("sekunti" in fi or "sekuntia" in fi)
    finally:
        limiter.reset()
    assert users(app) == []


# --- My account -------------------------------------------------------------------------------------


def test_the_account_page_needs_sign_in(client):
    r = client.get("/account")
    assert r.status_code == 302 and "/login" in r.headers["Location"]
    assert client.get("/account/export").status_code == 302
    assert client.post("/account/password").status_code == 302


def test_the_account_page_shows_the_person_and_their_groups(client, make_user, make_group):
    group = make_group(name="Kallio Residents")
    user = make_user(groups=[group], name="Riikka Rep", email="riikka@example.fi")
    sign_in(client, user.email)
    page = text(client.get("/account"))
    assert "<h1>My account</h1>" in page
    assert 'id="name" maxlength="120" name="name" required type="text" value="Riikka Rep"' in page
    assert 'value="riikka@example.fi"' in page
    assert f'<a href="/groups/{group}">Kallio Residents</a>' in page
    assert '<label for="current_password">Current password</label>' in page
    assert 'href="/account/export"' in page and 'href="/account/delete"' in page
    # the language choice posts to the language switch and comes back here
    assert 'name="next" value="/account"' in page and 'id="account-lang-sv"' in page


def test_changing_the_password_signs_out_other_browsers_but_not_this_one(app, client, make_user):
    user = make_user(email="sari@example.fi")
    other = app.test_client()
    sign_in(client, user.email)
    sign_in(other, user.email)
    r = client.post("/account/password", data={"current_password": PASSWORD, "new_password": "a new long secret",
                                               "confirm": "a new long secret"})
    assert r.status_code == 302 and r.headers["Location"].endswith("/account")
    assert "Your password is changed." in text(client.get("/account"))
    assert signed_in_email(client) == "sari@example.fi"
    assert signed_in_email(other) is None
    fresh = app.test_client()
    assert fresh.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 422
    sign_in(fresh, user.email, "a new long secret")


@pytest.mark.parametrize(
    "form, field, message",
    [
        ({"current_password": "wrong password", "new_password": "a new long secret", "confirm": "a new long secret"},
         "current_password", "The current password is not right."),
        ({"current_password": PASSWORD, "new_password": "short", "confirm": "short"},
         "new_password", "The password must be at least 8 characters."),
        ({"current_password": PASSWORD, "new_password": "a new long secret", "confirm": "another one"},
         "confirm", "The passwords are not the same."),
        ({}, "current_password", "Give your current password."),
    ],
)
def test_password_change_errors_are_next_to_the_field(app, client, make_user, form, field, message):
    user = make_user()
    sign_in(client, user.email)
    r = client.post("/account/password", data=form)
    assert r.status_code == 422
    assert f'id="{field}-error">{message}' in text(r)
    assert signed_in_email(client) == user.email
    sign_in(app.test_client(), user.email)  # the old password still works


def test_export_downloads_everything_stored_about_me(client, make_user, make_group):
    group = make_group(name="Kallio Residents")
    user = make_user(groups=[group], email="riikka@example.fi", name="Riikka Äyräväinen")
    sign_in(client, user.email)
    r = client.get("/account/export")
    assert r.status_code == 200
    assert r.mimetype == "application/json"
    assert r.headers["Content-Disposition"].startswith("attachment;")
    data = json.loads(r.get_data(as_text=True))
    assert data["user"]["email"] == "riikka@example.fi"
    assert data["user"]["name"] == "Riikka Äyräväinen"
    assert data["groups"] == [{"id": group, "name": "Kallio Residents"}]
    assert "bookings_made" in data


def test_deleting_the_account_asks_for_the_password_first(app, client, make_user, make_group):
    group = make_group()
    user = make_user(groups=[group], email="gone@example.fi")
    sign_in(client, user.email)
    page = text(client.get("/account/delete"))
    assert "This cannot be undone." in page and '<label for="password">Your password</label>' in page
    r = client.post("/account/delete", data={"password": "not my password"})
    assert r.status_code == 422 and 'id="password-error">The password is not right.' in text(r)
    assert [u[0] for u in users(app)] == ["gone@example.fi"]
    r = client.post("/account/delete", data={"password": PASSWORD})
    assert r.status_code == 302 and r.headers["Location"] in ("/", "http://commons.test/")
    assert users(app) == []
    assert signed_in_email(client) is None
    assert "Your account and your personal data are deleted." in text(client.get("/"))
    with app.app_context():
        assert db.session.get(Group, group) is not None  # the group stays
        assert db.session.execute(select(GroupMember)).first() is None


def test_change_my_name_and_e_mail(app, client, make_user):
    user = make_user(email="old@example.fi", name="Old Name")
    make_user(email="taken@example.fi")
    sign_in(client, user.email)
    r = client.post("/account/profile", data={"name": " Uusi Nimi ", "email": "New@Example.fi"})
    assert r.status_code == 302 and r.headers["Location"].endswith("/account")
    page = text(client.get("/account"))
    assert "Your details are saved. We sent a link to new@example.fi" in page
    assert "Waiting for confirmation: new@example.fi" in page
    assert signed_in_email(client) == "old@example.fi"  # until the new address's link is opened
    verify_address(app, client, "new@example.fi")
    assert signed_in_email(client) == "new@example.fi"
    assert ("new@example.fi", "Uusi Nimi", "member") in users(app)
    sign_in(app.test_client(), "new@example.fi")

    r = client.post("/account/profile", data={"name": "Uusi Nimi", "email": "taken@example.fi"})
    assert r.status_code == 422
    page = text(r)
    assert 'id="email-error">Another account has this e-mail address.' in page
    assert 'value="taken@example.fi"' in page  # what was typed is kept
    r = client.post("/account/profile", data={"name": "", "email": "bad"})
    assert r.status_code == 422
    page = text(r)
    assert 'id="name-error">Give your name.' in page and 'id="email-error">Give an e-mail address like name@example.fi.' in page
    assert signed_in_email(client) == "new@example.fi"
