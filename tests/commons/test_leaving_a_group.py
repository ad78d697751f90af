"""Nobody is made a group's representative unseen: the person someone adds is told at once (in their
language: who did it, what it means, the way out), and any representative may leave the group (API
DELETE /groups/{id}/members/me, the page /groups/{id}/leave), except the last one."""
from __future__ import annotations

from sqlalchemy import select

from commons.extensions import db
from commons.models import GroupMember, OutboxMessage, User
from tests.conftest import PASSWORD, local, next_weekday


def _mails_to(app, email):
    with app.app_context():
        return db.session.execute(select(OutboxMessage).where(OutboxMessage.to_address == email)).scalars().all()


def _set_language(app, user_id, language):
    with app.app_context():
        db.session.get(User, user_id).language = language
        db.session.commit()


def _is_member(app, group, user_id):
    with app.app_context():
        return db.session.execute(select(GroupMember).where(GroupMember.group_id == group, GroupMember.user_id == user_id)).first() is not None


def test_the_person_added_is_told_in_their_language_with_the_way_out(app, make_user, make_group):
    group = make_group(name="Kallio <b>Chess</b>")
    adder = make_user("member", groups=[group], name="Aino Adder")
    added = make_user("member", name="Bo Added")
    _set_language(app, added.user_id, "sv")
    r = adder.post(f"/groups/{group}/members", {"email": added.email})
    assert r.status_code == 201, r.get_json()
    [mail] = _mails_to(app, added.email)
    assert mail.language == "sv"
    assert mail.subject == "Du är nu representant för Kallio <b>Chess</b>"
    assert "Aino Adder lade till dig som representant för Kallio <b>Chess</b> i Commons." in mail.text_body
    assert f"/groups/{group}/leave" in mail.text_body and f"/groups/{group}/leave" in mail.html_body
    assert "Kallio &lt;b&gt;Chess&lt;/b&gt;" in mail.html_body and "<b>Chess</b>" not in mail.html_body
    # Adding them again changes nothing and sends nothing more.
    assert adder.post(f"/groups/{group}/members", {"email": added.email}).status_code == 201
    assert len(_mails_to(app, added.email)) == 1


def test_a_representative_leaves_and_can_no_longer_book_for_the_group(app, make_user, make_group, make_space):
    group = make_group()
    first = make_user("member", groups=[group])
    second = make_user("member", groups=[group])
    [feed] = [f for f in second.get("/feeds").get_json() if f["kind"] == "group_bookings"]
    path = "/" + feed["url"].split("//", 1)[1].split("/", 1)[1]
    assert app.test_client().get(path).status_code == 200
    r = second.delete(f"/groups/{group}/members/me")
    assert r.status_code == 200, r.get_json()
    assert not _is_member(app, group, second.user_id)
    assert second.get("/me").get_json()["groups"] == []
    assert app.test_client().get(path).status_code == 404  # their feed of the group's bookings ends too
    day = next_weekday(2)
    booking = {"space_id": make_space(), "group_id": group, "title": "Chess", "start": local(day, "18:00"), "end": local(day, "20:00")}
    assert second.post("/bookings", booking).status_code == 403
    assert first.post("/bookings", booking).status_code == 201


def test_the_last_representative_cannot_leave(app, make_user, make_group):
    group = make_group()
    only = make_user("member", groups=[group])
    r = only.delete(f"/groups/{group}/members/me")
    assert r.status_code == 422
    assert r.get_json()["error"]["reason"] == "last_representative"
    assert "only representative" in r.get_json()["error"]["message"]
    assert _is_member(app, group, only.user_id)


def test_only_a_representative_can_leave(app, make_user, make_group, anon):
    group = make_group()
    make_user("member", groups=[group])
    stranger = make_user("member")
    r = stranger.delete(f"/groups/{group}/members/me")
    assert r.status_code == 403 and r.get_json()["error"]["reason"] == "not_a_representative"
    assert stranger.delete("/groups/999999/members/me").status_code == 404
    assert anon.delete(f"/groups/{group}/members/me").status_code == 401


def _signed_in(app, email):
    c = app.test_client()
    assert c.post("/login", data={"email": email, "password": PASSWORD}).status_code == 302
    c.post("/language", data={"lang": "fi"})
    return c


def _csrf(page: str) -> str:
    import re

    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)


def test_leaving_on_the_page_after_a_confirmation(app, make_user, make_group):
    group = make_group(name="Vallilan shakki")
    make_user("member", groups=[group])
    leaver = make_user("member", groups=[group])
    browser = _signed_in(app, leaver.email)
    page = browser.get(f"/groups/{group}").get_data(as_text=True)
    assert f'href="/groups/{group}/leave"' in page and "Eroa ryhmästä" in page
    confirm = browser.get(f"/groups/{group}/leave")
    assert confirm.status_code == 200
    text = confirm.get_data(as_text=True)
    assert "Eroa ryhmästä Vallilan shakki" in text and "Kyllä, eroa ryhmästä" in text
    assert _is_member(app, group, leaver.user_id)  # the confirmation page changes nothing
    r = browser.post(f"/groups/{group}/leave", data={"csrf_token": _csrf(text)})
    assert r.status_code == 302 and r.headers["Location"].endswith("/groups/mine")
    assert "Et ole enää ryhmän Vallilan shakki edustaja." in browser.get("/groups/mine").get_data(as_text=True)
    assert not _is_member(app, group, leaver.user_id)
    assert browser.get(f"/groups/{group}/leave").status_code == 403


def test_the_last_representative_is_told_why_on_the_page(app, make_user, make_group):
    group = make_group()
    only = make_user("member", groups=[group])
    browser = _signed_in(app, only.email)
    assert f'href="/groups/{group}/leave"' not in browser.get(f"/groups/{group}").get_data(as_text=True)  # no link offered
    text = browser.get(f"/groups/{group}/leave").get_data(as_text=True)
    r = browser.post(f"/groups/{group}/leave", data={"csrf_token": _csrf(text)})
    assert r.status_code == 422
    assert "Olet ryhmän ainoa edustaja." in r.get_data(as_text=True)
    assert _is_member(app, group, only.user_id)


def test_an_administrator_adding_themselves_gets_no_mail_about_it(app, make_user, make_group):
    group = make_group()
    admin = make_user("admin")
    assert admin.post(f"/groups/{group}/members", {"email": admin.email}).status_code == 201
    assert _mails_to(app, admin.email) == []
