"""A forgotten password and verified addresses (issue 22 items 1 and 2): the links mailed to an address
(commons.services.account_links) are random, stored hashed, work once and for a limited time; asking for one
answers the same whether or not the address has an account; a new password signs out every session; an
unverified address gets no other mail and its account cannot book or represent a group."""
from __future__ import annotations

import html
import re
from datetime import timedelta

from sqlalchemy import select

from commons.db import utcnow
from commons.extensions import db, limiter
from commons.mail import queue_message, render_stored
from commons.models import AccountLink, AuditEvent, GroupMember, OutboxMessage, User
from commons.services import account_links, issue_token
from tests.conftest import PASSWORD, local, next_monday
from tests.support.accounts import mailed_link, verify_address

SIGNUP = {"role": "member", "name": "Uusi Asukas", "email": "uusi@example.fi", "password": "three blind mice",
          "confirm": "three blind mice"}


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def me(client):
    r = client.get("/api/v1/me")
    return r.get_json() if r.status_code == 200 else None


def outbox(app, to=None):
    with app.app_context():
        q = select(OutboxMessage).order_by(OutboxMessage.id)
        if to:
            q = q.where(OutboxMessage.to_address == to)
        rows = db.session.execute(q).scalars().all()
        return [(r.to_address, render_stored(r) if r.renderer else r) for r in rows]


def sign_in(client, email, password=PASSWORD):
    return client.post("/login", data={"email": email, "password": password})


# --- A forgotten password -----------------------------------------------------------------------------


def test_forgot_answers_the_same_and_mails_only_an_existing_account_in_its_language(app, client, make_user):
    user = make_user(email="sari@example.fi")
    with app.app_context():
        db.session.execute(db.update(User).where(User.id == user.user_id).values(language="sv"))
        db.session.commit()
    known = client.post("/account/forgot", data={"email": "Sari@Example.fi"})
    unknown = client.post("/account/forgot", data={"email": "nobody@example.fi"})
    assert known.status_code == unknown.status_code == 200
    # the same page but for the address typed (and the forms' CSRF tokens, signed with the second they were made)
    same = [re.sub(r'(name="csrf_token" value=")[^"]*"', r'\1"', page) for page in (text(known).replace("Sari@Example.fi", "X"),
                                                                             text(unknown).replace("nobody@example.fi", "X"))]
    assert same[0] == same[1]
    mails = outbox(app)
    assert [to for to, _m in mails] == ["sari@example.fi"]
    message = mails[0][1]
    assert "lösenord" in message.subject and "/account/reset/" in message.text  # Swedish, her language
    with app.app_context():  # only the hash of the link's secret is stored
        link = db.session.execute(select(AccountLink)).scalar_one()
        token = mailed_link(app, "sari@example.fi").rsplit("/", 1)[1]
        assert link.token_hash == AccountLink.hash(token) != token and link.purpose == "reset"
        assert timedelta(minutes=59) < link.expires_at - link.created_at <= timedelta(hours=1)


def test_a_new_password_through_the_link_signs_out_every_session_and_works_once(app, client, make_user):
    user = make_user(email="sari@example.fi")
    elsewhere = app.test_client()
    assert sign_in(elsewhere, "sari@example.fi").status_code == 302 and me(elsewhere)
    client.post("/account/forgot", data={"email": "sari@example.fi"})
    path = mailed_link(app, "sari@example.fi", "reset")
    page = text(client.get(path))
    assert "Set a new password" in page and 'autocomplete="new-password"' in page
    r = client.post(path, data={"password": "a new secret phrase", "confirm": "a new secret phrase"})
    assert r.status_code == 302 and r.headers["Location"].endswith("/login")
    assert me(elsewhere) is None  # the other browser is signed out
    assert sign_in(client, "sari@example.fi").status_code == 422  # the old password no longer works
    assert sign_in(client, "sari@example.fi", "a new secret phrase").status_code == 302
    again = client.post(path, data={"password": "yet another phrase", "confirm": "yet another phrase"})
    assert again.status_code == 404 and "This link does not work" in text(again)
    with app.app_context():
        event = db.session.execute(select(AuditEvent)).scalar_one()
        assert (event.action, event.actor_id, event.actor_role) == ("user.password_reset", user.user_id, "self")


def test_an_old_or_unknown_link_is_refused(app, client, make_user):
    make_user(email="sari@example.fi")
    with app.app_context():
        account_links.ask_password_reset("sari@example.fi", now=utcnow() - timedelta(minutes=61))
    path = mailed_link(app, "sari@example.fi", "reset")
    assert client.get(path).status_code == 404
    r = client.post(path, data={"password": "a new secret phrase", "confirm": "a new secret phrase"})
    assert r.status_code == 404 and "Ask for a new link" in text(r)
    assert client.get("/account/reset/" + "x" * 43).status_code == 404
    assert sign_in(client, "sari@example.fi").status_code == 302  # the password is as it was


def test_asking_is_limited_per_address_and_per_ip(app, make_user, monkeypatch):
    make_user(email="sari@example.fi")
    limiter.reset()
    monkeypatch.setitem(app.config, "PASSWORD_RESET_ADDRESS_RATE_LIMIT", "2 per hour")
    monkeypatch.setitem(app.config, "PASSWORD_RESET_RATE_LIMIT", "5 per hour")
    try:
        for address in ("sari@example.fi", "nobody@example.fi"):  # the same count for an unknown address
            for n in range(2):
                ip = {"REMOTE_ADDR": f"10.0.0.{n + 1}"}
                assert app.test_client().post("/account/forgot", data={"email": address}, environ_base=ip).status_code == 200
            third = app.test_client().post("/account/forgot", data={"email": address}, environ_base={"REMOTE_ADDR": "10.0.0.9"})
            assert third.status_code == 429, address
        one = app.test_client()
        codes = [one.post("/account/forgot", data={"email": f"p{n}@example.fi"}).status_code for n in range(6)]
        assert codes == [200] * 5 + [429]
    finally:
        limiter.reset()


# --- Verified addresses ---------------------------------------------------------------------------------


def test_sign_up_sends_a_link_and_until_it_is_opened_no_booking_no_group_no_other_mail(
        app, client, make_user, make_group, make_space):
    r = client.post("/signup", data=SIGNUP)
    assert r.status_code == 302
    assert me(client)["email_verified"] is False
    page = text(client.get("/account"))
    assert "Confirm your e-mail address" in page and "Send the link again" in page
    # no group of one's own
    r = client.post("/groups/new", data={"name": "Uusi kerho", "kind": "resident_group", "district": "Kallio"})
    assert "Confirm your e-mail address first" in text(r)
    # nobody can make them a representative
    group = make_group()
    rep = make_user(groups=[group])
    r = rep.post(f"/groups/{group}/members", {"email": "uusi@example.fi"})
    assert r.status_code == 422 and r.get_json()["error"]["reason"] == "representative_unverified"
    # no booking, even for a group they represent (made so behind the pages' back)
    with app.app_context():
        uid = db.session.execute(select(User.id).where(User.email == "uusi@example.fi")).scalar_one()
        db.session.add(GroupMember(group_id=group, user_id=uid))
        db.session.commit()
        token = issue_token("uusi@example.fi")
    api = {"Authorization": f"Bearer {token}"}
    space = make_space()
    day = next_monday()
    body = {"space_id": space, "group_id": group, "title": "Kerho", "start": local(day, "17:00"), "end": local(day, "18:00")}
    r = client.post("/api/v1/bookings", json=body, headers=api)
    assert r.status_code == 403 and r.get_json()["error"]["reason"] == "email_unverified"
    # no other mail goes to the address
    with app.app_context():
        assert queue_message(to="uusi@example.fi", subject="s", text="t", html="h", user_id=uid) is False
        db.session.commit()
    assert [m.subject for _to, m in outbox(app, "uusi@example.fi")] == ["Confirm your e-mail address for Commons"]
    # the link again: a new one, and the old one stops working
    old = mailed_link(app, "uusi@example.fi", "verify")
    assert client.post("/account/verify").status_code == 302
    assert mailed_link(app, "uusi@example.fi", "verify") != old
    assert client.get(old).status_code == 404
    verify_address(app, client, "uusi@example.fi")
    assert me(client)["email_verified"] is True
    r = client.post("/api/v1/bookings", json=body, headers=api)
    assert r.status_code == 201, r.get_json()


def test_a_new_address_takes_effect_when_verified_and_the_old_one_is_told(app, client, make_user):
    make_user(email="old@example.fi", name="Olli")
    sign_in(client, "old@example.fi")
    client.post("/account/profile", data={"name": "Olli", "email": "new@example.fi"})
    assert me(client)["email"] == "old@example.fi"
    verify_address(app, client, "new@example.fi")
    assert me(client)["email"] == "new@example.fi"
    told = [m for _to, m in outbox(app, "old@example.fi")]
    assert len(told) == 1 and "new@example.fi" in told[0].text and told[0].subject == "Sähköpostiosoitteesi Commonsissa vaihdettiin"  # her language (none chosen: Finnish)


def test_accounts_made_by_the_command_line_are_verified(app, runner):
    from commons.services import create_user

    with app.app_context():
        user = create_user("admin@example.fi", "Aino", "admin", password="long enough")
        assert user.email_verified is True


def test_forgot_takes_at_least_the_same_time_for_both_answers(app, client, make_user, monkeypatch):
    """Storing and queueing a link costs a write that finding no account does not: both answers wait until
    PASSWORD_RESET_MIN_SECONDS (0.25 s by default) after the request came."""
    import time

    make_user(email="sari@example.fi")
    monkeypatch.setitem(app.config, "PASSWORD_RESET_MIN_SECONDS", 0.15)
    for address in ("sari@example.fi", "nobody@example.fi"):
        started = time.monotonic()
        assert client.post("/account/forgot", data={"email": address}).status_code == 200
        assert time.monotonic() - started >= 0.15, address


def test_the_links_secrets_are_kept_out_of_the_logs(app, client, make_user):
    """The access and error logs (commons.errors.redact, used by gunicorn's logger and the development server)."""
    from commons.errors import redact

    make_user(email="sari@example.fi")
    client.post("/account/forgot", data={"email": "sari@example.fi"})
    path = mailed_link(app, "sari@example.fi", "reset")
    token = path.rsplit("/", 1)[1]
    assert token not in redact(f'127.0.0.1 - - "GET {path} HTTP/1.1" 200') and token not in redact(f"GET /account/verify/{token}")


def test_opening_the_link_confirms_nothing_until_the_button_is_pressed(app, client):
    """A mail scanner or a link preview opens every link in a mail: the GET shows the address and a button."""
    client.post("/signup", data={"role": "member", "name": "Uusi", "email": "uusi@example.fi",
                                 "password": "long enough pw", "confirm": "long enough pw"})
    path = mailed_link(app, "uusi@example.fi", "verify")
    for _ in range(2):
        page = client.get(path)
        assert page.status_code == 200 and "uusi@example.fi" in page.get_data(as_text=True)
    assert me(client)["email_verified"] is False
    assert client.post(path).status_code == 302
    assert me(client)["email_verified"] is True
    assert client.post(path).status_code == 404 and client.get(path).status_code == 404  # once
