"""The printed week for the door (/spaces/{id}/print) in the cases a noticeboard meets: a past week,
a week beyond the booking horizon, gaps too short to book, the clock changes, no phone number,
titles with markup, private titles, Swedish."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone

import pytest

from commons.extensions import db
from commons.models import Facility
from tests.conftest import HELSINKI, PASSWORD, next_dst_end, next_dst_start, next_weekday
from tests.spaces.test_reports_api import add_booking


def at(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hh, mm, tzinfo=HELSINKI).astimezone(timezone.utc)


def week_of(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def slots(html: str, kind: str) -> list[str]:
    """The times of one kind of slot ('free', 'booked', 'closed') on the page, in order."""
    return re.findall(rf'<li class="slot-{kind}"><span class="time">([^<]+)</span>', html)


def row(html: str, heading: str) -> str:
    """One day's row of the week table, found by its heading as read ("Monday 14 December": the day's
    name above its date)."""
    for tr in re.findall(r"<tr>.*?</tr>", html, re.S):
        th = re.search(r'<th scope="row">(.*?)<span class="day-hours">', tr, re.S)
        if th and " ".join(re.sub(r"<[^>]+>", " ", th.group(1)).split()) == heading:
            return tr
    raise AssertionError(f"no row for {heading!r}")


@pytest.fixture
def room(app, make_facility, make_space, make_group):
    facility = make_facility(name="Vuosaari Library")
    space = make_space(facility_id=facility, name="Sea room", min_minutes=60, hours={d: [("08:00", "20:00")] for d in range(7)})
    return space, make_group(), facility


def test_a_past_week_shows_what_was_booked_and_never_free(app, client, room):
    space, group, _ = room
    monday = datetime.now(HELSINKI).date() - timedelta(days=datetime.now(HELSINKI).weekday() + 14)
    with app.app_context():
        add_booking(space, group, at(monday, 10), at(monday, 12), title="Past club", public=True)
        db.session.commit()
    html = client.get(f"/spaces/{space}/print", query_string={"lang": "en", "week": week_of(monday)}).get_data(as_text=True)
    assert slots(html, "free") == [] and ">Free<" not in html
    assert slots(html, "booked") == ["10:00–12:00"] and "Past club" in html
    assert "This week is over" in html


def test_free_times_stop_at_the_booking_horizon(app, client, make_space):
    space = make_space(horizon_days=30, hours={d: [("08:00", "20:00")] for d in range(7)})
    today = datetime.now(HELSINKI).date()
    far = today + timedelta(days=60)
    html = client.get(f"/spaces/{space}/print", query_string={"lang": "en", "week": week_of(far)}).get_data(as_text=True)
    assert slots(html, "free") == [] and "This week cannot be booked yet" in html
    edge = today + timedelta(days=30)  # the week in which the horizon ends: free until it, not after
    html = client.get(f"/spaces/{space}/print", query_string={"lang": "en", "week": week_of(edge)}).get_data(as_text=True)
    edge_monday = edge - timedelta(days=edge.weekday())
    horizon = datetime.now(timezone.utc) + timedelta(days=30)
    for offset in range(7):
        day = edge_monday + timedelta(days=offset)
        day_row = row(html, _heading(day))
        free = slots(day_row, "free")
        if at(day, 8) >= horizon:
            assert free == [], day
        elif at(day, 20) <= horizon:
            assert free == ["08:00–20:00"], day
    assert "later times cannot be booked yet" in html


def _heading(day: date) -> str:
    return f"{day:%A} {day.day} {day:%B}"


def test_gaps_shorter_than_the_shortest_booking_are_not_free(app, client, room):
    space, group, _ = room  # bookings last at least 60 minutes
    day = datetime.now(HELSINKI).date() + timedelta(days=14)
    with app.app_context():
        add_booking(space, group, at(day, 8), at(day, 10))
        add_booking(space, group, at(day, 10, 30), at(day, 12))  # a 30-minute gap: not bookable
        add_booking(space, group, at(day, 13), at(day, 18))  # a 60-minute gap: bookable
        db.session.commit()
    html = client.get(f"/spaces/{space}/print", query_string={"lang": "en", "week": week_of(day)}).get_data(as_text=True)
    day_row = row(html, _heading(day))
    assert slots(day_row, "free") == ["12:00–13:00", "18:00–20:00"]
    assert slots(day_row, "booked") == ["08:00–10:00", "10:30–12:00", "13:00–18:00"]


def test_the_autumn_week_has_a_25_hour_sunday(app, client, make_space, make_group):
    space = make_space(hours={d: [("00:00", "24:00")] for d in range(7)}, max_minutes=1440)
    group = make_group()
    sunday = next_dst_end()
    with app.app_context():
        # 02:00-05:00 local is 4 real hours; a booking in the repeated hour's second reading
        add_booking(space, group, at(sunday, 2), at(sunday, 5), title="Night of the clocks", public=True)
        second_three = datetime(sunday.year, sunday.month, sunday.day, 3, 15, tzinfo=HELSINKI, fold=1).astimezone(timezone.utc)
        assert second_three - at(sunday, 2) == timedelta(hours=2, minutes=15)
        db.session.commit()
    html = client.get(f"/spaces/{space}/print", query_string={"lang": "en", "week": week_of(sunday)}).get_data(as_text=True)
    sunday_row = row(html, _heading(sunday))
    assert slots(sunday_row, "booked") == ["02:00–05:00"] and "Night of the clocks" in sunday_row
    assert slots(sunday_row, "free") == ["00:00–02:00", "05:00–24:00"]
    saturday_row = row(html, _heading(sunday - timedelta(days=1)))
    assert slots(saturday_row, "free") == ["00:00–24:00"]


def test_the_spring_week_skips_an_hour(app, client, make_space, make_group):
    space = make_space(hours={d: [("00:00", "24:00")] for d in range(7)}, max_minutes=1440)
    sunday = next_dst_start()
    with app.app_context():
        add_booking(space, make_group(), at(sunday, 2), at(sunday, 5))  # 2 real hours: 03:00-04:00 never happens
        db.session.commit()
    html = client.get(f"/spaces/{space}/print", query_string={"lang": "en", "week": week_of(sunday)}).get_data(as_text=True)
    sunday_row = row(html, _heading(sunday))
    assert slots(sunday_row, "booked") == ["02:00–05:00"] and "Booked" in sunday_row
    assert slots(sunday_row, "free") == ["00:00–02:00", "05:00–24:00"]


def test_no_phone_markup_in_titles_and_private_titles(app, client, room):
    space, group, facility = room
    day = datetime.now(HELSINKI).date() + timedelta(days=14)
    with app.app_context():
        assert db.session.get(Facility, facility).phone in (None, "")
        add_booking(space, group, at(day, 10), at(day, 11), title='<script>alert("x")</script> & <b>Choir</b>', public=True)
        add_booking(space, group, at(day, 12), at(day, 13), title="Secret board meeting", public=False)
        add_booking(space, group, at(day, 14), at(day, 15), title="Cancelled public talk", public=True, status="cancelled")
        db.session.commit()
    html = client.get(f"/spaces/{space}/print", query_string={"lang": "en", "week": week_of(day)}).get_data(as_text=True)
    assert "By phone" not in html and "At the counter: Vuosaari Library" in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &lt;b&gt;Choir&lt;/b&gt;" in html
    assert "<script>alert" not in html and "<b>Choir" not in html
    assert "Secret board meeting" not in html and "Cancelled public talk" not in html
    assert "Booked" in html and "Reserved" not in html  # the space page's word


def test_the_week_in_swedish_and_finnish(app, client, room):
    space, group, facility = room
    day = datetime.now(HELSINKI).date() + timedelta(days=14)
    with app.app_context():
        db.session.get(Facility, facility).phone = "09 310 80000"
        add_booking(space, group, at(day, 10), at(day, 11))
        db.session.commit()
    sv = client.get(f"/spaces/{space}/print", query_string={"week": week_of(day), "lang": "sv"}, headers={"Accept-Language": "fi"}).get_data(as_text=True)
    assert '<html lang="sv">' in sv  # the language asked for on the print page, not the reader's (fi)
    for english in ("How to book", "Booked", ">Free<", "By phone", "Opening hours", "Week "):
        assert english not in sv, english
    assert "09 310 80000" in sv and "Vecka" in sv
    fi = client.get(f"/spaces/{space}/print", query_string={"week": "2020-W10"}, headers={"Accept-Language": "sv"}).get_data(as_text=True)
    assert '<html lang="fi">' in fi and "This week is over" not in fi and "Viikko 10" in fi  # the facility's default, not the reader's (sv)


def test_free_times_on_paper_start_and_end_on_the_grid_after_the_changeover(app, client, make_space, make_group):
    space = make_space(slot_minutes=30, min_minutes=60, buffer_minutes=15, hours={d: [("08:00", "20:00")] for d in range(7)})
    group = make_group()
    day = datetime.now(HELSINKI).date() + timedelta(days=14)
    with app.app_context():
        for s, e in ((at(day, 10), at(day, 11)), (at(day, 12, 30), at(day, 13, 30)), (at(day, 16), at(day, 17))):
            add_booking(space, group, s, e).blocked_until = e + timedelta(minutes=15)
        db.session.commit()
    html = client.get(f"/spaces/{space}/print", query_string={"lang": "en", "week": week_of(day)}).get_data(as_text=True)
    # 08:00-09:45 -> 08:00-09:30; 11:15-12:15 -> 11:30-12:00, too short; 13:45-15:45 -> 14:00-15:30; 17:15-20:00 -> 17:30-20:00
    assert slots(row(html, _heading(day)), "free") == ["08:00–09:30", "14:00–15:30", "17:30–20:00"]


# --- The noticeboard's language and the default week (issue 21, item 12) ----------------------------


def test_printed_in_the_facility_s_language_or_the_one_chosen_whatever_the_reader_s(app, client, room):
    space, _group, facility = room
    week = week_of(datetime.now(HELSINKI).date() + timedelta(days=14))
    page = client.get(f"/spaces/{space}/print", query_string={"week": week}, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="fi">' in page and "Näin varaat" in page  # the default: Finnish, not the English reader's
    with app.app_context():
        db.session.get(Facility, facility).default_language = "sv"
        db.session.commit()
    page = client.get(f"/spaces/{space}/print", query_string={"week": week}, headers={"Accept-Language": "fi"}).get_data(as_text=True)
    assert '<html lang="sv">' in page and "Så bokar du" in page and "Vecka" in page
    assert '<option value="sv" lang="sv" selected>' in page  # the choice starts at the facility's language
    page = client.get(f"/spaces/{space}/print", query_string={"week": week, "lang": "en"}).get_data(as_text=True)
    assert '<html lang="en">' in page and "How to book" in page
    assert f'week={week}&amp;lang=en' in page.split('rel="next"')[0] + page.split('rel="prev"')[0]  # the weeks keep the choice
    r = client.get(f"/spaces/{space}/print", query_string={"week": week, "lang": "de"})
    assert r.status_code == 422 and '<html lang="sv">' in r.get_data(as_text=True) and "”de”" in r.get_data(as_text=True)


def test_staff_set_the_noticeboard_language_on_the_dashboard(app, make_facility, make_space, make_user):
    mine, theirs = make_facility(name="Mine"), make_facility(name="Theirs")
    make_space(facility_id=mine)
    make_user(role="staff", facilities=[mine], email="staff@example.fi")
    c = app.test_client()
    assert c.post("/login", data={"email": "staff@example.fi", "password": PASSWORD}).status_code == 302
    assert f'action="/staff/facilities/{mine}/language"' in c.get("/staff").get_data(as_text=True)
    assert c.post(f"/staff/facilities/{mine}/language", data={"language": "sv"}).status_code == 302
    assert c.post(f"/staff/facilities/{mine}/language", data={"language": "de"}).status_code == 400
    assert c.post(f"/staff/facilities/{theirs}/language", data={"language": "en"}).status_code == 403
    with app.app_context():
        assert (db.session.get(Facility, mine).default_language, db.session.get(Facility, theirs).default_language) == ("sv", "fi")


def test_the_default_week_is_next_week_from_friday_on():
    from spaces.print_layout import default_week

    monday = date(2026, 12, 7)  # week 50
    for offset in range(7):
        expected = (2026, 51) if offset >= 4 else (2026, 50)
        assert default_week(monday + timedelta(days=offset)) == expected, offset
    assert default_week(date(2027, 1, 1)) == (2027, 1)  # a Friday of week 2026-W53: next week is 2027-W01


@pytest.mark.parametrize("hhmm, weekday, next_week", [("23:30", 3, False), ("00:10", 4, True)])
def test_without_a_week_the_page_prints_this_week_until_thursday_and_next_week_from_friday(client, room, hhmm, weekday, next_week):
    """Thursday 23:30 and Friday 00:10 in Helsinki (both Thursday in UTC): the local date decides."""
    import time_machine

    space, _group, _facility = room
    day = next_weekday(weekday)
    hh, mm = map(int, hhmm.split(":"))
    moment = datetime(day.year, day.month, day.day, hh, mm, tzinfo=HELSINKI)
    with time_machine.travel(moment, tick=False):
        page = client.get(f"/spaces/{space}/print", query_string={"lang": "en"}).get_data(as_text=True)
    shown = day + timedelta(days=7) if next_week else day
    assert f"Week {shown.isocalendar()[1]}:" in page
    assert "From Friday on, it shows next week." in page
    with time_machine.travel(moment, tick=False):  # a week asked for is the week shown, whatever the day
        page = client.get(f"/spaces/{space}/print", query_string={"lang": "en", "week": week_of(day)}).get_data(as_text=True)
    assert f"Week {day.isocalendar()[1]}:" in page and "From Friday on" not in page
