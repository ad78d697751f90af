"""Group pages: my groups, registering a group, a group's page (representatives, adding one, the
group's bookings with filters), the confirmation step before cancelling, and /bookings' filters.
Who may see what: a representative of group A never sees group B's page (403)."""
from __future__ import annotations

import html
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from commons.extensions import db
from commons.models import Group, GroupMember
from spaces.models import Booking
from tests.conftest import PASSWORD, next_weekday


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def sign_in(client, user) -> None:
    r = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert r.status_code == 302


def book(client, space, group, day, start="18:00", end="20:00", title="Board meeting", **extra):
    data = {"group": str(group), "title": title, "date": day.isoformat(), "start": start, "end": end,
            "attendees": "8", "on_conflict": "reject"}
    data.update(extra)
    r = client.post(f"/spaces/{space}", data=data)
    assert r.status_code == 302, text(r)[:2000]


def all_bookings(app):
    with app.app_context():
        rows = list(db.session.execute(select(Booking).order_by(Booking.start_at)).scalars())
        db.session.expunge_all()
        return rows


@pytest.fixture
def world(make_group, make_facility, make_space, make_user):
    kallio = make_facility(name="Kallio Library", district="Kallio")
    room = make_space(facility_id=kallio, name="Reading room")
    hall = make_space(facility_id=kallio, name="Hall", requires_approval=True)
    group = make_group(name="Kallio Residents", verified=True)
    other = make_group(name="Kontula Chess Club", verified=True)
    rep = make_user(groups=[group], name="Riikka Rep", email="riikka@example.fi")
    other_rep = make_user(groups=[other], name="Olli Other", email="olli@example.fi")
    admin = make_user(role="admin", name="Aino Admin", email="aino@example.fi")
    return dict(kallio=kallio, room=room, hall=hall, group=group, other=other, rep=rep, other_rep=other_rep, admin=admin)


# --- My groups and registering --------------------------------------------------------------------


def test_my_groups_lists_the_groups_i_represent(client, world):
    sign_in(client, world["rep"])
    page = text(client.get("/groups/mine"))
    assert "<h1>My groups</h1>" in page
    assert f'<a href="/groups/{world["group"]}">Kallio Residents</a>' in page
    assert "Kontula Chess Club" not in page
    assert 'href="/groups/new"' in page


def test_my_groups_when_there_are_none(client, make_user):
    sign_in(client, make_user())
    page = text(client.get("/groups/mine"))
    assert "You do not represent any group yet." in page


def test_group_pages_need_sign_in(client, world):
    for path in ("/groups/mine", "/groups/new", f"/groups/{world['group']}", "/bookings/1/cancel"):
        r = client.get(path)
        assert r.status_code == 302 and "/login" in r.headers["Location"], path
    r = client.post(f"/groups/{world['group']}/representatives", data={"email": "x@example.fi"})
    assert r.status_code == 302 and "/login" in r.headers["Location"]


def test_register_a_group(app, client, make_user):
    user = make_user(name="Tuula")
    sign_in(client, user)
    page = text(client.get("/groups/new"))
    assert "Until the city has verified the group, the staff approve each booking" in page
    assert '<legend>What kind of group</legend>' in page
    r = client.post("/groups/new", data={"name": " Vallila Residents ", "kind": "resident_group", "district": "Vallila",
                                         "registration_number": "", "description": "We meet monthly."})
    assert r.status_code == 302
    with app.app_context():
        group = db.session.execute(select(Group)).scalar_one()
        assert (group.name, group.kind, group.district, group.registration_number, group.verified) == (
            "Vallila Residents", "resident_group", "Vallila", None, False)
        assert db.session.execute(select(GroupMember.user_id).where(GroupMember.group_id == group.id)).scalar_one() == user.user_id
        gid = group.id
    assert r.headers["Location"].endswith(f"/groups/{gid}")
    page = text(client.get(r.headers["Location"]))
    assert "Your group Vallila Residents is registered." in page
    assert "<h1>Vallila Residents</h1>" in page
    assert "Not yet. Until the city verifies the group" in page
    assert "We meet monthly." in page


@pytest.mark.parametrize(
    "change, field, message",
    [
        ({"name": ""}, "name", "Give the group's name."),
        ({"name": "x" * 121}, "name", "At most 120 characters."),
        ({"kind": ""}, "kind", "Choose what kind of group it is."),
        ({"kind": "company"}, "kind", "Not a valid choice"),
        ({"district": " "}, "district", "Give the district."),
        ({"registration_number": "9" * 41}, "registration_number", "At most 40 characters."),
    ],
)
def test_group_form_errors_keep_what_was_typed(app, client, make_user, change, field, message):
    sign_in(client, make_user())
    data = {"name": "Vallila Residents", "kind": "association", "district": "Vallila", "registration_number": "123.456",
            "description": "Kerho kaikille"}
    data.update(change)
    r = client.post("/groups/new", data=data)
    assert r.status_code == 422
    page = text(r)
    assert f'id="{field}-error">{message}' in page
    assert "Kerho kaikille</textarea>" in page
    if field != "district":
        assert 'value="Vallila"' in page
    with app.app_context():
        assert db.session.execute(select(Group)).first() is None


def test_a_taken_group_name_is_refused_next_to_the_field(client, world):
    sign_in(client, world["rep"])
    r = client.post("/groups/new", data={"name": "kontula chess club", "kind": "association", "district": "Kontula"})
    assert r.status_code == 422
    assert 'id="name-error">A group with this name, or a name that looks the same, is registered already.' in text(r)


# --- A group's page: who may see it ----------------------------------------------------------------


def test_a_representative_sees_the_group_page(client, world):
    sign_in(client, world["rep"])
    r = client.get(f"/groups/{world['group']}")
    assert r.status_code == 200
    page = text(r)
    assert "<h1>Kallio Residents</h1>" in page
    assert "Riikka Rep (riikka@example.fi)" in page
    assert '<label for="email">Their e-mail</label>' in page
    assert "No upcoming bookings." in page


def test_a_representative_of_another_group_is_not_allowed(client, world):
    sign_in(client, world["other_rep"])
    r = client.get(f"/groups/{world['group']}")
    assert r.status_code == 403
    page = text(r)
    assert "Only the group's representatives can see this page." in page
    assert "riikka@example.fi" not in page
    assert 'href="/"' in page  # a way back
    r = client.post(f"/groups/{world['group']}/representatives", data={"email": "olli@example.fi"})
    assert r.status_code == 403


def test_admins_see_any_group_and_unknown_groups_are_404(client, world):
    sign_in(client, world["admin"])
    assert client.get(f"/groups/{world['group']}").status_code == 200
    r = client.get("/groups/999999")
    assert r.status_code == 404 and "<h1>Page not found</h1>" in text(r)
    assert client.get("/groups/99999999999").status_code == 404


# --- Adding a representative ------------------------------------------------------------------------


def test_add_a_co_representative_by_e_mail(app, client, world, make_user):
    make_user(email="pekka@example.fi", name="Pekka Partner")
    sign_in(client, world["rep"])
    r = client.post(f"/groups/{world['group']}/representatives", data={"email": " Pekka@Example.fi "})
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/groups/{world['group']}")
    page = text(client.get(r.headers["Location"]))
    assert "Pekka Partner is now a representative of Kallio Residents." in page
    assert "Pekka Partner (pekka@example.fi)" in page


@pytest.mark.parametrize(
    "email, message",
    [
        ("nobody@example.fi", "Nobody has an account with that e-mail yet. Ask them to sign up first"),
        ("", "Give your e-mail address."),
        ("not an address", "Give an e-mail address like name@example.fi."),
    ],
)
def test_adding_a_representative_errors_are_next_to_the_field(client, world, email, message):
    sign_in(client, world["rep"])
    r = client.post(f"/groups/{world['group']}/representatives", data={"email": email})
    assert r.status_code == 422
    page = text(r)
    assert f'id="email-error">{message}' in page
    if email:
        assert f'value="{email}"' in page
    assert "<h1>Kallio Residents</h1>" in page


# --- The group's bookings -----------------------------------------------------------------------------


def test_the_group_page_lists_bookings_by_time_and_status(app, client, world):
    sign_in(client, world["rep"])
    day = next_weekday(1)
    book(client, world["room"], world["group"], day, title="Board meeting")
    book(client, world["hall"], world["group"], day, "20:00", "21:00", title="Spring party")  # needs approval: pending
    book(client, world["room"], world["group"], day + timedelta(days=1), title="Cancelled one")
    cancelled = all_bookings(app)[-1]
    assert client.post(f"/bookings/{cancelled.id}/cancel").status_code == 302
    with app.app_context():  # a booking that has taken place (cannot be made through the pages)
        now = datetime.now(timezone.utc)
        db.session.add(Booking(space_id=world["room"], group_id=world["group"], title="Last month's meeting",
                               start_at=now - timedelta(days=30), end_at=now - timedelta(days=30, hours=-2),
                               blocked_until=now - timedelta(days=30, hours=-2), status="confirmed"))
        db.session.commit()
    # the other group's booking never shows
    world["other_rep"].post("/bookings", {"space_id": world["room"], "group_id": world["other"], "title": "Chess",
                                          "start": f"{day}T10:00", "end": f"{day}T12:00"})

    url = f"/groups/{world['group']}"
    page = text(client.get(url))
    assert "<h3 id=\"list-title\">Upcoming bookings</h3>" in page
    for title in ("Board meeting", "Spring party", "Cancelled one"):
        assert f">{title}</h4>" in page
    assert "Chess" not in page and "Last month's meeting" not in page
    assert "Waiting for approval" in page and "Confirmed" in page and "Cancelled" in page

    pending = text(client.get(url, query_string={"when": "upcoming", "status": "pending"}))
    assert ">Spring party</h4>" in pending and ">Board meeting</h4>" not in pending
    assert "Upcoming bookings: Waiting for approval" in pending
    assert '<option selected value="pending">' in pending  # the filter keeps its choice

    past = text(client.get(url, query_string={"when": "past"}))
    assert ">Last month's meeting</h4>" in past and ">Board meeting</h4>" not in past
    assert "Cancel this booking…" not in past  # what has happened cannot be cancelled

    cancelled_only = text(client.get(url, query_string={"status": "cancelled"}))
    assert ">Cancelled one</h4>" in cancelled_only and ">Board meeting</h4>" not in cancelled_only


@pytest.mark.parametrize("args", [{"when": "tomorrow"}, {"status": "lost"}, {"status": "x" * 500}])
def test_a_bad_filter_is_an_error_not_a_500(client, world, args):
    sign_in(client, world["rep"])
    for url in (f"/groups/{world['group']}", "/bookings"):
        r = client.get(url, query_string=args)
        assert r.status_code == 422, url
        assert "Not a valid choice" in text(r)


def test_my_bookings_has_the_same_filters(app, client, world):
    sign_in(client, world["rep"])
    day = next_weekday(2)
    book(client, world["room"], world["group"], day, title="Board meeting")
    book(client, world["hall"], world["group"], day, "20:00", "21:00", title="Spring party")
    page = text(client.get("/bookings", query_string={"status": "confirmed"}))
    assert '<label for="when">When</label>' in page and '<label for="status">Status</label>' in page
    assert ">Board meeting</h3>" in page and ">Spring party</h3>" not in page


# --- Cancelling with a confirmation step ----------------------------------------------------------------


def test_cancel_one_date_or_the_series_from_the_group_page(app, client, world):
    sign_in(client, world["rep"])
    day = next_weekday(0)
    book(client, world["room"], world["group"], day, repeat_until=(day + timedelta(weeks=3)).isoformat())
    rows = all_bookings(app)
    assert len(rows) == 4
    back = f"/groups/{world['group']}"
    page = text(client.get(back))
    link = f'href="/bookings/{rows[1].id}/cancel?next=/groups/{world["group"]}"'
    assert link in page and "Cancel this date or the series…" in page

    confirm = text(client.get(f"/bookings/{rows[1].id}/cancel", query_string={"next": back}))
    assert "<h1>Cancel a booking</h1>" in confirm
    assert '<legend>Cancel which dates</legend>' in confirm
    assert '<input type="radio" name="scope" value="one" id="scope-one" checked>' in confirm
    assert f'<a href="{back}">No, keep it</a>' in confirm and f'name="next" value="{back}"' in confirm

    r = client.post(f"/bookings/{rows[1].id}/cancel", data={"scope": "one", "next": back})
    assert r.status_code == 302 and r.headers["Location"].endswith(back)
    assert [b.status for b in all_bookings(app)] == ["confirmed", "cancelled", "confirmed", "confirmed"]
    assert "All upcoming dates of the series" in confirm
    r = client.post(f"/bookings/{rows[2].id}/cancel", data={"scope": "series", "next": back})
    assert r.status_code == 302
    assert [b.status for b in all_bookings(app)] == ["cancelled"] * 4
    assert "Cancelled 3 dates" in text(client.get(back))


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x"])
def test_cancelling_goes_back_only_to_this_site(app, client, world, target):
    sign_in(client, world["rep"])
    book(client, world["room"], world["group"], next_weekday(3))
    [b] = all_bookings(app)
    confirm = text(client.get(f"/bookings/{b.id}/cancel", query_string={"next": target}))
    assert 'name="next" value="/bookings"' in confirm and '<a href="/bookings">No, keep it</a>' in confirm
    r = client.post(f"/bookings/{b.id}/cancel", data={"next": target})
    assert r.status_code == 302 and "evil.example" not in r.headers["Location"]


def test_others_bookings_have_no_confirmation_page(client, world):
    r = world["other_rep"].post("/bookings", {"space_id": world["room"], "group_id": world["other"], "title": "Chess",
                                              "start": f"{next_weekday(1)}T10:00", "end": f"{next_weekday(1)}T12:00"})
    sign_in(client, world["rep"])
    r = client.get(f"/bookings/{r.get_json()['id']}/cancel")
    assert r.status_code == 404
    assert "Chess" not in text(r)
    assert client.get("/bookings/99999999999/cancel").status_code in (404, 405)  # no such id: never a 500


def test_group_page_in_finnish_with_finnish_dates(app, client, world):
    sign_in(client, world["rep"])
    with app.app_context():
        group = db.session.get(Group, world["group"])
        group.verified_at = datetime(2027, 1, 4, 10, 0, tzinfo=timezone.utc)
        db.session.commit()
    client.post("/language", data={"lang": "fi"})
    day = next_weekday(1)
    book(client, world["room"], world["group"], day)
    page = text(client.get(f"/groups/{world['group']}"))
    assert '<html lang="fi">' in page
    assert "Kyllä, 4.1.2027 alkaen" in page
    assert "<h2 id=\"reps-title\">Edustajat</h2>" in page
    assert f"ti {day.day}.{day.month}.{day.year} 18.00–20.00" in page
    assert "Vahvistettu" in page and "Peru tämä varaus…" in page


def test_group_forms_need_the_csrf_token(app, client, world, make_user, monkeypatch):
    make_user(email="pekka@example.fi")
    sign_in(client, world["rep"])
    book(client, world["room"], world["group"], next_weekday(4))
    [b] = all_bookings(app)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    r = client.post(f"/groups/{world['group']}/representatives", data={"email": "pekka@example.fi"})
    assert r.status_code == 400 and "The form has expired" in text(r)
    r = client.post(f"/bookings/{b.id}/cancel", data={"scope": "one"})
    assert r.status_code == 400
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", False)
    assert all_bookings(app)[0].status == "confirmed"
    assert "pekka@example.fi" not in text(client.get(f"/groups/{world['group']}"))


def test_the_group_page_and_my_bookings_cost_the_same_for_3_or_30_bookings(app, client, world, make_user, make_space):
    from tests.support.queries import count_queries

    make_user(email="second@example.fi")
    sign_in(client, world["rep"])
    client.post(f"/groups/{world['group']}/representatives", data={"email": "second@example.fi"})
    day = next_weekday(0)
    book(client, world["room"], world["group"], day, repeat_until=(day + timedelta(weeks=2)).isoformat())
    url = f"/groups/{world['group']}"
    with count_queries(app) as few:
        assert text(client.get(url)).count('class="booking status-') == 3
        client.get("/bookings")
    book(client, make_space(name="Other room"), world["group"], day, "10:00", "12:00", repeat_until=(day + timedelta(weeks=26)).isoformat())
    with count_queries(app) as many:
        assert text(client.get(url)).count('class="booking status-') == 30
        client.get("/bookings")
    assert len(many) == len(few)
