"""What the booking form asks before a booking is made (no writes): the group the person last
booked for (the form preselects it), and the same group's bookings in other spaces at the time asked
for (the form warns, and books only when the person says "book anyway"; the API does not refuse)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from commons.errors import ApiError
from commons.extensions import db
from commons.models import User
from spaces import rules
from spaces.models import ACTIVE_STATUSES, Booking, Space
from spaces.schemas import BookingIn
from spaces.services.common import LOOKBACK, family_select, to_utc


def last_booked_group(actor: User) -> int | None:
    """The group of the last booking the person made (for their own group or, as staff, for another)."""
    return db.session.execute(
        select(Booking.group_id).where(Booking.booked_by_id == actor.id).order_by(Booking.id.desc()).limit(1)
    ).scalar_one_or_none()


@dataclass(frozen=True)
class Elsewhere:
    """A booking of the same group in another space at a time asked for: where and when, in that space's zone."""

    booking_id: int
    space_name: str
    facility_name: str
    start: datetime
    end: datetime
    tz: ZoneInfo


def same_group_elsewhere(data: BookingIn, tz: ZoneInfo, limit: int = 5) -> list[Elsewhere]:
    """The group's active bookings in other spaces (not the space's own family: the hall it is part of,
    its parts; those are conflicts) overlapping any date asked for (a series: each of
    its dates), first ones first, at most `limit`. A request the rules would refuse anyway (bad times,
    a bad repeat rule) finds nothing here: the booking itself says what is wrong."""
    try:
        start, end = to_utc(data.start, tz, "start"), to_utc(data.end, tz, "end")
        if end <= start:
            return []
        occurrences = rules.expand_series(data.rrule, start, end, tz)[0] if data.rrule else [rules.Interval(start, end)]
    except (ApiError, rules.RRuleError):
        return []
    if not occurrences:
        return []
    lo, hi = min(o.start for o in occurrences), max(o.end for o in occurrences)
    found = db.session.execute(
        select(Booking).options(joinedload(Booking.space).joinedload(Space.facility)).where(
            Booking.group_id == data.group_id,
            Booking.space_id.not_in(family_select([data.space_id])),  # its own family: a conflict, said as one
            Booking.status.in_(ACTIVE_STATUSES),
            Booking.start_at < hi,
            Booking.start_at > lo - LOOKBACK,
            Booking.end_at > lo,
        ).order_by(Booking.start_at)
    ).scalars()
    out = []
    for b in found:
        if any(b.start_at < o.end and o.start < b.end_at for o in occurrences):
            out.append(Elsewhere(b.id, b.space.name, b.space.facility.name, b.start_at, b.end_at, ZoneInfo(b.space.timezone)))
            if len(out) == limit:
                break
    return out
