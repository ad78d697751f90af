"""Work a client's input makes the server do happens before the use case's write transaction opens
(issue 23: "parsing inside the write lock"). On SQLite that transaction holds the database's one write
lock (BEGIN IMMEDIATE), so whatever runs inside it makes every other client's write wait; on PostgreSQL
it holds a connection and the space's advisory lock. The .ics import is tested in
tests/calendars/test_import_timezones.py and test_import_live.py; here: a booking series' RRULE (and a
rule dateutil would search up to the year 9999), and scrypt at sign-up and password change.

Each test records whether the work ran inside `write_transaction` (commons.db._immediate is set there
on every database) and books for another client in the middle of the work."""
from __future__ import annotations

import itertools
import threading
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import delete, update

import commons.models
from commons import db as commons_db
from commons.extensions import db
from commons.models import FacilityStaff, User
from spaces import rules
from spaces.models import Booking, Space
from tests.commons.test_account_pages import SIGNUP, sign_in
from tests.conftest import HELSINKI, PASSWORD, local, next_weekday


def book_meanwhile(api, space: int, group: int, weeks_ahead: int = 5):
    """Another client's booking, made from another thread while the caller is in the middle of its work."""
    answer = {}

    def run():
        day = next_weekday(4, weeks_ahead)
        answer["r"] = api.post("/bookings", {"space_id": space, "group_id": group, "title": "Meanwhile",
                                             "start": local(day, "10:00"), "end": local(day, "11:00")})

    other = threading.Thread(target=run)
    other.start()
    other.join(timeout=120)
    return answer.get("r")


@pytest.fixture
def two_clients(make_user, make_group, make_space, make_facility):
    facility = make_facility()
    space, other_space = make_space(facility_id=facility), make_space(facility_id=facility)
    group, other_group = make_group(verified=True), make_group(verified=True)
    rep = make_user(groups=[group])
    other = make_user(groups=[other_group])
    staff = make_user(role="staff", facilities=[facility])
    return space, group, rep, staff, (other, other_space, other_group)


# --- A booking series --------------------------------------------------------------------------------------


def test_a_series_is_expanded_before_the_write_transaction(two_clients, monkeypatch):
    space, group, rep, staff, (other, other_space, other_group) = two_clients
    real = rules.expand_series
    seen = {}

    def expand_while_someone_books(*args, **kwargs):
        seen["in_write_transaction"] = commons_db._immediate.get()
        seen["other"] = book_meanwhile(other, other_space, other_group)
        return real(*args, **kwargs)

    monkeypatch.setattr(rules, "expand_series", expand_while_someone_books)
    day = next_weekday(1)
    r = rep.post("/bookings", {"space_id": space, "group_id": group, "title": "Choir", "start": local(day, "18:00"),
                               "end": local(day, "20:00"), "rrule": "FREQ=WEEKLY;COUNT=4"})
    assert r.status_code == 201, r.get_json()
    assert len(r.get_json()["occurrences"]) == 4
    assert seen["in_write_transaction"] is False
    assert seen["other"] is not None and seen["other"].status_code == 201, seen["other"] and seen["other"].get_json()


@pytest.mark.parametrize("rrule", ["FREQ=DAILY;INTERVAL=7;BYDAY={other};COUNT=10", "FREQ=DAILY;INTERVAL=14;BYDAY={other};COUNT=3",
                                   "FREQ=MONTHLY;INTERVAL=12;BYMONTHDAY=31;COUNT=5"])
def test_a_series_that_can_never_match_is_answered_without_searching_to_the_year_9999(two_clients, monkeypatch, rrule):
    """dateutil looks for a date of FREQ=DAILY;INTERVAL=7;BYDAY=MO from a Tuesday in every week up to
    the year 9999: a second of CPU for one request (then inside the write lock). Seen without a walk."""
    space, group, rep, staff, _ = two_clients
    day = next_weekday(1)  # a Tuesday
    while "MONTHLY" in rrule and day.month not in (4, 6, 9, 11):  # 30 days: every 12 months is never a 31st
        day += timedelta(weeks=1)
    rrule = rrule.format(other="MO")

    def no_walk(*args, **kwargs):
        raise AssertionError("dateutil was asked to search a rule that can give no date")

    monkeypatch.setattr(rules, "rrulestr", no_walk)
    r = rep.post("/bookings", {"space_id": space, "group_id": group, "title": "Never", "start": local(day, "18:00"),
                               "end": local(day, "20:00"), "rrule": rrule})
    assert r.status_code == 422, r.get_json()
    err = r.get_json()["error"]
    assert err["reason"] == "rrule_no_dates" and err["field_codes"] == {"rrule": {"code": "rrule_no_dates", "params": {}}}


@pytest.mark.parametrize("rrule, count", [("FREQ=DAILY;INTERVAL=7;BYDAY=TU;COUNT=3", 3), ("FREQ=DAILY;INTERVAL=3;BYDAY=MO;COUNT=2", 2)])
def test_rules_that_do_match_are_still_expanded(two_clients, rrule, count):
    space, group, rep, staff, _ = two_clients
    day = next_weekday(1)  # a Tuesday
    r = rep.post("/bookings", {"space_id": space, "group_id": group, "title": "Every so often", "start": local(day, "10:00"),
                               "end": local(day, "11:00"), "rrule": rrule, "on_conflict": "skip"})
    assert r.status_code == 201, r.get_json()
    assert len(r.get_json()["occurrences"]) + len(r.get_json()["skipped"]) == count


@pytest.mark.parametrize("change", ["timezone", "rights"])
def test_what_changes_meanwhile_is_seen_by_the_transaction(app, two_clients, monkeypatch, change):
    """The series is planned with the space's zone and the booker's rights of before the transaction;
    the transaction checks both again: a new zone plans the local times again, lost rights refuse."""
    space, group, rep, staff, _ = two_clients
    real = rules.expand_series

    def expand_and_change(*args, **kwargs):
        result = real(*args, **kwargs)
        if not getattr(expand_and_change, "done", False):
            expand_and_change.done = True
            with db.engine.begin() as conn:  # someone else's committed change, on another connection
                if change == "timezone":
                    conn.execute(update(Space).where(Space.id == space).values(timezone="Europe/Stockholm"))
                else:
                    conn.execute(delete(FacilityStaff).where(FacilityStaff.user_id == staff.user_id))
        return result

    monkeypatch.setattr(rules, "expand_series", expand_and_change)
    day = next_weekday(2)
    body = {"space_id": space, "group_id": group, "title": "On behalf", "start": local(day, "12:00"),
            "end": local(day, "13:00"), "rrule": "FREQ=WEEKLY;COUNT=2"}
    r = staff.post("/bookings", body)
    if change == "rights":
        assert r.status_code == 403, r.get_json()
        with app.app_context():
            assert db.session.query(Booking).count() == 0
        return
    assert r.status_code == 201, r.get_json()
    with app.app_context():
        starts = sorted(b.start_at for b in db.session.query(Booking).all())
    assert [s.astimezone(ZoneInfo("Europe/Stockholm")).hour for s in starts] == [12, 12]
    assert [s.astimezone(HELSINKI).hour for s in starts] == [13, 13]


# --- Passwords ------------------------------------------------------------------------------------------


@pytest.fixture
def hashing_seen(monkeypatch, two_clients):
    """Each password hashed or checked (scrypt in production): whether inside a write transaction, and
    another client's booking made meanwhile."""
    space, group, rep, staff, (other, other_space, other_group) = two_clients
    seen = []
    weeks = itertools.count(5)

    def watched(real):
        def run(*args, **kwargs):
            seen.append((commons_db._immediate.get(), book_meanwhile(other, other_space, other_group, weeks_ahead=next(weeks))))
            return real(*args, **kwargs)

        return run

    monkeypatch.setattr(commons.models, "generate_password_hash", watched(commons.models.generate_password_hash))
    monkeypatch.setattr(commons.models, "check_password_hash", watched(commons.models.check_password_hash))
    return seen


def test_sign_up_hashes_the_password_before_the_write_transaction(app, client, hashing_seen):
    r = client.post("/signup", data=SIGNUP)
    assert r.status_code == 302, r.get_data(as_text=True)[:300]
    assert len(hashing_seen) == 1
    inside, other = hashing_seen[0]
    assert inside is False
    assert other is not None and other.status_code == 201, other and other.get_json()
    with app.app_context():
        user = db.session.query(User).filter_by(email=SIGNUP["email"].lower()).one()
        assert user.check_password(SIGNUP["password"])


def test_a_password_change_checks_and_hashes_before_the_write_transaction(app, client, make_user, hashing_seen):
    user = make_user(email="sari@example.fi")
    sign_in(client, user.email)
    hashing_seen.clear()  # make_user's hash and the sign-in's check
    r = client.post("/account/password", data={"current_password": PASSWORD, "new_password": "a new long secret",
                                               "confirm": "a new long secret"})
    assert r.status_code == 302, r.get_data(as_text=True)[:300]
    assert [inside for inside, _ in hashing_seen] == [False, False]  # the current password checked, the new one hashed
    assert all(other is not None and other.status_code == 201 for _, other in hashing_seen)
    with app.app_context():
        assert db.session.get(User, user.user_id).check_password("a new long secret")


def test_a_password_changed_meanwhile_by_another_browser_is_not_overwritten(app, client, make_user, monkeypatch):
    """The current password was checked against the stored hash; if another browser changed the
    password between that check and the transaction, the check no longer holds."""
    user = make_user(email="sari@example.fi")
    sign_in(client, user.email)
    real = User.hash_password

    def hash_and_change_elsewhere(password):
        with db.engine.begin() as conn:
            conn.execute(update(User).where(User.id == user.user_id).values(password_hash=real("changed elsewhere")))
        return real(password)

    monkeypatch.setattr(User, "hash_password", staticmethod(hash_and_change_elsewhere))
    r = client.post("/account/password", data={"current_password": PASSWORD, "new_password": "a new long secret",
                                               "confirm": "a new long secret"}, headers={"Accept-Language": "fi"})
    assert r.status_code == 422
    assert "Salasanasi vaihdettiin toisessa selaimessa tämän muutoksen aikana." in r.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(User, user.user_id).check_password("changed elsewhere")


def test_the_command_line_hashes_a_new_password_before_the_write_transaction(app, hashing_seen):
    """`flask create-user --password`: the same order as sign-up."""
    from commons.services import create_user

    hashing_seen.clear()
    with app.app_context():
        create_user("cli@example.fi", "Cli Person", "member", password="a long enough secret")
        assert [inside for inside, _ in hashing_seen] == [False]
        assert db.session.query(User).filter_by(email="cli@example.fi").one().check_password("a long enough secret")
