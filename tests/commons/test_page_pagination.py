"""Pages that list a growing set show it a page at a time (docs/security.md "Limits"): spaces search, the staff's
booking requests, a group's and my bookings, activities, a shift's candidates, the admin's verified
groups. "Previous"/"Next" links in a <nav aria-label>, translated, keeping the rest of the query. The
page size is 50; the tests make it 2 so that a few rows make three pages."""
from __future__ import annotations

import re
from html import unescape

import pytest

from commons import pagination
from tests.conftest import PASSWORD, local, next_weekday
from tests.volunteers.conftest import PROFILE


@pytest.fixture(autouse=True)
def small_pages(monkeypatch):
    monkeypatch.setattr(pagination, "PAGE_SIZE", 2)


def signed_in(app, api):
    client = app.test_client()
    r = client.post("/login", data={"email": api.email, "password": PASSWORD})
    assert r.status_code == 302
    return client


def nav(html: str) -> str:
    m = re.search(r'<nav class="pager" aria-label="([^"]+)">(.*?)</nav>', html, re.S)
    assert m, "no pager"
    return m.group(0)


def link(html: str, rel: str) -> str | None:
    m = re.search(rf'<a href="([^"]+)" rel="{rel}">', nav(html))
    return unescape(m.group(1)) if m else None


def walk(client, url: str, marker: str, headers=None) -> list[str]:
    """Follow rel="next" from `url`; the rows found on every page (by a regex), in order."""
    seen = []
    for _ in range(10):
        r = client.get(url, headers=headers or {})
        assert r.status_code == 200, url
        html = r.get_data(as_text=True)
        seen += re.findall(marker, html)
        url = link(html, "next")
        if url is None:
            return seen
    raise AssertionError("more pages than rows")


def test_spaces_search_pages_keep_the_search(app, client, make_facility, make_space):
    facility = make_facility(district="Kallio")
    for i in range(5):
        make_space(facility_id=facility, name=f"Room {i}", capacity=10 + i)
    html = client.get("/spaces?min_capacity=11").get_data(as_text=True)
    assert "4 spaces" in html  # the count is the whole result, not the page
    assert 'aria-label="Pages of the list"' in nav(html) and "Showing 1–2 of 4" in nav(html)
    assert link(html, "prev") is None
    nxt = link(html, "next")
    assert "min_capacity=11" in nxt and "page=2" in nxt
    assert walk(client, "/spaces?min_capacity=11", r">(Room \d)</a>") == ["Room 1", "Room 2", "Room 3", "Room 4"]
    page2 = client.get(nxt).get_data(as_text=True)
    assert link(page2, "prev") and "page=" not in link(page2, "prev")  # the first page is the plain address
    fi = client.get("/spaces?min_capacity=11&page=2", headers={"Accept-Language": "fi"}).get_data(as_text=True)
    assert ">Edellinen<" in nav(fi) and "Sivu 2 / 2" in nav(fi) and 'aria-label="Luettelon sivut"' in nav(fi)
    sv = client.get("/spaces?min_capacity=11", headers={"Accept-Language": "sv"}).get_data(as_text=True)
    assert ">Nästa<" in nav(sv)


@pytest.mark.parametrize("page", ["0", "-1", "abc", "99999999999", "2.5"])
def test_a_bad_page_number_shows_a_page_not_an_error(client, make_facility, make_space, page):
    facility = make_facility()
    for i in range(3):
        make_space(facility_id=facility, name=f"Room {i}")
    r = client.get(f"/spaces?page={page}")
    assert r.status_code == 200 and "Showing" in r.get_data(as_text=True)


def test_a_page_past_the_end_shows_the_last(client, make_facility, make_space):
    facility = make_facility()
    for i in range(3):
        make_space(facility_id=facility, name=f"Room {i}")
    html = client.get("/spaces?page=7").get_data(as_text=True)
    assert "Page 2 of 2" in nav(html) and "Room 2" in html


def test_few_rows_show_no_pager(client, make_facility, make_space):
    make_space(facility_id=make_facility(), name="Only")
    assert 'class="pager"' not in client.get("/spaces").get_data(as_text=True)


def test_staff_requests_and_group_bookings_are_paged(app, make_facility, make_space, make_group, make_user):
    facility = make_facility()
    space = make_space(facility_id=facility)
    group = make_group(verified=False, name="New Choir")  # its bookings wait for the staff
    rep = make_user(groups=[group])
    staff = make_user("staff", facilities=[facility])
    day = next_weekday(2)
    for hour in (10, 12, 14, 16, 18):
        r = rep.post("/bookings", {"space_id": space, "group_id": group, "title": f"Practice {hour}",
                                   "start": local(day, f"{hour}:00"), "end": local(day, f"{hour + 1}:00")})
        assert r.status_code == 201 and r.get_json()["status"] == "pending", r.get_json()
    expected = [f"Practice {h}" for h in (10, 12, 14, 16, 18)]
    staff_client = signed_in(app, staff)
    assert walk(staff_client, "/staff/requests", r"(Practice \d+)</h2>") == expected
    rep_client = signed_in(app, rep)
    assert walk(rep_client, "/bookings", r">(Practice \d+)</h3>") == expected
    assert walk(rep_client, "/bookings?when=upcoming&status=pending", r">(Practice \d+)</h3>") == expected
    html = rep_client.get("/bookings?when=upcoming&status=pending").get_data(as_text=True)
    assert "status=pending" in link(html, "next")


def test_activities_and_candidates_are_paged(app, make_user, make_group):
    group = make_group(district="Kallio")
    organiser = make_user(groups=[group])
    day = next_weekday(1)
    shift = None
    for i in range(3):
        r = organiser.post("/activities", {"group_id": group, "title": f"Club {i}", "district": "Kallio"})
        activity = r.get_json()["id"]
        r = organiser.post(f"/activities/{activity}/shifts", {"start": local(day, "18:00"), "end": local(day, "20:00"), "needed": 2})
        assert r.status_code == 201, r.get_json()
        shift = shift or r.get_json()["id"]
    assert sorted(walk(app.test_client(), "/activities", r">(Club \d)</a>")) == ["Club 0", "Club 1", "Club 2"]
    for i in range(5):
        v = make_user("volunteer", name=f"Volunteer {i}")
        assert v.client.put("/api/v1/volunteers/me", json=PROFILE, headers=v._headers()).status_code == 200
    client = signed_in(app, organiser)
    names = walk(client, f"/shifts/{shift}/candidates", r"(Volunteer \d)</h")
    assert sorted(names) == [f"Volunteer {i}" for i in range(5)]
    page2 = client.get(f"/shifts/{shift}/candidates?page=2").get_data(as_text=True)
    assert 'start="3"' in page2  # the ranking goes on from 3


def test_the_admins_verified_groups_are_paged(app, make_user, make_group):
    for i in range(5):
        make_group(name=f"Verified {i}", verified=True)
    admin = make_user("admin")
    assert walk(signed_in(app, admin), "/admin", r"<li>(Verified \d) ") == [f"Verified {i}" for i in range(5)]
