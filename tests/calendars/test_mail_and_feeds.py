"""E-mail (issue 6) and calendar feeds (issue 3) together: an e-mail's .ics is the feed's event
(same UID, SEQUENCE, RECURRENCE-ID), so a calendar app that imported the attachment is updated by
later e-mails and downloads; a move tells the group and, back to pending, asks the staff; the jobs
(expiry, retention) change the feeds' validators and SEQUENCE; Swedish, and markup in titles
shown as text; one UID domain for feeds and e-mail."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import icalendar
import pytest
from sqlalchemy import update

from calendars import changes
from commons.extensions import db
from commons.jobs import run_job
from commons.models import User
from spaces.models import Booking
from tests.calendars.conftest import book, ical_js
from tests.conftest import HELSINKI, local, next_weekday

SCRIPT_TITLE = '<script>alert("x")</script> Lukupiiri & co'


def _set_language(app, user_id, language):
    with app.app_context():
        db.session.get(User, user_id).language = language
        db.session.commit()


def _send(app, now=None):
    with app.app_context():
        return run_job("send-mail", now or datetime.now(timezone.utc))


def _feed(rep, client) -> bytes:
    (link,) = rep.get("/feeds").get_json()
    r = client.get(link["url"].split("commons.test", 1)[1])
    assert r.status_code == 200
    return r.data


def _key(ev) -> tuple:
    """What a calendar app matches and compares: identity, version, time, status, rule, exceptions."""
    rid = ev.get("RECURRENCE-ID")
    exdates = sorted(d.dt for x in (ev.get("EXDATE") if isinstance(ev.get("EXDATE"), list) else [ev.get("EXDATE")] if ev.get("EXDATE") else []) for d in x.dts)
    return (
        str(ev["UID"]),
        rid.dt if rid else None,
        int(ev.get("SEQUENCE", 0)),
        ev.decoded("DTSTART"),
        ev.decoded("DTEND"),
        str(ev.get("STATUS", "")),
        ev["RRULE"].to_ical().decode() if "RRULE" in ev else "",
        tuple(exdates),
        str(ev["SUMMARY"]),
    )


def _events(body, uid_prefix: str) -> list[tuple]:
    return sorted((_key(ev) for ev in icalendar.Calendar.from_ical(body).walk("VEVENT") if str(ev["UID"]).startswith(uid_prefix)), key=str)


def _attachment(message):
    (part,) = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
    return part


@pytest.fixture
def two_reps(world, make_user, app):
    space, group, rep, staff, facility = world
    sara = make_user(groups=[group], name="Sara", email="sara@example.fi")
    _set_language(app, sara.user_id, "sv")
    return space, group, rep, sara, staff, facility


def test_a_series_attachment_is_the_feeds_event_through_changes(two_reps, client, app, smtp_server, tmp_path):
    space, group, rep, sara, staff, _ = two_reps
    day = next_weekday(1)
    s = book(rep, space, group, local(day, "18:00"), local(day, "19:30"), title=SCRIPT_TITLE, rrule="FREQ=WEEKLY;COUNT=4")
    uid = f"series-{s['series_id']}@"
    occ = s["occurrences"]

    def latest_attachment_for(address):
        _send(app)
        return _attachment([m for m in smtp_server.messages if m["To"] == address][-1])

    # 1. booked: the confirmation's attachment is the feed's one series event (not 4 events).
    part = latest_attachment_for("sara@example.fi")
    assert part.get_filename() == f"series-{s['series_id']}.ics"
    body = part.get_content().encode()
    feed = _feed(rep, client)
    assert _events(body, "series-") == _events(feed, "series-") and len(_events(body, "series-")) == 1
    assert _events(body, "booking-") == []
    assert [o["start"] for o in ical_js(body, tmp_path)] == [o["start"] for o in ical_js(feed, tmp_path) if o["uid"].startswith(uid)]

    # 2. one date moved: the "changed" e-mail carries the series with its override, as the feed.
    target = datetime.fromisoformat(occ[1]["start"]).astimezone(HELSINKI).date() + timedelta(days=1)
    assert rep.patch(f"/bookings/{occ[1]['id']}", {"start": local(target, "10:00"), "end": local(target, "11:00")}).status_code == 200
    body = latest_attachment_for("sara@example.fi").get_content().encode()
    feed = _feed(rep, client)
    assert _events(body, "series-") == _events(feed, "series-")
    assert [e[1] for e in _events(body, "series-")].count(None) == 1  # master + one RECURRENCE-ID
    seq_after_move = max(e[2] for e in _events(body, "series-"))
    assert seq_after_move == 1

    # 3. one date cancelled: EXDATE in both, SEQUENCE grows.
    assert rep.post(f"/bookings/{occ[2]['id']}/cancel").status_code == 200
    body = latest_attachment_for("sara@example.fi").get_content().encode()
    feed = _feed(rep, client)
    assert _events(body, "series-") == _events(feed, "series-")
    master = next(e for e in _events(body, "series-") if e[1] is None)
    assert len(master[7]) == 1 and master[2] > seq_after_move
    js = ical_js(body, tmp_path)
    assert len(js) == 3 and all(o["uid"].startswith(uid) for o in js)  # no phantom for the cancelled date

    # 4. the download of any date of the series is that same event.
    r = rep.client.get(f"/bookings/{occ[3]['id']}.ics", headers={"Authorization": f"Bearer {rep.token}"})
    assert _events(r.data, "series-") == _events(feed, "series-")

    # 5. the rest cancelled: the feed drops the series; the e-mail cancels the same UID with a higher SEQUENCE.
    assert rep.post(f"/bookings/{occ[0]['id']}/cancel", {"scope": "series"}).status_code == 200
    body = latest_attachment_for("sara@example.fi").get_content().encode()
    (cancelled_master,) = [e for e in _events(body, "series-") if e[1] is None]
    assert cancelled_master[0] == master[0] and cancelled_master[5] == "CANCELLED" and cancelled_master[2] > master[2]
    assert _events(_feed(rep, client), "series-") == []


def test_a_single_bookings_attachment_matches_the_feed(two_reps, client, app, smtp_server):
    space, group, rep, sara, staff, _ = two_reps
    day = next_weekday(2)
    b = book(rep, space, group, local(day, "10:00"), local(day, "11:00"))
    assert rep.patch(f"/bookings/{b['id']}", {"start": local(day, "12:00"), "end": local(day, "13:00")}).status_code == 200
    _send(app)
    changed = [m for m in smtp_server.messages if m["To"] == "sara@example.fi"][-1]
    part = _attachment(changed)
    assert part.get_filename() == f"booking-{b['id']}.ics"
    (ev,) = _events(part.get_content().encode(), "booking-")
    assert ev == _events(_feed(rep, client), "booking-")[0]
    assert ev[0] == f"booking-{b['id']}@commons.test" and ev[2] == 1 and ev[3].hour == 12


def test_a_move_tells_the_other_representatives_and_asks_staff_when_pending_again(make_user, make_group, make_space, make_facility, app, smtp_server):
    facility = make_facility(name="Kallio Library")
    space = make_space(facility_id=facility, requires_approval=True, name="Kiikku")
    group = make_group(name="Vallila Knitters")
    rep = make_user(groups=[group], email="matti@example.fi", name="Matti")
    sara = make_user(groups=[group], email="sara@example.fi", name="Sara")
    staff = make_user(role="staff", facilities=[facility], email="tiina@hel.example", name="Tiina")
    _set_language(app, sara.user_id, "sv")
    _set_language(app, staff.user_id, "en")
    day = next_weekday(3)
    b = book(rep, space, group, local(day, "10:00"), local(day, "11:00"))
    assert staff.post(f"/bookings/{b['id']}/approve").status_code == 200
    _send(app)
    before = len(smtp_server.messages)

    # A representative moves it: it needs approval again; Sara is told (in Swedish, the new time,
    # that it waits for approval), the staff are asked, Matti (who moved it) gets nothing.
    moved = rep.patch(f"/bookings/{b['id']}", {"start": local(day, "14:00"), "end": local(day, "15:30")}).get_json()
    assert moved["status"] == "pending"
    _send(app)
    new = {m["To"]: m for m in smtp_server.messages[before:]}
    assert set(new) == {"sara@example.fi", "tiina@hel.example"}
    told = new["sara@example.fi"]
    assert told["Subject"] == "Bokningen har ändrats: Kiikku"
    text = told.get_body(("plain",)).get_content()
    assert "14:00–15:30" in text and "10:00" not in text
    assert "Den nya tiden behöver personalens godkännande" in text
    ask = new["tiina@hel.example"]
    assert ask["Subject"] == "Please approve or decline: Vallila Knitters, Kiikku"
    assert "14:00–15:30" in ask.get_body(("plain",)).get_content()
    (ev,) = icalendar.Calendar.from_ical(_attachment(ask).get_content()).walk("VEVENT")
    assert str(ev["STATUS"]) == "TENTATIVE" and int(ev["SEQUENCE"]) == 2

    # Still pending: the representative moves it again (the staff decide on the new time); a
    # staff member moves it: the group is told, no staff member is asked (they are handling it).
    make_user(role="staff", facilities=[facility], email="olli@hel.example", name="Olli")
    before = len(smtp_server.messages)
    assert rep.patch(f"/bookings/{b['id']}", {"start": local(day, "13:00"), "end": local(day, "14:30")}).get_json()["status"] == "pending"
    _send(app)
    assert sorted(m["To"] for m in smtp_server.messages[before:]) == ["olli@hel.example", "sara@example.fi", "tiina@hel.example"]
    before = len(smtp_server.messages)
    assert staff.patch(f"/bookings/{b['id']}", {"start": local(day, "14:00"), "end": local(day, "15:30")}).get_json()["status"] == "pending"
    _send(app)
    assert sorted(m["To"] for m in smtp_server.messages[before:]) == ["matti@example.fi", "sara@example.fi"]

    # Staff move it (stays confirmed after approval): the group is told, no approval request, no copy to staff.
    assert staff.post(f"/bookings/{b['id']}/approve").status_code == 200
    _send(app)
    before = len(smtp_server.messages)
    assert staff.patch(f"/bookings/{b['id']}", {"start": local(day, "16:00"), "end": local(day, "17:00")}).get_json()["status"] == "confirmed"
    _send(app)
    new = smtp_server.messages[before:]
    assert sorted(m["To"] for m in new) == ["matti@example.fi", "sara@example.fi"]
    # in each recipient's language: Finnish writes 16.00–17.00, Swedish 16:00–17:00
    assert all(("16.00–17.00" if m["To"] == "matti@example.fi" else "16:00–17:00") in m.get_body(("plain",)).get_content() for m in new)
    assert "godkännande" not in next(m for m in new if m["To"] == "sara@example.fi").get_body(("plain",)).get_content()


@pytest.fixture
def clock(monkeypatch):
    state = {"now": datetime(2026, 1, 1, 12, 0, tzinfo=timezone.utc)}
    monkeypatch.setattr(changes, "clock", lambda: state["now"])
    return state


def test_expiry_by_the_job_changes_the_feeds_validators_and_sequence(clock, world, make_user, make_group, client, app, tmp_path):
    space, _, _, staff, _ = world
    group = make_group(name="Unverified", verified=False)
    rep = make_user(groups=[group], email="new@example.fi")
    day = next_weekday(2)
    clock["now"] = datetime(2026, 1, 2, 12, 0, tzinfo=timezone.utc)
    s = book(rep, space, group, local(day, "18:00"), local(day, "19:00"), rrule="FREQ=WEEKLY;COUNT=3")
    assert s["status"] == "pending"
    url = f"/calendars/spaces/{space}.ics"
    first = client.get(url)
    personal = _feed(rep, client)
    (master,) = [e for e in _events(personal, "series-") if e[1] is None]

    clock["now"] = datetime(2026, 1, 3, 12, 0, tzinfo=timezone.utc)  # the job runs later
    start = datetime.fromisoformat(s["occurrences"][0]["start"])
    with app.app_context():
        assert "1 request(s) expired" in run_job("expire-requests", start - timedelta(hours=1))
    again = client.get(url, headers={"If-None-Match": first.headers["ETag"], "If-Modified-Since": first.headers["Last-Modified"]})
    assert again.status_code == 200 and again.headers["ETag"] != first.headers["ETag"]
    assert again.headers["Last-Modified"] == "Sat, 03 Jan 2026 12:00:00 GMT"
    (after,) = [e for e in _events(_feed(rep, client), "series-") if e[1] is None]
    assert after[0] == master[0] and after[2] > master[2]
    js = ical_js(again.data, tmp_path)
    assert [o["start"] for o in js] == [o["start"] for o in ical_js(first.data, tmp_path)][1:]  # the expired date is gone, no phantom


def test_retention_leaves_feeds_valid_and_never_moves_last_modified_back(clock, world, client, app, tmp_path):
    space, group, rep, staff, _ = world
    day = next_weekday(1)
    clock["now"] = datetime(2026, 2, 1, tzinfo=timezone.utc)
    b = book(rep, space, group, local(day, "18:00"), local(day, "19:00"), rrule="FREQ=WEEKLY;COUNT=2")
    with app.app_context():  # booked long ago (so any new stamp would show in DTSTAMP)
        db.session.execute(update(Booking).where(Booking.series_id == b["series_id"]).values(updated_at=datetime(2025, 1, 1, tzinfo=timezone.utc)))
        db.session.commit()
    before = client.get(f"/calendars/spaces/{space}.ics")
    personal = _feed(rep, client)
    clock["now"] = datetime(2026, 1, 1, tzinfo=timezone.utc)  # a clock behind the stamp
    end = datetime.fromisoformat(b["occurrences"][0]["end"])
    saved = app.config["RETENTION_BOOKER_DAYS"]
    app.config["RETENTION_BOOKER_DAYS"] = 0
    try:
        with app.app_context():
            out = run_job("retention", end + timedelta(days=1))
    finally:
        app.config["RETENTION_BOOKER_DAYS"] = saved
    assert "erased the booker from 1 booking(s)" in out
    after = client.get(f"/calendars/spaces/{space}.ics")
    assert after.status_code == 200 and after.headers["Last-Modified"] == before.headers["Last-Modified"]
    assert after.data == before.data  # who booked was never in the feed
    assert _events(_feed(rep, client), "series-") == _events(personal, "series-")
    assert len(ical_js(after.data, tmp_path)) == 2


def test_swedish_mail_and_markup_in_titles_shown_as_text(two_reps, client, app, smtp_server, tmp_path):
    space, group, rep, sara, staff, _ = two_reps
    day = next_weekday(4)
    book(rep, space, group, local(day, "18:00"), local(day, "19:00"), title=SCRIPT_TITLE, public_title=True)
    _send(app)
    sv = next(m for m in smtp_server.messages if m["To"] == "sara@example.fi")
    assert sv["Content-Language"] == "sv" and sv["Subject"] == "Bokningen är bekräftad: Hall"
    text = sv.get_body(("plain",)).get_content()
    html = sv.get_body(("html",)).get_content()
    assert "Hej Sara," in text and SCRIPT_TITLE in text  # plain text: as typed
    assert "<script>" not in html and "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; Lukupiiri &amp; co" in html
    for body in (_attachment(sv).get_content().encode(), client.get(f"/calendars/spaces/{space}.ics").data, _feed(rep, client)):
        (ev,) = icalendar.Calendar.from_ical(body).walk("VEVENT")
        assert str(ev["SUMMARY"]) == SCRIPT_TITLE  # TEXT values, read back exactly; never HTML
        assert [o["summary"] for o in ical_js(body, tmp_path)] == [SCRIPT_TITLE]


@pytest.mark.parametrize(
    "settings, expected",
    [
        ({"COMMONS_DOMAIN": "varaamo.hel.fi", "PUBLIC_URL": "https://tilat.hel.fi"}, "varaamo.hel.fi"),
        ({"PUBLIC_URL": "https://Tilat.Hel.fi:8443"}, "tilat.hel.fi"),
        ({"PUBLIC_URL": "http://127.0.0.1:5000"}, "commons.test"),  # an address, not a name: SERVER_NAME
        ({"PUBLIC_URL": "http://localhost:5000", "SERVER_NAME": None}, "commons.localhost"),
    ],
)
def test_one_uid_domain_for_feeds_and_mail(settings, expected, world, app, client, smtp_server):
    space, group, rep, staff, _ = world
    saved = {k: app.config.get(k) for k in ("COMMONS_DOMAIN", "PUBLIC_URL", "SERVER_NAME")}
    app.config.update({"COMMONS_DOMAIN": None, **settings})
    try:
        b = book(rep, space, group, local(next_weekday(1), "10:00"), local(next_weekday(1), "11:00"))
        _send(app)
        with app.test_request_context():
            from calendars.services import space_feed

            feed = space_feed(space, "fi").body
        (mail,) = smtp_server.messages
        (attached,) = icalendar.Calendar.from_ical(_attachment(mail).get_content()).walk("VEVENT")
        (in_feed,) = icalendar.Calendar.from_ical(feed).walk("VEVENT")
        assert str(attached["UID"]) == str(in_feed["UID"]) == f"booking-{b['id']}@{expected}"
        if "PUBLIC_URL" in settings:
            assert settings["PUBLIC_URL"].rstrip("/") + "/bookings" in mail.get_body(("plain",)).get_content()
    finally:
        app.config.update(saved)
