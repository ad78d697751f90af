"""Privacy and personal data: volunteers never see each other, public answers have counts only,
export includes profile and sign-ups, erasure keeps anonymous hours; the reports' volunteer hours."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from commons.extensions import db
from tests.conftest import local
from tests.volunteers.conftest import tuesday
from volunteers.models import Shift, ShiftSignup, VolunteerProfile


def test_public_answers_have_counts_never_names(world, anon):
    a = world.activity()
    s = world.shift(a, needed=1)
    v1, v2 = world.volunteer("Secret Person", shared_contact="040 999"), world.volunteer("Hidden Human")
    v1.post(f"/shifts/{s}/signup")
    v2.post(f"/shifts/{s}/signup")
    for r in (anon.get("/activities"), anon.get(f"/activities/{a}"), anon.get(f"/shifts/{s}"), v2.get(f"/activities/{a}")):
        text = r.get_data(as_text=True)
        assert r.status_code == 200
        assert "Secret Person" not in text and "Hidden Human" not in text and "040 999" not in text and "@" not in text
    got = anon.get(f"/shifts/{s}").get_json()
    assert got["confirmed"] == 1 and got["waitlisted"] == 1
    # a volunteer cannot list others
    assert v2.get(f"/shifts/{s}/signups").status_code == 403
    assert v2.get(f"/shifts/{s}/candidates").status_code == 403


def test_contact_only_for_confirmed_and_only_what_was_shared(world):
    s = world.shift(world.activity(), needed=1)
    a = world.volunteer("Anna", shared_contact="040 111")
    b = world.volunteer("Bert", shared_contact="040 222")
    c = world.volunteer("Cilla")  # shares nothing
    world.organiser.post(f"/shifts/{s}/invite", {"volunteer_id": c.profile_id})
    a.post(f"/shifts/{s}/signup")
    b.post(f"/shifts/{s}/signup")
    rows = {r["name"]: r for r in world.organiser.get(f"/shifts/{s}/signups").get_json()}
    assert rows["Anna"]["shared_contact"] == "040 111"
    assert rows["Bert"]["shared_contact"] is None and rows["Cilla"]["shared_contact"] is None
    cands = world.organiser.get(f"/shifts/{s}/candidates").get_data(as_text=True)
    assert "040" not in cands and "@" not in cands


def test_export_and_erase(app, world):
    a = world.activity()
    s = world.shift(a, needed=1)
    v = world.volunteer("Erin Eraseme", date_of_birth="1990-01-01")
    w = world.volunteer("Next In Line")
    sid = v.post(f"/shifts/{s}/signup").get_json()["signup_id"]
    w.post(f"/shifts/{s}/signup")
    data = v.get("/me/export").get_json()
    assert data["volunteer_profile"]["languages"] == ["fi", "sv"]
    assert data["volunteer_profile"]["date_of_birth"] == "1990-01-01"
    assert [x["shift_id"] for x in data["volunteer_signups"]] == [s]
    # an attended past shift too, to see its hours survive
    past = world.shift(a, day=tuesday(2), needed=1)
    with app.app_context():
        su = ShiftSignup(shift_id=past, volunteer_id=v.profile_id, status="confirmed", attended=True, minutes_worked=75,
                         start_at=datetime(2026, 1, 6, 16, tzinfo=timezone.utc), end_at=datetime(2026, 1, 6, 18, tzinfo=timezone.utc))
        db.session.add(su)
        db.session.commit()
        past_id = su.id
        db.session.remove()
    assert v.delete("/me").status_code == 200
    with app.app_context():
        assert db.session.execute(select(VolunteerProfile).where(VolunteerProfile.id == v.profile_id)).first() is None
        kept = db.session.get(ShiftSignup, past_id)
        assert kept is not None and kept.volunteer_id is None and kept.minutes_worked == 75
        freed = db.session.get(ShiftSignup, sid)
        assert freed.volunteer_id is None and freed.status == "withdrawn"
        nxt = db.session.execute(select(ShiftSignup).where(ShiftSignup.shift_id == s, ShiftSignup.volunteer_id == w.profile_id)).scalar_one()
        assert nxt.status == "confirmed"  # the freed place went to the next in line
        db.session.remove()


def test_volunteer_figures_in_the_usage_report(app, world, make_user, make_space):
    from spaces.report_services import volunteer_figures

    space = make_space(facility_id=world.facility)
    day = tuesday()
    b = world.organiser.post("/bookings", {"space_id": space, "group_id": world.group, "title": "Café",
                                           "start": local(day, "17:00"), "end": local(day, "21:00")}).get_json()["id"]
    a = world.organiser.post("/activities", {"group_id": world.group, "title": "Helpers", "booking_id": b}).get_json()["id"]
    s = world.organiser.post(f"/activities/{a}/shifts", {"start": local(day, "18:00"), "end": local(day, "20:00"), "needed": 3}).get_json()["id"]
    v1, v2, v3 = world.volunteer("One"), world.volunteer("Two"), world.volunteer("Three")
    ids = [v.post(f"/shifts/{s}/signup").get_json()["signup_id"] for v in (v1, v2, v3)]
    with app.app_context():
        rows = {r.id: r for r in db.session.execute(select(ShiftSignup)).scalars()}
        rows[ids[0]].attended, rows[ids[0]].minutes_worked = True, None  # the shift's length: 120
        rows[ids[1]].attended, rows[ids[1]].minutes_worked = True, 60
        rows[ids[2]].attended = False
        db.session.commit()
        shift = db.session.get(Shift, s)
        lo, hi = shift.start_at - timedelta(days=1), shift.end_at + timedelta(days=1)
        figures = volunteer_figures([space], lo, hi)
        assert figures[space][0] == 180 and figures[space][1] == {v1.profile_id, v2.profile_id}
        half = volunteer_figures([space], shift.start_at + timedelta(hours=1), hi)  # clipped to the window
        assert half[space][0] == 90
        assert volunteer_figures([space], hi, hi + timedelta(days=1)) == {}
        db.session.remove()
    staff = make_user("staff", facilities=[world.facility])
    r = staff.get("/reports/usage", **{"from": local(day, "00:00"), "to": local(day + timedelta(days=1), "00:00")})
    assert r.status_code == 200, r.get_json()
    row = next(x for x in r.get_json()["spaces"] if x["space_id"] == space)
    assert row["volunteer_hours"] == 3
