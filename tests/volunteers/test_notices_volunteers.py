"""Volunteer notices in the outbox: confirmed, waitlisted, promoted, invited, changed, cancelled,
reminders once each; in the recipient's language; delivered over SMTP."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from commons.extensions import db
from commons.models import OutboxMessage, User
from tests.conftest import local
from tests.volunteers.conftest import tuesday


def outbox(app, email=None):
    with app.app_context():
        stmt = select(OutboxMessage).order_by(OutboxMessage.id)
        if email:
            stmt = stmt.where(OutboxMessage.to_address == email)
        rows = [(m.to_address, m.subject, m.text_body, m.html_body, m.language) for m in db.session.execute(stmt).scalars()]
        db.session.remove()
        return rows


def set_language(app, user_id, lang):
    with app.app_context():
        db.session.get(User, user_id).language = lang
        db.session.commit()
        db.session.remove()


def english(app, *apis):
    for api in apis:
        set_language(app, api.user_id, "en")


def test_confirmed_waitlisted_promoted(app, world):
    s = world.shift(world.activity(), needed=1)
    a, b = world.volunteer("Anna"), world.volunteer("Bert")
    english(app, a, b)
    a.post(f"/shifts/{s}/signup")
    b.post(f"/shifts/{s}/signup")
    sa = outbox(app, a.email)
    assert len(sa) == 1 and sa[0][1].startswith("You are signed up: Language café")
    assert "Hello Anna" in sa[0][2] and "<html" in sa[0][3]
    sb = outbox(app, b.email)
    assert len(sb) == 1 and sb[0][1].startswith("You are on the waiting list") and "number 1" in sb[0][2]
    a.post(f"/shifts/{s}/withdraw")
    sb = outbox(app, b.email)
    assert len(sb) == 2 and sb[1][1].startswith("A place opened up for you")
    # volunteers never see each other in their messages
    assert "Anna" not in sb[1][2] and a.email not in sb[1][2]


def test_invited_once_changed_and_cancelled(app, world):
    s = world.shift(world.activity(), needed=2)
    a, b = world.volunteer("Anna"), world.volunteer("Bert")
    english(app, a, b)
    world.organiser.post(f"/shifts/{s}/invite", {"volunteer_id": b.profile_id})
    world.organiser.post(f"/shifts/{s}/invite", {"volunteer_id": b.profile_id})
    assert [m[1].split(":")[0] for m in outbox(app, b.email)] == ["You are invited to volunteer"]
    a.post(f"/shifts/{s}/signup")
    day = tuesday()
    world.organiser.patch(f"/shifts/{s}", {"start": local(day, "18:30"), "end": local(day, "20:00")})
    assert outbox(app, a.email)[-1][1].startswith("Shift changed")
    assert outbox(app, b.email)[-1][1].startswith("Shift changed")  # invited ones hear too
    world.organiser.post(f"/shifts/{s}/cancel")
    assert outbox(app, a.email)[-1][1].startswith("Shift cancelled")


def test_notices_in_the_recipients_language(app, world):
    s = world.shift(world.activity(), needed=1)
    fi, sv = world.volunteer("Fiia"), world.volunteer("Svea")
    set_language(app, fi.user_id, "fi")
    set_language(app, sv.user_id, "sv")
    fi.post(f"/shifts/{s}/signup")
    sv.post(f"/shifts/{s}/signup")
    assert outbox(app, fi.email)[0][4] == "fi" and "Hei Fiia" in outbox(app, fi.email)[0][2]
    assert outbox(app, sv.email)[0][4] == "sv" and "Hej Svea" in outbox(app, sv.email)[0][2]


def test_reminders_once_each(app, world, runner):
    from commons.jobs import run_job
    from volunteers.models import Shift

    s = world.shift(world.activity(), needed=2)
    a = world.volunteer("Anna")
    english(app, a)
    a.post(f"/shifts/{s}/signup")
    with app.app_context():
        start = db.session.get(Shift, s).start_at
        db.session.remove()
    with app.app_context():
        assert "queued 0" in run_job("reminders", start - timedelta(hours=30))
        assert "queued 1" in run_job("reminders", start - timedelta(hours=20))
        assert "queued 0" in run_job("reminders", start - timedelta(hours=10))
    reminders = [m for m in outbox(app, a.email) if m[1].startswith("Reminder")]
    assert len(reminders) == 1


def test_mail_is_delivered_over_smtp(app, world, smtp_server):
    from commons.jobs import run_job

    s = world.shift(world.activity(), needed=1)
    a = world.volunteer("Anna")
    a.post(f"/shifts/{s}/signup")
    with app.app_context():
        run_job("send-mail")
    assert any(m["To"] == a.email and "Language café" in m["Subject"] for m in smtp_server.messages)
