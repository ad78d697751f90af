"""The usage report with the features merged beside it: retention, expired requests, moved bookings,
closures imported from .ics, bookings on behalf, the no-show page button; and its cost in queries
on every page that shows it."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from commons.extensions import db
from spaces.models import Booking
from tests.calendars.conftest import book
from tests.calendars.test_import import ics, post_ics, vevent, ymd
from tests.conftest import HELSINKI, PASSWORD, local, next_weekday
from tests.support.queries import count_queries
from tests.spaces.test_reports_api import WINDOW, add_booking, at, data  # noqa: F401  (the fixture)


def day_span(day, days=1) -> dict:
    return {"from": day.isoformat(), "to": (day + timedelta(days=days)).isoformat()}


def only_space(api, **span) -> dict:
    r = api.get("/reports/usage", **span)
    assert r.status_code == 200, r.get_json()
    [space] = r.get_json()["spaces"]
    return space


@pytest.fixture
def hall(make_facility, make_space, make_group, make_user):
    """A hall open 08-22 every day, a verified resident group with its representative, staff, admin."""
    facility = make_facility(name="Malmitalo", district="Malmi")
    space = make_space(facility_id=facility, name="Hall")
    group = make_group(name="Malmi Residents", kind="resident_group")
    return dict(
        facility=facility, space=space, group=group,
        rep=make_user(groups=[group]), staff=make_user("staff", facilities=[facility]), admin=make_user("admin"),
    )


# --- Retention ---------------------------------------------------------------------------------------


def test_retention_leaves_every_figure_as_it_was(app, data):
    from spaces.housekeeping import forget_old_bookers

    with app.app_context():
        for b in db.session.execute(select(Booking)).scalars():
            b.booked_by_id, b.decision_message = data.member.user_id, "Approved, welcome"
        db.session.commit()
    before = data.admin.get("/reports/usage", **WINDOW).get_json()
    csv_before = data.admin.get("/reports/usage", format="csv", **WINDOW).get_data(as_text=True)
    with app.app_context():
        message = forget_old_bookers(datetime(2030, 1, 1, tzinfo=timezone.utc))
        assert message.startswith("erased the booker from 9 booking(s)")
        assert db.session.execute(select(Booking.id).where(Booking.booked_by_id.is_not(None))).first() is None
    assert data.admin.get("/reports/usage", **WINDOW).get_json() == before
    assert data.admin.get("/reports/usage", format="csv", **WINDOW).get_data(as_text=True) == csv_before
    assert before["total"]["bookings"] == 5 and before["total"]["distinct_groups"] == 3


# --- Expired requests, moved bookings, bookings on behalf ------------------------------------------------


def test_an_expired_request_counts_neither_as_booked_nor_as_cancelled(app, hall, make_group, make_user):
    from spaces.housekeeping import expire_requests

    newcomers = make_group(name="New Choir", verified=False)  # their requests wait for the staff
    rep = make_user(groups=[newcomers])
    day = next_weekday(1, 2)
    request = book(rep, hall["space"], newcomers, local(day, "10:00"), local(day, "12:00"))
    assert request["status"] == "pending"
    book(hall["rep"], hall["space"], hall["group"], local(day, "14:00"), local(day, "15:00"))
    with app.app_context():
        assert "1 request(s) expired" in expire_requests(datetime.combine(day, datetime.min.time().replace(hour=9), tzinfo=HELSINKI))
        assert db.session.get(Booking, request["occurrences"][0]["id"]).status == "expired"
    space = only_space(hall["admin"], **day_span(day))
    assert space["bookings"] == 1 and space["booked_hours"] == 1.0 and space["cancellations"] == 0
    assert space["distinct_groups"] == 1 and space["resident_groups"] == 1 and space["association_groups"] == 0
    assert space["open_hours"] == 14.0  # the expired time is open and free again


def test_a_moved_booking_counts_once_at_its_new_time(app, hall):
    day = next_weekday(2, 2)
    b = book(hall["rep"], hall["space"], hall["group"], local(day, "10:00"), local(day, "11:00"))["occurrences"][0]
    r = hall["rep"].patch(f"/bookings/{b['id']}", {"start": local(day + timedelta(days=1), "18:00"), "end": local(day + timedelta(days=1), "20:30")})
    assert r.status_code == 200, r.get_json()
    assert only_space(hall["staff"], **day_span(day))["bookings"] == 0
    moved = only_space(hall["staff"], **day_span(day + timedelta(days=1)))
    assert moved["bookings"] == 1 and moved["booked_hours"] == 2.5
    both = only_space(hall["staff"], **day_span(day, 2))
    assert both["bookings"] == 1 and both["booked_hours"] == 2.5 and both["utilisation"] == round(2.5 / 28, 4)


def test_a_moved_date_of_a_series_counts_once(app, hall):
    day = next_weekday(3, 2)
    out = book(hall["rep"], hall["space"], hall["group"], local(day, "17:00"), local(day, "18:00"), rrule="FREQ=WEEKLY;COUNT=3")
    second = out["occurrences"][1]
    later = day + timedelta(days=8)
    assert hall["rep"].patch(f"/bookings/{second['id']}", {"start": local(later, "19:00"), "end": local(later, "21:00")}).status_code == 200
    with app.app_context():
        assert db.session.get(Booking, second["id"]).original_start is not None
    three_weeks = only_space(hall["admin"], **day_span(day, 21))
    assert three_weeks["bookings"] == 3 and three_weeks["booked_hours"] == 1 + 2 + 1
    assert only_space(hall["admin"], **day_span(day + timedelta(days=7)))["bookings"] == 0


def test_a_booking_on_behalf_counts_for_the_group(app, hall, make_group):
    association = make_group(name="Malmi Seniors", kind="association")
    day = next_weekday(4, 2)
    r = hall["staff"].post("/bookings", {"space_id": hall["space"], "group_id": association, "title": "Phoned in",
                                          "start": local(day, "12:00"), "end": local(day, "13:30")})
    assert r.status_code == 201, r.get_json()
    with app.app_context():
        b = db.session.get(Booking, r.get_json()["occurrences"][0]["id"])
        assert b.on_behalf and b.status == "confirmed" and b.group_id == association
    book(hall["rep"], hall["space"], hall["group"], local(day, "15:00"), local(day, "16:00"))
    space = only_space(hall["staff"], **day_span(day))
    assert space["bookings"] == 2 and space["booked_hours"] == 2.5
    assert space["distinct_groups"] == 2 and space["association_groups"] == 1 and space["resident_groups"] == 1


# --- Closures imported from .ics -------------------------------------------------------------------------


def test_closures_imported_from_ics_reduce_open_hours(app, hall):
    day = next_weekday(0, 3)  # a Monday: the week is open 7 x 14 = 98 hours
    week = day_span(day, 7)
    book(hall["rep"], hall["space"], hall["group"], local(day + timedelta(days=1), "10:00"), local(day + timedelta(days=1), "12:00"))
    assert only_space(hall["staff"], **week)["open_hours"] == 98.0
    data = ics(
        vevent("holiday@city", f"DTSTART;VALUE=DATE:{ymd(day + timedelta(days=1))}", f"DTEND;VALUE=DATE:{ymd(day + timedelta(days=2))}",
               "SUMMARY:Public holiday"),  # Tuesday: 14 hours, the booking inside
        vevent("paint@city", f"DTSTART;TZID=Europe/Helsinki:{ymd(day + timedelta(days=3))}T200000",
               f"DTEND;TZID=Europe/Helsinki:{ymd(day + timedelta(days=4))}T100000", "SUMMARY:Painting"),  # Thu 20-22, Fri 08-10
    )
    r = post_ics(hall["staff"], hall["space"], data)
    assert r.status_code == 200 and r.get_json()["imported"] == 2, r.get_json()
    space = only_space(hall["staff"], **week)
    assert space["open_hours"] == 98 - 14 - 2 - 2
    # The booking still happened on the books (it was made before the closure), but not in open time
    assert space["bookings"] == 1 and space["booked_hours"] == 2.0 and space["utilisation"] == 0.0


# --- No-shows from the staff page --------------------------------------------------------------------------


def sign_in(client, email):
    r = client.post("/login", data={"email": email, "password": PASSWORD})
    assert r.status_code == 302


def test_the_no_show_button_checks_the_facility_and_the_start(app, client, data, make_user):
    now = datetime.now(timezone.utc)
    with app.app_context():
        other = add_booking(data.b1, data.g1, now - timedelta(hours=3), now - timedelta(hours=2), title="Kontula club")
        later = add_booking(data.a1, data.g1, now + timedelta(hours=20), now + timedelta(hours=21), title="Tomorrow's club")
        db.session.commit()
        other_id, later_id = other.id, later.id
    sign_in(client, data.staff.email)  # staff of Kallio only
    html = client.get("/staff/reports").get_data(as_text=True)
    assert "Kontula club" not in html and "Tomorrow&#39;s club" not in html  # no buttons for them
    assert client.post(f"/staff/reports/no-show/{other_id}", data={"no_show": "true"}).status_code == 404
    r = client.post(f"/staff/reports/no-show/{later_id}", data={"no_show": "true"})
    assert r.status_code == 302
    assert "only once the booking has started" in client.get(r.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Booking, other_id).no_show is None and db.session.get(Booking, later_id).no_show is None
    client.post("/logout")
    sign_in(client, data.member.email)
    assert client.post(f"/staff/reports/no-show/{later_id}", data={"no_show": "true"}).status_code in (403, 404)


# --- Queries: a fixed number whatever the spaces and bookings ----------------------------------------------------


def test_every_report_page_costs_the_same_for_few_or_many_spaces_and_bookings(app, client, data, make_space):
    urls = [
        ("api", "/reports/usage", WINDOW),
        ("api", "/reports/usage", {**WINDOW, "format": "csv"}),
        ("api", "/reports/open-data", WINDOW),
        ("page", "/staff/reports", {"first_day": "2027-01-04", "last_day": "2027-01-10"}),
        ("page", f"/spaces/{data.a1}/print", {"week": "2027-W01"}),
    ]
    sign_in(client, data.admin.email)

    def costs():
        out = []
        for kind, url, params in urls:
            with count_queries(app) as queries:
                r = data.admin.get(url, **params) if kind == "api" else client.get(url, query_string=params)
                assert r.status_code == 200
            out.append(len(queries))
        return out

    few = costs()
    with app.app_context():
        for k in range(8):
            sid = make_space(facility_id=data.kontula)
            for d in range(4, 11):
                add_booking(sid, data.g1 if d % 2 else data.g2, at(2027, 1, d, 9), at(2027, 1, d, 10))
                add_booking(data.a1, data.g3, at(2027, 1, d, 16, 5 * k), at(2027, 1, d, 16, 5 * k + 4), public=True, title=f"Club {k}")
            add_booking(sid, data.g3, at(2027, 1, 5, 12), at(2027, 1, 5, 13), status="cancelled")
        db.session.commit()
    many = costs()
    assert many == few, list(zip([u for _, u, _ in urls], few, many))
    assert few[0] <= 7  # token, user, then spaces, opening hours, closures, bookings, volunteer hours


def test_open_data_is_remembered_for_a_while(app, anon, data, monkeypatch):
    """The public open data is computed once per period every OPEN_DATA_CACHE_SECONDS (per worker)."""
    from spaces import report_services

    monkeypatch.setitem(app.config, "OPEN_DATA_CACHE_SECONDS", 300)  # the tests' app has it off
    monkeypatch.setitem(app.extensions, "commons.open_data_cache", {})
    first = anon.get("/reports/open-data", **WINDOW).get_json()
    with app.app_context():
        add_booking(data.b1, data.g3, at(2027, 1, 5, 10), at(2027, 1, 5, 12))
        db.session.commit()
    with count_queries(app) as queries:
        assert anon.get("/reports/open-data", **WINDOW).get_json() == first
    assert queries == []  # not even one: the same period's answer is kept
    assert anon.get("/reports/open-data", **{"from": "2027-01-04", "to": "2027-01-09"}).get_json()["total"]["bookings"] == 6
    with app.app_context(), app.test_request_context():
        later = datetime.now(timezone.utc) + timedelta(seconds=app.config["OPEN_DATA_CACHE_SECONDS"] + 1)
        fresh = report_services.open_data(datetime(2027, 1, 4), datetime(2027, 1, 8, 11), now=later)
    assert fresh["total"]["bookings"] == first["total"]["bookings"] + 1
    # the usage report (staff) is never cached
    assert data.admin.get("/reports/usage", **WINDOW).get_json()["total"]["bookings"] == first["total"]["bookings"] + 1
    assert anon.get("/reports/open-data", **{"from": "2027-01-08", "to": "2027-01-01"}).status_code == 422
