"""Feeds over HTTP: format (RFC 5545 framing, names, refresh hints), privacy, stable UIDs, SEQUENCE,
conditional GETs, personal links (listing, rotating, erasing), the window, query counts."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import icalendar
import pytest
from sqlalchemy import select

from calendars import changes
from calendars.models import CalendarChange, FeedToken
from commons.extensions import db
from tests.calendars.conftest import book
from tests.support.queries import count_queries
from tests.conftest import HELSINKI, local, next_weekday


def _events(body: bytes) -> list:
    return list(icalendar.Calendar.from_ical(body).walk("VEVENT"))


def _unfold(body: bytes) -> str:
    return body.decode().replace("\r\n ", "")


@pytest.fixture
def clock(monkeypatch):
    """The time calendar change stamps are taken at (the feeds' Last-Modified)."""
    state = {"now": datetime(2026, 1, 1, 12, 0, tzinfo=timezone.utc)}
    monkeypatch.setattr(changes, "clock", lambda: state["now"])
    return state


def test_public_feed_format(world, client):
    space, group, rep, staff, _ = world
    day = next_weekday(1)
    book(rep, space, group, local(day, "18:00"), local(day, "20:00"), title="Pää" * 60, public_title=True)
    r = client.get(f"/calendars/spaces/{space}.ics")
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "text/calendar; charset=utf-8"
    body = r.data
    assert body.startswith(b"BEGIN:VCALENDAR\r\n") and body.endswith(b"END:VCALENDAR\r\n")
    assert b"\n" not in body.replace(b"\r\n", b"")  # CRLF only
    for line in body.split(b"\r\n"):
        assert len(line) <= 75, line
        line.decode("utf-8")  # folding never splits a UTF-8 character
    text = _unfold(body)
    for needed in ("VERSION:2.0", "PRODID:", "NAME:Hall\\, Facility", "X-WR-CALNAME:Hall\\, Facility",
                   "REFRESH-INTERVAL;VALUE=DURATION:PT1H", "X-PUBLISHED-TTL:PT1H", "BEGIN:VTIMEZONE", "TZID:Europe/Helsinki"):
        assert needed in text, needed
    [ev] = _events(body)
    assert str(ev["SUMMARY"]) == "Pää" * 60  # unfolded by an independent parser, intact
    assert ev["DTSTART"].params["TZID"] == "Europe/Helsinki"
    assert ev["DTSTART"].dt == datetime.combine(day, datetime.min.time().replace(hour=18), tzinfo=HELSINKI)
    for component in icalendar.Calendar.from_ical(body).walk():
        assert not component.errors
    # every TZID used has its VTIMEZONE
    used = set(re.findall(r";TZID=([^;:]+)", text))
    defined = set(re.findall(r"\r\nTZID:([^\r]+)", text))
    assert used and used <= defined


def test_public_feed_hides_people_and_private_titles(world, client, make_user):
    space, group, rep, staff, _ = world
    day = next_weekday(2)
    book(rep, space, group, local(day, "10:00"), local(day, "11:00"), title="Secret plans")
    book(staff, space, group, local(day, "12:00"), local(day, "13:00"), title="Open day", public_title=True)
    body = client.get(f"/calendars/spaces/{space}.ics?lang=en").data.decode()
    assert "Secret plans" not in body and "Open day" in body
    for private in ("Riikka", "riikka@example.fi", "Sami", "Kallio Knitters", "user"):
        assert private not in body
    assert body.count("SUMMARY:Reserved") == 1
    fi = client.get(f"/calendars/spaces/{space}.ics").data.decode()  # Finnish by default
    assert "SUMMARY:Varattu" in fi
    sv = client.get(f"/calendars/spaces/{space}.ics?lang=sv").data.decode()
    assert "SUMMARY:Reserverat" in sv


def test_unknown_space_feed_is_404(client):
    assert client.get("/calendars/spaces/999.ics").status_code == 404


def test_uids_are_stable_and_sequence_grows_on_changes(world, client):
    space, group, rep, staff, _ = world
    day = next_weekday(3)
    single = book(rep, space, group, local(day, "10:00"), local(day, "11:00"))
    series = book(rep, space, group, local(day, "14:00"), local(day, "15:00"), rrule="FREQ=WEEKLY;COUNT=4")

    def state():
        evs = _events(client.get(f"/calendars/spaces/{space}.ics").data)
        return {(str(e["UID"]), str(e.get("RECURRENCE-ID").to_ical().decode()) if e.get("RECURRENCE-ID") else ""): int(e["SEQUENCE"]) for e in evs}

    first = state()
    assert set(first) == {(f"booking-{single['id']}@commons.test", ""), (f"series-{series['series_id']}@commons.test", "")}
    assert all("@commons.test" in uid and "riikka" not in uid for uid, _ in first)
    assert state() == first  # unchanged: same UIDs, same SEQUENCE
    # moving the single booking: SEQUENCE grows
    assert rep.patch(f"/bookings/{single['id']}", {"start": local(day, "11:00"), "end": local(day, "12:00")}).status_code == 200
    second = state()
    assert second[(f"booking-{single['id']}@commons.test", "")] > first[(f"booking-{single['id']}@commons.test", "")]
    # cancelling one date of the series: the master's SEQUENCE grows (its EXDATE list changed)
    series_key = (f"series-{series['series_id']}@commons.test", "")
    assert rep.post(f"/bookings/{series['occurrences'][1]['id']}/cancel").status_code == 200
    third = state()
    assert third[series_key] > second[series_key]
    # moving another date: an override with RECURRENCE-ID at its original start, SEQUENCE grows again
    moved = series["occurrences"][2]
    start = datetime.fromisoformat(moved["start"]).astimezone(HELSINKI)
    assert rep.patch(f"/bookings/{moved['id']}", {"start": local(start.date(), "16:00"), "end": local(start.date(), "17:00")}).status_code == 200
    fourth = state()
    rid = start.strftime("%Y%m%dT%H%M%S")
    assert (series_key[0], rid) in fourth
    assert fourth[series_key] > third[series_key]
    # a second move keeps the original RECURRENCE-ID
    assert rep.patch(f"/bookings/{moved['id']}", {"start": local(start.date(), "17:00"), "end": local(start.date(), "18:00")}).status_code == 200
    assert (series_key[0], rid) in state()
    text = _unfold(client.get(f"/calendars/spaces/{space}.ics").data)
    cancelled = datetime.fromisoformat(series["occurrences"][1]["start"]).astimezone(HELSINKI)
    assert f"EXDATE;TZID=Europe/Helsinki:{cancelled:%Y%m%dT%H%M%S}" in text


def test_cancelled_whole_series_and_single_disappear(world, client):
    space, group, rep, staff, _ = world
    day = next_weekday(4)
    single = book(rep, space, group, local(day, "10:00"), local(day, "11:00"))
    series = book(rep, space, group, local(day, "14:00"), local(day, "15:00"), rrule="FREQ=WEEKLY;COUNT=3")
    assert rep.post(f"/bookings/{single['id']}/cancel").status_code == 200
    assert rep.post(f"/bookings/{series['id']}/cancel", {"scope": "series"}).status_code == 200
    assert _events(client.get(f"/calendars/spaces/{space}.ics").data) == []


def test_conditional_get_etag_last_modified_and_byte_identical(clock, world, client):
    space, group, rep, staff, _ = world
    day = next_weekday(1)
    clock["now"] = datetime(2026, 3, 1, 10, 0, tzinfo=timezone.utc)
    book(rep, space, group, local(day, "10:00"), local(day, "11:00"))
    first = client.get(f"/calendars/spaces/{space}.ics")
    etag, lm = first.headers["ETag"], first.headers["Last-Modified"]
    assert lm == "Sun, 01 Mar 2026 10:00:00 GMT"
    again = client.get(f"/calendars/spaces/{space}.ics")
    assert again.data == first.data and again.headers["ETag"] == etag
    assert client.get(f"/calendars/spaces/{space}.ics", headers={"If-None-Match": etag}).status_code == 304
    not_modified = client.get(f"/calendars/spaces/{space}.ics", headers={"If-Modified-Since": lm})
    assert not_modified.status_code == 304 and not_modified.data == b""
    # a closure added and deleted: Last-Modified moves forward both times, never back
    clock["now"] = datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc)
    closure = staff.post(f"/spaces/{space}/closures", {"start": local(day, "12:00"), "end": local(day, "13:00"), "reason": "Paint"}).get_json()
    added = client.get(f"/calendars/spaces/{space}.ics", headers={"If-None-Match": etag, "If-Modified-Since": lm})
    assert added.status_code == 200 and added.headers["Last-Modified"] == "Mon, 02 Mar 2026 10:00:00 GMT"
    clock["now"] = datetime(2026, 3, 3, 10, 0, tzinfo=timezone.utc)
    assert staff.delete(f"/spaces/{space}/closures/{closure['id']}").status_code == 200
    deleted = client.get(f"/calendars/spaces/{space}.ics", headers={"If-Modified-Since": added.headers["Last-Modified"]})
    assert deleted.status_code == 200
    assert deleted.headers["Last-Modified"] == "Tue, 03 Mar 2026 10:00:00 GMT"
    assert deleted.data == first.data and deleted.headers["ETag"] == etag  # same content as before the closure
    # a series cancelled in one bulk UPDATE bumps it too
    series = book(rep, space, group, local(day, "15:00"), local(day, "16:00"), rrule="FREQ=WEEKLY;COUNT=3")
    clock["now"] = datetime(2026, 3, 4, 10, 0, tzinfo=timezone.utc)
    assert rep.post(f"/bookings/{series['id']}/cancel", {"scope": "series"}).status_code == 200
    assert client.get(f"/calendars/spaces/{space}.ics").headers["Last-Modified"] == "Wed, 04 Mar 2026 10:00:00 GMT"


def test_the_group_stamp_follows_its_bookings(clock, world, app):
    space, group, rep, staff, _ = world
    day = next_weekday(1)
    clock["now"] = datetime(2026, 5, 1, tzinfo=timezone.utc)
    b = book(rep, space, group, local(day, "10:00"), local(day, "11:00"))
    clock["now"] = datetime(2026, 4, 1, tzinfo=timezone.utc)  # a clock that went back: the stamp does not
    assert rep.post(f"/bookings/{b['id']}/cancel").status_code == 200
    with app.app_context():
        stamps = {(c.scope, c.scope_id): c.changed_at for c in db.session.execute(select(CalendarChange)).scalars()}
    assert stamps[("group", group)] == datetime(2026, 5, 1, tzinfo=timezone.utc)
    assert stamps[("space", space)] == datetime(2026, 5, 1, tzinfo=timezone.utc)


def test_no_last_modified_within_the_current_second(world, client):
    """A change later in the same second must not hide behind If-Modified-Since: Last-Modified is
    sent only once its second is over (ETag always)."""
    space, group, rep, staff, _ = world
    day = next_weekday(1)
    book(rep, space, group, local(day, "10:00"), local(day, "11:00"))
    r = client.get(f"/calendars/spaces/{space}.ics")
    assert "ETag" in r.headers
    lm = r.headers.get("Last-Modified")
    if lm is not None:  # the second may have passed on a slow machine
        from email.utils import parsedate_to_datetime

        assert parsedate_to_datetime(lm) < datetime.now(timezone.utc).replace(microsecond=0) + timedelta(seconds=1)


def test_window_is_90_days_back_and_18_months_ahead(world, app, client):
    from spaces.models import Booking

    space, group, rep, staff, _ = world
    now = datetime.now(timezone.utc)
    with app.app_context():
        for i, days in enumerate((-120, -80, 500, 560)):
            start = now + timedelta(days=days)
            db.session.add(Booking(space_id=space, group_id=group, title=f"B{i}", start_at=start, end_at=start + timedelta(hours=1),
                                   blocked_until=start + timedelta(hours=1), status="confirmed", public_title=True))
        db.session.commit()
    titles = {str(e["SUMMARY"]) for e in _events(client.get(f"/calendars/spaces/{space}.ics").data)}
    assert titles == {"B1", "B2"}


# --- Personal feeds ---------------------------------------------------------------------------------


def test_personal_feed_links_list_rotate_and_404(world, client, make_group, app):
    space, group, rep, staff, _ = world
    other = make_group(name="Allotment Club")
    with app.app_context():
        from commons.models import GroupMember

        db.session.add(GroupMember(group_id=other, user_id=rep.user_id))
        db.session.commit()
    day = next_weekday(2)
    book(rep, space, group, local(day, "10:00"), local(day, "11:00"), title="Knitting night")
    book(rep, space, other, local(day, "12:00"), local(day, "13:00"), title="Seed swap")
    links = rep.get("/feeds").get_json()
    assert [(l["kind"], l["name"]) for l in links] == [("group_bookings", "Allotment Club"), ("group_bookings", "Kallio Knitters")]
    assert rep.get("/feeds").get_json() == links  # the same links each time
    knit = links[1]
    assert knit["webcal_url"] == "webcal://" + knit["url"].split("://", 1)[1]
    token = knit["url"].rsplit("/", 1)[1].removesuffix(".ics")
    assert len(token) >= 22 and re.fullmatch(r"[A-Za-z0-9_-]+", token)  # >= 128 bits, URL-safe
    with app.app_context():
        stored = list(db.session.execute(select(FeedToken)).scalars())
        assert all(token not in (t.token_hash, t.seed) for t in stored)
        assert any(t.token_hash == FeedToken.hash(token) for t in stored)
    r = client.get(knit["url"])
    assert r.status_code == 200 and r.headers["Cache-Control"].count("private")
    [ev] = _events(r.data)
    assert str(ev["SUMMARY"]) == "Knitting night" and str(ev["STATUS"]) == "CONFIRMED"
    assert "Seed swap" not in r.data.decode()
    # rotate by kind and name: the old link is 404 from now on
    new = rep.post("/feeds/rotate", {"kind": "group_bookings", "name": "Kallio Knitters"})
    assert new.status_code == 200
    assert new.get_json()["url"] != knit["url"]
    assert client.get(knit["url"]).status_code == 404
    assert client.get(new.get_json()["url"]).status_code == 200
    # rotate by url (the webcal form works too)
    newer = rep.post("/feeds/rotate", {"url": new.get_json()["webcal_url"]}).get_json()
    assert client.get(new.get_json()["url"]).status_code == 404 and client.get(newer["url"]).status_code == 200
    assert rep.post("/feeds/rotate", {"url": knit["url"]}).status_code == 404
    assert rep.post("/feeds/rotate", {"kind": "group_bookings", "name": "Nobody's"}).status_code == 404
    assert rep.post("/feeds/rotate", {"kind": "nonsense", "name": "x"}).status_code == 422
    assert rep.post("/feeds/rotate", {}).status_code == 422
    assert client.get("/calendars/feeds/not-a-token.ics").status_code == 404


def test_personal_feed_shows_pending_as_tentative_with_real_titles(make_user, make_group, make_space, client):
    space = make_space()
    group = make_group(name="New Group", verified=False)
    rep = make_user(groups=[group])
    day = next_weekday(2)
    book(rep, space, group, local(day, "10:00"), local(day, "11:00"), title="First meeting")
    [link] = rep.get("/feeds").get_json()
    [ev] = _events(client.get(link["url"] + "?lang=en").data)
    assert str(ev["STATUS"]) == "TENTATIVE" and str(ev["SUMMARY"]) == "First meeting"
    assert "waiting for the staff" in str(ev["DESCRIPTION"])


def test_a_feed_link_stops_working_when_its_owner_leaves_the_group_or_is_erased(world, client, app):
    space, group, rep, staff, _ = world
    [link] = rep.get("/feeds").get_json()
    assert client.get(link["url"]).status_code == 200
    assert "calendar_feeds" in rep.get("/me/export").get_json()
    assert rep.delete("/me").status_code == 200
    assert client.get(link["url"]).status_code == 404
    with app.app_context():
        assert db.session.execute(select(FeedToken)).first() is None


def test_feeds_need_sign_in(anon):
    assert anon.get("/feeds").status_code == 401
    assert anon.post("/feeds/rotate", {"kind": "group_bookings", "name": "x"}).status_code == 401


# --- Single-event download ----------------------------------------------------------------------------


def test_add_to_calendar_download(world, client, make_user, make_group):
    space, group, rep, staff, _ = world
    day = next_weekday(2)
    b = book(rep, space, group, local(day, "10:00"), local(day, "11:30"), title="Board meeting")
    r = rep.client.get(f"/bookings/{b['id']}.ics", headers={"Authorization": f"Bearer {rep.token}"})
    assert r.status_code == 200 and r.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert "attachment" in r.headers["Content-Disposition"]
    [ev] = _events(r.data)
    assert str(ev["UID"]) == f"booking-{b['id']}@commons.test" and str(ev["SUMMARY"]) == "Board meeting"
    assert ev["DTSTART"].dt == datetime.combine(day, datetime.min.time().replace(hour=10), tzinfo=HELSINKI)
    stranger = make_user(groups=[make_group()])
    assert stranger.client.get(f"/bookings/{b['id']}.ics", headers={"Authorization": f"Bearer {stranger.token}"}).status_code == 404
    assert client.get(f"/bookings/{b['id']}.ics").status_code == 302  # sign in first


def test_booking_ics_is_reusable(world, app):
    from calendars.ics import booking_ics
    from spaces.services import bookings_by_ids

    space, group, rep, staff, _ = world
    day = next_weekday(2)
    b = book(rep, space, group, local(day, "10:00"), local(day, "11:00"), rrule="FREQ=WEEKLY;COUNT=2")
    with app.test_request_context():
        body = booking_ics(bookings_by_ids([o["id"] for o in b["occurrences"]]))
    assert isinstance(body, bytes)
    assert len(_events(body)) == 2
    assert rep.post(f"/bookings/{b['id']}/cancel").status_code == 200
    with app.test_request_context():
        [ev] = _events(booking_ics(bookings_by_ids([b["id"]])))
    assert str(ev["STATUS"]) == "CANCELLED" and int(ev["SEQUENCE"]) == 1


# --- Queries ---------------------------------------------------------------------------------------------


def test_a_feed_costs_the_same_queries_for_few_or_many_events(world, app, client, make_space):
    space, group, rep, staff, facility = world
    day = next_weekday(0)
    book(rep, space, group, local(day, "10:00"), local(day, "11:00"))
    book(rep, space, group, local(day, "12:00"), local(day, "13:00"), rrule="FREQ=WEEKLY;COUNT=2")
    staff.post(f"/spaces/{space}/closures", {"start": local(day, "20:00"), "end": local(day, "21:00"), "reason": "x"})
    [link] = rep.get("/feeds").get_json()
    with count_queries(app) as seen:
        client.get(f"/calendars/spaces/{space}.ics")
        few_public = len(seen)
        seen.clear()
        client.get(link["url"])
        few_group = len(seen)
    other = make_space(facility_id=facility, name="Studio")
    for spc in (space, other):
        for hour in ("08:00", "09:00", "14:00", "15:00", "16:00", "17:00"):
            book(rep, spc, group, local(day, hour), local(day, hour[:2] + ":30"), rrule="FREQ=DAILY;COUNT=50")
    for d in range(20):
        staff.post(f"/spaces/{space}/closures", {"start": local(day + timedelta(days=d), "21:00"), "end": local(day + timedelta(days=d), "21:30"), "reason": f"c{d}"})
    with count_queries(app) as seen:
        big = client.get(f"/calendars/spaces/{space}.ics")
        many_public = len(seen)
        seen.clear()
        client.get(link["url"])
        many_group = len(seen)
    assert len(_events(big.data)) >= 6 + 20
    assert many_public == few_public <= 10
    assert many_group == few_group <= 10


def test_feed_has_one_date_header_at_most(client, make_space):
    """The server adds Date; the app must not add a second one (make_conditional would)."""
    space = make_space()
    r = client.get(f"/calendars/spaces/{space}.ics")
    assert r.status_code == 200
    assert len(r.headers.getlist("Date")) == 0
    again = client.get(f"/calendars/spaces/{space}.ics", headers={"If-None-Match": r.headers["ETag"]})
    assert again.status_code == 304 and len(again.headers.getlist("Date")) == 0
