"""Activities needing volunteers: creating and editing one (for a verified group, a facility, or
linked to one of the group's bookings), and the public lists of activities and their shifts."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from calendars.ics import space_location
from commons.codes import Said
from commons.auth import is_representative, is_staff_of
from commons.db import same_district, utcnow, write_transaction
from commons.errors import Forbidden, Invalid
from commons.extensions import db
from commons.models import Facility, Group, User
from spaces.models import ACTIVE_STATUSES, Booking, Space
from volunteers import schemas
from volunteers.models import Activity, Shift
from volunteers.services.common import ShiftView, get_activity, parse, shift_views, touch
from volunteers.services.organisers import require_organiser


def linked_booking(activity: Activity) -> Booking | None:
    """The booking an activity is linked to (its shifts lie within it), if any."""
    return db.session.get(Booking, activity.booking_id) if activity.booking_id else None


def _booking(booking_id: int) -> Booking | None:
    return db.session.execute(
        select(Booking).where(Booking.id == booking_id).options(joinedload(Booking.space).joinedload(Space.facility))
    ).scalar_one_or_none()


@write_transaction
def create_activity(actor: User, data) -> Activity:
    """schemas.ActivityIn or dict: {group_id | facility_id, title, description, district, place, booking_id}.
    A group's activity needs a verified group (refused "group_not_verified" otherwise, whoever asks)."""
    d = parse(schemas.ActivityIn, data)
    district = d.district
    place = d.place or ""
    # Who may, first: a refusal must not tell another group's bookings apart (existing, missing, cancelled).
    booking = _booking(d.booking_id) if d.booking_id is not None else None
    own_booking = booking is not None and booking.group_id == d.group_id
    if d.group_id is not None:
        group = db.session.get(Group, d.group_id)
        if group is None:
            params = {"group_id": d.group_id}
            raise Invalid(reason="group_not_found", params=params, fields={"group_id": Said("group_not_found", params)})
        staff_of_booking = own_booking and is_staff_of(actor, booking.space.facility_id)
        if not (actor.is_admin or is_representative(actor, group.id) or staff_of_booking):
            raise Forbidden(reason="not_organiser")
        if not group.verified:
            raise Forbidden(reason="group_not_verified")
    if d.booking_id is not None:
        if not own_booking:
            raise Invalid(reason="booking_not_group", fields={"booking_id": Said("booking_not_group")})
        if booking.status not in ACTIVE_STATUSES:
            params = {"status": booking.status}
            raise Invalid(reason="booking_inactive", params=params, fields={"booking_id": Said("booking_inactive", params)})
        district = booking.space.facility.district
        place = place or space_location(booking.space)
    if d.group_id is not None:
        district = district or group.district
    else:
        facility = db.session.get(Facility, d.facility_id)
        if facility is None:
            params = {"facility_id": d.facility_id}
            raise Invalid(reason="facility_not_found", params=params,
                          fields={"facility_id": Said("facility_not_found", params)})
        if not is_staff_of(actor, facility.id):
            raise Forbidden(reason="not_organiser")
        district = district or facility.district
        place = place or f"{facility.name}, {facility.address}"
    activity = Activity(
        group_id=d.group_id,
        facility_id=d.facility_id,
        booking_id=d.booking_id,
        title=d.title,
        description=d.description,
        district=district,
        place=place,
        withdraw_hours_before=d.withdraw_hours_before,
        created_by_id=actor.id,
    )
    db.session.add(activity)
    db.session.flush()
    return activity


@write_transaction
def update_activity(actor: User, activity_id: int, data) -> Activity:
    """schemas.ActivityPatch or dict."""
    d = parse(schemas.ActivityPatch, data)
    activity = get_activity(activity_id)
    require_organiser(actor, activity)
    for name in ("title", "description", "district", "place"):
        value = getattr(d, name)
        if value is not None:
            setattr(activity, name, value)
    if "withdraw_hours_before" in d.model_fields_set:
        activity.withdraw_hours_before = d.withdraw_hours_before
    activity.updated_at = utcnow()
    db.session.flush()
    touch()
    return activity


def activity_shift_views(activity_id: int, include_cancelled: bool = False) -> list[ShiftView]:
    """The activity's shifts with counts (public)."""
    stmt = select(Shift).where(Shift.activity_id == activity_id).options(joinedload(Shift.activity)).order_by(Shift.start_at, Shift.id)
    if not include_cancelled:
        stmt = stmt.where(Shift.status == "open")
    return shift_views(list(db.session.execute(stmt).scalars()))


def list_activities(upcoming_only: bool = True, district: str | None = None, now: datetime | None = None) -> list[tuple[Activity, list[ShiftView]]]:
    """Public listing: activities with their upcoming open shifts and counts only, never names."""
    now = now or utcnow()
    stmt = select(Shift).join(Shift.activity).options(joinedload(Shift.activity).joinedload(Activity.group)).where(Shift.status == "open")
    if upcoming_only:
        stmt = stmt.where(Shift.end_at > now)
    if district:
        stmt = stmt.where(same_district(Activity.district, district))
    shifts = list(db.session.execute(stmt.order_by(Shift.start_at, Shift.id).limit(2000)).scalars())
    by_activity: dict[int, list[ShiftView]] = {}
    activities: dict[int, Activity] = {}
    for v in shift_views(shifts):
        by_activity.setdefault(v.activity.id, []).append(v)
        activities[v.activity.id] = v.activity
    return [(activities[aid], views) for aid, views in by_activity.items()]
