"""The command line (API.md: "Command line"): users, tokens and the demo data."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from commons.extensions import db
from commons.models import ApiToken, Facility, FacilityStaff, Group, GroupMember, User
from spaces.demo import GENERATED_GROUP
from spaces.models import Booking, BookingSeries, Closure, OpeningHours, Space, SpaceFeature

MODELS = (User, Group, GroupMember, Facility, FacilityStaff, Space, OpeningHours, SpaceFeature, Closure, BookingSeries, Booking)


def invoke(runner, *args):
    result = runner.invoke(args=list(args), catch_exceptions=False)
    return result


@pytest.fixture
def counts(app):
    def count():
        with app.app_context():
            out = {m.__name__: db.session.scalar(select(func.count()).select_from(m)) for m in MODELS}
            db.session.remove()
            return out

    return count


def test_create_member_with_a_group(runner, app):
    r = invoke(runner, "users", "create", "Rep@Example.fi", "--name", "Riikka Rep", "--role", "member",
               "--group", "Kallio Residents", "--password", "long enough password")
    assert r.exit_code == 0, r.output
    with app.app_context():
        user = db.session.execute(select(User).where(User.email == "rep@example.fi")).scalar_one()
        assert (user.name, user.role) == ("Riikka Rep", "member")
        assert user.check_password("long enough password")
        group = db.session.execute(select(Group).where(Group.name == "Kallio Residents")).scalar_one()
        assert group.verified is True and group.verified_at is not None
        assert [m.group_id for m in user.memberships] == [group.id]
        assert user.staff_of == []
        db.session.remove()
    # Running it again updates the user and keeps one membership; the existing group is reused.
    r = invoke(runner, "users", "create", "rep@example.fi", "--name", "Riikka R.", "--role", "member",
               "--group", "kallio residents")
    assert r.exit_code == 0, r.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Group)) == 1
        assert db.session.scalar(select(func.count()).select_from(GroupMember)) == 1
        assert db.session.execute(select(User.name)).scalar_one() == "Riikka R."
        db.session.remove()


def test_create_staff_with_a_facility(runner, app):
    r = invoke(runner, "users", "create", "staff@example.fi", "--name", "Sami Staff", "--role", "staff",
               "--facility", "Kallio Library")
    assert r.exit_code == 0, r.output
    with app.app_context():
        user = db.session.execute(select(User).where(User.email == "staff@example.fi")).scalar_one()
        assert user.role == "staff" and user.password_hash is None
        facility = db.session.execute(select(Facility).where(Facility.name == "Kallio Library")).scalar_one()
        assert [s.facility_id for s in user.staff_of] == [facility.id]
        db.session.remove()


def test_create_refuses_bad_input(runner, counts):
    before = counts()
    cases = [
        ["users", "create", "x@example.fi", "--name", "X", "--role", "emperor"],
        ["users", "create", "not-an-email", "--name", "X", "--role", "member"],
        ["users", "create", "x@example.fi", "--name", "X", "--role", "member", "--password", "short"],
        ["users", "create", "x@example.fi", "--name", "X", "--role", "member", "--facility", "Somewhere"],
        ["users", "create", "x@example.fi", "--role", "member"],
    ]
    for args in cases:
        r = invoke(runner, *args)
        assert r.exit_code != 0, (args, r.output)
    assert counts() == before


def test_token_works_as_bearer(runner, client, app):
    assert invoke(runner, "users", "create", "rep@example.fi", "--name", "Riikka", "--role", "member",
                  "--group", "Chess Club").exit_code == 0
    r = invoke(runner, "users", "token", "REP@example.fi")
    assert r.exit_code == 0, r.output
    token = r.output.split()[-1]
    assert len(token) >= 32
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200, me.get_json()
    assert me.get_json()["email"] == "rep@example.fi"
    assert [g["name"] for g in me.get_json()["groups"]] == ["Chess Club"]
    # Each call issues a new token; both work. Only a hash is stored.
    second = invoke(runner, "users", "token", "rep@example.fi").output.split()[-1]
    assert second != token
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {second}"}).status_code == 200
    with app.app_context():
        hashes = set(db.session.execute(select(ApiToken.token_hash)).scalars())
        assert token not in hashes and ApiToken.hash(token) in hashes
        db.session.remove()


def test_token_for_unknown_user_fails(runner):
    r = invoke(runner, "users", "token", "nobody@example.fi")
    assert r.exit_code != 0
    assert "nobody@example.fi" in r.output


def test_demo_data_twice_is_safe(runner, counts, client):
    r = invoke(runner, "demo-data")
    assert r.exit_code == 0, r.output
    first = counts()
    assert first["Facility"] >= 3 and first["Space"] >= 5 and first["Group"] >= 3 and first["Booking"] >= 5
    r = invoke(runner, "demo-data")
    assert r.exit_code == 0, r.output
    assert counts() == first
    # The demo is usable through the API.
    spaces = client.get("/api/v1/spaces").get_json()
    assert len(spaces) == first["Space"]
    # Every demo booking keeps the booking rules' capacity (issue 21: the demo must not show what the rules refuse).
    capacity = {s["id"]: s["capacity"] for s in spaces}
    with client.application.app_context():
        crowded = [(b.title, b.attendees, capacity[b.space_id]) for b in db.session.scalars(select(Booking))
                   if b.attendees > capacity[b.space_id]]
        db.session.remove()
    assert crowded == []


def test_demo_data_generated_bookings_are_replaced_not_added(runner, counts, app):
    r = invoke(runner, "demo-data", "--bookings", "500")
    assert r.exit_code == 0, r.output
    first = counts()

    def generated():
        with app.app_context():
            n = db.session.scalar(
                select(func.count()).select_from(Booking).join(Group, Booking.group_id == Group.id).where(Group.name == GENERATED_GROUP)
            )
            db.session.remove()
            return n

    assert generated() == 500
    r = invoke(runner, "demo-data", "--bookings", "500")
    assert r.exit_code == 0, r.output
    assert generated() == 500
    assert counts() == first
    r = invoke(runner, "demo-data", "--bookings", "120")
    assert r.exit_code == 0, r.output
    assert generated() == 120


def test_demo_data_refuses_a_negative_count(runner, counts):
    r = invoke(runner, "demo-data", "--bookings", "-5")
    assert r.exit_code != 0
    assert counts()["Booking"] == 0
