"""Sign-up limits (overlap, weekly hours, age, guardian consent), the waitlist skipping people who
cannot take a place, shift changes and cancellation, hours counting."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from commons.extensions import db
from tests.conftest import HELSINKI, local, sign_in_without_form
from tests.volunteers.conftest import put, tuesday
from commons.db import utcnow
from volunteers.models import ShiftSignup, VolunteerProfile


def status_of(app, shift_id, profile_id):
    with app.app_context():
        s = db.session.execute(select(ShiftSignup.status).where(ShiftSignup.shift_id == shift_id, ShiftSignup.volunteer_id == profile_id)).scalar_one_or_none()
        db.session.remove()
        return s


def test_overlap_is_409_back_to_back_is_fine(world):
    a = world.activity()
    s1 = world.shift(a, start="18:00", end="20:00", needed=3)
    s2 = world.shift(a, start="19:00", end="21:00", needed=3)
    s3 = world.shift(a, start="20:00", end="21:00", needed=3)
    v = world.volunteer()
    assert v.post(f"/shifts/{s1}/signup").get_json()["status"] == "confirmed"
    r = v.post(f"/shifts/{s2}/signup")
    assert r.status_code == 409
    err = r.get_json()["error"]
    assert err["code"] == "conflict" and err["reason"] == "overlap" and err["conflicts"]
    assert v.post(f"/shifts/{s3}/signup").get_json()["status"] == "confirmed"  # [18,20) and [20,21) touch only


def test_weekly_hours_never_exceeded(world):
    a = world.activity()
    day = tuesday()
    s1 = world.shift(a, day=day, start="10:00", end="13:00", needed=2)
    s2 = world.shift(a, day=day + timedelta(days=1), start="10:00", end="12:00", needed=2)
    s3 = world.shift(a, day=day + timedelta(days=7), start="10:00", end="12:00", needed=2)  # next week
    v = world.volunteer(max_hours_per_week=4)
    assert v.post(f"/shifts/{s1}/signup").get_json()["status"] == "confirmed"
    r = v.post(f"/shifts/{s2}/signup")
    assert r.status_code == 422 and r.get_json()["error"]["code"] == "rule" and r.get_json()["error"]["reason"] == "over_hours"
    assert v.post(f"/shifts/{s3}/signup").get_json()["status"] == "confirmed"


def test_minimum_age_and_guardian_consent(world):
    a = world.activity()
    adult_only = world.shift(a, min_age=18, needed=5)
    teen_ok = world.shift(a, day=tuesday(2), min_age=15, needed=5)
    today = date.today()
    teen = world.volunteer("Teen", date_of_birth=date(today.year - 16, 1, 1).isoformat())
    unknown = world.volunteer("Unknown age")
    r = teen.post(f"/shifts/{adult_only}/signup")
    assert r.status_code == 422 and r.get_json()["error"]["reason"] == "too_young"
    r = teen.post(f"/shifts/{teen_ok}/signup")
    assert r.status_code == 422 and r.get_json()["error"]["reason"] == "needs_consent"
    r = unknown.post(f"/shifts/{teen_ok}/signup")
    assert r.status_code == 422 and r.get_json()["error"]["reason"] == "needs_birth_date"
    from tests.volunteers.conftest import PROFILE

    body = dict(PROFILE, date_of_birth=date(today.year - 16, 1, 1).isoformat(), guardian_consent=True, guardian_name="Parent Person")
    assert put(teen, "/volunteers/me", body).get_json()["guardian_consent"] is True
    assert teen.post(f"/shifts/{teen_ok}/signup").get_json()["status"] == "confirmed"


def test_cancelled_and_past_shifts_refuse(world, app):
    a = world.activity()
    s = world.shift(a)
    v = world.volunteer()
    world.organiser.post(f"/shifts/{s}/cancel")
    r = v.post(f"/shifts/{s}/signup")
    assert r.status_code == 422 and r.get_json()["error"]["reason"] == "cancelled"
    paused = world.volunteer("Paused", active=False)
    s2 = world.shift(a, day=tuesday(2))
    r = paused.post(f"/shifts/{s2}/signup")
    assert r.status_code == 422 and r.get_json()["error"]["reason"] == "inactive_profile"


def test_promotion_skips_people_who_cannot_take_the_place(world, app):
    a = world.activity()
    s = world.shift(a, start="18:00", end="20:00", needed=1)
    other = world.shift(a, start="19:00", end="21:00", needed=1)
    holder, busy, free = world.volunteer("Holder"), world.volunteer("Busy"), world.volunteer("Free")
    holder.post(f"/shifts/{s}/signup")
    assert busy.post(f"/shifts/{s}/signup").get_json()["status"] == "waitlisted"
    assert free.post(f"/shifts/{s}/signup").get_json()["status"] == "waitlisted"
    # Busy is first in line but meanwhile is not allowed a place that overlaps: they take another shift
    # ... which they cannot while waitlisted for an overlapping one? Waiting holds nothing: allowed.
    assert busy.post(f"/shifts/{other}/signup").get_json()["status"] == "confirmed"
    holder.post(f"/shifts/{s}/withdraw")
    assert status_of(app, s, free.profile_id) == "confirmed"
    assert status_of(app, s, busy.profile_id) == "waitlisted"


def test_moving_a_shift_moves_clashing_people_to_the_waitlist(world, app):
    a = world.activity()
    day = tuesday()
    s = world.shift(a, day=day, start="18:00", end="20:00", needed=2)
    later = world.shift(a, day=day, start="20:00", end="21:00", needed=2)
    clash, fine = world.volunteer("Clash"), world.volunteer("Fine")
    clash.post(f"/shifts/{s}/signup")
    clash.post(f"/shifts/{later}/signup")
    fine.post(f"/shifts/{s}/signup")
    r = world.organiser.patch(f"/shifts/{s}", {"start": local(day, "19:00"), "end": local(day, "21:00")})
    assert r.status_code == 200, r.get_json()
    assert status_of(app, s, clash.profile_id) == "waitlisted"
    assert status_of(app, s, fine.profile_id) == "confirmed"
    with app.app_context():
        from volunteers.models import Shift

        shift = db.session.get(Shift, s)
        assert shift.sequence == 1
        rows = db.session.execute(select(ShiftSignup).where(ShiftSignup.shift_id == s)).scalars().all()
        assert all(r.start_at == shift.start_at and r.end_at == shift.end_at for r in rows)
        db.session.remove()


def test_cancel_marks_signups_cancelled(world, app):
    s = world.shift(world.activity(), needed=1)
    a, b = world.volunteer("A"), world.volunteer("B")
    a.post(f"/shifts/{s}/signup")
    b.post(f"/shifts/{s}/signup")
    world.organiser.post(f"/shifts/{s}/cancel")
    assert status_of(app, s, a.profile_id) == "cancelled" and status_of(app, s, b.profile_id) == "cancelled"
    assert a.get("/volunteers/me/shifts").get_json()["upcoming"][0]["status"] == "cancelled"
    # the cancelled place no longer blocks an overlapping shift
    s2 = world.shift(world.activity("Other"), needed=1)
    assert a.post(f"/shifts/{s2}/signup").get_json()["status"] == "confirmed"


def test_hours_this_week_month_total(world, app):
    from datetime import datetime

    from volunteers import services

    a = world.activity()
    v = world.volunteer(max_hours_per_week=20)
    s = world.shift(a, start="10:00", end="12:00", needed=1)
    v.post(f"/shifts/{s}/signup")
    with app.app_context():
        from commons.models import User

        user = db.session.get(User, v.user_id)
        su = db.session.execute(select(ShiftSignup)).scalar_one()
        later = su.end_at + timedelta(hours=1)  # the clock after the shift: it counts (not marked yet)
        r = services.my_shifts(user, now=later)
        assert r.minutes_total == 120 and r.minutes_week == 120
        assert r.past and not r.upcoming
        much_later = su.end_at + timedelta(days=40)
        r = services.my_shifts(user, now=much_later)
        assert r.minutes_total == 120 and r.minutes_week == 0 and r.minutes_month == 0
        db.session.remove()


def test_session_api_writes_need_csrf(app, world):
    from tests.conftest import PASSWORD

    s = world.shift(world.activity())
    v = world.volunteer()
    client = app.test_client()
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        sign_in_without_form(app, client, v.user_id)
        r = client.post(f"/api/v1/shifts/{s}/signup")
        assert r.status_code == 400 and r.get_json()["error"]["code"] == "csrf"
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_hostile_input_is_never_500(world):
    s = world.shift(world.activity())
    v = world.volunteer()
    bad = [
        ("PUT", "/volunteers/me", b"not json"),
        ("PUT", "/volunteers/me", b"[1,2]"),
        ("PUT", "/volunteers/me", b'{"skills": "cooking"}'),
        ("PUT", "/volunteers/me", b'{"tags": ["\\u0000"]}'),
        ("POST", "/fill-plan", b'{"shift_ids": [99999999999]}'),
        ("POST", f"/shifts/{s}/invite", b'{"volunteer_id": 99999999999}'),
    ]
    for method, path, data in bad:
        r = v.client.open("/api/v1" + path, method=method, data=data, content_type="application/json", headers=v._headers())
        assert 400 <= r.status_code < 500, (path, r.status_code, r.get_data(as_text=True))
    assert v.get("/shifts/99999999999").status_code == 404


def test_candidates_among_many_volunteers_use_the_cached_pool(app, world):
    """Past the pool threshold, candidates come from MATCH's in-memory pool built once per process
    from the cached profiles. Sign-ups, profile edits, pauses and new volunteers do not rebuild it
    (what changed is read fresh and scored with the rules); an erased account does. Every answer
    equals the plain rules over fresh facts."""
    from volunteers import rules, services
    from commons.timezone import site_tz
    from volunteers.services import common, facts
    from volunteers.demo import generate_volunteers

    a = world.activity()
    s = world.shift(a, needed=2)
    other = world.shift(a, start="18:30", end="19:30", needed=5)  # overlaps s
    with app.app_context():
        generate_volunteers(400)
        db.session.remove()

    def expected(limit=200):
        with app.app_context():
            now = utcnow()
            profiles = db.session.execute(
                db.select(*facts.PROFILE_COLUMNS).where(VolunteerProfile.active.is_(True)).order_by(VolunteerProfile.id)
            ).all()
            everyone = facts.facts_for([tuple(r) for r in profiles], now)
            view = services.get_shift_view(s)
            tz = site_tz()
            taken = set(db.session.execute(db.select(ShiftSignup.volunteer_id).where(
                ShiftSignup.shift_id == s, ShiftSignup.status.in_(("confirmed", "waitlisted"))
            )).scalars())
            ranked = rules.rank_candidates(services.shift_facts(view), everyone, tz, common.local_today(now, tz),
                                           ages_on=services.organisers_ages_on(now, tz))
            db.session.remove()
            # in the full score's order; organisers read the score in whole points
            return [(m.volunteer_id, rules.whole_points(m.score)) for m in ranked if m.volunteer_id not in taken][:limit]

    def got(limit=200):
        return [(c["volunteer_id"], c["score"]) for c in world.organiser.get(f"/shifts/{s}/candidates", limit=limit).get_json()]

    first = got()
    assert first and first == expected()
    pool = facts.POOL_CACHE.get("matcher")
    assert pool is not None
    assert got() == first and facts.POOL_CACHE["matcher"] is pool  # reused
    # Someone near the top takes the overlapping shift: no longer eligible, and the pool is kept.
    top = first[0][0]
    with app.app_context():
        user = db.session.get(VolunteerProfile, top).user
        services.signup(user, other)
        db.session.remove()
    after = got()
    assert top not in {vid for vid, _ in after}
    assert after == expected()
    assert facts.POOL_CACHE["matcher"] is pool
    # A new volunteer who fits perfectly comes first; one who signs up is no candidate.
    v = world.volunteer("Late Joiner")
    assert got() == expected()
    v.post(f"/shifts/{s}/signup")
    again = got()
    assert v.profile_id not in {vid for vid, _ in again}
    assert again == expected()
    # The second best pauses their profile; the third leaves their district.
    second, third = again[1][0], again[2][0]
    with app.app_context():
        db.session.get(VolunteerProfile, second).active = False
        p3 = db.session.get(VolunteerProfile, third)
        p3.districts = ["Nowhere"]
        p3.languages = []
        db.session.commit()
        db.session.remove()
    changed = got()
    assert second not in {vid for vid, _ in changed}
    assert changed == expected()
    assert facts.POOL_CACHE["matcher"] is pool
    # An erased account (a deleted profile) rebuilds the base.
    with app.app_context():
        db.session.delete(db.session.get(VolunteerProfile, third))
        db.session.commit()
        db.session.remove()
    assert got() == expected()
    assert facts.POOL_CACHE["matcher"] is not pool


def test_applying_a_plan_re_checks_every_assignment(world):
    """Applying a plan invites (no place, no hours used), so two overlapping invitations are fine: the
    volunteer accepts one. Someone who is not a candidate (outside their windows, over their hours)
    is refused "not_eligible", never with the rule that said no."""
    a = world.activity()
    s1 = world.shift(a, start="18:00", end="20:00", needed=2)
    s2 = world.shift(a, start="19:00", end="21:00", needed=2)
    s3 = world.shift(a, day=tuesday() + timedelta(days=1), start="10:00", end="14:00", needed=2)  # a Wednesday: not free
    s4 = world.shift(a, day=tuesday() + timedelta(days=4), start="10:00", end="15:00", needed=2)  # a Saturday: 5 h > 4 h
    v = world.volunteer(max_hours_per_week=4)
    r = world.organiser.post("/fill-plan/apply", {"assignments": [
        {"shift_id": s, "volunteer_id": v.profile_id} for s in (s1, s2, s3, s4)
    ]}).get_json()
    assert r["applied"] == [{"shift_id": s1, "volunteer_id": v.profile_id}, {"shift_id": s2, "volunteer_id": v.profile_id}]
    assert {(x["shift_id"], x["reason"]) for x in r["refused"]} == {(s3, "not_eligible"), (s4, "not_eligible")}
    assert all("hour" not in x["message"] and "free" not in x["message"] for x in r["refused"])
    mine = {x["shift_id"]: x["status"] for x in v.get("/volunteers/me/shifts").get_json()["upcoming"]}
    assert mine == {s1: "invited", s2: "invited"}
    assert v.post(f"/shifts/{s1}/signup").get_json()["status"] == "confirmed"  # accepting is signing up
    r = v.post(f"/shifts/{s2}/signup")
    assert r.status_code == 409 and r.get_json()["error"]["reason"] == "overlap"  # the volunteer's own rules


def test_sign_up_counts_weekly_hours_in_every_local_week_a_shift_touches(world):
    """A shift from Sunday 23:00 to Monday 01:00 takes an hour from each local ISO week. The sign-up
    asks the same rules as the matching (rules.holding_misses): with 2 h a week and 1.5 h held next
    Monday, the hour after midnight is one too many, though Sunday's week has room."""
    a = world.activity()
    sunday = tuesday(2) - timedelta(days=2)
    monday = sunday + timedelta(days=1)
    r = world.organiser.post(f"/activities/{a}/shifts", {"start": local(sunday, "23:00"), "end": local(monday, "01:00"), "needed": 2})
    assert r.status_code == 201, r.get_json()
    night = r.get_json()["id"]
    later = world.shift(a, day=monday, start="10:00", end="11:30", needed=2)
    v = world.volunteer(max_hours_per_week=2)
    assert v.post(f"/shifts/{later}/signup").get_json()["status"] == "confirmed"
    r = v.post(f"/shifts/{night}/signup")
    assert r.status_code == 422 and r.get_json()["error"]["reason"] == "over_hours", r.get_json()
    # With an hour more a week, both fit.
    with_more = world.volunteer(max_hours_per_week=3)
    assert with_more.post(f"/shifts/{later}/signup").get_json()["status"] == "confirmed"
    assert with_more.post(f"/shifts/{night}/signup").get_json()["status"] == "confirmed"
