"""Closures that fall on bookings, and closing a whole facility (issue 21, item 10): the API's 201
with the bookings hit (`conflicts`), 403/404/422; the staff page's warning with links, cancelling the
chosen bookings after a confirmation (one transaction), the groups told by e-mail each in their own
language with the closure's reason; whole days written as days; removing a closure asks first."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from babel.dates import format_date
from sqlalchemy import select

from commons.extensions import db
from commons.models import OutboxMessage, User
from spaces.models import Booking, Closure
from tests.conftest import PASSWORD, local, next_weekday
from tests.support.smtp import render_outbox


def text(r) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", r.get_data(as_text=True)).split())


@pytest.fixture
def world(app, make_facility, make_space, make_user, make_group):
    """Kallio Library (two rooms, staffed by `staff`), Kontula (another facility, its own staff), and
    a group with a Finnish- and a Swedish-speaking representative, booked in both Kallio rooms."""
    kallio = make_facility(name="Kallio Library")
    kontula = make_facility(name="Kontula Youth Centre")
    room = make_space(facility_id=kallio, name="Reading room")
    hall = make_space(facility_id=kallio, name="Hall")
    gym = make_space(facility_id=kontula, name="Gym")
    staff = make_user(role="staff", facilities=[kallio], email="staff@example.fi", name="Sanna Staff")
    other_staff = make_user(role="staff", facilities=[kontula], email="other@example.fi")
    group = make_group(name="Kallio Residents")
    rep_fi = make_user(groups=[group], email="matti@example.fi", name="Matti")
    rep_sv = make_user(groups=[group], email="sara@example.fi", name="Sara")
    with app.app_context():
        db.session.get(User, rep_fi.user_id).language = "fi"
        db.session.get(User, rep_sv.user_id).language = "sv"
        db.session.commit()
    day = next_weekday(3)
    ids = []
    for space, title in ((room, "Choir"), (hall, "Chess")):
        r = rep_fi.post("/bookings", {"space_id": space, "group_id": group, "title": title,
                                      "start": local(day, "18:00"), "end": local(day, "20:00")})
        assert r.status_code == 201, r.get_json()
        ids.append(r.get_json()["id"] if "id" in r.get_json() else r.get_json()["bookings"][0]["id"])
    client = app.test_client()
    assert client.post("/login", data={"email": "staff@example.fi", "password": PASSWORD}).status_code == 302
    return dict(kallio=kallio, kontula=kontula, room=room, hall=hall, gym=gym, staff=staff, other_staff=other_staff,
                group=group, rep_fi=rep_fi, rep_sv=rep_sv, day=day, choir=ids[0], chess=ids[1], client=client)


def outbox(app) -> list[OutboxMessage]:
    render_outbox(app)
    with app.app_context():
        rows = list(db.session.execute(select(OutboxMessage).where(OutboxMessage.subject.is_not(None)).order_by(OutboxMessage.id)).scalars())
        db.session.expunge_all()
        return rows


def statuses(app, *ids) -> list[str]:
    with app.app_context():
        return [db.session.get(Booking, i).status for i in ids]


# --- API ------------------------------------------------------------------------------------------


def test_facility_closure_closes_every_space_and_lists_the_bookings_hit(app, world):
    w = world
    body = {"start": local(w["day"], "00:00"), "end": local(w["day"] + timedelta(days=1), "00:00"), "reason": "Independence Day"}
    r = w["staff"].post(f"/facilities/{w['kallio']}/closures", body)
    assert r.status_code == 201, r.get_json()
    out = r.get_json()
    assert out["facility_id"] == w["kallio"]
    assert sorted(c["space_id"] for c in out["closures"]) == sorted([w["room"], w["hall"]])  # not Kontula's gym
    assert all(c["reason"] == "Independence Day" for c in out["closures"])
    assert sorted(out["affected_bookings"]) == sorted([w["choir"], w["chess"]])
    assert {(k["booking_id"], k["status"]) for k in out["conflicts"]} == {(w["choir"], "confirmed"), (w["chess"], "confirmed")}
    assert out["conflicts"][0]["start"].endswith(("+02:00", "+03:00"))
    by_space = {c["space_id"]: c for c in out["closures"]}
    assert by_space[w["room"]]["affected_bookings"] == [w["choir"]]
    with app.app_context():
        assert {c.space_id for c in db.session.execute(select(Closure)).scalars()} == {w["room"], w["hall"]}
    assert statuses(app, w["choir"], w["chess"]) == ["confirmed", "confirmed"]  # they stay until cancelled


def test_facility_closure_is_for_the_facility_s_staff_and_checks_its_input(app, world, anon, make_facility):
    w = world
    body = {"start": local(w["day"], "08:00"), "end": local(w["day"], "12:00"), "reason": "Holiday"}
    assert anon.post(f"/facilities/{w['kallio']}/closures", body).status_code == 401
    r = w["other_staff"].post(f"/facilities/{w['kallio']}/closures", body)
    assert r.status_code == 403 and r.get_json()["error"]["code"] == "forbidden"
    assert w["rep_fi"].post(f"/facilities/{w['kallio']}/closures", body).status_code == 403
    assert w["staff"].post("/facilities/99999/closures", body).status_code == 404
    r = w["staff"].post(f"/facilities/{w['kallio']}/closures", {**body, "end": local(w["day"], "07:00")})
    assert r.status_code == 422 and "end" in r.get_json()["error"]["fields"]
    r = w["staff"].post(f"/facilities/{w['kallio']}/closures", {**body, "reason": ""})
    assert r.status_code == 422 and "reason" in r.get_json()["error"]["fields"]
    empty = make_facility(name="Empty House")
    with app.app_context():
        from commons.models import FacilityStaff
        db.session.add(FacilityStaff(facility_id=empty, user_id=w["staff"].user_id))
        db.session.commit()
    r = w["staff"].post(f"/facilities/{empty}/closures", body)
    assert r.status_code == 422 and r.get_json()["error"]["code"] == "state"
    assert r.get_json()["error"]["reason"] == "facility_has_no_spaces"
    with app.app_context():
        assert db.session.execute(select(Closure)).first() is None  # nothing was closed by any refusal


def test_a_space_closure_answers_its_conflicts_too(world):
    w = world
    r = w["staff"].post(f"/spaces/{w['room']}/closures", {"start": local(w["day"], "17:00"), "end": local(w["day"], "19:00"), "reason": "Leak"})
    assert r.status_code == 201
    out = r.get_json()
    assert out["affected_bookings"] == [w["choir"]] and [k["booking_id"] for k in out["conflicts"]] == [w["choir"]]


# --- Pages ----------------------------------------------------------------------------------------


def test_the_warning_lists_the_bookings_and_cancels_the_chosen_ones_telling_each_in_their_language(app, world):
    w = world
    c = w["client"]
    r = c.post(f"/staff/facilities/{w['kallio']}/closures", data={"first_day": w["day"].isoformat(), "reason": "Independence Day"})
    assert r.status_code == 302 and "closure=" in r.headers["Location"]
    page = c.get(r.headers["Location"])
    html, words = page.get_data(as_text=True), text(page)
    assert 'class="warning"' in html and 'class="flash"' in html
    assert "The closure falls on 2 bookings" in words
    assert "Choir (Kallio Residents, Confirmed, Reading room)" in words and "Chess (Kallio Residents, Confirmed, Hall)" in words
    day_link = f'/staff/calendar?view=day&amp;date={w["day"].isoformat()}&amp;facility={w["kallio"]}'
    assert html.count(day_link) == 2  # each booking links to its day in the staff calendar
    assert html.count('name="booking"') == 2 and html.count("checked") >= 2  # all chosen to start with
    with app.app_context():
        closure_ids = [cl.id for cl in db.session.execute(select(Closure).order_by(Closure.id)).scalars()]

    # Choose only the choir: first the question, nothing cancelled yet
    form = {"closure": closure_ids, "booking": [w["choir"]], "facility": w["kallio"]}
    question = c.post("/staff/closures/cancel", data=form)
    assert question.status_code == 200
    assert "Do you want to cancel this booking?" in text(question) and "Choir" in text(question) and "Chess" not in text(question)
    assert "Independence Day" in text(question)
    assert statuses(app, w["choir"], w["chess"]) == ["confirmed", "confirmed"]
    assert outbox(app) == [] or all("Independence" not in m.text_body for m in outbox(app))
    before = len(outbox(app))

    done = c.post("/staff/closures/cancel", data={**form, "confirm": "yes"}, follow_redirects=True)
    assert done.status_code == 200
    assert "Cancelled 1 booking. The group was told by e-mail" in text(done)
    assert statuses(app, w["choir"], w["chess"]) == ["cancelled", "confirmed"]
    mails = {m.to_address: m for m in outbox(app)[before:]}
    assert set(mails) == {"matti@example.fi", "sara@example.fi"}  # each representative, not the staff
    fi, sv = mails["matti@example.fi"], mails["sara@example.fi"]
    assert (fi.language, sv.language) == ("fi", "sv")
    assert fi.subject.startswith("Varaus peruttu, tila on suljettu") and sv.subject.startswith("Bokningen har avbokats, lokalen är stängd")
    assert "Independence Day" in fi.text_body and "Independence Day" in sv.text_body and "Independence Day" in sv.html_body
    assert "Choir" in fi.text_body and "Chess" not in fi.text_body
    # the warning now lists only the booking still there
    again = text(c.get(f"/staff/facilities/{w['kallio']}/closures?closure={closure_ids[0]}&closure={closure_ids[1]}"))
    assert "The closure falls on 1 booking" in again and "Chess" in again and "Choir (" not in again


def test_cancelling_a_booking_the_closure_does_not_fall_on_is_refused(app, world, make_space):
    w = world
    c = w["client"]
    r = c.post(f"/staff/spaces/{w['room']}/closures", data={"first_day": w["day"].isoformat(), "reason": "Leak"})
    assert r.status_code == 302
    with app.app_context():
        cid = db.session.execute(select(Closure)).scalar_one().id
    r = c.post("/staff/closures/cancel", data={"closure": [cid], "booking": [w["chess"]], "confirm": "yes"}, follow_redirects=True)
    assert "does not fall on booking" in text(r)
    assert statuses(app, w["choir"], w["chess"]) == ["confirmed", "confirmed"]
    r = c.post("/staff/closures/cancel", data={"closure": [cid], "confirm": "yes"}, follow_redirects=True)
    assert "Choose at least one booking to cancel." in text(r)
    # another facility's staff cannot cancel through Kallio's closure
    other = app.test_client()
    assert other.post("/login", data={"email": "other@example.fi", "password": PASSWORD}).status_code == 302
    assert other.post("/staff/closures/cancel", data={"closure": [cid], "booking": [w["choir"]], "confirm": "yes"}).status_code == 403
    assert statuses(app, w["choir"]) == ["confirmed"]


@pytest.mark.parametrize("lang, pattern", [("fi", "EEE d.M.y"), ("sv", "EEE d MMM y"), ("en", "EEE d MMM y")])
def test_whole_day_closures_read_as_days_in_the_page_language(app, world, lang, pattern):
    w = world
    c = w["client"]
    c.post("/language", data={"lang": lang})
    assert c.post(f"/staff/spaces/{w['room']}/closures", data={"first_day": w["day"].isoformat(), "reason": "Paint"}).status_code == 302
    day_text = format_date(w["day"], pattern, locale=lang)
    page = text(c.get(f"/staff/spaces/{w['room']}/closures"))
    assert f"{day_text} Paint" in page
    assert not re.search(r"0?0[.:]00\s*–\s*0?0[.:]00", page)
    if lang == "fi":
        assert re.fullmatch(r"[a-z]{2} \d{1,2}\.\d{1,2}\.\d{4}", day_text)  # "su 6.12.2026"
    year, week, _ = w["day"].isocalendar()
    printed = text(c.get(f"/spaces/{w['room']}/print?week={year}-W{week:02d}&lang={lang}"))
    assert f"{day_text}: Paint" in printed


def test_removing_a_closure_asks_first(app, world):
    w = world
    c = w["client"]
    c.post(f"/staff/spaces/{w['room']}/closures", data={"first_day": w["day"].isoformat(), "start": "08:00", "end": "10:00", "reason": "Paint"})
    with app.app_context():
        cid = db.session.execute(select(Closure)).scalar_one().id
    page = c.get(f"/staff/spaces/{w['room']}/closures").get_data(as_text=True)
    assert f'href="/staff/spaces/{w["room"]}/closures/{cid}/delete"' in page  # a link to the question, not a button that removes
    assert f'action="/staff/spaces/{w["room"]}/closures/{cid}/delete"' not in page
    question = c.get(f"/staff/spaces/{w['room']}/closures/{cid}/delete")
    assert question.status_code == 200 and "Do you want to remove this closure?" in text(question)
    assert "Paint" in text(question) and "Yes, remove it" in text(question)
    with app.app_context():
        assert db.session.get(Closure, cid) is not None
    assert c.post(f"/staff/spaces/{w['room']}/closures/{cid}/delete").status_code == 302
    with app.app_context():
        assert db.session.get(Closure, cid) is None
    assert c.get(f"/staff/spaces/{w['room']}/closures/{cid}/delete").status_code == 404


def test_facility_closure_page_is_for_its_staff(app, world):
    w = world
    other = app.test_client()
    assert other.post("/login", data={"email": "other@example.fi", "password": PASSWORD}).status_code == 302
    assert other.get(f"/staff/facilities/{w['kallio']}/closures").status_code == 403
    assert other.post(f"/staff/facilities/{w['kallio']}/closures", data={"first_day": w["day"].isoformat(), "reason": "x"}).status_code == 403
    assert w["client"].get("/staff/facilities/99999/closures").status_code == 404
    r = w["client"].post(f"/staff/facilities/{w['kallio']}/closures", data={"first_day": "", "reason": ""})
    assert r.status_code == 422 and "Give the first day" in text(r)
    dashboard = w["client"].get("/staff").get_data(as_text=True)
    assert f'href="/staff/facilities/{w["kallio"]}/closures"' in dashboard
    with app.app_context():
        assert db.session.execute(select(Closure)).first() is None
