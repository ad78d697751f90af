"""Who organises what: the verified groups a person represents, the facilities they staff, and the
activities, shifts and sign-ups that makes theirs."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from commons.auth import is_representative, is_staff_of, staff_facility_ids
from commons.db import utcnow
from commons.errors import Forbidden, NotFound
from commons.extensions import db
from commons.models import Facility, Group, GroupMember, User
from spaces.models import ACTIVE_STATUSES, Booking, Space
from volunteers.models import Activity, Shift, ShiftSignup
from volunteers.services.common import ShiftView, get_shift_view


def organising_group_ids(user: User | None) -> set[int]:
    """The groups whose volunteering the user may organise: the verified groups they represent. An
    unverified group (anyone can register one, free and at once) organises no volunteers: volunteers'
    names and fit are for groups the city has checked, and for staff."""
    if user is None:
        return set()
    return set(db.session.execute(
        select(GroupMember.group_id).join(Group, Group.id == GroupMember.group_id)
        .where(GroupMember.user_id == user.id, Group.verified.is_(True))
    ).scalars())


def can_organise(user: User | None, activity: Activity) -> bool:
    """Representatives of the activity's group when the group is verified; staff of its facility;
    staff of the facility of the booking it is linked to; admins."""
    if user is None:
        return False
    if user.is_admin:
        return True
    if activity.group_id is not None and activity.group is not None and activity.group.verified \
            and is_representative(user, activity.group_id):
        return True
    if activity.facility_id is not None and is_staff_of(user, activity.facility_id):
        return True
    if activity.booking_id is not None and user.role == "staff":
        fid = db.session.execute(
            select(Space.facility_id).join(Booking, Booking.space_id == Space.id).where(Booking.id == activity.booking_id)
        ).scalar_one_or_none()
        if fid is not None and is_staff_of(user, fid):
            return True
    return False


def organised_ids(user: User | None, activities: list[Activity]) -> set[int]:
    """The ids of those activities the user organises (can_organise for a list: at most three queries)."""
    if user is None or not activities:
        return set()
    if user.is_admin:
        return {a.id for a in activities}
    gids, fids = organising_group_ids(user), staff_facility_ids(user)
    booking_facility = {}
    linked = [a.booking_id for a in activities if a.booking_id is not None]
    if fids and linked:
        booking_facility = dict(db.session.execute(
            select(Booking.id, Space.facility_id).join(Space, Space.id == Booking.space_id).where(Booking.id.in_(linked))
        ).all())
    return {
        a.id for a in activities
        if a.group_id in gids or a.facility_id in fids or booking_facility.get(a.booking_id) in fids
    }


def require_organiser(user: User, activity: Activity) -> None:
    if not can_organise(user, activity):
        raise Forbidden(reason="not_organiser")


def organised_shift(actor: User, shift_id: int) -> ShiftView:
    view = get_shift_view(shift_id)
    require_organiser(actor, view.activity)
    return view


def organised_signup(actor: User, signup_id: int) -> ShiftSignup:
    su = db.session.execute(
        select(ShiftSignup).where(ShiftSignup.id == signup_id).options(joinedload(ShiftSignup.shift).joinedload(Shift.activity))
    ).scalar_one_or_none()
    if su is None or not can_organise(actor, su.shift.activity):
        raise NotFound(reason="signup_not_found", params={"signup_id": signup_id})
    return su


def organisable_groups_and_facilities(user: User) -> tuple[list, list]:
    """(verified groups the user represents, facilities the user staffs) for the activity form."""
    gids = organising_group_ids(user)
    groups = list(db.session.execute(select(Group).where(Group.id.in_(gids)).order_by(Group.name)).scalars()) if gids else []
    if user.is_admin:
        facilities = list(db.session.execute(select(Facility).order_by(Facility.name)).scalars())
    else:
        fids = staff_facility_ids(user)
        facilities = list(db.session.execute(select(Facility).where(Facility.id.in_(fids)).order_by(Facility.name)).scalars()) if fids else []
    return groups, facilities


def bookings_for_activity(user: User, group_id: int, now: datetime | None = None) -> list:
    """Upcoming active bookings of a verified group the user represents, for the activity form's link choice."""
    now = now or utcnow()
    if not (user.is_admin or group_id in organising_group_ids(user)):
        return []
    return list(
        db.session.execute(
            select(Booking)
            .where(Booking.group_id == group_id, Booking.status.in_(ACTIVE_STATUSES), Booking.end_at > now)
            .options(joinedload(Booking.space).joinedload(Space.facility))
            .order_by(Booking.start_at)
            .limit(200)
        ).scalars()
    )


def my_activities(actor: User) -> list[Activity]:
    """Activities the actor organises (their verified groups', their facilities', linked to bookings in their facilities)."""
    stmt = select(Activity).options(joinedload(Activity.group), joinedload(Activity.facility)).order_by(Activity.title, Activity.id)
    if not actor.is_admin:
        gids, fids = organising_group_ids(actor), staff_facility_ids(actor)
        conds = []
        if gids:
            conds.append(Activity.group_id.in_(gids))
        if fids:
            conds.append(Activity.facility_id.in_(fids))
            conds.append(Activity.booking_id.in_(select(Booking.id).join(Space, Space.id == Booking.space_id).where(Space.facility_id.in_(fids))))
        if not conds:
            return []
        stmt = stmt.where(or_(*conds))
    return list(db.session.execute(stmt).scalars())
