"""POST /api/v1/spaces/{id}/import and the staff's import page: .ics events become closures."""
from __future__ import annotations

import io
from datetime import date, datetime, timedelta, timezone

import pytest

from tests.calendars.conftest import book, soon
from tests.conftest import HELSINKI, local, next_dst_start, next_weekday


def ics(*events: str, head: str = "") -> bytes:
    body = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Test//EN\r\n" + head + "".join(events) + "END:VCALENDAR\r\n"
    return body.encode()


def vevent(uid: str, *lines: str) -> str:
    return "BEGIN:VEVENT\r\n" + (f"UID:{uid}\r\n" if uid else "") + "DTSTAMP:20260101T000000Z\r\n" + "".join(l + "\r\n" for l in lines) + "END:VEVENT\r\n"


def post_ics(api, space, data: bytes, content_type="text/calendar"):
    return api.client.post(f"/api/v1/spaces/{space}/import", data=data, content_type=content_type,
                           headers={"Authorization": f"Bearer {api.token}"})


def closures(api, space):
    return {c["reason"]: c for c in api.get(f"/spaces/{space}/closures").get_json()}


def ymd(d: date) -> str:
    return d.strftime("%Y%m%d")


def test_all_day_timed_and_recurring_events_become_closures(world):
    space, group, rep, staff, _ = world
    d = next_weekday(0, 2)
    data = ics(
        vevent("holiday-1@city", f"DTSTART;VALUE=DATE:{ymd(d)}", f"DTEND;VALUE=DATE:{ymd(d + timedelta(days=2))}", "SUMMARY:Independence Day"),
        vevent("utc@x", f"DTSTART:{ymd(d + timedelta(days=3))}T100000Z", f"DTEND:{ymd(d + timedelta(days=3))}T120000Z", "SUMMARY:Maintenance"),
        vevent("weekly@x", f"DTSTART;TZID=Europe/Helsinki:{ymd(d + timedelta(days=4))}T180000",
               f"DTEND;TZID=Europe/Helsinki:{ymd(d + timedelta(days=4))}T200000", "RRULE:FREQ=WEEKLY;COUNT=3", "SUMMARY:Choir practice"),
        vevent("floating@x", f"DTSTART:{ymd(d + timedelta(days=5))}T090000", f"DTEND:{ymd(d + timedelta(days=5))}T100000", "SUMMARY:Floating"),
    )
    r = post_ics(staff, space, data)
    assert r.status_code == 200, r.get_json()
    out = r.get_json()
    assert out["imported"] == 1 + 1 + 3 + 1 and out["skipped"] == [] and out["already_present"] == 0
    got = staff.get(f"/spaces/{space}/closures").get_json()
    by_reason = {}
    for c in got:
        by_reason.setdefault(c["reason"], []).append(c)
    [holiday] = by_reason["Independence Day"]
    assert datetime.fromisoformat(holiday["start"]) == datetime.combine(d, datetime.min.time(), tzinfo=HELSINKI)
    assert datetime.fromisoformat(holiday["end"]) == datetime.combine(d + timedelta(days=2), datetime.min.time(), tzinfo=HELSINKI)
    [maint] = by_reason["Maintenance"]
    assert datetime.fromisoformat(maint["start"]).astimezone(timezone.utc).hour == 10
    assert len(by_reason["Choir practice"]) == 3
    assert all(datetime.fromisoformat(c["start"]).astimezone(HELSINKI).hour == 18 for c in by_reason["Choir practice"])
    [floating] = by_reason["Floating"]
    assert datetime.fromisoformat(floating["start"]).astimezone(HELSINKI).hour == 9  # the space's wall clock
    # the same file again: nothing new
    again = post_ics(staff, space, data).get_json()
    assert again["imported"] == 0 and again["already_present"] == 6
    assert len(staff.get(f"/spaces/{space}/closures").get_json()) == 6


def test_google_x_wr_timezone_and_a_weekly_series_across_dst(world):
    space, group, rep, staff, _ = world
    start = next_dst_start(soon(20)) - timedelta(days=14)  # a Sunday two weeks before the spring change
    data = ics(
        vevent("g1@google.com", f"DTSTART:{ymd(start)}T160000Z", f"DTEND:{ymd(start)}T170000Z", "RRULE:FREQ=WEEKLY;COUNT=4", "SUMMARY:Sauna evening"),
        head="X-WR-TIMEZONE:Europe/Helsinki\r\nX-WR-CALNAME:City\r\n",
    )
    r = post_ics(staff, space, data)
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["imported"] == 4
    hours = sorted((datetime.fromisoformat(c["start"]).astimezone(HELSINKI).hour) for c in staff.get(f"/spaces/{space}/closures").get_json())
    assert hours == [18, 18, 18, 18]  # 18:00 Helsinki time before and after the change, as Google shows it


def test_unusable_events_are_reported_with_uid_and_reason(world):
    space, group, rep, staff, _ = world
    d = next_weekday(1, 2)
    data = ics(
        vevent("no-start@x", "SUMMARY:Nothing"),
        vevent("broken@x", "DTSTART:2027garbage", "SUMMARY:Broken"),
        vevent("no-end@x", f"DTSTART:{ymd(d)}T100000Z", "SUMMARY:Instant"),
        vevent("past@x", "DTSTART;VALUE=DATE:20200101", "SUMMARY:Long ago"),
        vevent("cancelled@x", f"DTSTART;VALUE=DATE:{ymd(d)}", "STATUS:CANCELLED", "SUMMARY:Off"),
        vevent("ok@x", f"DTSTART;VALUE=DATE:{ymd(d)}", "SUMMARY:Fine"),
    )
    r = post_ics(staff, space, data)
    assert r.status_code == 200, r.get_json()
    out = r.get_json()
    assert out["imported"] == 1
    reasons = {s["uid"]: s["reason"] for s in out["skipped"]}
    assert set(reasons) == {"no-start@x", "broken@x", "no-end@x", "past@x", "cancelled@x"}
    assert "DTSTART" in reasons["no-start@x"] and "broken" in reasons["broken@x"]
    assert "no length" in reasons["no-end@x"] and "no dates" in reasons["past@x"] and "cancelled" in reasons["cancelled@x"]


def test_moved_and_cancelled_dates_of_a_recurring_event(world):
    space, group, rep, staff, _ = world
    d = next_weekday(2, 2)
    third = d + timedelta(days=14)
    data = ics(
        vevent("s@x", f"DTSTART;TZID=Europe/Helsinki:{ymd(d)}T120000", f"DTEND;TZID=Europe/Helsinki:{ymd(d)}T130000",
               "RRULE:FREQ=WEEKLY;COUNT=4", f"EXDATE;TZID=Europe/Helsinki:{ymd(d + timedelta(days=7))}T120000", "SUMMARY:Weekly"),
        vevent("s@x", f"RECURRENCE-ID;TZID=Europe/Helsinki:{ymd(third)}T120000", f"DTSTART;TZID=Europe/Helsinki:{ymd(third)}T150000",
               f"DTEND;TZID=Europe/Helsinki:{ymd(third)}T160000", "SUMMARY:Weekly (moved)"),
    )
    out = post_ics(staff, space, data).get_json()
    assert out["imported"] == 3
    got = sorted(datetime.fromisoformat(c["start"]).astimezone(HELSINKI) for c in staff.get(f"/spaces/{space}/closures").get_json())
    assert [g.date() for g in got] == [d, third, d + timedelta(days=21)]
    assert got[1].hour == 15
    # the organiser moves it back: a re-import updates that closure instead of adding one
    moved_back = data.replace(f"{ymd(third)}T150000".encode(), f"{ymd(third)}T140000".encode())
    again = post_ics(staff, space, moved_back).get_json()
    assert again["imported"] == 0 and again["updated"] == 1 and again["already_present"] == 2


def test_bookings_hit_by_an_imported_closure_are_listed_not_cancelled(world):
    space, group, rep, staff, _ = world
    d = next_weekday(3, 2)
    b = book(rep, space, group, local(d, "10:00"), local(d, "12:00"), title="Board meeting")
    out = post_ics(staff, space, ics(vevent("day@x", f"DTSTART;VALUE=DATE:{ymd(d)}", "SUMMARY:Holiday"))).get_json()
    assert [a["id"] for a in out["affected_bookings"]] == [b["id"]]
    assert out["affected_bookings"][0]["group"] == "Kallio Knitters"
    assert rep.get(f"/bookings/{b['id']}").get_json()["status"] == "confirmed"


@pytest.mark.parametrize(
    "data",
    [b"\x89PNG\r\n\x1a\n\x00\x00binary", b"hello, this is a text file", b"BEGIN:VCARD\r\nFN:Someone\r\nEND:VCARD\r\n",
     b"BEGIN:VCALENDAR\r\n\xff\xfe broken bytes\r\nEND:VCALENDAR\r\n", b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\n"],
)
def test_a_non_calendar_file_is_a_400(world, data):
    space, group, rep, staff, _ = world
    r = post_ics(staff, space, data)
    assert r.status_code == 400, r.get_json()
    assert r.get_json()["error"]["message"]


def test_an_empty_body_is_a_400_and_too_large_a_file_is_a_413(world):
    space, group, rep, staff, _ = world
    assert post_ics(staff, space, b"").status_code == 400
    big = ics(vevent("x", "DTSTART;VALUE=DATE:20270101", "DESCRIPTION:" + "x" * (1024 * 1024)))
    r = post_ics(staff, space, big)
    assert r.status_code == 413
    assert r.get_json()["error"]["code"] == "too_large"


def test_multipart_upload_and_who_may_import(world, make_user, make_facility, make_space):
    space, group, rep, staff, _ = world
    d = next_weekday(4, 2)
    data = ics(vevent("m@x", f"DTSTART;VALUE=DATE:{ymd(d)}", "SUMMARY:Closed day"))
    r = staff.client.post(f"/api/v1/spaces/{space}/import", data={"file": (io.BytesIO(data), "holidays.ics")},
                          content_type="multipart/form-data", headers={"Authorization": f"Bearer {staff.token}"})
    assert r.status_code == 200 and r.get_json()["imported"] == 1
    other_staff = make_user(role="staff", facilities=[make_facility()])
    assert post_ics(other_staff, space, data).status_code == 403
    assert post_ics(rep, space, data).status_code == 403
    assert staff.client.post(f"/api/v1/spaces/{space}/import", data=data, content_type="text/calendar").status_code == 401
    assert post_ics(staff, 9999, data).status_code == 404


def _login(client, email):
    from tests.conftest import PASSWORD

    r = client.post("/login", data={"email": email, "password": PASSWORD})
    assert r.status_code in (302, 303), r.data[:500]


def test_the_staff_import_page(world, app, make_user, make_facility):
    space, group, rep, staff, facility = world
    client = app.test_client()
    with app.app_context():
        from commons.models import User
        from commons.extensions import db

        email = db.session.get(User, staff.user_id).email
    _login(client, email)
    page = client.get(f"/staff/spaces/{space}/import")
    assert page.status_code == 200 and b'type="file"' in page.data and b"<h1>" in page.data
    d = next_weekday(4, 2)
    data = ics(vevent("p@x", f"DTSTART;VALUE=DATE:{ymd(d)}", "SUMMARY:Staff day"), vevent("bad@x", "SUMMARY:No date"))
    r = client.post(f"/staff/spaces/{space}/import", data={"file": (io.BytesIO(data), "h.ics")}, content_type="multipart/form-data")
    assert r.status_code == 200
    assert b"1 new closure" in r.data and b"bad@x" in r.data
    garbage = client.post(f"/staff/spaces/{space}/import", data={"file": (io.BytesIO(b"nope"), "h.ics")}, content_type="multipart/form-data")
    assert garbage.status_code == 400 and b'role="alert"' in garbage.data
    empty = client.post(f"/staff/spaces/{space}/import", data={}, content_type="multipart/form-data")
    assert empty.status_code == 422 and b"Choose an .ics file" in empty.data
    # a member is refused
    other = app.test_client()
    _login(other, "riikka@example.fi")
    assert other.get(f"/staff/spaces/{space}/import").status_code == 403


def test_the_import_page_needs_the_csrf_token(world, app, monkeypatch):
    space, group, rep, staff, facility = world
    client = app.test_client()
    with app.app_context():
        from commons.extensions import db
        from commons.models import User

        email = db.session.get(User, staff.user_id).email
    _login(client, email)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    d = next_weekday(4, 2)
    data = ics(vevent("p@x", f"DTSTART;VALUE=DATE:{ymd(d)}", "SUMMARY:Staff day"))
    r = client.post(f"/staff/spaces/{space}/import", data={"file": (io.BytesIO(data), "h.ics")}, content_type="multipart/form-data")
    assert r.status_code == 400  # refused before anything is read
    assert staff.get(f"/spaces/{space}/closures").get_json() == []


def test_a_rule_that_repeats_too_often_is_skipped_quickly(world):
    space, group, rep, staff, _ = world
    d = next_weekday(0, 2)
    data = ics(vevent("minutely@x", f"DTSTART:{ymd(d)}T100000Z", f"DTEND:{ymd(d)}T100100Z", "RRULE:FREQ=MINUTELY", "SUMMARY:Spam"),
               vevent("daily@x", f"DTSTART;VALUE=DATE:{ymd(d)}", "RRULE:FREQ=DAILY;COUNT=30", "SUMMARY:Month off"))
    out = post_ics(staff, space, data).get_json()
    assert out["imported"] == 30
    assert [s["uid"] for s in out["skipped"]] == ["minutely@x"] and "more than 1000" in out["skipped"][0]["reason"]
