"""Seasonal rounds through the API: a round from creation to published series, the refusals, the
fairness with its reasons, the same answer twice, hand-made allocations, publishing past a closure."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from commons.extensions import db
from rounds.models import Round
from tests.conftest import HELSINKI, next_weekday


def _season():
    start = next_weekday(0, weeks_ahead=2)  # a Monday at least two weeks ahead
    return start, start + timedelta(weeks=10) - timedelta(days=1)


@pytest.fixture
def world(make_facility, make_space, make_group, make_user):
    f = make_facility()
    # Tuesdays and Thursdays 16-21: a scarce hall (one 2-hour slot a weekday, with the buffer)
    hall = make_space(facility_id=f, name="Hall A", hours={1: [("16:00", "21:00")], 3: [("16:00", "21:00")]}, buffer_minutes=30,
                      max_minutes=180, horizon_days=30)
    room = make_space(facility_id=f, name="Room B", hours={d: [("08:00", "22:00")] for d in range(7)})
    staff = make_user("staff", facilities=[f])
    groups = [make_group(name=n) for n in ("Choir", "Scouts", "Chess club")]
    reps = [make_user("member", groups=[g]) for g in groups]
    return {"facility": f, "hall": hall, "room": room, "staff": staff, "groups": groups, "reps": reps}


def _round(world, classes=None, **more):
    start, end = _season()
    now = datetime.now(timezone.utc)
    body = {"name": "Syyskausi", "space_ids": [world["hall"], world["room"]], "season_start": start.isoformat(),
            "season_end": end.isoformat(), "applications_open": (now - timedelta(hours=1)).isoformat(),
            "applications_close": (now + timedelta(hours=1)).isoformat(), **more}
    if classes:
        body["priority_classes"] = classes
    res = world["staff"].post("/rounds", body)
    assert res.status_code == 201, res.get_json()
    assert res.get_json()["status"] == "open"
    return res.get_json()["id"]


def _close(app, round_id):
    with app.app_context():
        r = db.session.get(Round, round_id)
        r.applications_close = datetime.now(timezone.utc) - timedelta(minutes=1)
        r.applications_open = datetime.now(timezone.utc) - timedelta(hours=2)
        db.session.commit()


def _wish(space_ids, windows, minutes=120, slots=1):
    return {"slots_per_week": slots, "minutes": minutes, "space_ids": space_ids,
            "windows": [{"weekday": d, "start": s, "end": e} for d, s, e in windows]}


def _apply(world, i, wishes, **more):
    body = {"group_id": world["groups"][i], "purpose": "music", "age_groups": ["adults_30_64"], "attendees": 20, "wishes": wishes, **more}
    res = world["reps"][i].post(f"/rounds/{more.get('round_id', world['round'])}/applications", {k: v for k, v in body.items() if k != "round_id"})
    assert res.status_code == 201, res.get_json()
    return res.get_json()["id"]


def test_a_round_from_opening_to_published_series(app, world, anon, make_user, make_group, make_space):
    world["round"] = rid = _round(world)
    assert anon.get(f"/rounds/{rid}").get_json()["status"] == "open"
    assert {p["code"] for p in anon.get("/purposes").get_json()} >= {"sports", "music"}
    hall, room = world["hall"], world["room"]
    # Three groups want Tuesday evening in the hall; the choir would also take Thursday.
    choir = _apply(world, 0, [_wish([hall], [(1, "17:00", "21:00"), (3, "17:00", "21:00")], slots=2)])
    scouts = _apply(world, 1, [_wish([hall], [(1, "17:00", "21:00")])], age_groups=["children_7_12"])
    chess = _apply(world, 2, [_wish([hall], [(1, "17:00", "21:00")])])
    # Before the close: no allocation; another group's representative sees only their own application.
    assert world["staff"].post(f"/rounds/{rid}/allocate").status_code == 422
    assert [a["id"] for a in world["reps"][1].get(f"/rounds/{rid}/applications").get_json()] == [scouts]
    _close(app, rid)
    late = world["reps"][2].post(f"/rounds/{rid}/applications", {"group_id": world["groups"][2], "purpose": "music", "attendees": 3,
                                                              "wishes": [_wish([room], [(2, "10:00", "12:00")])]})
    assert late.status_code == 422 and late.get_json()["error"]["code"] == "closed"

    first = world["staff"].post(f"/rounds/{rid}/allocate")
    assert first.status_code == 200, first.get_json()
    out = first.get_json()
    assert out["optimal"] is True
    # Tuesday has room for one: the fairness rule gives it to a group that has nothing else; the choir gets Thursday.
    by_app = {}
    for x in out["allocations"]:
        by_app.setdefault(x["application_id"], []).append((x["weekday"], x["start"], x["end"]))
    assert by_app[choir] == [(3, "17:00", "19:00")] or by_app[choir] == [(3, "19:00", "21:00")]
    assert by_app[scouts] == [(1, "17:00", "19:00")] and chess not in by_app  # children early in the evening
    # children early in the evening: the scouts (7-12) get the Tuesday slot at 17:00... or the chess club, by size/tie-break
    reasons = {u["application_id"]: u for u in out["unallocated"]}
    assert reasons[choir]["code"] == "partly_met"
    loser = chess if scouts in by_app else scouts
    assert reasons[loser]["code"] == "lost_fairness"
    assert "fairness" in reasons[loser]["reason"]
    # The same input, the same answer.
    again = world["staff"].post(f"/rounds/{rid}/allocate").get_json()
    strip = lambda o: [(x["application_id"], x["space_id"], x["weekday"], x["start"]) for x in o["allocations"]]
    assert strip(again) == strip(out) and again["unallocated"] == out["unallocated"]

    # A closure on one Thursday of the season: that date is skipped when publishing.
    start, _ = _season()
    thursday = start + timedelta(days=3 + 14)
    closure = world["staff"].post(f"/spaces/{hall}/closures", {"start": f"{thursday}T00:00", "end": f"{thursday}T23:59", "reason": "Maintenance"})
    assert closure.status_code == 201, closure.get_json()
    published = world["staff"].post(f"/rounds/{rid}/publish")
    assert published.status_code == 200, published.get_json()
    series = published.get_json()["series"]
    assert len(series) == 2
    thursdays = [s for s in series if s["occurrences"] == 9]
    assert thursdays and thursdays[0]["skipped"][0]["code"] == "closed"
    assert all(s["booking_id"] for s in series)
    # The series carry the application's purpose and age groups (reports count hours by them).
    booked = world["staff"].get(f"/bookings/{series[0]['booking_id']}").get_json()
    assert booked["purpose"] == "music" and booked["age_groups"] in (["adults_30_64"], ["children_7_12"])
    assert anon.get(f"/rounds/{rid}").get_json()["status"] == "published"
    # The applicant sees its result, with reasons in words.
    mine = world["reps"][0].get(f"/rounds/{rid}/applications").get_json()[0]
    assert mine["result"]["allocated"][0]["booking_id"]
    assert mine["result"]["unallocated"][0]["code"] == "partly_met"
    # The allocated time is taken for everyone else.
    other = make_user("member", groups=[make_group(name="Latecomers")])
    tuesday = start + timedelta(days=1 + 7)
    slot = next(x for x in out["allocations"] if x["weekday"] == 1)
    taken = other.post("/bookings", {"space_id": hall, "group_id": other_group(app, other), "title": "Try",
                                     "start": f"{tuesday}T{slot['start']}", "end": f"{tuesday}T{slot['end']}"})
    assert taken.status_code == 409, taken.get_json()
    # Results by e-mail, one per representative, in their language.
    from commons.models import OutboxMessage

    with app.app_context():
        rows = db.session.query(OutboxMessage).filter(OutboxMessage.renderer == "rounds.result").all()
        assert len(rows) == 3
        from commons.mail import render_stored

        for row in rows:
            row.language = "fi"
            text = render_stored(row).text
            assert "Viikkovuorot" in text or "Toteutumatta jääneet toiveet" in text, text


def other_group(app, api):
    from commons.models import GroupMember

    with app.app_context():
        return db.session.query(GroupMember).filter_by(user_id=api.user_id).one().group_id


def test_priority_classes_strict_and_named_in_the_reason(app, world):
    classes = [{"code": "youth", "name": "Youth associations"}, {"code": "others", "name": "Other communities"}]
    world["round"] = rid = _round(world, classes=classes)
    hall = world["hall"]
    big = _apply(world, 0, [_wish([hall], [(1, "17:00", "21:00")])], priority_class="others", attendees=20)  # the most the hall holds: bigger, but the class comes first
    youth = _apply(world, 1, [_wish([hall], [(1, "17:00", "21:00")])], priority_class="youth", attendees=5)
    bad = world["reps"][2].post(f"/rounds/{rid}/applications", {"group_id": world["groups"][2], "purpose": "music", "attendees": 3,
                                                             "priority_class": "nope", "wishes": [_wish([hall], [(1, "17:00", "19:00")])]})
    assert bad.status_code == 422 and bad.get_json()["error"]["reason"] == "priority_class_unknown"
    _close(app, rid)
    out = world["staff"].post(f"/rounds/{rid}/allocate").get_json()
    assert [x["application_id"] for x in out["allocations"]] == [youth]
    (u,) = out["unallocated"]
    assert u["application_id"] == big and u["code"] == "lost_priority_class"
    assert "Youth associations" in u["reason"]
    # Staff move the lower class's group up: now it is one class each way round.
    assert world["staff"].patch(f"/rounds/{rid}/applications/{big}", {"priority_class": "youth"}).status_code == 200


def test_manual_allocations_locked_clash_and_kept(app, world):
    world["round"] = rid = _round(world)
    hall, room = world["hall"], world["room"]
    a = _apply(world, 0, [_wish([hall], [(1, "17:00", "21:00")])])
    b = _apply(world, 1, [_wish([hall], [(1, "17:00", "21:00")])])
    _close(app, rid)
    staff = world["staff"]
    made = staff.post(f"/rounds/{rid}/allocations", {"application_id": b, "wish": 0, "space_id": hall, "weekday": 1, "start": "18:00", "end": "20:00"})
    assert made.status_code == 201 and made.get_json()["locked"] is True
    clash = staff.post(f"/rounds/{rid}/allocations", {"application_id": a, "wish": 0, "space_id": hall, "weekday": 1, "start": "20:00", "end": "21:00"})
    assert clash.status_code == 409 and clash.get_json()["error"]["code"] == "conflict"  # within the 30-minute buffer
    closed = staff.post(f"/rounds/{rid}/allocations", {"application_id": a, "wish": 0, "space_id": hall, "weekday": 2, "start": "18:00", "end": "20:00"})
    assert closed.status_code == 422
    out = staff.post(f"/rounds/{rid}/allocate").get_json()
    assert [(x["application_id"], x["start"], x["locked"]) for x in out["allocations"]] == [(b, "18:00", True)]
    assert out["unallocated"][0]["code"] == "time_taken"
    assert staff.delete(f"/rounds/{rid}/allocations/{made.get_json()['id']}").status_code == 200
    out = staff.post(f"/rounds/{rid}/allocate").get_json()
    assert len(out["allocations"]) == 1
    # Others may not.
    assert world["reps"][0].post(f"/rounds/{rid}/allocate").status_code == 403
    assert world["reps"][0].delete(f"/rounds/{rid}/allocations/{out['allocations'][0]['id']}").status_code == 403


def test_applications_refused_cleanly(app, world, make_group, make_user, anon):
    world["round"] = rid = _round(world)
    hall = world["hall"]
    rep = world["reps"][0]
    g = world["groups"][0]
    for body in ({"group_id": g, "purpose": "juggling", "attendees": 1, "wishes": [_wish([hall], [(1, "17:00", "19:00")])]},
                 {"group_id": g, "purpose": "music", "attendees": 1, "wishes": []},
                 {"group_id": g, "purpose": "music", "attendees": 1, "wishes": [_wish([hall], [(1, "19:00", "17:00")])]},
                 {"group_id": g, "purpose": "music", "attendees": 1, "wishes": [_wish([hall], [(1, "17:00", "19:00")], slots=8)]},
                 {"group_id": g, "purpose": "music", "attendees": 1, "wishes": [_wish([999], [(1, "17:00", "19:00")])]},
                 {"group_id": g, "purpose": "music", "attendees": 1, "age_groups": ["toddlers"], "wishes": [_wish([hall], [(1, "17:00", "19:00")])]}):
        res = rep.post(f"/rounds/{rid}/applications", body)
        assert res.status_code == 422, (body, res.get_json())
    # someone else's group; an unverified group
    assert world["reps"][1].post(f"/rounds/{rid}/applications", {"group_id": g, "purpose": "music", "attendees": 1,
                                                              "wishes": [_wish([hall], [(1, "17:00", "19:00")])]}).status_code == 403
    ug = make_group(verified=False)
    urep = make_user("member", groups=[ug])
    assert urep.post(f"/rounds/{rid}/applications", {"group_id": ug, "purpose": "music", "attendees": 1,
                                                     "wishes": [_wish([hall], [(1, "17:00", "19:00")])]}).status_code == 403
    assert anon.post(f"/rounds/{rid}/applications", {}).status_code == 401
    # edit and withdraw while open
    aid = _apply(world, 0, [_wish([hall], [(1, "17:00", "19:00")])])
    body = {"group_id": g, "purpose": "sports", "attendees": 9, "wishes": [_wish([hall], [(3, "17:00", "19:00")])]}
    res = rep.client.put(f"/api/v1/rounds/{rid}/applications/{aid}", json=body, headers=rep._headers())
    assert res.status_code == 200 and res.get_json()["purpose"] == "sports"
    assert rep.delete(f"/rounds/{rid}/applications/{aid}").status_code == 200
    _close(app, rid)
    assert rep.client.put(f"/api/v1/rounds/{rid}/applications/{aid}", json=body, headers=rep._headers()).get_json()["error"]["code"] == "closed"
    # creating: only staff of all its spaces
    other_space_facility_staff = make_user("member")
    start, end = _season()
    res = other_space_facility_staff.post("/rounds", {"name": "X", "space_ids": [hall], "season_start": str(start), "season_end": str(end),
                                                      "applications_open": "2027-01-01T00:00", "applications_close": "2027-02-01T00:00"})
    assert res.status_code == 403
    assert anon.get("/rounds/99999").status_code == 404


def test_a_hall_and_its_half_share_time_in_the_allocation_and_by_hand(app, world, make_space):
    hall = world["hall"]
    half = make_space(facility_id=world["facility"], name="Hall A, north half", hours={1: [("16:00", "21:00")], 3: [("16:00", "21:00")]},
                      buffer_minutes=30, max_minutes=180, part_of=hall)
    world["round"] = rid = _round(world, space_ids=[hall, half])
    a = _apply(world, 0, [_wish([hall], [(1, "17:00", "21:00")])])
    b = _apply(world, 1, [_wish([half], [(1, "17:00", "21:00")])])
    _close(app, rid)
    staff = world["staff"]
    out = staff.post(f"/rounds/{rid}/allocate").get_json()
    # one 2-hour slot an evening for the hall and its half together (the buffer between): one group only
    assert len(out["allocations"]) == 1 and len(out["unallocated"]) == 1
    given = out["allocations"][0]
    loser = b if given["application_id"] == a else a
    other_space = half if given["space_id"] == hall else hall
    clash = staff.post(f"/rounds/{rid}/allocations", {"application_id": loser, "wish": 0, "space_id": other_space, "weekday": 1,
                                                      "start": given["start"], "end": given["end"]})
    assert clash.status_code == 409 and clash.get_json()["error"]["code"] == "conflict"
    assert clash.get_json()["error"]["conflicts"][0]["space_id"] == given["space_id"]
