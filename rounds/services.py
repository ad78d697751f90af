"""Use cases of the seasonal rounds: rounds, applications, the allocation (rounds.allocation, pure),
allocations by hand, and publishing through the ordinary booking path (spaces.services). The only
module of the package that commits: each public function that writes is one transaction, except
`publish`, which books each allocation in a transaction of its own (the series and the allocation
that made it together) and then marks the round published and tells the groups in one more.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from commons.auth import is_representative, is_staff_of
from commons.codes import english, say
from commons.db import utcnow, write_transaction
from commons.errors import ApiError, Conflict, Forbidden, Invalid, NotFound
from commons.extensions import db
from commons.models import Group, GroupMember, User
from commons.schemas import hhmm_to_minute, minute_to_hhmm
import rounds.messages  # noqa: F401  (the words of the codes said here)
from rounds import allocation as alloc
from rounds.models import Round, RoundAllocation, RoundApplication, RoundSpace
from rounds.schemas import AllocationIn, ApplicationIn, ApplicationPatch, RoundIn
from spaces import families, rules
from spaces import services as space_services
from spaces.models import Space
from spaces.schemas import BookingIn


# --- Rounds ------------------------------------------------------------------------------------------


def get_round(round_id: int) -> Round:
    r = db.session.execute(select(Round).where(Round.id == round_id).options(selectinload(Round.spaces))).scalar_one_or_none()
    if r is None:
        raise NotFound(reason="round_not_found", params={"round_id": round_id})
    return r


def list_rounds() -> list[Round]:
    return list(db.session.execute(select(Round).options(selectinload(Round.spaces)).order_by(Round.season_start.desc(), Round.id)).scalars())


def _spaces(space_ids: list[int]) -> list[Space]:
    found = {s.id: s for s in db.session.execute(select(Space).where(Space.id.in_(space_ids))).scalars()}
    for sid in space_ids:
        if sid not in found:
            raise NotFound(reason="space_not_found", params={"space_id": sid})
    return [found[s] for s in space_ids]


def is_round_staff(actor: User | None, r: Round) -> bool:
    """Admins, and staff of the facilities of all the round's spaces."""
    if actor is None:
        return False
    if actor.is_admin:
        return True
    facilities = {s.facility_id for s in _spaces(r.space_ids)}
    return bool(facilities) and all(is_staff_of(actor, f) for f in facilities)


def require_round_staff(actor: User, r: Round) -> None:
    if not is_round_staff(actor, r):
        raise Forbidden(reason="round_staff_only")


@write_transaction
def create_round(actor: User, data: RoundIn) -> Round:
    space_ids = list(dict.fromkeys(data.space_ids))
    facilities = {s.facility_id for s in _spaces(space_ids)}
    if not actor.is_admin and not all(is_staff_of(actor, f) for f in facilities):
        raise Forbidden(reason="round_staff_only")
    opens, closes = _aware(data.applications_open), _aware(data.applications_close)
    if closes <= opens:
        raise Invalid(reason="round_dates_order")
    r = Round(name=data.name, season_start=data.season_start, season_end=data.season_end, applications_open=opens,
              applications_close=closes, priority_classes=[{"code": c.code, "name": c.name} for c in data.priority_classes],
              daytime_classes=data.daytime_classes, unallocated=[])
    r.spaces = [RoundSpace(space_id=sid, position=i) for i, sid in enumerate(space_ids)]
    db.session.add(r)
    db.session.flush()
    return r


def _aware(value: datetime) -> datetime:
    from commons.timezone import site_tz

    return space_services.to_utc(value, site_tz(), "applications_open")


def class_names(r: Round) -> dict[str, str]:
    return {c["code"]: c["name"] for c in r.priority_classes or []}


# --- Applications ------------------------------------------------------------------------------------


def _check_application(r: Round, data: ApplicationIn) -> None:
    if data.priority_class is not None and r.priority_classes and data.priority_class not in class_names(r):
        raise Invalid(reason="priority_class_unknown", params={"priority_class": data.priority_class})
    for w in data.wishes:
        for sid in w.space_ids:
            if sid not in r.space_ids:
                raise Invalid(reason="round_space_unknown", params={"space_id": sid})


def _require_open(r: Round, now: datetime) -> None:
    if r.status_at(now) != "open":
        raise ApiError(status=422, code="closed", reason="round_not_open",
                       params={"opens": r.applications_open, "closes": r.applications_close})


def _wishes_json(data: ApplicationIn) -> list[dict]:
    return [{"slots_per_week": w.slots_per_week, "minutes": w.minutes,
             "windows": [{"weekday": x.weekday, "start": hhmm_to_minute(x.start), "end": hhmm_to_minute(x.end)} for x in w.windows],
             "space_ids": list(dict.fromkeys(w.space_ids))} for w in data.wishes]


@write_transaction
def apply(actor: User, round_id: int, data: ApplicationIn, now: datetime | None = None) -> RoundApplication:
    now = now or utcnow()
    r = get_round(round_id)
    group = db.session.get(Group, data.group_id)
    if group is None:
        raise NotFound(reason="group_not_found", params={"group_id": data.group_id})
    if not is_representative(actor, group.id):
        raise Forbidden(reason="round_representatives_only")
    if not group.verified:
        raise Forbidden(reason="round_verified_only")
    _require_open(r, now)
    _check_application(r, data)
    a = RoundApplication(round_id=r.id, group_id=group.id, priority_class=data.priority_class,
                         purpose=data.purpose, age_groups=list(data.age_groups), attendees=data.attendees,
                         wishes=_wishes_json(data), status="submitted")
    db.session.add(a)
    db.session.flush()
    return a


def get_application(round_id: int, application_id: int) -> RoundApplication:
    a = db.session.get(RoundApplication, application_id)
    if a is None or a.round_id != round_id:
        raise NotFound(reason="application_not_found", params={"application_id": application_id})
    return a


@write_transaction
def update_application(actor: User, round_id: int, application_id: int, data: ApplicationIn, now: datetime | None = None) -> RoundApplication:
    now = now or utcnow()
    r = get_round(round_id)
    a = get_application(round_id, application_id)
    if not is_representative(actor, a.group_id) or data.group_id != a.group_id:
        raise Forbidden(reason="round_representatives_only")
    _require_open(r, now)
    _check_application(r, data)
    a.priority_class, a.purpose, a.age_groups = data.priority_class, data.purpose, list(data.age_groups)
    a.attendees, a.wishes, a.status = data.attendees, _wishes_json(data), "submitted"
    return a


@write_transaction
def withdraw_application(actor: User, round_id: int, application_id: int, now: datetime | None = None) -> None:
    now = now or utcnow()
    r = get_round(round_id)
    a = get_application(round_id, application_id)
    if not is_representative(actor, a.group_id):
        raise Forbidden(reason="round_representatives_only")
    _require_open(r, now)
    a.status = "withdrawn"


@write_transaction
def set_priority_class(actor: User, round_id: int, application_id: int, data: ApplicationPatch) -> RoundApplication:
    r = _round_staff_may_change(actor, round_id)
    a = get_application(round_id, application_id)
    if data.priority_class is not None and data.priority_class not in class_names(r):
        raise Invalid(reason="priority_class_unknown", params={"priority_class": data.priority_class})
    a.priority_class = data.priority_class
    return a


def visible_applications(actor: User | None, r: Round) -> list[RoundApplication]:
    """Staff of the round: every application; a representative: their groups'; others: none."""
    if actor is None:
        return []
    q = select(RoundApplication).where(RoundApplication.round_id == r.id).options(selectinload(RoundApplication.group)).order_by(RoundApplication.id)
    if not is_round_staff(actor, r):
        mine = select(GroupMember.group_id).where(GroupMember.user_id == actor.id)
        q = q.where(RoundApplication.group_id.in_(mine))
    return list(db.session.execute(q).scalars())


def result_view(a: RoundApplication) -> dict | None:
    """The published result with each reason in the current language; None until published."""
    if a.result is None:
        return None
    return {
        "allocated": a.result.get("allocated", []),
        "unallocated": [{"wish": u["wish"], "code": u["code"], "params": u.get("params", {}), "reason": say(u["code"], u.get("params", {}))}
                        for u in a.result.get("unallocated", [])],
    }


# --- Allocation --------------------------------------------------------------------------------------


def season_dates(r: Round) -> list[date]:
    return [r.season_start + timedelta(days=i) for i in range((r.season_end - r.season_start).days + 1)]


def space_facts(r: Round) -> dict[int, alloc.SpaceFacts]:
    """The round's spaces as the allocation sees them: rules, opening hours, and what is already
    booked or closed on each date of the season (local minutes)."""
    spaces = {s.id: space_services.get_space(s.id) for s in _spaces(r.space_ids)}
    dates = season_dates(r)
    per_weekday = defaultdict(int)
    for d in dates:
        per_weekday[d.weekday()] += 1
    out: dict[int, alloc.SpaceFacts] = {}
    for sid, space in spaces.items():
        sr = space_services.space_rules(space)
        lo = rules.localize(datetime.combine(r.season_start, datetime.min.time()), sr.tz) or datetime.combine(r.season_start, datetime.min.time(), sr.tz)
        hi = rules.localize(datetime.combine(r.season_end + timedelta(days=1), datetime.min.time()), sr.tz) or lo
        booked, closures = space_services.load_busy([sid], lo, hi, margin=sr.buffer)
        taken: dict[int, list[tuple[int, int, int]]] = defaultdict(list)

        def add(start: datetime, end: datetime) -> None:
            day = start.astimezone(sr.tz).date()
            while True:
                s = max(rules.local_minutes(start, sr.tz, day), 0)
                e = min(rules.local_minutes(end, sr.tz, day), 1440)
                if s < e and r.season_start <= day <= r.season_end:
                    taken[day.weekday()].append((s, e, day.toordinal()))
                day += timedelta(days=1)
                if rules.local_minutes(end, sr.tz, day) <= 0 or day > r.season_end:
                    break

        for b in booked[sid]:
            add(b.start - sr.buffer, max(b.blocked_until, b.end + sr.buffer))
        for c in closures[sid]:
            add(c.start, c.end)
        out[sid] = alloc.SpaceFacts(sid, space.slot_minutes, space.min_minutes, space.max_minutes, space.buffer_minutes,
                                    sr.opening, space.facility.district, dict(taken), dict(per_weekday), space.capacity)
    return out


def _application_facts(a: RoundApplication) -> alloc.ApplicationFacts:
    wishes = tuple(alloc.WishFacts(i, w["slots_per_week"], w["minutes"],
                                   tuple(alloc.Window(x["weekday"], x["start"], x["end"]) for x in w["windows"]), tuple(w["space_ids"]))
                   for i, w in enumerate(a.wishes))
    return alloc.ApplicationFacts(a.id, a.group_id, a.priority_class, wishes, tuple(a.age_groups or ()), a.attendees, a.group.district)


def _allocations(round_id: int) -> list[RoundAllocation]:
    return list(db.session.execute(select(RoundAllocation).where(RoundAllocation.round_id == round_id).options(
        selectinload(RoundAllocation.application)).order_by(RoundAllocation.space_id, RoundAllocation.weekday, RoundAllocation.start_minute)).scalars())


def _submitted(round_id: int) -> list[RoundApplication]:
    return list(db.session.execute(select(RoundApplication).where(RoundApplication.round_id == round_id, RoundApplication.status == "submitted")
                                   .options(selectinload(RoundApplication.group)).order_by(RoundApplication.id)).scalars())


def _named_params(r: Round, code: str, params: dict) -> dict:
    """A refusal's params with class codes as the round's names of them."""
    names = class_names(r)
    if code == "lost_priority_class":
        return {**params, "other_class": names.get(params.get("other_class"), params.get("other_class", "")),
                "own_class": names.get(params.get("own_class"), params.get("own_class", ""))}
    return params


@dataclass
class AllocationRun:
    allocations: list[RoundAllocation]
    unallocated: list[dict]
    optimal: bool
    gap: float | None
    seconds: float


def _require_changeable(r: Round, now: datetime) -> None:
    if r.published_at is not None:
        raise ApiError(status=422, code="state", reason="round_published")
    if now < r.applications_close:
        raise ApiError(status=422, code="state", reason="round_not_closed", params={"closes": r.applications_close})


@write_transaction
def allocate(actor: User, round_id: int, now: datetime | None = None) -> AllocationRun:
    """A proposal: the allocation solved again around the locked allocations (the others are replaced)."""
    now = now or utcnow()
    r = get_round(round_id)
    require_round_staff(actor, r)
    _require_changeable(r, now)
    apps = _submitted(r.id)
    facts = space_facts(r)
    existing = _allocations(r.id)
    live = {a.id for a in apps}
    locked = [alloc.Slot(x.application_id, x.wish, x.space_id, x.weekday, x.start_minute, x.end_minute, True)
              for x in existing if x.locked and x.application_id in live]
    for x in existing:
        if not x.locked or x.application_id not in live:
            db.session.delete(x)
    classes = [c["code"] for c in r.priority_classes or []]
    limit = float(current_app.config.get("ROUND_ALLOCATION_TIME_LIMIT", 50))
    result = alloc.allocate([_application_facts(a) for a in apps], facts, classes, r.daytime_classes, locked, time_limit=limit,
                            shares=shared_time(r.space_ids))
    for s in result.slots:
        if not s.locked:
            db.session.add(RoundAllocation(round_id=r.id, application_id=s.application_id, wish=s.wish, space_id=s.space_id,
                                           weekday=s.weekday, start_minute=s.start, end_minute=s.end, locked=False))
    r.unallocated = [{"application_id": u.application_id, "wish": u.wish, "code": u.code, "params": _named_params(r, u.code, u.params)}
                     for u in result.unallocated]
    r.optimal, r.gap, r.allocated_at = result.optimal, result.gap, now
    db.session.flush()
    return AllocationRun(_allocations(r.id), r.unallocated, result.optimal, result.gap, result.seconds)


def round_allocations(actor: User, round_id: int) -> tuple[Round, list[RoundAllocation]]:
    r = get_round(round_id)
    require_round_staff(actor, r)
    return r, _allocations(r.id)


def shared_time(space_ids) -> list[tuple[int, int]]:
    """The pairs of these spaces that share time (one is part of the other, however deep)."""
    parent = space_services.parent_map()
    ids = sorted(set(space_ids))
    return [(a, b) for i, a in enumerate(ids) for b in ids[i + 1:] if families.shares_time(a, b, parent)]


def _check_slot(r: Round, data: AllocationIn, exclude: int | None = None) -> tuple[RoundApplication, int, int]:
    a = get_application(r.id, data.application_id)
    if data.wish >= len(a.wishes):
        raise Invalid(reason="wish_unknown", params={"wish": data.wish})
    if data.space_id not in r.space_ids:
        raise Invalid(reason="round_space_unknown", params={"space_id": data.space_id})
    start, end = hhmm_to_minute(data.start), hhmm_to_minute(data.end)
    space = space_services.get_space(data.space_id)
    facts = alloc.SpaceFacts(space.id, space.slot_minutes, space.min_minutes, space.max_minutes, space.buffer_minutes,
                             space_services.space_rules(space).opening)
    problem = alloc.slot_problem(facts, data.weekday, start, end) or (None if a.attendees <= space.capacity else "over_capacity")
    if problem:
        raise ApiError(status=422, code="rule", reason="allocation_rule", params={"rule": problem})
    others = _allocations(r.id)
    facts_of = {space.id: facts}
    for sid in {x.space_id for x in others} - {space.id}:
        o = space_services.get_space(sid)
        facts_of[sid] = alloc.SpaceFacts(o.id, o.slot_minutes, o.min_minutes, o.max_minutes, o.buffer_minutes)
    related = alloc.related_map(shared_time(facts_of))
    for x in others:
        if x.id != exclude and x.weekday == data.weekday and alloc.clashes(
                facts_of, related, data.space_id, (start, end), x.space_id, (x.start_minute, x.end_minute)):
            raise Conflict(reason="allocation_clash", params={"weekday": x.weekday, "start": x.start_minute, "end": x.end_minute},
                           conflicts=[{"allocation_id": x.id, "space_id": x.space_id, "weekday": x.weekday,
                                       "start": minute_to_hhmm(x.start_minute), "end": minute_to_hhmm(x.end_minute)}])
    return a, start, end


def round_allocation(round_id: int, allocation_id: int) -> RoundAllocation:
    x = db.session.get(RoundAllocation, allocation_id)
    if x is None or x.round_id != round_id:
        raise NotFound(reason="allocation_not_found", params={"allocation_id": allocation_id})
    return x


@write_transaction
def add_allocation(actor: User, round_id: int, data: AllocationIn, now: datetime | None = None) -> RoundAllocation:
    """A slot given by hand: locked (kept when the allocation runs again); 409 when it clashes."""
    now = now or utcnow()
    r = _round_staff_may_change(actor, round_id)
    a, start, end = _check_slot(r, data)
    x = RoundAllocation(round_id=r.id, application_id=a.id, wish=data.wish, space_id=data.space_id, weekday=data.weekday,
                        start_minute=start, end_minute=end, locked=True)
    db.session.add(x)
    db.session.flush()
    return x


def _round_staff_may_change(actor: User, round_id: int) -> Round:
    """The round, for its staff, while its allocations may still change (422 `round_published` after)."""
    r = get_round(round_id)
    require_round_staff(actor, r)
    if r.published_at is not None:
        raise ApiError(status=422, code="state", reason="round_published")
    return r


def _get_allocation(r: Round, allocation_id: int) -> RoundAllocation:
    x = db.session.get(RoundAllocation, allocation_id)
    if x is None or x.round_id != r.id:
        raise NotFound(reason="allocation_not_found", params={"allocation_id": allocation_id})
    return x


@write_transaction
def move_allocation(actor: User, round_id: int, allocation_id: int, data: AllocationIn) -> RoundAllocation:
    """Another space or time for an allocation: locked from then on; 409 when it clashes."""
    r = _round_staff_may_change(actor, round_id)
    x = _get_allocation(r, allocation_id)
    a, start, end = _check_slot(r, data, exclude=x.id)
    x.application_id, x.wish, x.space_id, x.weekday = a.id, data.wish, data.space_id, data.weekday
    x.start_minute, x.end_minute, x.locked = start, end, True
    return x


@write_transaction
def set_locked(actor: User, round_id: int, allocation_id: int, locked: bool) -> RoundAllocation:
    r = _round_staff_may_change(actor, round_id)
    x = _get_allocation(r, allocation_id)
    x.locked = locked
    return x


@write_transaction
def delete_allocation(actor: User, round_id: int, allocation_id: int) -> None:
    r = _round_staff_may_change(actor, round_id)
    db.session.delete(_get_allocation(r, allocation_id))


# --- Publishing --------------------------------------------------------------------------------------


@dataclass
class Published:
    allocation_id: int
    booking_id: int | None
    series_id: int | None
    occurrences: int
    skipped: list[dict]  # {start, end, code, params}


def _first_date(r: Round, weekday: int) -> date:
    return r.season_start + timedelta(days=(weekday - r.season_start.weekday()) % 7)


def _skipped(problems, tz) -> list[dict]:
    return [{"start": p.occurrence.start.astimezone(tz).isoformat(), "end": p.occurrence.end.astimezone(tz).isoformat(),
             "code": p.code, "params": p.params} for p in problems]


@write_transaction(lock_late=True)
def _publish_one(actor: User, allocation_id: int, data: BookingIn, now: datetime, horizon_days: int) -> Published:
    """One allocation as a weekly series through the ordinary booking path, and the allocation marked
    with it, in one transaction."""
    result = space_services.book_in_transaction(actor, data, now, horizon_days=horizon_days)
    x = db.session.get(RoundAllocation, allocation_id)
    first = result.booked[0][0] if result.booked else None
    skipped = _skipped(result.skipped, result.tz)
    x.series_id, x.first_booking_id = result.series_id, first
    x.published = {"occurrences": len(result.booked), "skipped": skipped}
    return Published(allocation_id, first, result.series_id, len(result.booked), skipped)


@write_transaction
def _publish_refused(allocation_id: int, err: ApiError) -> Published:
    x = db.session.get(RoundAllocation, allocation_id)
    problems = list(err.conflicts or []) + list(err.extra.get("violations", []))
    skipped = [{"start": c.get("start", ""), "end": c.get("end", ""), "code": c.get("code") or err.reason or err.code,
                "params": c.get("params", {})} for c in problems] or [
        {"start": "", "end": "", "code": "publish_refused", "params": {"refusal": err.reason or err.code, "params": err.params}}]
    x.published = {"occurrences": 0, "skipped": skipped}
    return Published(allocation_id, None, None, 0, skipped)


def publish(actor: User, round_id: int, now: datetime | None = None) -> list[Published]:
    """Each allocation as a confirmed weekly series for the season (dates on a closure or an existing
    booking are skipped and listed), then the round published and every group told its result."""
    now = now or utcnow()
    r = get_round(round_id)
    require_round_staff(actor, r)
    _require_changeable(r, now)
    horizon = max((r.season_end - now.date()).days + 2, 1)
    out: list[Published] = []
    todo = [(x.id, x.application_id, x.space_id, x.weekday, x.start_minute, x.end_minute, x.published, x.series_id, x.first_booking_id)
            for x in _allocations(r.id)]
    apps = {a.id: a for a in _submitted(r.id)}
    db.session.commit()  # end the read: each allocation books in a transaction of its own
    for xid, app_id, space_id, weekday, start, end, published, series_id, first_booking in todo:
        if published is not None:  # done by an earlier, interrupted publish
            out.append(Published(xid, first_booking, series_id, published.get("occurrences", 0), published.get("skipped", [])))
            continue
        a = apps.get(app_id)
        if a is None:
            continue
        day = _first_date(r, weekday)
        begin = datetime.combine(day, datetime.min.time()) + timedelta(minutes=start)
        data = BookingIn(space_id=space_id, group_id=a.group_id, title=r.name[:200], attendees=a.attendees,
                         start=begin, end=begin + timedelta(minutes=end - start),
                         rrule=f"FREQ=WEEKLY;UNTIL={r.season_end:%Y%m%d}", on_conflict="skip",
                         purpose=a.purpose, age_groups=list(a.age_groups or []))
        try:
            out.append(_publish_one(actor, xid, data, now, horizon))
        except ApiError as err:
            out.append(_publish_refused(xid, err))
    _finish_publish(actor, r.id, now)
    return out


@write_transaction
def _finish_publish(actor: User, round_id: int, now: datetime) -> None:
    from rounds import notices

    r = get_round(round_id)
    if r.published_at is not None:
        return
    r.published_at = now
    stored = {(u["application_id"], u["wish"]): u for u in r.unallocated or []}
    by_app: dict[int, list[RoundAllocation]] = defaultdict(list)
    for x in _allocations(r.id):
        by_app[x.application_id].append(x)
    for a in _submitted(r.id):
        mine = sorted(by_app.get(a.id, []), key=lambda x: (x.wish, x.weekday, x.start_minute))
        allocated = [{"wish": x.wish, "space_id": x.space_id, "weekday": x.weekday, "start": minute_to_hhmm(x.start_minute),
                      "end": minute_to_hhmm(x.end_minute), "booking_id": x.first_booking_id, "series_id": x.series_id,
                      "occurrences": (x.published or {}).get("occurrences", 0), "skipped": (x.published or {}).get("skipped", [])}
                     for x in mine]
        unallocated = []
        for i, w in enumerate(a.wishes):
            n = sum(1 for x in mine if x.wish == i)
            if n >= w["slots_per_week"]:
                continue
            u = stored.get((a.id, i))
            if u is not None and (n == 0) == (u["code"] != "partly_met"):
                unallocated.append({"wish": i, "code": u["code"], "params": u.get("params", {})})
            elif n:
                unallocated.append({"wish": i, "code": "partly_met", "params": {"allocated": n, "asked": w["slots_per_week"]}})
            else:
                unallocated.append({"wish": i, "code": "time_taken", "params": {}})
        a.result = {"allocated": allocated, "unallocated": unallocated}
        notices.result_published(r, a, now)


def english_reason(code: str, params: dict) -> str:
    return english(code, params)
