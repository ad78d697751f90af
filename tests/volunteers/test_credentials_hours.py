"""Issue 19: credentials checked on the shift's date, expiry notices, hours per year and
certificates of them (API; the rules' part is pure and tested first)."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from tests.volunteers.conftest import tuesday
from volunteers import matching, rules

TZ = ZoneInfo("Europe/Helsinki")


# --- rules (pure) -------------------------------------------------------------------------------------


def _shift(day: date, requires=("first_aid",)) -> rules.ShiftFacts:
    start = datetime(day.year, day.month, day.day, 18, tzinfo=TZ)
    return rules.ShiftFacts(id=1, start=start, end=start + timedelta(hours=2), district="Kallio", requires=frozenset(requires))


def _vol(i: int, creds=()) -> rules.VolunteerFacts:
    return rules.VolunteerFacts(id=i, availability=(rules.Window(1, 17 * 60, 21 * 60),), credentials=tuple(creds))


def test_credential_valid_on_the_shifts_date_not_today():
    day = date(2027, 3, 2)  # a Tuesday
    s = _shift(day)
    assert rules.credential_misses(_vol(1, [("first_aid", day)]), s, TZ) == []  # its last day is the shift's day
    miss = rules.credential_misses(_vol(1, [("first_aid", day - timedelta(days=1))]), s, TZ)
    assert [(r.code, r.value) for r in miss] == [("credential", "first_aid:expires")]
    miss = rules.credential_misses(_vol(1, [("hygiene_passport", day)]), s, TZ)
    assert [(r.code, r.value) for r in miss] == [("credential", "first_aid:missing")]
    # an older record of the same kind does not hide a renewed one
    assert rules.credential_misses(_vol(1, [("first_aid", day - timedelta(days=9)), ("first_aid", day)]), s, TZ) == []
    m = rules.match(_vol(1, [("first_aid", day)]), s, TZ, day - timedelta(days=60))
    assert m.eligible and rules.Reason("credential", True, "first_aid") in m.reasons
    m = rules.match(_vol(1), s, TZ, day)
    assert not m.eligible and rules.organiser_view(m).reasons[0].code == "not_eligible"
    assert rules.Reason("credential", False, "first_aid:missing") in rules.organiser_view(m).reasons


def test_pool_agrees_with_the_rules_on_credentials():
    day = date(2027, 3, 2)
    vols = [_vol(i, [("first_aid", day + timedelta(days=(i % 5) - 2))] if i % 3 else []) for i in range(1, 40)]
    for requires in ((), ("first_aid",), ("first_aid", "hygiene_passport")):
        s = _shift(day, requires)
        want = rules.rank_candidates(s, vols, TZ, day)
        got = matching.VolunteerPool(vols).rank(s, TZ, day)
        assert [(m.volunteer_id, m.score) for m in got] == [(m.volunteer_id, m.score) for m in want]


def test_expiry_notice_due():
    today = date(2027, 1, 1)
    assert rules.expiry_notice_due(today + timedelta(days=30), today, False)
    assert not rules.expiry_notice_due(today + timedelta(days=31), today, False)
    assert not rules.expiry_notice_due(today + timedelta(days=3), today, True)
    assert not rules.expiry_notice_due(today - timedelta(days=1), today, False)


# --- API ----------------------------------------------------------------------------------------------


def _local_day(shift_day: date, days: int) -> str:
    return (shift_day + timedelta(days=days)).isoformat()


def test_credentials_on_the_shifts_date_end_to_end(world, make_user, anon, app):
    staff = make_user("staff", facilities=[world.facility])
    kinds = anon.get("/credential-kinds", lang="fi").get_json()
    assert {k["code"] for k in kinds} == {"criminal_record_check", "first_aid", "hygiene_passport"}
    day = tuesday(2)
    s = world.shift(world.activity(), day=day, requires=["first_aid"])
    assert anon.get(f"/shifts/{s}").get_json()["requires"] == ["first_aid"]
    v = world.volunteer()
    me = v.get("/volunteers/me").get_json()
    assert me["id"] == v.profile_id and me["credentials"] == []

    r = v.post(f"/shifts/{s}/signup")
    assert r.status_code == 422, r.get_json()
    err = r.get_json()["error"]
    assert err["code"] == "credential" and err["reason"] == "credential_missing"
    assert err["params"]["kind"] == "first_aid" and err["params"]["problem"] == "missing"

    # a member or the volunteer themselves cannot record one
    assert v.post(f"/volunteers/{v.profile_id}/credentials", {"kind": "first_aid", "valid_until": "2099-01-01"}).status_code == 403
    assert staff.post("/volunteers/999999/credentials", {"kind": "first_aid", "valid_until": "2099-01-01"}).status_code == 404
    assert staff.post(f"/volunteers/{v.profile_id}/credentials", {"kind": "passport", "valid_until": "2099-01-01"}).status_code == 422

    r = staff.post(f"/volunteers/{v.profile_id}/credentials",
                   {"kind": "first_aid", "valid_until": _local_day(day, -1), "note": "Red Cross EA1 card seen"})
    assert r.status_code == 201, r.get_json()
    first = r.get_json()["id"]
    r = v.post(f"/shifts/{s}/signup")
    assert r.status_code == 422 and r.get_json()["error"]["reason"] == "credential_expires"
    assert "expires before this shift" in r.get_json()["error"]["message"]

    r = staff.post(f"/volunteers/{v.profile_id}/credentials", {"kind": "first_aid", "valid_until": _local_day(day, 365)})
    assert r.status_code == 201
    me = v.get("/volunteers/me").get_json()
    assert [c["valid_until"] for c in me["credentials"]] == [_local_day(day, 365), _local_day(day, -1)]
    assert v.post(f"/shifts/{s}/signup").get_json()["status"] == "confirmed"

    # candidates for another such shift say why someone is out, in the reader's language
    assert staff.delete(f"/volunteers/{v.profile_id}/credentials/{first}").status_code == 200
    assert staff.delete(f"/volunteers/{v.profile_id}/credentials/{first}").status_code == 404

    from commons.extensions import db
    from commons.models import AuditEvent
    with app.app_context():
        actions = [e.action for e in db.session.query(AuditEvent).order_by(AuditEvent.id)]
    assert actions.count("credential.record") == 2 and actions.count("credential.remove") == 1


def test_match_reasons_say_the_credential(world, make_user, app):
    from flask_babel import force_locale

    from volunteers.reasons import describe

    with app.test_request_context():
        for lang, want in (("en", "Your first-aid certificate expires before this shift"),
                           ("fi", "Todistuksesi vanhenee ennen tätä vuoroa: ensiapukortti")):
            with force_locale(lang):
                assert describe(rules.Reason("credential", False, "first_aid:expires")) == want
        with force_locale("en"):
            assert describe(rules.Reason("credential", False, "first_aid:missing")) == "You need a valid first-aid certificate"


def test_expiry_notice_once(world, make_user, app):
    from commons.extensions import db
    from commons.jobs import run_job
    from commons.models import OutboxMessage

    staff = make_user("staff", facilities=[world.facility])
    v = world.volunteer()
    with app.app_context():
        from volunteers.services.common import local_today
        from commons.db import utcnow
        today = local_today(utcnow(), TZ)
    assert staff.post(f"/volunteers/{v.profile_id}/credentials",
                      {"kind": "hygiene_passport", "valid_until": (today + timedelta(days=20)).isoformat()}).status_code == 201
    assert staff.post(f"/volunteers/{v.profile_id}/credentials",
                      {"kind": "first_aid", "valid_until": (today + timedelta(days=200)).isoformat()}).status_code == 201
    with app.app_context():
        assert run_job("credential-expiry-notices") == "1 credential expiry notices"
        assert run_job("credential-expiry-notices") == "0 credential expiry notices"
        mails = [m for m in db.session.query(OutboxMessage) if (m.dedupe_key or "").startswith("credential:expiry:")]
    assert len(mails) == 1


def _attended(app, sid, days_back=14, minutes=None):
    from commons.extensions import db
    from volunteers.models import Shift, ShiftSignup

    with app.app_context():
        su = db.session.get(ShiftSignup, sid)
        shift = db.session.get(Shift, su.shift_id)
        for row in (shift, su):
            row.start_at -= timedelta(days=days_back)
            row.end_at -= timedelta(days=days_back)
        su.attended = True
        su.minutes_worked = minutes
        db.session.commit()
        return su.start_at.astimezone(TZ).year


def test_hours_and_certificates(world, anon, app, make_user):
    s = world.shift(world.activity())
    v = world.volunteer(name="Ville Volunteer")
    other = world.volunteer()
    sid = v.post(f"/shifts/{s}/signup").get_json()["signup_id"]
    year = _attended(app, sid, minutes=90)
    h = v.get("/volunteers/me/hours", year=year).get_json()
    assert h["year"] == year and h["minutes"] == 90 and len(h["shifts"]) == 1
    assert v.get("/volunteers/me/hours", year=1500).status_code == 422
    assert other.get("/volunteers/me/hours", year=year).get_json()["minutes"] == 0

    r = v.post("/volunteers/me/certificates", {"year": year})
    assert r.status_code == 201, r.get_json()
    code, url = r.get_json()["code"], r.get_json()["url"]
    assert len(code) >= 20 and url.endswith(f"/certificates/{code}")
    c = anon.get(f"/certificates/{code}").get_json()
    assert c == {"code": code, "name": "Ville Volunteer", "year": year, "period_start": c["period_start"],
                 "period_end": c["period_end"], "minutes": 90, "hours": 1.5, "organisations": c["organisations"]}
    assert len(c["organisations"]) == 1
    page = anon.client.get(f"/certificates/{code}?lang=sv")
    assert page.status_code == 200 and "Ville Volunteer" in page.get_data(as_text=True)
    assert anon.client.get(f"/certificates/{code}", headers={"Accept": "application/json"}).get_json()["minutes"] == 90
    assert other.delete(f"/volunteers/me/certificates/{code}").status_code == 404
    assert v.delete(f"/volunteers/me/certificates/{code}").status_code == 200
    assert anon.get(f"/certificates/{code}").status_code == 404
    assert anon.client.get(f"/certificates/{code}").status_code == 404

    # the export has the credentials and the certificates; erasure takes both
    v.post("/volunteers/me/certificates", {"year": year})
    export = v.get("/me/export").get_json()
    assert len(export["volunteer_hours_certificates"]) == 1


def test_counter_signup_counts_is_private_and_erased(world, make_user, anon, app):
    from commons.extensions import db
    from commons.jobs import run_job
    from volunteers.models import ShiftSignup

    staff = make_user("staff", facilities=[world.facility])
    a = world.activity()
    s = world.shift(a, needed=2)
    v = world.volunteer()
    assert v.post(f"/shifts/{s}/signup").get_json()["status"] == "confirmed"
    assert world.organiser.post(f"/shifts/{s}/signups", {"name": ""}).status_code == 422
    assert v.post(f"/shifts/{s}/signups", {"name": "Eino Esimerkki", "phone": "040 555 0101"}).status_code == 403
    r = world.organiser.post(f"/shifts/{s}/signups", {"name": "Eino Esimerkki", "phone": "040 555 0101"})
    assert r.status_code == 201, r.get_json()
    gid = r.get_json()["id"]
    assert anon.get(f"/shifts/{s}").get_json()["confirmed"] == 2
    r = world.organiser.post(f"/shifts/{s}/signups", {"name": "Toinen", "phone": ""})
    assert r.status_code == 409 and r.get_json()["error"]["reason"] == "shift_full"
    assert world.volunteer().post(f"/shifts/{s}/signup").get_json()["status"] == "waitlisted"
    listed = {x["name"]: x for x in world.organiser.get(f"/shifts/{s}/signups").get_json()}
    assert listed["Eino Esimerkki"]["without_account"] and listed["Eino Esimerkki"]["shared_contact"] == "040 555 0101"
    for path in (f"/activities/{a}", "/activities"):
        assert "Eino" not in anon.client.get(path).get_data(as_text=True)
    assert "Eino" not in anon.get(f"/activities/{a}").get_data(as_text=True)
    assert world.organiser.post(f"/signups/{gid}/erase").status_code == 403
    assert staff.post(f"/signups/{gid}/erase").status_code == 200
    with app.app_context():
        su = db.session.get(ShiftSignup, gid)
        assert su.guest_name is None and su.guest_phone is None and su.status == "confirmed"
        # retention: a guest on a shift long past is erased by the job
        su.guest_name, su.guest_phone = "Vanha", "040"
        su.end_at -= timedelta(days=400)
        su.start_at -= timedelta(days=400)
        db.session.commit()
        assert "erased 1 person(s) without an account" in run_job("retention")
        db.session.expire_all()
        assert db.session.get(ShiftSignup, gid).guest_name is None


def test_late_withdrawal_recorded_for_organisers_and_hours(world, app):
    a = world.activity(withdraw_hours_before=720)  # 30 days: any withdrawal from next week's shift is late
    assert world.organiser.get(f"/activities/{a}").get_json()["withdraw_hours_before"] == 720
    page = world.organiser.client.get(f"/activities/{a}", headers={"Accept-Language": "fi"}).get_data(as_text=True)
    assert "peru viimeistään 720 tuntia ennen vuoroa" in page
    s = world.shift(a, day=tuesday(1))
    v = world.volunteer()
    assert v.post(f"/shifts/{s}/signup").get_json()["status"] == "confirmed"
    assert v.post(f"/shifts/{s}/withdraw").get_json()["status"] == "withdrawn"
    rows = world.organiser.get(f"/shifts/{s}/signups").get_json()
    assert [(r["status"], r["late_withdrawal"]) for r in rows] == [("withdrawn", True)]
    year = int(world.organiser.get(f"/shifts/{s}").get_json()["start"][:4])
    assert v.get("/volunteers/me/hours", year=year).get_json()["late_withdrawals"] == 1
    # not for other volunteers: the activity's public answer has counts only
    other = world.volunteer()
    assert other.get(f"/shifts/{s}/signups").status_code == 403
    # an activity without the setting records nothing
    b = world.activity(title="Repair café")
    s2 = world.shift(b)
    v.post(f"/shifts/{s2}/signup")
    v.post(f"/shifts/{s2}/withdraw")
    assert world.organiser.get(f"/shifts/{s2}/signups").get_json() == []


def test_fill_plan_invitations_and_promotion_need_the_credential(world, make_user):
    staff = make_user("staff", facilities=[world.facility])
    day = tuesday(2)
    s = world.shift(world.activity(), day=day, requires=["hygiene_passport"], needed=1)
    without = world.volunteer()
    holder = world.volunteer()
    assert staff.post(f"/volunteers/{holder.profile_id}/credentials",
                      {"kind": "hygiene_passport", "valid_until": _local_day(day, 0)}).status_code == 201
    plan = world.organiser.post("/fill-plan", {"shift_ids": [s]}).get_json()
    assert [a["volunteer_id"] for a in plan["assignments"]] == [holder.profile_id]
    r = world.organiser.post(f"/shifts/{s}/invite", {"volunteer_id": without.profile_id})
    assert r.status_code == 422 and r.get_json()["error"]["reason"] == "not_eligible"
    cands = world.organiser.get(f"/shifts/{s}/candidates").get_json()
    ids = [c["volunteer_id"] for c in (cands["items"] if isinstance(cands, dict) else cands)]
    assert ids == [holder.profile_id]
    # the waiting list: someone without the credential never gets the place
    third = world.volunteer()
    assert staff.post(f"/volunteers/{third.profile_id}/credentials",
                      {"kind": "hygiene_passport", "valid_until": _local_day(day, 5)}).status_code == 201
    assert holder.post(f"/shifts/{s}/signup").get_json()["status"] == "confirmed"
    assert third.post(f"/shifts/{s}/signup").get_json()["status"] == "waitlisted"
    cred = third.get("/volunteers/me").get_json()["credentials"][0]["id"]
    assert staff.delete(f"/volunteers/{third.profile_id}/credentials/{cred}").status_code == 200
    assert holder.post(f"/shifts/{s}/withdraw").get_json()["status"] == "withdrawn"
    assert third.get("/volunteers/me/shifts").get_json()["upcoming"][0]["status"] == "waitlisted"
