"""Sessions: renewed at sign-in (only the language survives; a cookie from before sign-in never
becomes signed in), ended for good at sign-out (a copy of the cookie taken before is worth
nothing after) without signing the person out elsewhere; and the cookies' flags in production."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from commons.extensions import db
from commons.models import SignIn
from tests.conftest import PASSWORD, RELAXED_LIMITS


def cookie(client, name="session"):
    found = client.get_cookie(name, domain="commons.test")
    return found.value if found else None


def with_cookie(app, value):
    """Another browser holding a copy of a session cookie."""
    other = app.test_client()
    other.set_cookie("session", value, domain="commons.test")
    return other


def sign_in(client, email, password=PASSWORD):
    r = client.post("/login", data={"email": email, "password": password})
    assert r.status_code == 302, r.get_data(as_text=True)[:300]
    return r


def signed_in_as(client):
    r = client.get("/api/v1/me")
    return r.get_json()["email"] if r.status_code == 200 else None


def sign_ins(app, user_id):
    with app.app_context():
        return db.session.execute(select(func.count()).select_from(SignIn).where(SignIn.user_id == user_id)).scalar_one()


def test_sign_in_renews_the_session_keeping_only_the_language(app, make_user):
    user = make_user(email="sari@example.fi")
    client = app.test_client()
    assert client.post("/language", data={"lang": "sv", "next": "/"}).status_code == 302
    with client.session_transaction() as s:
        s["planted"] = "by someone else"
        s["_user_id"] = "999:1"
        before = dict(s)
    cookie_before = cookie(client)
    sign_in(client, "sari@example.fi")
    with client.session_transaction() as s:
        after = dict(s)
    assert after["lang"] == "sv"
    assert "planted" not in after
    assert after["_user_id"] == f"{user.user_id}:1" and after["sign_in"]
    assert set(after) - set(before) >= {"sign_in"}
    assert cookie(client) != cookie_before
    # The cookie from before sign-in stays what it was: not signed in.
    assert signed_in_as(with_cookie(app, cookie_before)) is None
    assert signed_in_as(client) == "sari@example.fi"


def test_a_cookie_planted_before_sign_in_does_not_become_signed_in(app, make_user):
    """Session fixation: the attacker gets a session, gets it into the victim's browser, the victim
    signs in; the attacker's copy is still nobody's."""
    make_user(email="victim@example.fi")
    attacker = app.test_client()
    attacker.get("/login")
    with attacker.session_transaction() as s:
        s["lang"] = "en"
    planted = cookie(attacker)
    victim = with_cookie(app, planted)
    sign_in(victim, "victim@example.fi")
    assert signed_in_as(victim) == "victim@example.fi"
    assert cookie(victim) != planted
    assert signed_in_as(attacker) is None
    assert attacker.get("/account").status_code == 302  # to the sign-in page


def test_sign_out_ends_the_session_for_a_copied_cookie_too(app, make_user):
    user = make_user(email="sari@example.fi")
    client = app.test_client()
    sign_in(client, "sari@example.fi")
    copied = cookie(client)
    assert signed_in_as(with_cookie(app, copied)) == "sari@example.fi"  # the copy works while signed in
    assert client.post("/logout").status_code == 302
    assert signed_in_as(client) is None
    replay = with_cookie(app, copied)
    assert signed_in_as(replay) is None
    assert replay.get("/account").status_code == 302
    assert replay.post("/api/v1/groups", json={"name": "x"}).status_code == 401
    assert sign_ins(app, user.user_id) == 0


def test_sign_out_leaves_the_other_browsers_signed_in(app, make_user):
    user = make_user(email="sari@example.fi")
    laptop, phone = app.test_client(), app.test_client()
    sign_in(laptop, "sari@example.fi")
    sign_in(phone, "sari@example.fi")
    assert sign_ins(app, user.user_id) == 2
    laptop.post("/logout")
    assert signed_in_as(laptop) is None
    assert signed_in_as(phone) == "sari@example.fi"
    assert sign_ins(app, user.user_id) == 1


def test_password_change_signs_out_the_other_browsers_only(app, make_user):
    make_user(email="sari@example.fi")
    laptop, phone = app.test_client(), app.test_client()
    sign_in(laptop, "sari@example.fi")
    sign_in(phone, "sari@example.fi")
    copied = cookie(phone)
    r = phone.post("/account/password", data={"current_password": PASSWORD, "new_password": "another long one",
                                              "confirm": "another long one"})
    assert r.status_code == 302, r.get_data(as_text=True)[:500]
    assert signed_in_as(phone) == "sari@example.fi"
    assert signed_in_as(laptop) is None
    assert signed_in_as(with_cookie(app, copied)) is None  # the cookie from before the change


def test_sign_out_everywhere_ends_every_session(app, make_user):
    from commons.models import User
    from commons.services import end_sessions

    user = make_user(email="sari@example.fi")
    laptop, phone = app.test_client(), app.test_client()
    sign_in(laptop, "sari@example.fi")
    sign_in(phone, "sari@example.fi")
    with app.app_context():
        end_sessions(db.session.get(User, user.user_id))
    assert signed_in_as(laptop) is None and signed_in_as(phone) is None
    assert sign_ins(app, user.user_id) == 0


def test_deleting_the_account_deletes_its_sessions(app, make_user):
    user = make_user(email="sari@example.fi")
    other = app.test_client()
    sign_in(other, "sari@example.fi")
    client = app.test_client()
    sign_in(client, "sari@example.fi")
    assert client.post("/account/delete", data={"password": PASSWORD, "confirm": "y"}).status_code == 302
    assert sign_ins(app, user.user_id) == 0
    assert signed_in_as(other) is None


# --- Production cookies ------------------------------------------------------------------------------


@pytest.fixture
def production_app(database_url, monkeypatch):
    from commons import create_app

    monkeypatch.setenv("COMMONS_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "a production secret for the test")
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "TESTING": True, "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
                      "SERVER_NAME": "commons.test", **RELAXED_LIMITS})
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def set_cookie_headers(response) -> dict[str, str]:
    return {h.split("=", 1)[0]: h for h in response.headers.getlist("Set-Cookie")}


def test_production_sign_in_sets_secure_httponly_lax_cookies_and_hsts(production_app, make_user):
    assert production_app.config["PRODUCTION"] and production_app.config["WTF_CSRF_ENABLED"] is not False
    make_user(email="sari@example.fi")
    client = production_app.test_client()
    page = client.get("/login", base_url="https://commons.test")
    assert page.headers["Strict-Transport-Security"].startswith("max-age=")
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"', page.get_data(as_text=True))
    assert token, "no CSRF token on the sign-in page"
    r = client.post("/login", base_url="https://commons.test", headers={"Referer": "https://commons.test/login"},
                    data={"email": "sari@example.fi", "password": PASSWORD, "csrf_token": token.group(1) or token.group(2)})
    assert r.status_code == 302, r.get_data(as_text=True)[:500]
    assert r.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    session_cookie = set_cookie_headers(r)["session"]
    for flag in ("; Secure", "; HttpOnly", "; SameSite=Lax"):
        assert flag in session_cookie, session_cookie
    assert client.get("/api/v1/me", base_url="https://commons.test").status_code == 200


def test_production_remember_cookie_flags(production_app, make_user):
    """Sign-in never asks to be remembered; should a remember cookie ever be set, it has the same flags."""
    from flask_login import login_user

    from commons.models import User

    user = make_user(email="sari@example.fi")
    with production_app.test_request_context("/", base_url="https://commons.test"):
        login_user(db.session.get(User, user.user_id), remember=True)
        response = production_app.process_response(production_app.response_class("ok"))
        db.session.remove()
    remember = set_cookie_headers(response)["remember_token"]
    for flag in ("; Secure", "; HttpOnly", "; SameSite=Lax"):
        assert flag in remember, remember


def test_development_cookies_are_httponly_and_lax_but_not_secure(app, make_user):
    make_user(email="sari@example.fi")
    r = app.test_client().post("/login", data={"email": "sari@example.fi", "password": PASSWORD})
    session_cookie = set_cookie_headers(r)["session"]
    assert "; HttpOnly" in session_cookie and "; SameSite=Lax" in session_cookie and "; Secure" not in session_cookie
    assert "Strict-Transport-Security" not in r.headers


def test_sign_out_elsewhere_from_the_account_page(app, make_user):
    user = make_user(email="sari@example.fi")
    here, lost_phone = app.test_client(), app.test_client()
    sign_in(here, "sari@example.fi")
    sign_in(lost_phone, "sari@example.fi")
    copied = cookie(here)
    page = here.get("/account").get_data(as_text=True)
    assert 'action="/account/sign-out-elsewhere"' in page
    r = here.post("/account/sign-out-elsewhere", follow_redirects=True)
    assert r.status_code == 200
    assert "You are signed out in your other browsers and devices. You stay signed in here." in r.get_data(as_text=True)
    assert signed_in_as(here) == "sari@example.fi"
    assert signed_in_as(lost_phone) is None
    assert signed_in_as(with_cookie(app, copied)) is None  # this browser's own cookie from before
    assert sign_ins(app, user.user_id) == 1
