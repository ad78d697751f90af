"""Pagination on every list (docs/security.md "Limits"): every GET API endpoint that answers a JSON array takes
`limit` and `offset`, refuses a limit over its maximum with a 422 that says the maximum, keeps the
bare array, and says what follows in `Link: <…>; rel="next"` (RFC 8288) and `X-Total-Count`."""
from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest

import calendars.api  # noqa: F401  (importing the API modules declares their endpoints)
import commons.api  # noqa: F401
import spaces.api  # noqa: F401
import spaces.report_api  # noqa: F401
import volunteers.api  # noqa: F401
from commons.apispec import ENDPOINTS, MAX_PAGE, is_list_response
from tests.conftest import local, next_weekday
from tests.volunteers.conftest import PROFILE

LIST_ENDPOINTS = sorted({ep.rule for ep in ENDPOINTS if ep.method == "get" and is_list_response(ep.response)})


def test_the_lists_are_the_ones_we_expect():
    """A new list endpoint is paginated by api_route on its own; this names them so that docs/security.md
    table stays in step."""
    assert LIST_ENDPOINTS == [
        "/api/v1/activities",
        "/api/v1/audit",
        "/api/v1/bookings",
        "/api/v1/credential-kinds",
        "/api/v1/facilities",
        "/api/v1/feeds",
        "/api/v1/groups",
        "/api/v1/shifts/<int:shift_id>/candidates",
        "/api/v1/shifts/<int:shift_id>/signups",
        "/api/v1/spaces",
        "/api/v1/spaces/<int:space_id>/closures",
        "/api/v1/volunteers/me/matches",
        "/api/v1/waitlist",
    ]


@pytest.fixture
def w(make_user, make_group, make_facility, make_space):
    class W:
        pass

    w = W()
    w.facility = make_facility(district="Kallio")
    w.space = make_space(facility_id=w.facility, name="Hall")
    w.groups = [make_group(name=f"Group {i}", district="Kallio") for i in range(3)]
    w.admin = make_user("admin")
    w.rep = make_user(groups=[w.groups[0]])
    day = next_weekday(1, 2)
    w.bookings = []
    for hour in ("10:00", "12:00", "14:00"):
        end = f"{int(hour[:2]) + 1}:00"
        r = w.rep.post("/bookings", {"space_id": w.space, "group_id": w.groups[0], "title": "Meeting",
                                    "start": local(day, hour), "end": local(day, end)})
        assert r.status_code == 201, r.get_json()
        w.bookings.append(r.get_json()["id"])
        r = w.rep.post(f"/spaces/{w.space}/waitlist", {"group_id": w.groups[0], "title": "Waiting",
                                                       "start": local(day, hour), "end": local(day, end)})
        assert r.status_code == 201, r.get_json()
    r = w.rep.post("/activities", {"group_id": w.groups[0], "title": "Café", "district": "Kallio"})
    activity = r.get_json()["id"]
    w.shifts = []
    for weeks in (1, 2, 3):
        d = next_weekday(1, weeks)
        r = w.rep.post(f"/activities/{activity}/shifts", {"start": local(d, "18:00"), "end": local(d, "20:00"), "needed": 3})
        assert r.status_code == 201, r.get_json()
        w.shifts.append(r.get_json()["id"])
    w.volunteers = []
    for i in range(3):
        v = make_user("volunteer", name=f"Vol {i}")
        r = v.client.put("/api/v1/volunteers/me", json=PROFILE, headers=v._headers())
        assert r.status_code == 200, r.get_json()
        assert v.post(f"/shifts/{w.shifts[0]}/signup").status_code == 200
        w.volunteers.append(v)
    for i in range(3):
        r = w.admin.post(f"/spaces/{w.space}/closures", {"start": local(next_weekday(3, 3 + i), "08:00"),
                                                         "end": local(next_weekday(3, 3 + i), "09:00"), "reason": f"Closed {i}"})
        assert r.status_code == 201, r.get_json()
    return w


def _caller(w, rule: str):
    if rule.startswith("/api/v1/volunteers/me"):
        return w.volunteers[0]
    if rule.startswith("/api/v1/shifts") or rule in ("/api/v1/feeds", "/api/v1/waitlist"):
        return w.rep
    return w.admin


def _path(w, rule: str) -> str:
    shift = w.shifts[1] if rule.endswith("/candidates") else w.shifts[0]  # everyone is signed up for the first
    return rule.replace("<int:space_id>", str(w.space)).replace("<int:shift_id>", str(shift))[len("/api/v1"):]


def _next(r) -> str | None:
    m = re.search(r'<([^>]+)>; rel="next"', r.headers.get("Link", ""))
    return m.group(1) if m else None


@pytest.mark.parametrize("rule", LIST_ENDPOINTS)
def test_every_list_takes_limit_and_offset_and_refuses_a_huge_limit(w, rule, app):
    api, path = _caller(w, rule), _path(w, rule)
    whole = api.get(path)
    assert whole.status_code == 200, whole.get_json()
    items = whole.get_json()
    assert isinstance(items, list), "a list stays a bare array"
    assert len(items) >= 1, f"{rule}: the fixture should give it something to list"

    r = api.get(path, limit=100000)
    assert r.status_code == 422, (rule, r.status_code)
    err = r.get_json()["error"]
    assert err["code"] == "invalid" and "limit" in err["fields"]
    assert "less than or equal" in err["fields"]["limit"]
    for bad in ({"limit": 0}, {"limit": "ten"}, {"offset": -1}):
        assert api.get(path, **bad).status_code == 422, (rule, bad)

    # paging through one at a time gives the whole list, in order, following rel="next"
    seen, url = [], f"/api/v1{path}?limit=1"
    for _ in range(len(items) + 2):
        r = api.client.get(url, headers=api._headers())
        assert r.status_code == 200
        page = r.get_json()
        assert isinstance(page, list) and len(page) <= 1
        seen += page
        nxt = _next(r)
        if nxt is None:
            break
        parts = urlsplit(nxt)
        assert parts.path == f"/api/v1{path}" and parse_qs(parts.query)["limit"] == ["1"]
        url = parts.path + "?" + parts.query
    assert seen == items, rule
    if "X-Total-Count" in whole.headers:
        assert int(whole.headers["X-Total-Count"]) == len(items)

    # the OpenAPI document says so
    doc = app.test_client().get("/api/v1/openapi.json").get_json()
    openapi_path = re.sub(r"<int:(\w+)>", r"{\1}", rule)
    op = doc["paths"][openapi_path]["get"]
    params = {p["name"]: p for p in op["parameters"] if p["in"] == "query"}
    assert {"limit", "offset"} <= set(params), rule
    assert params["limit"]["schema"]["maximum"] <= 2000 and params["limit"]["schema"]["minimum"] == 1
    ok = op["responses"]["200"]
    assert {"Link", "X-Total-Count"} <= set(ok["headers"]) and ok["content"]["application/json"]["schema"]["type"] == "array"


def test_link_and_total_count_headers(w, anon):
    r = anon.get("/groups", limit=2)
    assert [g["name"] for g in r.get_json()] == ["Group 0", "Group 1"]
    assert r.headers["X-Total-Count"] == "3"
    assert r.headers["Link"] == f'<http://commons.test/api/v1/groups?limit=2&offset=2>; rel="next"'
    r = anon.get("/groups", limit=2, offset=2)
    assert [g["name"] for g in r.get_json()] == ["Group 2"]
    assert r.headers["Link"] == f'<http://commons.test/api/v1/groups?limit=2&offset=0>; rel="prev"'
    r = anon.get("/groups", offset=10)
    assert r.get_json() == [] and r.headers["X-Total-Count"] == "3"
    # a whole list in one page has no Link
    assert "Link" not in anon.get("/groups").headers


def test_the_other_parameters_stay_in_the_links(w, anon):
    r = anon.get("/spaces", district="Kallio", limit=1)
    assert r.status_code == 200 and len(r.get_json()) == 1
    assert "X-Total-Count" in r.headers and "Link" not in r.headers  # one space: nothing follows


def test_bookings_count_in_sql_and_keep_their_filters_in_the_link(w):
    r = w.rep.get("/bookings", group_id=w.groups[0], limit=2)
    assert [b["id"] for b in r.get_json()] == w.bookings[:2]
    assert r.headers["X-Total-Count"] == "3"
    nxt = _next(r)
    assert parse_qs(urlsplit(nxt).query) == {"group_id": [str(w.groups[0])], "limit": ["2"], "offset": ["2"]}
    r = w.rep.client.get(urlsplit(nxt).path + "?" + urlsplit(nxt).query, headers=w.rep._headers())
    assert [b["id"] for b in r.get_json()] == w.bookings[2:] and _next(r) is None
    assert w.rep.get("/bookings", limit=2001).status_code == 422
    assert w.rep.get("/bookings", limit=2000).status_code == 200


def test_ranked_lists_page_through_the_ranking(w):
    """Matches and candidates are ranked, not counted: no X-Total-Count, a next link while a page is full."""
    v = w.volunteers[1]
    whole = v.get("/volunteers/me/matches").get_json()
    assert len(whole) == 2  # signed up for the first shift already: the other two are offered
    first = v.get("/volunteers/me/matches", limit=1)
    assert first.get_json() == whole[:1] and "X-Total-Count" not in first.headers and _next(first)
    assert v.get("/volunteers/me/matches", limit=1, offset=1).get_json() == whole[1:]
    assert v.get("/volunteers/me/matches", limit=201).status_code == 422
    cands = w.rep.get(f"/shifts/{w.shifts[1]}/candidates").get_json()
    assert w.rep.get(f"/shifts/{w.shifts[1]}/candidates", limit=2, offset=1).get_json() == cands[1:3]


def test_lists_without_a_query_model_still_ignore_unknown_parameters(w, anon):
    """GET /groups?foo=1 answered before there were pages; it still does."""
    r = anon.get("/groups", foo="1")
    assert r.status_code == 200 and len(r.get_json()) == 3


def test_the_page_maximum_is_500():
    assert MAX_PAGE == 500
