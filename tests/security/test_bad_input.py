"""Whatever a client sends, the answer is a 4xx with the one error shape, never a 500, and a
refused request writes nothing (API.md: "Never a 500 for anything a client sends")."""
from __future__ import annotations

import json
from dataclasses import dataclass
from types import SimpleNamespace

import pytest
from flask_wtf.csrf import generate_csrf

from commons.extensions import db
from spaces.models import Booking, Space
from tests.conftest import PASSWORD, local, next_dst_start, next_weekday


# The same check over every route, page, code or role: clock-independent, so CI's clock lanes leave it out.
pytestmark = pytest.mark.sweep


@pytest.fixture(autouse=True)
def no_server_error_logged(caplog):
    """Nothing a client sends leaves a traceback in the server log (the 500 handler logs one)."""
    caplog.set_level("ERROR", logger="commons")
    yield
    errors = [r for r in caplog.get_records("call") if r.levelno >= 40]  # .records would be teardown's
    assert not errors, "server logged: " + "; ".join(r.getMessage() for r in errors)


@pytest.fixture
def stored(app):
    def rows():
        with app.app_context():
            out = [(b.id, b.status, b.title) for b in db.session.query(Booking).order_by(Booking.id)]
            db.session.remove()
            return out

    return rows


@pytest.fixture
def w(make_user, make_group, make_space, make_facility):
    """A space, a verified group with its representative, and another group with one booking."""
    facility = make_facility()
    space = make_space(facility_id=facility)
    group, other = make_group(), make_group()
    rep, other_rep = make_user("member", groups=[group]), make_user("member", groups=[other])
    day = next_weekday(1)
    r = other_rep.post("/bookings", {"space_id": space, "group_id": other, "title": "Theirs",
                                     "start": local(day, "10:00"), "end": local(day, "12:00")})
    assert r.status_code == 201, r.get_json()
    return SimpleNamespace(space=space, group=group, other=other, rep=rep, other_rep=other_rep, day=day,
                           facility=facility, staff=make_user("staff", facilities=[facility]),
                           other_booking=r.get_json()["id"])


def valid(w, **change):
    body = {"space_id": w.space, "group_id": w.group, "title": "Meeting",
            "start": local(w.day, "18:00"), "end": local(w.day, "20:00")}
    body.update(change)
    return {k: v for k, v in body.items() if v is not DROP}


DROP = object()


@dataclass
class Case:
    send: object  # (w) -> response
    status: int
    fields: tuple[str, ...] = ()
    code: str | None = None


def post_json(change=None, path="/bookings", **kw):
    return lambda w: w.rep.post(path(w) if callable(path) else path, valid(w, **(change or {})), **kw)


def post_raw(data, content_type="application/json", path="/bookings"):
    return lambda w: w.rep.client.post("/api/v1" + (path(w) if callable(path) else path), data=data,
                                       content_type=content_type, headers=w.rep._headers())


def post_text(text_fn):
    return lambda w: post_raw(text_fn(w))(w)


def get(path, **query):
    return lambda w: w.rep.get(path(w) if callable(path) else path, **{k: (v(w) if callable(v) else v) for k, v in query.items()})


def dst_gap(w):
    return local(next_dst_start(), "03:30")


CASES = {
    # Not JSON, or not an object
    "malformed-json": Case(post_raw('{"space_id": 1,'), 400, code="bad_json"),
    "json-array": Case(post_raw('[{"space_id": 1}]'), 400, code="bad_json"),
    "json-string": Case(post_raw('"book it"'), 400, code="bad_json"),
    "json-null": Case(post_raw("null"), 400, code="bad_json"),
    "not-utf8": Case(post_raw(b"\xff\xfe{\x00}"), 400, code="bad_json"),
    "deeply-nested": Case(post_raw("[" * 100_000 + "]" * 100_000), 400, code="bad_json"),
    "form-encoded": Case(post_raw("space_id=1&title=x", "application/x-www-form-urlencoded"), 400),
    "huge-body": Case(post_raw(json.dumps({"title": "x" * (1024 * 1024 + 10)})), 413, code="too_large"),
    "nan": Case(post_text(lambda w: json.dumps(valid(w))[:-1] + ', "attendees": NaN}'), 422, ("attendees",)),
    "infinity": Case(post_text(lambda w: json.dumps(valid(w))[:-1] + ', "attendees": 1e999}'), 422, ("attendees",)),
    "4301-digit-number": Case(post_text(lambda w: json.dumps(valid(w))[:-1] + ', "attendees": 1' + "0" * 4300 + "}"), 400),
    # Wrong types
    "title-int": Case(post_json({"title": 5}), 422, ("title",)),
    "title-null": Case(post_json({"title": None}), 422, ("title",)),
    "title-object": Case(post_json({"title": {"$ne": ""}}), 422, ("title",)),
    "attendees-text": Case(post_json({"attendees": "many"}), 422, ("attendees",)),
    "attendees-negative": Case(post_json({"attendees": -3}), 422, ("attendees",)),
    "attendees-huge": Case(post_json({"attendees": 10**30}), 422, ("attendees",)),
    "attendees-fraction": Case(post_json({"attendees": 2.5}), 422, ("attendees",)),
    "public-title-maybe": Case(post_json({"public_title": "maybe"}), 422, ("public_title",)),
    "public-title-list": Case(post_json({"public_title": [True]}), 422, ("public_title",)),
    "space-id-text": Case(post_json({"space_id": "one"}), 422, ("space_id",)),
    "space-id-fraction": Case(post_json({"space_id": 1.5}), 422, ("space_id",)),
    "space-id-huge": Case(post_json({"space_id": 10**20}), 422, ("space_id",)),
    "group-id-huge": Case(post_json({"group_id": 2**63}), 422, ("group_id",)),
    "space-id-boolean": Case(post_json({"space_id": True}), 422, ("space_id",)),  # not read as id 1 (found by the fuzzer)
    "fill-plan-activity-boolean": Case(lambda w: w.staff.post("/fill-plan", {"activity_id": True}), 422, ("activity_id",)),
    "attendees-boolean": Case(post_json({"attendees": True}), 422, ("attendees",)),  # not read as 1 person (any number: commons.schemas.In)
    "group-id-negative": Case(post_json({"group_id": -1}), 422, ("group_id",)),
    "start-list": Case(post_json({"start": ["2027-01-05T18:00"]}), 422, ("start",)),
    "on-conflict-unknown": Case(post_json({"on_conflict": "overwrite"}), 422, ("on_conflict",)),
    "rrule-int": Case(post_json({"rrule": 7}), 422, ("rrule",)),
    "rrule-garbage": Case(post_json({"rrule": "every tuesday"}), 422, ("rrule",)),
    "rrule-past-year-9999": Case(post_json({"rrule": "FREQ=YEARLY;INTERVAL=90;COUNT=100"}), 422, code="rule"),
    "rrule-centuries-ahead": Case(post_json({"rrule": "FREQ=YEARLY;INTERVAL=70;COUNT=100"}), 422, code="rule"),
    "rrule-impossible-date": Case(post_json({"rrule": "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30;COUNT=5"}), 422, ("rrule",)),
    "rrule-bad-byhour": Case(post_json({"rrule": "FREQ=DAILY;COUNT=3;BYHOUR=25"}), 422, ("rrule",)),
    "title-with-nul": Case(post_json({"title": "Board\x00meeting"}), 422, ("title",)),
    # Missing and unknown fields
    # (group_id is optional since staff may give contact_name and contact_phone instead: issue 21)
    "empty-body": Case(post_raw(""), 422, ("space_id", "title", "start", "end")),
    "empty-object": Case(post_raw("{}"), 422, ("space_id", "title", "start", "end")),
    "missing-title": Case(post_json({"title": DROP}), 422, ("title",)),
    "missing-end": Case(post_json({"end": DROP}), 422, ("end",)),
    "unknown-field": Case(post_json({"colour": "red"}), 422, ("colour",)),
    "status-smuggled": Case(post_json({"status": "confirmed"}), 422, ("status",)),
    # Unknown things
    "unknown-space": Case(post_json({"space_id": 987654}), 404, code="not_found"),
    "unknown-group": Case(post_json({"group_id": 987654}), 404, code="not_found"),
    # Times
    "time-words": Case(post_json({"start": "next tuesday at six"}), 422, ("start",)),
    "time-empty": Case(post_json({"start": ""}), 422, ("start",)),
    "time-year-99999": Case(post_json({"start": "99999-01-05T18:00", "end": "99999-01-05T20:00"}), 422, ("start", "end")),
    "time-year-1900": Case(post_json({"start": "1900-01-02T18:00", "end": "1900-01-02T20:00"}), 422, ("start", "end")),
    "time-unix-number": Case(post_json({"start": 1799161200, "end": 1799168400}), 422, ("start", "end")),
    "time-unix-text": Case(post_json({"start": "1799161200"}), 422, ("start",)),
    "time-bad-offset": Case(post_json({"start": "2027-01-05T18:00+25:00"}), 422, ("start",)),
    "time-month-13": Case(post_json({"start": "2027-13-05T18:00"}), 422, ("start",)),
    "end-before-start": Case(lambda w: w.rep.post("/bookings", valid(w, start=local(w.day, "20:00"), end=local(w.day, "18:00"))),
                             422, ("end",)),
    "end-equals-start": Case(lambda w: w.rep.post("/bookings", valid(w, end=local(w.day, "18:00"))), 422, ("end",)),
    "nonexistent-local-time": Case(lambda w: w.rep.post("/bookings", valid(w, start=dst_gap(w), end=local(next_dst_start(), "05:00"))),
                                   422, ("start",)),
    # Text
    "title-100000-chars": Case(post_json({"title": "x" * 100_000}), 422, ("title",)),
    "title-blank": Case(post_json({"title": "   "}), 422, ("title",)),
    # Someone else's things
    "another-groups-id": Case(lambda w: w.rep.post("/bookings", valid(w, group_id=w.other)), 403, code="forbidden"),
    "cancel-someone-elses": Case(lambda w: w.rep.post(f"/bookings/{w.other_booking}/cancel"), 404, code="not_found"),
    "approve-someone-elses": Case(lambda w: w.rep.post(f"/bookings/{w.other_booking}/approve"), 404, code="not_found"),
    "get-someone-elses": Case(get(lambda w: f"/bookings/{w.other_booking}"), 404, code="not_found"),
    "booking-id-huge": Case(get("/bookings/99999999999999999999"), 404),
    "cancel-id-huge": Case(lambda w: w.rep.post("/bookings/99999999999999999999/cancel"), 404),
    "space-id-huge-path": Case(get("/spaces/99999999999999999999/availability"), 404),
    # Another route has the same path with other methods: still 404, not 405 (found by the fuzzer)
    "space-patch-id-huge": Case(lambda w: w.staff.patch("/spaces/288230376151711745", {"name": "x"}), 404, code="not_found"),
    "booking-move-id-just-over-int32": Case(lambda w: w.rep.patch("/bookings/2147483648", {"start": local(w.day, "18:00")}),
                                            404, code="not_found"),
    # Other bodies
    "cancel-scope-unknown": Case(lambda w: w.other_rep.post(f"/bookings/{w.other_booking}/cancel", {"scope": "everything"}),
                                 422, ("scope",)),
    "cancel-array-body": Case(post_raw("[]", path=lambda w: f"/bookings/{w.other_booking}/cancel"), 400),
    "decision-message-too-long": Case(lambda w: w.staff.post(f"/bookings/{w.other_booking}/reject", {"message": "x" * 5000}),
                                      422, ("message",)),
    "closure-bad-times": Case(lambda w: w.staff.post(f"/spaces/{w.space}/closures", {"start": "soon", "end": 5, "reason": "x"}),
                              422, ("start", "end")),
    "space-patch-wrong-types": Case(lambda w: w.staff.patch(f"/spaces/{w.space}", {"capacity": "big", "rules": []}),
                                    422, ("capacity", "rules")),
    "space-hours-not-a-list": Case(lambda w: w.staff.patch(f"/spaces/{w.space}", {"opening_hours": {"monday": "all day"}}),
                                   422, ("opening_hours",)),
    "group-malformed": Case(post_raw("{name: 'x'}", path="/groups"), 400, code="bad_json"),
    "group-nul-name": Case(lambda w: w.rep.post("/groups", {"name": "A\x00B", "kind": "association", "district": "Kallio"}),
                           422, ("name",)),
    # Queries
    "query-from-garbage": Case(get("/bookings", **{"from": "yesterday"}), 422, ("from",)),
    "query-limit-zero": Case(get("/bookings", limit=0), 422, ("limit",)),
    "query-offset-huge": Case(get("/bookings", offset=10**30), 422, ("offset",)),
    "query-space-id-huge": Case(get("/bookings", space_id=10**20), 422, ("space_id",)),
    "query-unknown": Case(get("/bookings", colour="red"), 422, ("colour",)),
    "query-capacity-negative": Case(get("/spaces", min_capacity=-1), 422, ("min_capacity",)),
    "query-facility-huge": Case(get("/spaces", facility_id=10**20), 422, ("facility_id",)),
    "query-district-nul": Case(get("/spaces", district="Kal\x00lio"), 422, ("district",)),
    "query-year-99999": Case(get(lambda w: f"/spaces/{w.space}/availability", **{"from": "99999-01-01T00:00"}), 422, ("from",)),
    "query-nonexistent-time": Case(get(lambda w: f"/spaces/{w.space}/availability", **{"from": dst_gap}), 422, ("from",)),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_bad_input_is_a_4xx_and_writes_nothing(w, stored, case):
    before = stored()
    r = case.send(w)
    assert 400 <= r.status_code < 500, (r.status_code, r.get_data(as_text=True)[:500])
    assert r.status_code == case.status, r.get_data(as_text=True)[:500]
    assert r.content_type.startswith("application/json")
    err = r.get_json()["error"]
    assert isinstance(err["code"], str) and err["code"]
    assert isinstance(err["message"], str) and err["message"]
    if case.code:
        assert err["code"] == case.code
    if case.fields:
        assert set(case.fields) <= set(err.get("fields", {})), err
    assert stored() == before


def test_sql_looking_text_is_just_text(w, stored, anon, app):
    title = "'; DROP TABLE bookings; --"
    r = w.rep.post("/bookings", valid(w, title=title))
    assert r.status_code == 201, r.get_json()
    assert w.rep.get(f"/bookings/{r.get_json()['id']}").get_json()["title"] == title
    assert [row[2] for row in stored()] == ["Theirs", title]
    r = anon.get("/spaces", district="x' OR '1'='1", equipment="'; DELETE FROM spaces; --")
    assert r.status_code == 200 and r.get_json() == []
    r = w.rep.post("/groups", {"name": "Robert'); DROP TABLE groups;--", "kind": "association", "district": "Kallio"})
    assert r.status_code == 201
    with app.app_context():
        assert db.session.query(Space).count() == 1
        db.session.remove()
    assert len(anon.get("/groups").get_json()) == 3
    assert len(anon.get("/spaces").get_json()) == 1


WRITES = [
    ("post", "/bookings"),
    ("post", "/groups"),
    ("post", "/groups/{group}/verify"),
    ("post", "/groups/{group}/members"),
    ("post", "/facilities"),
    ("post", "/facilities/{facility}/staff"),
    ("post", "/spaces"),
    ("patch", "/spaces/{space}"),
    ("post", "/spaces/{space}/closures"),
    ("delete", "/spaces/{space}/closures/1"),
    ("post", "/bookings/{booking}/cancel"),
    ("post", "/bookings/{booking}/approve"),
    ("post", "/bookings/{booking}/reject"),
    ("delete", "/me"),
]


@pytest.mark.parametrize("method, path", WRITES, ids=[f"{m} {p}" for m, p in WRITES])
def test_anonymous_writes_are_401(w, stored, anon, method, path):
    before = stored()
    url = path.format(group=w.group, facility=w.facility, space=w.space, booking=w.other_booking)
    body = valid(w) if path == "/bookings" else {"name": "x"}
    r = getattr(anon, method)(url, body) if method != "delete" else anon.delete(url)
    assert r.status_code == 401, r.get_data(as_text=True)
    assert r.get_json()["error"]["code"] == "unauthorized"
    assert stored() == before


@pytest.mark.parametrize("header", ["Bearer not-a-real-token", "Bearer ", "Basic dXNlcjpwYXNz", "Token abc", "bearer"])
@pytest.mark.parametrize("method, path", [("get", "/api/v1/me"), ("post", "/api/v1/bookings"), ("get", "/api/v1/spaces")])
def test_bad_bearer_token_is_401(w, stored, client, header, method, path):
    before = stored()
    kwargs = {"json": valid(w)} if method == "post" else {}
    r = getattr(client, method)(path, headers={"Authorization": header}, **kwargs)
    assert r.status_code == 401, r.get_data(as_text=True)
    err = r.get_json()["error"]
    assert err["code"] == "unauthorized" and err["message"]
    assert stored() == before


def test_token_of_an_erased_account_stops_working(w, client):
    assert w.rep.get("/me").status_code == 200
    assert w.rep.delete("/me").status_code == 200
    assert w.rep.get("/me").status_code == 401


# --- Browser sessions must send the CSRF token on API writes -------------------------------------


def sign_in(client, email):
    r = client.post("/login", data={"email": email, "password": PASSWORD})
    assert r.status_code == 302, r.get_data(as_text=True)[:300]


@pytest.mark.parametrize("email", ["a\x00b@example.fi", "user1@example.fi\x00", "x" * 300 + "@example.fi"])
def test_sign_in_with_odd_input_is_refused_not_a_500(client, make_user, email):
    make_user("member")
    r = client.post("/login", data={"email": email, "password": "pass\x00word"})
    assert r.status_code == 422
    assert client.get("/api/v1/me").status_code == 401


def test_session_write_without_csrf_token_is_refused(w, client, stored):
    sign_in(client, w.rep.email)
    me = client.get("/api/v1/me")
    assert me.status_code == 200 and me.get_json()["id"] == w.rep.user_id  # the session signs API calls in
    before = stored()
    r = client.post("/api/v1/bookings", json=valid(w))
    assert r.status_code == 400, r.get_json()
    assert r.get_json()["error"]["code"] == "csrf"
    r = client.post("/api/v1/bookings", json=valid(w), headers={"X-CSRFToken": "forged"})
    assert r.status_code == 400 and r.get_json()["error"]["code"] == "csrf"
    assert stored() == before


def test_session_write_with_csrf_token_is_accepted(w, app, client, stored):
    sign_in(client, w.rep.email)
    with app.test_request_context():
        from flask import session

        token = generate_csrf()
        raw = session["csrf_token"]
    with client.session_transaction() as sess:
        sess["csrf_token"] = raw
    r = client.post("/api/v1/bookings", json=valid(w), headers={"X-CSRFToken": token})
    assert r.status_code == 201, r.get_json()
    assert len(stored()) == 2


def test_bearer_token_needs_no_csrf_token(w, stored):
    r = w.rep.post("/bookings", valid(w))
    assert r.status_code == 201, r.get_json()
    assert len(stored()) == 2


def test_everything_answers_json_errors_under_the_api_prefix(w, client):
    r = client.get("/api/v1/no-such-thing")
    assert r.status_code == 404 and r.get_json()["error"]["code"] == "not_found"
    r = client.put("/api/v1/bookings", json={})
    assert r.status_code == 405 and r.get_json()["error"]["code"] == "method_not_allowed"


def test_dst_gap_in_free_window_search(w, anon):
    r = anon.get("/spaces", free_from=local(next_dst_start(), "03:30"), free_to=local(next_dst_start(), "05:00"))
    assert r.status_code == 422 and "free_from" in r.get_json()["error"]["fields"]

