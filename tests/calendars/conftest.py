"""Shared pieces of the calendars tests: a space with a group, its representative and staff, and
the parsers that read our feeds (none of them ours)."""
from __future__ import annotations

import json
import shutil
import subprocess
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NODE = shutil.which("node")
EXPAND_JS = Path(__file__).with_name("expand_ics.mjs")


@pytest.fixture
def world(make_user, make_group, make_space, make_facility):
    """(space id, group id, representative Api, staff Api, facility id)."""
    facility = make_facility()
    space = make_space(facility_id=facility, name="Hall", horizon_days=800)  # DST dates up to a year and more ahead
    group = make_group(name="Kallio Knitters")
    rep = make_user(groups=[group], name="Riikka Rep", email="riikka@example.fi")
    staff = make_user(role="staff", facilities=[facility], name="Sami Staff")
    return space, group, rep, staff, facility


def book(api, space, group, start, end, title="Board meeting", **extra):
    r = api.post("/bookings", {"space_id": space, "group_id": group, "title": title, "start": start, "end": end, **extra})
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def ical_js(ics: bytes, tmp_path: Path, until: str = "2100-01-01T00:00:00Z") -> list[dict]:
    """Occurrences as Mozilla's ical.js expands them. Skips only where there is no node at all;
    with node but without node_modules/ical.js (npm ci not run) the test fails."""
    if NODE is None:
        pytest.skip("node is not installed: the ical.js comparison needs it")
    assert (ROOT / "node_modules" / "ical.js").is_dir(), "node_modules/ical.js is missing: run `npm ci`"
    path = tmp_path / "feed.ics"
    path.write_bytes(ics)
    out = subprocess.run([NODE, str(EXPAND_JS), str(path), until], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def _iso(value) -> str:
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return value.isoformat()


def recurring_ical_events_occurrences(ics: bytes, lo: datetime, hi: datetime) -> list[dict]:
    """Occurrences as recurring-ical-events (on the icalendar package) expands them."""
    import icalendar
    import recurring_ical_events

    cal = icalendar.Calendar.from_ical(ics)
    out = []
    for occ in recurring_ical_events.of(cal).between(lo, hi):
        out.append(
            {
                "uid": str(occ["UID"]),
                "start": _iso(occ["DTSTART"].dt),
                "end": _iso(occ["DTEND"].dt),
                "status": str(occ.get("STATUS", "")),
                "summary": str(occ.get("SUMMARY", "")),
            }
        )
    return sorted(out, key=lambda o: (o["start"], o["uid"]))


def vobject_occurrences(ics: bytes, hi: datetime) -> list[dict]:
    """Occurrences as vobject reads them: it builds its own time zones from our VTIMEZONE (not from
    zoneinfo) and expands RRULE/EXDATE with dateutil; moved dates replace their RECURRENCE-ID."""
    import vobject
    from vobject.icalendar import registerTzid

    text = ics.decode("utf-8")
    # vobject keeps one process-wide map TZID -> tzinfo and fills it from pytz by name unless told
    # otherwise: register the zones that our VTIMEZONEs describe (dateutil's tzical reads them),
    # then read the calendar again, so its times are interpreted with our VTIMEZONE and nothing else.
    for vtz in vobject.readOne(text).contents.get("vtimezone", []):
        registerTzid(vtz.tzid.value, vtz.gettzinfo())
    cal = vobject.readOne(text)
    events = [c for c in cal.getChildren() if c.name == "VEVENT"]
    overrides: dict[str, dict] = {}
    for ev in events:
        if hasattr(ev, "recurrence_id"):
            overrides.setdefault(ev.uid.value, {})[_iso(ev.recurrence_id.value)] = ev
    out = []

    def row(ev, start, end):
        return {
            "uid": ev.uid.value,
            "start": _iso(start),
            "end": _iso(end),
            "status": ev.status.value if hasattr(ev, "status") else "",
            "summary": ev.summary.value if hasattr(ev, "summary") else "",
        }

    for ev in events:
        if hasattr(ev, "recurrence_id"):
            continue
        s, e = ev.dtstart.value, ev.dtend.value
        if not isinstance(s, datetime):
            out.append(row(ev, s, e))
            continue
        exact = e.astimezone(timezone.utc) - s.astimezone(timezone.utc)
        if hasattr(ev, "rrule"):
            moved = overrides.get(ev.uid.value, {})
            for start in ev.getrruleset(addRDate=True):
                if start.astimezone(timezone.utc) > hi:
                    break
                key = _iso(start)
                if key in moved:
                    o = moved[key]
                    out.append(row(o, o.dtstart.value, o.dtend.value))
                else:
                    out.append(row(ev, start, start.astimezone(timezone.utc) + exact))
        else:
            out.append(row(ev, s, e))
    return sorted(out, key=lambda o: (o["start"], o["uid"]))


def as_pairs(occurrences: list[dict], prefix: tuple[str, ...] = ("booking-", "series-")) -> list[tuple[str, str, str]]:
    return sorted((o["start"], o["end"], o["status"]) for o in occurrences if o["uid"].startswith(prefix))


def soon(days: int) -> date:
    """A date `days` from today (Helsinki): DST dates are looked for after it, so that the dates
    a test books before a clock change are never in the past, whatever the day the tests run."""
    from tests.conftest import HELSINKI

    return datetime.now(HELSINKI).date() + timedelta(days=days)
