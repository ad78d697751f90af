"""The staff page for volunteers' credentials (Flask client): find by the exact e-mail address (a
neutral answer otherwise), record one (errors next to the fields, typed values kept), remove one
after a confirmation; a volunteer is refused. And the reasons a shift needing a credential gives:
the volunteer's recommendations and the organiser's candidate list say which credential and why."""
from __future__ import annotations

import html
from datetime import timedelta

from sqlalchemy import select

from commons.extensions import db
from commons.models import AuditEvent
from tests.conftest import sign_in_without_form
from tests.volunteers.conftest import tuesday
from volunteers.models import VolunteerCredential


def text(r) -> str:
    return html.unescape(r.get_data(as_text=True))


def _staff_page(app, make_user, world):
    staff = make_user("staff", facilities=[world.facility])
    client = app.test_client()
    sign_in_without_form(app, client, staff.user_id)
    return client


def test_staff_find_add_bad_date_and_remove(app, make_user, world):
    v = world.volunteer(name="Vilja Volunteer")
    client = _staff_page(app, make_user, world)
    r = client.get("/staff/credentials?lang=en")
    assert r.status_code == 200 and "Find the volunteer" in text(r) and "Vilja" not in text(r)

    # not found: the same neutral answer for no account and for a partial address
    for email in ("nobody@example.fi", "user"):
        r = client.post("/staff/credentials", data={"email": email})
        assert "Vilja" not in text(r)
    r = client.post("/staff/credentials", data={"email": "nobody@example.fi"})
    assert r.status_code == 200 and "No volunteer was found with this address" in text(r)

    with app.app_context():
        from commons.models import User
        email = db.session.get(User, v.user_id).email
    r = client.post("/staff/credentials", data={"email": "  " + email.upper() + " "})
    assert r.status_code == 302 and email not in r.location  # a signed token in the address, never the e-mail
    page = r.location
    v_token = page.split("v=")[1]
    r = client.get(page)
    assert "Credentials of Vilja Volunteer" in text(r) and "No credentials are recorded" in text(r)
    # the token is this staff member's: another staff member's client does not see the volunteer with it
    other = _staff_page(app, make_user, world)
    assert "Vilja" not in text(other.get(page))
    assert "Vilja" not in text(client.get("/staff/credentials?v=forged"))

    # a bad date: the error next to the field, what was typed kept
    r = client.post("/staff/credentials/new", data={"kind": "first_aid", "valid_until": "31.2.2027", "note": "Red Cross card", "v": v_token})
    assert r.status_code == 422
    page = text(r)
    assert 'id="valid_until-error"' in page and 'value="31.2.2027"' in page and 'value="Red Cross card"' in page
    assert '<option selected value="first_aid">' in page or 'value="first_aid" selected' in page

    day = tuesday(3)
    r = client.post("/staff/credentials/new", data={"kind": "first_aid", "valid_until": day.isoformat(), "note": "Red Cross card", "v": v_token})
    assert r.status_code == 302
    r = client.get(r.location)
    assert "First-aid certificate" in text(r) and "Red Cross card" in text(r)
    assert v.get("/volunteers/me").get_json()["credentials"][0]["kind"] == "first_aid"
    with app.app_context():
        cid = db.session.execute(select(VolunteerCredential.id)).scalar_one()
        actions = [a for a in db.session.execute(select(AuditEvent.action)).scalars()]
        assert "credential.record" in actions

    # remove: a confirmation first, then gone (and audited)
    assert client.get(f"/staff/credentials/{cid}/remove").status_code == 404  # without the found volunteer
    r = client.get(f"/staff/credentials/{cid}/remove?v={v_token}")
    assert r.status_code == 200 and "Yes, remove it" in text(r)
    with app.app_context():
        assert db.session.get(VolunteerCredential, cid) is not None
    r = client.post(f"/staff/credentials/{cid}/remove", data={"v": v_token})
    assert r.status_code == 302
    with app.app_context():
        assert db.session.get(VolunteerCredential, cid) is None
        assert "credential.remove" in [a for a in db.session.execute(select(AuditEvent.action)).scalars()]
    assert client.get(f"/staff/credentials/{cid}/remove?v={v_token}").status_code == 404


def test_a_volunteer_is_refused_the_staff_page(app, make_user, world):
    v = world.volunteer()
    client = app.test_client()
    sign_in_without_form(app, client, v.user_id)
    assert client.get("/staff/credentials").status_code == 403
    assert client.post("/staff/credentials", data={"email": "x@example.fi"}).status_code == 403
    assert client.post("/staff/credentials/new", data={"kind": "first_aid", "valid_until": "2027-01-01"}).status_code == 403
    assert app.test_client().get("/staff/credentials").status_code in (302, 401)


# --- would fit but for a credential -------------------------------------------------------------------------


def test_pool_agrees_with_the_rules_on_who_lacks_only_a_credential():
    from datetime import date, datetime
    from zoneinfo import ZoneInfo

    from volunteers import matching, rules

    tz = ZoneInfo("Europe/Helsinki")
    day = date(2027, 3, 2)  # a Tuesday
    start = datetime(2027, 3, 2, 18, tzinfo=tz)
    vols = [rules.VolunteerFacts(id=i, availability=(rules.Window(1, 17 * 60, 21 * 60 if i % 7 else 18 * 60),),
                                 districts=frozenset({"Kallio"} if i % 2 else set()), recent_shifts=i % 4,
                                 credentials=(("first_aid", day + timedelta(days=(i % 5) - 2)),) if i % 3 else ())
            for i in range(1, 60)]
    pool = matching.VolunteerPool(vols)
    for requires in ((), ("first_aid",), ("first_aid", "hygiene_passport")):
        s = rules.ShiftFacts(id=1, start=start, end=start + timedelta(hours=2), district="Kallio", requires=frozenset(requires))
        want = rules.rank_blocked_candidates(s, vols, tz, day)
        got = pool.rank(s, tz, day, blocked=True)
        assert [(m.volunteer_id, m.score, m.reasons) for m in got] == [(m.volunteer_id, m.score, m.reasons) for m in want]
        assert [m.volunteer_id for m in pool.rank(s, tz, day, limit=5, blocked=True)] == [m.volunteer_id for m in want[:5]]
        eligible = {m.volunteer_id for m in rules.rank_candidates(s, vols, tz, day)}
        assert not eligible & {m.volunteer_id for m in want}  # never both
        if requires:
            assert want and all(not m.eligible and rules.credential_reasons(m) for m in want)
            # those out for another reason too (not free then: i % 7 == 0) are not in it
            assert all(m.volunteer_id % 7 for m in want)
        else:
            assert want == []


def test_recommendations_and_candidates_say_which_credential(app, make_user, world):
    staff = make_user("staff", facilities=[world.facility])
    day = tuesday(2)
    s = world.shift(world.activity(), day=day, requires=["first_aid"], needed=2)
    lacking = world.volunteer(name="Lauri Lacking")
    holder = world.volunteer(name="Hilla Holder")
    assert staff.post(f"/volunteers/{holder.profile_id}/credentials", {"kind": "first_aid", "valid_until": (day + timedelta(days=99)).isoformat()}).status_code == 201

    client = app.test_client()
    sign_in_without_form(app, client, lacking.user_id)
    page = text(client.get("/volunteering"))
    blocked = page.split('id="blocked-title"')[1]
    assert "You need a valid first-aid certificate" in blocked
    assert f"/volunteering/shifts/{s}/signup" not in blocked  # no sign-up button for it
    assert f"/volunteering/shifts/{s}/signup" not in page.split('id="blocked-title"')[0]  # nor among the recommended

    # a credential that runs out the day before the shift: the reason says so, in the reader's language
    r = staff.post(f"/volunteers/{lacking.profile_id}/credentials", {"kind": "first_aid", "valid_until": (day - timedelta(days=1)).isoformat()})
    assert r.status_code == 201
    page = text(client.get("/volunteering", headers={"Accept-Language": "fi"}))
    assert "Todistuksesi vanhenee ennen tätä vuoroa: ensiapukortti" in page.split('id="blocked-title"')[1]

    holder_client = app.test_client()
    sign_in_without_form(app, holder_client, holder.user_id)
    page = text(holder_client.get("/volunteering"))
    assert 'id="blocked-title"' not in page and f"/volunteering/shifts/{s}/signup" in page

    # the organiser: the holder is a candidate (invitable); the other apart, not invitable, with only the reason
    org = app.test_client()
    sign_in_without_form(app, org, world.organiser.user_id)
    page = text(org.get(f"/shifts/{s}/candidates"))
    ranked, apart = page.split('id="blocked-title"')
    assert "Hilla Holder" in ranked and "Lauri Lacking" not in ranked
    assert "Lauri Lacking" in apart and "First-aid certificate expires before this shift" in apart
    assert 'name="volunteer_id"' not in apart and (day - timedelta(days=1)).isoformat() not in apart
    page = text(org.get(f"/shifts/{s}/candidates", headers={"Accept-Language": "sv"}))
    assert "Lauri Lacking" in page.split('id="blocked-title"')[1]


def test_the_services_pool_path_for_those_lacking_a_credential_equals_the_rules(monkeypatch):
    """More than POOL_THRESHOLD volunteers: the cached pool plus the people changed since (a renewed
    credential, a new one lacking it) and minus those removed rank as the rules rank the current list."""
    from dataclasses import replace
    from datetime import date, datetime
    from zoneinfo import ZoneInfo

    from volunteers import matching, rules
    from volunteers.services import candidates
    from volunteers.services.facts import POOL_CACHE, VolunteerSet

    tz = ZoneInfo("Europe/Helsinki")
    day = date(2027, 3, 2)
    start = datetime(2027, 3, 2, 18, tzinfo=tz)
    base = [rules.VolunteerFacts(id=i, availability=(rules.Window(1, 17 * 60, 21 * 60),), recent_shifts=i % 4,
                                 credentials=(("first_aid", day - timedelta(days=i % 2)),) if i % 3 else ())
            for i in range(1, matching.POOL_THRESHOLD + 30)]
    changed = {3: replace(base[2], credentials=(("first_aid", day),)),  # renewed: no longer lacking
               5: replace(base[4], credentials=()),  # removed by staff: now lacking
               10**6: rules.VolunteerFacts(id=10**6, availability=(rules.Window(1, 17 * 60, 21 * 60),))}
    vs = VolunteerSet(base=base, changed=changed, removed={2})
    s = rules.ShiftFacts(id=1, start=start, end=start + timedelta(hours=2), district="Kallio", requires=frozenset({"first_aid"}))
    monkeypatch.setitem(POOL_CACHE, "matcher", None)
    for limit in (10, 500):
        got = candidates._rank_candidates(s, vs, tz, day, limit, blocked=True)
        want = rules.rank_blocked_candidates(s, vs.facts, tz, day, limit)
        assert [(m.volunteer_id, m.score) for m in got] == [(m.volunteer_id, m.score) for m in want]
    ids = {m.volunteer_id for m in got}
    assert 10**6 in ids and 5 in ids and 3 not in ids and 2 not in ids
