"""Personal data: GET /me/export lists what is stored about a person; DELETE /me erases the account
but keeps the group's bookings (test_export_and_erase).

Completeness of export and erasure, found by walking the schema rather than by listing what we
remember: a new table that references users (or a person's volunteer profile) is checked at once.

One person touches everything: represents a group and is staff of a facility (made so by an
administrator: an audit event about them), books once and weekly, books on behalf of another group
(an audit event by them), is booked for by staff, has a volunteer profile as a minor with a
guardian's consent, signs up for a shift and has attendance recorded, organises an activity and
invites a volunteer, has calendar feed links, an API token, and e-mails in the outbox.

(a) GET /me/export: every row of every table with a foreign key to users.id (or to a table that is
    one row per person, such as volunteer_profiles) that holds the person's id, and every row with
    their e-mail or name in any text column, is in the export.
(b) DELETE /me: afterwards no foreign key in any table points at the person; their name, e-mail,
    phone, guardian's details and free texts are in no String/Text/JSON column of any table; the
    group's bookings stay with their times; the volunteer hours still count.
"""
from __future__ import annotations

import json
import re
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import JSON, String, Text, select

from commons.extensions import db
from commons.models import User
from spaces.models import Booking
from tests.conftest import local, next_weekday

NAME, EMAIL = "Sari Esimerkki", "sari.esimerkki@example.fi"
PHONE = "040 765 4321"
GUARDIAN, GUARDIAN_CONTACT = "Greta Huoltaja", "greta.huoltaja@example.fi"
TAG = "origamitaittelu"
NEEDLES = [NAME, EMAIL, PHONE, GUARDIAN, GUARDIAN_CONTACT, TAG]

# How each table's rows show in the export: table -> (export key, row -> what to find in that list).
# A table that references a person and is missing here fails test_export_covers_every_reference.
ROW_IN_EXPORT = {
    "users": lambda row, ex: ex["user"]["id"] == row["id"] and ex["user"]["email"] == row["email"],
    "group_members": lambda row, ex: bool(_one(ex["groups"], "id", row["group_id"])),
    "facility_staff": lambda row, ex: bool(_one(ex["facilities"], "id", row["facility_id"])),
    "api_tokens": lambda row, ex: bool(_one(ex["api_tokens"], "id", row["id"])),
    "sign_ins": lambda row, ex: bool(_one(ex["signed_in_browsers"], "id", row["id"])),
    "account_links": lambda row, ex: bool(_one(ex["account_links"], "id", row["id"])),
    "outbox_messages": lambda row, ex: any(m["subject"] == _subject(row) and m["to"] == row["to_address"] for m in ex["emails"]),
    "bookings": lambda row, ex: bool(_one(ex["bookings_made"], "id", row["id"])),
    "volunteer_profiles": lambda row, ex: ex["volunteer_profile"] is not None and ex["volunteer_profile"]["shared_contact"] == row["shared_contact"]
    and ex["volunteer_profile"]["guardian_name"] == row["guardian_name"],
    "shift_signups": lambda row, ex: bool(_one(ex["volunteer_signups"], "id", row["id"]) or _one(ex["volunteer_invitations_sent"], "id", row["id"])
                                          or _one(ex["volunteer_counter_signups"], "id", row["id"])),
    "volunteer_credentials": lambda row, ex: bool(_one(ex["volunteer_credentials_recorded"], "id", row["id"]) or (
        ex["volunteer_profile"] is not None and _one(ex["volunteer_profile"]["credentials"], "id", row["id"]))),
    "hours_certificates": lambda row, ex: bool(_one(ex["volunteer_hours_certificates"], "id", row["id"])),
    "activities": lambda row, ex: bool(_one(ex["activities_created"], "id", row["id"])),
    "feed_tokens": lambda row, ex: any(f["kind"] == row["kind"] and f["group_id"] == row["group_id"] for f in ex["calendar_feeds"]),
    "audit_events": lambda row, ex: bool(_one(ex["audit_actions"], "id", row["id"]) or _one(ex["audit_about_me"], "id", row["id"])),
}


def _subject(row) -> str:
    """An outbox row's subject; one not rendered yet (commons.mail.queue_later) as it will be sent."""
    if row["renderer"] is None:
        return row["subject"]
    from types import SimpleNamespace

    from commons.mail import one_line, render_stored

    return one_line(render_stored(SimpleNamespace(**row)).subject)


def _one(items, key, value) -> dict:
    return next((i for i in items if i.get(key) == value), {})


def person_references() -> list[tuple[str, str, str]]:
    """(table, column, referred table) for every foreign key to users.id, and to every table that is
    one row per person (a unique foreign key to users.id, e.g. volunteer_profiles.user_id)."""
    refs, person_tables = [], {"users"}
    for table in db.metadata.sorted_tables:
        for fk in table.foreign_keys:
            if fk.column.table.name == "users" and fk.column.name == "id":
                refs.append((table.name, fk.parent.name, "users"))
                if fk.parent.unique or any(
                    getattr(c, "columns", None) is not None and list(c.columns) == [fk.parent] for c in table.constraints
                    if c.__class__.__name__ == "UniqueConstraint"
                ):
                    person_tables.add(table.name)
    for table in db.metadata.sorted_tables:
        for fk in table.foreign_keys:
            if fk.column.table.name in person_tables - {"users"}:
                refs.append((table.name, fk.parent.name, fk.column.table.name))
    return refs


def text_columns():
    for table in db.metadata.sorted_tables:
        cols = [c for c in table.columns if isinstance(c.type, (String, Text, JSON))]
        if cols:
            yield table, cols


def rows_with(table, where):
    return [dict(r._mapping) for r in db.session.execute(select(table).where(where))]


def person_ids(uid: int) -> dict[str, set[int]]:
    """The person's own row id in users and in each one-row-per-person table."""
    from volunteers.models import VolunteerProfile

    ids = {"users": {uid}}
    ids["volunteer_profiles"] = set(db.session.execute(select(VolunteerProfile.id).where(VolunteerProfile.user_id == uid)).scalars())
    return ids


@pytest.fixture
def world(app, make_user, make_group, make_facility, make_space):
    from commons.models import User as U
    from spaces.models import Booking
    from volunteers import services as vs
    from volunteers.models import ShiftSignup, VolunteerProfile

    facility = make_facility(name="Kallion kirjasto")
    space = make_space(facility_id=facility, name="Sali")
    group, other_group = make_group(name="Kallion shakkikerho"), make_group(name="Vallilan kuoro")
    sari = make_user(groups=[group], email=EMAIL, name=NAME)
    admin = make_user(role="admin", email="admin@example.fi", name="Aino Admin")
    rep2 = make_user(groups=[group], email="rep2@example.fi", name="Risto Rep")
    make_user(groups=[other_group], email="choir@example.fi", name="Kaija Kuoro")
    staff2 = make_user(role="staff", facilities=[facility], email="staff2@example.fi", name="Sanna Staff")
    volunteer = make_user(role="volunteer", email="vilja@example.fi", name="Vilja Vapaa")
    day = next_weekday(2)

    def book(api, group_id, start, end, **more):
        r = api.post("/bookings", {"space_id": space, "group_id": group_id, "title": "Kerhoilta",
                                   "start": local(day, start), "end": local(day, end), **more})
        assert r.status_code == 201, r.get_json()
        body = r.get_json()
        return [b["id"] for b in body["bookings"]] if "bookings" in body else [body["id"]]

    # Sari is signed in on two browsers (sign_ins rows: exported, then erased)
    from commons import services as cs
    with app.app_context():
        cs.start_sign_in(db.session.get(U, sari.user_id))
        cs.start_sign_in(db.session.get(U, sari.user_id))
    # an administrator makes Sari staff of the facility (an audit event about her)
    assert admin.post(f"/facilities/{facility}/staff", {"email": EMAIL}).status_code == 201
    own = book(sari, group, "10:00", "11:00")
    series = book(sari, group, "12:00", "13:00", rrule="FREQ=WEEKLY;COUNT=3")
    on_behalf = book(sari, other_group, "14:00", "15:00")  # as staff, for a group she does not represent
    booked_for_her_group = book(staff2, group, "16:00", "17:00")  # staff on behalf of her group
    rep2_booking = book(rep2, group, "18:00", "20:00")
    # volunteering: Sari is a minor with a guardian's consent
    dob = date.today().replace(year=date.today().year - 16) - timedelta(days=3)
    r = sari.client.put("/api/v1/volunteers/me", headers=sari._headers(), json={
        "skills": ["cooking"], "languages": ["fi"], "districts": ["Kallio"], "tags": [TAG], "max_hours_per_week": 6,
        "availability": [{"weekday": day.weekday(), "start": "08:00", "end": "22:00"}], "shared_contact": PHONE,
        "date_of_birth": dob.isoformat(), "guardian_name": GUARDIAN, "guardian_contact": GUARDIAN_CONTACT, "guardian_consent": True})
    assert r.status_code == 200, r.get_json()
    # Vilja is free that day: only the shift's candidates can be invited
    r = volunteer.client.put("/api/v1/volunteers/me", headers=volunteer._headers(), json={
        "skills": ["cooking"], "languages": ["fi"], "availability": [{"weekday": day.weekday(), "start": "08:00", "end": "22:00"}]})
    assert r.status_code == 200, r.get_json()
    # rep2 organises a shift during the group's booking; Sari signs up, comes, and rep2 records it
    r = rep2.post("/activities", {"group_id": group, "title": "Shakkikoulu", "booking_id": rep2_booking[0]})
    assert r.status_code == 201, r.get_json()
    r = rep2.post(f"/activities/{r.get_json()['id']}/shifts", {"start": local(day, "18:00"), "end": local(day, "19:30"), "needed": 2})
    assert r.status_code == 201, r.get_json()
    shift = r.get_json()["id"]
    assert sari.post(f"/shifts/{shift}/signup").status_code == 200
    # Sari organises an activity of her own and invites Vilja
    r = sari.post("/activities", {"group_id": group, "title": "Lasten shakki", "booking_id": own[0]})
    assert r.status_code == 201, r.get_json()
    r = sari.post(f"/activities/{r.get_json()['id']}/shifts", {"start": local(day, "10:00"), "end": local(day, "11:00")})
    assert r.status_code == 201, r.get_json()
    with app.app_context():
        vid = db.session.execute(select(VolunteerProfile.id).where(VolunteerProfile.user_id == volunteer.user_id)).scalar_one()
    assert sari.post(f"/shifts/{r.get_json()['id']}/invite", {"volunteer_id": vid}).status_code == 200
    # she signs up a person without an account there, and (as staff) records a credential she saw of Vilja's;
    # an administrator records one of hers, and she makes a certificate of her hours
    assert sari.post(f"/shifts/{r.get_json()['id']}/signups", {"name": "Eino Esimerkki", "phone": "040 555 0101"}).status_code == 201
    assert sari.post(f"/volunteers/{vid}/credentials", {"kind": "first_aid", "valid_until": "2030-01-31"}).status_code == 201
    sari_vp = sari.get("/volunteers/me").get_json()["id"]
    assert admin.post(f"/volunteers/{sari_vp}/credentials", {"kind": "criminal_record_check", "valid_until": "2030-01-31"}).status_code == 201
    assert sari.post("/volunteers/me/certificates", {"year": day.year}).status_code == 201
    with app.app_context():
        su = db.session.execute(select(ShiftSignup).join(VolunteerProfile).where(VolunteerProfile.user_id == sari.user_id)).scalar_one()
        end = db.session.get(Booking, rep2_booking[0]).end_at
        vs.record_attendance(db.session.get(U, rep2.user_id), su.id, True, 80, now=end + timedelta(hours=1))
    assert sari.get("/feeds").status_code == 200  # feed links are made when first asked for
    with app.app_context():  # the command line makes her an administrator: a user.role event about her account
        from commons.services import create_user

        create_user(EMAIL, NAME, "admin")
        from commons.services import ask_password_reset

        ask_password_reset(EMAIL)  # a link mailed to her address (account_links)
    return dict(sari=sari, admin=admin, group=group, space=space, facility=facility, day=day,
                group_bookings=own + series + booked_for_her_group + rep2_booking, on_behalf=on_behalf, shift=shift)


def test_export_covers_every_reference(app, world):
    sari = world["sari"]
    export = sari.get("/me/export").get_json()
    json.dumps(export)  # plain JSON
    checked_tables, checked_rows = set(), 0
    with app.app_context():
        refs = person_references()
        ids = person_ids(sari.user_id)
        assert {t for t, _c, _r in refs} >= {"group_members", "bookings", "volunteer_profiles", "shift_signups", "audit_events"}
        for table_name, column, referred in refs:
            table = db.metadata.tables[table_name]
            assert table_name in ROW_IN_EXPORT, f"{table_name}.{column} references a person: add it to the export (and here)"
            for row in rows_with(table, table.c[column].in_(ids.get(referred, set()) or {-1})):
                assert ROW_IN_EXPORT[table_name](row, export), f"{table_name} row {row.get('id')} ({column}) is not in the export"
                checked_tables.add(table_name)
                checked_rows += 1
        # every row that holds the e-mail or name in any text column
        for table, cols in text_columns():
            for row in db.session.execute(select(table)):
                m = dict(row._mapping)
                hay = " ".join(json.dumps(m[c.name], ensure_ascii=False) if not isinstance(m[c.name], str) else m[c.name]
                               for c in cols if m[c.name] is not None).lower()
                if EMAIL in hay or NAME.lower() in hay:
                    assert table.name in ROW_IN_EXPORT, f"{table.name} holds the person's e-mail or name: export it"
                    assert ROW_IN_EXPORT[table.name](m, export), f"{table.name} row {m.get('id')} names the person but is not in the export"
                    checked_tables.add(table.name)
                    checked_rows += 1
    # everything the person touched was there to be checked
    assert checked_tables >= {"users", "group_members", "facility_staff", "api_tokens", "outbox_messages", "bookings",
                              "volunteer_profiles", "shift_signups", "activities", "feed_tokens", "audit_events"}, checked_tables
    assert export["volunteer_profile"]["date_of_birth"] and export["volunteer_profile"]["guardian_consent_at"]
    assert export["volunteer_signups"][0]["attended"] is True
    assert {e["action"] for e in export["audit_actions"]} == {"booking.create_on_behalf", "credential.record"}
    assert {e["action"] for e in export["audit_about_me"]} == {"staff.assign", "user.role", "credential.record"}
    # no secrets in the export
    text = json.dumps(export)
    assert "token_hash" not in text and "password_hash" not in text and "seed" not in text
    assert "/account/reset/…" in json.dumps(export, ensure_ascii=False) and not re.search(r"/account/(reset|verify)/[A-Za-z0-9_-]", text)  # live links hidden


def test_erasure_leaves_no_trace_but_keeps_the_groups_bookings_and_the_hours(app, world):
    from spaces.models import Booking
    from spaces.report_services import volunteer_figures

    sari = world["sari"]
    day = world["day"]
    lo = datetime.combine(day - timedelta(days=1), datetime.min.time(), tzinfo=timezone.utc)
    hi = lo + timedelta(days=30)
    with app.app_context():
        before = {b.id: (b.start_at, b.end_at, b.status) for b in db.session.execute(
            select(Booking).where(Booking.id.in_(world["group_bookings"] + world["on_behalf"]))).scalars()}
        minutes_before = volunteer_figures([world["space"]], lo, hi)[world["space"]][0]
        ids = person_ids(sari.user_id)
        refs = person_references()
    assert minutes_before == 80
    assert sari.delete("/me").status_code == 200

    with app.app_context():
        assert db.session.get(User, sari.user_id) is None
        # (1) no foreign key anywhere points at the person (or their one-row-per-person tables)
        for table_name, column, referred in refs:
            table = db.metadata.tables[table_name]
            left = rows_with(table, table.c[column].in_(ids.get(referred, set()) or {-1}))
            assert not left, f"{table_name}.{column} still points at the erased person: {left}"
        # the audit log keeps the events, anonymised; no event still names the account as its object
        from commons.models import AuditEvent

        events = list(db.session.execute(select(AuditEvent)).scalars())
        assert {e.action for e in events} >= {"staff.assign", "booking.create_on_behalf"}
        assert not [e for e in events if e.object_type == "user" and e.object_id == sari.user_id]
        # (2) no text column of any table holds the name, e-mail, phone, guardian's details or free texts
        scanned = 0
        for table, cols in text_columns():
            for row in db.session.execute(select(table)):
                m = dict(row._mapping)
                for c in cols:
                    value = m[c.name]
                    if value is None:
                        continue
                    hay = (value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)).lower()
                    scanned += 1
                    for needle in NEEDLES:
                        assert needle.lower() not in hay, f"{table.name}.{c.name} (row {m.get('id')}) still holds {needle!r}"
        assert scanned > 50
        # (3) the group's bookings stay with their times and statuses; the hours still count
        after = {b.id: (b.start_at, b.end_at, b.status) for b in db.session.execute(
            select(Booking).where(Booking.id.in_(list(before)))).scalars()}
        assert after == before
        assert volunteer_figures([world["space"]], lo, hi)[world["space"]][0] == minutes_before


def test_the_reference_walk_sees_every_table_that_points_at_a_person(app):
    """The walk is what makes the tests above complete: it must find the references we know of."""
    with app.app_context():
        refs = {(t, c) for t, c, _r in person_references()}
    assert {("group_members", "user_id"), ("facility_staff", "user_id"), ("api_tokens", "user_id"),
            ("outbox_messages", "user_id"), ("bookings", "booked_by_id"), ("volunteer_profiles", "user_id"),
            ("activities", "created_by_id"), ("shift_signups", "invited_by_id"), ("shift_signups", "volunteer_id"),
            ("feed_tokens", "user_id"), ("audit_events", "actor_id"), ("audit_events", "subject_id")} <= refs


def test_export_and_erase(app, make_user, make_group, make_space):
    group, space = make_group(name="Vallila Readers"), make_space()
    rep = make_user(groups=[group], email="sari@example.fi", name="Sari Example")
    day = next_weekday(3)
    r = rep.post("/bookings", {"space_id": space, "group_id": group, "title": "Reading circle",
                               "start": local(day, "17:00"), "end": local(day, "18:00")})
    assert r.status_code == 201
    booking_id = r.get_json()["id"]

    export = rep.get("/me/export").get_json()
    assert export["user"]["email"] == "sari@example.fi"
    assert export["groups"] == [{"id": group, "name": "Vallila Readers"}]
    assert [b["id"] for b in export["bookings_made"]] == [booking_id]

    assert rep.delete("/me").status_code == 200
    assert rep.get("/me").status_code == 401  # the token went with the account
    with app.app_context():
        booking = db.session.get(Booking, booking_id)
        assert booking is not None and booking.status == "confirmed"  # the group's booking stays
        assert booking.booked_by_id is None  # without the person
