"""Issue 23, items 1 and 2: the attacks on volunteers through the organiser endpoints, kept as tests.

1. Anyone could sign up, register a group (unverified: free and instant), create an activity and a shift
   and read every volunteer's windows, spare hours and recent shifts in its candidates; moving the shift's
   date (or adding shifts on other dates) with a minimum age, and `POST /fill-plan/apply` answering
   `too_young`, gave a 16-year-old's date of birth to the day.
2. `POST /fill-plan/apply` with any volunteer id confirmed a place without the volunteer's consent (outside
   their availability), e-mailed them, and used up their weekly hours so that their own sign-up elsewhere
   was refused `over_hours`.

Now: organising volunteers is for verified groups and staff; organisers read what the shift needs, never
the volunteer's windows, hours, recent shifts or age; ages in the organisers' views are taken on the first
day of the current month, whatever the shift's date; refusals to organisers say "not_eligible", never which
rule; a shift's minimum age and (with one) its day are fixed once anyone is on it; and a fill plan sends
invitations, which the volunteer accepts or declines: nobody is given a place by an organiser.
"""
from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, timezone

import pytest
from sqlalchemy import select

from commons.extensions import db
from commons.models import Group, OutboxMessage
from tests.conftest import HELSINKI, PASSWORD, local
from tests.volunteers.conftest import tuesday
from volunteers.models import Activity, Shift, ShiftSignup

pytestmark = pytest.mark.usefixtures("no_server_error_logged")

EVERY_DAY = [{"weekday": d, "start": "08:00", "end": "22:00"} for d in range(7)]
CONSENT = {"guardian_name": "Greta Guardian", "guardian_contact": "040 555 0000", "guardian_consent": True}
PERSONAL_CODES = {"spare_hours", "fairness", "unavailable", "age_unknown", "too_young", "needs_consent", "overlap", "over_hours"}
PERSONAL_REASONS = {"overlap", "over_hours", "too_young", "needs_birth_date", "needs_consent", "unavailable"}


def _today() -> date:
    return datetime.now(HELSINKI).date()


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def sign_in(app, api):
    c = app.test_client()
    r = c.post("/login", data={"email": api.email, "password": PASSWORD})
    assert r.status_code == 302, r.get_data(as_text=True)[:300]
    return c


def candidate_ids(api, shift_id) -> list[int]:
    r = api.get(f"/shifts/{shift_id}/candidates")
    assert r.status_code == 200, r.get_json()
    return [c["volunteer_id"] for c in r.get_json()]


def signup_status(app, shift_id, volunteer_id):
    with app.app_context():
        got = db.session.execute(select(ShiftSignup.status).where(
            ShiftSignup.shift_id == shift_id, ShiftSignup.volunteer_id == volunteer_id)).scalar_one_or_none()
        db.session.remove()
        return got


def mail_subjects(app, email) -> list[str]:
    with app.app_context():
        got = list(db.session.execute(select(OutboxMessage.subject).where(OutboxMessage.to_address == email)
                                      .order_by(OutboxMessage.id)).scalars())
        db.session.remove()
        return got


# --- 1a. An unverified group organises no volunteers ---------------------------------------------------


def test_a_new_account_with_an_unverified_group_reads_no_volunteers(app, world, make_user):
    """The attack's first steps: sign up, register a group (unverified), create an activity. Refused, on the
    API and the pages; an activity of an unverified group made earlier gives its representatives nothing."""
    world.volunteer("Vera Volunteer")
    stranger = make_user("member", name="Mallory")
    r = stranger.post("/groups", {"name": "Totally Real Club", "kind": "resident_group", "district": "Kallio", "description": ""})
    assert r.status_code == 201 and r.get_json()["verified"] is False
    gid = r.get_json()["id"]
    r = stranger.post("/activities", {"group_id": gid, "title": "Bait", "district": "Kallio"})
    assert r.status_code == 403 and r.get_json()["error"]["reason"] == "group_not_verified"
    page = sign_in(app, stranger)
    r = page.get("/activities/new", headers={"Accept-Language": "en"})
    assert r.status_code == 403 and "verified groups" in r.get_data(as_text=True)
    r = page.get(f"/groups/{gid}", headers={"Accept-Language": "en"})
    assert r.status_code == 200 and "Once the city has verified the group" in r.get_data(as_text=True)
    assert f"/activities/new?group={gid}" not in r.get_data(as_text=True)

    # An activity of the unverified group (made before this rule) with a shift: nothing for its representative.
    with app.app_context():
        a = Activity(group_id=gid, title="Old bait", district="Kallio", description="")
        day = tuesday()
        start = datetime.combine(day, time(18), HELSINKI).astimezone(timezone.utc)
        a.shifts = [Shift(start_at=start, end_at=start + timedelta(hours=2), needed=1,
                          skills=[], languages=[], status="open", sequence=0)]
        db.session.add(a)
        db.session.commit()
        act, sid = a.id, a.shifts[0].id
        db.session.remove()
    wanda = world.volunteer("Wanda Volunteer")
    vid = wanda.profile_id
    for method, path, body in (
        ("get", f"/shifts/{sid}/candidates", None), ("get", f"/shifts/{sid}/signups", None),
        ("post", f"/shifts/{sid}/invite", {"volunteer_id": vid}), ("post", "/fill-plan", {"activity_id": act}),
        ("post", f"/activities/{act}/shifts", {"start": local(day, "10:00"), "end": local(day, "11:00"), "needed": 1}),
        ("patch", f"/shifts/{sid}", {"min_age": 16}), ("patch", f"/activities/{act}", {"title": "x"}),
    ):
        r = getattr(stranger, method)(path, body) if body is not None else getattr(stranger, method)(path)
        assert r.status_code == 403, (path, r.get_json())
    r = stranger.post("/fill-plan/apply", {"assignments": [{"shift_id": sid, "volunteer_id": vid}]})
    assert [x["reason"] for x in r.get_json()["refused"]] == ["not_organiser"]
    for path in (f"/shifts/{sid}/candidates", f"/activities/{act}/manage", f"/activities/{act}/fill-plan"):
        assert page.get(path).status_code == 403, path
    assert signup_status(app, sid, vid) is None and mail_subjects(app, wanda.email) == []
    assert stranger.get(f"/activities/{act}").get_json()["can_organise"] is False

    # Once the city verifies the group, its representative organises it.
    admin = make_user("admin")
    assert admin.post(f"/groups/{gid}/verify").status_code == 200
    assert stranger.get(f"/shifts/{sid}/candidates").status_code == 200
    assert stranger.post("/activities", {"group_id": gid, "title": "Real now", "district": "Kallio"}).status_code == 201


# --- 1b. What an organiser reads of a candidate -----------------------------------------------------------


def test_candidates_show_what_the_shift_needs_never_windows_hours_or_recent_shifts(app, world):
    a = world.activity()
    s = world.shift(a, start="18:00", end="20:00", languages=["sv"])  # the volunteer is free Tuesdays 17-21
    v = world.volunteer("Vera Volunteer", max_hours_per_week=6)
    r = world.organiser.get(f"/shifts/{s}/candidates")  # English: no Accept-Language
    (c,) = r.get_json()
    assert c["volunteer_id"] == v.profile_id and c["name"] == "Vera Volunteer"
    assert c["score"] == int(c["score"])  # whole points: to a tenth, the score less the parts shown gave away hours
    codes = {x["code"]: x for x in c["reason_codes"]}
    assert not set(codes) & PERSONAL_CODES and codes["available"]["value"] == ""
    text = " ".join(c["reasons"])
    assert "Free at this time" in text and "Speaks Swedish" in text and "their district" in text
    for leak in ("17", "21", "Tuesdays", "spare", "6 h", "lately"):
        assert leak not in text, leak
    page = sign_in(app, world.organiser)
    for path in (f"/shifts/{s}/candidates", f"/activities/{a}/fill-plan"):
        body = page.get(path, headers={"Accept-Language": "en"}).get_data(as_text=True)
        assert "Vera Volunteer" in body and "Free at this time" in body, path
        for leak in ("17.00", "21.00", "17:00", "21:00", "to spare", "h left", "shifts lately", "few shifts"):
            assert leak not in body, (path, leak)
    plan = world.organiser.post("/fill-plan", {"activity_id": a}).get_json()
    assert plan["total_score"] == int(plan["total_score"]) and all(x["score"] == int(x["score"]) for x in plan["assignments"])
    assert not any(re.search(r"17|21|spare|lately", t) for x in plan["assignments"] for t in x["reasons"])
    # The volunteer still reads every reason about themselves.
    mine = v.get("/volunteers/me/matches")
    own = " ".join(mine.get_json()[0]["reasons"])
    assert "17" in own and " left " in own


# --- 1c. Eligibility is no oracle for a date of birth ------------------------------------------------------


@pytest.fixture
def teen(world):
    """A 16-year-old-to-be whose birthday is three weeks away, a 16-year-old whose birthday was 100 days ago
    (both with a guardian's consent, free every day), and a shift with a minimum age of 16 the week before
    and the week after the birthday."""
    today = _today()
    birthday = today + timedelta(days=21)
    t = world.volunteer("Tiina Teen", availability=EVERY_DAY, date_of_birth=_years_before(birthday, 16).isoformat(), **CONSENT)
    o = world.volunteer("Olli Older", availability=EVERY_DAY, date_of_birth=_years_before(today - timedelta(days=100), 16).isoformat(), **CONSENT)
    a = world.activity()
    before = world.shift(a, day=birthday - timedelta(days=7), min_age=16, needed=2)
    after = world.shift(a, day=birthday + timedelta(days=7), min_age=16, needed=2)
    return t, o, a, before, after, birthday


def test_moving_a_shifts_date_or_adding_shifts_tells_no_birthday(app, world, teen):
    t, o, a, before, after, birthday = teen
    # Before the fix the teen was a candidate after the birthday and not before it: the birthday, by bisection.
    assert t.profile_id not in candidate_ids(world.organiser, before)
    assert t.profile_id not in candidate_ids(world.organiser, after)
    assert o.profile_id in candidate_ids(world.organiser, before) and o.profile_id in candidate_ids(world.organiser, after)
    # A new shift on any date, and an empty shift moved across the birthday: the same answer.
    for day in (birthday - timedelta(days=1), birthday, birthday + timedelta(days=1), birthday + timedelta(days=60)):
        s = world.shift(a, day=day, min_age=16)
        assert t.profile_id not in candidate_ids(world.organiser, s), day
    r = world.organiser.patch(f"/shifts/{before}", {"start": local(birthday + timedelta(days=8), "18:00"),
                                                      "end": local(birthday + timedelta(days=8), "20:00")})
    assert r.status_code == 200, r.get_json()  # nobody on it yet: it may move
    assert t.profile_id not in candidate_ids(world.organiser, before)
    # The fill plan proposes the same people and no more.
    plan = world.organiser.post("/fill-plan", {"activity_id": a}).get_json()
    assert t.profile_id not in {x["volunteer_id"] for x in plan["assignments"]}


def test_refusals_to_organisers_never_say_which_rule(app, world, teen):
    t, o, a, before, after, birthday = teen
    # Before the fix: "too_young" before the birthday, a confirmed place after it.
    r = world.organiser.post("/fill-plan/apply", {"assignments": [{"shift_id": s, "volunteer_id": t.profile_id} for s in (before, after)]})
    refused = r.get_json()["refused"]
    assert r.get_json()["applied"] == [] and [x["reason"] for x in refused] == ["not_eligible", "not_eligible"]
    assert refused[0]["message"] == refused[1]["message"] and not re.search(r"\d|age|young|birth", refused[0]["message"])
    answers = [world.organiser.post(f"/shifts/{s}/invite", {"volunteer_id": t.profile_id}) for s in (before, after)]
    assert [x.status_code for x in answers] == [422, 422]
    assert answers[0].get_json() == answers[1].get_json() and answers[0].get_json()["error"]["reason"] == "not_eligible"
    assert signup_status(app, before, t.profile_id) is None and signup_status(app, after, t.profile_id) is None
    # A stranger's id, a paused profile and a volunteer outside their windows read alike to the organiser.
    far = world.volunteer("Fay Faraway", availability=[{"weekday": 5, "start": "10:00", "end": "12:00"}])
    r = world.organiser.post("/fill-plan/apply", {"assignments": [{"shift_id": after, "volunteer_id": vid}
                                                                  for vid in (far.profile_id, 10**6)]})
    assert {x["reason"] for x in r.get_json()["refused"]} == {"not_eligible"}
    paused = world.volunteer("Pia Paused", availability=EVERY_DAY, active=False)
    for vid in (far.profile_id, paused.profile_id, 10**6):
        r = world.organiser.post(f"/shifts/{after}/invite", {"volunteer_id": vid})
        assert (r.status_code, r.get_json()) == (422, answers[0].get_json()), vid
    # The volunteer themself signs up by the rule of the shift's date, and reads their own reason.
    assert t.post(f"/shifts/{after}/signup").get_json()["status"] == "confirmed"
    r = t.post(f"/shifts/{before}/signup")
    assert r.status_code == 422 and r.get_json()["error"]["reason"] == "too_young" and "16" in r.get_json()["error"]["message"]


def test_the_age_limit_and_the_day_stay_once_anyone_is_on_the_shift(app, world, teen):
    """Otherwise: invite (or let sign up), then move the day or the age and watch who goes to the waitlist."""
    t, o, a, before, after, birthday = teen
    assert world.organiser.post(f"/shifts/{after}/invite", {"volunteer_id": o.profile_id}).status_code == 200
    assert t.post(f"/shifts/{after}/signup").get_json()["status"] == "confirmed"
    other_day = birthday - timedelta(days=2)
    for body, field in (({"min_age": 17}, "min_age"), ({"min_age": None}, "min_age"),
                        ({"start": local(other_day, "18:00"), "end": local(other_day, "20:00")}, "start")):
        r = world.organiser.patch(f"/shifts/{after}", body)
        assert r.status_code == 422, (body, r.get_json())
        assert r.get_json()["error"]["reason"] == "age_rule_fixed" and field in r.get_json()["error"]["fields"]
    assert signup_status(app, after, t.profile_id) == "confirmed"
    day = birthday + timedelta(days=7)
    r = world.organiser.patch(f"/shifts/{after}", {"start": local(day, "17:00"), "end": local(day, "19:00")})
    assert r.status_code == 200, r.get_json()  # another time of the same day is fine
    assert world.organiser.patch(f"/shifts/{after}", {"needed": 3}).status_code == 200
    # The edit page says so next to the field.
    page = sign_in(app, world.organiser)
    r = page.post(f"/shifts/{after}/edit", headers={"Accept-Language": "en"}, data={
        "date": other_day.isoformat(), "start": "17:00", "end": "19:00", "needed": "3", "min_age": "16"})
    assert r.status_code == 422 and "its minimum age and its day can no longer change" in r.get_data(as_text=True)
    # A shift nobody is on may still change its age limit.
    empty = world.shift(a, day=day, min_age=16)
    assert world.organiser.patch(f"/shifts/{empty}", {"min_age": 18}).status_code == 200


# --- 2. Nobody is put on a shift without their consent --------------------------------------------------


def test_applying_a_plan_invites_and_confirms_nobody(app, world, make_user, make_group):
    """The attack: apply a plan with a volunteer id (outside their availability, past their hours), which
    gave them a place, an e-mail and used up their week."""
    a = world.activity()
    s = world.shift(a, day=tuesday(), start="18:00", end="20:00")  # inside their Tuesday window, 2 h
    outside = world.shift(a, day=tuesday() + timedelta(days=1), start="10:00", end="12:00")  # a Wednesday
    v = world.volunteer("Vera Volunteer", max_hours_per_week=2)
    other = make_user("member", groups=[make_group(name="Other Group")])
    oa = other.post("/activities", {"group_id": other_group_id(app, "Other Group"), "title": "Saturday", "district": "Kallio"}).get_json()["id"]
    sat = tuesday() + timedelta(days=4)
    elsewhere = other.post(f"/activities/{oa}/shifts", {"start": local(sat, "11:00"), "end": local(sat, "13:00"), "needed": 1}).get_json()["id"]

    # Outside their availability (before the fix: a confirmed place and a "you are signed up" e-mail).
    r = world.organiser.post("/fill-plan/apply", {"assignments": [{"shift_id": outside, "volunteer_id": v.profile_id}]})
    assert r.status_code == 200 and r.get_json()["applied"] == [], r.get_json()
    assert [x["reason"] for x in r.get_json()["refused"]] == ["not_eligible"]
    assert signup_status(app, outside, v.profile_id) is None and mail_subjects(app, v.email) == []
    # Inside it: an invitation, not a place.
    r = world.organiser.post("/fill-plan/apply", {"assignments": [{"shift_id": s, "volunteer_id": v.profile_id}]})
    assert r.get_json() == {"applied": [{"shift_id": s, "volunteer_id": v.profile_id}], "refused": []}
    assert signup_status(app, s, v.profile_id) == "invited"
    subjects = mail_subjects(app, v.email)
    assert len(subjects) == 1 and subjects[0].startswith(("You are invited", "Sinut on kutsuttu", "Du är inbjuden")), subjects
    assert world.organiser.get(f"/shifts/{s}").get_json()["confirmed"] == 0
    # Their week is still theirs: their own sign-up elsewhere is not refused over_hours.
    assert v.post(f"/shifts/{elsewhere}/signup").get_json()["status"] == "confirmed"
    # They may accept the invitation (with their own rules: now it is over their hours) or decline it.
    r = v.post(f"/shifts/{s}/signup")
    assert r.status_code == 422 and r.get_json()["error"]["reason"] == "over_hours"
    assert v.post(f"/shifts/{s}/withdraw").get_json()["status"] == "withdrawn"
    assert signup_status(app, s, v.profile_id) == "withdrawn"


def test_a_plans_invitations_fill_open_places_only_and_are_accepted_by_signing_up(app, world):
    a = world.activity()
    s = world.shift(a, needed=2)
    v1, v2, v3 = world.volunteer("One"), world.volunteer("Two"), world.volunteer("Three")
    plan = world.organiser.post("/fill-plan", {"activity_id": a}).get_json()
    assert len(plan["assignments"]) == 2
    r = world.organiser.post("/fill-plan/apply", {"assignments": [{"shift_id": s, "volunteer_id": v.profile_id} for v in (v1, v2, v3)]})
    got = r.get_json()
    assert len(got["applied"]) == 2 and [x["reason"] for x in got["refused"]] == ["full"]  # two places, two invitations out
    # the next plan leaves invited places and invited people alone
    assert world.organiser.post("/fill-plan", {"activity_id": a}).get_json()["assignments"] == []
    invited = [x["volunteer_id"] for x in got["applied"]]
    first = next(v for v in (v1, v2, v3) if v.profile_id == invited[0])
    assert first.post(f"/shifts/{s}/signup").get_json()["status"] == "confirmed"
    assert world.organiser.get(f"/shifts/{s}").get_json()["confirmed"] == 1
    second = next(v for v in (v1, v2, v3) if v.profile_id == invited[1])
    assert second.post(f"/shifts/{s}/withdraw").get_json()["status"] == "withdrawn"  # declined: the place is open again,
    plan = world.organiser.post("/fill-plan", {"activity_id": a}).get_json()  # and the plan asks someone else
    assert [x["volunteer_id"] for x in plan["assignments"]] == [next(v.profile_id for v in (v1, v2, v3) if v.profile_id not in invited)]


def other_group_id(app, name):
    with app.app_context():
        gid = db.session.execute(select(Group.id).where(Group.name == name)).scalar_one()
        db.session.remove()
        return gid
