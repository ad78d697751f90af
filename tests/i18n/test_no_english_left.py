"""No English left on a Finnish or Swedish page: every page of the public, account and group flows
(and their error states) is rendered in fi and sv, and none of the app's English texts (the msgids
of the catalogs) may appear in what a person sees or hears (text, labels, aria-label, title, alt,
button values). Data (names, titles people typed) is not checked: it is written in Finnish here."""
from __future__ import annotations

import re
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from tests.conftest import PASSWORD, next_weekday

ROOT = Path(__file__).resolve().parents[2]
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


# The same check over every route, page, code or role: clock-independent, so CI's clock lanes leave it out.
pytestmark = pytest.mark.sweep


class Visible(HTMLParser):
    """The texts of a page a person sees or a screen reader reads (not <script>/<style>, not the
    language switch's own names, which are in their own languages)."""

    ATTRS = ("aria-label", "title", "alt", "placeholder")

    def __init__(self):
        super().__init__()
        self.texts: list[str] = []
        self._skip = 0
        self._stack: list[bool] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        skip = tag in ("script", "style") or (tag != "html" and "lang" in a)
        if tag not in ("input", "meta", "link", "br", "img", "hr"):
            self._stack.append(skip)
            self._skip += skip
        if self._skip or skip:
            return
        for name in self.ATTRS:
            if a.get(name):
                self.texts.append(a[name])
        if tag == "input" and a.get("type") in ("submit", "button") and a.get("value"):
            self.texts.append(a["value"])

    def handle_endtag(self, tag):
        if tag not in ("input", "meta", "link", "br", "img", "hr") and self._stack:
            self._skip -= self._stack.pop()

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.texts.append(" ".join(data.split()))


def english_texts(lang: str) -> tuple[set[str], list[str]]:
    """(whole texts, fragments): the catalog's English msgids whose translation differs."""
    with (ROOT / "translations" / lang / "LC_MESSAGES" / "messages.po").open("rb") as f:
        catalog = read_po(f)
    whole, fragments = set(), []
    for m in catalog:
        if not m.id:
            continue
        ids = m.id if isinstance(m.id, (tuple, list)) else (m.id,)
        strings = m.string if isinstance(m.string, (tuple, list)) else (m.string,)
        for text in ids:
            if text in strings:
                continue  # the same in both languages (e.g. "piano")
            if not PLACEHOLDER.search(text):
                whole.add(text)
            for part in PLACEHOLDER.split(text):
                part = part.strip(" :,.()")
                if len(part) >= 12 and " " in part:
                    fragments.append(part)
    return whole, fragments


# Small English words that are not Finnish or Swedish words: they find English that never went
# through the catalog (a text not wrapped in _() is not among the msgids above).
ENGLISH_WORDS = re.compile(r"\b(the|and|your|you|with|this|from|will|are|of|to|for|is|not|or|at|by)\b")


# Dates that are not written the language's way: ISO dates (but the example the date errors give of
# what a date field takes, 2027-01-05), English month or weekday names, a.m./p.m.
FOREIGN_DATES = re.compile(
    r"\b(?!2027-01-05)\d{4}-\d{2}-\d{2}\b|\b\d{1,2}(:\d{2})? ?[AP]M\b"
    r"|\b(Jan(uary)?|Feb(ruary)?|Mar(ch)?|Apr(il)?|May|June?|July?|Aug(ust)?|Sept?(ember)?|Oct(ober)?|Nov(ember)?"
    r"|Dec(ember)?|Mon(day)?|Tue(sday)?|Wed(nesday)?|Thu(rsday)?|Fri(day)?|Sat(urday)?|Sun(day)?)\b"
)


def english_on(named_responses, lang: str) -> tuple[int, dict[str, list[str]]]:
    """Walk (name, response) pairs: each must be a page in `lang`; returns how many were seen and
    the English left on each page that has any."""
    seen, problems = 0, {}
    for name, response in named_responses:
        assert response.status_code < 500, name
        body = response.get_data(as_text=True)
        assert f'<html lang="{lang}">' in body, name
        left = english_left(body, lang)
        if left:
            problems[name] = left
        seen += 1
    return seen, problems


def english_left(page_html: str, lang: str, also: tuple[str, ...] | list[str] = ()) -> list[str]:
    """The English a page in `lang` still shows: the catalog's English texts, English small words,
    dates written the English way, and `also`: English sentences made at run time (f-strings, a
    refusal's English `message` or `reason`), which no catalog lists; a test that knows what the
    English would have said passes it here."""
    parser = Visible()
    parser.feed(page_html)
    whole, fragments = english_texts(lang)
    found = []
    visible = " ".join(parser.texts)
    for sentence in also:
        for part in english_sentences(sentence):
            if part in visible:
                found.append(f"run-time English: {part!r}")
    for text in parser.texts:
        if text in whole or text.rstrip("…") in whole:
            found.append(text)
            continue
        if FOREIGN_DATES.search(text):
            found.append(f"date not in {lang} format: {text!r}")
            continue
        words = [w for w in ENGLISH_WORDS.findall(text) if not (lang == "fi" and w == "to")]  # "to" = torstai
        if len(words) >= 2 or (words and len(text.split()) <= 3):
            found.append(f"untranslated? {text!r}")
            continue
        found += [f"{f!r} in {text!r}" for f in fragments if f in text]
    return found


def english_sentences(text: str) -> list[str]:
    """The parts of an English text worth looking for on a page: the whole, and its sentences and
    clauses of three words or more (a page may put "A booking must last at least 1 hour." after a
    time of its own)."""
    parts = {text.strip()}
    for piece in re.split(r"(?<=[.!?:;])\s+|:\s+", text):
        piece = piece.strip()
        if len(piece.split()) >= 3:
            parts.add(piece)
    return sorted(p for p in parts if p)


def test_the_check_finds_english_made_at_run_time():
    """An f-string's English is in no catalog: the check finds it when told what the English says."""
    page = "<p>Tätä aikaa ei voi varata: Booking lasts too long, maximum 180 minutes.</p>"
    assert english_left(page, "fi") == []  # the catalog and small-word checks alone cannot see it
    assert english_left(page, "fi", also=["Refused: Booking lasts too long, maximum 180 minutes."]) == [
        "run-time English: 'Booking lasts too long, maximum 180 minutes.'"]


@pytest.fixture
def world(app, make_facility, make_space, make_group, make_user):
    kallio = make_facility(name="Kallion kirjasto", district="Kallio")
    room = make_space(facility_id=kallio, name="Lukupiiri", accessibility=["step_free_access"], equipment=["piano"],
                      buffer_minutes=15, weekly_quota_minutes=600)
    hall = make_space(facility_id=kallio, name="Sali", requires_approval=True)
    group = make_group(name="Kallion asukkaat")
    other = make_group(name="Toinen ryhmä")
    rep = make_user(groups=[group], name="Riikka", email="riikka@example.fi")
    day = next_weekday(1)
    for space, title in ((room, "Hallituksen kokous"), (hall, "Kevätjuhla")):
        r = rep.post("/bookings", {"space_id": space, "group_id": group, "title": title, "start": f"{day}T18:00",
                                   "end": f"{day}T20:00", "public_title": True, "rrule": "FREQ=WEEKLY;COUNT=3"})
        assert r.status_code == 201, r.get_json()
    first = r.get_json()["bookings"][0]["id"] if "bookings" in r.get_json() else r.get_json()["id"]
    return dict(room=room, hall=hall, group=group, other=other, rep=rep, day=day, booking=first)


def pages(client, world):
    """(name, response) of every page of the flows, in the client's language."""
    day = world["day"]
    yield "front", client.get("/")
    yield "sign-in", client.get("/login")
    yield "sign-in error", client.post("/login", data={"email": "x@example.fi", "password": "väärä"})
    yield "sign-up", client.get("/signup")
    yield "sign-up errors", client.post("/signup", data={"email": "ei-osoite", "password": "lyhyt", "confirm": "x"})
    yield "search", client.get("/spaces")
    yield "search results", client.get("/spaces", query_string={"date": day.isoformat(), "start": "18:00", "end": "19:00",
                                                                 "accessibility": "step_free_access"})
    yield "search errors", client.get("/spaces", query_string={"date": "2027-13-40", "start": "x", "min_capacity": "y"})
    yield "space", client.get(f"/spaces/{world['room']}?week={day.isocalendar()[0]}-W{day.isocalendar()[1]:02d}")
    yield "404", client.get("/ei-ole")
    r = client.post("/login", data={"email": world["rep"].email, "password": PASSWORD})
    assert r.status_code == 302
    yield "space signed in", client.get(f"/spaces/{world['room']}")
    yield "booking errors", client.post(f"/spaces/{world['room']}", data={"group": str(world["group"]), "title": "",
                                                                           "date": "x", "start": "", "end": "25:00",
                                                                           "attendees": "0", "on_conflict": "reject"})
    yield "booking conflict", client.post(f"/spaces/{world['room']}", data={
        "group": str(world["group"]), "title": "Päällekkäin", "date": day.isoformat(), "start": "19:00", "end": "20:00",
        "attendees": "3", "on_conflict": "reject"})
    yield "my bookings", client.get("/bookings")
    yield "my bookings past", client.get("/bookings", query_string={"when": "past", "status": "cancelled"})
    yield "my bookings bad filter", client.get("/bookings", query_string={"when": "eilen"})
    yield "cancel step", client.get(f"/bookings/{world['booking']}/cancel")
    yield "account", client.get("/account")
    yield "password errors", client.post("/account/password", data={"current_password": "väärä", "new_password": "uusi pitkä salasana",
                                                                    "confirm": "uusi pitkä salasana"})
    yield "profile errors", client.post("/account/profile", data={"name": "", "email": "ei-osoite"})
    yield "delete account", client.get("/account/delete")
    yield "my groups", client.get("/groups/mine")
    yield "new group", client.get("/groups/new")
    yield "new group errors", client.post("/groups/new", data={"name": "", "kind": "yritys", "district": ""})
    yield "group", client.get(f"/groups/{world['group']}")
    yield "group pending", client.get(f"/groups/{world['group']}", query_string={"status": "pending"})
    yield "invite error", client.post(f"/groups/{world['group']}/representatives", data={"email": "ei.ketaan@example.fi"})
    yield "403", client.get(f"/groups/{world['other']}")


@pytest.mark.parametrize("lang", ["fi", "sv"])
def test_no_english_is_left_on_the_pages(app, world, lang):
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = lang
    seen, problems = english_on(pages(client, world), lang)
    assert seen >= 25
    assert not problems, f"English left on {lang} pages: {problems}"


def test_the_check_finds_english(app, world):
    """The check itself: an English page is full of English texts."""
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    body = client.get("/").get_data(as_text=True)
    left = english_left(body, "fi")
    assert "Find a free space" in left and len(left) > 10


# --- Every other page: staff, admin, calendars, reports, print, and the e-mails ------------------------


@pytest.fixture
def everything(make_facility, make_space, make_group, make_user):
    from tests.support.page_inventory import seed_world

    return seed_world(make_facility, make_space, make_group, make_user)


def signed_in(app, lang, email):
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = lang
    if email:
        r = client.post("/login", data={"email": email, "password": PASSWORD})
        assert r.status_code == 302, email
    return client


def error_states(clients, w):
    """(name, response) of the staff and admin forms sent wrong, and the 403s staff pages give residents."""
    staff, admin, member = clients["staff"], clients["admin"], clients["member"]
    room, day = w["room"], w["day"]
    yield "new space errors", staff.post("/staff/spaces/new", data={"facility": "999", "name": "", "capacity": "-1",
                                                                    "horizon_days": "x"})
    yield "edit space errors", staff.post(f"/staff/spaces/{room}/edit", data={"name": "", "capacity": "0"})
    yield "closure errors", staff.post(f"/staff/spaces/{room}/closures", data={"first_day": "x", "last_day": "",
                                                                               "start": "25:00", "reason": ""})
    yield "import errors", staff.post(f"/staff/spaces/{room}/import", data={})
    yield "decision errors", staff.post(f"/staff/requests/{w['pending']}", data={"decision": ""})
    yield "report errors", staff.get("/staff/reports", query_string={"first_day": "2027-13-40", "last_day": "x"})
    yield "calendar bad date", staff.get("/staff/calendar", query_string={"date": "eilen", "view": "week"})
    yield "on behalf conflict", staff.post(f"/spaces/{room}", data={
        "group": str(w["group"]), "title": "Päällekkäin", "date": day.isoformat(), "start": "19:00", "end": "20:00",
        "attendees": "3", "on_conflict": "reject"})
    yield "admin facility errors", admin.post("/admin/facilities", data={"name": "", "district": "", "address": ""})
    yield "admin staff errors", admin.post(f"/admin/facilities/{w['facility']}/staff", data={"email": "ei-osoite"})
    yield "reports 403", member.get("/staff/reports")
    yield "import 403", member.get(f"/staff/spaces/{room}/import")
    yield "admin 403", clients["staff"].get("/admin")


@pytest.mark.parametrize("lang", ["fi", "sv"])
def test_no_english_is_left_on_any_page(app, everything, lang):
    """Every page of tests/support/page_inventory.py (which covers every page route), as the role that meets
    it, and the staff and admin forms' error states."""
    from tests.support.page_inventory import ROLES, every_page

    clients = {role: signed_in(app, lang, email) for role, email in ROLES.items()}
    # the printed week is in the noticeboard's language (the facility's), chosen here as the reader's
    responses = [(p.name, clients[p.role].get(p.path + (f"&lang={lang}" if "/print?" in p.path else ""))) for p in every_page(everything)]
    responses += list(error_states(clients, everything))
    seen, problems = english_on(responses, lang)
    assert seen >= 45
    assert not problems, f"English left on {lang} pages: {problems}"


def test_no_english_is_left_in_the_emails(app, everything):
    """Each kind of booking e-mail (received, confirmed, on behalf, approved, rejected, cancelled,
    cancelled because the space is closed, changed, reminder, approval request), rendered for Finnish and Swedish readers: subject, text
    and HTML, with <html lang> of the reader's language."""
    from datetime import datetime, time, timezone

    from sqlalchemy import select

    from commons.extensions import db
    from commons.jobs import run_job
    from commons.models import OutboxMessage, User
    from tests.conftest import HELSINKI, local
    from tests.support.smtp import render_outbox

    w = everything
    with app.app_context():
        rep = db.session.execute(select(User).where(User.email == "riikka@example.fi")).scalar_one()
        staff = db.session.execute(select(User).where(User.email == "sanna@example.fi")).scalar_one()
        rep.language, staff.language = "sv", "fi"
        db.session.commit()
    # A second representative reading Finnish, so that every message has a Finnish and a Swedish reader.
    api = w["rep"]
    day = w["day"] + timedelta(days=14)
    r = api.post("/bookings", {"space_id": w["hall"], "group_id": w["group"], "title": "Toinen", "start": local(day, "10:00"),
                               "end": local(day, "11:00")})
    assert r.status_code == 201
    assert w["staff"].post(f"/bookings/{r.get_json()['id']}/reject", {"message": "Sali on varattu."}).status_code == 200
    r = api.post("/bookings", {"space_id": w["hall"], "group_id": w["group"], "title": "Kolmas", "start": local(day, "14:00"),
                               "end": local(day, "15:00")})
    assert w["staff"].post(f"/bookings/{r.get_json()['id']}/approve", {"message": "Tervetuloa!"}).status_code == 200
    assert w["staff"].post(f"/bookings/{w['booking']}/cancel", {"scope": "one"}).status_code == 200
    staff_booking = w["staff"].post("/bookings", {"space_id": w["room"], "group_id": w["group"], "title": "Henkilökunnan varaus",
                                                  "start": local(day, "12:00"), "end": local(day, "13:00")})
    assert staff_booking.status_code == 201
    # a booking a closure falls on, cancelled from the closure: the group is told why
    r = api.post("/bookings", {"space_id": w["hall"], "group_id": w["group"], "title": "Neljäs", "start": local(day, "16:00"),
                               "end": local(day, "17:00")})
    assert r.status_code == 201, r.get_json()
    closed = w["staff"].post(f"/spaces/{w['hall']}/closures", {"start": local(day, "15:00"), "end": local(day, "18:00"),
                                                              "reason": "Putkiremontti"})
    assert closed.status_code == 201, closed.get_json()
    with app.app_context():
        from spaces.services import cancel_closed_bookings

        actor = db.session.execute(select(User).where(User.email == "sanna@example.fi")).scalar_one()
        cancel_closed_bookings(actor, [closed.get_json()["id"]], [r.get_json()["id"]])
    with app.app_context():
        run_job("reminders", datetime.combine(w["day"], time(9), HELSINKI).astimezone(timezone.utc))
    render_outbox(app)  # as send-mail renders them before sending
    with app.app_context():
        messages = db.session.execute(select(OutboxMessage)).scalars().all()
        seen = {m.language for m in messages}
        problems = {}
        for m in messages:
            lang = m.language
            if lang == "en":
                continue
            assert f'<html lang="{lang}"' in m.html_body, m.subject
            left = english_left(m.html_body, lang) + english_left(f"<p>{m.subject}</p>", lang)
            left += english_left("".join(f"<p>{line}</p>" for line in m.text_body.splitlines()), lang)
            if left:
                problems[f"{lang}: {m.subject}"] = left
        kinds = {m.subject.split(":")[0] for m in messages}
        db.session.remove()
    assert {"fi", "sv"} <= seen, seen
    assert len(kinds) >= 9 and "Bokningen har avbokats, lokalen är stängd" in kinds, sorted(kinds)
    assert not problems, f"English left in e-mails: {problems}"
