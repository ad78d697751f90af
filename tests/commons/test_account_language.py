"""The account's language (issue 21 item 2; docs/accounts.md "The account's language"): a person who signs
up and books on Swedish pages gets Swedish mail; the switch clicked before signing in is kept on the account;
the browser's Accept-Language never sets nor flips an account's language at sign-in (a shared computer), nor
does the switch clicked by whoever used the browser before. The mail goes through a
real SMTP server, each representative in their own language."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import select

from commons.extensions import db
from commons.jobs import run_job
from commons.models import GroupMember, User
from commons.services import issue_token
from tests.conftest import PASSWORD, local, next_monday
from tests.support.accounts import verify_address

SV = {"Accept-Language": "sv-FI,sv;q=0.9"}


def language_of(app, email: str) -> str | None:
    with app.app_context():
        value = db.session.execute(select(User.language).where(User.email == email)).scalar_one()
        db.session.remove()
        return value


def set_language(app, email: str, language: str | None) -> None:
    with app.app_context():
        db.session.execute(select(User).where(User.email == email)).scalar_one().language = language
        db.session.commit()


def sign_in(client, email: str, headers=None):
    r = client.post("/login", data={"email": email, "password": PASSWORD}, headers=headers or {})
    assert r.status_code == 302, r.get_data(as_text=True)[:300]


def page_lang(client, headers=None) -> str:
    page = client.get("/account", headers=headers or {}).get_data(as_text=True)
    return page.split('<html lang="', 1)[1].split('"', 1)[0]


def book(app, email: str, space: int, group: int, hhmm: str = "17:00"):
    with app.app_context():
        token = issue_token(email)
    day = next_monday()
    body = {"space_id": space, "group_id": group, "title": "Stickcafé", "start": local(day, hhmm), "end": local(day, "18:30")}
    r = app.test_client().post("/api/v1/bookings", json=body, headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 201, r.get_json()


def send_mail(app):
    with app.app_context():
        return run_job("send-mail", datetime.now(timezone.utc))


def test_signed_up_on_swedish_pages_the_booking_mail_is_swedish_and_each_representative_gets_their_own(
        app, make_user, make_group, make_space, make_facility, smtp_server):
    space = make_space(facility_id=make_facility(name="Berghälls bibliotek"), name="Mötesrummet")
    group = make_group(name="Stickklubben", verified=True)
    finnish = make_user(groups=[group], email="matti@example.fi", name="Matti")
    set_language(app, finnish.email, "fi")
    client = app.test_client()
    signup = {"role": "member", "name": "Sara Svensson", "email": "sara@example.fi", "password": "three blind mice",
              "confirm": "three blind mice"}
    r = client.post("/signup", data=signup, headers=SV)  # a Swedish browser, the switch never clicked
    assert r.status_code == 302
    assert language_of(app, "sara@example.fi") == "sv"
    verify_address(app, client, "sara@example.fi")
    with app.app_context():
        uid = db.session.execute(select(User.id).where(User.email == "sara@example.fi")).scalar_one()
        db.session.add(GroupMember(group_id=group, user_id=uid))
        db.session.commit()
    smtp_server.messages.clear()
    book(app, "sara@example.fi", space, group)
    send_mail(app)
    mails = {m["To"]: m for m in smtp_server.messages}
    assert set(mails) == {"sara@example.fi", "matti@example.fi"}
    sv, fi = mails["sara@example.fi"], mails["matti@example.fi"]
    assert (sv["Content-Language"], fi["Content-Language"]) == ("sv", "fi")
    assert sv["Subject"] == "Bokningen är bekräftad: Mötesrummet"
    assert fi["Subject"] == "Varaus vahvistettu: Mötesrummet"
    assert "Stickklubben" in sv.get_body(("plain",)).get_content()


def test_the_switch_clicked_before_signing_in_becomes_the_accounts_language(app, make_user, make_group, make_space, smtp_server):
    group = make_group(verified=True)
    make_user(groups=[group], email="sara@example.fi")
    set_language(app, "sara@example.fi", "fi")
    client = app.test_client()
    assert client.post("/language", data={"lang": "sv", "next": "/login"}).status_code == 302
    sign_in(client, "sara@example.fi")
    assert language_of(app, "sara@example.fi") == "sv"
    assert page_lang(client) == "sv"
    book(app, "sara@example.fi", make_space(), group)
    send_mail(app)
    (mail,) = smtp_server.messages
    assert mail["Content-Language"] == "sv" and mail["Subject"].startswith("Bokningen är bekräftad")


def test_a_browsers_language_never_sets_nor_flips_the_accounts_language(app, make_user):
    make_user(email="new@example.fi")  # no language yet (the demo data, the command line)
    make_user(email="saved@example.fi")
    set_language(app, "saved@example.fi", "fi")
    first = app.test_client()
    sign_in(first, "new@example.fi", headers=SV)
    assert language_of(app, "new@example.fi") is None  # the pages follow the browser; nothing is saved
    assert page_lang(first, headers=SV) == "sv"
    # a Swedish browser (a library's shared computer) does not flip a Finnish speaker's account or pages
    shared = app.test_client()
    sign_in(shared, "saved@example.fi", headers=SV)
    assert language_of(app, "saved@example.fi") == "fi"
    assert page_lang(shared, headers=SV) == "fi"


def test_the_switch_of_whoever_used_the_browser_before_changes_nobody_elses_language(app, make_user):
    make_user(email="first@example.fi")
    make_user(email="next@example.fi")
    set_language(app, "next@example.fi", "sv")
    shared = app.test_client()
    shared.post("/language", data={"lang": "en", "next": "/"})
    sign_in(shared, "first@example.fi")
    assert language_of(app, "first@example.fi") == "en"
    shared.post("/logout")
    assert 'lang="en"' in shared.get("/").get_data(as_text=True)  # the signed-out page stays in English
    sign_in(shared, "next@example.fi")
    assert language_of(app, "next@example.fi") == "sv"  # not flipped to the English the first person chose
    assert page_lang(shared) == "sv"
    # while signed in, the switch changes the account at once
    shared.post("/language", data={"lang": "fi", "next": "/"})
    assert language_of(app, "next@example.fi") == "fi"


def test_the_command_line_gives_an_account_its_language(app, runner):
    r = runner.invoke(args=["users", "create", "stina@example.fi", "--name", "Stina", "--role", "member", "--language", "sv"])
    assert r.exit_code == 0, r.output
    assert language_of(app, "stina@example.fi") == "sv"
    r = runner.invoke(args=["users", "create", "stina@example.fi", "--name", "Stina", "--role", "member"])
    assert r.exit_code == 0 and language_of(app, "stina@example.fi") == "sv"  # kept without --language
