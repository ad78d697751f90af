"""The audit log: every staff and administrator action on bookings, groups, facilities and roles writes
exactly one event in the action's own transaction; a group's own actions write none; who may read it."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from commons import audit, services as commons_services
from commons.extensions import db
from commons.models import AuditEvent, User
from spaces import notices, services as space_services
from spaces.report_services import record_no_show
from tests.conftest import PASSWORD, local, next_weekday

ICS = b"""BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//test//EN\r
BEGIN:VEVENT\r
UID:holiday-1@test\r
DTSTART;VALUE=DATE:{day}\r
DTEND;VALUE=DATE:{next}\r
SUMMARY:Holiday\r
END:VEVENT\r
END:VCALENDAR\r
"""


@pytest.fixture
def w(app, make_user, make_group, make_facility, make_space):
    facility, other_facility = make_facility(name="Kallio Library"), make_facility(name="Vallila School")
    space = make_space(facility_id=facility, name="Hall")
    other_space = make_space(facility_id=other_facility, name="Gym")
    group, other_group = make_group(name="Chess club"), make_group(name="New club", verified=False)
    rep = make_user(groups=[group], email="rep@example.fi", name="Riikka Rep")
    staff = make_user(role="staff", facilities=[facility], email="staff@example.fi", name="Sanna Staff")
    other_staff = make_user(role="staff", facilities=[other_facility], email="other@example.fi", name="Olli Other")
    admin = make_user(role="admin", email="admin@example.fi", name="Aino Admin")
    volunteer = make_user(role="volunteer", email="vol@example.fi", name="Vilja Vol")
    plain = make_user(email="plain@example.fi", name="Pekka Plain")
    return dict(facility=facility, other_facility=other_facility, space=space, other_space=other_space, group=group,
                other_group=other_group, rep=rep, staff=staff, other_staff=other_staff, admin=admin, volunteer=volunteer,
                plain=plain, day=next_weekday(2))


def book(api, w, start="17:00", end="18:00", space=None, **more):
    body = {"space_id": space or w["space"], "group_id": w["group"], "title": "Chess evening",
            "start": local(w["day"], start), "end": local(w["day"], end), **more}
    r = api.post("/bookings", body)
    assert r.status_code == 201, r.get_json()
    data = r.get_json()
    return data["bookings"][0]["id"] if "bookings" in data else data["id"]


def events(app) -> list[AuditEvent]:
    with app.app_context():
        rows = list(db.session.execute(select(AuditEvent).order_by(AuditEvent.id)).scalars())
        db.session.expunge_all()
        return rows


# Each case: (name, prepare(w) -> state, act(w, state) -> expected fields)
def _approve(w, approve):
    def prepare(w):
        space = w["space"]
        with w["app"].app_context():
            from spaces.models import Space

            db.session.get(Space, space).requires_approval = True
            db.session.commit()
        return {"booking": book(w["rep"], w)}

    def act(w, s):
        r = w["staff"].post(f"/bookings/{s['booking']}/{'approve' if approve else 'reject'}", {"message": "ok"})
        assert r.status_code == 200, r.get_json()
        return dict(action="booking.approve" if approve else "booking.reject", actor="staff", object_type="booking",
                    object_id=s["booking"], facility_id=w["facility"], group_id=w["group"])

    return prepare, act


def _cancel_by_staff():
    def prepare(w):
        return {"booking": book(w["rep"], w)}

    def act(w, s):
        assert w["staff"].post(f"/bookings/{s['booking']}/cancel", {}).status_code == 200
        return dict(action="booking.cancel", actor="staff", object_type="booking", object_id=s["booking"],
                    facility_id=w["facility"], group_id=w["group"])

    return prepare, act


def _create_on_behalf():
    def act(w, s):
        booking = book(w["staff"], w)
        return dict(action="booking.create_on_behalf", actor="staff", object_type="booking", object_id=booking,
                    facility_id=w["facility"], group_id=w["group"])

    return (lambda w: {}), act


def _counter_booking(w, start="17:00", end="18:00"):
    body = {"space_id": w["space"], "contact_name": "Aino Asiakas", "contact_phone": "040 765 4321", "title": "Chess evening",
            "start": local(w["day"], start), "end": local(w["day"], end)}
    r = w["staff"].post("/bookings", body)
    assert r.status_code == 201, r.get_json()
    return r.get_json()["id"], w["staff"].get(f"/bookings/{r.get_json()['id']}").get_json()["group_id"]


def _create_for_contact():
    def act(w, s):
        booking, counter = _counter_booking(w)
        return dict(action="booking.create_for_contact", actor="staff", object_type="booking", object_id=booking,
                    facility_id=w["facility"], group_id=counter)

    return (lambda w: {}), act


def _contact_erase():
    def prepare(w):
        booking, counter = _counter_booking(w)
        return {"booking": booking, "group": counter}

    def act(w, s):
        with w["app"].test_client() as c:
            assert c.post("/login", data={"email": w["staff"].email, "password": PASSWORD}).status_code == 302
            assert c.post(f"/staff/spaces/{w['space']}/counter/{s['booking']}/erase").status_code == 302
        return dict(action="booking.contact_erase", actor="staff", object_type="booking", object_id=s["booking"],
                    facility_id=w["facility"], group_id=s["group"], details={"bookings": 1})

    return prepare, act


def _move_by_admin():
    def prepare(w):
        return {"booking": book(w["rep"], w)}

    def act(w, s):
        r = w["admin"].patch(f"/bookings/{s['booking']}", {"start": local(w["day"], "19:00"), "end": local(w["day"], "20:00")})
        assert r.status_code == 200, r.get_json()
        return dict(action="booking.move", actor="admin", object_type="booking", object_id=s["booking"],
                    facility_id=w["facility"], group_id=w["group"])

    return prepare, act


def _no_show():
    def prepare(w):
        return {"booking": book(w["rep"], w)}

    def act(w, s):
        with w["app"].app_context():
            actor = db.session.get(User, w["staff"].user_id)
            from spaces.models import Booking

            start = db.session.get(Booking, s["booking"]).start_at
            record_no_show(actor, s["booking"], True, now=start + timedelta(hours=2))
        return dict(action="booking.no_show", actor="staff", object_type="booking", object_id=s["booking"],
                    facility_id=w["facility"], group_id=w["group"])

    return prepare, act


def _check_in():
    def prepare(w):
        return {"booking": book(w["rep"], w)}

    def act(w, s):
        from spaces.models import Booking
        from spaces.services.waitlist import check_in

        with w["app"].app_context():
            actor = db.session.get(User, w["staff"].user_id)
            start = db.session.get(Booking, s["booking"]).start_at
            check_in(actor, s["booking"], now=start + timedelta(minutes=5))
        return dict(action="booking.check_in", actor="staff", object_type="booking", object_id=s["booking"],
                    facility_id=w["facility"], group_id=w["group"], details={"start": start.isoformat()})

    return prepare, act


def _closure_create():
    def act(w, s):
        r = w["staff"].post(f"/spaces/{w['space']}/closures",
                            {"start": local(w["day"], "08:00"), "end": local(w["day"], "12:00"), "reason": "Cleaning"})
        assert r.status_code == 201, r.get_json()
        return dict(action="closure.create", actor="staff", object_type="closure", object_id=r.get_json()["id"],
                    facility_id=w["facility"], group_id=None)

    return (lambda w: {}), act


def _closure_delete():
    def prepare(w):
        r = w["staff"].post(f"/spaces/{w['space']}/closures",
                            {"start": local(w["day"], "08:00"), "end": local(w["day"], "12:00"), "reason": "Cleaning"})
        return {"closure": r.get_json()["id"]}

    def act(w, s):
        assert w["staff"].delete(f"/spaces/{w['space']}/closures/{s['closure']}").status_code == 200
        return dict(action="closure.delete", actor="staff", object_type="closure", object_id=s["closure"],
                    facility_id=w["facility"], group_id=None)

    return prepare, act


def _closure_import():
    def act(w, s):
        day = w["day"]
        data = ICS.replace(b"{day}", day.strftime("%Y%m%d").encode()).replace(
            b"{next}", (day + timedelta(days=1)).strftime("%Y%m%d").encode())
        r = w["staff"].client.post(f"/api/v1/spaces/{w['space']}/import", data=data,
                                   headers={**w["staff"]._headers(), "Content-Type": "text/calendar"})
        assert r.status_code == 200, r.get_json()
        return dict(action="closure.import", actor="staff", object_type="space", object_id=w["space"],
                    facility_id=w["facility"], group_id=None)

    return (lambda w: {}), act


SPACE_BODY = {"name": "Studio", "capacity": 10, "opening_hours": [{"weekday": 0, "opens": "08:00", "closes": "20:00"}]}


def _space_create():
    def act(w, s):
        r = w["staff"].post("/spaces", {**SPACE_BODY, "facility_id": w["facility"]})
        assert r.status_code == 201, r.get_json()
        return dict(action="space.create", actor="staff", object_type="space", object_id=r.get_json()["id"],
                    facility_id=w["facility"], group_id=None)

    return (lambda w: {}), act


def _space_update():
    def act(w, s):
        r = w["staff"].patch(f"/spaces/{w['space']}", {"capacity": 12})
        assert r.status_code == 200, r.get_json()
        return dict(action="space.update", actor="staff", object_type="space", object_id=w["space"],
                    facility_id=w["facility"], group_id=None, details={"changed": ["capacity"]})

    return (lambda w: {}), act


def _group_verify():
    def act(w, s):
        assert w["admin"].post(f"/groups/{w['other_group']}/verify").status_code == 200
        return dict(action="group.verify", actor="admin", object_type="group", object_id=w["other_group"],
                    facility_id=None, group_id=w["other_group"])

    return (lambda w: {}), act


def _member_add():
    def act(w, s):
        r = w["admin"].post(f"/groups/{w['group']}/members", {"email": "plain@example.fi"})
        assert r.status_code == 201, r.get_json()
        return dict(action="group.member_add", actor="admin", object_type="group", object_id=w["group"],
                    facility_id=None, group_id=w["group"], subject_id=w["plain"].user_id)

    return (lambda w: {}), act


def _facility_create():
    def act(w, s):
        r = w["admin"].post("/facilities", {"name": "Pasila Hall", "district": "Pasila", "address": "Street 1"})
        assert r.status_code == 201, r.get_json()
        fid = r.get_json()["id"]
        return dict(action="facility.create", actor="admin", object_type="facility", object_id=fid, facility_id=fid, group_id=None)

    return (lambda w: {}), act


def _staff_assign():
    def act(w, s):
        assert w["admin"].post(f"/facilities/{w['facility']}/staff", {"email": "plain@example.fi"}).status_code == 201
        return dict(action="staff.assign", actor="admin", object_type="facility", object_id=w["facility"],
                    facility_id=w["facility"], group_id=None, subject_id=w["plain"].user_id,
                    details={"role_from": "member", "role_to": "staff"})

    return (lambda w: {}), act


def _staff_remove():
    def act(w, s):
        assert w["admin"].delete(f"/facilities/{w['facility']}/staff/{w['staff'].user_id}").status_code == 200
        return dict(action="staff.remove", actor="admin", object_type="facility", object_id=w["facility"],
                    facility_id=w["facility"], group_id=None, subject_id=w["staff"].user_id)

    return (lambda w: {}), act


def _user_role():
    def act(w, s):
        with w["app"].app_context():
            commons_services.create_user("plain@example.fi", "Pekka Plain", "admin")
        return dict(action="user.role", actor=None, actor_role="cli", object_type="user", object_id=w["plain"].user_id,
                    facility_id=None, group_id=None, subject_id=w["plain"].user_id,
                    details={"role_from": "member", "role_to": "admin"})

    return (lambda w: {}), act


def _volunteer_profile(w) -> int:
    r = w["volunteer"].client.put("/api/v1/volunteers/me", headers=w["volunteer"]._headers(), json={
        "skills": [], "languages": ["fi"], "districts": ["Kallio"], "max_hours_per_week": 4, "availability": []})
    assert r.status_code == 200, r.get_json()
    return r.get_json()["id"]


def _credential_record():
    def act(w, s):
        r = w["staff"].post(f"/volunteers/{s['vp']}/credentials", {"kind": "first_aid", "valid_until": "2030-01-31", "note": "EA1"})
        assert r.status_code == 201, r.get_json()
        return dict(action="credential.record", actor="staff", object_type="credential", object_id=r.get_json()["id"],
                    facility_id=None, group_id=None, subject_id=w["volunteer"].user_id,
                    details={"kind": "first_aid", "volunteer_id": s["vp"]})

    return (lambda w: {"vp": _volunteer_profile(w)}), act


def _credential_remove():
    def prepare(w):
        vp = _volunteer_profile(w)
        r = w["admin"].post(f"/volunteers/{vp}/credentials", {"kind": "hygiene_passport", "valid_until": "2030-01-31"})
        return {"vp": vp, "cred": r.get_json()["id"]}

    def act(w, s):
        assert w["admin"].delete(f"/volunteers/{s['vp']}/credentials/{s['cred']}").status_code == 200
        return dict(action="credential.remove", actor="admin", object_type="credential", object_id=s["cred"],
                    facility_id=None, group_id=None, subject_id=w["volunteer"].user_id,
                    details={"kind": "hygiene_passport", "volunteer_id": s["vp"]})

    return prepare, act


def _own_account(action):
    """The person's own account (actor_role "self"): the links mailed to their address, and the city's identity."""

    def act(w, s):
        from commons.models import AccountLink
        from commons.services import account_links as links
        from commons.services import oidc_account

        with w["app"].app_context():
            user = db.session.get(User, w["plain"].user_id)
            if action == "user.password_reset":
                links.ask_password_reset(user.email)
                token = "t" * 40
                db.session.execute(db.update(AccountLink).values(token_hash=AccountLink.hash(token)))
                db.session.commit()
                links.reset_password(token, "a brand new password")
            elif action in ("user.email_verify", "user.email_change"):
                db.session.execute(db.update(User).where(User.id == user.id).values(email_verified=False))
                db.session.commit()
                if action == "user.email_verify":
                    links.resend_verification(user)
                else:
                    commons_services.update_profile(user, user.name, "plain.new@example.fi")
                token = "v" * 40
                db.session.execute(db.update(AccountLink).values(token_hash=AccountLink.hash(token)))
                db.session.commit()
                links.verify_email(token)
            else:
                oidc_account("sub-123", "plain@example.fi", True, "Pekka Plain")
        return dict(action=action, actor="plain", actor_role="self", object_type="user", object_id=w["plain"].user_id,
                    facility_id=None, group_id=None, subject_id=w["plain"].user_id)

    return (lambda w: {}), act


CASES = {
    "credential.record": _credential_record(),
    "credential.remove": _credential_remove(),
    "booking.approve": _approve(None, True),
    "booking.reject": _approve(None, False),
    "booking.cancel": _cancel_by_staff(),
    "booking.create_on_behalf": _create_on_behalf(),
    "booking.create_for_contact": _create_for_contact(),
    "booking.contact_erase": _contact_erase(),
    "booking.move": _move_by_admin(),
    "booking.no_show": _no_show(),
    "booking.check_in": _check_in(),
    "closure.create": _closure_create(),
    "closure.delete": _closure_delete(),
    "closure.import": _closure_import(),
    "space.create": _space_create(),
    "space.update": _space_update(),
    "group.verify": _group_verify(),
    "group.member_add": _member_add(),
    "facility.create": _facility_create(),
    "staff.assign": _staff_assign(),
    "staff.remove": _staff_remove(),
    "user.role": _user_role(),
    "user.password_reset": _own_account("user.password_reset"),
    "user.email_verify": _own_account("user.email_verify"),
    "user.email_change": _own_account("user.email_change"),
    "user.oidc_link": _own_account("user.oidc_link"),
}


def test_every_audited_action_has_a_case():
    assert set(CASES) == set(audit.ACTIONS)


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_action_writes_exactly_one_event(app, w, name):
    w["app"] = app
    prepare, act = CASES[name]
    state = prepare(w)
    before = {e.id for e in events(app)}
    expected = act(w, state)
    new = [e for e in events(app) if e.id not in before]
    assert len(new) == 1, [(e.action, e.object_id) for e in new]
    e = new[0]
    actor = expected.pop("actor")
    want_role = expected.pop("actor_role", actor)
    assert e.actor_id == (w[actor].user_id if actor else None)
    assert e.actor_role == want_role
    want_details = expected.pop("details", None)
    expected.setdefault("subject_id", None)
    for key, value in expected.items():
        assert getattr(e, key) == value, (key, getattr(e, key), value)
    if want_details is not None:
        assert {k: e.details.get(k) for k in want_details} == want_details
    assert e.at is not None and e.at.tzinfo is not None
    # no names, e-mail addresses or titles in the details
    text = repr(e.details)
    for needle in ("@", "Riikka", "Sanna", "Aino", "Pekka", "Chess evening", "Cleaning", "Holiday"):
        assert needle not in text, (needle, e.details)


def test_group_actions_on_their_own_bookings_are_not_audited(app, w):
    booking = book(w["rep"], w)
    r = w["rep"].patch(f"/bookings/{booking}", {"start": local(w["day"], "19:00"), "end": local(w["day"], "20:00")})
    assert r.status_code == 200, r.get_json()
    with app.app_context():
        from spaces.models import Booking
        from spaces.services.waitlist import check_in

        start = db.session.get(Booking, booking).start_at
        check_in(db.session.get(User, w["rep"].user_id), booking, now=start)  # the group checks itself in
    assert w["rep"].post(f"/bookings/{booking}/cancel", {}).status_code == 200
    assert events(app) == []


def test_a_refused_action_leaves_no_event(app, w):
    w["app"] = app
    booking = book(w["rep"], w)
    assert w["other_staff"].post(f"/bookings/{booking}/cancel", {}).status_code == 404  # not their facility
    assert w["staff"].post(f"/bookings/{booking}/approve", {}).status_code == 422  # confirmed already: no decision
    assert w["staff"].post(f"/groups/{w['other_group']}/verify").status_code == 403  # admins only
    assert w["staff"].post("/facilities", {"name": "X", "district": "Y", "address": "Z"}).status_code == 403
    assert events(app) == []


def test_a_rolled_back_action_leaves_no_event_and_no_change(app, w, monkeypatch):
    w["app"] = app
    booking = book(w["rep"], w)

    def broken(*args, **kwargs):
        raise RuntimeError("the mail queue failed")

    monkeypatch.setattr(notices, "booking_cancelled", broken)
    with app.app_context():
        actor = db.session.get(User, w["staff"].user_id)
        with pytest.raises(RuntimeError):
            space_services.cancel_booking(actor, booking)
        from spaces.models import Booking

        assert db.session.get(Booking, booking).status == "confirmed"
        assert db.session.execute(select(func.count(AuditEvent.id))).scalar_one() == 0


def test_event_and_action_commit_together(app, w):
    """The event is in the database exactly when the action is (the same commit)."""
    booking = book(w["rep"], w)
    assert w["staff"].post(f"/bookings/{booking}/cancel", {}).status_code == 200
    with app.app_context():
        from spaces.models import Booking

        assert db.session.get(Booking, booking).status == "cancelled"
        (e,) = db.session.execute(select(AuditEvent)).scalars()
        assert e.action == "booking.cancel" and e.details["booking_ids"] == [booking]


# --- Who may read the log ---------------------------------------------------------------------------------


def _seed_events(w):
    book(w["staff"], w)  # booking.create_on_behalf at facility
    r = w["other_staff"].post(f"/spaces/{w['other_space']}/closures",
                              {"start": local(w["day"], "08:00"), "end": local(w["day"], "12:00"), "reason": "Paint"})
    assert r.status_code == 201
    assert w["admin"].post(f"/groups/{w['other_group']}/verify").status_code == 200


def test_api_permissions(app, w, anon):
    _seed_events(w)
    assert anon.get("/audit").status_code == 401
    for who in ("rep", "volunteer", "plain"):
        r = w[who].get("/audit")
        assert r.status_code == 403, who
        assert "audit log" in r.get_json()["error"]["message"]
    all_events = w["admin"].get("/audit").get_json()
    assert sorted(e["action"] for e in all_events) == ["booking.create_on_behalf", "closure.create", "group.verify"]
    assert all_events[0]["action"] == "group.verify"  # newest first
    mine = w["staff"].get("/audit").get_json()
    assert [e["action"] for e in mine] == ["booking.create_on_behalf"]
    assert [e["action"] for e in w["other_staff"].get("/audit").get_json()] == ["closure.create"]
    # a staff member cannot widen the view with a filter
    assert w["staff"].get("/audit", facility_id=w["other_facility"]).get_json() == []
    # filters, paging
    assert [e["action"] for e in w["admin"].get("/audit", action="group.verify").get_json()] == ["group.verify"]
    assert [e["action"] for e in w["admin"].get("/audit", group_id=w["group"]).get_json()] == ["booking.create_on_behalf"]
    assert len(w["admin"].get("/audit", actor_id=w["admin"].user_id).get_json()) == 1
    assert len(w["admin"].get("/audit", limit=2).get_json()) == 2
    page = w["admin"].get("/audit", limit=1, offset=2)  # paged once, in SQL (not sliced again by api_route)
    assert [e["id"] for e in page.get_json()] == [all_events[2]["id"]]
    assert page.headers["X-Total-Count"] == str(len(all_events)) and 'rel="prev"' in page.headers["Link"]
    today = datetime.now(timezone.utc).date()
    assert len(w["admin"].get("/audit", **{"from": (today - timedelta(days=1)).isoformat(), "to": (today + timedelta(days=1)).isoformat()}).get_json()) == 3
    assert w["admin"].get("/audit", **{"from": (today + timedelta(days=2)).isoformat()}).get_json() == []
    # bad input: 422 with a message, never a 500
    for params in ({"action": "booking.explode"}, {"limit": 0}, {"limit": 501}, {"from": "yesterday"},
                   {"from": "2027-01-05", "to": "2027-01-01"}, {"actor_id": 2**31}, {"colour": "red"},
                   {"to": "9999-12-31"}, {"from": "0001-01-01"}, {"action": "x\x00"}):
        r = w["admin"].get("/audit", **params)
        assert r.status_code == 422, (params, r.status_code)
        assert r.get_json()["error"]["message"]


def test_api_in_openapi(anon):
    doc = anon.get("/openapi.json").get_json()
    op = doc["paths"]["/api/v1/audit"]["get"]
    assert {p["name"] for p in op["parameters"]} >= {"actor_id", "action", "facility_id", "group_id", "from", "to", "limit", "offset"}
    assert "AuditEventOut" in doc["components"]["schemas"]


def signed_in(app, email):
    from tests.conftest import PASSWORD

    c = app.test_client()
    c.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    assert c.post("/login", data={"email": email, "password": PASSWORD}).status_code == 302
    return c


def test_page_permissions_and_filters(app, w, client):
    _seed_events(w)
    signed = lambda email: signed_in(app, email)  # noqa: E731

    assert client.get("/admin/audit").status_code == 302  # sign in first
    assert signed("rep@example.fi").get("/admin/audit").status_code == 403
    staff = signed("staff@example.fi")
    page = staff.get("/admin/audit").get_data(as_text=True).split("<tbody>")[1]
    assert "Booked on behalf of a group" in page and "Closed a space" not in page and "Verified a group" not in page
    assert "Sanna Staff" in page
    admin = signed("admin@example.fi")
    page = admin.get("/admin/audit").get_data(as_text=True).split("<tbody>")[1]
    assert all(t in page for t in ("Booked on behalf of a group", "Closed a space", "Verified a group"))
    page = admin.get("/admin/audit?action=group.verify").get_data(as_text=True)
    assert "Verified a group" in page.split("<tbody>")[1] and "Closed a space" not in page.split("<tbody>")[1]
    assert admin.get("/admin/audit?first_day=2027-01-05&last_day=2027-01-01").status_code == 422
    assert admin.get("/admin/audit?action=nonsense").status_code == 422
    r = admin.get("/admin/audit?last_day=9999-12-31")
    assert r.status_code == 422 and "Give a date between the years 2000 and 2200." in r.get_data(as_text=True)
    assert admin.get("/admin/audit?first_day=0001-01-01").status_code == 422
    assert admin.get("/admin/audit?page=99999999999").status_code == 200


def test_page_is_paginated(app, w):
    with app.app_context():
        for i in range(audit.PAGE_SIZE + 5):
            audit.record(None, "user.role", i + 1, details={"n": i}, role="cli")
        db.session.commit()
    c = signed_in(app, "admin@example.fi")
    first = c.get("/admin/audit").get_data(as_text=True)
    assert first.count("<tr>") == audit.PAGE_SIZE + 1  # the heading row and one page
    assert "Page 1 of 2" in first and 'rel="next"' in first
    second = c.get("/admin/audit?page=2").get_data(as_text=True)
    assert second.count("<tr>") == 5 + 1 and 'rel="prev"' in second


# --- Erasure, export, retention -------------------------------------------------------------------------


def test_erasing_the_actor_keeps_the_event_anonymised(app, w):
    book(w["staff"], w)
    export = w["staff"].get("/me/export").get_json()
    assert [e["action"] for e in export["audit_actions"]] == ["booking.create_on_behalf"]
    assert w["staff"].delete("/me").status_code == 200
    (e,) = events(app)
    assert e.actor_id is None and e.actor_role == "staff" and e.action == "booking.create_on_behalf"
    listed = w["admin"].get("/audit").get_json()
    assert listed[0]["actor_id"] is None
    rows = signed_in(app, "admin@example.fi").get("/admin/audit").get_data(as_text=True).split("<tbody>")[1]
    assert "Erased account" in rows and "Sanna Staff" not in rows


def test_export_includes_events_about_the_person(app, w):
    assert w["admin"].post(f"/facilities/{w['facility']}/staff", {"email": "plain@example.fi"}).status_code == 201
    export = w["plain"].get("/me/export").get_json()
    assert [e["action"] for e in export["audit_about_me"]] == ["staff.assign"]
    assert w["plain"].delete("/me").status_code == 200
    (e,) = events(app)
    assert e.subject_id is None and e.actor_id == w["admin"].user_id


def test_retention_deletes_old_events(app, w):
    from commons.jobs import run_job

    with app.app_context():
        now = datetime.now(timezone.utc)
        days = app.config["AUDIT_RETENTION_DAYS"]
        assert days == 730
        for age in (days + 1, days - 1, 0):
            e = audit.record(None, "user.role", age, role="cli")
            e.at = now - timedelta(days=age)
        db.session.commit()
        summary = run_job("retention", now)
    assert "deleted 1 audit event(s) older than 730 days" in summary
    assert sorted(e.object_id for e in events(app)) == [0, days - 1]


# --- Indexes ---------------------------------------------------------------------------------------------


def _plans(app, statements) -> list[tuple[str, str]]:
    from sqlalchemy import text as sql

    out = []
    with app.app_context():
        with db.engine.connect() as conn:
            postgres = conn.dialect.name == "postgresql"
            if postgres:
                conn.exec_driver_sql("SET enable_seqscan = off")  # tiny test tables: ask whether an index *can* serve
            for statement, params in statements:
                prefix = "EXPLAIN " if postgres else "EXPLAIN QUERY PLAN "
                rows = conn.exec_driver_sql(prefix + statement, params).all()
                out.append((statement, "\n".join(" ".join(str(v) for v in r) for r in rows)))
    return out


def test_every_query_of_the_page_and_api_uses_an_index(app, w):
    from sqlalchemy import event

    _seed_events(w)
    seen = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        if "audit_events" in statement and not statement.lstrip().upper().startswith(("INSERT", "EXPLAIN")):
            seen.append((statement, parameters))

    admin, staff = signed_in(app, "admin@example.fi"), signed_in(app, "staff@example.fi")
    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", capture)
    try:
        for c in (admin, staff):
            assert c.get("/admin/audit").status_code == 200
            assert c.get(f"/admin/audit?actor={w['staff'].user_id}&action=booking.create_on_behalf&facility={w['facility']}"
                         f"&group={w['group']}&first_day=2026-01-01&last_day=2030-01-01&page=1").status_code == 200
        assert w["admin"].get("/audit", group_id=w["group"]).status_code == 200
        assert w["staff"].get("/audit").status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    assert len(seen) >= 12
    for statement, plan in _plans(app, seen):
        lines = [line for line in plan.splitlines() if "audit_events" in line]
        if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
            assert "Seq Scan on audit_events" not in plan, (statement, plan)
        else:
            assert lines and all("USING" in line for line in lines), (statement, plan)
