"""Spaces made of parts (API.md "Spaces made of parts"): the family rules as pure functions, and over
the API on both databases: part_of set and refused, bookings of a hall, its halves and a court in a
half refusing one another (409 naming the space in the way), availability and the free-window
search following the family, and on PostgreSQL the claims' exclusion constraint as the last word."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from commons.extensions import db
from spaces import families
from spaces.families import Held
from tests.conftest import local, next_weekday

# --- The rules, pure ----------------------------------------------------------------------------------

# hall 1 = halves 2 and 3; court 4 in half 2; room 9 alone
PARENTS = {2: 1, 3: 1, 4: 2}


def test_family_rules():
    assert families.ancestors(4, PARENTS) == [2, 1]
    assert families.root(4, PARENTS) == 1 and families.root(9, PARENTS) == 9
    assert sorted(families.descendants(1, PARENTS)) == [2, 3, 4]
    assert families.leaves(1, PARENTS) == {3, 4}
    assert families.leaves(2, PARENTS) == {4} and families.leaves(9, PARENTS) == {9}
    assert families.related(2, PARENTS) == {1, 2, 4}
    for a, b, shared in [(1, 2, True), (1, 4, True), (2, 4, True), (2, 3, False), (3, 4, False), (1, 9, False), (4, 4, True)]:
        assert families.shares_time(a, b, PARENTS) is shared, (a, b)
        # the same as "their leaves meet" (what the PostgreSQL claims hold)
        assert bool(families.leaves(a, PARENTS) & families.leaves(b, PARENTS)) is shared or 9 in (a, b)


def test_cycles_are_seen():
    assert families.makes_cycle(1, 4, PARENTS)  # the hall into its own court
    assert families.makes_cycle(2, 2, PARENTS)
    assert not families.makes_cycle(3, 2, PARENTS)  # half B into half A: fine
    assert not families.makes_cycle(1, None, PARENTS)
    assert families.ancestors(1, {1: 2, 2: 1}) == [2]  # a cycle that slipped in never loops


def test_collisions_under_a_family():
    t = datetime(2027, 3, 2, 16, tzinfo=timezone.utc)
    h = timedelta(hours=1)
    a = Held(1, 2, t, t + h)       # half A 16-17
    b = Held(2, 3, t, t + h)       # half B 16-17
    hall = Held(3, 1, t + h, t + 2 * h)  # hall 17-18: touches, no overlap
    court = Held(4, 4, t + h / 2, t + h)  # court 16:30-17 in half A
    assert families.collisions([a, b, hall], PARENTS) == []
    assert families.collisions([a, court], PARENTS) == [(a, court)]
    assert families.collisions([b, court], PARENTS) == []
    assert families.collisions([a, b], {**PARENTS, 3: 2}) == [(a, b)]  # half B made part of half A


# --- Over the API, both databases --------------------------------------------------------------------


@pytest.fixture
def hall(make_user, make_facility, make_group):
    """A hall with halves A and B and a court in A, made by staff over the API; two groups."""
    facility = make_facility(name="Liikuntahalli", district="Kallio")
    staff = make_user("staff", facilities=[facility])
    hours = [{"weekday": d, "opens": "08:00", "closes": "22:00"} for d in range(7)]

    def space(name, part_of=None, **extra):
        body = {"facility_id": facility, "name": name, "capacity": 40, "opening_hours": hours,
                "rules": {"horizon_days": 400, **extra}}
        if part_of:
            body["part_of"] = part_of
        r = staff.post("/spaces", body)
        assert r.status_code == 201, r.get_json()
        return r.get_json()["id"]

    ids = {"hall": space("Hall")}
    ids["a"] = space("Half A", ids["hall"])
    ids["b"] = space("Half B", ids["hall"])
    ids["court"] = space("Court 1", ids["a"])
    g1, g2 = make_group(verified=True), make_group(verified=True)
    return ids, staff, facility, (make_user(groups=[g1]), g1), (make_user(groups=[g2]), g2)


def _book(rep, group, space, day, start, end):
    return rep.post("/bookings", {"space_id": space, "group_id": group, "title": "Practice",
                                  "start": local(day, start), "end": local(day, end)})


def test_parts_are_shown(hall, anon):
    ids, *_ = hall
    got = anon.get(f"/spaces/{ids['hall']}").get_json()
    assert got["part_of"] is None and got["parts"] == [ids["a"], ids["b"]]
    assert anon.get(f"/spaces/{ids['court']}").get_json()["part_of"] == ids["a"]


def test_a_family_books_its_time_once(hall, anon):
    ids, _staff, _f, (rep1, g1), (rep2, g2) = hall
    day = next_weekday(2)
    assert _book(rep1, g1, ids["a"], day, "17:00", "19:00").status_code == 201
    # the hall is taken through half A: 409 naming half A
    r = _book(rep2, g2, ids["hall"], day, "18:00", "20:00")
    assert r.status_code == 409, r.get_json()
    conflict = r.get_json()["error"]["conflicts"][0]
    assert conflict["space_id"] == ids["a"] and conflict["code"] == "family_booked"
    assert conflict["params"]["space_name"] == "Half A"
    # half B is free; the court inside half A is not
    assert _book(rep2, g2, ids["b"], day, "17:00", "19:00").status_code == 201
    r = _book(rep2, g2, ids["court"], day, "17:30", "18:30")
    assert r.status_code == 409 and r.get_json()["error"]["conflicts"][0]["space_id"] == ids["a"]
    # the court before, the hall after: free
    assert _book(rep2, g2, ids["court"], day, "15:00", "16:00").status_code == 201
    assert _book(rep2, g2, ids["hall"], day, "19:00", "20:00").status_code == 201
    # half A at the court's time: taken through the court
    r = _book(rep1, g1, ids["a"], day, "15:30", "16:30")
    assert r.status_code == 409 and r.get_json()["error"]["conflicts"][0]["space_id"] == ids["court"]
    # availability and the free-window search follow the family
    busy = anon.get(f"/spaces/{ids['hall']}/availability", **{"from": day.isoformat(), "to": (day + timedelta(days=1)).isoformat()}).get_json()["busy"]
    assert len(busy) == 2  # 15-16 (court) and 17-20 (half A, half B, the hall itself)
    found = {s["id"] for s in anon.get("/spaces", free_from=local(day, "15:00"), free_to=local(day, "16:00")).get_json()}
    assert ids["b"] in found and not {ids["hall"], ids["a"], ids["court"]} & found


def test_part_of_refused(hall, make_facility, make_user):
    ids, staff, facility, (rep1, g1), (rep2, g2) = hall
    r = staff.patch(f"/spaces/{ids['hall']}", {"part_of": ids["court"]})
    assert r.status_code == 422 and r.get_json()["error"]["reason"] == "part_of_cycle", r.get_json()
    other = make_facility()
    elsewhere = make_user("admin").post("/spaces", {"facility_id": other, "name": "Gym", "capacity": 5}).get_json()["id"]
    r = staff.patch(f"/spaces/{ids['b']}", {"part_of": elsewhere})
    assert r.status_code in (403, 422), r.get_json()
    # half B made part of half A while both are booked at the same time: refused, listing them
    day = next_weekday(3)
    first = _book(rep1, g1, ids["a"], day, "10:00", "11:00").get_json()["id"]
    second = _book(rep2, g2, ids["b"], day, "10:30", "11:30").get_json()["id"]
    r = staff.patch(f"/spaces/{ids['b']}", {"part_of": ids["a"]})
    assert r.status_code == 422, r.get_json()
    error = r.get_json()["error"]
    assert error["reason"] == "part_of_collides"
    assert sorted(b["id"] for b in error["bookings"]) == sorted([first, second])
    # taken out of the hall, the court stands alone: its own bookings only
    r = staff.patch(f"/spaces/{ids['court']}", {"part_of": None})
    assert r.status_code == 200 and r.get_json()["part_of"] is None
    assert _book(rep2, g2, ids["court"], day, "10:00", "11:00").status_code == 201


def test_a_leaf_given_parts_keeps_its_bookings_held(hall, app, database_url):
    """Half B (a leaf) gets a court: half B's booking now holds its time in the new court, so the
    court is refused, by the service and (PostgreSQL) by the claims' constraint."""
    ids, staff, facility, (rep1, g1), (rep2, g2) = hall
    day = next_weekday(4)
    assert _book(rep1, g1, ids["b"], day, "12:00", "13:00").status_code == 201
    r = staff.post("/spaces", {"facility_id": facility, "name": "Court 2", "capacity": 10, "part_of": ids["b"],
                               "opening_hours": [{"weekday": d, "opens": "08:00", "closes": "22:00"} for d in range(7)],
                               "rules": {"horizon_days": 400}})
    court2 = r.get_json()["id"]
    r = _book(rep2, g2, court2, day, "12:30", "13:30")
    assert r.status_code == 409 and r.get_json()["error"]["conflicts"][0]["space_id"] == ids["b"]
    if not database_url.startswith("postgres"):
        return
    with app.app_context():
        claims = db.session.execute(text("SELECT leaf_space_id FROM booking_claims c JOIN bookings b ON b.id = c.booking_id "
                                         "WHERE b.space_id = :s"), {"s": ids["b"]}).scalars().all()
        assert claims == [court2]
        # the constraint itself, past the service: a row for the court at the same time is refused
        start = datetime.fromisoformat(local(day, "12:00")).replace(tzinfo=timezone(timedelta(hours=2)))
        with pytest.raises(IntegrityError):
            db.session.execute(text(
                "INSERT INTO bookings (space_id, group_id, title, public_title, attendees, start_at, end_at, blocked_until, "
                "status, on_behalf, sequence, created_at, updated_at) VALUES (:s, :g, 'x', false, 1, :a, :b, :b, 'confirmed', "
                "false, 0, now(), now())"), {"s": court2, "g": g2, "a": start - timedelta(days=400), "b": start + timedelta(days=400)})
            db.session.flush()
        db.session.rollback()


def test_the_database_refuses_a_family_double_booking_with_the_guards_off(hall, monkeypatch, database_url):
    """PostgreSQL: with the service's lock and checks off, the claims' exclusion constraint still refuses
    the hall while its half is booked (409, not 500); a free half still books."""
    if not database_url.startswith("postgres"):
        pytest.skip("the booking_claims exclusion constraint exists on PostgreSQL only")
    from collections import defaultdict

    from spaces.services import bookings

    ids, _staff, _f, (rep1, g1), (rep2, g2) = hall
    day = next_weekday(5)
    assert _book(rep1, g1, ids["court"], day, "10:00", "11:00").status_code == 201
    monkeypatch.setattr(bookings, "lock_family", lambda *a, **k: None)
    monkeypatch.setattr(bookings, "load_busy", lambda *a, **k: (defaultdict(list), defaultdict(list)))
    for space in ("hall", "a"):
        r = _book(rep2, g2, ids[space], day, "10:30", "11:30")
        assert r.status_code == 409 and r.get_json()["error"]["code"] == "conflict", r.get_json()
    assert _book(rep2, g2, ids["b"], day, "10:30", "11:30").status_code == 201


def test_the_hall_feed_shows_its_parts_time_as_reserved(hall, client):
    ids, _staff, _f, (rep1, g1), _ = hall
    day = next_weekday(1)
    r = rep1.post("/bookings", {"space_id": ids["a"], "group_id": g1, "title": "Secret practice", "public_title": True,
                                "start": local(day, "17:00"), "end": local(day, "18:00")})
    assert r.status_code == 201
    hall_feed = client.get(f"/calendars/spaces/{ids['hall']}.ics?lang=en").get_data(as_text=True)
    assert "SUMMARY:Reserved" in hall_feed and "Secret practice" not in hall_feed
    half_b = client.get(f"/calendars/spaces/{ids['b']}.ics").get_data(as_text=True)
    assert "VEVENT" not in half_b  # half B shares no time with half A
    own = client.get(f"/calendars/spaces/{ids['a']}.ics").get_data(as_text=True)
    assert "Secret practice" in own


def test_a_closure_of_the_hall_closes_its_parts_in_the_week_and_the_report(hall, anon):
    ids, staff, facility, (rep1, g1), _ = hall
    day = next_weekday(0)
    r = staff.post(f"/spaces/{ids['hall']}/closures", {"start": local(day, "08:00"), "end": local(day, "12:00"), "reason": "Floor"})
    assert r.status_code == 201, r.get_json()
    r = _book(rep1, g1, ids["court"], day, "09:00", "10:00")
    assert r.status_code == 409 and r.get_json()["error"]["conflicts"][0]["code"] == "closed"
    window = {"from": day.isoformat(), "to": (day + timedelta(days=1)).isoformat()}
    report = staff.get("/reports/usage", facility_id=facility, **window).get_json()
    hours = {row["space_id"]: row["open_hours"] for row in report["spaces"]}
    assert hours[ids["court"]] == hours[ids["hall"]] == hours[ids["b"]] == 10  # 08-22 less the hall's 4 hours
