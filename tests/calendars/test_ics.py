"""The pure builder: VTIMEZONEs for other zones read back by an independent reader (icalendar's
Timezone.to_tz), text escaping and folding, and series edge cases."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import icalendar
import pytest

from calendars import ics


@pytest.mark.parametrize("tzid", ["Europe/Helsinki", "America/New_York", "Australia/Sydney", "Asia/Tokyo", "America/Sao_Paulo", "Asia/Tehran", "UTC"])
def test_vtimezone_matches_zoneinfo(tzid):
    text = "\r\n".join(["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:x"] + ics.vtimezone(tzid, 2026, 2028) + ["END:VCALENDAR", ""])
    [vtz] = icalendar.Calendar.from_ical(text).walk("VTIMEZONE")
    theirs = vtz.to_tz()  # icalendar builds a tzinfo from the VTIMEZONE's own rules
    ours = ZoneInfo(tzid)
    t = datetime(2026, 1, 1, tzinfo=timezone.utc)
    while t < datetime(2028, 12, 31, tzinfo=timezone.utc):
        assert t.astimezone(theirs).utcoffset() == t.astimezone(ours).utcoffset(), (tzid, t)
        t += timedelta(hours=7)


def test_fold_and_escape():
    line = ics.text_prop("SUMMARY", "Äiti; isä, lapset\\ja\nrivit " + "ö" * 80)
    for part in line.encode().split(b"\r\n"):
        assert len(part) <= 75
        part.decode()
    assert line.replace("\r\n ", "").startswith("SUMMARY:Äiti\\; isä\\, lapset\\\\ja\\nrivit ")
    assert ics.text_prop("SUMMARY", "a\x00b\x07c\x7f") == "SUMMARY:abc"  # no control characters


def test_a_series_whose_rule_cannot_be_read_falls_back_to_single_events():
    now = datetime(2027, 1, 4, 16, 0, tzinfo=timezone.utc)
    items = [
        ics.Item(id=i, series_id=7, summary="X", status="confirmed", start=now + timedelta(days=7 * i), end=now + timedelta(days=7 * i, hours=1),
                 tz="Europe/Helsinki", sequence=0, created=now, updated=now)
        for i in range(3)
    ]
    body = ics.build_calendar(ics.CalendarInfo(name="n", domain="d"), items, {7: "FREQ=NONSENSE"})
    events = list(icalendar.Calendar.from_ical(body).walk("VEVENT"))
    assert sorted(str(e["UID"]) for e in events) == ["booking-0@d", "booking-1@d", "booking-2@d"]
    assert b"NONSENSE" not in body and b"RRULE:FREQ=YEARLY" in body  # only the VTIMEZONE's rules


def test_the_same_input_gives_the_same_bytes():
    now = datetime(2027, 1, 4, 16, 0, tzinfo=timezone.utc)
    items = [ics.Item(id=1, series_id=None, summary="X", status="pending", start=now, end=now + timedelta(hours=1),
                      tz="Europe/Helsinki", sequence=0, created=now, updated=now)]
    one = ics.build_calendar(ics.CalendarInfo(name="n", domain="d"), items)
    two = ics.build_calendar(ics.CalendarInfo(name="n", domain="d"), list(reversed(items)))
    assert one == two and b"STATUS:TENTATIVE" in one and b"DTSTAMP:20270104T160000Z" in one
