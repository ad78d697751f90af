"""Our feeds as independent parsers read them: Mozilla's ical.js (Thunderbird's engine, run with
node), recurring-ical-events (on the icalendar package, time zones from zoneinfo) and vobject (which
builds its time zones from our VTIMEZONE). Every one of them must expand our feeds to exactly the
bookings in the database: weekly series across both clock changes, a cancelled date (EXDATE), a moved
date (RECURRENCE-ID), pending (TENTATIVE) and cancelled single bookings, all-day and timed closures."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from tests.calendars.conftest import as_pairs, book, ical_js, recurring_ical_events_occurrences, soon, vobject_occurrences
from tests.conftest import HELSINKI, local, next_dst_end, next_dst_start

LO = datetime(2000, 1, 1, tzinfo=timezone.utc)
HI = datetime(2100, 1, 1, tzinfo=timezone.utc)


def _utc(text: str) -> str:
    return datetime.fromisoformat(text).astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture
def scene(world, make_user, make_group):
    space, group, rep, staff, facility = world
    autumn = next_dst_end(soon(30)) - timedelta(days=19)  # a Tuesday three weeks before the clocks go back
    autumn -= timedelta(days=(autumn.weekday() - 1) % 7)
    spring = next_dst_start(soon(30)) - timedelta(days=17)
    spring -= timedelta(days=(spring.weekday() - 3) % 7)  # a Thursday
    a = book(rep, space, group, local(autumn, "18:00"), local(autumn, "20:00"), title="Choir", rrule="FREQ=WEEKLY;COUNT=6", public_title=True)
    b = book(rep, space, group, local(spring, "17:00"), local(spring, "19:00"), title="Board, meeting; notes\\here", rrule="FREQ=WEEKLY;COUNT=6")
    # one date of the autumn series cancelled, one date of the spring series moved (after the change)
    assert rep.post(f"/bookings/{a['occurrences'][2]['id']}/cancel", {"scope": "one"}).status_code == 200
    moved = b["occurrences"][4]
    start = datetime.fromisoformat(moved["start"]).astimezone(HELSINKI)
    r = rep.patch(f"/bookings/{moved['id']}", {"start": local(start.date(), "19:30"), "end": local(start.date(), "21:00")})
    assert r.status_code == 200, r.get_json()
    # a single booking, and another one cancelled
    single_day = spring + timedelta(days=1)
    book(rep, space, group, local(single_day, "10:00"), local(single_day, "12:00"), title="Yarn swap")
    gone = book(rep, space, group, local(single_day, "13:00"), local(single_day, "14:00"), title="Gone")
    assert rep.post(f"/bookings/{gone['id']}/cancel").status_code == 200
    # another group, not verified: its request is pending (TENTATIVE)
    readers = make_group(name="Quiet Readers", verified=False)
    reader = make_user(groups=[readers])
    book(reader, space, readers, local(single_day, "15:00"), local(single_day, "16:30"), title="Reading circle")
    # its weekly requests, one date approved by the staff: a CONFIRMED override in a TENTATIVE series
    asked = book(reader, space, readers, local(spring, "10:00"), local(spring, "11:00"), title="Readers", rrule="FREQ=WEEKLY;COUNT=3")
    assert staff.post(f"/bookings/{asked['occurrences'][1]['id']}/approve").status_code == 200
    # closures: two whole days and an afternoon
    assert staff.post(f"/spaces/{space}/closures", {"start": local(spring + timedelta(days=3), "00:00"), "end": local(spring + timedelta(days=5), "00:00"), "reason": "Easter"}).status_code == 201
    assert staff.post(f"/spaces/{space}/closures", {"start": local(spring + timedelta(days=2), "12:00"), "end": local(spring + timedelta(days=2), "16:00"), "reason": "Floor, cleaning"}).status_code == 201
    return space, group, rep, staff


def _expected(api, **query) -> list[tuple[str, str, str]]:
    rows = api.get("/bookings", **query).get_json()
    status = {"confirmed": "CONFIRMED", "pending": "TENTATIVE"}
    return sorted((_utc(b["start"]), _utc(b["end"]), status[b["status"]]) for b in rows if b["status"] in status)


def _parsers(body: bytes, tmp_path) -> dict[str, list[dict]]:
    return {
        "ical.js": ical_js(body, tmp_path),
        "recurring-ical-events": recurring_ical_events_occurrences(body, LO, HI),
        "vobject": vobject_occurrences(body, HI),
    }


def test_the_public_feed_reads_the_same_in_every_parser(scene, client, tmp_path):
    space, group, rep, staff = scene
    body = client.get(f"/calendars/spaces/{space}.ics?lang=en").data
    text = body.decode()
    assert "RRULE:FREQ=WEEKLY" in text and "EXDATE;TZID=Europe/Helsinki:" in text
    assert "RECURRENCE-ID;TZID=Europe/Helsinki:" in text and "BEGIN:VTIMEZONE" in text
    expected = _expected(staff, space_id=space)
    assert len(expected) == 6 - 1 + 6 + 1 + 1 + 3  # series minus the cancelled date, the single, the requests
    for name, occurrences in _parsers(body, tmp_path).items():
        assert as_pairs(occurrences) == expected, name
        closures = sorted((o["start"], o["end"], o["summary"]) for o in occurrences if o["uid"].startswith("closure-"))
        assert len(closures) == 2, name
        assert sum(o["status"] == "CONFIRMED" for o in occurrences if o["uid"].startswith("series-3@")) == 1, name
        assert closures[0][2] == "Closed: Floor, cleaning" and closures[1][2] == "Closed: Easter", name
        assert {o["summary"] for o in occurrences if o["uid"].startswith(("booking-", "series-"))} == {"Choir", "Reserved"}, name


def test_the_group_feed_reads_the_same_in_every_parser(scene, client, tmp_path):
    space, group, rep, staff = scene
    [link] = rep.get("/feeds").get_json()
    body = client.get(link["url"]).data
    expected = _expected(rep, group_id=group)
    assert len(expected) == 12
    parsed = _parsers(body, tmp_path)
    for name, occurrences in parsed.items():
        assert as_pairs(occurrences) == expected, name
        assert {o["summary"] for o in occurrences} == {"Choir", "Board, meeting; notes\\here", "Yarn swap"}, name


def test_all_day_closures_are_whole_local_days_in_every_parser(scene, client, tmp_path):
    space = scene[0]
    body = client.get(f"/calendars/spaces/{space}.ics").data
    for name, occurrences in _parsers(body, tmp_path).items():
        easter = [o for o in occurrences if o["uid"].startswith("closure-") and len(o["start"]) == 10]
        assert len(easter) == 1, name
        start, end = easter[0]["start"], easter[0]["end"]
        assert (datetime.fromisoformat(end) - datetime.fromisoformat(start)).days == 2, name


def test_a_daily_series_through_the_spring_change_at_an_early_hour(world, client, tmp_path, make_space):
    """03:30 does not exist on the night the clocks go forward: that date is refused, and the feed
    must not let any parser invent it."""
    space, group, rep, staff, facility = world
    early = make_space(facility_id=facility, hours={d: [("00:00", "24:00")] for d in range(7)}, horizon_days=800)
    day = next_dst_start(soon(10)) - timedelta(days=2)
    r = rep.post("/bookings", {"space_id": early, "group_id": group, "title": "Night owls", "start": local(day, "03:30"),
                              "end": local(day, "04:30"), "rrule": "FREQ=DAILY;COUNT=5", "on_conflict": "skip"})
    assert r.status_code == 201, r.get_json()
    assert len(r.get_json()["occurrences"]) == 4
    body = client.get(f"/calendars/spaces/{early}.ics").data
    expected = _expected(staff, space_id=early)
    for name, occurrences in _parsers(body, tmp_path).items():
        assert as_pairs(occurrences) == expected, name


def test_the_comparison_catches_a_wrong_vtimezone(scene, client, tmp_path):
    """The parsers that read our VTIMEZONE (ical.js, vobject) would disagree with the bookings if it
    were wrong: here its summer offset is made an hour off."""
    space, group, rep, staff = scene
    body = client.get(f"/calendars/spaces/{space}.ics").data
    broken = body.replace(b"TZOFFSETTO:+0300", b"TZOFFSETTO:+0400").replace(b"TZOFFSETFROM:+0300", b"TZOFFSETFROM:+0400")
    expected = _expected(staff, space_id=space)
    assert as_pairs(ical_js(broken, tmp_path)) != expected
    assert as_pairs(vobject_occurrences(broken, HI)) != expected


@pytest.mark.parametrize(
    "rrule",
    ["FREQ=WEEKLY;BYDAY=MO,WE;COUNT=7", "FREQ=WEEKLY;INTERVAL=2;UNTIL={until}", "FREQ=MONTHLY;BYDAY=2TU;COUNT=5",
     "FREQ=MONTHLY;BYMONTHDAY=31;COUNT=4", "FREQ=DAILY;INTERVAL=3;COUNT=9"],
)
def test_other_series_shapes_read_the_same_everywhere(world, client, tmp_path, rrule):
    """The dates the RRULE gives from the first booked date equal the booked ones, in every parser
    (also when the first requested date was skipped, and with UNTIL as a date)."""
    space, group, rep, staff, _ = world
    start = next_dst_start(soon(40)) - timedelta(days=30)
    start -= timedelta(days=start.weekday())  # a Monday
    blocker = book(rep, space, group, local(start, "18:00"), local(start, "19:00"), title="In the way")
    rrule = rrule.format(until=(start + timedelta(days=120)).strftime("%Y%m%d"))  # UNTIL as a date
    r = rep.post("/bookings", {"space_id": space, "group_id": group, "title": "Series", "start": local(start, "18:00"),
                              "end": local(start, "19:30"), "rrule": rrule, "on_conflict": "skip"})
    assert r.status_code == 201, r.get_json()
    assert rep.post(f"/bookings/{blocker['id']}/cancel").status_code == 200
    body = client.get(f"/calendars/spaces/{space}.ics").data
    expected = _expected(staff, space_id=space)
    assert len(expected) >= 3
    for name, occurrences in _parsers(body, tmp_path).items():
        assert as_pairs(occurrences) == expected, name
