"""A booking's purpose and age groups (optional; the vocabularies of GET /purposes and GET /age-groups):
validated, shown with the booking, and counted in the usage report and the open data by hours, with
the open data's small-count suppression."""
from __future__ import annotations

from datetime import timedelta

from tests.conftest import local, next_weekday


def test_purpose_and_age_groups_on_bookings_in_reports_and_open_data(make_space, make_group, make_user):
    space = make_space()
    groups = [make_group(name=f"Group {i}") for i in range(3)]
    reps = [make_user("member", groups=[g]) for g in groups]
    day = next_weekday(2, weeks_ahead=1)

    def book(i, start, end, **extra):
        body = {"space_id": space, "group_id": groups[i], "title": "Practice", "start": local(day, start), "end": local(day, end), **extra}
        return reps[i].post("/bookings", body)

    bad = book(0, "10:00", "11:00", purpose="knitting_club")
    assert bad.status_code == 422 and "purpose_unknown" in str(bad.get_json()), bad.get_json()
    bad = book(0, "10:00", "11:00", age_groups=["toddlers"])
    assert bad.status_code == 422 and "age_group_unknown" in str(bad.get_json()), bad.get_json()
    made = book(0, "10:00", "12:00", purpose="music", age_groups=["children_7_12", "adults_30_64"])
    assert made.status_code == 201, made.get_json()
    shown = reps[0].get(f"/bookings/{made.get_json()['id']}").get_json()
    assert shown["purpose"] == "music" and shown["age_groups"] == ["adults_30_64", "children_7_12"]
    assert book(1, "12:00", "13:00", purpose="music").status_code == 201
    assert book(2, "13:00", "14:00").status_code == 201  # both optional
    assert reps[2].get("/bookings", space_id=space).status_code == 200

    admin = make_user("admin")
    period = {"from": day.isoformat(), "to": (day + timedelta(days=1)).isoformat()}
    total = admin.get("/reports/usage", **period).get_json()["total"]
    assert total["booked_hours"] == 4.0
    assert total["hours_by_purpose"] == {"music": 3.0}
    assert total["hours_by_age_group"] == {"adults_30_64": 2.0, "children_7_12": 2.0}
    csv = admin.get("/reports/usage", format="csv", **period).get_data(as_text=True).splitlines()
    cells = dict(zip(csv[0].split(","), csv[1].split(",")))
    assert (cells["hours_purpose_music"], cells["hours_purpose_sports"], cells["hours_age_children_7_12"]) == ("3.0", "0.0", "2.0")
    # open data: two groups behind music, one behind each age group: left out
    opened = admin.get("/reports/open-data", **period).get_json()["total"]
    assert opened["hours_by_purpose"] == {"music": None} and opened["hours_by_age_group"] == {"adults_30_64": None, "children_7_12": None}
