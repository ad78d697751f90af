"""Lists, series answers, availability, searches and feeds are built from a fixed number of
queries, not one per row: the counts are the same for few rows and for many."""
from datetime import timedelta

import pytest

from tests.conftest import local, next_weekday
from tests.support.queries import count_queries


def _series(rep, space, group, count):
    day = next_weekday(0)
    r = rep.post("/bookings", {"space_id": space, "group_id": group, "title": "Weekly", "start": local(day, "18:00"),
                               "end": local(day, "19:00"), "rrule": f"FREQ=WEEKLY;COUNT={count}"})
    assert r.status_code == 201, r.get_json()
    return r.get_json()["id"]


def test_listing_bookings_costs_the_same_for_3_or_30(app, make_user, make_group, make_space):
    group, space = make_group(), make_space()
    rep = make_user(groups=[group])
    _series(rep, space, group, 3)
    with count_queries(app) as few:
        assert len(rep.get("/bookings").get_json()) == 3
    _series(rep, make_space(), group, 27)
    with count_queries(app) as many:
        assert len(rep.get("/bookings").get_json()) == 30
    assert len(many) == len(few)


def test_cancelling_a_series_costs_the_same_for_3_or_30(app, make_user, make_group, make_space):
    group = make_group()
    rep = make_user(groups=[group])
    small = _series(rep, make_space(), group, 3)
    big = _series(rep, make_space(), group, 30)
    with count_queries(app) as few:
        assert len(rep.post(f"/bookings/{small}/cancel", {"scope": "series"}).get_json()["bookings"]) == 3
    with count_queries(app) as many:
        assert len(rep.post(f"/bookings/{big}/cancel", {"scope": "series"}).get_json()["bookings"]) == 30
    assert len(many) == len(few)


def test_space_search_costs_the_same_for_2_or_12_spaces(app, anon, make_space):
    for _ in range(2):
        make_space(accessibility=["step_free_access"], equipment=["piano"])
    day = next_weekday(2)
    window = {"free_from": local(day, "10:00"), "free_to": local(day, "12:00")}
    with count_queries(app) as few:
        assert len(anon.get("/spaces", **window).get_json()) == 2
    for _ in range(10):
        make_space(accessibility=["step_free_access"], equipment=["piano"])
    with count_queries(app) as many:
        assert len(anon.get("/spaces", **window).get_json()) == 12
    assert len(many) == len(few)


def _daily(rep, space, group, day, hour, count, title="Daily"):
    r = rep.post("/bookings", {"space_id": space, "group_id": group, "title": title, "start": local(day, f"{hour:02d}:00"),
                               "end": local(day, f"{hour:02d}:30"), "rrule": f"FREQ=DAILY;COUNT={count}", "public_title": True})
    assert r.status_code == 201, r.get_json()


def _statements(seen):
    return [s for s in seen if not s.startswith(("BEGIN", "COMMIT", "ROLLBACK"))]


def test_availability_costs_the_same_for_3_or_30_bookings(app, anon, make_user, make_group, make_space):
    group, space = make_group(), make_space()
    rep = make_user(groups=[group])
    day = next_weekday(0)
    window = {"from": day.isoformat(), "to": (day + timedelta(days=14)).isoformat()}
    _daily(rep, space, group, day, 9, 3)
    with count_queries(app) as few:
        assert len(anon.get(f"/spaces/{space}/availability", **window).get_json()["busy"]) == 3
    _daily(rep, space, group, day, 12, 14)
    _daily(rep, space, group, day, 15, 13)
    with count_queries(app) as many:
        assert len(anon.get(f"/spaces/{space}/availability", **window).get_json()["busy"]) == 30
    assert len(_statements(many)) == len(_statements(few))


@pytest.fixture
def no_feed_cache(app):
    """Every feed request builds its feed (what the first request after a change costs)."""
    saved = app.config.get("FEED_CACHE_BYTES")
    app.config["FEED_CACHE_BYTES"] = 0
    yield
    app.config["FEED_CACHE_BYTES"] = saved


def test_a_feed_costs_the_same_for_3_or_30_events(app, client, make_user, make_group, make_space, make_facility, no_feed_cache):
    """A space's public feed and a group's private feed, built: singles, series, closures alike."""
    group = make_group()
    rep = make_user(groups=[group])
    staff = make_user(role="staff", facilities=[facility := make_facility()])
    space = make_space(facility_id=facility)
    day = next_weekday(0)
    (link,) = rep.get("/feeds").get_json()
    group_url = link["url"].split("commons.test", 1)[1]
    _daily(rep, space, group, day, 9, 2)
    single = rep.post("/bookings", {"space_id": space, "group_id": group, "title": "Once", "start": local(day, "18:00"), "end": local(day, "19:00")})
    assert single.status_code == 201
    with count_queries(app) as few:
        assert client.get(f"/calendars/spaces/{space}.ics").data.count(b"BEGIN:VEVENT") == 2
        assert client.get(group_url).status_code == 200
    other = make_space(facility_id=facility)
    for k, hour in enumerate((10, 11, 12, 13)):
        _daily(rep, space if k % 2 else other, group, day + timedelta(days=1), hour, 6 + k)
    for d in range(1, 8):
        one = rep.post("/bookings", {"space_id": space, "group_id": group, "title": "Once", "start": local(day + timedelta(days=d), "18:00"),
                                     "end": local(day + timedelta(days=d), "19:00")}).get_json()
        if d % 3 == 0:
            assert rep.post(f"/bookings/{one['id']}/cancel").status_code == 200
    for d in range(3):
        assert staff.post(f"/spaces/{space}/closures", {"start": local(day + timedelta(days=20 + d), "08:00"),
                                                        "end": local(day + timedelta(days=20 + d), "09:00"), "reason": "Cleaning"}).status_code == 201
    with count_queries(app) as many:
        assert client.get(f"/calendars/spaces/{space}.ics").data.count(b"BEGIN:VEVENT") > 10
        assert client.get(group_url).status_code == 200
    assert len(_statements(many)) == len(_statements(few))


def test_listing_spaces_costs_the_same_for_2_or_12(app, anon, make_space):
    for _ in range(2):
        make_space(accessibility=["step_free_access"], equipment=["piano"])
    with count_queries(app) as few:
        assert len(anon.get("/spaces").get_json()) == 2
    for _ in range(10):
        make_space(accessibility=["elevator"], equipment=["screen"])
    with count_queries(app) as many:
        assert len(anon.get("/spaces").get_json()) == 12
    assert len(_statements(many)) == len(_statements(few))
