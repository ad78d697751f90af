"""Closures of a space (staff of its facility): adding one (with the bookings it falls on), listing
and removing them."""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from commons import audit
from commons.codes import Said
from commons.db import write_transaction
from commons.errors import Invalid, NotFound
from commons.extensions import db
from commons.models import User
from spaces.models import ACTIVE_STATUSES, Booking, Closure
from spaces.services.common import get_space, require_staff, to_utc

MAX_CLOSURE = timedelta(days=400)


@write_transaction
def add_closure(actor: User, space_id: int, start: datetime, end: datetime, reason: str) -> tuple[Closure, list[int]]:
    space = get_space(space_id)
    require_staff(actor, space.facility_id)
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
    require_staff(actor, space.facility_id)
    closure = db.session.get(Closure, closure_id)
    if closure is None or closure.space_id != space.id:
        raise NotFound(reason="closure_not_found", params={"space_id": space_id, "closure_id": closure_id})
    audit.record(actor, "closure.delete", closure.id, facility_id=space.facility_id,
                 details={"space_id": space.id, "start": audit.iso(closure.start_at), "end": audit.iso(closure.end_at)})
    db.session.delete(closure)
