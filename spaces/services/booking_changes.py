"""Changing bookings: cancelling (one or the rest of a series), staff deciding on pending ones, moving
one to another time (checked like a new booking), and the status change they write."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update

from commons import audit
from commons.auth import is_representative, is_staff_of
from commons.codes import Said
from commons.db import utcnow, write_transaction
from commons.errors import ApiError, Forbidden, Invalid
from commons.extensions import db
from commons.models import User
from commons.services import get_group
from spaces import notices, rules
from spaces.models import ACTIVE_STATUSES, Booking
from spaces.services.booking_lists import get_booking
from spaces.services.families import lock_family
from spaces.services.offers import offer_freed
from spaces.services.common import (booking_facts, get_space, load_busy, quota_usage, space_rules,
                                    to_utc)
from spaces.services.refusals import refusal


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
    lock_family(booking.space_id)
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
                     details=booking_facts(targets, scope=scope, status_from=sorted({b.status for b in targets})))
    space_id = booking.space_id
    set_status(targets, "cancelled", now)
    notices.booking_cancelled(actor, targets, now)
    offer_freed(space_id, now)  # the waiting list's first in line gets the time, in this transaction
    return targets


@write_transaction(lock_late=True)
def decide(actor: User, booking_id: int, approve: bool, message: str = "", scope: str = "one", now: datetime | None = None) -> list[Booking]:
    now = now or utcnow()
    booking = get_booking(actor, booking_id)
    if not is_staff_of(actor, booking.space.facility_id):
        raise Forbidden(reason="decide_staff_only")
    lock_family(booking.space_id)
    db.session.refresh(booking)
    if booking.status != "pending" and (scope == "one" or booking.series_id is None):
        raise ApiError(reason="not_pending", params={"status": booking.status}, code="state", status=422)
    targets = _targets(booking, scope, ("pending",), now) if scope == "series" else [booking]
    if not targets:
        raise ApiError(reason="series_no_pending", code="state", status=422)
    audit.record(actor, "booking.approve" if approve else "booking.reject", booking.id, facility_id=booking.space.facility_id,
                 group_id=booking.group_id, details=booking_facts(targets, scope=scope, message_given=bool(message)))
    space_id = booking.space_id
    set_status(targets, "confirmed" if approve else "rejected", now, decision_message=message or None, decided_at=now)
    notices.booking_decided(actor, targets, approve, now)
    if not approve:
        offer_freed(space_id, now)
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
    lock_family(space.id)
    db.session.refresh(booking)
    if booking.status not in ACTIVE_STATUSES:
        raise ApiError(reason="move_not_active", params={"status": booking.status}, code="state", status=422)
    if booking.start_at < now:
        raise ApiError(reason="move_started", code="state", status=422)
    booked, closures = load_busy([space.id], new_start, new_end, margin=sr.buffer, exclude_ids={booking.id})
    used = quota_usage(space, booking.group_id, new_start, new_end, sr)
    own_week = rules.iso_week(booking.start_at, sr.tz)
    if own_week in used:
        used[own_week] -= rules.elapsed_minutes(booking.start_at, booking.end_at)
    occurrence = rules.Interval(new_start, new_end)
    result = rules.evaluate([occurrence], sr, now, booked[space.id], closures[space.id], used,
                            attendees=booking.attendees)
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
