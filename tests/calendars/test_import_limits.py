""".ics import limits (docs/security.md "Limits"): its own size limit (512 KB, ICS_IMPORT_MAX_BYTES), events and
closures per import, and hostile files (deep nesting, rules that would walk for hours, thousands of
VTIMEZONEs) that answer with a 4xx or a skipped event at once, never a 500 and never a half import."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from calendars import imports
from tests.calendars.test_import import _login, ics, post_ics, vevent, ymd
from tests.conftest import next_weekday


def closure_count(api, space) -> int:
    return len(api.get(f"/spaces/{space}/closures").get_json())


def day_events(n: int, first=None) -> list[str]:
    first = first or next_weekday(0, 2)
    return [vevent(f"e{i}@x", f"DTSTART;VALUE=DATE:{ymd(first + timedelta(days=i % 300))}", f"SUMMARY:Day {i}") for i in range(n)]


def vtimezones(n: int) -> str:
    return "".join(
        f"BEGIN:VTIMEZONE\r\nTZID:Zone{i}\r\nBEGIN:STANDARD\r\nDTSTART:19700101T000000\r\n"
        "TZOFFSETFROM:+0200\r\nTZOFFSETTO:+0200\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n"
        for i in range(n)
    )


def test_a_file_over_512_kb_is_a_413_though_the_request_is_under_1_mb(world):
    space, group, rep, staff, _ = world
    data = ics(vevent("big@x", f"DTSTART;VALUE=DATE:{ymd(next_weekday(0, 2))}", "DESCRIPTION:" + "x" * (600 * 1024)))
    assert 512 * 1024 < len(data) < 1024 * 1024
    r = post_ics(staff, space, data)
    assert r.status_code == 413, r.get_json()
    err = r.get_json()["error"]
    assert err["code"] == "too_large" and "512 KB" in err["message"] and err["limit"] == 512 * 1024
    assert closure_count(staff, space) == 0


def test_the_size_limit_is_configurable(world, app, monkeypatch):
    space, group, rep, staff, _ = world
    data = ics(*day_events(3))
    monkeypatch.setitem(app.config, "ICS_IMPORT_MAX_BYTES", len(data) - 1)
    r = post_ics(staff, space, data)
    assert r.status_code == 413 and r.get_json()["error"]["limit"] == len(data) - 1
    monkeypatch.setitem(app.config, "ICS_IMPORT_MAX_BYTES", len(data))
    assert post_ics(staff, space, data).status_code == 200


def test_over_1000_events_is_a_422_and_nothing_is_imported(world):
    space, group, rep, staff, _ = world
    r = post_ics(staff, space, ics(*day_events(imports.MAX_EVENTS + 1)))
    assert r.status_code == 422, r.get_json()
    err = r.get_json()["error"]
    assert err["code"] == "too_many_events" and err["found"] == imports.MAX_EVENTS + 1 and err["limit"] == imports.MAX_EVENTS
    assert "split the file" in err["message"]
    assert closure_count(staff, space) == 0
    assert post_ics(staff, space, ics(*day_events(imports.MAX_EVENTS))).status_code == 200  # the limit itself is fine


def test_a_folded_begin_line_does_not_slip_past_the_event_count(world, app, monkeypatch):
    """The raw-line count is a fast first look; the parsed file is counted again."""
    space, group, rep, staff, _ = world
    monkeypatch.setitem(app.config, "ICS_IMPORT_MAX_EVENTS", 2)
    folded = [e.replace("BEGIN:VEVENT\r\n", "BEGIN:VEV\r\n ENT\r\n") for e in day_events(3)]
    r = post_ics(staff, space, ics(*folded))
    assert r.status_code == 422 and r.get_json()["error"]["code"] == "too_many_events"


def test_more_closures_than_one_import_makes_is_a_422_and_nothing_is_imported(world, app, monkeypatch):
    space, group, rep, staff, _ = world
    monkeypatch.setitem(app.config, "ICS_IMPORT_MAX_CLOSURES", 5)
    d = next_weekday(0, 2)
    daily = vevent("daily@x", f"DTSTART;VALUE=DATE:{ymd(d)}", "RRULE:FREQ=DAILY;COUNT=6", "SUMMARY:Every day")
    r = post_ics(staff, space, ics(daily))
    assert r.status_code == 422 and r.get_json()["error"]["code"] == "too_many_closures"
    assert closure_count(staff, space) == 0
    five = vevent("daily@x", f"DTSTART;VALUE=DATE:{ymd(d)}", "RRULE:FREQ=DAILY;COUNT=5", "SUMMARY:Every day")
    assert post_ics(staff, space, ics(five)).get_json()["imported"] == 5


def test_thousands_of_vtimezones_are_a_422(world):
    space, group, rep, staff, _ = world
    r = post_ics(staff, space, ics(*day_events(1), head=vtimezones(3000)))
    assert r.status_code == 422 and r.get_json()["error"]["code"] == "too_many_timezones"
    assert r.get_json()["error"]["found"] == 3000
    assert post_ics(staff, space, ics(*day_events(1), head=vtimezones(imports.MAX_TIMEZONES))).status_code == 200


def test_deeply_nested_components_are_a_400(world):
    space, group, rep, staff, _ = world
    deep = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\n" + b"BEGIN:VEVENT\r\n" * 20000 + b"END:VEVENT\r\n" * 20000 + b"END:VCALENDAR\r\n"
    r = post_ics(staff, space, deep)
    assert r.status_code == 400 and r.get_json()["error"]["code"] == "bad_calendar"
    assert "nests" in r.get_json()["error"]["message"]


@pytest.mark.parametrize(
    "rule",
    [
        ("DTSTART:19000101T000000Z", "DTEND:19000101T000001Z", "RRULE:FREQ=SECONDLY;COUNT=2000000000"),
        ("DTSTART:20000101T000000Z", "DTEND:20000101T000100Z", "RRULE:FREQ=MINUTELY"),
        ("DTSTART:19700101T000000Z", "DTEND:19700101T000100Z", "RRULE:FREQ=DAILY;BYHOUR=0,1,2,3,4,5,6,7,8,9,10,11;BYMINUTE=0,5,10,15,20,25,30,35,40,45,50,55"),
    ],
    ids=["secondly-from-1900", "minutely-from-2000", "daily-by-minute-from-1970"],
)
def test_a_rule_that_would_walk_for_hours_is_skipped_with_the_reason(world, rule):
    """Without the step estimate these expand for hours (the test would not finish)."""
    space, group, rep, staff, _ = world
    d = next_weekday(0, 2)
    r = post_ics(staff, space, ics(vevent("walk@x", *rule), vevent("ok@x", f"DTSTART;VALUE=DATE:{ymd(d)}", "SUMMARY:Fine")))
    assert r.status_code == 200, r.get_json()
    out = r.get_json()
    assert out["imported"] == 1
    assert out["skipped"] == [{"uid": "walk@x", "reason": "it repeats too often over too long a time (e.g. every minute for years) to be worked out",
                               "code": "ics_repeats_too_often", "params": {}}]


def test_rules_that_are_cheap_to_walk_are_still_expanded():
    """The estimate refuses only long walks: a weekly rule from 1990, a huge COUNT of a daily rule
    starting in the window, and an hourly rule for a week are expanded as before."""
    tz = ZoneInfo("Europe/Helsinki")
    lo = datetime(2027, 1, 4, tzinfo=timezone.utc)
    hi = lo + timedelta(days=365)
    data = ics(
        vevent("weekly@x", "DTSTART:19900101T100000Z", "DTEND:19900101T110000Z", "RRULE:FREQ=WEEKLY"),
        vevent("daily@x", "DTSTART:20270110T100000Z", "DTEND:20270110T110000Z", "RRULE:FREQ=DAILY;COUNT=999999999"),
        vevent("hourly@x", "DTSTART:20270201T000000Z", "DTEND:20270201T003000Z", "RRULE:FREQ=HOURLY;COUNT=168"),
    )
    parsed = imports.parse(data, tz, lo, hi)
    by_uid: dict[str, int] = {}
    for c in parsed.closures:
        by_uid[c.uid] = by_uid.get(c.uid, 0) + 1
    assert by_uid == {"weekly@x": 53, "daily@x": 359, "hourly@x": 168}, parsed.skipped
    assert parsed.skipped == []


def test_the_staff_page_says_the_limits_in_the_page_language(world, app):
    space, group, rep, staff, _ = world
    client = app.test_client()
    from commons.extensions import db
    from commons.models import User

    with app.app_context():
        email = db.session.get(User, staff.user_id).email
    _login(client, email)
    fi = {"Accept-Language": "fi"}
    page = client.get(f"/staff/spaces/{space}/import", headers=fi)
    assert "Enintään 512 kt." in page.get_data(as_text=True)

    def upload(data: bytes):
        # built by hand: the test client would spool a large file to a temporary file nobody closes
        body = b'--zz\r\nContent-Disposition: form-data; name="file"; filename="h.ics"\r\n\r\n' + data + b"\r\n--zz--\r\n"
        return client.post(f"/staff/spaces/{space}/import", data=body, content_type="multipart/form-data; boundary=zz", headers=fi)

    r = upload(ics(*day_events(imports.MAX_EVENTS + 1)))
    assert r.status_code == 422
    assert "1001 tapahtumaa" in r.get_data(as_text=True) and 'role="alert"' in r.get_data(as_text=True)
    r = upload(ics(vevent("big@x", "DTSTART;VALUE=DATE:20270101", "DESCRIPTION:" + "x" * (600 * 1024))))
    assert r.status_code == 413 and "Tiedosto on liian suuri" in r.get_data(as_text=True)
    r = upload(ics(*day_events(1), head=vtimezones(60)))
    assert r.status_code == 422 and "60 aikavyöhykettä" in r.get_data(as_text=True)
    assert closure_count(staff, space) == 0
