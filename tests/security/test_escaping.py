"""User text is text: names, titles, descriptions, reasons and staff messages with markup in them show as
text on every page that shows them, in e-mails, in iCalendar feeds, in the CSV report and in JSON.

Every piece of user text in the world below is `evil(label)`: a script, a bold tag, an ampersand and
both quotes, with a label saying which field it is, so each page can be checked for the fields it shows
(escaped) and for no live tag from any of them."""
from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta, timezone
from email import message_from_bytes, policy
from types import SimpleNamespace

import icalendar
import pytest
from markupsafe import escape
from sqlalchemy import select

from commons.extensions import db
from commons.mail import _Outgoing, build_email
from commons.models import OutboxMessage, User
from spaces.models import Booking
from tests.conftest import PASSWORD, local, next_weekday
from tests.support.smtp import render_outbox


# The same check over every route, page, code or role: clock-independent, so CI's clock lanes leave it out.
pytestmark = pytest.mark.sweep


def evil(label: str) -> str:
    return f"<script>alert(1)</script><b>{label}</b> & \"quotes\" 'x'"


LABELS = ("facility", "space", "hall", "group", "gdesc", "rep", "staffer", "admin", "vol", "title", "pending", "rejected",
          "closure", "approve-msg", "reject-msg", "activity", "adesc")
LIVE = ("<script>alert(1)", "<b>")  # nothing of the user text may arrive as markup


def _escaped(label: str) -> str:
    return str(escape(evil(label)))


@pytest.fixture
def w(saved_world, app, make_facility, make_space, make_group, make_user):
    """The world below, built once for the module and put back before each test (tests/support/saved_world.py)."""
    return saved_world.get(app, lambda: _world(app, make_facility, make_space, make_group, make_user))


def _world(app, make_facility, make_space, make_group, make_user):
    fx = make_facility(name=evil("facility"))
    room = make_space(facility_id=fx, name=evil("space"))
    hall = make_space(facility_id=fx, name=evil("hall"), requires_approval=True)
    ga = make_group(name=evil("group"))
    with app.app_context():
        from commons.models import Group

        db.session.get(Group, ga).description = evil("gdesc")
        db.session.commit()
    rep = make_user(groups=[ga], name=evil("rep"), email="rep@example.fi")
    staff = make_user("staff", facilities=[fx], name=evil("staffer"), email="staff@example.fi")
    admin = make_user("admin", name=evil("admin"), email="admin@example.fi")
    vol = make_user("volunteer", name=evil("vol"), email="vol@example.fi")
    day = next_weekday(1)
    r = rep.post("/bookings", {"space_id": room, "group_id": ga, "title": evil("title"), "start": local(day, "17:00"),
                               "end": local(day, "21:00"), "public_title": True, "attendees": 5})
    assert r.status_code == 201, r.get_json()
    booking = r.get_json()["id"]
    pend = {}
    for label, hhmm in (("pending", "10:00"), ("rejected", "12:00")):
        r = rep.post("/bookings", {"space_id": hall, "group_id": ga, "title": evil(label), "start": local(day, hhmm),
                                   "end": local(day, f"{int(hhmm[:2]) + 1}:00"), "public_title": True})
        assert r.status_code == 201 and r.get_json()["status"] == "pending", r.get_json()
        pend[label] = r.get_json()["id"]
    r = staff.post(f"/spaces/{room}/closures", {"start": local(day + timedelta(days=1), "08:00"),
                                                 "end": local(day + timedelta(days=1), "12:00"), "reason": evil("closure")})
    assert r.status_code == 201, r.get_json()
    r = rep.post("/activities", {"group_id": ga, "title": evil("activity"), "description": evil("adesc"), "booking_id": booking})
    assert r.status_code == 201, r.get_json()
    activity = r.get_json()["id"]
    r = rep.post(f"/activities/{activity}/shifts", {"start": local(day, "18:00"), "end": local(day, "19:00"), "needed": 2})
    assert r.status_code == 201, r.get_json()
    shift = r.get_json()["id"]
    r = vol.client.put("/api/v1/volunteers/me", headers=vol._headers(), json={
        "skills": [], "languages": ["fi"], "districts": ["Kallio"], "max_hours_per_week": 5,
        "availability": [{"weekday": 1, "start": "17:00", "end": "21:00"}]})
    assert r.status_code == 200, r.get_json()
    assert vol.post(f"/shifts/{shift}/signup").status_code == 200
    return SimpleNamespace(app=app, fx=fx, room=room, hall=hall, ga=ga, rep=rep, staff=staff, admin=admin, vol=vol, day=day,
                           booking=booking, pend=pend, activity=activity, shift=shift, week=f"{day.isocalendar()[0]}-W{day.isocalendar()[1]:02d}")


def _decide(w):
    r = w.staff.post(f"/bookings/{w.pend['pending']}/approve", {"message": evil("approve-msg")})
    assert r.status_code == 200, r.get_json()
    r = w.staff.post(f"/bookings/{w.pend['rejected']}/reject", {"message": evil("reject-msg")})
    assert r.status_code == 200, r.get_json()


def page(w, who, path):
    c = w.app.test_client()
    if who:
        r = c.post("/login", data={"email": getattr(w, who).email, "password": PASSWORD})
        assert r.status_code == 302
    r = c.get(path)
    assert r.status_code == 200, (who, path, r.status_code)
    return r.get_data(as_text=True)


# (who, path, the labels whose text the page shows)
PAGES = [
    (None, "/spaces", ("space", "hall", "facility")),
    (None, "/spaces/{room}?week={week}", ("space", "facility", "title")),
    (None, "/spaces/{room}/print?week={week}", ("space", "facility", "title")),
    (None, "/activities", ("activity",)),
    (None, "/activities/{activity}", ("activity", "adesc")),
    ("rep", "/", ()),
    ("rep", "/account", ("rep",)),
    ("rep", "/bookings", ("title", "pending", "rejected", "space", "approve-msg", "reject-msg")),
    ("rep", "/bookings/{booking}/cancel", ("title",)),
    ("rep", "/groups/mine", ("group",)),
    ("rep", "/groups/{ga}", ("group", "gdesc", "rep", "title")),
    ("rep", "/spaces/{room}?week={week}", ("space", "group", "title")),
    ("rep", "/calendars", ("group",)),
    ("rep", "/activities/{activity}/manage", ("activity",)),
    ("rep", "/activities/{activity}/edit", ("activity", "adesc")),
    ("rep", "/shifts/{shift}/signups", ("vol",)),
    ("rep", "/shifts/{shift}/candidates", ()),
    ("rep", "/activities/{activity}/fill-plan", ("activity",)),
    ("staff", "/staff", ("facility",)),
    ("staff", "/staff/requests", ()),
    ("staff", "/staff/calendar?view=week&date={day}", ("title", "space")),
    ("staff", "/staff/spaces/{room}/edit", ("space",)),
    ("staff", "/staff/spaces/{room}/closures", ("closure", "space")),
    ("staff", "/staff/reports", ("space", "facility")),
    ("admin", "/admin", ("group", "facility")),
    ("admin", "/admin/facilities/{fx}", ("facility", "staffer")),
    ("vol", "/volunteering", ("activity",)),
    ("vol", "/volunteering/shifts", ("activity",)),
    ("vol", "/account", ("vol",)),
]


def _fill(path, w):
    return path.format(**{k: v for k, v in vars(w).items() if isinstance(v, (int, str))}, day=w.day.isoformat())


@pytest.mark.parametrize("who,path,labels", PAGES, ids=[f"{who or 'anon'} {p}" for who, p, _l in PAGES])
def test_pages_show_user_text_as_text(w, who, path, labels):
    _decide(w)
    body = page(w, who, _fill(path, w))
    for live in LIVE:
        assert live not in body, (path, live)
    for label in labels:
        assert _escaped(label) in body, (path, label)


def test_staff_request_queue_shows_pending_titles_as_text(w):
    body = page(w, "staff", "/staff/requests")
    for live in LIVE:
        assert live not in body
    for label in ("pending", "group", "hall"):
        assert _escaped(label) in body, label


# --- E-mail -------------------------------------------------------------------------------------------------


def _outbox(w):
    render_outbox(w.app)  # the booking notices are rendered by send-mail, before it sends them
    with w.app.app_context():
        rows = db.session.execute(select(OutboxMessage).order_by(OutboxMessage.id)).scalars().all()
        out = [SimpleNamespace(**{c.name: getattr(m, c.name) for c in OutboxMessage.__table__.columns}) for m in rows]
        db.session.remove()
    return out


def _mime(w, m) -> bytes:
    with w.app.app_context():
        names = {"to": "to_address", "text": "text_body", "html": "html_body"}
        out = _Outgoing(**{f: getattr(m, names.get(f, f)) for f in _Outgoing.__dataclass_fields__})
        return build_email(out, "Commons <noreply@commons.test>").as_bytes()


def test_mails_escape_the_html_part_and_keep_the_text_part_plain(w):
    _decide(w)
    w.rep.post(f"/bookings/{w.booking}/cancel", {"scope": "one"})
    mails = _outbox(w)
    assert len(mails) >= 4
    seen = set()
    for m in mails:
        for live in LIVE:
            assert live not in m.html_body, (m.subject, live)
        assert "\r" not in m.subject and "\n" not in m.subject
        for label in LABELS:
            if evil(label) in m.text_body:  # the plain part has the text as typed ...
                assert _escaped(label) in m.html_body, (m.subject, label)  # ... the HTML part escaped
                seen.add(label)
            assert _escaped(label) not in m.text_body  # no HTML entities in plain text
        parsed = message_from_bytes(_mime(w, m), policy=policy.default)
        html = parsed.get_body(("html",)).get_content()
        plain = parsed.get_body(("plain",)).get_content()
        assert "<script>alert(1)" not in html and "<script>alert(1)" in plain or not any(evil(x) in plain for x in LABELS)
    assert {"title", "group", "space", "facility", "approve-msg", "reject-msg", "activity", "rep", "vol"} <= seen, seen


def test_names_with_line_breaks_cannot_add_mail_headers(w):
    """The subject names the group and the space: line breaks in them cannot start a header of their own."""
    from commons.models import Group
    from spaces.models import Space

    hostile = "\r\nBcc: victim@example.org\r\nX-Injected: 1\n"
    with w.app.app_context():
        db.session.get(Group, w.ga).name = "Knitters" + hostile
        db.session.get(Space, w.hall).name = "Hall" + hostile
        db.session.get(Booking, w.pend["pending"]).title = "Meeting" + hostile
        db.session.commit()
    before = len(_outbox(w))
    assert w.staff.post(f"/bookings/{w.pend['pending']}/approve", {"message": "OK" + hostile}).status_code == 200
    mails = _outbox(w)[before:]
    assert mails and all("Hall" in m.subject for m in mails), [m.subject for m in mails]
    for m in mails:
        assert "\r" not in m.subject and "\n" not in m.subject
        parsed = message_from_bytes(_mime(w, m), policy=policy.default)
        assert parsed["Bcc"] is None and parsed["X-Injected"] is None
        assert set(parsed.keys()) <= {"Subject", "From", "To", "Date", "Message-ID", "Auto-Submitted", "MIME-Version",
                                      "Content-Type", "Content-Language", "Content-Transfer-Encoding"}


# --- iCalendar -------------------------------------------------------------------------------------------------

ICS_EVIL = [
    "Meet\r\nATTENDEE:mailto:x@y",
    "Meet\nEND:VEVENT\nBEGIN:VEVENT\nSUMMARY:Injected\nDTSTART:20300101T000000Z",
    "Meet;ROLE=CHAIR:mailto:x@y,\\n\\ \u2028 \x85 \x0b\x0c end",
    evil("ics"),
]


def _as_text(title: str) -> str:
    """What a calendar shows for a title: line breaks as one newline, no control characters (RFC 5545 TEXT)."""
    title = title.strip().replace("\r\n", "\n").replace("\r", "\n")
    return "".join(ch for ch in title if ch in "\n\t" or not (ord(ch) < 32 or ord(ch) == 127))


def _events(text: str):
    cal = icalendar.Calendar.from_ical(text)
    return [e for e in cal.walk("VEVENT")]


@pytest.mark.parametrize("title", ICS_EVIL, ids=["crlf-attendee", "lf-new-event", "separators", "markup"])
def test_feeds_keep_a_hostile_title_in_its_summary(w, title):
    with w.app.app_context():
        db.session.get(Booking, w.booking).title = title
        db.session.commit()
    feeds = {f["kind"]: f["url"].split("commons.test", 1)[1] for f in w.rep.get("/feeds").get_json()}
    c = w.app.test_client()
    c.post("/login", data={"email": w.rep.email, "password": PASSWORD})
    sources = {
        "space feed": w.app.test_client().get(f"/calendars/spaces/{w.room}.ics"),
        "group feed": w.app.test_client().get(feeds["group_bookings"]),
        "download": c.get(f"/bookings/{w.booking}.ics"),
    }
    for name, r in sources.items():
        assert r.status_code == 200, name
        text = r.get_data(as_text=True)
        events = [e for e in _events(text) if str(e.get("SUMMARY")) == _as_text(title)]
        assert len(events) == 1, (name, [str(e.get("SUMMARY")) for e in _events(text)])
        for e in _events(text):
            assert "ATTENDEE" not in e and str(e.get("SUMMARY")) != "Injected", name
        # unfolded, no line of the text started a property or an event of its own
        lines = text.replace("\r\n ", "").split("\r\n")
        assert not [ln for ln in lines if ln.startswith(("ATTENDEE", "SUMMARY:Injected", "DTSTART:2030"))], name
        assert lines.count("BEGIN:VEVENT") == len(_events(text)), name


def test_volunteer_feed_keeps_a_hostile_activity_title_in_its_summary(w):
    title = "Café\r\nATTENDEE:mailto:x@y\nEND:VEVENT\nBEGIN:VEVENT\nSUMMARY:Injected"
    with w.app.app_context():
        from volunteers.models import Activity

        db.session.get(Activity, w.activity).title = title
        db.session.commit()
    feeds = {f["kind"]: f["url"].split("commons.test", 1)[1] for f in w.vol.get("/feeds").get_json()}
    r = w.app.test_client().get(feeds["volunteer_shifts"])
    assert r.status_code == 200
    events = _events(r.get_data(as_text=True))
    assert len(events) == 1
    assert _as_text(title) in str(events[0].get("SUMMARY")) and "ATTENDEE" not in events[0]


def test_mail_attachment_calendar_keeps_the_title(w):
    with w.app.app_context():
        db.session.get(Booking, w.pend["pending"]).title = ICS_EVIL[1]
        db.session.commit()
    before = len(_outbox(w))
    assert w.staff.post(f"/bookings/{w.pend['pending']}/approve", {"message": "OK"}).status_code == 200
    attached = [m for m in _outbox(w)[before:] if m.attachment]
    assert attached
    for m in attached:
        events = _events(m.attachment)
        assert len(events) == 1 and str(events[0].get("SUMMARY")) == _as_text(ICS_EVIL[1]) and "ATTENDEE" not in events[0]


# --- The CSV report ---------------------------------------------------------------------------------------------

FORMULAS = ["=HYPERLINK(\"http://x.test\",\"click\")", "+1+2", "-3+4", "@SUM(A1:A2)", "\tTab", "\rReturn", "=1", " =2"]


def test_csv_cells_are_never_formulas_and_numbers_stay_numbers(w, make_space, make_facility):
    with w.app.app_context():
        from commons.models import Facility
        from spaces.models import Space

        db.session.get(Facility, w.fx).name = FORMULAS[0]
        db.session.get(Facility, w.fx).district = "-Kallio"
        db.session.get(Space, w.room).name = FORMULAS[1]
        db.session.get(Space, w.hall).name = FORMULAS[2]
        db.session.commit()
    for i, name in enumerate(FORMULAS[3:]):
        make_space(facility_id=w.fx, name=name)
    frm, to = w.day - timedelta(days=7), w.day + timedelta(days=7)
    r = w.staff.get("/reports/usage", **{"from": frm.isoformat(), "to": to.isoformat(), "format": "csv"})
    assert r.status_code == 200 and r.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(r.get_data(as_text=True), newline="")))
    assert len(rows) == 2 + len(FORMULAS[3:])
    for row in rows:
        for col in ("space", "facility", "district"):
            assert row[col][:1] not in ("=", "+", "-", "@", "\t", "\r"), (col, row[col])
        for col in ("space_id", "facility_id", "bookings", "distinct_groups", "open_hours", "booked_hours", "utilisation"):
            float(row[col])  # a number, as a number: no apostrophe
    names = {row["space"] for row in rows}
    assert "'" + FORMULAS[1] in names and "'" + FORMULAS[2] in names and "'@SUM(A1:A2)" in names
    assert rows[0]["facility"] == "'" + FORMULAS[0] and rows[0]["district"] == "'-Kallio"


# --- JSON -----------------------------------------------------------------------------------------------------


def test_json_returns_user_text_verbatim(w):
    _decide(w)
    b = w.rep.get(f"/bookings/{w.booking}").get_json()
    assert b["title"] == evil("title") and b["group"] == evil("group") and b["space"] == evil("space")
    assert w.rep.get(f"/bookings/{w.pend['pending']}").get_json()["decision_message"] == evil("approve-msg")
    groups = {g["name"]: g for g in w.rep.get("/groups").get_json()}
    assert groups[evil("group")]["description"] == evil("gdesc")
    assert w.rep.get("/me").get_json()["name"] == evil("rep")
    a = w.rep.get(f"/activities/{w.activity}").get_json()
    assert a["title"] == evil("activity") and a["description"] == evil("adesc")
    spaces = {s["name"]: s for s in w.rep.get("/spaces").get_json()}
    assert spaces[evil("space")]["facility"] == evil("facility")
    closures = w.rep.get(f"/spaces/{w.room}/closures").get_json()
    assert closures[0]["reason"] == evil("closure")
    r = w.rep.get(f"/bookings/{w.booking}")
    assert r.mimetype == "application/json"
    assert json.loads(r.get_data(as_text=True))["title"] == evil("title")
