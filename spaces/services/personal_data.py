"""A person's bookings in their personal data (hooks: commons.services.PERSONAL_DATA_EXPORTERS and
ERASERS, registered in spaces/__init__.py): the bookings they made, and the erasure that keeps the
groups' bookings without who made them."""
from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from commons.extensions import db
from commons.models import User
from spaces.models import Booking


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
