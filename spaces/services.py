"""Use cases for spaces, closures and bookings: each public function that writes is one
transaction (see commons.db.write_transaction). Rules live in spaces.rules; this module loads
what they need, asks them, and writes the result."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, exists, func, literal, or_, select, true, union_all, update
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from commons import audit
from commons.auth import is_representative, is_staff_of, member_group_ids, staff_facility_ids
from commons.db import advisory_lock, utcnow, write_transaction
from commons.codes import Said, english, jsonable
import spaces.messages  # noqa: F401  (the words of the codes said here)
from commons.errors import ApiError, Conflict, Forbidden, Invalid, NotFound, RuleViolation
from commons.extensions import db
from commons.models import Facility, FacilityStaff, Group, GroupMember, User
from commons.schemas import hhmm_to_minute
from commons.timezone import site_tz
from commons.services import get_facility, get_group, group_and_membership
from spaces import notices, rules
from spaces.models import ACTIVE_STATUSES, Booking, BookingSeries, Closure, OpeningHours, Space, SpaceFeature
from spaces.schemas import BookingIn, BookingQuery, SpaceIn, SpacePatch

# No booking is longer than a day (max_minutes <= 1440) and no buffer longer than 4 hours, so a
# booking that touches [lo, hi) starts after lo - LOOKBACK: this gives every overlap query a lower
# bound on start_at, which keeps it an index range scan however many bookings there are.
LOOKBACK = timedelta(minutes=1440 + 240)
MAX_WINDOW = timedelta(days=62)
MAX_CLOSURE = timedelta(days=400)
ADVISORY_SPACE = 1  # advisory lock namespace: bookings of one space


# --- Time at the edges ---------------------------------------------------------------------------


def to_utc(value: datetime, tz: ZoneInfo, field: str) -> datetime:
    """A request time: with an offset it is taken as given; without one it is wall-clock time in tz."""
    if value.tzinfo is not None:
        return value.astimezone(timezone.utc)
    aware = rules.localize(value, tz)
    if aware is None:
        params = {"local_time": value.replace(tzinfo=None).isoformat(timespec="minutes"), "zone": tz.key}
        raise Invalid(reason="nonexistent_time", params=params, fields={field: Said("nonexistent_time", params)})
    return aware.astimezone(timezone.utc)


def space_rules(space: Space) -> rules.SpaceRules:
    opening: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for oh in space.opening_hours:
        opening[oh.weekday].append((oh.opens_minute, oh.closes_minute))
    return rules.SpaceRules(
        tz=ZoneInfo(space.timezone),
        buffer_minutes=space.buffer_minutes,
        min_minutes=space.min_minutes,
        max_minutes=space.max_minutes,
        slot_minutes=space.slot_minutes,
        horizon_days=space.horizon_days,
        weekly_quota_minutes=space.weekly_quota_minutes,
        opening={k: sorted(v) for k, v in opening.items()},
    )


# --- Spaces --------------------------------------------------------------------------------------


_SPACE_FOR_BOOKING = (
    select(Space).where(Space.id == bindparam("space_id")).options(joinedload(Space.facility), joinedload(Space.opening_hours))
)


def space_for_booking(space_id: int) -> Space:
    """The space with its facility and opening hours (what a booking reads), in one query."""
    space = db.session.execute(_SPACE_FOR_BOOKING, {"space_id": space_id}).unique().scalar_one_or_none()
    if space is None:
        raise NotFound(reason="space_not_found", params={"space_id": space_id})
    return space


def get_space(space_id: int) -> Space:
    space = db.session.execute(
        select(Space)
        .where(Space.id == space_id)
        .options(joinedload(Space.facility), selectinload(Space.opening_hours), selectinload(Space.features))
    ).scalar_one_or_none()
    if space is None:
        raise NotFound(reason="space_not_found", params={"space_id": space_id})
    return space


def _require_staff(actor: User, facility_id: int) -> None:
    if not is_staff_of(actor, facility_id):
        raise Forbidden(reason="staff_only")


def _set_opening_hours(space: Space, hours) -> None:
    spans: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for h in hours:
        o, c = hhmm_to_minute(h.opens), hhmm_to_minute(h.closes)
        for po, pc in spans[h.weekday]:
            if o < pc and po < o + (c - o):
                params = {"weekday": h.weekday}
                raise Invalid(reason="opening_hours_overlap", params=params,
                              fields={"opening_hours": Said("opening_hours_overlap", params)})
        spans[h.weekday].append((o, c))
    space.opening_hours = [
        OpeningHours(weekday=d, opens_minute=o, closes_minute=c) for d, lst in sorted(spans.items()) for o, c in sorted(lst)
    ]


def _set_features(space: Space, accessibility: list[str] | None, equipment: list[str] | None) -> None:
    keep = [f for f in space.features if (f.kind == "accessibility" and accessibility is None) or (f.kind == "equipment" and equipment is None)]
    # rows that stay are reused: a new row beside a deleted one with the same code breaks the unique key
    existing = {(f.kind, f.code): f for f in space.features}
    wanted = [("accessibility", c) for c in sorted(set(accessibility or []))]
    wanted += [("equipment", c) for c in sorted({c.lower() for c in (equipment or [])})]
    new = [existing.get((k, c)) or SpaceFeature(kind=k, code=c) for k, c in wanted]
    space.features = keep + new


@write_transaction
def create_space(actor: User, data: SpaceIn) -> Space:
    facility = get_facility(data.facility_id)
    _require_staff(actor, facility.id)
    r = data.rules
    space = Space(
        facility_id=facility.id,
        name=data.name,
        description=data.description,
        capacity=data.capacity,
        timezone=site_tz().key,
        buffer_minutes=r.buffer_minutes,
        min_minutes=r.min_minutes,
        max_minutes=r.max_minutes,
        slot_minutes=r.slot_minutes,
        horizon_days=r.horizon_days,
        weekly_quota_minutes=r.weekly_quota_minutes,
        requires_approval=r.requires_approval,
    )
    space.features = []
    space.opening_hours = []
    _set_opening_hours(space, data.opening_hours)
    _set_features(space, data.accessibility, data.equipment)
    db.session.add(space)
    db.session.flush()
    audit.record(actor, "space.create", space.id, facility_id=facility.id, details={"requires_approval": space.requires_approval})
    return space


@write_transaction
def update_space(actor: User, space_id: int, patch: SpacePatch) -> Space:
    space = get_space(space_id)
    _require_staff(actor, space.facility_id)
    for name in ("name", "description", "capacity"):
        value = getattr(patch, name)
        if value is not None:
            setattr(space, name, value)
    if patch.rules is not None:
        for name, value in patch.rules.model_dump(exclude_unset=True).items():
            if name == "weekly_quota_minutes" and value == 0:
                value = None
            if value is None and name != "weekly_quota_minutes":
                continue
            setattr(space, name, value)
        if space.max_minutes < space.min_minutes:
            raise Invalid(reason="max_below_min", fields={"rules.max_minutes": Said("max_below_min")})
    if patch.opening_hours is not None:
        _set_opening_hours(space, patch.opening_hours)
    if patch.accessibility is not None or patch.equipment is not None:
        _set_features(space, patch.accessibility, patch.equipment)
    db.session.flush()
    changed = sorted(patch.model_dump(exclude_unset=True))
    audit.record(actor, "space.update", space.id, facility_id=space.facility_id, details={"changed": changed})
    return space


def search_spaces(q, now: datetime | None = None) -> list[Space]:
    """Spaces matching the filters; with free_from/free_to only those free for the whole window.
    A fixed number of queries, whatever the number of spaces or bookings."""
    stmt = (
        select(Space)
        .join(Space.facility)
        .options(contains_eager(Space.facility), selectinload(Space.opening_hours), selectinload(Space.features))
        .order_by(Facility.district, Facility.name, Space.name)
    )
    if q.district:
        stmt = stmt.where(func.lower(Facility.district) == q.district.strip().lower())
    if q.min_capacity:
        stmt = stmt.where(Space.capacity >= q.min_capacity)
    if q.facility_id:
        stmt = stmt.where(Space.facility_id == q.facility_id)
    for kind, codes in (("accessibility", q.accessibility), ("equipment", [c.lower() for c in q.equipment])):
        for code in codes:
            stmt = stmt.where(
                exists().where(SpaceFeature.space_id == Space.id, SpaceFeature.kind == kind, SpaceFeature.code == code)
            )
    spaces = list(db.session.execute(stmt).unique().scalars())
    if q.free_from is None or not spaces:
        return spaces
    tz = site_tz()
    lo, hi = to_utc(q.free_from, tz, "free_from"), to_utc(q.free_to, tz, "free_to")
    if hi <= lo:
        raise Invalid(reason="period_end_before_start", fields={"free_to": Said("period_end_before_start")})
    if hi - lo > MAX_WINDOW:
        params = {"max_days": MAX_WINDOW.days}
        raise Invalid(reason="period_too_long", params=params, fields={"free_to": Said("period_too_long", params)})
    ids = [s.id for s in spaces]
    booked, closures = _load_busy(ids, lo, hi, margin=timedelta(minutes=240))
    window = rules.Interval(lo, hi)
    return [s for s in spaces if rules.is_free(window, space_rules(s), booked[s.id], closures[s.id])]


def _busy_statement():
    """Active bookings and closures of some spaces near a window, in one statement built once (the
    bounds and the spaces are parameters): each half a range scan of its index."""
    spaces = bindparam("space_ids", expanding=True)
    near_lo, near_hi = bindparam("near_lo"), bindparam("near_hi")
    bookings = select(literal(0).label("closure"), Booking.id, Booking.space_id, Booking.start_at, Booking.end_at,
                      Booking.blocked_until).where(
        Booking.space_id.in_(spaces),
        Booking.status.in_(ACTIVE_STATUSES),
        Booking.start_at < near_hi,
        Booking.start_at > bindparam("earliest_start"),
        or_(Booking.end_at > near_lo, Booking.blocked_until > bindparam("lo")),
    )
    closures = select(literal(1), Closure.id, Closure.space_id, Closure.start_at, Closure.end_at, Closure.end_at).where(
        Closure.space_id.in_(spaces), Closure.start_at < near_hi, Closure.end_at > near_lo
    )
    return union_all(bookings, closures)


_BUSY = _busy_statement()


def _load_busy(space_ids: list[int], lo: datetime, hi: datetime, margin: timedelta, exclude_ids: set[int] = frozenset()):
    """Active bookings and closures of the spaces near [lo, hi) (within `margin`), in one query."""
    booked: dict[int, list[rules.Booked]] = defaultdict(list)
    closures: dict[int, list[rules.Interval]] = defaultdict(list)
    rows = db.session.execute(_BUSY, {"space_ids": list(space_ids), "lo": lo, "near_lo": lo - margin, "near_hi": hi + margin,
                                      "earliest_start": lo - LOOKBACK - margin})
    for closure, rid, sid, s, e, bu in rows:
        if closure:
            closures[sid].append(rules.Interval(s, e))
        elif rid not in exclude_ids:
            booked[sid].append(rules.Booked(s, e, bu))
    return booked, closures


def availability(space: Space, start: datetime | None, end: datetime | None, now: datetime | None = None):
    now = now or utcnow()
    tz = ZoneInfo(space.timezone)
    lo = to_utc(start, tz, "from") if start else now
    hi = to_utc(end, tz, "to") if end else lo + timedelta(days=7)
    if hi <= lo:
        raise Invalid(reason="period_end_before_start", fields={"to": Said("period_end_before_start")})
    if hi - lo > MAX_WINDOW:
        params = {"max_days": MAX_WINDOW.days}
        raise Invalid(reason="period_too_long", params=params, fields={"to": Said("period_too_long", params)})
    sr = space_rules(space)
    booked, closures = _load_busy([space.id], lo, hi, margin=sr.buffer)
    busy, free = rules.availability(rules.Interval(lo, hi), sr, booked[space.id], closures[space.id])
    return lo, hi, busy, free


# --- Closures ------------------------------------------------------------------------------------


@write_transaction
def add_closure(actor: User, space_id: int, start: datetime, end: datetime, reason: str) -> tuple[Closure, list[int]]:
    space = get_space(space_id)
    _require_staff(actor, space.facility_id)
    tz = ZoneInfo(space.timezone)
    s, e = to_utc(start, tz, "start"), to_utc(end, tz, "end")
    if e <= s:
        raise Invalid(reason="end_before_start", fields={"end": Said("end_before_start")})
    if e - s > MAX_CLOSURE:
        params = {"max_days": MAX_CLOSURE.days}
        raise Invalid(reason="closure_too_long", params=params, fields={"end": Said("closure_too_long", params)})
    closure = Closure(space_id=space.id, start_at=s, end_at=e, reason=reason)
    db.session.add(closure)
    db.session.flush()
    audit.record(actor, "closure.create", closure.id, facility_id=space.facility_id,
                 details={"space_id": space.id, "start": audit.iso(s), "end": audit.iso(e)})
    affected = list(
        db.session.execute(
            select(Booking.id)
            .where(
                Booking.space_id == space.id,
                Booking.status.in_(ACTIVE_STATUSES),
                Booking.start_at < e,
                Booking.end_at > s,
            )
            .order_by(Booking.start_at)
        ).scalars()
    )
    return closure, affected


def list_closures(space_id: int, start: datetime | None = None, end: datetime | None = None) -> list[Closure]:
    stmt = select(Closure).where(Closure.space_id == space_id).order_by(Closure.start_at)
    if start is not None:
        stmt = stmt.where(Closure.end_at > start)
    if end is not None:
        stmt = stmt.where(Closure.start_at < end)
    return list(db.session.execute(stmt).scalars())


@write_transaction
def delete_closure(actor: User, space_id: int, closure_id: int) -> None:
    space = get_space(space_id)
    _require_staff(actor, space.facility_id)
    closure = db.session.get(Closure, closure_id)
    if closure is None or closure.space_id != space.id:
        raise NotFound(reason="closure_not_found", params={"space_id": space_id, "closure_id": closure_id})
    audit.record(actor, "closure.delete", closure.id, facility_id=space.facility_id,
                 details={"space_id": space.id, "start": audit.iso(closure.start_at), "end": audit.iso(closure.end_at)})
    db.session.delete(closure)


# --- Bookings ------------------------------------------------------------------------------------


@dataclass
class BookingResult:
    status: str
    series: BookingSeries | None
    bookings: list[Booking]
    skipped: list[rules.Problem]
    tz: ZoneInfo
    # (id, start, end) of each booking, taken before the commit expired the objects: the answer
    # needs no query per booking to read them back.
    booked: list[tuple[int, datetime, datetime]]
    series_id: int | None


def problem_out(p: rules.Problem, tz: ZoneInfo) -> dict:
    """A problem as the API shows it: time only, never who."""
    out = {
        "start": (p.start or p.occurrence.start).astimezone(tz).isoformat(),
        "end": (p.end or p.occurrence.end).astimezone(tz).isoformat(),
        "reason": english(p.code, p.params),
        "code": p.code,
        "params": jsonable(p.params),
    }
    if p.start is not None:
        out["occurrence_start"] = p.occurrence.start.astimezone(tz).isoformat()
        out["occurrence_end"] = p.occurrence.end.astimezone(tz).isoformat()
    return out


def refusal(problems: list[rules.Problem], tz: ZoneInfo, series: bool) -> ApiError:
    conflicts = [problem_out(p, tz) for p in problems if p.kind == "conflict"]
    violations = [problem_out(p, tz) for p in problems if p.kind == "rule"]
    first = (violations or conflicts)[0]
    params = {"series": series, "count": len(problems), "first_code": first["code"], "first": first["params"]}
    if violations:
        return RuleViolation(reason="booking_refused", params=params, conflicts=conflicts,
                             extra={"violations": violations})
    return Conflict(reason="booking_not_free", params=params, conflicts=conflicts)


@dataclass
class _Plan:
    """A booking request in UTC, its series expanded: worked out before the write lock."""

    zone: str
    start: datetime
    end: datetime
    occurrences: list[rules.Interval]
    problems: list[rules.Problem]


def _plan(data: BookingIn, tz: ZoneInfo) -> _Plan:
    start, end = to_utc(data.start, tz, "start"), to_utc(data.end, tz, "end")
    if end <= start:
        raise Invalid(reason="end_before_start", fields={"end": Said("end_before_start")})
    if data.rrule:
        try:
            occurrences, problems = rules.expand_series(data.rrule, start, end, tz)
        except rules.RRuleError as exc:
            raise Invalid(reason=exc.code, params=exc.params, fields={"rrule": exc.said}) from None
        if not occurrences and not problems:
            raise Invalid(reason="rrule_no_dates", fields={"rrule": Said("rrule_no_dates")})
    else:
        occurrences, problems = [rules.Interval(start, end)], []
    return _Plan(tz.key, start, end, occurrences, problems)


def _books_on_behalf(actor: User, space: Space, group: Group, represents: bool) -> bool:
    """Whether the actor books as staff for the group (False: as its representative); Forbidden
    when neither."""
    if represents:
        return False
    if is_staff_of(actor, space.facility_id):
        if not group.verified:
            raise Forbidden(reason="book_on_behalf_unverified")
        return True
    raise Forbidden(reason="book_own_groups_only")


# Under the lock, in one statement: the space's zone and whether the actor may still book as they did
# when the request began (built once: this runs in every booking).
_ZONE_AND_REPRESENTS = select(Space.timezone, exists().where(
    GroupMember.user_id == bindparam("user_id"), GroupMember.group_id == bindparam("group_id"))).where(Space.id == bindparam("space_id"))
_ZONE_AND_STAFF = select(Space.timezone, exists().where(
    FacilityStaff.user_id == bindparam("user_id"), FacilityStaff.facility_id == bindparam("facility_id"))).where(Space.id == bindparam("space_id"))
_ZONE_AND_ADMIN = select(Space.timezone, true()).where(Space.id == bindparam("space_id"))


def _zone_and_right_now(actor: User, space: Space, group_id: int, on_behalf: bool) -> tuple[str, bool]:
    """The space's time zone and whether the actor may still book for the group as they did when the
    request began (what was read before the lock may have changed meanwhile)."""
    if not on_behalf:
        statement, params = _ZONE_AND_REPRESENTS, {"user_id": actor.id, "group_id": group_id}
    elif actor.is_admin:
        statement, params = _ZONE_AND_ADMIN, {}
    else:
        statement, params = _ZONE_AND_STAFF, {"user_id": actor.id, "facility_id": space.facility_id}
    zone, allowed = db.session.execute(statement, {"space_id": space.id, **params}).one()
    return zone, bool(allowed)


@write_transaction(lock_late=True)
def create_booking(actor: User, data: BookingIn, now: datetime | None = None) -> BookingResult:
    """A booking, or a series of them. The client's times and RRULE are worked out, and what is already
    booked refuses, before the write lock: a refusal or a long series never makes other writers wait.
    Under the lock: the space's zone and the booker's right again, the re-check, the writes and the
    outbox rows."""
    now = now or utcnow()
    space = space_for_booking(data.space_id)
    group, represents = group_and_membership(actor, data.group_id)
    on_behalf = _books_on_behalf(actor, space, group, represents)
    sr = space_rules(space)
    plan = _plan(data, sr.tz)

    def check() -> tuple[rules.Evaluation, list[rules.Problem]]:
        """The rules and every booking and closure in the way; raises the refusal."""
        lo = min(o.start for o in plan.occurrences) if plan.occurrences else plan.start
        hi = max(o.end for o in plan.occurrences) if plan.occurrences else plan.end
        booked, closures = _load_busy([space.id], lo, hi, margin=sr.buffer)
        used = _quota_usage(space, group.id, lo, hi, sr)
        result = rules.evaluate(plan.occurrences, sr, now, booked[space.id], closures[space.id], used)
        found = sorted(plan.problems + result.problems, key=lambda p: p.occurrence.start)
        if found and (data.on_conflict == "reject" or not result.accepted):
            raise refusal(found, sr.tz, series=bool(data.rrule))
        return result, found

    check()
    status = "confirmed" if on_behalf or (group.verified and not space.requires_approval) else "pending"
    told = notices.told_of_new(actor, group.id, space.facility_id, on_behalf, status == "pending")
    # From here on, nobody else books this space until we commit (PostgreSQL: advisory lock;
    # SQLite: the IMMEDIATE write transaction begins here: what was read above was read without
    # it). Only the re-check and the writes hold the lock. The exclusion constraint stays the last word.
    advisory_lock(ADVISORY_SPACE, space.id)
    zone, allowed = _zone_and_right_now(actor, space, group.id, on_behalf)
    if not allowed:
        raise Forbidden(reason="book_own_groups_only")
    if zone != plan.zone:  # the space's time zone changed meanwhile: the local times mean other instants
        sr = replace(sr, tz=ZoneInfo(zone))
        plan = _plan(data, sr.tz)
    result, problems = check()

    series = None
    if data.rrule:
        series = BookingSeries(space_id=space.id, group_id=group.id, rrule=data.rrule.removeprefix("RRULE:"))
        db.session.add(series)
        db.session.flush()
    bookings = [
        Booking(
            space_id=space.id,
            group_id=group.id,
            series_id=series.id if series else None,
            title=data.title,
            public_title=data.public_title,
            attendees=data.attendees,
            start_at=o.start,
            end_at=o.end,
            blocked_until=o.end + sr.buffer,
            status=status,
            booked_by_id=actor.id,
            on_behalf=on_behalf,
        )
        for o in result.accepted
    ]
    db.session.add_all(bookings)
    db.session.flush()
    if on_behalf:
        audit.record(actor, "booking.create_on_behalf", bookings[0].id, facility_id=space.facility_id, group_id=group.id,
                     details=_booking_facts(bookings, status=status, series_id=series.id if series else None))
    notices.booking_created(actor, bookings, now, told)  # e-mail in the outbox, committed with the booking
    booked = [(b.id, b.start_at, b.end_at) for b in bookings]
    return BookingResult(status, series, bookings, problems, sr.tz, booked, series.id if series else None)


def _booking_facts(targets: list[Booking], **more) -> dict:
    """What the audit log keeps about the bookings an action touched: ids and times, no names or titles."""
    facts = {
        "space_id": targets[0].space_id,
        "booking_ids": [b.id for b in targets],
        "count": len(targets),
        "start": audit.iso(min(b.start_at for b in targets)),
        "end": audit.iso(max(b.end_at for b in targets)),
    }
    facts.update(more)
    return facts


def _quota_usage(space: Space, group_id: int, lo: datetime, hi: datetime, sr: rules.SpaceRules) -> dict:
    if sr.weekly_quota_minutes is None:
        return {}
    first = rules.week_bounds(*rules.iso_week(lo, sr.tz), sr.tz).start
    last = rules.week_bounds(*rules.iso_week(hi, sr.tz), sr.tz).end
    used: dict[tuple[int, int], float] = defaultdict(float)
    for s, e in db.session.execute(
        select(Booking.start_at, Booking.end_at).where(
            Booking.space_id == space.id,
            Booking.group_id == group_id,
            Booking.status.in_(ACTIVE_STATUSES),
            Booking.start_at >= first,
            Booking.start_at < last,
        )
    ):
        used[rules.iso_week(s, sr.tz)] += (e - s).total_seconds() / 60
    return used


def _visible_filter(actor: User):
    """Which bookings the actor may see: their groups', and their facilities' (staff); admin all."""
    if actor.is_admin:
        return None
    conds = []
    groups = member_group_ids(actor)
    if groups:
        conds.append(Booking.group_id.in_(groups))
    facilities = staff_facility_ids(actor)
    if facilities:
        conds.append(Booking.space_id.in_(select(Space.id).where(Space.facility_id.in_(facilities))))
    return or_(*conds) if conds else False


def list_bookings(actor: User, q: BookingQuery) -> list[Booking]:
    return bookings_page(actor, q)[0]


def bookings_page(actor: User, q: BookingQuery, count: bool = False) -> tuple[list[Booking], int | None]:
    """One page (q.limit, q.offset) of the bookings the actor may see, and with `count` how many
    match in all (one more query, on the same indexed filters)."""
    stmt = select(Booking)
    visible = _visible_filter(actor)
    if visible is False:
        return [], 0
    if visible is not None:
        stmt = stmt.where(visible)
    tz = site_tz()
    if q.space_id is not None:
        stmt = stmt.where(Booking.space_id == q.space_id)
    if q.group_id is not None:
        stmt = stmt.where(Booking.group_id == q.group_id)
    if q.status is not None:
        stmt = stmt.where(Booking.status == q.status)
    if q.from_ is not None:
        lo = to_utc(q.from_, tz, "from")
        stmt = stmt.where(Booking.end_at > lo, Booking.start_at > lo - LOOKBACK)
    if q.to is not None:
        stmt = stmt.where(Booking.start_at < to_utc(q.to, tz, "to"))
    total = db.session.execute(select(func.count()).select_from(stmt.subquery())).scalar_one() if count else None
    stmt = stmt.options(joinedload(Booking.space), joinedload(Booking.group)).order_by(Booking.start_at, Booking.id)
    return list(db.session.execute(stmt.limit(q.limit).offset(q.offset)).scalars()), total


def bookings_by_ids(ids: list[int]) -> list[Booking]:
    return list(
        db.session.execute(
            select(Booking)
            .where(Booking.id.in_(ids))
            .options(joinedload(Booking.space), joinedload(Booking.group))
            .order_by(Booking.start_at, Booking.id)
        ).scalars()
    )


def get_booking(actor: User, booking_id: int) -> Booking:
    """A booking the actor may see; others' bookings answer 404, as if they did not exist."""
    booking = db.session.execute(
        select(Booking).where(Booking.id == booking_id).options(joinedload(Booking.space), joinedload(Booking.group))
    ).scalar_one_or_none()
    if booking is None or not (
        actor.is_admin or is_representative(actor, booking.group_id) or is_staff_of(actor, booking.space.facility_id)
    ):
        raise NotFound(reason="booking_not_found", params={"booking_id": booking_id})
    return booking


def _targets(booking: Booking, scope: str, statuses: tuple[str, ...], now: datetime) -> list[Booking]:
    if scope == "series" and booking.series_id is not None:
        return list(
            db.session.execute(
                select(Booking)
                .where(Booking.series_id == booking.series_id, Booking.status.in_(statuses), Booking.start_at >= now)
                .order_by(Booking.start_at)
                .with_for_update()
            ).scalars()
        )
    return [booking]


@write_transaction(lock_late=True)
def cancel_booking(actor: User, booking_id: int, scope: str = "one", now: datetime | None = None) -> list[Booking]:
    now = now or utcnow()
    booking = get_booking(actor, booking_id)
    advisory_lock(ADVISORY_SPACE, booking.space_id)
    db.session.refresh(booking)
    if scope == "one" or booking.series_id is None:
        if booking.status not in ACTIVE_STATUSES:
            raise ApiError(reason="booking_not_active", params={"status": booking.status}, code="state", status=422)
        if booking.start_at < now:
            raise ApiError(reason="cancel_started", code="state", status=422)
    targets = _targets(booking, scope, ACTIVE_STATUSES, now)
    if not targets:
        raise ApiError(reason="series_nothing_to_cancel", code="state", status=422)
    if not is_representative(actor, booking.group_id):  # staff or an administrator, not the group itself
        audit.record(actor, "booking.cancel", booking.id, facility_id=booking.space.facility_id, group_id=booking.group_id,
                     details=_booking_facts(targets, scope=scope, status_from=sorted({b.status for b in targets})))
    set_status(targets, "cancelled", now)
    notices.booking_cancelled(actor, targets, now)
    return targets


@write_transaction(lock_late=True)
def decide(actor: User, booking_id: int, approve: bool, message: str = "", scope: str = "one", now: datetime | None = None) -> list[Booking]:
    now = now or utcnow()
    booking = get_booking(actor, booking_id)
    if not is_staff_of(actor, booking.space.facility_id):
        raise Forbidden(reason="decide_staff_only")
    advisory_lock(ADVISORY_SPACE, booking.space_id)
    db.session.refresh(booking)
    if booking.status != "pending" and (scope == "one" or booking.series_id is None):
        raise ApiError(reason="not_pending", params={"status": booking.status}, code="state", status=422)
    targets = _targets(booking, scope, ("pending",), now) if scope == "series" else [booking]
    if not targets:
        raise ApiError(reason="series_no_pending", code="state", status=422)
    audit.record(actor, "booking.approve" if approve else "booking.reject", booking.id, facility_id=booking.space.facility_id,
                 group_id=booking.group_id, details=_booking_facts(targets, scope=scope, message_given=bool(message)))
    set_status(targets, "confirmed" if approve else "rejected", now, decision_message=message or None, decided_at=now)
    notices.booking_decided(actor, targets, approve, now)
    return targets


@write_transaction(lock_late=True)
def move_booking(actor: User, booking_id: int, start: datetime, end: datetime, now: datetime | None = None) -> Booking:
    """Move one booking (one date of a series) to another time, checked by the same rules and
    conflict check as a new booking. The occurrence keeps its first original start (its
    RECURRENCE-ID in calendar feeds) and its SEQUENCE grows. A representative's move of a booking
    that would need approval as a new one goes back to pending; staff moves keep the status."""
    now = now or utcnow()
    booking = get_booking(actor, booking_id)
    space = get_space(booking.space_id)
    staff = is_staff_of(actor, space.facility_id)
    if not (staff or is_representative(actor, booking.group_id)):
        raise Forbidden(reason="move_forbidden")
    sr = space_rules(space)
    new_start, new_end = to_utc(start, sr.tz, "start"), to_utc(end, sr.tz, "end")
    if new_end <= new_start:
        raise Invalid(reason="end_before_start", fields={"end": Said("end_before_start")})
    advisory_lock(ADVISORY_SPACE, space.id)
    db.session.refresh(booking)
    if booking.status not in ACTIVE_STATUSES:
        raise ApiError(reason="move_not_active", params={"status": booking.status}, code="state", status=422)
    if booking.start_at < now:
        raise ApiError(reason="move_started", code="state", status=422)
    booked, closures = _load_busy([space.id], new_start, new_end, margin=sr.buffer, exclude_ids={booking.id})
    used = _quota_usage(space, booking.group_id, new_start, new_end, sr)
    own_week = rules.iso_week(booking.start_at, sr.tz)
    if own_week in used:
        used[own_week] -= rules.elapsed_minutes(booking.start_at, booking.end_at)
    occurrence = rules.Interval(new_start, new_end)
    result = rules.evaluate([occurrence], sr, now, booked[space.id], closures[space.id], used)
    if result.problems:
        raise refusal(result.problems, sr.tz, series=False)
    group = get_group(booking.group_id)
    if not staff and (space.requires_approval or not group.verified):
        booking.status = "pending"
    if staff and not is_representative(actor, booking.group_id):
        audit.record(actor, "booking.move", booking.id, facility_id=space.facility_id, group_id=booking.group_id,
                     details={"space_id": space.id, "start_from": audit.iso(booking.start_at), "end_from": audit.iso(booking.end_at),
                              "start_to": audit.iso(new_start), "end_to": audit.iso(new_end), "status": booking.status})
    if booking.original_start is None:
        booking.original_start = booking.start_at
    booking.start_at, booking.end_at, booking.blocked_until = new_start, new_end, new_end + sr.buffer
    booking.sequence += 1
    booking.updated_at = now
    db.session.flush()
    notices.booking_changed(actor, [booking], now)
    return booking


def set_status(targets: list[Booking], status: str, now: datetime, **values) -> None:
    """One UPDATE for all targets (a series is one statement, not one per date); SEQUENCE grows
    so calendar clients see the change. The commit that follows expires the loaded objects."""
    db.session.execute(
        update(Booking)
        .where(Booking.id.in_([b.id for b in targets]))
        .values(status=status, sequence=Booking.sequence + 1, updated_at=now, **values)
        .execution_options(synchronize_session=False)
    )
    db.session.expire_all()


# --- Read helpers for the HTML pages ---------------------------------------------------------------


def list_districts() -> list[str]:
    """The districts that have facilities, for the search form."""
    return list(db.session.execute(select(Facility.district).distinct().order_by(Facility.district)).scalars())


def list_equipment() -> list[str]:
    """The equipment the spaces have, for the search form."""
    return list(
        db.session.execute(
            select(SpaceFeature.code).where(SpaceFeature.kind == "equipment").distinct().order_by(SpaceFeature.code)
        ).scalars()
    )


def bookable_groups(actor: User, space: Space) -> tuple[list[Group], list[Group]]:
    """(groups the actor represents, other verified groups they may book for as staff of the space's facility)."""
    own_ids = member_group_ids(actor)
    own = list(db.session.execute(select(Group).where(Group.id.in_(own_ids)).order_by(Group.name)).scalars()) if own_ids else []
    others: list[Group] = []
    if is_staff_of(actor, space.facility_id):
        stmt = select(Group).where(Group.verified.is_(True)).order_by(Group.name)
        if own_ids:
            stmt = stmt.where(Group.id.not_in(own_ids))
        others = list(db.session.execute(stmt).scalars())
    return own, others


def public_titles(space_id: int, lo: datetime, hi: datetime) -> list[tuple[datetime, datetime, str]]:
    """(start, end, title) of the active bookings in [lo, hi) whose group made the title public; never who."""
    return [
        (s, e, t)
        for s, e, t in db.session.execute(
            select(Booking.start_at, Booking.end_at, Booking.title)
            .where(
                Booking.space_id == space_id,
                Booking.status.in_(ACTIVE_STATUSES),
                Booking.public_title.is_(True),
                Booking.start_at < hi,
                Booking.start_at > lo - LOOKBACK,
                Booking.end_at > lo,
            )
            .order_by(Booking.start_at)
        )
    ]


# --- Personal data ---------------------------------------------------------------------------------


def export_bookings_made(user: User) -> dict:
    """The bookings this person made (for GET /me/export)."""
    rows = db.session.execute(
        select(Booking).where(Booking.booked_by_id == user.id).options(joinedload(Booking.space), joinedload(Booking.group)).order_by(Booking.start_at)
    ).scalars()
    return {
        "bookings_made": [
            {
                "id": b.id,
                "space": b.space.name,
                "group": b.group.name,
                "title": b.title,
                "start": b.start_at.isoformat(),
                "end": b.end_at.isoformat(),
                "status": b.status,
            }
            for b in rows
        ]
    }


def forget_booker(user: User) -> None:
    """On erasure the group's bookings stay, without who made them (called inside erase_account)."""
    db.session.execute(update(Booking).where(Booking.booked_by_id == user.id).values(booked_by_id=None))


def nearest_free_times(space: Space, start: datetime, end: datetime, now: datetime | None = None, count: int = 3) -> list[rules.Interval]:
    """Free times as long as [start, end) nearest to it, on the requested day and the two days
    either side (for "this time is taken: these are free"). Start/end naive local or aware."""
    now = now or utcnow()
    tz = ZoneInfo(space.timezone)
    s, e = to_utc(start, tz, "start"), to_utc(end, tz, "end")
    if e <= s:
        return []
    lo = max(s - timedelta(days=2), now)
    hi = min(e + timedelta(days=2), now + timedelta(days=space.horizon_days))
    if hi <= lo:
        return []
    _lo, _hi, _busy, free = availability(space, lo, hi, now=now)
    return rules.nearest_free_slots(rules.Interval(s, e), free, tz, space.slot_minutes, count, earliest=now)
