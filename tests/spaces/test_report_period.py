"""Issue 21, item 13: the usage report's first look. The default period is the last four weeks
including this one (Europe/Helsinki local dates), so this week's bookings are in it; the figures
come in tables narrow enough for a desktop page (at most nine columns each), every region that may
scroll sideways focusable and labelled."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest

from commons.extensions import db
from spaces.models import Booking
from spaces.report_views import _default_period
from tests.conftest import HELSINKI, PASSWORD


def at(day, hh):
    return datetime(day.year, day.month, day.day, hh, tzinfo=HELSINKI).astimezone(timezone.utc)


@pytest.fixture
def this_week(app, make_facility, make_space, make_group, make_user):
    oodi = make_facility(name="Oodi", district="Kluuvi")
    hours = {d: [("08:00", "21:00")] for d in range(7)}
    room = make_space(facility_id=oodi, hours=hours, name="Maker room", capacity=12)
    group = make_group(name="Kluuvi Knitters")
    today = datetime.now(HELSINKI).date()
    monday = today - timedelta(days=today.weekday())
    with app.app_context():
        for day in (monday, monday + timedelta(days=6)):  # the first and the last day of this week
            db.session.add(Booking(space_id=room, group_id=group, title="Knitting", attendees=5, start_at=at(day, 10),
                                   end_at=at(day, 12), blocked_until=at(day, 12), status="confirmed"))
        db.session.commit()
    staff = make_user("staff", facilities=[oodi], email="staff@example.fi", name="Sanna Staff")
    return staff, monday


def sign_in(client, email):
    assert client.post("/login", data={"email": email, "password": PASSWORD}).status_code == 302


@pytest.mark.parametrize("today, first, last", [
    ("2026-12-06", "2026-11-09", "2026-12-06"),  # a Sunday: this week ends today
    ("2026-12-07", "2026-11-16", "2026-12-13"),  # a Monday: this week has begun
    ("2027-01-01", "2026-12-07", "2027-01-03"),  # across the new year
])
def test_the_default_period_is_the_last_four_weeks_including_this_one(today, first, last):
    from datetime import date

    assert _default_period(date.fromisoformat(today)) == (date.fromisoformat(first), date.fromisoformat(last))


def test_the_first_look_has_this_weeks_bookings(client, this_week):
    staff, monday = this_week
    sign_in(client, staff.email)
    r = client.get("/staff/reports")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert f"from={(monday - timedelta(days=21)).isoformat()}" in html and f"to={(monday + timedelta(days=7)).isoformat()}" in html
    table = html[html.index('id="spaces-table"'):]
    row = table[table.index(">Maker room</a>"):]
    cells = re.findall(r'<td class="n">([^<]*)</td>', row[: row.index("</tr>")])
    assert cells[1] == "4" and cells[3] == "2"  # booked hours and bookings: both of this week's


def test_the_figures_tables_are_narrow_and_their_regions_focusable(client, this_week):
    staff, _ = this_week
    sign_in(client, staff.email)
    html = client.get("/staff/reports", headers={"Accept-Language": "fi"}).get_data(as_text=True)
    for level in ("districts", "facilities", "spaces"):
        for id_ in (f"{level}-table", f"{level}-table-people"):
            region = re.search(rf'<div class="table-scroll scroll-cue" role="region" aria-labelledby="{id_}" tabindex="0">'
                               rf'(.*?)</table>', html, re.S)
            assert region, id_
            head = re.search(r"<thead>(.*?)</thead>", region.group(1), re.S).group(1)
            assert 5 <= head.count("<th ") <= 9, (id_, head.count("<th "))
    assert "Tunnit ja varaukset tiloittain" in html and "Ryhmät ja vapaaehtoiset tiloittain" in html


def test_with_nothing_booked_lately_the_first_look_shows_the_coming_weeks(app, client, make_facility, make_space,
                                                                          make_group, make_user):
    """A new site or the demo: every booking is ahead. The first look shows this week and the next three, and says so."""
    oodi = make_facility(name="Oodi", district="Kluuvi")
    room = make_space(facility_id=oodi, hours={d: [("08:00", "21:00")] for d in range(7)}, name="Maker room")
    group = make_group(name="Kluuvi Knitters")
    today = datetime.now(HELSINKI).date()
    monday = today - timedelta(days=today.weekday())
    day = monday + timedelta(days=15)  # the Tuesday after next
    with app.app_context():
        db.session.add(Booking(space_id=room, group_id=group, title="Knitting", attendees=5, start_at=at(day, 10),
                               end_at=at(day, 12), blocked_until=at(day, 12), status="confirmed"))
        db.session.commit()
    staff = make_user("staff", facilities=[oodi], email="staff@example.fi", name="Sanna Staff")
    sign_in(client, staff.email)
    html = client.get("/staff/reports").get_data(as_text=True)
    assert "No bookings in the last four weeks: this shows this week and the next three." in html
    assert f"from={monday.isoformat()}" in html and f"to={(monday + timedelta(days=28)).isoformat()}" in html
    assert f'value="{monday.isoformat()}"' in html  # the form says the period shown
    table = html[html.index('id="spaces-table"'):]
    row = table[table.index(">Maker room</a>"):]
    assert re.findall(r'<td class="n">([^<]*)</td>', row[: row.index("</tr>")])[1] == "2"
    # a period asked for is shown as asked, with no note
    html = client.get("/staff/reports", query_string={"first_day": monday.isoformat(), "last_day": monday.isoformat()}).get_data(as_text=True)
    assert "No bookings in the last four weeks" not in html


def test_with_nothing_booked_at_all_the_first_look_is_the_last_four_weeks(client, make_facility, make_space, make_user):
    oodi = make_facility(name="Oodi", district="Kluuvi")
    make_space(facility_id=oodi, name="Maker room")
    staff = make_user("staff", facilities=[oodi], email="staff@example.fi", name="Sanna Staff")
    sign_in(client, staff.email)
    html = client.get("/staff/reports").get_data(as_text=True)
    today = datetime.now(HELSINKI).date()
    monday = today - timedelta(days=today.weekday())
    assert f"from={(monday - timedelta(days=21)).isoformat()}" in html and "No bookings in the last four weeks" not in html
