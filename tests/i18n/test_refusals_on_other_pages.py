"""Service refusals on the other pages, in Finnish and in Swedish: the staff's request queue and
closures, the usage report's no-show, my bookings, the admin pages, a group's registration and the
calendar import (a file that is not a calendar, and the events an import skips). Each page says the
refusal's words in its language, and neither its English words nor any other English.
"""
from __future__ import annotations

import html
import io
from datetime import datetime, timedelta

import pytest
from flask_babel import force_locale

from commons.codes import english, say
from tests.conftest import HELSINKI, PASSWORD, local, next_weekday
from tests.i18n.test_no_english_left import english_left


@pytest.fixture
def world(make_facility, make_space, make_group, make_user):
    facility = make_facility(name="Kallion kirjasto", district="Kallio")
    space = make_space(facility_id=facility, name="Kerhohuone")
    group = make_group(name="Kallion shakkikerho")
    other_group = make_group(name="Vallilan kuoro")
    rep = make_user(groups=[group], name="Riikka Edustaja", email="riikka@example.fi")
    staff = make_user(role="staff", facilities=[facility], name="Sanna Henkilökunta", email="sanna@example.fi")
    admin = make_user(role="admin", name="Aino Ylläpitäjä", email="aino@example.fi")
    day = next_weekday(1)
    r = rep.post("/bookings", {"space_id": space, "group_id": group, "title": "Kerhoilta",
                               "start": local(day, "18:00"), "end": local(day, "20:00")})
    assert r.status_code == 201, r.get_json()
    return {"facility": facility, "space": space, "group": group, "other_group": other_group, "rep": rep, "staff": staff, "admin": admin,
            "day": day, "booking": r.get_json()["id"]}


def client_for(app, lang: str, email: str):
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = lang
    r = client.post("/login", data={"email": email, "password": PASSWORD})
    assert r.status_code == 302
    return client


def assert_said(app, response, lang: str, code: str, params: dict | None = None) -> None:
    """The refusal is on the page in its language, and no English is."""
    body = response.get_data(as_text=True)
    assert f'<html lang="{lang}">' in body
    with app.test_request_context("/"):
        with force_locale(lang):
            words = say(code, params)
        in_english = english(code, params)
    assert words in html.unescape(body), (code, lang, words)
    left = english_left(body, lang, also=[in_english])
    assert not left, f"English on the {lang} page ({code}): {left}"


ICS = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Test//EN\r\n{events}END:VCALENDAR\r\n"


def vevent(uid: str, *lines: str) -> str:
    return "BEGIN:VEVENT\r\nUID:" + uid + "\r\n" + "".join(line + "\r\n" for line in lines) + "END:VEVENT\r\n"


@pytest.mark.parametrize("lang", ["fi", "sv"])
def test_staff_pages_say_the_services_refusals(app, world, lang):
    w = world
    staff = client_for(app, lang, w["staff"].email)

    # Deciding a request that is not pending any more (a state refusal).
    r = staff.post(f"/staff/requests/{w['booking']}", data={"decision": "approve", "scope": "one"})
    assert r.status_code == 422
    assert_said(app, r, lang, "not_pending", {"status": "confirmed"})

    # A no-show before the booking has started.
    r = staff.post(f"/staff/reports/no-show/{w['booking']}", data={"no_show": "true"}, follow_redirects=True)
    assert r.status_code == 200
    assert_said(app, r, lang, "no_show_not_started")

    # A closure longer than a service allows: next to its last day, and in the summary.
    first = w["day"] + timedelta(days=7)
    r = staff.post(f"/staff/spaces/{w['space']}/closures", data={
        "first_day": first.isoformat(), "last_day": (first + timedelta(days=450)).isoformat(), "reason": "Remontti"})
    assert r.status_code == 422
    assert_said(app, r, lang, "closure_too_long", {"max_days": 400})

    # An import of a file that is not a calendar, then one with events that cannot be used.
    r = staff.post(f"/staff/spaces/{w['space']}/import", data={"file": (io.BytesIO(b"Hei, tama ei ole kalenteri"), "lista.ics")},
                   content_type="multipart/form-data")
    assert r.status_code == 400
    assert_said(app, r, lang, "ics_no_begin")
    d = next_weekday(2, 2)
    events = vevent("no-start@x", "SUMMARY:Ei alkua") + vevent("cancelled@x", f"DTSTART;VALUE=DATE:{d:%Y%m%d}", "STATUS:CANCELLED") \
        + vevent("ok@x", f"DTSTART;VALUE=DATE:{d:%Y%m%d}", "SUMMARY:Siivous")
    r = staff.post(f"/staff/spaces/{w['space']}/import",
                   data={"file": (io.BytesIO(ICS.format(events=events).encode()), "kalenteri.ics")},
                   content_type="multipart/form-data")
    assert r.status_code == 200
    assert_said(app, r, lang, "ics_no_start")
    assert_said(app, r, lang, "ics_cancelled")


@pytest.mark.parametrize("lang", ["fi", "sv"])
def test_group_and_booking_pages_say_the_services_refusals(app, world, lang):
    w = world
    rep = client_for(app, lang, w["rep"].email)

    # Cancelling a booking that is cancelled already.
    assert rep.post(f"/bookings/{w['booking']}/cancel", data={"scope": "one"}).status_code == 302
    r = rep.post(f"/bookings/{w['booking']}/cancel", data={"scope": "one"})
    assert r.status_code == 422
    assert_said(app, r, lang, "booking_not_active", {"status": "cancelled"})

    # Registering a group under a name that is taken.
    r = rep.post("/groups/new", data={"name": "Kallion shakkikerho", "kind": "association", "district": "Kallio"})
    assert r.status_code == 422
    assert_said(app, r, lang, "group_name_taken")

    # Another group's page: the 403 page says why; a group that does not exist: the 404 page says which.
    r = rep.get(f"/groups/{w['other_group']}")
    assert r.status_code == 403
    assert_said(app, r, lang, "group_page_representatives_only")
    other = world["group"] + 1000
    r = rep.get(f"/groups/{other}")
    assert r.status_code == 404
    assert_said(app, r, lang, "group_not_found", {"group_id": other})


@pytest.mark.parametrize("lang", ["fi", "sv"])
def test_admin_pages_say_the_services_refusals(app, world, lang):
    w = world
    admin = client_for(app, lang, w["admin"].email)
    r = admin.post("/admin/facilities", data={"name": "Kallion kirjasto", "district": "Kallio", "address": "Viides linja 11"})
    assert r.status_code == 422
    assert_said(app, r, lang, "facility_name_taken")
    r = admin.post(f"/admin/facilities/{w['facility']}/staff", data={"email": "ei.ketaan@example.fi"})
    assert r.status_code == 422
    assert_said(app, r, lang, "staff_no_account")
    year = datetime.now(HELSINKI).year
    r = admin.get("/admin/audit", query_string={"first_day": f"{year}-01-01", "last_day": "2300-01-01"})
    assert r.status_code == 422
    assert_said(app, r, lang, "year_out_of_range")


@pytest.mark.parametrize("constraint, reason", [("ex_bookings_no_overlap", "booked_meanwhile"),
                                                ("uq_something", "already_stored"),
                                                ("ex_shift_signups_no_overlap", "overlap")])
def test_the_databases_own_guards_answer_with_a_reason(app, constraint, reason):
    """A write that raced past the checks and hit a database constraint: the API says which refusal
    (`reason`), a page says it in its language."""
    from sqlalchemy.exc import IntegrityError

    caught = IntegrityError("INSERT ...", {}, Exception(f'violates constraint "{constraint}"'))
    with app.test_request_context("/api/v1/bookings", method="POST"):
        response = app.make_response(app.handle_user_exception(caught))
        assert response.status_code == 409
        assert response.get_json()["error"]["reason"] == reason
    with app.test_request_context("/spaces/1", method="POST", headers={"Accept-Language": "sv"}):
        response = app.make_response(app.handle_user_exception(caught))
        assert response.status_code == 409
        body = html.unescape(response.get_data(as_text=True))
        assert '<html lang="sv">' in body
        with force_locale("sv"):
            assert say(reason) in body
        assert not english_left(body, "sv")
