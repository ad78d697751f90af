"""The main navigation for each role: residents get Spaces, My bookings, My groups, Calendar feeds and
their account (and Activities needing volunteers, Seasonal rounds, Volunteering); staff and administrators first their work (Staff, with the number of requests waiting;
Admin), leading on from the dashboard to requests, calendar and reports. aria-current="page" marks the
page itself, "true" the section a page belongs to."""
from __future__ import annotations

import re

import pytest

from tests.conftest import PASSWORD, local, next_weekday


def nav(html: str) -> tuple[list[str], list[str], list[tuple[str, str]]]:
    """(page links, account items, [(link text, aria-current)]) of the main navigation."""
    block = re.search(r'<nav aria-label="[^"]+" class="main-nav">(.*?)</nav>', html, re.S).group(1)
    def texts(ul):
        part = re.search(rf'<ul class="{ul}">(.*?)</ul>', block, re.S).group(1)
        return [" ".join(re.sub(r"<[^>]+>", " ", li).split()) for li in re.findall(r"<li[^>]*>(.*?)</li>", part, re.S)]
    current = [(" ".join(re.sub(r"<[^>]+>", " ", t).split()), c)
               for c, t in re.findall(r'<a href="[^"]*" aria-current="(\w+)"[^>]*>(.*?)</a>', block, re.S)]
    return texts("nav-links"), texts("nav-account"), current


@pytest.fixture
def people(app, make_facility, make_space, make_group, make_user):
    facility = make_facility(name="Kallio Library")
    hall = make_space(facility_id=facility, name="Hall", requires_approval=True)
    group = make_group(name="Kallio Residents")
    rep = make_user(groups=[group], email="rep@example.fi", name="Riikka")
    make_user(role="staff", facilities=[facility], email="staff@example.fi", name="Sanna")
    make_user(role="admin", email="admin@example.fi", name="Aino")
    day = next_weekday(2)
    for hour in ("10", "12"):
        r = rep.post("/bookings", {"space_id": hall, "group_id": group, "title": "Meeting", "start": local(day, f"{hour}:00"),
                                   "end": local(day, f"{hour}:30")})
        assert r.get_json()["status"] == "pending"
    return dict(group=group)


def client_for(app, email=None, lang="en"):
    c = app.test_client()
    c.environ_base["HTTP_ACCEPT_LANGUAGE"] = lang
    if email:
        assert c.post("/login", data={"email": email, "password": PASSWORD}).status_code == 302
    return c


def test_anyone_sees_spaces_and_how_to_sign_in(app, people):
    links, account, current = nav(client_for(app).get("/spaces").get_data(as_text=True))
    assert links == ["Spaces", "Activities", "Seasonal rounds"]
    assert account == ["Sign in", "Create an account"]
    assert current == [("Spaces", "page")]


def test_a_resident_sees_their_own_things_in_order(app, people):
    c = client_for(app, "rep@example.fi")
    links, account, current = nav(c.get("/bookings").get_data(as_text=True))
    assert links == ["Spaces", "Activities", "Seasonal rounds", "Volunteering", "My bookings", "My groups", "Calendar feeds"]
    assert account == ["Signed in as Riikka", "My account", "Sign out"]
    assert current == [("My bookings", "page")]
    # A group's page is within My groups
    _, _, current = nav(c.get(f"/groups/{people['group']}").get_data(as_text=True))
    assert current == [("My groups", "true")]


def test_staff_get_one_staff_entry_with_the_requests_waiting(app, people):
    c = client_for(app, "staff@example.fi")
    links, _, current = nav(c.get("/staff").get_data(as_text=True))
    assert links == ["Staff 2 requests waiting", "Spaces", "Activities", "Seasonal rounds", "Volunteering", "My bookings", "My groups",
                     "Calendar feeds"]
    assert current == [("Staff 2 requests waiting", "page")]
    html = c.get("/staff/requests").get_data(as_text=True)
    assert nav(html)[2] == [("Staff 2 requests waiting", "true")]  # the queue is part of the staff section
    for page in ("/staff/calendar", "/staff/reports"):
        assert nav(c.get(page).get_data(as_text=True))[2][0][1] == "true", page
    # The dashboard leads on to the requests, the calendar and the reports
    dashboard = c.get("/staff").get_data(as_text=True)
    for href in ('href="/staff/requests"', 'href="/staff/calendar?view=week"', 'href="/staff/reports"'):
        assert href in dashboard
    # In Finnish, the count in Finnish
    links, _, _ = nav(client_for(app, "staff@example.fi", "fi").get("/staff").get_data(as_text=True))
    assert links[0] == "Henkilökunta 2 pyyntöä odottaa"


def test_an_administrator_gets_staff_and_admin(app, people):
    c = client_for(app, "admin@example.fi")
    links, _, current = nav(c.get("/admin").get_data(as_text=True))
    assert links[:2] == ["Staff 2 requests waiting", "Admin"] and "Spaces" in links
    assert current == [("Admin", "page")]


def test_no_count_when_nothing_waits(app, make_facility, make_user):
    make_user(role="staff", facilities=[make_facility()], email="idle@example.fi")
    links, _, _ = nav(client_for(app, "idle@example.fi").get("/staff").get_data(as_text=True))
    assert links[0] == "Staff"


def test_the_500_page_shows_for_staff_even_when_the_database_failed(app, people, monkeypatch, caplog):
    """A failed SQL statement leaves a PostgreSQL transaction aborted: the 500 handler rolls back, so the
    page can still load who is signed in (for the language and the navigation); it shows no requests
    count, which needs the database. Before the rollback this was a bare "Internal Server Error" on
    PostgreSQL for anyone signed in."""
    import logging

    from sqlalchemy import text

    from commons.extensions import db

    def broken():
        db.session.execute(text("select * from no_such_table"))

    c = client_for(app, "staff@example.fi", "fi")
    monkeypatch.setitem(app.view_functions, "commons.index", broken)
    with caplog.at_level(logging.ERROR):
        r = c.get("/")
    assert r.status_code == 500
    page = r.get_data(as_text=True)
    assert "<h1>Jokin meni vikaan</h1>" in page
    links, _, _ = nav(page)
    assert links[0] == "Henkilökunta"  # no count on this page
    caplog.clear()
