"""A person's bookings in their personal data (hooks: commons.services.PERSONAL_DATA_EXPORTERS and
ERASERS, registered in spaces/__init__.py): the bookings they made, and the erasure that keeps the
groups' bookings without who made them; and the contact of a booking staff made for a person at the counter,
erased on request (erase_contact) or by the retention job (spaces.housekeeping.forget_old_bookers)."""
from __future__ import annotations

from sqlalchemy import or_, select, update
from sqlalchemy.orm import joinedload

from commons import audit
from commons.db import write_transaction
from commons.errors import ApiError
from commons.extensions import db
from commons.models import User
from spaces.models import Booking
from spaces.services.booking_lists import get_booking
from spaces.services.common import require_staff


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


@write_transaction
def erase_contact(actor: User, booking_id: int) -> list[int]:
    """On the person's request: the contact (name and phone) of a booking staff made for them at the
    counter is erased from it and from the rest of its series; the bookings stay, as a group's do.
    Staff of the facility (or an administrator) only; others' bookings answer 404. Returns the ids."""
    booking = get_booking(actor, booking_id)
    require_staff(actor, booking.space.facility_id)
    if booking.contact_name is None and booking.contact_phone is None:
        raise ApiError(reason="contact_already_erased", code="state", status=422)
    same = Booking.id == booking.id if booking.series_id is None else Booking.series_id == booking.series_id
    ids = list(db.session.execute(select(Booking.id).where(same, or_(Booking.contact_name.is_not(None), Booking.contact_phone.is_not(None)))).scalars())
    db.session.execute(update(Booking).where(Booking.id.in_(ids)).values(contact_name=None, contact_phone=None, updated_at=Booking.updated_at)
                       .execution_options(synchronize_session=False))
    audit.record(actor, "booking.contact_erase", booking.id, facility_id=booking.space.facility_id, group_id=booking.group_id,
                 details={"bookings": len(ids)})
    return ids
