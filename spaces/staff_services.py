"""Read use cases of the staff pages: the facilities and spaces a staff member manages, and a
calendar across them. A fixed number of queries whatever the number of spaces or bookings.
(The writing use cases the staff pages use are in spaces.services and commons.services.)"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from commons.auth import staff_facility_ids
from commons.errors import Forbidden
from commons.extensions import db
from commons.models import Facility, User
from spaces import rules
from spaces.models import ACTIVE_STATUSES, HOLDING_STATUSES, Booking, Closure, Space
from spaces.services import LOOKBACK, space_rules


def managed_facility_ids(actor: User) -> set[int] | None:
    """The facilities the actor manages: None means all (an administrator)."""
    if actor.is_admin:
        return None
    if actor.role != "staff":
        raise Forbidden(reason="staff_page_only")
    return staff_facility_ids(actor)


def managed_facilities(actor: User) -> list[Facility]:
    ids = managed_facility_ids(actor)
    stmt = select(Facility).order_by(Facility.name)
    if ids is not None:
        if not ids:
            return []
        stmt = stmt.where(Facility.id.in_(ids))
    return list(db.session.execute(stmt).scalars())


def managed_spaces(actor: User, facility_id: int | None = None) -> list[Space]:
    """The spaces of the actor's facilities (one facility's with facility_id), with their facility,
    opening hours and features loaded (3 queries)."""
    ids = managed_facility_ids(actor)
    stmt = (
        select(Space)
        .join(Space.facility)
        .options(contains_eager(Space.facility), selectinload(Space.opening_hours), selectinload(Space.features))
        .order_by(Facility.name, Space.name)
    )
    if ids is not None:
        if not ids:
            return []
        stmt = stmt.where(Space.facility_id.in_(ids))
    if facility_id is not None:
        stmt = stmt.where(Space.facility_id == facility_id)
    return list(db.session.execute(stmt).unique().scalars())


def pending_counts(actor: User, now: datetime) -> dict[int, int]:
    """Pending (future) requests per space of the actor's facilities."""
    ids = managed_facility_ids(actor)
    stmt = (
        select(Booking.space_id, func.count(Booking.id))
        .where(Booking.status == "pending", Booking.end_at > now)
        .group_by(Booking.space_id)
    )
    if ids is not None:
        if not ids:
            return {}
        stmt = stmt.where(Booking.space_id.in_(select(Space.id).where(Space.facility_id.in_(ids))))
    return {sid: n for sid, n in db.session.execute(stmt)}


@dataclass
class SpaceCalendar:
    """One space in [lo, hi): its bookings (with group), closures and free times."""

    space: Space
    bookings: list[Booking] = field(default_factory=list)
    closures: list[Closure] = field(default_factory=list)
    free: list[rules.Interval] = field(default_factory=list)


def calendar(spaces: list[Space], lo: datetime, hi: datetime) -> list[SpaceCalendar]:
    """Bookings (all statuses but cancelled/expired ones hidden: pending, confirmed, rejected are
    shown so staff see what they decided), closures and free times of the spaces in [lo, hi).
    Two queries for any number of spaces."""
    if not spaces:
        return []
    ids = [s.id for s in spaces]
    out = {s.id: SpaceCalendar(s) for s in spaces}
    bookings = db.session.execute(
        select(Booking)
        .options(joinedload(Booking.group))
        .where(
            Booking.space_id.in_(ids),
            Booking.status.in_(HOLDING_STATUSES + ("rejected",)),
            Booking.start_at < hi,
            Booking.start_at > lo - LOOKBACK,
            Booking.end_at > lo,
        )
        .order_by(Booking.start_at, Booking.id)
    ).scalars()
    for b in bookings:
        out[b.space_id].bookings.append(b)
    margin = timedelta(minutes=240)
    closures = db.session.execute(
        select(Closure)
        .where(Closure.space_id.in_(ids), Closure.start_at < hi + margin, Closure.end_at > lo - margin)
        .order_by(Closure.start_at)
    ).scalars()
    all_closures: dict[int, list[Closure]] = defaultdict(list)
    for c in closures:
        all_closures[c.space_id].append(c)
    for s in spaces:
        cal = out[s.id]
        cal.closures = [c for c in all_closures[s.id] if c.start_at < hi and c.end_at > lo]
        booked = [rules.Booked(b.start_at, b.end_at, b.blocked_until) for b in cal.bookings if b.status in HOLDING_STATUSES]
        _busy, cal.free = rules.availability(
            rules.Interval(lo, hi), space_rules(s), booked, [rules.Interval(c.start_at, c.end_at) for c in all_closures[s.id]]
        )
    return [out[s.id] for s in spaces]


def upcoming_closures(space_id: int, now: datetime) -> list[Closure]:
    return list(
        db.session.execute(
            select(Closure).where(Closure.space_id == space_id, Closure.end_at > now).order_by(Closure.start_at)
        ).scalars()
    )


def counter_bookings(space_id: int, since: datetime) -> list[Booking]:
    """The space's bookings made for a person at the counter that end after `since` and still have
    their contact (the facility's staff call them on changes), by start."""
    return list(
        db.session.execute(
            select(Booking)
            .where(Booking.space_id == space_id, Booking.end_at > since, Booking.contact_name.is_not(None))
            .order_by(Booking.start_at, Booking.id)
            .limit(200)
        ).scalars()
    )
