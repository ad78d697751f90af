"""Usage reports on a hand-computed dataset: two facilities in two districts, a closure, a cancelled
booking, a booking across the window's edge, a booking inside the closure, and a week with a clock
change. The API's JSON, its CSV, the open data and the staff page give the same numbers."""
from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import pytest

from commons.extensions import db
from commons.models import Group
from spaces.models import Booking, Closure
from tests.conftest import HELSINKI
from tests.support.queries import count_queries

WINDOW = {"from": "2027-01-04", "to": "2027-01-08T11:00"}


def at(y, m, d, hh=0, mm=0):
    return datetime(y, m, d, hh, mm, tzinfo=HELSINKI).astimezone(timezone.utc)


def add_booking(space, group, start, end, status="confirmed", title="Meeting", public=False, no_show=None):
    b = Booking(space_id=space, group_id=group, title=title, public_title=public, attendees=5, start_at=start,
                end_at=end, blocked_until=end, status=status, no_show=no_show)
    db.session.add(b)
    return b


@pytest.fixture
def data(app, make_facility, make_space, make_group, make_user):
    kallio = make_facility(name="Kallio Library", district="Kallio")
    kontula = make_facility(name="Kontula Youth Centre", district="Kontula")
    hours = {d: [("08:00", "16:00")] for d in range(5)} | {5: [("10:00", "14:00")]}
    a1 = make_space(facility_id=kallio, hours=hours, name="Reading room")
    b1 = make_space(facility_id=kontula, hours={d: [("10:00", "20:00")] for d in range(7)}, name="Hall")
    g1 = make_group(name="Kallio Knitters", kind="association")
    g2 = make_group(name="Vallila Residents", kind="resident_group")
    g3 = make_group(name="Chess Club", kind="association")
    with app.app_context():
        db.session.add(Closure(space_id=a1, start_at=at(2027, 1, 6, 12), end_at=at(2027, 1, 6, 18), reason="Pipe repair"))
        add_booking(a1, g1, at(2027, 1, 4, 10), at(2027, 1, 4, 12), title="Knitting")
        add_booking(a1, g2, at(2027, 1, 5, 14), at(2027, 1, 5, 16), title="Street party planning")
        add_booking(a1, g1, at(2027, 1, 7, 10), at(2027, 1, 7, 12), status="cancelled")
        add_booking(a1, g3, at(2027, 1, 8, 10), at(2027, 1, 8, 12), no_show=True, title="Chess")  # across the edge
        add_booking(a1, g1, at(2027, 1, 6, 12), at(2027, 1, 6, 14))  # inside the closure
        add_booking(a1, g1, at(2027, 1, 11, 9), at(2027, 1, 11, 10))  # after the window
        add_booking(a1, g3, at(2027, 1, 7, 14), at(2027, 1, 7, 16), status="pending")
        add_booking(a1, g3, at(2027, 1, 7, 8), at(2027, 1, 7, 9), status="rejected")
        add_booking(b1, g2, at(2027, 1, 7, 18), at(2027, 1, 7, 20))
        db.session.commit()
    return SimpleNamespace(
        kallio=kallio, kontula=kontula, a1=a1, b1=b1, g1=g1, g2=g2, g3=g3,
        admin=make_user("admin"), staff=make_user("staff", facilities=[kallio]),
        member=make_user("member", groups=[g1]),
    )


def figures(**f):
    base = dict(open_hours=0.0, booked_hours=0.0, utilisation=None, bookings=0, distinct_groups=0, association_groups=0,
                resident_groups=0, cancellations=0, no_shows=0, volunteer_hours=0.0, volunteers_active=0,
                checked_in_hours=0.0, released_hours=0.0, hours_by_purpose={}, hours_by_age_group={})
    base.update(f)
    return base


KALLIO = figures(open_hours=31.0, booked_hours=7.0, utilisation=0.1613, bookings=4, distinct_groups=3,
                 association_groups=2, resident_groups=1, cancellations=1, no_shows=1)
KONTULA = figures(open_hours=41.0, booked_hours=2.0, utilisation=0.0488, bookings=1, distinct_groups=1, resident_groups=1)


def test_admin_sees_every_space_facility_and_district(data):
    r = data.admin.get("/reports/usage", **WINDOW)
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["start"] == "2027-01-04T00:00:00+02:00" and body["end"] == "2027-01-08T11:00:00+02:00"
    assert body["spaces"] == [
        {"space_id": data.a1, "space": "Reading room", "facility_id": data.kallio, "facility": "Kallio Library",
         "district": "Kallio", **KALLIO},
        {"space_id": data.b1, "space": "Hall", "facility_id": data.kontula, "facility": "Kontula Youth Centre",
         "district": "Kontula", **KONTULA},
    ]
    assert body["facilities"] == [
        {"facility_id": data.kallio, "facility": "Kallio Library", "district": "Kallio", **KALLIO},
        {"facility_id": data.kontula, "facility": "Kontula Youth Centre", "district": "Kontula", **KONTULA},
    ]
    assert body["districts"] == [{"district": "Kallio", **KALLIO}, {"district": "Kontula", **KONTULA}]
    # 5 + 2 booked hours inside 72 open hours; group 2 booked in both districts: 3 groups, not 4
    assert body["total"] == figures(open_hours=72.0, booked_hours=9.0, utilisation=0.0972, bookings=5, distinct_groups=3,
                                    association_groups=2, resident_groups=1, cancellations=1, no_shows=1)
    cells = {(c["weekday"], c["hour"]): c for c in body["heatmap"]}
    assert cells[(0, 10)] == {"weekday": 0, "hour": 10, "open_hours": 2.0, "booked_hours": 1.0, "utilisation": 0.5}
    assert cells[(3, 19)]["utilisation"] == 1.0 and (3, 20) not in cells
    assert body["weekly"] == [{"week": "2027-W01", "open_hours": 72.0, "booked_hours": 7.0, "utilisation": 0.0972,
                              "checked_in_hours": 0.0, "released_hours": 0.0}]


def test_staff_see_their_own_facilities_only(data, make_user):
    body = data.staff.get("/reports/usage", **WINDOW).get_json()
    assert [s["space_id"] for s in body["spaces"]] == [data.a1]
    assert body["districts"] == [{"district": "Kallio", **KALLIO}]
    assert data.staff.get("/reports/usage", facility_id=data.kallio, **WINDOW).status_code == 200
    assert data.staff.get("/reports/usage", facility_id=data.kontula, **WINDOW).status_code == 403
    assert data.member.get("/reports/usage", **WINDOW).status_code == 403
    assert make_user("volunteer").get("/reports/usage", **WINDOW).status_code == 403
    assert data.admin.get("/reports/usage", facility_id=data.kontula, **WINDOW).get_json()["districts"] == [
        {"district": "Kontula", **KONTULA}]
    lonely = make_user("staff").get("/reports/usage", **WINDOW).get_json()
    assert lonely["spaces"] == [] and lonely["total"]["utilisation"] is None


def test_anonymous_callers_are_refused(data, anon):
    assert anon.get("/reports/usage", **WINDOW).status_code == 401


@pytest.mark.parametrize("params, field", [
    ({"to": "2027-01-08"}, "from"),
    ({"from": "2027-01-08"}, "to"),
    ({"from": "2027-01-08", "to": "2027-01-08"}, "to"),
    ({"from": "2027-01-08", "to": "2027-01-01"}, "to"),
    ({"from": "2027-01-01", "to": "2028-02-06"}, "to"),
    ({"from": "yesterday", "to": "2027-01-08"}, "from"),
    ({"from": "2027-01-01", "to": "2027-01-08", "format": "xml"}, "format"),
    ({"from": "2027-03-28T03:30", "to": "2027-04-01"}, "from"),  # skipped by the clock change
])
def test_bad_periods_say_what_to_fix(data, params, field):
    r = data.admin.get("/reports/usage", **params)
    assert r.status_code == 422, r.get_json()
    assert field in r.get_json()["error"]["fields"]


def test_a_400_day_period_is_allowed(data):
    assert data.admin.get("/reports/usage", **{"from": "2027-01-01", "to": "2028-02-05"}).status_code == 200


def test_csv_has_one_row_per_space_with_the_json_numbers(data):
    body = data.admin.get("/reports/usage", **WINDOW).get_json()
    r = data.admin.get("/reports/usage", format="csv", **WINDOW)
    assert r.status_code == 200
    assert r.mimetype == "text/csv"
    assert "attachment" in r.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(r.get_data(as_text=True))))
    assert len(rows) == len(body["spaces"]) == 2
    for row, space in zip(rows, body["spaces"]):
        for key, value in space.items():
            if key in ("hours_by_purpose", "hours_by_age_group"):  # one column per code
                prefix = "hours_purpose_" if key == "hours_by_purpose" else "hours_age_"
                assert all(row[prefix + code] == str(v) for code, v in value.items()), key
                continue
            assert row[key] == ("" if value is None else str(value)), key


def test_csv_cells_are_never_formulas(app, data):
    with app.app_context():
        db.session.get(Group, data.g1)  # groups never appear; space names do
        from spaces.models import Space

        db.session.get(Space, data.a1).name = "=HYPERLINK(\"http://evil\")"
        db.session.commit()
    text = data.admin.get("/reports/usage", format="csv", **WINDOW).get_data(as_text=True)
    assert "'=HYPERLINK" in text
    assert "\n=" not in text and ",=" not in text


def test_open_data_is_anonymous_and_public(data, anon):
    r = anon.get("/reports/open-data", **WINDOW)
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    text = r.get_data(as_text=True)
    for secret in ("Kallio Knitters", "Vallila Residents", "Chess Club", "Knitting", "Street party", "Chess\"", "Pipe repair"):
        assert secret not in text
    assert "group_id" not in text and "email" not in text
    spaces = {s["space_id"]: s for s in body["spaces"]}
    # three groups in the Reading room: shown; one in the Hall: left out
    assert spaces[data.a1]["distinct_groups"] == 3 and spaces[data.a1]["association_groups"] == 2
    assert spaces[data.b1]["distinct_groups"] is None and spaces[data.b1]["resident_groups"] is None
    assert spaces[data.b1]["utilisation"] == 0.0488 and spaces[data.b1]["open_hours"] == 41.0
    assert body["total"]["distinct_groups"] == 3
    assert {d["district"]: d["distinct_groups"] for d in body["districts"]} == {"Kallio": 3, "Kontula": None}
    assert anon.get("/reports/open-data", **{"from": "2027-01-08", "to": "2027-01-01"}).status_code == 422


def test_a_week_with_a_clock_change(app, make_space, make_group, make_user):
    space = make_space(hours={d: [("00:00", "24:00")] for d in range(7)}, max_minutes=1440)
    group = make_group()
    with app.app_context():
        # Sunday 31 October 2027, 02:00-05:00 local: 4 real hours (03:00-04:00 happens twice)
        add_booking(space, group, at(2027, 10, 31, 2), at(2027, 10, 31, 5))
        db.session.commit()
    body = make_user("admin").get("/reports/usage", **{"from": "2027-10-25", "to": "2027-11-01"}).get_json()
    assert body["spaces"][0]["open_hours"] == 7 * 24 + 1
    assert body["spaces"][0]["booked_hours"] == 4.0
    cells = {(c["weekday"], c["hour"]): c for c in body["heatmap"]}
    assert cells[(6, 3)]["open_hours"] == 2.0 and cells[(6, 3)]["booked_hours"] == 2.0
    assert body["weekly"] == [{"week": "2027-W43", "open_hours": 169.0, "booked_hours": 4.0, "utilisation": round(4 / 169, 4),
                              "checked_in_hours": 0.0, "released_hours": 0.0}]


def test_the_report_costs_the_same_for_2_or_8_spaces(app, data, make_space, make_group):
    with count_queries(app) as few:
        assert data.admin.get("/reports/usage", **WINDOW).status_code == 200
    with app.app_context():
        for _ in range(6):
            sid = make_space(facility_id=data.kontula)
            add_booking(sid, data.g1, at(2027, 1, 5, 10), at(2027, 1, 5, 11))
            add_booking(sid, data.g2, at(2027, 1, 5, 12), at(2027, 1, 5, 13), status="cancelled")
            db.session.add(Closure(space_id=sid, start_at=at(2027, 1, 6), end_at=at(2027, 1, 7), reason="x"))
        db.session.commit()
    with count_queries(app) as many:
        assert len(data.admin.get("/reports/usage", **WINDOW).get_json()["spaces"]) == 8
    assert len(many) == len(few)


# --- No-shows ------------------------------------------------------------------------------------


def test_staff_record_a_no_show_once_the_booking_has_started(app, data, make_user):
    now = datetime.now(timezone.utc)
    with app.app_context():
        started = add_booking(data.a1, data.g1, now - timedelta(hours=1), now + timedelta(hours=1))
        later = add_booking(data.a1, data.g1, now + timedelta(days=1), now + timedelta(days=1, hours=1))
        gone = add_booking(data.a1, data.g1, now - timedelta(days=1), now - timedelta(days=1) + timedelta(hours=1), status="cancelled")
        other = add_booking(data.b1, data.g1, now - timedelta(hours=3), now - timedelta(hours=2))
        db.session.commit()
        ids = SimpleNamespace(started=started.id, later=later.id, gone=gone.id, other=other.id)
    r = data.staff.post(f"/bookings/{ids.started}/no-show", {"no_show": True})
    assert r.status_code == 200, r.get_json()
    assert r.get_json() == {"id": ids.started, "no_show": True}
    day = datetime.now(HELSINKI).date()
    span = {"from": (day - timedelta(days=1)).isoformat(), "to": (day + timedelta(days=1)).isoformat()}
    assert data.staff.get("/reports/usage", **span).get_json()["total"]["no_shows"] == 1
    assert data.staff.get(f"/bookings/{ids.started}").get_json()["no_show"] is True  # the booking says so too
    assert data.staff.get(f"/bookings/{ids.later}").get_json()["no_show"] is None  # not recorded
    assert data.staff.post(f"/bookings/{ids.started}/no-show", {"no_show": False}).get_json()["no_show"] is False
    assert data.staff.get(f"/bookings/{ids.started}").get_json()["no_show"] is False
    assert data.staff.get("/reports/usage", **span).get_json()["total"]["no_shows"] == 0

    assert data.staff.post(f"/bookings/{ids.later}/no-show", {"no_show": True}).status_code == 422
    assert data.staff.post(f"/bookings/{ids.gone}/no-show", {"no_show": True}).status_code == 422
    assert data.staff.post(f"/bookings/{ids.other}/no-show", {"no_show": True}).status_code == 404  # not their facility
    assert data.member.post(f"/bookings/{ids.started}/no-show", {"no_show": True}).status_code == 403  # the group's own
    assert data.staff.post(f"/bookings/{ids.started}/no-show", {}).status_code == 422
    assert data.staff.post(f"/bookings/{ids.started}/no-show", {"no_show": "maybe"}).status_code == 422
    assert data.admin.post(f"/bookings/{ids.other}/no-show", {"no_show": True}).status_code == 200
