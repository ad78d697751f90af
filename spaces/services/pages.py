"""What the HTML pages read besides the use cases: the search form's districts and equipment, the
groups a person may book a space for, the public titles on a space's week (never who), and the signed-in
person's own groups' bookings on it (shown to them alone as theirs)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from commons.auth import is_staff_of, member_group_ids
from commons.extensions import db
from commons.models import Facility, Group, User
from spaces.models import ACTIVE_STATUSES, HOLDING_STATUSES, Booking, Space, SpaceFeature
from spaces.services.common import LOOKBACK


def list_districts() -> list[str]:
    """The districts that have facilities, for the search form."""
    return list(db.session.execute(select(Facility.district).distinct().order_by(Facility.district)).scalars())


def list_equipment() -> list[str]:
    """The equipment the spaces have, for the search form."""
    return list(
        db.session.execute(
            select(SpaceFeature.code).where(SpaceFeature.kind == "equipment").distinct().order_by(SpaceFeature.code)
        ).scalars()
    )


def bookable_groups(actor: User, space: Space) -> tuple[list[Group], list[Group]]:
    """(groups the actor represents, other verified groups they may book for as staff of the space's facility)."""
    own_ids = member_group_ids(actor)
    own = list(db.session.execute(select(Group).where(Group.id.in_(own_ids)).order_by(Group.name)).scalars()) if own_ids else []
    others: list[Group] = []
    if is_staff_of(actor, space.facility_id):
        stmt = select(Group).where(Group.verified.is_(True), Group.counter_facility_id.is_(None)).order_by(Group.name)
        if own_ids:
            stmt = stmt.where(Group.id.not_in(own_ids))
        others = list(db.session.execute(stmt).scalars())
    return own, others


def public_titles(space_id: int, lo: datetime, hi: datetime) -> list[tuple[datetime, datetime, str]]:
    """(start, end, title) of the active bookings in [lo, hi) whose group made the title public; never who."""
    return [
        (s, e, t)
        for s, e, t in db.session.execute(
            select(Booking.start_at, Booking.end_at, Booking.title)
            .where(
                Booking.space_id == space_id,
                Booking.status.in_(ACTIVE_STATUSES),
                Booking.public_title.is_(True),
                Booking.start_at < hi,
                Booking.start_at > lo - LOOKBACK,
                Booking.end_at > lo,
            )
            .order_by(Booking.start_at)
        )
    ]


def own_bookings(space_id: int, group_ids: list[int], lo: datetime, hi: datetime) -> list[tuple[datetime, datetime, str, int, str]]:
    """(start, end, status, group_id, title) of the given groups' bookings in the space that hold time in
    [lo, hi): the signed-in person's own groups' (they see these as theirs; others see only "Booked").
    One query, none without groups."""
    if not group_ids:
        return []
    return [
        tuple(row)
        for row in db.session.execute(
            select(Booking.start_at, Booking.end_at, Booking.status, Booking.group_id, Booking.title)
            .where(
                Booking.space_id == space_id,
                Booking.group_id.in_(group_ids),
                Booking.status.in_(HOLDING_STATUSES),
                Booking.start_at < hi,
                Booking.start_at > lo - LOOKBACK,
                Booking.end_at > lo,
            )
            .order_by(Booking.start_at)
        )
    ]
