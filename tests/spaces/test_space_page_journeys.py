"""The space page on the everyday journeys (issue 21): a search's date and times carried into the page and
its booking form, free times as links that fill the form, the outcome of the form where the form is, and a
person's own group's bookings shown to them as theirs (and to nobody else).

Driven with the Flask test client (CSRF is off in the test app); signed in through /login."""
from __future__ import annotations

import html as htmllib
import re
from datetime import timedelta

import pytest

from tests.conftest import local, next_weekday
from tests.spaces.test_pages import book_form, bookings, day_section, sign_in, text_of, week_of, world  # noqa: F401 (fixture)
from tests.support.queries import count_queries


def links(html: str) -> list[str]:
    return [htmllib.unescape(h) for h in re.findall(r'href="([^"]+)"', html)]


# --- The search's date and times carried into the page (item 4) -------------------------------------


def test_a_search_result_opens_the_searched_week_with_the_form_filled(client, world):
    day = next_weekday(2, weeks_ahead=3)
    room = world["room"]
    html = text_of(client.get("/spaces", query_string={"date": day.isoformat(), "start": "17:30", "end": "19:00",
                                                       "accessibility": "induction_loop"}))
    [link] = [h for h in links(html) if h.startswith(f"/spaces/{room}?")]
    assert f"date={day.isoformat()}" in link and "start=17:30" in link and "end=19:00" in link
    assert "accessibility=induction_loop" in link
    # without a time, the link is as before (what was searched for only)
    [plain] = [h for h in links(text_of(client.get("/spaces", query_string={"district": "Kallio"}))) if h.startswith(f"/spaces/{room}")]
    assert plain == f"/spaces/{room}"

    # anonymous: the searched date's week; signing in comes back to it with the form's anchor
    page = client.get(link)
    assert page.status_code == 200
    html = text_of(page)
    assert f'id="day-{day.isoformat()}"' in html
    [sign] = [h for h in links(html) if h.startswith("/login?next=")]
    assert f"date%3D{day.isoformat()}" in sign and "start%3D17:30" in sign.replace("%3A", ":") and "%23book" in sign

    sign_in(client, world["rep"])
    html = text_of(client.get(link))
    form = html.split('class="booking"')[1]
    assert f'id="date" name="date" type="date" value="{day.isoformat()}"' in form or re.search(
        rf'name="date"[^>]*value="{day.isoformat()}"', form)
    assert re.search(r'name="start"[^>]*value="17:30"', form) and re.search(r'name="end"[^>]*value="19:00"', form)
    assert 'role="alert"' not in html


@pytest.mark.parametrize(
    "args, message",
    [
        ({"date": "2027-02-30"}, "Not a valid date value"),
        ({"date": "tomorrow", "start": "18:00"}, "Not a valid date value"),
        ({"date": "0001-01-01"}, "between the years 2000 and 2200"),
        ({"start": "25:00"}, "Not a valid time value"),
        ({"start": "20:00", "end": "18:00"}, "The end time must be after the start time"),
        ({"date": "2027-02-03", "end": "x" * 500}, "Not a valid time value"),
    ],
)
def test_bad_date_or_times_in_the_address_are_left_out_with_a_message(client, world, args, message):
    sign_in(client, world["rep"])
    r = client.get(f"/spaces/{world['room']}", query_string=args)
    assert r.status_code == 422
    html = text_of(r)
    assert message in html and "in the address was not used" in html
    assert 'role="alert"' in html
    [said] = re.findall(r'<p class="error" role="alert">([^<]*in the address was not used[^<]*)</p>', html)
    assert "x" * 21 not in said  # the value is quoted cut short
    form = html.split('class="booking"')[1]
    # what was wrong is not put in the form (what was right is)
    assert not re.search(r'name="(start|end)"[^>]*value="(25:00|x+)"', form) and not re.search(r'name="end"[^>]*value="18:00"', form)


def test_the_message_is_in_the_page_language(client, world):
    r = client.get(f"/spaces/{world['room']}", query_string={"start": "25:00"}, headers={"Accept-Language": "fi"})
    assert r.status_code == 422
    assert "ei käytetty" in text_of(r)


# --- Free times as links that fill the form (item 4) ---------------------------------------------------


def test_free_times_in_the_week_link_to_the_form_filled(client, world, app):
    day = next_weekday(1)
    room = world["room"]  # 15-minute changeover, 30-minute grid, 30 min .. 4 h
    r = world["other_rep"].post("/bookings", {"space_id": room, "group_id": world["other_group"], "title": "Knitting",
                                              "start": local(day, "10:00"), "end": local(day, "12:00")})
    assert r.status_code == 201
    html = text_of(client.get(f"/spaces/{room}", query_string={"week": week_of(day)}))
    section = day_section(html, day)
    hrefs = links(section)
    # 08:00-09:45 free: two hours would pass the changeover, so the form gets the free time's grid times
    assert f"/spaces/{room}?date={day.isoformat()}&start=08:00&end=09:30#book" in hrefs
    # 12:15-22:00: from the first time on the grid, two hours
    assert f"/spaces/{room}?date={day.isoformat()}&start=12:30&end=14:30#book" in hrefs
    assert re.search(r'<a href="[^"]+" aria-describedby="fill-hint"><span class="time">12:15–22:00</span> <span class="what">Free</span></a>', section)
    assert 'id="fill-hint"' in html

    # opened from a search for 90 minutes: the links fill 90 minutes
    html = text_of(client.get(f"/spaces/{room}", query_string={"date": day.isoformat(), "start": "18:00", "end": "19:30"}))
    assert f"/spaces/{room}?date={day.isoformat()}&start=12:30&end=14:00#book" in links(day_section(html, day))

    # the link fills the form
    sign_in(client, world["rep"])
    html = text_of(client.get(f"/spaces/{room}?date={day.isoformat()}&start=12:30&end=14:30"))
    form = html.split('class="booking"')[1]
    assert re.search(rf'name="date"[^>]*value="{day.isoformat()}"', form)
    assert re.search(r'name="start"[^>]*value="12:30"', form) and re.search(r'name="end"[^>]*value="14:30"', form)
    # and the booking made from it is the free time
    r = client.post(f"/spaces/{room}", data=book_form(world["group"], day, "12:30", "14:30"))
    assert r.status_code == 302


def test_a_free_time_ending_at_midnight_fills_a_time_of_that_day(client, make_space):
    space = make_space(hours={d: [("20:00", "24:00")] for d in range(7)}, slot_minutes=60, min_minutes=60, max_minutes=240)
    day = next_weekday(2)
    html = text_of(client.get(f"/spaces/{space}", query_string={"date": day.isoformat(), "start": "22:00", "end": "02:00"}))
    assert "The end time must be after the start time" in html  # end before start: left out (the date is used)
    hrefs = links(day_section(html, day))
    assert f"/spaces/{space}?date={day.isoformat()}&start=20:00&end=22:00#book" in hrefs
    html = text_of(client.get(f"/spaces/{space}", query_string={"date": day.isoformat(), "start": "18:00", "end": "22:00"}))
    assert f"/spaces/{space}?date={day.isoformat()}&start=20:00&end=23:00#book" in links(day_section(html, day))


def test_nearest_free_times_and_other_spaces_link_to_filled_forms(client, world, make_space, app):
    day = next_weekday(1)
    room, kallio = world["room"], world["kallio"]
    other = make_space(facility_id=kallio, name="Study room", capacity=12)
    r = world["other_rep"].post("/bookings", {"space_id": room, "group_id": world["other_group"], "title": "Knitting",
                                              "start": local(day, "18:00"), "end": local(day, "20:00")})
    assert r.status_code == 201
    sign_in(client, world["rep"])
    r = client.post(f"/spaces/{room}", data=book_form(world["group"], day, "18:00", "20:00"))
    assert r.status_code == 409
    html = text_of(r)
    box = html.split('id="suggestions-title"')[1].split("</div>")[0]
    hrefs = links(box)
    assert hrefs and all(h.startswith(f"/spaces/{room}?date=") and h.endswith("#book") for h in hrefs)
    assert f"/spaces/{room}?date={day.isoformat()}&start=15:30&end=17:30#book" in hrefs  # before the 15-minute changeover
    alternatives = html.split('id="alternatives-title"')[1].split("</div>")[0]
    assert f"/spaces/{other}?date={day.isoformat()}&start=18:00&end=20:00#book" in links(alternatives)


# --- The outcome where the form is (item 3) ------------------------------------------------------------


def test_the_form_goes_back_to_its_outcome(client, world, app):
    sign_in(client, world["rep"])
    day = next_weekday(1)
    html = text_of(client.get(f"/spaces/{world['room']}"))
    assert re.search(r'<form method="post" action="/spaces/\d+#outcome" class="booking"', html)
    # a refusal: at #outcome, just above the form, as an alert
    r = client.post(f"/spaces/{world['room']}", data=book_form(world["group"], day, "18:10", "20:00"))
    assert r.status_code == 422
    outcome = text_of(r).split('id="outcome"')[1].split("<form")[0]
    assert 'tabindex="-1"' in outcome.split(">")[0] and 'role="alert"' in outcome and "The booking was not made" in outcome
    # pending (an unverified group): the request's words, and My bookings linked to it
    unverified = world["unverified"]
    rep2 = world["rep"]
    with app.app_context():
        from commons.extensions import db
        from commons.models import GroupMember

        db.session.add(GroupMember(group_id=unverified, user_id=rep2.user_id))
        db.session.commit()
    r = client.post(f"/spaces/{world['room']}", data=book_form(unverified, day, "12:00", "13:00", title="Choir practice"))
    assert r.status_code == 302 and r.headers["Location"].endswith("#outcome")
    html = text_of(client.get(r.headers["Location"]))
    outcome = html.split('id="outcome"')[1].split("<form")[0]
    [b] = bookings(app, group_id=unverified)
    assert "Request sent: Choir practice" in outcome and f"/bookings#booking-{b.id}" in outcome
    assert 'class="flash"' not in html.split('id="book"')[0]  # not also at the top of the page


def test_staff_booking_for_another_group_links_the_week_not_my_bookings(client, world, app):
    sign_in(client, world["staff"])
    day = next_weekday(1)
    r = client.post(f"/spaces/{world['room']}", data=book_form(world["other_group"], day))
    assert r.status_code == 302
    outcome = text_of(client.get(r.headers["Location"])).split('id="outcome"')[1].split("<form")[0]
    assert "Booked: Board meeting" in outcome and f'href="#day-{day.isoformat()}"' in outcome
    assert "/bookings#booking-" not in outcome


# --- One's own bookings as theirs (item 7) -------------------------------------------------------------


@pytest.fixture
def booked(world, make_group, make_user, app):
    """On one day: the Chess Club's confirmed booking, its pending request (as an unverified group's member
    too), and the Knitters' booking."""
    day = next_weekday(1)
    room = world["room"]
    rep = world["rep"]

    def post(who, group, title, start, end):
        r = who.post("/bookings", {"space_id": room, "group_id": group, "title": title, "start": local(day, start), "end": local(day, end)})
        assert r.status_code == 201, r.get_json()
        return r.get_json()

    post(rep, world["group"], "Chess evening", "18:00", "20:00")
    post(world["other_rep"], world["other_group"], "Knitting", "10:00", "12:00")
    return day


def test_own_bookings_show_as_theirs_to_their_representative(client, world, booked):
    sign_in(client, world["rep"])
    html = text_of(client.get(f"/spaces/{world['room']}", query_string={"week": week_of(booked)}))
    section = day_section(html, booked)
    assert re.search(r'<li class="slot slot-mine status-confirmed"><span class="time">18:00–20:00</span> <span class="what">Your booking: Chess evening</span>', section)
    assert re.search(r'<li class="slot slot-booked"><span class="time">10:00–12:00</span> <span class="what">Booked</span>', section)
    assert "Knitting" not in html and "Secret Society of Knitters" not in html
    assert "Kallio Chess Club" not in html.split('id="book"')[0]  # one group: not named


def test_others_see_only_booked(client, world, booked, make_user):
    for who in (None, world["other_rep"], make_user(name="Nina Newcomer")):
        client.post("/logout")
        if who:
            sign_in(client, who)
        html = text_of(client.get(f"/spaces/{world['room']}", query_string={"week": week_of(booked)}))
        section = day_section(html, booked)
        assert re.search(r'18:00–20:00</span> <span class="what">Booked</span>', section)
        assert "Chess evening" not in html and "Kallio Chess Club" not in html
        if who == world["other_rep"]:  # theirs, and only theirs
            assert re.search(r'10:00–12:00</span> <span class="what">Your booking: Knitting', section)
            assert html.count("slot-mine") == 1
        else:
            assert "slot-mine" not in html and "Your booking" not in html


def test_a_pending_request_and_several_groups_are_named(client, world, booked, app, make_user):
    rep = make_user(groups=[world["group"], world["unverified"]], name="Two Hats")
    r = rep.post("/bookings", {"space_id": world["room"], "group_id": world["unverified"], "title": "Choir",
                               "start": local(booked, "14:00"), "end": local(booked, "15:00")})
    assert r.status_code == 201 and r.get_json()["status"] == "pending"
    sign_in(client, rep)
    section = day_section(text_of(client.get(f"/spaces/{world['room']}", query_string={"week": week_of(booked)})), booked)
    assert re.search(r'<li class="slot slot-mine status-pending"><span class="time">14:00–15:00</span> '
                     r'<span class="what">Your request \(Unverified Choir\), waiting for approval: Choir</span>', section)
    assert "Your booking (Kallio Chess Club): Chess evening" in section
    client.post("/language", data={"lang": "fi", "next": "/"})
    fi = day_section(text_of(client.get(f"/spaces/{world['room']}", query_string={"week": week_of(booked)})), booked)
    assert "Varauspyyntönne (Unverified Choir), odottaa hyväksyntää: Choir" in fi
    assert "Oma varauksenne (Kallio Chess Club): Chess evening" in fi
    client.post("/language", data={"lang": "sv", "next": "/"})
    sv = day_section(text_of(client.get(f"/spaces/{world['room']}", query_string={"week": week_of(booked)})), booked)
    assert "Er förfrågan (Unverified Choir), väntar på godkännande: Choir" in sv


def test_own_bookings_cost_the_same_queries_for_1_or_20(client, world, app):
    room, rep = world["gym"], world["rep"]  # no weekly quota
    day = next_weekday(0)
    r = rep.post("/bookings", {"space_id": room, "group_id": world["group"], "title": "Once",
                               "start": local(day, "08:00"), "end": local(day, "08:30")})
    assert r.status_code == 201
    sign_in(client, rep)
    url = f"/spaces/{room}?week={week_of(day)}"
    with count_queries(app, transactions=False) as few:
        assert text_of(client.get(url)).count("slot-mine") == 1
    for d in range(7):
        for hour in (9, 11, 13):
            if d == 0 and hour == 9:
                continue
            r = rep.post("/bookings", {"space_id": room, "group_id": world["group"], "title": f"Club {d}-{hour}",
                                       "start": local(day + timedelta(days=d), f"{hour:02d}:00"),
                                       "end": local(day + timedelta(days=d), f"{hour:02d}:30")})
            assert r.status_code == 201, r.get_json()
    with count_queries(app, transactions=False) as many:
        assert text_of(client.get(url)).count("slot-mine") == 21
    assert len(many) == len(few)
