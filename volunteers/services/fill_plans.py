"""Fill plans: the best assignment of volunteers to the open places of shifts an organiser
organises (volunteers.planning.fill_plan), and applying one as invitations, each re-checked."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from sqlalchemy import and_, select

from commons.db import same_district, utcnow, write_transaction
from commons.codes import Said
from commons.errors import Forbidden, Invalid
from commons.extensions import db
from commons.models import User
from commons.timezone import site_tz
from spaces.services import check_period, to_utc
from volunteers import planning, rules, schemas
from volunteers.models import Activity, Shift, ShiftSignup, VolunteerProfile
from volunteers.planning import Plan
from volunteers.rules import Match
from volunteers.services.candidates import is_candidate, open_views
from volunteers.services.common import LISTED, ShiftView, get_activity, local_today, parse, shift_views
from volunteers.services.facts import all_volunteer_facts, current_names, organisers_ages_on, shift_facts
from volunteers.services.organisers import can_organise, organised_ids
from volunteers.services.signups import write_invitation

PLAN_PERIOD = timedelta(days=62)  # a district's plan covers at most this much time


@dataclass
class Refused:
    shift_id: int
    volunteer_id: int
    # A code that says nothing personal about the volunteer: not_organiser, cancelled, past, already
    # (on the shift or invited to it already), removed (taken off it by its organisers), full (its
    # places are taken or have invitations out), not_eligible (no such volunteer, paused, or not a
    # candidate for this shift: which rule, and any age, hours or times, is never said).
    reason: str
    said: Said  # the refusal as the organiser reads it (words in volunteers.messages)

    @property
    def message(self) -> str:
        """In English (the API)."""
        return self.said.english()


@dataclass
class ApplyResult:
    applied: list[tuple[int, int]] = field(default_factory=list)  # invitations sent: (shift_id, volunteer_id)
    refused: list[Refused] = field(default_factory=list)


def _plan_views(actor: User, d: schemas.FillPlanIn, now: datetime) -> list[ShiftView]:
    tz = site_tz()
    if d.shift_ids:
        views = open_views(now, ids=list(d.shift_ids))
        found = {v.shift.id for v in views}
        missing = [i for i in d.shift_ids if i not in found]
        if missing:
            params = {"shift_ids": missing[:10]}
            raise Invalid(reason="plan_shifts_not_open", params=params, fields={"shift_ids": Said("plan_shifts_not_open", params)})
    elif d.activity_id is not None:
        get_activity(d.activity_id)
        views = open_views(now, ids=None, where=Shift.activity_id == d.activity_id)
    else:
        lo, hi = to_utc(d.from_, tz, "from"), to_utc(d.to, tz, "to")
        check_period(lo, hi, PLAN_PERIOD)
        views = open_views(now, ids=None, where=and_(same_district(Activity.district, d.district), Shift.start_at >= lo, Shift.start_at < hi))
    allowed: dict[int, bool] = {}
    out = []
    for v in views:
        if v.activity.id not in allowed:
            allowed[v.activity.id] = can_organise(actor, v.activity)
        if allowed[v.activity.id]:
            out.append(v)
    if (d.shift_ids or d.activity_id is not None) and len(out) < len(views):
        raise Forbidden(reason="not_organiser")
    return out[:500]


def on_shifts(shift_ids: list[int]) -> tuple[set[tuple[int, int]], dict[int, int]]:
    """(shift, volunteer) pairs of people on these shifts in any way (listed, withdrawn or declined,
    taken off), and the open invitations per shift."""
    on: set[tuple[int, int]] = set()
    invited: dict[int, int] = defaultdict(int)
    if shift_ids:
        for sid, vid, status in db.session.execute(
            select(ShiftSignup.shift_id, ShiftSignup.volunteer_id, ShiftSignup.status).where(
                ShiftSignup.shift_id.in_(shift_ids), ShiftSignup.volunteer_id.is_not(None),
                ShiftSignup.status.in_(LISTED + ("withdrawn", "removed")))
        ):
            on.add((sid, vid))
            if status == "invited":
                invited[sid] += 1
    return on, invited


def propose_fill_plan(actor: User, data, now: datetime | None = None) -> tuple[Plan, dict[int, str], dict[tuple[int, int], Match]]:
    """schemas.FillPlanIn or dict {shift_ids | activity_id | district + from + to}: the best assignment
    of volunteers to the open places of those shifts (only shifts the actor organises). A place with
    an invitation out is not open; people already on a shift (invited included), who left it or
    declined it, or were taken off it are not planned for it. Nothing is written. Returns (plan, {volunteer_id: name},
    {(shift_id, volunteer_id): match}), the matches as rules.organiser_view (ages on
    organisers_ages_on) and the plan's total their sum."""
    now = now or utcnow()
    d = parse(schemas.FillPlanIn, data)
    views = _plan_views(actor, d, now)
    on, invited = on_shifts([v.shift.id for v in views])
    views = [v for v in views if v.confirmed + invited[v.shift.id] < v.shift.needed]
    if not views:
        return Plan(), {}, {}
    facts = all_volunteer_facts(now).facts
    tz = site_tz()
    today, ages_on = local_today(now, tz), organisers_ages_on(now, tz)
    sfs = [replace(shift_facts(v), taken=v.confirmed + invited[v.shift.id]) for v in views]
    plan = planning.fill_plan(sfs, facts, tz, today, ages_on=ages_on, exclude=frozenset(on))
    by_shift = {sf.id: sf for sf in sfs}
    by_vol = {f.id: f for f in facts}
    matches = {(s, v): rules.organiser_view(rules.match(by_vol[v], by_shift[s], tz, today, ages_on)) for s, v in plan.assignments}
    plan.total_score = float(sum(m.score for m in matches.values()))
    names = current_names(v for _, v in plan.assignments)
    return plan, {v: names.get(v, "") for _, v in plan.assignments}, matches


@write_transaction
def apply_fill_plan(actor: User, assignments, now: datetime | None = None) -> ApplyResult:
    """[(shift_id, volunteer_id)] or [{shift_id, volunteer_id}]: each becomes an invitation (as
    `invite`: status invited, no place held, no hours used, an e-mail), in one transaction. Nobody is
    given a place: the volunteer takes it by accepting (signing up, with every check of a sign-up),
    or declines. Each is re-checked: a shift the actor organises, open and not started; the person
    not on it already; a place left that is neither taken nor invited for; the person one of the
    shift's candidates (is_candidate). Refused ones are listed back with a reason that says nothing
    personal (Refused). Shift rows are locked in id order."""
    now = now or utcnow()
    pairs = []
    for a in assignments:
        if isinstance(a, dict):
            a = parse(schemas.AssignmentIn, a)
        pairs.append((a.shift_id, a.volunteer_id) if not isinstance(a, tuple) else a)
    result = ApplyResult()
    pairs = sorted(set(pairs))
    shift_ids = sorted({s for s, _ in pairs})
    locked = {sh.id: sh for sh in db.session.execute(
        select(Shift).where(Shift.id.in_(shift_ids)).order_by(Shift.id).with_for_update()
    ).scalars()} if shift_ids else {}
    activities = {a.id: a for a in db.session.execute(
        select(Activity).where(Activity.id.in_({sh.activity_id for sh in locked.values()}))
    ).scalars()} if locked else {}
    organised = organised_ids(actor, list(activities.values()))
    checked: dict[int, Shift | None] = {sid: (sh if sh.activity_id in organised else None) for sid, sh in locked.items()}
    views = {v.shift.id: v for v in shift_views([sh for sh in checked.values() if sh is not None])}
    _, invited = on_shifts(list(views))
    for shift_id, volunteer_id in pairs:
        shift = checked.get(shift_id)
        if shift is None:
            result.refused.append(Refused(shift_id, volunteer_id, "not_organiser", Said("not_organiser")))
            continue
        if shift.status != "open" or shift.start_at <= now:
            gone = Said("cancelled") if shift.status != "open" else Said("past")
            result.refused.append(Refused(shift_id, volunteer_id, gone.code, gone))
            continue
        # Someone already on the shift is "already" even when it is full (a plan applied twice), not
        # "full", which would send the organiser looking for another place for them.
        su = db.session.execute(
            select(ShiftSignup).where(ShiftSignup.shift_id == shift.id, ShiftSignup.volunteer_id == volunteer_id)
        ).scalar_one_or_none()
        if su is not None and su.status in LISTED:
            result.refused.append(Refused(shift_id, volunteer_id, "already", Said("plan_already")))
            continue
        if su is not None and su.status == "removed":
            result.refused.append(Refused(shift_id, volunteer_id, "removed", Said("plan_removed")))
            continue
        view = views[shift_id]
        if view.confirmed + invited[shift_id] >= shift.needed:
            result.refused.append(Refused(shift_id, volunteer_id, "full", Said("plan_full")))
            continue
        profile = db.session.get(VolunteerProfile, volunteer_id)
        if not is_candidate(profile, view, now):
            result.refused.append(Refused(shift_id, volunteer_id, "not_eligible", Said("plan_not_eligible")))
            continue
        write_invitation(actor, shift, activities[shift.activity_id], profile, su, now)
        invited[shift_id] += 1
        result.applied.append((shift_id, volunteer_id))
    return result
