"""Booking e-mail through a real SMTP server (aiosmtpd): who is told what, in their language, with
an .ics; delivery that survives the server being down or refusing; reminders exactly once; expiry
of undecided requests; retention of personal data. Time is driven through `now`."""
from __future__ import annotations

from datetime import datetime, time, timedelta, timezone

import pytest
import recurring_ical_events
from icalendar import Calendar
from sqlalchemy import select

from commons.extensions import db
from commons.jobs import run_job
from commons.models import OutboxMessage, User
from spaces.models import Booking
from tests.conftest import HELSINKI, local, next_weekday


def book(api, space, group, day, start="18:00", end="20:00", **extra):
    body = {"space_id": space, "group_id": group, "title": "Knitting circle", "start": local(day, start), "end": local(day, end)}
    body.update(extra)
    r = api.post("/bookings", body)
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def set_language(app, user_id, language):
    with app.app_context():
        db.session.get(User, user_id).language = language
        db.session.commit()


def job(app, name, now):
    with app.app_context():
        return run_job(name, now)


def at(day, hhmm):
    return datetime.combine(day, time.fromisoformat(hhmm), HELSINKI).astimezone(timezone.utc)


def by_recipient(server):
    out = {}
    for m in server.messages:
        out.setdefault(m["To"], []).append(m)
    return out


def outbox(app):
    with app.app_context():
        rows = [(m.to_address, m.status, m.attempts, m.dedupe_key) for m in db.session.execute(select(OutboxMessage).order_by(OutboxMessage.id)).scalars()]
        db.session.remove()
        return rows


@pytest.fixture
def setup(app, make_user, make_group, make_space, make_facility):
    facility = make_facility(name="Kallio Library")
    space = make_space(facility_id=facility, name="Meeting room Kiikku")
    group = make_group(name="Vallila Knitters", verified=True)
    rep_sv = make_user("member", groups=[group], email="sara@example.fi", name="Sara")
    rep_fi = make_user("member", groups=[group], email="matti@example.fi", name="Matti")
    staff = make_user("staff", facilities=[facility], email="staff@hel.example", name="Tiina")
    set_language(app, rep_sv.user_id, "sv")
    set_language(app, staff.user_id, "en")
    return dict(facility=facility, space=space, group=group, rep_sv=rep_sv, rep_fi=rep_fi, staff=staff)


def test_confirmed_booking_is_mailed_in_each_language_with_an_ics(app, setup, smtp_server):
    s = setup
    day = next_weekday(1)
    body = book(s["rep_sv"], s["space"], s["group"], day)
    assert "sent 2" in job(app, "send-mail", datetime.now(timezone.utc))
    mails = by_recipient(smtp_server)
    assert set(mails) == {"sara@example.fi", "matti@example.fi"}  # both representatives; not the staff
    sv, fi = mails["sara@example.fi"][0], mails["matti@example.fi"][0]
    assert sv["Subject"] == "Bokningen är bekräftad: Meeting room Kiikku"
    assert fi["Subject"] == "Varaus vahvistettu: Meeting room Kiikku"
    assert (sv["Content-Language"], fi["Content-Language"]) == ("sv", "fi")
    assert sv["Message-ID"] and sv["Message-ID"] != fi["Message-ID"]
    text = sv.get_body(("plain",)).get_content()
    html = sv.get_body(("html",)).get_content()
    assert "Hej Sara," in text and "Er grupps bokning är bekräftad." in text
    assert "18:00–20:00" in text and "Street" in text and "Kallio Library" in text  # local time and the address
    assert '<html lang="sv">' in html and "18:00–20:00" in html
    assert "Hei Matti," in fi.get_body(("plain",)).get_content()
    (ics,) = [p for p in sv.iter_attachments() if p.get_content_type() == "text/calendar"]
    assert ics.get_filename() == f"booking-{body['id']}.ics" and ics.get_param("method") == "PUBLISH"
    cal = Calendar.from_ical(ics.get_content())
    (ev,) = cal.walk("VEVENT")
    assert str(ev["UID"]).startswith(f"booking-{body['id']}@")
    start = ev.decoded("DTSTART")
    assert start.tzinfo.key == "Europe/Helsinki" and (start.date(), start.hour) == (day, 18)
    assert ev.get("SEQUENCE") == 0 and str(ev["STATUS"]) == "CONFIRMED"
    assert cal.walk("VTIMEZONE")
    # never twice
    assert "sent 0" in job(app, "send-mail", datetime.now(timezone.utc) + timedelta(hours=1))
    assert len(smtp_server.messages) == 2


def test_a_pending_request_asks_the_staff_and_a_series_is_one_message(app, setup, make_group, make_user, smtp_server):
    s = setup
    knit = make_group(name="Unverified", verified=False)
    rep = make_user("member", groups=[knit], email="new@example.fi")
    book(rep, s["space"], knit, next_weekday(2), rrule="FREQ=WEEKLY;COUNT=3")
    job(app, "send-mail", datetime.now(timezone.utc))
    mails = by_recipient(smtp_server)
    assert set(mails) == {"new@example.fi", "staff@hel.example"}
    assert len(mails["new@example.fi"]) == 1 and len(mails["staff@hel.example"]) == 1
    ask = mails["staff@hel.example"][0]
    assert ask["Subject"] == "Please approve or decline: Unverified, Meeting room Kiikku"
    text = ask.get_body(("plain",)).get_content()
    assert "When (3 dates)" in text and text.count("18:00–20:00") == 3 and "/staff/requests" in text
    (ics,) = [p for p in ask.iter_attachments()]
    (series,) = Calendar.from_ical(ics.get_content()).walk("VEVENT")  # the series' one event, as in the feeds
    assert str(series["UID"]).startswith("series-") and "RRULE" in series and str(series["STATUS"]) == "TENTATIVE"
    assert len(recurring_ical_events.of(Calendar.from_ical(ics.get_content())).between(datetime(2000, 1, 1), datetime(2100, 1, 1))) == 3
    assert mails["new@example.fi"][0]["Subject"] == "Varauspyyntö vastaanotettu: Meeting room Kiikku"


def test_staff_booking_on_behalf_tells_the_group_not_the_staff(app, setup, smtp_server):
    s = setup
    book(s["staff"], s["space"], s["group"], next_weekday(3))
    job(app, "send-mail", datetime.now(timezone.utc))
    assert sorted(smtp_server.recipients) == ["matti@example.fi", "sara@example.fi"]
    assert smtp_server.messages[0]["Subject"] in ("Varattu ryhmällenne: Meeting room Kiikku", "Bokat åt er grupp: Meeting room Kiikku")


def test_cancel_tells_the_other_representatives_and_decisions_carry_the_message(app, setup, make_group, make_user, smtp_server):
    s = setup
    body = book(s["rep_fi"], s["space"], s["group"], next_weekday(4))
    job(app, "send-mail", datetime.now(timezone.utc))
    before = len(smtp_server.messages)
    assert s["rep_fi"].post(f"/bookings/{body['id']}/cancel").status_code == 200
    job(app, "send-mail", datetime.now(timezone.utc))
    new = smtp_server.messages[before:]
    assert [m["To"] for m in new] == ["sara@example.fi"]  # not Matti, who cancelled
    assert new[0]["Subject"] == "Bokningen är avbokad: Meeting room Kiikku"
    (ics,) = list(new[0].iter_attachments())
    (ev,) = Calendar.from_ical(ics.get_content()).walk("VEVENT")
    assert str(ev["STATUS"]) == "CANCELLED" and ev.get("SEQUENCE") == 1

    knit = make_group(name="Unverified", verified=False)
    rep = make_user("member", groups=[knit], email="new@example.fi")
    req = book(rep, s["space"], knit, next_weekday(5))
    assert s["staff"].post(f"/bookings/{req['id']}/reject", {"message": "Remontti alkaa."}).status_code == 200
    job(app, "send-mail", datetime.now(timezone.utc))
    (decline,) = [m for m in smtp_server.messages if m["To"] == "new@example.fi" and "hylätty" in m["Subject"]]
    assert "Remontti alkaa." in decline.get_body(("plain",)).get_content()
    assert "staff@hel.example" not in [m["To"] for m in smtp_server.messages if "hylätty" in m["Subject"] or "declined" in m["Subject"]]


def test_smtp_down_then_up_nothing_lost_nothing_doubled(app, setup, smtp_server):
    s = setup
    book(s["rep_fi"], s["space"], s["group"], next_weekday(1))
    now = datetime.now(timezone.utc)
    smtp_server.stop()
    assert "2 will be retried" in job(app, "send-mail", now)
    assert [(st, n) for _, st, n, _ in outbox(app)] == [("queued", 1), ("queued", 1)]
    smtp_server.start()
    assert "sent 0" in job(app, "send-mail", now + timedelta(seconds=30))  # backing off: not due yet
    smtp_server.refuse = "451 4.3.0 Try again later"
    assert "2 will be retried" in job(app, "send-mail", now + timedelta(minutes=1))
    assert smtp_server.messages == []
    smtp_server.refuse = None
    assert "sent 0" in job(app, "send-mail", now + timedelta(minutes=2))  # second failure: wait 2 minutes
    assert "sent 2" in job(app, "send-mail", now + timedelta(minutes=3, seconds=1))
    assert "sent 0" in job(app, "send-mail", now + timedelta(hours=5))
    assert sorted(smtp_server.recipients) == ["matti@example.fi", "sara@example.fi"]
    assert [(st, n) for _, st, n, _ in outbox(app)] == [("sent", 3), ("sent", 3)]


def test_gives_up_after_the_last_attempt(app, setup, smtp_server, runner):
    s = setup
    app.config["MAIL_MAX_ATTEMPTS"] = 2
    try:
        book(s["rep_fi"], s["space"], s["group"], next_weekday(1))
        now = datetime.now(timezone.utc)
        smtp_server.refuse = "550 5.1.1 No such user"
        job(app, "send-mail", now)
        assert "2 failed for good" in job(app, "send-mail", now + timedelta(minutes=5))
        assert {st for _, st, _, _ in outbox(app)} == {"failed"}
        smtp_server.refuse = None
        assert "sent 0" in job(app, "send-mail", now + timedelta(days=1))
        out = runner.invoke(args=["mail", "list", "--status", "failed"]).output
        assert "550 5.1.1 No such user" in out and "matti@example.fi" in out
    finally:
        app.config["MAIL_MAX_ATTEMPTS"] = 10


def test_one_reminder_per_booking_and_person(app, setup, smtp_server):
    s = setup
    day = next_weekday(1)
    soon = book(s["rep_fi"], s["space"], s["group"], day)
    later = book(s["rep_fi"], s["space"], s["group"], day + timedelta(days=2))
    cancelled = book(s["rep_fi"], s["space"], s["group"], day, "10:00", "12:00")
    job(app, "send-mail", datetime.now(timezone.utc))
    before = len(smtp_server.messages)
    now = at(day - timedelta(days=1), "19:00")  # within 24 h of `soon` and `cancelled`, not of `later`
    assert job(app, "reminders", now) == "reminders: queued 4 reminder(s)."
    assert job(app, "reminders", now) == "reminders: queued 0 reminder(s)."
    assert job(app, "reminders", now + timedelta(hours=2)) == "reminders: queued 0 reminder(s)."
    # cancelling drops the reminders not yet sent
    assert s["rep_fi"].post(f"/bookings/{cancelled['id']}/cancel").status_code == 200
    keys = [k for _, st, _, k in outbox(app) if k.startswith("reminder:")]
    assert sorted(keys) == sorted(f"reminder:booking:{soon['id']}:{u}" for u in (s["rep_sv"].user_id, s["rep_fi"].user_id))
    job(app, "send-mail", now)
    new = smtp_server.messages[before:]
    reminders = [m for m in new if m["Subject"].startswith(("Muistutus", "Påminnelse"))]
    assert sorted(m["To"] for m in reminders) == ["matti@example.fi", "sara@example.fi"]
    fi = next(m for m in reminders if m["To"] == "matti@example.fi")
    sv = next(m for m in reminders if m["To"] == "sara@example.fi")
    assert fi["Subject"].startswith("Muistutus: Meeting room Kiikku, ") and "18.00–20.00" in fi["Subject"]
    assert sv["Subject"].startswith("Påminnelse: Meeting room Kiikku, ")  # rendered in a job, outside any request
    assert "Hej Sara," in sv.get_body(("plain",)).get_content() and later["id"] != soon["id"]
    assert job(app, "reminders", now) == "reminders: queued 0 reminder(s)."  # sent ones count too


def test_expire_requests_releases_the_slot_and_tells_the_group(app, setup, make_group, make_user, smtp_server):
    s = setup
    knit = make_group(name="Unverified", verified=False)
    rep = make_user("member", groups=[knit], email="new@example.fi")
    day = next_weekday(2)
    req = book(rep, s["space"], knit, day)
    job(app, "send-mail", datetime.now(timezone.utc))
    before = len(smtp_server.messages)
    assert app.config["EXPIRE_REQUESTS_HOURS"] == 2
    assert job(app, "expire-requests", at(day, "15:59")) == "expire-requests: nothing to expire."
    # without a free slot the verified group cannot book it
    assert s["rep_fi"].post("/bookings", {"space_id": s["space"], "group_id": s["group"], "title": "x",
                                          "start": local(day, "18:00"), "end": local(day, "20:00")}).status_code == 409
    summary = job(app, "expire-requests", at(day, "16:00"))
    assert summary == "expire-requests: 1 request(s) expired, 1 message(s) queued."
    with app.app_context():
        b = db.session.get(Booking, req["id"])
        assert (b.status, b.sequence) == ("expired", 1)
    assert job(app, "expire-requests", at(day, "16:15")) == "expire-requests: nothing to expire."
    job(app, "send-mail", at(day, "16:15"))
    (msg,) = smtp_server.messages[before:]
    assert msg["To"] == "new@example.fi" and msg["Subject"] == "Varauspyyntö vanhentui: Meeting room Kiikku"
    book(s["rep_fi"], s["space"], s["group"], day)  # the slot is free again


def test_retention_erases_the_booker_and_old_mail(app, setup):
    s = setup
    now = datetime.now(timezone.utc)
    with app.app_context():
        def past(days_ago, **kw):
            start = now - timedelta(days=days_ago)
            b = Booking(space_id=s["space"], group_id=s["group"], title="Old", start_at=start, end_at=start + timedelta(hours=2),
                        blocked_until=start + timedelta(hours=2), status="confirmed", booked_by_id=s["rep_fi"].user_id,
                        decision_message="Tervetuloa", **kw)
            db.session.add(b)
            return b
        old, recent = past(400), past(100)
        db.session.add(OutboxMessage(dedupe_key="old", to_address="a@example.fi", subject="s", text_body="t", html_body="h",
                                     status="sent", created_at=now - timedelta(days=91), sent_at=now - timedelta(days=91)))
        db.session.add(OutboxMessage(dedupe_key="new", to_address="a@example.fi", subject="s", text_body="t", html_body="h",
                                     status="sent", created_at=now - timedelta(days=89), sent_at=now - timedelta(days=89)))
        db.session.commit()
        old_id, recent_id = old.id, recent.id
        db.session.remove()
    summary = job(app, "retention", now)
    assert "erased the booker from 1 booking(s)" in summary and "deleted 1 e-mail(s)" in summary
    with app.app_context():
        old, recent = db.session.get(Booking, old_id), db.session.get(Booking, recent_id)
        assert (old.booked_by_id, old.decision_message) == (None, None)
        assert (old.space_id, old.group_id, old.status) == (s["space"], s["group"], "confirmed")  # kept for reports
        assert recent.booked_by_id == s["rep_fi"].user_id
        assert [m.dedupe_key for m in db.session.execute(select(OutboxMessage)).scalars()] == ["new"]
    assert "erased the booker from 0 booking(s)" in job(app, "retention", now)


def test_a_series_cancelled_whole_is_one_message_and_changes_can_be_told(app, setup, smtp_server):
    s = setup
    body = book(s["rep_fi"], s["space"], s["group"], next_weekday(1), rrule="FREQ=WEEKLY;COUNT=4")
    job(app, "send-mail", datetime.now(timezone.utc))
    before = len(smtp_server.messages)
    assert s["staff"].post(f"/bookings/{body['id']}/cancel", {"scope": "series"}).status_code == 200
    job(app, "send-mail", datetime.now(timezone.utc))
    new = smtp_server.messages[before:]
    assert sorted(m["To"] for m in new) == ["matti@example.fi", "sara@example.fi"]  # one each, not one per date
    assert "När (4 tillfällen)" in next(m for m in new if m["To"] == "sara@example.fi").get_body(("plain",)).get_content()

    # The booking-change use case (moving a booking) calls notices.booking_changed in its transaction.
    from commons.db import write_transaction
    from spaces import notices

    other = book(s["rep_fi"], s["space"], s["group"], next_weekday(2))
    job(app, "send-mail", datetime.now(timezone.utc))
    before = len(smtp_server.messages)

    @write_transaction
    def move(booking_id, actor_id):
        b = db.session.get(Booking, booking_id)
        b.start_at += timedelta(hours=1)
        b.end_at += timedelta(hours=1)
        b.blocked_until += timedelta(hours=1)
        b.sequence += 1
        db.session.flush()
        return notices.booking_changed(db.session.get(User, actor_id), [b])

    with app.app_context():
        assert move(other["id"], s["rep_fi"].user_id) == 1  # the other representative only
    job(app, "send-mail", datetime.now(timezone.utc))
    (changed,) = smtp_server.messages[before:]
    assert changed["To"] == "sara@example.fi" and changed["Subject"] == "Bokningen har ändrats: Meeting room Kiikku"
    assert "19:00–21:00" in changed.get_body(("plain",)).get_content()
    (ics,) = list(changed.iter_attachments())
    (ev,) = Calendar.from_ical(ics.get_content()).walk("VEVENT")
    assert ev.get("SEQUENCE") == 1 and ev.decoded("DTSTART").hour == 19


def test_the_booking_renders_no_mail_and_each_message_tells_the_state_it_was_queued_in(app, setup, smtp_server):
    """The booking's request queues what the message must tell (no template is rendered in it, none
    under its lock); send-mail renders it. A booking moved before send-mail ran: the confirmation
    still tells the first time (its .ics the first SEQUENCE), the change the new one."""
    from flask import template_rendered

    s = setup
    day = next_weekday(2)
    rendered = []

    def record(sender, template, context, **extra):
        rendered.append(template.name)

    template_rendered.connect(record, app)
    try:
        body = book(s["rep_fi"], s["space"], s["group"], day)
    finally:
        template_rendered.disconnect(record, app)
    assert rendered == []
    with app.app_context():
        rows = db.session.execute(select(OutboxMessage).order_by(OutboxMessage.id)).scalars().all()
        assert [(m.to_address, m.renderer, m.subject) for m in rows] == [
            ("sara@example.fi", "spaces.booking", ""), ("matti@example.fi", "spaces.booking", "")]
        db.session.remove()
    moved = s["rep_fi"].patch(f"/bookings/{body['id']}", {"start": local(day, "19:00"), "end": local(day, "21:00")})
    assert moved.status_code == 200, moved.get_json()
    assert "sent 3" in job(app, "send-mail", datetime.now(timezone.utc))
    mails = by_recipient(smtp_server)
    assert [m["Subject"] for m in mails["matti@example.fi"]] == ["Varaus vahvistettu: Meeting room Kiikku"]  # he moved it
    confirmed, changed = mails["sara@example.fi"]
    assert confirmed["Subject"] == "Bokningen är bekräftad: Meeting room Kiikku"
    assert changed["Subject"] == "Bokningen har ändrats: Meeting room Kiikku"
    for message, hour, sequence in ((confirmed, 18, 0), (changed, 19, 1)):
        assert f"{hour}:00–{hour + 2}:00" in message.get_body(("plain",)).get_content()
        (ics,) = list(message.iter_attachments())
        (ev,) = Calendar.from_ical(ics.get_content()).walk("VEVENT")
        assert (ev.decoded("DTSTART").hour, ev.get("SEQUENCE")) == (hour, sequence)
    with app.app_context():  # rendered and sent: the facts are not kept beside the text
        assert {(m.renderer, m.payload, m.status) for m in db.session.execute(select(OutboxMessage)).scalars()} == {(None, None, "sent")}
        db.session.remove()


def test_the_booking_takes_its_write_lock_after_reading_the_space_and_the_group(app, setup, is_postgres):
    """The write lock (SQLite: BEGIN IMMEDIATE; PostgreSQL: the space's advisory lock) covers only the
    re-check and the writes: the space, the group and who may book are read before it; under the lock
    one small statement asks again for the space's zone and the booker's right (they may have changed
    meanwhile), then the bookings in the way are read again."""
    from sqlalchemy import event

    s = setup
    statements = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(" ".join(statement.split())[:60])

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        book(s["rep_fi"], s["space"], s["group"], next_weekday(3))
    finally:
        event.remove(engine, "before_cursor_execute", record)
    lock = next(i for i, st in enumerate(statements) if st.startswith(("BEGIN IMMEDIATE", "SELECT pg_advisory_xact_lock")))
    before, after = statements[:lock], statements[lock + 1:]
    # PostgreSQL: the family's top is read again under the lock (what the space is part of may have changed)
    after = [st for st in after if not st.startswith("WITH RECURSIVE up(")]
    assert any(st.startswith("SELECT spaces.") for st in before) and any(st.startswith("SELECT groups.") for st in before)
    assert not any(st.startswith(("INSERT", "UPDATE", "DELETE")) for st in before)
    assert after[0].startswith("SELECT spaces.timezone") and "EXISTS" in after[0]  # the zone and the right of now
    assert not any(st.startswith(("SELECT spaces.", "SELECT groups.")) for st in after[1:])
    assert after[1].startswith("WITH RECURSIVE family_up")  # then the re-check (the family and what it has booked)
    assert any(st.startswith("INSERT INTO bookings") for st in after) and any(st.startswith("INSERT INTO outbox_messages") for st in after)
