"""The HTML pages of spaces: search, a space's page (facts, week view, booking form), my bookings.

Driven with the Flask test client (CSRF is off in the test app); signed in through /login."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from commons.extensions import db
from spaces.models import Booking
from tests.conftest import HELSINKI, PASSWORD, next_weekday


def sign_in(client, user) -> None:
    r = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert r.status_code == 302, r.get_data(as_text=True)


def week_of(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def book_form(group, day, start="18:00", end="20:00", title="Board meeting", **extra):
    data = {"group": str(group), "title": title, "date": day.isoformat(), "start": start, "end": end,
            "attendees": "8", "on_conflict": "reject"}
    data.update(extra)
    return data


def bookings(app, **where):
    with app.app_context():
        stmt = select(Booking).order_by(Booking.start_at)
        for k, v in where.items():
            stmt = stmt.where(getattr(Booking, k) == v)
        rows = list(db.session.execute(stmt).scalars())
        db.session.expunge_all()
        return rows


def text_of(response) -> str:
    return response.get_data(as_text=True)


def day_section(html: str, day: date) -> str:
    """The <li class="day"> of one date in the week view."""
    m = re.search(r'<li class="day">\s*<h3 id="day-%s">(.*?)</li>\s*(?=<li class="day">|</ol>)' % day.isoformat(), html, re.S)
    assert m, f"no day {day} in the week view"
    return m.group(1)


@pytest.fixture
def world(make_group, make_facility, make_space, make_user):
    """Two facilities in two districts, a representative of a verified group, staff of one facility."""
    kallio = make_facility(name="Kallio Library", district="Kallio")
    kontula = make_facility(name="Kontula Youth Centre", district="Kontula")
    room = make_space(facility_id=kallio, name="Reading room", capacity=12,
                      accessibility=["step_free_access", "induction_loop"], equipment=["whiteboard"],
                      buffer_minutes=15, weekly_quota_minutes=600)
    gym = make_space(facility_id=kontula, name="Gym", capacity=60, accessibility=["step_free_access"])
    group = make_group(name="Kallio Chess Club", verified=True)
    other_group = make_group(name="Secret Society of Knitters", verified=True)
    unverified = make_group(name="Unverified Choir", verified=False)
    rep = make_user(groups=[group], name="Riikka Rep")
    other_rep = make_user(groups=[other_group], name="Olli Other")
    staff = make_user(role="staff", facilities=[kallio], name="Sami Staff")
    return dict(kallio=kallio, kontula=kontula, room=room, gym=gym, group=group, other_group=other_group,
                unverified=unverified, rep=rep, other_rep=other_rep, staff=staff)


# --- Pages render ---------------------------------------------------------------------------------


def test_pages_render_for_anonymous_visitors(client, world):
    r = client.get("/spaces")
    assert r.status_code == 200
    html = text_of(r)
    assert "Reading room" in html and "Gym" in html
    assert f'href="/spaces/{world["room"]}"' in html
    assert "Induction loop" in html  # human labels, not codes
    assert "<label" in html and 'for="min_capacity"' in html

    r = client.get(f"/spaces/{world['room']}")
    assert r.status_code == 200
    html = text_of(r)
    assert "Kallio Library" in html and "Street" in html  # facility and address
    assert "Step-free access" in html and "whiteboard" in html
    assert "15 minutes are kept free before and after each booking" in html
    assert "at most 10 hours a week" in html
    assert f'href="/login?next=/spaces/{world["room"]}"' in html
    assert "Sign in to book" in html
    assert 'method="post"' not in html.split('id="book"')[1]  # no booking form for anonymous visitors
    assert "My bookings" not in html

    r = client.get("/bookings")
    assert r.status_code == 302 and "/login" in r.headers["Location"]


def test_pages_render_for_a_signed_in_representative(client, world):
    sign_in(client, world["rep"])
    r = client.get("/spaces")
    assert r.status_code == 200
    assert 'href="/bookings"' in text_of(r)  # "My bookings" in the navigation

    r = client.get(f"/spaces/{world['room']}")
    assert r.status_code == 200
    html = text_of(r)
    for name, label in (("group", "Group"), ("title", "Title"), ("date", "Date"), ("start", "Start time"),
                        ("end", "End time"), ("attendees", "Number of people"), ("repeat_until", r"Until \(last date\)"),
                        ("repeat_count", "Or a number of times")):
        assert re.search(rf'<label for="{name}">{label}', html), name
    assert "Kallio Chess Club" in html
    assert "Secret Society of Knitters" not in html  # not their group, and they are not staff
    assert "Sign in to book" not in html

    r = client.get("/bookings")
    assert r.status_code == 200
    assert "No upcoming bookings" in text_of(r)


def test_no_inline_script_or_style(client, world):
    sign_in(client, world["rep"])
    for path in ("/spaces", f"/spaces/{world['room']}", "/bookings", "/spaces?min_capacity=x"):
        html = text_of(client.get(path))
        assert "<script" not in html and "style=" not in html and "<style" not in html, path
        assert '<main id="main"' in html and '<nav aria-label="Main" class="main-nav">' in html and "<h1" in html
        assert '<html lang="en">' in html


def test_unknown_space_is_a_friendly_404(client, world):
    r = client.get("/spaces/999999")
    assert r.status_code == 404
    assert "There is no space 999999" in text_of(r)


# --- Search ---------------------------------------------------------------------------------------


def test_search_filters(client, world, app):
    html = text_of(client.get("/spaces", query_string={"district": "Kontula"}))
    assert "Gym" in html and "Reading room" not in html

    html = text_of(client.get("/spaces", query_string={"min_capacity": "20"}))
    assert "Gym" in html and "Reading room" not in html

    html = text_of(client.get("/spaces", query_string={"accessibility": ["step_free_access", "induction_loop"]}))
    assert "Reading room" in html and "Gym" not in html
    assert re.search(r'<input[^>]*checked[^>]*value="induction_loop"|<input[^>]*value="induction_loop"[^>]*checked', html)


def test_search_for_a_free_time(client, world, make_user):
    day = next_weekday(2)
    rep = world["rep"]
    r = rep.post("/bookings", {"space_id": world["room"], "group_id": world["group"], "title": "Chess",
                               "start": f"{day}T18:00", "end": f"{day}T20:00"})
    assert r.status_code == 201, r.get_json()
    html = text_of(client.get("/spaces", query_string={"date": day.isoformat(), "start": "19:00", "end": "21:00"}))
    assert "Gym" in html and "Reading room" not in html
    html = text_of(client.get("/spaces", query_string={"date": day.isoformat(), "start": "10:00", "end": "11:00"}))
    assert "Gym" in html and "Reading room" in html


@pytest.mark.parametrize(
    "args, message",
    [
        ({"min_capacity": "lots"}, "Not a valid integer value"),
        ({"min_capacity": "-3"}, "Give a number from 1 to 100000"),
        ({"district": "Atlantis"}, "Not a valid choice"),
        ({"date": "2027-02-30", "start": "10:00", "end": "11:00"}, "Not a valid date value"),
        ({"date": "2027-02-03", "start": "12:00", "end": "11:00"}, "The end time must be after the start time"),
        ({"date": "2027-02-03"}, "give the date, the start time and the end time"),
        ({"start": "25:00"}, "Not a valid time value"),
        ({"accessibility": "teleporter"}, "not a valid choice"),
        ({"date": "0001-01-01", "start": "10:00", "end": "11:00"}, "between the years 2000 and 2200"),
    ],
)
def test_bad_search_input_shows_errors_not_a_500(client, world, args, message):
    r = client.get("/spaces", query_string=args)
    assert r.status_code == 422
    html = text_of(r)
    assert message in html
    assert 'role="alert"' in html  # the summary of errors
    assert re.search(r'<p class="error" id="[a-z_]+-error">', html)  # and each error next to its field


def test_search_at_a_time_skipped_by_the_clock_change_is_an_error(client, world):
    from tests.conftest import next_dst_start

    day = next_dst_start()
    r = client.get("/spaces", query_string={"date": day.isoformat(), "start": "03:30", "end": "05:00"})
    assert r.status_code == 422
    assert "does not exist" in text_of(r)


# --- The week view --------------------------------------------------------------------------------


def test_week_view_shows_busy_times_without_names(client, world, app, make_user):
    day = next_weekday(1)
    rep, room = world["rep"], world["room"]
    r = rep.post("/bookings", {"space_id": room, "group_id": world["group"], "title": "Private board meeting",
                               "start": f"{day}T18:00", "end": f"{day}T20:00"})
    assert r.status_code == 201, r.get_json()
    r = world["other_rep"].post("/bookings", {"space_id": room, "group_id": world["other_group"],
                                              "title": "Open knitting night", "public_title": True,
                                              "start": f"{day}T10:00", "end": f"{day}T12:00"})
    assert r.status_code == 201, r.get_json()
    staff = world["staff"]
    r = staff.post(f"/spaces/{room}/closures", {"start": f"{day + timedelta(days=1)}T00:00",
                                                "end": f"{day + timedelta(days=2)}T00:00", "reason": "Pipe repair"})
    assert r.status_code == 201, r.get_json()

    for who in (None, make_user(name="Nina Newcomer")):  # the groups' own representatives see theirs as theirs: test_own_bookings_*
        if who:
            sign_in(client, who)
        r = client.get(f"/spaces/{room}", query_string={"week": week_of(day)})
        assert r.status_code == 200
        html = text_of(r)
        assert "Private board meeting" not in html  # not public: "Booked" only
        assert "Kallio Chess Club" not in html.split('id="book"')[0]  # never the group's name in the week
        assert "Secret Society of Knitters" not in html
        section = day_section(html, day)
        assert re.search(r"18:00–20:00</span> <span class=\"what\">Booked</span>", section)
        assert re.search(r"10:00–12:00</span> <span class=\"what\">Booked: Open knitting night</span>", section)
        # free times leave the 15-minute changeover free around bookings
        assert re.search(r"08:00–09:45</span> <span class=\"what\">Free", section)
        assert re.search(r"12:15–17:45</span> <span class=\"what\">Free", section)
        assert re.search(r"20:15–22:00</span> <span class=\"what\">Free", section)
        closed = day_section(html, day + timedelta(days=1))
        assert re.search(r"All day</span> <span class=\"what\">Closed", closed)  # a whole day closed reads as the day
        assert "Pipe repair" not in html
        assert "Free" not in closed


def test_week_navigation(client, world):
    room = world["room"]
    html = text_of(client.get(f"/spaces/{room}", query_string={"week": "2027-W01"}))
    assert "Week 1:" in html
    assert f'href="/spaces/{room}?week=2026-W53#week"' in html  # 2026 has 53 ISO weeks
    assert f'href="/spaces/{room}?week=2027-W02#week"' in html
    assert "Monday 4 January" in html and "Sunday 10 January" in html

    # default: this week in Helsinki
    today = datetime.now(HELSINKI).date()
    html = text_of(client.get(f"/spaces/{room}"))
    assert f'id="day-{today.isoformat()}"' in html

    for bad in ("2027-W60", "last week", "1999-W01", "2027-W1"):
        r = client.get(f"/spaces/{room}", query_string={"week": bad})
        assert r.status_code == 422
        assert "is not a week" in text_of(r)
        assert f'id="day-{today.isoformat()}"' in text_of(r)


# --- Booking through the form ---------------------------------------------------------------------


def test_booking_via_the_form(client, world, app):
    sign_in(client, world["rep"])
    day = next_weekday(1)
    r = client.post(f"/spaces/{world['room']}", data=book_form(world["group"], day, public_title="y"))
    assert r.status_code == 302
    assert r.headers["Location"] == f"/spaces/{world['room']}?week={week_of(day)}#outcome"  # the outcome, where the form is
    [b] = bookings(app)
    assert (b.title, b.group_id, b.attendees, b.public_title, b.status) == ("Board meeting", world["group"], 8, True, "confirmed")
    assert b.start_at.astimezone(HELSINKI).replace(tzinfo=None) == datetime.combine(day, datetime.min.time()).replace(hour=18)

    r = client.get(r.headers["Location"])
    html = text_of(r)
    # the outcome where the form is (not at the top of the page), with links to the booking
    outcome = html.split('id="outcome"')[1].split("<form")[0]
    assert 'role="status"' in outcome and "Booked: Board meeting" in outcome
    [b] = bookings(app)
    assert f'href="/bookings#booking-{b.id}"' in outcome and f'href="#day-{day.isoformat()}"' in outcome
    assert "Booked: Board meeting" not in html.split('id="book"')[0]  # once
    assert re.search(r"18:00–20:00</span> <span class=\"what\">Your booking: Board meeting", day_section(html, day))
    assert "Booked: Board meeting" not in text_of(client.get(r.request.path + "?" + r.request.query_string.decode()))  # shown once

    html = text_of(client.get("/bookings"))
    assert "Board meeting" in html and "Confirmed" in html and "Kallio Chess Club" in html


def test_weekly_series_via_the_form(client, world, app):
    sign_in(client, world["rep"])
    day = next_weekday(0)
    until = day + timedelta(weeks=3)
    r = client.post(f"/spaces/{world['room']}", data=book_form(world["group"], day, repeat_until=until.isoformat()))
    assert r.status_code == 302, text_of(r)
    rows = bookings(app)
    assert len(rows) == 4 and len({b.series_id for b in rows}) == 1 and rows[0].series_id is not None


def test_series_with_a_taken_week_rejects_or_skips(client, world, app):
    day = next_weekday(0)
    r = world["other_rep"].post("/bookings", {"space_id": world["room"], "group_id": world["other_group"],
                                              "title": "Knitting", "start": f"{day + timedelta(weeks=1)}T19:00",
                                              "end": f"{day + timedelta(weeks=1)}T21:00"})
    assert r.status_code == 201
    sign_in(client, world["rep"])
    data = book_form(world["group"], day, repeat_until=(day + timedelta(weeks=2)).isoformat())
    r = client.post(f"/spaces/{world['room']}", data=data)
    assert r.status_code == 409
    assert "Some dates of the series cannot be booked" in text_of(r)
    assert f"{day + timedelta(weeks=1):%d %b %Y} 18:00–20:00: Already booked" in text_of(r)
    assert "Knitting" not in text_of(r)
    assert len(bookings(app, group_id=world["group"])) == 0
    # The taken dates can be waited for: the form carries the series' rule.
    assert "Join the waiting list for the taken dates" in text_of(r)
    until = f"{day + timedelta(weeks=2):%Y%m%d}"
    assert f'name="rrule" value="FREQ=WEEKLY;UNTIL={until}"' in text_of(r)
    joined = client.post(f"/spaces/{world['room']}/waitlist", data={
        "group": str(world["group"]), "title": "Board meeting", "date": day.isoformat(), "start": "18:00", "end": "20:00",
        "attendees": "8", "rrule": f"FREQ=WEEKLY;UNTIL={until}"}, follow_redirects=True)
    assert "in the waiting list for 1 taken date." in text_of(joined)
    r = client.post(f"/spaces/{world['room']}", data=dict(data, on_conflict="skip"))
    assert r.status_code == 302
    assert len(bookings(app, group_id=world["group"])) == 2
    html = text_of(client.get(r.headers["Location"]))
    assert "Booked 2 dates" in html and "Not booked:" in html
    assert "Join the waiting list for the taken dates" in html  # the skipped taken date can be waited for
    assert "Join the waiting list" not in text_of(client.get(r.headers["Location"]))  # once


def test_conflicting_booking_shows_the_conflict_and_keeps_what_was_typed(client, world, app):
    day = next_weekday(1)
    r = world["other_rep"].post("/bookings", {"space_id": world["room"], "group_id": world["other_group"],
                                              "title": "Knitting", "start": f"{day}T18:00", "end": f"{day}T20:00"})
    assert r.status_code == 201
    sign_in(client, world["rep"])
    r = client.post(f"/spaces/{world['room']}", data=book_form(world["group"], day, "19:00", "21:00", title="My typed title"))
    assert r.status_code == 409
    html = text_of(r)
    assert 'role="alert"' in html
    assert "This time cannot be booked" in html
    assert "Already booked" in html
    assert "18:00–20:00" in html.split('id="book"')[1]  # the conflicting time, next to the form
    assert "Knitting" not in html and "Secret Society of Knitters" not in html  # times only
    assert 'value="My typed title"' in html
    assert 'value="19:00"' in html and 'value="21:00"' in html and f'value="{day.isoformat()}"' in html
    assert len(bookings(app, group_id=world["group"])) == 0
    # the page shows the week that was asked for
    assert f'id="day-{day.isoformat()}"' in html


def test_rule_violation_is_shown_with_422(client, world):
    sign_in(client, world["rep"])
    day = next_weekday(1)
    r = client.post(f"/spaces/{world['room']}", data=book_form(world["group"], day, "18:10", "20:00"))
    assert r.status_code == 422
    assert "grid of 30 minutes" in text_of(r)
    r = client.post(f"/spaces/{world['room']}", data=book_form(world["group"], day, "21:00", "23:00"))
    assert r.status_code == 422
    assert "outside the opening hours" in text_of(r)


@pytest.mark.parametrize(
    "change, field, message",
    [
        ({"start": "20:00", "end": "18:00"}, "end", "The end time must be after the start time."),
        ({"title": ""}, "title", "Give the booking a title."),
        ({"title": "   "}, "title", "Give the booking a title."),
        ({"date": ""}, "date", "Give the date"),
        ({"date": "tomorrow"}, "date", "Not a valid date value"),
        ({"start": "6pm"}, "start", "Not a valid time value"),
        ({"attendees": "0"}, "attendees", "Give a number from 1 to 100000."),
        ({"attendees": "many"}, "attendees", "Not a valid integer value"),
        ({"group": "999999"}, "group", "Not a valid choice"),
        ({"group": "abc"}, "group", "Invalid Choice"),
        ({"repeat_until": "2000-01-01"}, "repeat_until", "The last date must be after the first date."),
        ({"on_conflict": "maybe"}, "on_conflict", "Not a valid choice"),
        ({"date": "9999-12-31"}, "date", "Give a date between the years 2000 and 2200."),
        ({"date": "0001-01-01"}, "date", "Give a date between the years 2000 and 2200."),
        ({"repeat_until": "9999-12-31"}, "repeat_until", "Give a date between the years 2000 and 2200."),
    ],
)
def test_bad_booking_input_shows_errors_next_to_the_fields(client, world, app, change, field, message):
    sign_in(client, world["rep"])
    day = next_weekday(1)
    r = client.post(f"/spaces/{world['room']}", data=dict(book_form(world["group"], day), **change))
    assert r.status_code == 422
    html = text_of(r)
    assert message.lower() in html.lower()
    if field == "on_conflict":
        assert 'id="on_conflict-error"' in html and 'aria-describedby="on_conflict-error"' in html
    else:
        assert re.search(rf'<p class="error" id="{field}-error">[^<]*{re.escape(message[:20])}', html, re.I), html
        assert re.search(rf'<(input|select)[^>]*aria-describedby="{field}-error"[^>]*aria-invalid="true"[^>]*id="{field}"'
                         rf'|<(input|select)[^>]*aria-describedby="[^"]*{field}-error"', html)
    assert bookings(app) == []


def test_group_the_user_does_not_represent_is_refused(client, world, app):
    sign_in(client, world["rep"])
    r = client.post(f"/spaces/{world['room']}", data=book_form(world["other_group"], next_weekday(1)))
    assert r.status_code == 422
    assert bookings(app) == []


def test_staff_book_on_behalf_of_verified_groups(client, world, app):
    sign_in(client, world["staff"])
    html = text_of(client.get(f"/spaces/{world['room']}"))
    assert "On behalf of a verified group" in html
    assert "Kallio Chess Club" in html and "Secret Society of Knitters" in html
    assert "Unverified Choir" not in html
    day = next_weekday(3)
    r = client.post(f"/spaces/{world['room']}", data=book_form(world["other_group"], day))
    assert r.status_code == 302, text_of(r)
    [b] = bookings(app)
    assert b.on_behalf and b.group_id == world["other_group"] and b.status == "confirmed"
    # staff of another facility book only for their own groups (they have none): no form
    html = text_of(client.get(f"/spaces/{world['gym']}"))
    assert "You do not represent a group yet" in html


def test_anonymous_post_to_the_booking_form_redirects_to_sign_in(client, world, app):
    r = client.post(f"/spaces/{world['room']}", data=book_form(world["group"], next_weekday(1)))
    assert r.status_code == 302
    assert r.headers["Location"] == f"/login?next=/spaces/{world['room']}"
    assert bookings(app) == []


def test_sign_in_link_brings_the_visitor_back(client, world):
    r = client.post(f"/login?next=/spaces/{world['room']}", data={"email": world["rep"].email, "password": PASSWORD})
    assert r.status_code == 302 and r.headers["Location"] == f"/spaces/{world['room']}"


# --- My bookings and cancelling -------------------------------------------------------------------


def test_cancel_a_booking(client, world, app):
    sign_in(client, world["rep"])
    day = next_weekday(1)
    client.post(f"/spaces/{world['room']}", data=book_form(world["group"], day))
    [b] = bookings(app)
    html = text_of(client.get("/bookings"))
    assert f'href="/bookings/{b.id}/cancel?next=/bookings"' in html  # to the confirmation step
    confirm = text_of(client.get(f"/bookings/{b.id}/cancel?next=/bookings"))
    assert f'action="/bookings/{b.id}/cancel"' in confirm
    assert 'name="scope" value="series"' not in confirm  # not a series: nothing to choose
    r = client.post(f"/bookings/{b.id}/cancel")
    assert r.status_code == 302 and r.headers["Location"] == "/bookings"
    assert bookings(app)[0].status == "cancelled"
    html = text_of(client.get("/bookings"))
    assert "Cancelled: Board meeting" in html
    assert f'href="/bookings/{b.id}/cancel' not in html  # nothing left to cancel
    assert "This booking can no longer be cancelled." in text_of(client.get(f"/bookings/{b.id}/cancel"))
    # cancelling again is refused with a message, not a 500
    r = client.post(f"/bookings/{b.id}/cancel")
    assert r.status_code == 422 and "cancelled already" in text_of(r)


def test_cancel_a_series_or_one_date(client, world, app):
    sign_in(client, world["rep"])
    day = next_weekday(0)
    client.post(f"/spaces/{world['room']}", data=book_form(world["group"], day, repeat_until=(day + timedelta(weeks=3)).isoformat()))
    rows = bookings(app)
    assert len(rows) == 4
    html = text_of(client.get(f"/bookings/{rows[0].id}/cancel"))
    assert 'id="scope-series"' in html and '<label for="scope-series">' in html
    r = client.post(f"/bookings/{rows[1].id}/cancel", data={"scope": "one"})
    assert r.status_code == 302
    assert [b.status for b in bookings(app)] == ["confirmed", "cancelled", "confirmed", "confirmed"]
    r = client.post(f"/bookings/{rows[0].id}/cancel", data={"scope": "series"})
    assert r.status_code == 302
    assert [b.status for b in bookings(app)] == ["cancelled"] * 4
    assert "Cancelled 3 dates" in text_of(client.get("/bookings"))


def test_others_bookings_cannot_be_cancelled_or_seen(client, world, app):
    day = next_weekday(1)
    r = world["other_rep"].post("/bookings", {"space_id": world["room"], "group_id": world["other_group"],
                                              "title": "Knitting", "start": f"{day}T18:00", "end": f"{day}T20:00"})
    booking_id = r.get_json()["id"]
    sign_in(client, world["rep"])
    assert "Knitting" not in text_of(client.get("/bookings"))
    r = client.post(f"/bookings/{booking_id}/cancel")
    assert r.status_code == 404
    assert bookings(app)[0].status == "confirmed"


def test_anonymous_cannot_cancel(client, world, app):
    r = client.post("/bookings/1/cancel")
    assert r.status_code == 302 and "/login" in r.headers["Location"]


def test_closure_and_pending_status_in_my_bookings(client, world, make_space, app):
    approval = make_space(facility_id=world["kallio"], name="Hall", requires_approval=True)
    sign_in(client, world["rep"])
    day = next_weekday(2)
    r = client.post(f"/spaces/{approval}", data=book_form(world["group"], day))
    assert r.status_code == 302
    html = text_of(client.get(r.headers["Location"]))
    assert "Request sent" in html
    assert "Waiting for approval" in text_of(client.get("/bookings"))


def test_the_form_takes_a_purpose_and_age_groups_and_my_bookings_show_them(client, world, app):
    sign_in(client, world["rep"])
    page = text_of(client.get(f"/spaces/{world['room']}"))
    assert 'name="purpose"' in page and 'name="age_groups"' in page
    day = next_weekday(1)
    r = client.post(f"/spaces/{world['room']}", data={**book_form(world["group"], day), "purpose": "music",
                                                      "age_groups": ["youth_13_17", "children_7_12"]})
    assert r.status_code == 302, text_of(r)
    (b,) = bookings(app)
    assert (b.purpose, b.age_groups) == ("music", ["children_7_12", "youth_13_17"])
    html = text_of(client.get("/bookings"))
    assert "Music and singing" in html and "Children 7–12, Young people 13–17" in html
    bad = client.post(f"/spaces/{world['room']}", data={**book_form(world["group"], day + timedelta(days=7)), "purpose": "knitting"})
    assert bad.status_code == 422 and len(bookings(app)) == 1
