"""Series length (docs/security.md "Limits"): a series has at most 104 dates (spaces.rules.MAX_OCCURRENCES, two
years of weekly meetings), through the API and through the booking form. One over is a 422 with the
limit in the message and nothing booked; exactly 104 is booked."""
from __future__ import annotations

from datetime import date, timedelta

from spaces.rules import MAX_OCCURRENCES
from tests.conftest import local, next_weekday
from tests.spaces.test_pages import book_form, bookings, sign_in, text_of


def first_tuesday() -> date:
    """The coming Tuesday, within a week: 104 weekly dates from it stay within a 730-day horizon."""
    day = next_weekday(1, 0)
    return day if day > date.today() else day + timedelta(days=7)


def _setup(make_facility, make_space, make_group, make_user):
    facility = make_facility()
    space = make_space(facility_id=facility, horizon_days=730)
    group = make_group(verified=True)
    rep = make_user(groups=[group])
    return space, group, rep


def test_the_api_books_104_dates_and_refuses_105(app, make_facility, make_space, make_group, make_user):
    assert MAX_OCCURRENCES == 104
    space, group, rep = _setup(make_facility, make_space, make_group, make_user)
    day = first_tuesday()
    body = {"space_id": space, "group_id": group, "title": "Weekly", "start": local(day, "18:00"), "end": local(day, "19:00")}
    for rule in ("FREQ=WEEKLY;COUNT=105", f"FREQ=WEEKLY;UNTIL={day + timedelta(weeks=105):%Y%m%d}", "FREQ=DAILY;COUNT=500"):
        r = rep.post("/bookings", dict(body, rrule=rule))
        assert r.status_code == 422, (rule, r.get_json())
        assert "at most 104 dates" in r.get_json()["error"]["message"], rule
    assert bookings(app) == []
    r = rep.post("/bookings", dict(body, rrule="FREQ=WEEKLY;COUNT=104"))
    assert r.status_code == 201, r.get_json()
    assert len(r.get_json()["occurrences"]) == 104 and len(bookings(app)) == 104


def test_the_form_refuses_a_series_over_104_weeks(app, client, make_facility, make_space, make_group, make_user):
    space, group, rep = _setup(make_facility, make_space, make_group, make_user)
    sign_in(client, rep)
    day = first_tuesday()
    r = client.post(f"/spaces/{space}", data=book_form(group, day, repeat_until=(day + timedelta(weeks=104)).isoformat()))
    assert r.status_code == 422, text_of(r)[:500]
    assert "104" in text_of(r) and 'role="alert"' in text_of(r)
    assert bookings(app) == []
    r = client.post(f"/spaces/{space}", data=book_form(group, day, repeat_until=(day + timedelta(weeks=103)).isoformat()))
    assert r.status_code == 302, text_of(r)[:500]
    assert len(bookings(app)) == 104


def test_the_form_says_the_limit_in_finnish(app, client, make_facility, make_space, make_group, make_user):
    space, group, rep = _setup(make_facility, make_space, make_group, make_user)
    sign_in(client, rep)
    day = first_tuesday()
    r = client.post(f"/spaces/{space}", data=book_form(group, day, repeat_until=(day + timedelta(weeks=110)).isoformat()),
                    headers={"Accept-Language": "fi"})
    assert r.status_code == 422
    assert "Sarjassa voi olla enintään 104 päivää" in text_of(r) and "at most 104 dates" not in text_of(r)
