"""No English left on the volunteering pages in Finnish and Swedish, their error states included
(the profile, activity, shift and attendance forms sent wrong, a refused sign-up, the 403 of an
organiser page), with the reasons of a match and the skill and language names in the page's language.
The pages themselves are in tests/support/page_inventory.py, which tests/i18n/test_no_english_left.py walks too."""
from __future__ import annotations

import pytest

from tests.support.page_inventory import ROLES, seed_world
from tests.i18n.test_no_english_left import english_on, signed_in


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
    yield "signed up", vol.post(f"/volunteering/shifts/{w['taken_shift']}/withdraw", data={"next": "/volunteering/shifts"},
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
