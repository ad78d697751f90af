"""Fixtures for the volunteers tests: an organiser with an activity, volunteers with profiles,
shifts on coming Tuesdays (Helsinki time)."""
from __future__ import annotations

from datetime import timedelta

import pytest

from tests.conftest import local, next_weekday

PROFILE = {
    "skills": ["cooking", "first_aid"],
    "tags": ["chess"],
    "languages": ["fi", "sv"],
    "districts": ["Kallio"],
    "availability": [{"weekday": 1, "start": "17:00", "end": "21:00"}, {"weekday": 5, "start": "10:00", "end": "16:00"}],
    "max_hours_per_week": 6,
}


def tuesday(weeks_ahead: int = 1):
    return next_weekday(1, weeks_ahead)


@pytest.fixture
def world(make_user, make_group, make_facility):
    """An organiser (representative of a group in Kallio) and helpers to make activities, shifts and volunteers."""
    group = make_group(district="Kallio")
    facility = make_facility(district="Kallio")
    organiser = make_user("member", groups=[group], name="Olga Organiser")

    class World:
        pass

    w = World()
    w.group, w.facility, w.organiser = group, facility, organiser

    def activity(title="Language café", **extra):
        body = {"group_id": group, "title": title, "description": "Talk Finnish and Swedish", "district": "Kallio"}
        body.update(extra)
        r = organiser.post("/activities", body)
        assert r.status_code == 201, r.get_json()
        return r.get_json()["id"]

    def shift(activity_id, day=None, start="18:00", end="20:00", needed=1, **extra):
        day = day or tuesday()
        body = {"start": local(day, start), "end": local(day, end), "needed": needed}
        body.update(extra)
        r = organiser.post(f"/activities/{activity_id}/shifts", body)
        assert r.status_code == 201, r.get_json()
        return r.get_json()["id"]

    def volunteer(name=None, **profile):
        api = make_user("volunteer", name=name)
        body = dict(PROFILE)
        body.update(profile)
        r = api.client.put("/api/v1/volunteers/me", json=body, headers=api._headers())
        assert r.status_code == 200, r.get_json()
        api.profile_id = r.get_json()["id"]
        return api

    w.activity, w.shift, w.volunteer = activity, shift, volunteer
    return w


def put(api, path, body):
    return api.client.put("/api/v1" + path, json=body, headers=api._headers())
