"""The .ics import against files that made a worker compute for hours (issue 23, item 3): time zones
(VTIMEZONE) whose STANDARD/DAYLIGHT rules repeat every second from 1900, many or smuggled ones, a
zone looked up thousands of times, recurring events that took seconds each, an INTERVAL=0 rule;
and the import's reading happens before its write transaction, so nobody else's write waits for a
file. docs/security.md "Limits".

Before the fix these files ran for hours (or tens of seconds): `at_most` ends such a run with an
error instead of letting the test hang. It is a guard, not a measurement: the fixed code answers in
milliseconds, the guard allows 20 seconds."""
from __future__ import annotations

import signal
import threading
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import delete, update

from calendars import imports
from commons.extensions import db
from commons.models import FacilityStaff, User
from spaces.models import Space
from tests.calendars.test_import import _login, ics, post_ics, vevent, ymd
from tests.calendars.test_import_limits import closure_count
from tests.conftest import HELSINKI, local, next_dst_end, next_dst_start, next_weekday

GUARD_SECONDS = 20
# A fixed window for the pure function (any dates do: nothing here depends on today).
LO = datetime(2027, 1, 4, tzinfo=timezone.utc)
HI = LO + timedelta(days=365)


@contextmanager
def at_most(seconds: float = GUARD_SECONDS):
    def stop(signum, frame):
        raise TimeoutError(f"still working after {seconds} s: the file is not bounded")

    old = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def vtimezone(tzid: str, standard: str | None = "FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10",
              daylight: str | None = "FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3", start: str = "1601",
              offsets: tuple[str, str] = ("+0200", "+0300")) -> str:
    """A VTIMEZONE as Outlook writes one (rules from 1601): EET/EEST by default, the rules given.
    A rule of None: that part has no RRULE."""
    std, dst = offsets
    parts = [
        ("STANDARD", f"{start}1028T040000", dst, std, standard),
        ("DAYLIGHT", f"{start}0325T030000", std, dst, daylight),
    ]
    out = f"BEGIN:VTIMEZONE\r\nTZID:{tzid}\r\n"
    for name, start_at, offset_from, offset_to, rule in parts:
        out += f"BEGIN:{name}\r\nDTSTART:{start_at}\r\nTZOFFSETFROM:{offset_from}\r\nTZOFFSETTO:{offset_to}\r\n"
        out += f"RRULE:{rule}\r\n" if rule else ""
        out += f"END:{name}\r\n"
    return out + "END:VTIMEZONE\r\n"


def fixed_zone(tzid: str, offset: str) -> str:
    return (f"BEGIN:VTIMEZONE\r\nTZID:{tzid}\r\nBEGIN:STANDARD\r\nDTSTART:19700101T000000\r\n"
            f"TZOFFSETFROM:{offset}\r\nTZOFFSETTO:{offset}\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n")


def zoned_event(uid: str, tzid: str, day: date, *lines: str, hours=("100000", "120000")) -> str:
    return vevent(uid, f"DTSTART;TZID={tzid}:{ymd(day)}T{hours[0]}", f"DTEND;TZID={tzid}:{ymd(day)}T{hours[1]}", *lines)


def starts(parsed: imports.Parsed) -> list[datetime]:
    return sorted(c.start for c in parsed.closures)


def at_ten(day: date, zone=HELSINKI) -> datetime:
    return datetime.combine(day, time(10), tzinfo=zone).astimezone(timezone.utc)


# --- Hostile time zones: refused at once, with a code, nothing imported ---------------------------------


@pytest.mark.parametrize("freq", ["SECONDLY", "MINUTELY", "HOURLY"])
@pytest.mark.parametrize("tzid", ["Custom", "W. Europe Standard Time", "Europe/Helsinki"])
def test_a_time_zone_changing_every_second_from_1900_is_refused_at_once(world, freq, tzid):
    """The attack of the issue: STANDARD and DAYLIGHT rules with FREQ=SECONDLY from 1900 grew the
    worker by 120 MB every 6 s until gunicorn killed it. Refused whatever the zone is called (icalendar
    builds a zone of its own for any TZID that is no IANA name; "Europe/Helsinki" it would not build,
    but a file with such rules is refused all the same)."""
    space, group, rep, staff, _ = world
    d = next_weekday(0, 2)
    zone = vtimezone(tzid, f"FREQ={freq};COUNT=2000000000", f"FREQ={freq}", start="1900")
    with at_most():
        r = post_ics(staff, space, ics(zoned_event("a@x", tzid, d, "SUMMARY:Closed"), head=zone))
    assert r.status_code == 422, r.get_json()
    err = r.get_json()["error"]
    assert err["code"] == "bad_timezone" and err["reason"] == "ics_timezone_not_yearly"
    assert err["params"] == {"tzid": tzid, "freq": freq}
    assert err["freq"] == freq and err["tzid"] == tzid
    assert f"FREQ={freq}" in err["message"] and "FREQ=YEARLY" in err["message"]
    assert closure_count(staff, space) == 0


@pytest.mark.parametrize(
    "zone, reason",
    [
        # a yearly rule that still names every second of every Sunday in October: 31 million dates a year
        (vtimezone("Z", "FREQ=YEARLY;BYMONTH=10;BYDAY=SU;BYHOUR=" + ",".join(map(str, range(24)))
                   + ";BYMINUTE=" + ",".join(map(str, range(60))) + ";BYSECOND=" + ",".join(map(str, range(60)))), "ics_timezone_too_many_changes"),
        # yearly every day of the year from 1601
        (vtimezone("Z", "FREQ=YEARLY;BYYEARDAY=" + ",".join(map(str, range(1, 367)))), "ics_timezone_too_many_changes"),
        # 50 zones (the most a file may have), each an Outlook zone from 1601: 43 000 changes
        ("".join(vtimezone(f"Zone {i}") for i in range(50)), "ics_timezone_too_many_changes"),
        # dateutil takes INTERVAL=0 and never moves on
        (vtimezone("Z", "FREQ=YEARLY;INTERVAL=0"), "ics_timezone_unreadable"),
        # the last FREQ is the one icalendar keeps
        (vtimezone("Z", "FREQ=YEARLY;BYMONTH=10;FREQ=SECONDLY"), "ics_timezone_not_yearly"),
        # an EXRULE is walked alongside the rule
        (vtimezone("Z").replace("END:STANDARD", "EXRULE:FREQ=SECONDLY\r\nEND:STANDARD"), "ics_timezone_not_yearly"),
        # smuggled: an event closed by END:VTIMEZONE, holding a zone, becomes a zone for icalendar
        ("BEGIN:VEVENT\r\nUID:s@x\r\nTZID:Z\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:20270105T100000Z\r\n"
         + vtimezone("Z", "FREQ=SECONDLY", "FREQ=SECONDLY", start="1900") + "END:VTIMEZONE\r\n", "ics_timezone_not_yearly"),
    ],
    ids=["by-second-every-october-sunday", "every-day-of-the-year", "fifty-outlook-zones", "interval-0",
         "second-freq-wins", "exrule-secondly", "smuggled-in-an-event"],
)
def test_time_zones_that_would_take_long_are_refused_with_the_reason(world, zone, reason):
    space, group, rep, staff, _ = world
    d = next_weekday(0, 2)
    with at_most():
        r = post_ics(staff, space, ics(zoned_event("a@x", "Z", d, "SUMMARY:Closed"), head=zone))
    assert r.status_code == 422, r.get_json()
    err = r.get_json()["error"]
    assert err["code"] == "bad_timezone" and err["reason"] == reason, err
    assert err["params"]["tzid"] == err["tzid"] and err["tzid"].startswith("Z")  # the zone that went over
    if reason == "ics_timezone_too_many_changes":
        assert err["found"] > err["limit"] == imports.MAX_ZONE_STEPS
        assert (err["params"]["found"], err["params"]["limit"]) == (err["found"], err["limit"])
    assert closure_count(staff, space) == 0


def test_ordinary_time_zones_are_still_used():
    """Outlook's zones from 1601 (a huge COUNT changes nothing: yearly), five of them, and a zone
    without rules: all within the bounds."""
    zones = "".join(vtimezone(f"Zone {i}") for i in range(4))
    zones += vtimezone("Counted", "FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10;COUNT=2000000000")
    zones += fixed_zone("Fixed", "+0500")
    day = date(2027, 7, 5)
    data = ics(zoned_event("a@x", "Zone 3", day), zoned_event("b@x", "Counted", day + timedelta(days=1)),
               zoned_event("c@x", "Fixed", day + timedelta(days=2)), head=zones)
    with at_most():
        parsed = imports.parse(data, HELSINKI, LO, HI)
    assert parsed.skipped == []
    assert starts(parsed) == [at_ten(day), at_ten(day + timedelta(days=1)),
                              datetime.combine(day + timedelta(days=2), time(5), tzinfo=timezone.utc)]


def test_a_custom_zone_follows_its_rules_across_both_clock_changes(world):
    """A zone the file defines (Outlook's "Customized Time Zone", the EU rules of Helsinki from 1601):
    10:00 there is 10:00 in Helsinki in winter and in summer, and a weekly series keeps 10:00 across
    the spring and the autumn change."""
    space, group, rep, staff, _ = world
    tzid = "Customized Time Zone"
    spring = next_dst_start(next_weekday(0, 2)) - timedelta(days=13)  # a Monday two weeks before
    autumn = next_dst_end(next_weekday(0, 2)) - timedelta(days=13)
    data = ics(
        zoned_event("spring@x", tzid, spring, "RRULE:FREQ=WEEKLY;COUNT=4", "SUMMARY:Spring"),
        zoned_event("autumn@x", tzid, autumn, "RRULE:FREQ=WEEKLY;COUNT=4", "SUMMARY:Autumn"),
        head=vtimezone(tzid),
    )
    r = post_ics(staff, space, data)
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["imported"] == 8
    got = sorted(datetime.fromisoformat(c["start"]).astimezone(timezone.utc) for c in staff.get(f"/spaces/{space}/closures").get_json())
    expected = sorted(at_ten(first + timedelta(weeks=k)) for first in (spring, autumn) for k in range(4))
    assert got == expected
    assert len({t.astimezone(HELSINKI).hour for t in got}) == 1


def test_a_zone_one_file_defines_is_not_remembered_for_the_next_file():
    """icalendar keeps the zones it builds in one cache per process: the first file to define
    "Office" decided what "Office" meant in every later import of that worker."""
    day = date(2027, 7, 5)
    first = imports.parse(ics(zoned_event("a@x", "Office", day), head=fixed_zone("Office", "+0200")), HELSINKI, LO, HI)
    second = imports.parse(ics(zoned_event("a@x", "Office", day), head=fixed_zone("Office", "+0500")), HELSINKI, LO, HI)
    assert starts(first) == [datetime.combine(day, time(8), tzinfo=timezone.utc)]
    assert starts(second) == [datetime.combine(day, time(5), tzinfo=timezone.utc)]


@pytest.mark.parametrize("tzid", ["FLE Standard Time", "/freeassociation.sourceforge.net/Europe/Kyiv"])
def test_a_zone_named_after_a_known_zone_is_that_zone(tzid):
    """Outlook's Windows names and the "globally unique" /vendor/Area/City names mean an IANA zone
    (as icalendar reads them when the file has no VTIMEZONE): the file's own rules, here a fixed
    +05:00, are not used."""
    day = date(2027, 7, 5)
    parsed = imports.parse(ics(zoned_event("a@x", tzid, day), head=fixed_zone(tzid, "+0500")), HELSINKI, LO, HI)
    assert starts(parsed) == [at_ten(day, ZoneInfo("Europe/Kyiv"))]


def test_thousands_of_times_in_a_custom_zone_are_looked_up_quickly():
    """tzical walked the zone's rules from 1601 on each look-up: 30 000 dates in the year 9000 took
    48 s. The changes are now worked out once (up to a year after the window) and bisected."""
    tzid = "Office"
    far = ",".join(ymd(date(9000, 1, 1) + timedelta(days=i)) + "T100000" for i in range(30_000))
    day = date(2027, 7, 5)
    data = ics(zoned_event("a@x", tzid, day, f"RDATE;TZID={tzid}:{far}"), head=vtimezone(tzid))
    assert len(data) < 512 * 1024
    with at_most():
        parsed = imports.parse(data, HELSINKI, LO, HI)
    assert starts(parsed) == [at_ten(day)]


def zone_of_parts(tzid: str, n: int) -> str:
    """A zone with n STANDARD parts, a change of offset every month from 1700."""
    parts = "".join(f"BEGIN:STANDARD\r\nDTSTART:{1700 + i // 12:04d}{1 + i % 12:02d}01T000000\r\nTZOFFSETFROM:+0200\r\n"
                    f"TZOFFSETTO:+0{2 + i % 2}00\r\nEND:STANDARD\r\n" for i in range(n))
    return f"BEGIN:VTIMEZONE\r\nTZID:{tzid}\r\n{parts}END:VTIMEZONE\r\n"


def test_a_zone_with_thousands_of_parts_is_refused(world):
    """Every look-up of a time asks each STANDARD/DAYLIGHT part of its zone: 2500 parts and 15 000
    EXDATEs in that zone took 17 s. A zone the file defines has at most MAX_ZONE_PARTS."""
    space, group, rep, staff, _ = world
    excluded = ",".join(ymd(date(2040, 1, 1) + timedelta(days=i)) + "T100000" for i in range(15_000))
    d = next_weekday(0, 2)
    with at_most():
        r = post_ics(staff, space, ics(zoned_event("a@x", "Many", d, f"EXDATE;TZID=Many:{excluded}"), head=zone_of_parts("Many", 2500)))
    assert r.status_code == 422, r.get_json()
    err = r.get_json()["error"]
    assert (err["code"], err["reason"], err["found"], err["limit"]) == ("bad_timezone", "ics_timezone_too_many_parts", 2500, imports.MAX_ZONE_PARTS)
    assert err["params"] == {"tzid": "Many", "found": 2500, "limit": imports.MAX_ZONE_PARTS}
    assert closure_count(staff, space) == 0
    r = post_ics(staff, space, ics(zoned_event("a@x", "Many", d), head=zone_of_parts("Many", imports.MAX_ZONE_PARTS)))
    assert r.status_code == 200 and r.get_json()["imported"] == 1, r.get_json()


# --- Recurring events ---------------------------------------------------------------------------------


def test_many_hourly_events_are_skipped_without_being_expanded():
    """recurring-ical-events' after() walked each rule again from its DTSTART for each of its growing
    time spans: an hourly event took two seconds to reach 1001 dates, 60 of them two minutes. The
    dates are now counted first (dateutil alone) and an event with too many is not expanded."""
    events = [vevent(f"h{i}@x", "DTSTART:20270201T000000Z", "DTEND:20270201T003000Z", "RRULE:FREQ=HOURLY") for i in range(60)]
    with at_most():
        parsed = imports.parse(ics(*events), HELSINKI, LO, HI)
    assert parsed.closures == []
    assert {(s.code, s.params["max_dates"]) for s in parsed.skipped} == {("ics_too_many_dates", imports.MAX_DATES_PER_EVENT)}
    assert {s.reason for s in parsed.skipped} == {f"it repeats more than {imports.MAX_DATES_PER_EVENT} times in the import window"}
    assert len(parsed.skipped) == 60


def test_dates_counted_near_the_window_edges_are_expanded_exactly():
    """The count before the expansion reads wall-clock times two days beyond each edge; the expansion
    decides: 1000 hourly dates inside the window are imported, 1001 are not."""
    start = LO + timedelta(days=100)
    stamp = start.strftime("%Y%m%dT%H%M%SZ")
    for count, imported in ((1000, 1000), (1001, 0)):
        data = ics(vevent("h@x", f"DTSTART:{stamp}", "DTEND:" + (start + timedelta(minutes=30)).strftime("%Y%m%dT%H%M%SZ"),
                          f"RRULE:FREQ=HOURLY;COUNT={count}"))
        parsed = imports.parse(data, HELSINKI, LO, HI, max_closures=5000)
        assert len(parsed.closures) == imported, parsed.skipped
    # and the window's end is where it was: the dates of an hourly rule over the end are cut there
    stamp = (HI - timedelta(hours=10)).strftime("%Y%m%dT%H%M%SZ")
    parsed = imports.parse(ics(vevent("end@x", f"DTSTART:{stamp}", "DURATION:PT30M", "RRULE:FREQ=HOURLY;COUNT=40")), HELSINKI, LO, HI)
    assert len(parsed.closures) == 10 and max(starts(parsed)) < HI


def test_an_event_rule_with_interval_0_is_skipped_with_the_reason(world):
    """dateutil takes INTERVAL=0 and never moves on: the import never ended."""
    space, group, rep, staff, _ = world
    d = next_weekday(0, 2)
    data = ics(vevent("zero@x", f"DTSTART:{ymd(d)}T100000Z", f"DTEND:{ymd(d)}T110000Z", "RRULE:FREQ=DAILY;INTERVAL=0"),
               vevent("ok@x", f"DTSTART;VALUE=DATE:{ymd(d)}", "SUMMARY:Fine"))
    with at_most():
        r = post_ics(staff, space, data)
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["imported"] == 1
    assert r.get_json()["skipped"] == [{"uid": "zero@x", "code": "ics_interval_not_whole", "params": {"interval": "0"},
                                        "reason": "its rule's INTERVAL=0 is not a whole number of at least 1"}]


def test_recurring_events_that_together_walk_too_long_are_a_422(world):
    """Each of 300 hourly events is bounded; together they would walk over a million steps."""
    space, group, rep, staff, _ = world
    d = next_weekday(0, 2)
    events = [vevent(f"h{i}@x", f"DTSTART:{ymd(d)}T000000Z", f"DTEND:{ymd(d)}T003000Z", "RRULE:FREQ=HOURLY") for i in range(300)]
    with at_most():
        r = post_ics(staff, space, ics(*events))
    assert r.status_code == 422, r.get_json()
    err = r.get_json()["error"]
    assert err["code"] == "too_complex" and err["reason"] == "ics_too_complex"
    assert err["found"] > err["limit"] == imports.MAX_FILE_RULE_STEPS
    assert err["params"] == {"found": err["found"], "limit": err["limit"]}
    assert closure_count(staff, space) == 0


# --- Read before the write transaction ------------------------------------------------------------------


def test_the_file_is_read_before_the_write_transaction_and_others_write_meanwhile(world, app, monkeypatch):
    """While the file is being read no write transaction is open: another client's booking goes
    through in the middle of it (on SQLite the import held the database's write lock for as long as
    the reading took, 27 s in the issue)."""
    space, group, rep, staff, _ = world
    from commons import db as commons_db

    real_parse = imports.parse
    seen = {}

    def parse_while_someone_books(*args, **kwargs):
        seen["in_write_transaction"] = commons_db._immediate.get()
        answer = {}

        def book():
            day = next_weekday(2)
            answer["r"] = rep.post("/bookings", {"space_id": space, "group_id": group, "title": "Choir",
                                                 "start": local(day, "18:00"), "end": local(day, "20:00")})

        other = threading.Thread(target=book)
        other.start()
        other.join(timeout=120)
        seen["booking"] = answer.get("r")
        return real_parse(*args, **kwargs)

    monkeypatch.setattr(imports, "parse", parse_while_someone_books)
    d = next_weekday(0, 2)
    r = post_ics(staff, space, ics(vevent("a@x", f"DTSTART;VALUE=DATE:{ymd(d)}", "SUMMARY:Closed")))
    assert r.status_code == 200, r.get_json()
    assert seen["in_write_transaction"] is False
    assert seen["booking"] is not None and seen["booking"].status_code == 201, seen["booking"] and seen["booking"].get_json()
    assert r.get_json()["imported"] == 1


@pytest.mark.parametrize("change, status, code, reason", [("timezone", 409, "space_changed", "import_space_changed"),
                                                          ("staff", 403, "forbidden", "import_staff_only")])
def test_what_changes_while_the_file_is_read_is_checked_again_in_the_transaction(world, app, monkeypatch, change, status,
                                                                                 code, reason):
    """The closures are written with the rights and the space of the moment they are written."""
    space, group, rep, staff, facility = world
    real_parse = imports.parse

    def parse_and_change(*args, **kwargs):
        with db.engine.begin() as conn:  # another connection: someone else's committed change
            if change == "timezone":
                conn.execute(update(Space).where(Space.id == space).values(timezone="Europe/Stockholm"))
            else:
                conn.execute(delete(FacilityStaff).where(FacilityStaff.user_id == staff.user_id))
        return real_parse(*args, **kwargs)

    monkeypatch.setattr(imports, "parse", parse_and_change)
    d = next_weekday(0, 2)
    r = post_ics(staff, space, ics(vevent("a@x", f"DTSTART;VALUE=DATE:{ymd(d)}", "SUMMARY:Closed")))
    assert r.status_code == status, r.get_json()
    assert (r.get_json()["error"]["code"], r.get_json()["error"]["reason"]) == (code, reason)
    with app.app_context():
        from spaces.models import Closure

        assert db.session.query(Closure).count() == 0


# --- The page -------------------------------------------------------------------------------------------


def test_the_staff_page_says_a_refused_time_zone_in_the_page_language(world, app):
    space, group, rep, staff, _ = world
    client = app.test_client()
    with app.app_context():
        email = db.session.get(User, staff.user_id).email
    _login(client, email)
    d = next_weekday(0, 2)

    def upload(data: bytes, lang: str):
        body = b'--zz\r\nContent-Disposition: form-data; name="file"; filename="h.ics"\r\n\r\n' + data + b"\r\n--zz--\r\n"
        return client.post(f"/staff/spaces/{space}/import", data=body, content_type="multipart/form-data; boundary=zz",
                           headers={"Accept-Language": lang})

    hostile = ics(zoned_event("a@x", "Office", d), head=vtimezone("Office", "FREQ=SECONDLY", "FREQ=SECONDLY", start="1900"))
    with at_most():
        r = upload(hostile, "fi")
    assert r.status_code == 422
    page = r.get_data(as_text=True)
    assert "Aikavyöhyke Office toistaa vaihdostaan säännöllä FREQ=SECONDLY" in page and 'role="alert"' in page
    r = upload(ics(zoned_event("a@x", "Z", d), head="".join(vtimezone(f"Zone {i}") for i in range(50))), "sv")
    assert r.status_code == 422 and "har fler byten än en import räknar ut" in r.get_data(as_text=True)
    r = upload(ics(zoned_event("a@x", "Many", d), head=zone_of_parts("Many", 60)), "fi")
    assert r.status_code == 422 and "Aikavyöhykkeessä Many on 60 osaa (STANDARD ja DAYLIGHT); enintään 50." in r.get_data(as_text=True)
    events = [vevent(f"h{i}@x", f"DTSTART:{ymd(d)}T000000Z", f"DTEND:{ymd(d)}T003000Z", "RRULE:FREQ=HOURLY") for i in range(300)]
    r = upload(ics(*events), "en")
    assert r.status_code == 422 and "together take too long to work out" in r.get_data(as_text=True)
    r = upload(ics(*events), "sv")
    assert r.status_code == 422 and "Det skulle ta för lång tid att räkna ut filens återkommande händelser" in r.get_data(as_text=True)
    assert closure_count(staff, space) == 0
    zero = vevent("zero@x", f"DTSTART:{ymd(d)}T100000Z", f"DTEND:{ymd(d)}T110000Z", "RRULE:FREQ=DAILY;INTERVAL=0")
    r = upload(ics(zero), "fi")
    assert r.status_code == 200 and "sen säännön INTERVAL=0 ei ole kokonaisluku, joka on vähintään 1" in r.get_data(as_text=True)
