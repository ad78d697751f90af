"""Closures of a space (staff of its facility): adding one (with the bookings it falls on), closing
every space of a facility at once (a holiday), cancelling the bookings a closure falls on (the groups
are told, with the closure's reason), listing and removing them."""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select

from commons import audit
from commons.codes import Said
from commons.db import utcnow, write_transaction
from commons.errors import ApiError, Invalid, NotFound
from commons.extensions import db
from commons.models import Facility, User
from spaces import notices
from spaces.models import ACTIVE_STATUSES, Booking, Closure, Space
from spaces.services.booking_changes import set_status
from spaces.services.common import booking_facts, get_space, require_staff, to_utc
from spaces.services.families import lock_families

MAX_CLOSURE = timedelta(days=400)


@write_transaction
def add_closure(actor: User, space_id: int, start: datetime, end: datetime, reason: str) -> tuple[Closure, list[int]]:
    space = get_space(space_id)
    require_staff(actor, space.facility_id)
    closure = _close(actor, space, start, end, reason)
    return closure, hit_bookings([closure])


def _close(actor: User, space: Space, start: datetime, end: datetime, reason: str) -> Closure:
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
    return closure


@write_transaction
def add_facility_closure(actor: User, facility_id: int, start: datetime, end: datetime, reason: str) -> tuple[list[Closure], list[int]]:
    """Close every space of the facility for the same time (a holiday): one closure per space, in
    one transaction (all or none). Returns the closures and the active bookings they fall on."""
    if db.session.get(Facility, facility_id) is None:
        raise NotFound(reason="facility_not_found", params={"facility_id": facility_id})
    require_staff(actor, facility_id)
    spaces = list(db.session.execute(select(Space).where(Space.facility_id == facility_id).order_by(Space.name, Space.id)).scalars())
    if not spaces:
        raise ApiError(reason="facility_has_no_spaces", params={"facility_id": facility_id}, code="state", status=422)
    closures = [_close(actor, space, start, end, reason) for space in spaces]
    return closures, hit_bookings(closures)


def hit_bookings(closures: list[Closure], now: datetime | None = None) -> list[int]:
    """The active bookings the closures fall on (each in its own closure's space), by start; with
    `now`, only those not started yet (the ones that can still be cancelled)."""
    if not closures:
        return []
    overlaps = [(Booking.space_id == c.space_id) & (Booking.start_at < c.end_at) & (Booking.end_at > c.start_at) for c in closures]
    stmt = select(Booking.id).where(Booking.status.in_(ACTIVE_STATUSES), or_(*overlaps)).order_by(Booking.start_at, Booking.id)
    if now is not None:
        stmt = stmt.where(Booking.start_at > now)
    return list(db.session.execute(stmt).scalars())


def closures_by_ids(actor: User, closure_ids: list[int]) -> list[Closure]:
    """The closures (of the actor's facilities: 404 for an unknown one, 403 for another facility's)."""
    found = {c.id: c for c in db.session.execute(select(Closure).where(Closure.id.in_(sorted(set(closure_ids))))).scalars()}
    for cid in closure_ids:
        if cid not in found:
            raise NotFound(reason="closure_unknown", params={"closure_id": cid})
    closures = [found[cid] for cid in sorted(found)]
    for c in closures:
        require_staff(actor, db.session.get(Space, c.space_id).facility_id)
    return closures


@write_transaction(lock_late=True)
def cancel_closed_bookings(actor: User, closure_ids: list[int], booking_ids: list[int], now: datetime | None = None) -> list[Booking]:
    """Cancel the chosen bookings the closures fall on, in one transaction, and tell each group (by
    e-mail, each representative in their own language) with the closure's reason. A booking the
    closures do not fall on is refused (422 `closure_not_hit`); one cancelled or started meanwhile is
    left as it is; none left to cancel is 422 `closure_nothing_to_cancel`."""
    now = now or utcnow()
    closures = closures_by_ids(actor, closure_ids)
    lock_families({c.space_id for c in closures})
    for bid in booking_ids:
        if not _was_hit(bid, closures):
            raise Invalid(reason="closure_not_hit", params={"booking_id": bid}, fields={"booking": Said("closure_not_hit", {"booking_id": bid})})
    todo = sorted(set(booking_ids) & set(hit_bookings(closures, now)))
    if not todo:
        raise ApiError(reason="closure_nothing_to_cancel", code="state", status=422)
    targets = list(db.session.execute(select(Booking).where(Booking.id.in_(todo)).order_by(Booking.start_at, Booking.id)
                                      .with_for_update()).scalars())
    reasons = {}
    for b in targets:
        reasons[b.id] = next(c.reason for c in closures if c.space_id == b.space_id and c.start_at < b.end_at and c.end_at > b.start_at)
        audit.record(actor, "booking.cancel", b.id, facility_id=b.space.facility_id, group_id=b.group_id,
                     details=booking_facts([b], scope="closure", status_from=[b.status]))
    set_status(targets, "cancelled", now)
    notices.booking_closed(actor, targets, reasons, now)
    return targets


def _was_hit(booking_id: int, closures: list[Closure]) -> bool:
    """Whether the closures fall on the booking whatever its status (cancelled meanwhile: left as it is)."""
    b = db.session.get(Booking, booking_id)
    return b is not None and any(c.space_id == b.space_id and c.start_at < b.end_at and c.end_at > b.start_at for c in closures)


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
    require_staff(actor, space.facility_id)
    closure = db.session.get(Closure, closure_id)
    if closure is None or closure.space_id != space.id:
        raise NotFound(reason="closure_not_found", params={"space_id": space_id, "closure_id": closure_id})
    audit.record(actor, "closure.delete", closure.id, facility_id=space.facility_id,
                 details={"space_id": space.id, "start": audit.iso(closure.start_at), "end": audit.iso(closure.end_at)})
    db.session.delete(closure)
