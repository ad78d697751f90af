"""Lists and series answers are built from a fixed number of queries, not one per row."""
from contextlib import contextmanager

from sqlalchemy import event

from commons.extensions import db
from tests.conftest import local, next_weekday


@contextmanager
def count_queries(app):
    seen = []

    def before(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", before)


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
