"""Use cases the scheduler runs for bookings (jobs in commons.jobs; docs/operations.md "Operations"):
reminders, expiry of requests nobody decided, and retention of personal data. Each is one
write transaction and takes `now`, so tests and `flask --app commons jobs run NAME --now ...`
drive the clock."""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import or_, select, update
from sqlalchemy.orm import joinedload

from commons.db import write_transaction
from commons.extensions import db
from spaces import notices
from spaces.models import Booking, Space
from spaces.services import lock_families, set_status

REMIND_AHEAD = timedelta(hours=24)


@write_transaction
def queue_booking_reminders(now: datetime) -> int:
    """Confirmed bookings starting within 24 hours get one reminder per representative, once."""
    bookings = list(
        db.session.execute(
            select(Booking)
            .where(Booking.status == "confirmed", Booking.start_at > now, Booking.start_at <= now + REMIND_AHEAD)
            .options(joinedload(Booking.space).joinedload(Space.facility), joinedload(Booking.group))
            .order_by(Booking.start_at, Booking.id)
        ).scalars()
    )
    return notices.booking_reminders(bookings, now) if bookings else 0


@write_transaction
def expire_requests(now: datetime) -> str:
    """Pending requests still undecided EXPIRE_REQUESTS_HOURS before their start are released
    (status "expired": the slot is free again), and the group is told."""
    hours = current_app.config["EXPIRE_REQUESTS_HOURS"]
    due = Booking.status == "pending", Booking.start_at <= now + timedelta(hours=hours)
    space_ids = sorted(set(db.session.execute(select(Booking.space_id).where(*due).distinct()).scalars()))
    if not space_ids:
        return "expire-requests: nothing to expire."
    lock_families(space_ids)  # in order, as the booking use cases take them: no deadlock with a decision
    stmt = select(Booking).where(*due).order_by(Booking.start_at)
    if db.session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(of=Booking)
    targets = list(db.session.execute(stmt).scalars())
    if not targets:
        return "expire-requests: nothing to expire."
    set_status(targets, "expired", now, decided_at=now)
    told = notices.booking_expired(targets, now)
    return f"expire-requests: {len(targets)} request(s) expired, {told} message(s) queued."


@write_transaction
def forget_old_bookers(now: datetime) -> str:
    """Retention: bookings that ended more than RETENTION_BOOKER_DAYS ago keep their space, group,
    times, title and status (for reports) but no longer say who booked them or what staff wrote."""
    days = current_app.config["RETENTION_BOOKER_DAYS"]
    n = db.session.execute(
        update(Booking)
        .where(
            Booking.end_at < now - timedelta(days=days),
            or_(Booking.booked_by_id.is_not(None), Booking.decision_message.is_not(None)),
        )
        # updated_at kept: forgetting who booked is no change of the booking that calendars show
        # (their DTSTAMP/LAST-MODIFIED stay, so an unchanged feed stays byte-identical)
        .values(booked_by_id=None, decision_message=None, updated_at=Booking.updated_at)
        .execution_options(synchronize_session=False)
    ).rowcount
    return f"erased the booker from {n} booking(s) that ended over {days} days ago"
