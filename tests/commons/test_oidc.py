"""Sign-in with the city's identity service (OpenID Connect, issue 22 item 3) against a real provider on a
local port (tests.support.oidc_provider): Authlib's client does discovery, the code flow with PKCE, state
and nonce, and checks the ID token; a wrong signature, a wrong nonce, an expired token, another audience
or issuer are refused; the first sign-in links by verified e-mail or creates the account, never by an
unverified address. Without the settings nothing of it shows."""
from __future__ import annotations

import html
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from sqlalchemy import select

from commons.extensions import db
from commons.models import AuditEvent, User
from tests.support.oidc_provider import Provider, oidc_settings


@pytest.fixture(scope="module")
def provider():
    p = Provider().start()
    yield p
    p.stop()


@pytest.fixture
def oidc(app, provider, monkeypatch):
    for name, value in oidc_settings(provider).items():
        monkeypatch.setitem(app.config, name, value)
    provider.fault = None
    provider.user = {"sub": "sub-1", "email": "city.person@example.fi", "email_verified": True, "name": "Kaupunki Henkilö"}
    provider.requests.clear()
    return provider


def through_provider(client, next_path: str = "/account"):
    """Start at our /login/oidc, let the provider answer its authorization request, come back: the callback's response."""
    r = client.post(f"/login/oidc?next={next_path}")
    assert r.status_code == 302, r.get_data(as_text=True)[:300]
    at_provider = requests.get(r.headers["Location"], allow_redirects=False, timeout=10)
    assert at_provider.status_code == 302, at_provider.text[:300]
    back = urlsplit(at_provider.headers["Location"])
    assert back.path == "/login/oidc/callback"
    return client.get(back.path + "?" + back.query)


def me(client):
    r = client.get("/api/v1/me")
    return r.get_json() if r.status_code == 200 else None


def test_without_the_settings_nothing_shows(app, client):
    assert app.config["OIDC_ISSUER"] is None
    page = client.get("/login").get_data(as_text=True)
    assert "/login/oidc" not in page and "identity service" not in page
    assert client.post("/login/oidc").status_code == 404
    assert client.get("/login/oidc/callback?code=x&state=y").status_code == 404


def test_the_first_sign_in_creates_a_verified_account_through_the_code_flow_with_pkce(app, client, oidc):
    page = client.get("/login").get_data(as_text=True)
    assert "Helsinki-profiili" in page and 'action="/login/oidc' in page
    r = through_provider(client)
    assert r.status_code == 302 and r.headers["Location"].endswith("/account")
    asked = oidc.requests[-1]
    assert asked["code_challenge_method"] == "S256" and len(asked["code_challenge"]) >= 43
    assert asked["state"] and asked["nonce"] and asked["scope"] == "openid email profile"
    assert asked["redirect_uri"] == app.config["PUBLIC_URL"] + "/login/oidc/callback"
    who = me(client)
    assert who["email"] == "city.person@example.fi" and who["email_verified"] is True and who["name"] == "Kaupunki Henkilö"
    # the next time the same subject signs in to the same account, even with another address at the provider
    client.post("/logout")
    oidc.user = {**oidc.user, "email": "renamed@example.fi"}
    assert through_provider(client).status_code == 302
    assert me(client)["id"] == who["id"]


def test_an_account_with_the_verified_address_is_linked(app, client, oidc, make_user):
    user = make_user(email="city.person@example.fi", name="Kaija Kotona")
    with app.app_context():
        db.session.execute(db.update(User).where(User.id == user.user_id).values(email_verified=False))
        db.session.commit()
    assert through_provider(client).status_code == 302
    who = me(client)
    assert who["id"] == user.user_id and who["email_verified"] is True  # the provider vouches for the address
    with app.app_context():
        event = db.session.execute(select(AuditEvent)).scalar_one()
        assert (event.action, event.actor_role, event.subject_id) == ("user.oidc_link", "self", user.user_id)


def test_an_unverified_address_at_the_provider_is_never_linked_nor_used(app, client, oidc, make_user):
    user = make_user(email="city.person@example.fi")
    oidc.user = {**oidc.user, "email_verified": False}
    r = through_provider(client)
    assert r.status_code == 403
    assert "did not give a confirmed e-mail address" in html.unescape(r.get_data(as_text=True))
    assert me(client) is None
    with app.app_context():
        assert db.session.get(User, user.user_id).oidc_subject is None
        assert db.session.execute(select(db.func.count(User.id))).scalar_one() == 1


@pytest.mark.parametrize("fault", ["signature", "nonce", "expired", "audience", "issuer"])
def test_a_wrong_id_token_is_refused(app, client, oidc, fault):
    oidc.fault = fault
    r = through_provider(client)
    assert r.status_code == 400, fault
    assert "did not succeed" in r.get_data(as_text=True)
    assert me(client) is None
    with app.app_context():
        assert db.session.execute(select(User)).first() is None


def test_a_callback_with_another_state_is_refused(app, client, oidc):
    r = client.post("/login/oidc")
    at_provider = requests.get(r.headers["Location"], allow_redirects=False, timeout=10)
    back = urlsplit(at_provider.headers["Location"])
    code = parse_qs(back.query)["code"][0]
    r = client.get(f"/login/oidc/callback?code={code}&state=forged")
    assert r.status_code == 400 and me(client) is None
    other = app.test_client()  # a browser that did not start the sign-in (login CSRF)
    assert other.get(back.path + "?" + back.query).status_code == 400 and me(other) is None


def test_sign_out_ends_the_local_session_and_offers_the_providers(app, client, oidc):
    through_provider(client)
    r = client.post("/logout")
    assert r.status_code == 200
    page = html.unescape(r.get_data(as_text=True))
    assert "You are signed out" in page
    end = page.split('href="')[1:]
    link = next(h.split('"')[0] for h in end if "/protocol/openid-connect/logout" in h)
    assert parse_qs(urlsplit(link).query)["post_logout_redirect_uri"] == [app.config["PUBLIC_URL"] + "/"]
    assert me(client) is None
    # a password sign-out is as before
    r = client.post("/logout")
    assert r.status_code == 302


def test_a_new_account_keeps_the_language_of_the_page_where_the_sign_in_started(app, oidc):
    """Issue 21 item 2: its e-mail in the language the person read (and the welcome said in it)."""
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "sv"
    assert through_provider(client).status_code == 302
    with app.app_context():
        assert db.session.execute(select(User.language).where(User.email == "city.person@example.fi")).scalar_one() == "sv"
    assert "Välkommen, Kaupunki Henkilö! Du är inloggad." in html.unescape(client.get("/account").get_data(as_text=True))
