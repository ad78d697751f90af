"""No English left on the volunteering pages in Finnish and Swedish, their error states included
(the profile, activity, shift and attendance forms sent wrong, a refused sign-up, the 403 of an
organiser page), with the reasons of a match and the skill and language names in the page's language.
The pages themselves are in tests/support/page_inventory.py, which tests/i18n/test_no_english_left.py walks too."""
from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from tests.conftest import HELSINKI, local
from tests.i18n.test_no_english_left import english_on, signed_in
from tests.support.page_inventory import ROLES, seed_world


@pytest.fixture
def w(make_facility, make_space, make_group, make_user):
    return seed_world(make_facility, make_space, make_group, make_user)


def states(clients, w):
    vol, rep = clients["volunteer"], clients["member"]
    a, s = w["activity"], w["shift"]
    yield "profile errors", vol.post("/volunteering/profile", data={
        "skills": ["cooking"], "availability-0-weekday": "1", "availability-0-start": "18:00", "availability-0-end": "17:00",
        "availability-1-start": "10:00", "max_hours_per_week": "-1", "date_of_birth": "x", "tags": "x" * 600})
    yield "profile minor", vol.post("/volunteering/profile", data={"max_hours_per_week": "3", "date_of_birth": "2015-01-01"},
                                    follow_redirects=True)
    yield "profile minor errors", vol.post("/volunteering/profile", data={"max_hours_per_week": "3", "date_of_birth": "2015-01-01",
                                                                          "guardian_consent": "y"})
    yield "refused sign-up", vol.post(f"/volunteering/shifts/{s}/signup", data={"next": "/volunteering"}, follow_redirects=True)
    yield "withdraw asks first", vol.post(f"/volunteering/shifts/{w['taken_shift']}/withdraw", data={"next": "/volunteering/shifts"})
    yield "signed up", vol.post(f"/volunteering/shifts/{w['taken_shift']}/withdraw", data={"next": "/volunteering/shifts", "confirm": "yes"},
                                follow_redirects=True)
    yield "403 candidates", vol.get(f"/shifts/{s}/candidates")
    yield "activity errors", rep.post("/activities/new", data={"organiser": f"group:{w['group']}", "title": "", "district": ""})
    yield "shift errors", rep.post(f"/activities/{a}/shifts/new", data={"date": "x", "start": "19:00", "end": "18:00",
                                                                         "needed": "0", "min_age": "200"})
    yield "shift outside the booking", rep.post(f"/activities/{a}/shifts/new", data={
        "date": w["day"].isoformat(), "start": "06:00", "end": "07:00", "needed": "1"})
    yield "invited", rep.post(f"/shifts/{s}/invite", data={"volunteer_id": str(w["volunteer"].user_id)}, follow_redirects=True)
    yield "fill plan", rep.get(f"/activities/{a}/fill-plan")
    yield "cancel shift", rep.get(f"/shifts/{s}/cancel")
    yield "anonymous activity", clients["anon"].get(f"/activities/{a}")


@pytest.mark.parametrize("lang", ["fi", "sv"])
def test_no_english_on_the_volunteering_pages_and_their_errors(app, w, lang):
    clients = {role: signed_in(app, lang, email) for role, email in ROLES.items()}
    seen, problems = english_on(states(clients, w), lang)
    assert seen >= 12
    assert not problems, f"English left on {lang} pages: {problems}"


# --- Each kind of refusal, said in the page's language --------------------------------------------------


def _profile(api, **body):
    """A volunteer profile through the API (free on Tuesday evenings in Kallio unless told otherwise)."""
    body = {"languages": ["fi", "sv"], "districts": ["Kallio"], "max_hours_per_week": 6,
            "availability": [{"weekday": 1, "start": "17:00", "end": "21:00"}], **body}
    r = api.client.put("/api/v1/volunteers/me", json=body, headers={"Authorization": f"Bearer {api.token}"})
    assert r.status_code == 200, r.get_json()
    return r.get_json()["id"]


def said_on_page(app, response, lang: str, code: str, params: dict | None = None) -> list[str]:
    """What is wrong with a refusal on a page: its words in `lang` missing, or English (its own or any other) left."""
    import html

    from flask_babel import force_locale

    from commons.codes import english, say
    from tests.i18n.test_no_english_left import english_left

    body = response.get_data(as_text=True)
    assert f'<html lang="{lang}">' in body, code
    with app.test_request_context("/"), force_locale(lang):
        words = say(code, params)
    problems = [] if words in html.unescape(body) else [f"{code}: not said ({words!r})"]
    return problems + [f"{code}: {x}" for x in english_left(body, lang, also=[english(code, params)])]


@pytest.mark.parametrize("lang", ["fi", "sv"])
def test_each_refusal_is_said_in_the_page_language(app, w, make_user, lang):
    """The services' refusals (codes, words in volunteers.messages) on the volunteers' and the
    organisers' pages: each page says the code's words in its language, and no English (its English
    words included, which no catalogue lists for a page)."""
    rep, day, a, s = w["rep"], w["day"], w["activity"], w["shift"]
    vol_page, rep_page = signed_in(app, lang, ROLES["volunteer"]), signed_in(app, lang, ROLES["member"])

    def shift(start, end, **body):
        r = rep.post(f"/activities/{a}/shifts", {"start": local(day, start), "end": local(day, end), "needed": 2, **body})
        assert r.status_code == 201, r.get_json()
        return r.get_json()["id"]

    def person(name, **profile):
        api = make_user(role="volunteer", name=name, email=f"{name.lower()}@example.fi")
        return api, _profile(api, **profile), signed_in(app, lang, api.email)

    problems = []

    def check(response, code, params=None, status=200):
        assert response.status_code == status, (code, response.status_code)
        problems.extend(said_on_page(app, response, lang, code, params))

    def sign_up(page, shift_id):
        return page.post(f"/volunteering/shifts/{shift_id}/signup", data={"next": "/volunteering/shifts"}, follow_redirects=True)

    # The volunteer's sign-ups: another shift at the time, a minimum age without a date of birth, cancelled.
    check(sign_up(vol_page, shift("19:00", "20:00")), "overlap")
    aged = shift("18:00", "19:00", min_age=16)
    check(sign_up(vol_page, aged), "needs_birth_date", {"min_age": 16})
    gone = shift("18:00", "19:00")
    assert rep.post(f"/shifts/{gone}/cancel").status_code == 200
    check(sign_up(vol_page, gone), "cancelled")
    # Too young, under 18 without a guardian's consent, past the weekly hours, a profile on a break.
    _, _, teen = person("Teini", date_of_birth=date(day.year - 15, 1, 1).isoformat(), guardian_name="Huoltaja",
                        guardian_contact="040 1", guardian_consent=True)
    check(sign_up(teen, aged), "too_young", {"min_age": 16})
    _, _, minor = person("Nuori", date_of_birth=date(day.year - 16, 1, 1).isoformat())
    check(sign_up(minor, s), "needs_consent")
    _, _, busy = person("Kiireinen", max_hours_per_week=0.5)
    check(sign_up(busy, s), "over_hours", {"max_minutes": 30})
    _, _, resting = person("Tauolla", active=False)
    check(sign_up(resting, s), "inactive_profile")
    # Taken off a shift, then signing up again; withdrawing from a shift one is not on.
    out_api, out_id, out = person("Poistettu")
    assert out_api.post(f"/shifts/{s}/signup").status_code == 200
    signup_id = next(x["id"] for x in rep.get(f"/shifts/{s}/signups").get_json() if x["volunteer_id"] == out_id)
    assert rep.post(f"/signups/{signup_id}/remove").status_code == 200
    check(sign_up(out, s), "removed")
    check(out.post(f"/volunteering/shifts/{s}/withdraw", data={"next": "/volunteering/shifts"}, follow_redirects=True),
          "not_signed_up")
    # A profile whose free times of one day overlap: said on the row.
    r = vol_page.post("/volunteering/profile", data={
        "skills": ["cooking"], "languages": ["fi"], "max_hours_per_week": "4",
        "availability-0-weekday": "2", "availability-0-start": "17:00", "availability-0-end": "20:00",
        "availability-1-weekday": "2", "availability-1-start": "19:00", "availability-1-end": "21:00"})
    check(r, "availability_overlap", {"weekday": 2}, status=422)

    # The organiser: taking someone off twice, inviting a non-candidate, a shift in the past, the age limit
    # fixed once someone is on the shift, a fill plan applied twice, a shift that is not there.
    check(rep_page.post(f"/signups/{signup_id}/remove", data={}, follow_redirects=True), "not_signed_up", {"organiser": True})
    check(rep_page.post(f"/shifts/{s}/invite", data={"volunteer_id": "999999"}, follow_redirects=True), "not_eligible")
    yesterday = datetime.now(HELSINKI).date() - timedelta(days=1)
    r = rep_page.post(f"/activities/{a}/shifts/new", data={"date": yesterday.isoformat(), "start": "18:00", "end": "19:00",
                                                            "needed": "1"})
    check(r, "shift_start_past", status=422)
    adult_api, _, _ = person("Aikuinen", date_of_birth="1990-01-01")
    on_aged = shift("18:00", "19:00", min_age=18)
    assert adult_api.post(f"/shifts/{on_aged}/signup").get_json()["status"] == "confirmed"
    r = rep_page.post(f"/shifts/{on_aged}/edit", data={"date": day.isoformat(), "start": "18:00", "end": "19:00",
                                                        "needed": "2", "min_age": "20"})
    check(r, "age_rule_fixed", status=422)
    vid = w["volunteer"].get("/volunteers/me").get_json()["id"]
    plan_shift = shift("18:00", "19:00", languages=["sv"])
    assert rep.post(f"/shifts/{plan_shift}/invite", {"volunteer_id": vid}).status_code == 200
    r = rep_page.post(f"/activities/{a}/fill-plan", data={"assignments": f"{plan_shift}:{vid}"})
    check(r, "plan_already", status=409)
    check(rep_page.get("/shifts/999999/candidates"), "shift_not_found", {"shift_id": 999999}, status=404)
    assert not problems, problems
