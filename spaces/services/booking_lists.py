"""Reading bookings: one booking the actor may see (others' answer 404), the pages of those they may
see, and bookings by id."""
from __future__ import annotations

from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload

from commons.auth import is_representative, is_staff_of, member_group_ids, staff_facility_ids
from commons.errors import NotFound
from commons.extensions import db
from commons.models import User
from commons.timezone import site_tz
from spaces.models import Booking, Space
from spaces.schemas import BookingQuery
from spaces.services.common import LOOKBACK, to_utc


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
