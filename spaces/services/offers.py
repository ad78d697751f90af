"""Offers to the waiting list: when booked time frees, the first in line gets it, held (status
"offered", spaces.models.HOLDING_STATUSES) until the group accepts, declines or the offer expires
(spaces.services.waitlist, spaces.housekeeping). Its own module: every change that frees time
(spaces.services.booking_changes, the jobs, the waiting list's use cases) calls it."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from commons.extensions import db
from spaces import notices, rules
from spaces.models import Booking, Space, WaitlistEntry
from spaces.services.common import family_select, load_busy, space_rules


def offer_freed(space_id: int, now: datetime) -> list[Booking]:
    """Offers for the time that just freed in the space: each waiting entry in line (first joined
    first) whose whole time is now free (the rest of it, when it has begun) gets an offered booking.
    Called by every change that frees time, in its transaction, holding the space's lock."""
    # The whole family's line (spaces.families): time freed in a hall may be what its half's line waits for.
    stmt = (select(WaitlistEntry).where(WaitlistEntry.space_id.in_(family_select([space_id])),
                                        WaitlistEntry.status == "waiting", WaitlistEntry.end_at > now)
            .order_by(WaitlistEntry.id))
    if db.session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    entries = list(db.session.execute(stmt).scalars())
    if not entries:
        return []
    spaces = {s.id: s for s in db.session.execute(
        select(Space).where(Space.id.in_({e.space_id for e in entries}))).scalars()}
    offered: list[Booking] = []
    for entry in entries:
        space = spaces[entry.space_id]
        sr = space_rules(space)
        start = rules.offered_start(entry.start_at, now, sr.slot_minutes)
        if start >= entry.end_at:
            continue
        booked, closures = load_busy([space.id], start, entry.end_at, margin=sr.buffer)
        if rules.conflict_problems(start, entry.end_at, sr, booked[space.id], closures[space.id]):
            continue
        booking = Booking(space_id=space.id, group_id=entry.group_id, title=entry.title, attendees=entry.attendees,
                          start_at=start, end_at=entry.end_at, blocked_until=entry.end_at + sr.buffer, status="offered",
                          offer_expires_at=rules.offer_expiry(now, start, entry.end_at, space.offer_hours),
                          waitlist_entry_id=entry.id, created_at=now, updated_at=now)
        db.session.add(booking)
        entry.status = "offered"
        db.session.flush()
        offered.append(booking)
    if offered:
        notices.offers_made(offered, now)
    return offered
