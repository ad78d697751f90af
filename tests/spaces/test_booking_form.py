"""The space page's booking form (issue 21, items 1 and 6): the group remembered (no default among
several), a warning when the same group is booked elsewhere then ("book anyway"), repeating every
week or every other week, until a date or N times, and capacity refused in the reader's language."""
from __future__ import annotations

import html as htmllib
import re
from datetime import datetime, timedelta

import pytest

from commons.extensions import db
from spaces.models import Booking, BookingSeries
from tests.conftest import HELSINKI, local, next_weekday
from tests.spaces.test_pages import book_form, bookings, sign_in, text_of, world  # noqa: F401  (world: a fixture)


def selected_group(page: str) -> str | None:
    """The value of the group select's chosen option (None: none marked)."""
    select = re.search(r'<select[^>]*id="group"[^>]*>(.*?)</select>', page, re.S).group(1)
    chosen = re.search(r'<option selected value="([^"]*)"|<option value="([^"]*)" selected', select)
    return next((v for v in chosen.groups() if v is not None), None) if chosen else None


@pytest.fixture
def two_groups(world, make_group, make_user):
    """A representative of two groups (a choir and a chess club)."""
    choir = make_group(name="Kallio Choir")
    rep = make_user(groups=[world["group"], choir], name="Two Groups")
    return dict(world, choir=choir, rep2=rep)


def test_one_group_is_preselected(client, world):
    sign_in(client, world["rep"])
    page = text_of(client.get(f"/spaces/{world['room']}"))
    assert selected_group(page) == str(world["group"])
    assert "Choose a group" not in page


def test_several_groups_no_default_then_the_last_one_booked_for(client, two_groups, app):
    w = two_groups
    sign_in(client, w["rep2"])
    page = text_of(client.get(f"/spaces/{w['room']}"))
    assert selected_group(page) == "" and '<option selected value="">Choose a group</option>' in page
    # Not chosen: a clear error next to the select, nothing booked.
    r = client.post(f"/spaces/{w['room']}", data=book_form("", next_weekday(1)))
    assert r.status_code == 422
    assert re.search(r'<p class="error" id="group-error">Choose the group the booking is for\.', text_of(r))
    assert bookings(app) == []
    # Booked for the second group (the choir): the form comes back with the choir chosen, here and on another space.
    r = client.post(f"/spaces/{w['room']}", data=book_form(w["choir"], next_weekday(1)))
    assert r.status_code == 302, text_of(r)
    assert selected_group(text_of(client.get(r.headers["Location"]))) == str(w["choir"])
    page = text_of(client.get(f"/spaces/{w['gym']}"))
    assert selected_group(page) == str(w["choir"])


def test_same_group_elsewhere_warns_and_books_only_when_told(client, world, app):
    w = world
    day = next_weekday(2)
    r = w["rep"].post("/bookings", {"space_id": w["gym"], "group_id": w["group"], "title": "Floorball",
                                    "start": local(day, "18:00"), "end": local(day, "20:00")})
    assert r.status_code == 201
    sign_in(client, w["rep"])
    data = book_form(w["group"], day, "19:00", "21:00", title="Chess evening")
    r = client.post(f"/spaces/{w['room']}", data=data)
    assert r.status_code == 200
    page = htmllib.unescape(text_of(r))
    assert "Your group already has a booking at this time" in page
    assert f"Gym, Kontula Youth Centre: {day:%a %d %b %Y} 18:00–20:00" in page
    assert 'value="Chess evening"' in page and 'value="19:00"' in page  # what was typed is kept
    assert bookings(app, space_id=w["room"]) == []
    confirm = re.search(r'<button type="submit" name="book_anyway" value="([^"]+)"', page).group(1)
    # A confirmation of other values (the time changed meanwhile) checks again.
    r = client.post(f"/spaces/{w['room']}", data=dict(data, start="19:30", book_anyway=confirm))
    assert r.status_code == 200 and "Your group already has a booking at this time" in text_of(r)
    assert bookings(app, space_id=w["room"]) == []
    r = client.post(f"/spaces/{w['room']}", data=dict(data, book_anyway=confirm))
    assert r.status_code == 302, text_of(r)
    assert [b.title for b in bookings(app, space_id=w["room"])] == ["Chess evening"]
    # No overlap: no warning. Another group's booking elsewhere: no warning either.
    r = client.post(f"/spaces/{w['room']}", data=book_form(w["group"], day, "10:00", "11:00", title="Morning"))
    assert r.status_code == 302
    # The API does not refuse it (a warning on the page only).
    r = w["rep"].post("/bookings", {"space_id": w["room"], "group_id": w["group"], "title": "API", "start": local(day, "11:30"),
                                    "end": local(day, "12:30")})
    assert r.status_code == 201


def test_same_group_warning_in_swedish_for_a_series(app, world):
    w = world
    day = next_weekday(2)
    later = day + timedelta(weeks=2)
    assert w["rep"].post("/bookings", {"space_id": w["gym"], "group_id": w["group"], "title": "Innebandy",
                                       "start": local(later, "18:00"), "end": local(later, "20:00")}).status_code == 201
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "sv"
    sign_in(client, w["rep"])
    r = client.post(f"/spaces/{w['room']}", data=book_form(w["group"], day, repeat_count="3"))
    page = htmllib.unescape(text_of(r))
    assert r.status_code == 200 and "Din grupp har redan en bokning vid den här tiden" in page
    assert re.search(rf"Gym, Kontula Youth Centre: .{{0,20}}{later.day} .{{0,20}}18:00–20:00", page), page
    assert "Boka ändå" in page


def test_every_other_week_n_times(client, world, app):
    sign_in(client, world["rep"])
    day = next_weekday(0)
    r = client.post(f"/spaces/{world['room']}", data=book_form(world["group"], day, repeat_every="2", repeat_count="3"))
    assert r.status_code == 302, text_of(r)
    rows = bookings(app)
    starts = [b.start_at.astimezone(HELSINKI).date() for b in rows]
    assert starts == [day, day + timedelta(weeks=2), day + timedelta(weeks=4)]
    with app.app_context():
        assert db.session.get(BookingSeries, rows[0].series_id).rrule == "FREQ=WEEKLY;INTERVAL=2;COUNT=3"


def test_weekly_n_times_and_every_other_week_until(client, world, app):
    sign_in(client, world["rep"])
    day = next_weekday(0)
    r = client.post(f"/spaces/{world['room']}", data=book_form(world["group"], day, repeat_count="4"))
    assert r.status_code == 302, text_of(r)
    assert len(bookings(app)) == 4
    later = day + timedelta(weeks=6)
    r = client.post(f"/spaces/{world['room']}", data=book_form(world["group"], later, "10:00", "11:00", repeat_every="2",
                                                                 repeat_until=(later + timedelta(weeks=5)).isoformat()))
    assert r.status_code == 302, text_of(r)
    assert [b.start_at.astimezone(HELSINKI).date() for b in bookings(app, title="Board meeting") if b.start_at.hour < 12] == [
        later, later + timedelta(weeks=2), later + timedelta(weeks=4)]


@pytest.mark.parametrize("change, field, message", [
    ({"repeat_count": "3", "repeat_until": "2100-01-01"}, "repeat_count", "Give either a last date or a number of times, not both."),
    ({"repeat_count": "1"}, "repeat_count", "Give a number from 2 to 104."),
    ({"repeat_count": "105"}, "repeat_count", "Give a number from 2 to 104."),
    ({"repeat_count": "often"}, "repeat_count", "Not a valid integer value"),
    ({"repeat_every": "3", "repeat_count": "3"}, "repeat_every", "Not a valid choice"),
    ({"repeat_every": "2", "repeat_until": "+1500"}, "repeat_until", "at most 206 weeks after the first"),
])
def test_bad_repeat_choices_are_explained(client, world, app, change, field, message):
    sign_in(client, world["rep"])
    day = next_weekday(1)
    if change.get("repeat_until") == "+1500":
        change = dict(change, repeat_until=(day + timedelta(days=1500)).isoformat())
    r = client.post(f"/spaces/{world['room']}", data=dict(book_form(world["group"], day), **change))
    assert r.status_code == 422
    assert re.search(rf'id="{field}-error">[^<]*{re.escape(message)}', text_of(r)), text_of(r)
    assert bookings(app) == []


def test_more_people_than_the_space_holds_is_refused_in_finnish(app, world):
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "fi"
    sign_in(client, world["rep"])
    r = client.post(f"/spaces/{world['room']}", data=book_form(world["group"], next_weekday(1), attendees="25"))
    assert r.status_code == 422
    assert "Tilaan mahtuu enintään 12 henkilöä; varaus on 25 henkilölle." in htmllib.unescape(text_of(r))
    assert bookings(app) == []


def test_staff_queue_flags_a_request_over_capacity(app, client, world, make_group):
    """A request made before capacity was a rule (or the space made smaller since) is flagged."""
    w = world
    unverified = make_group(name="New Choir", verified=False)
    day = next_weekday(3)
    with app.app_context():
        for title, people in (("Big choir", 30), ("Small choir", 5)):
            start = datetime.fromisoformat(local(day, "18:00" if people > 10 else "10:00")).replace(tzinfo=HELSINKI)
            db.session.add(Booking(space_id=w["room"], group_id=unverified, title=title, attendees=people, status="pending",
                                   start_at=start, end_at=start + timedelta(hours=1), blocked_until=start + timedelta(hours=1)))
        db.session.commit()
    sign_in(client, w["staff"])
    page = text_of(client.get("/staff/requests"))
    big, small = page.split('id="request-')[1:3] if "Big choir" in page.split('id="request-')[1] else page.split('id="request-')[2:0:-1]
    assert "Too many people:" in big and "The space holds up to 12 people; the booking is for 30." in big
    assert "Too many people" not in small


def test_the_space_s_own_family_is_a_conflict_not_a_warning(client, world, make_space, app):
    """The group's booking of a part of the hall is in the way of the hall itself: refused as taken (409)."""
    w = world
    hall = make_space(facility_id=w["kallio"], name="Hall", capacity=40)
    half = make_space(facility_id=w["kallio"], name="Hall, stage half", capacity=20, part_of=hall)
    day = next_weekday(2)
    assert w["rep"].post("/bookings", {"space_id": half, "group_id": w["group"], "title": "Rehearsal",
                                       "start": local(day, "18:00"), "end": local(day, "20:00")}).status_code == 201
    sign_in(client, w["rep"])
    r = client.post(f"/spaces/{hall}", data=book_form(w["group"], day))
    assert r.status_code == 409
    assert "Your group already has a booking at this time" not in text_of(r)


def test_too_small_a_space_suggests_bigger_ones_free_then(client, world, make_space, app):
    w = world
    make_space(facility_id=w["kallio"], name="Small room", capacity=5)
    big = make_space(facility_id=w["kallio"], name="Big hall", capacity=50)
    sign_in(client, w["rep"])
    r = client.post(f"/spaces/{w['room']}", data=book_form(w["group"], next_weekday(1), attendees="30"))
    assert r.status_code == 422
    page = htmllib.unescape(text_of(r))
    assert "The space holds up to 12 people; the booking is for 30." in page
    alternatives = page.split('id="alternatives-title"')[1].split("</div>")[0]
    assert f'href="/spaces/{big}?date=' in alternatives and '#book">Big hall</a>' in alternatives and "Small room" not in alternatives
