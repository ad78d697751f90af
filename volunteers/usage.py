"""Volunteering in the spaces' usage reports: the volunteer minutes and the volunteers active per
space (registered in spaces.hooks.VOLUNTEER_FIGURES by volunteers.register_hooks)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from commons.extensions import db
from spaces.models import Booking
from volunteers.models import Activity, Shift, ShiftSignup


def volunteer_figures(space_ids: list[int], lo: datetime, hi: datetime) -> dict[int, tuple[float, set[int]]]:
    """Volunteer minutes and the ids of the volunteers active, per space, in [lo, hi).

    Attended sign-ups of shifts of activities linked to bookings in these spaces, one query; each
    sign-up's minutes (recorded, else the shift's length) clipped to the window in proportion.
    Sign-ups of people who erased their account count their minutes but no volunteer id.
    """
    out: dict[int, tuple[float, set[int]]] = {}
    if not space_ids:
        return out
    rows = db.session.execute(
        select(Booking.space_id, ShiftSignup.volunteer_id, ShiftSignup.start_at, ShiftSignup.end_at, ShiftSignup.minutes_worked)
        .join(Shift, Shift.id == ShiftSignup.shift_id)
        .join(Activity, Activity.id == Shift.activity_id)
        .join(Booking, Booking.id == Activity.booking_id)
        .where(Booking.space_id.in_(space_ids), ShiftSignup.attended.is_(True), ShiftSignup.start_at < hi, ShiftSignup.end_at > lo)
    )
    minutes: dict[int, float] = {}
    people: dict[int, set[int]] = {}
    for sid, vid, s, e, worked in rows:
        length = (e - s).total_seconds() / 60
        clipped = (min(e, hi) - max(s, lo)).total_seconds() / 60
        value = (worked if worked is not None else length) * (clipped / length if length > 0 else 0)
        minutes[sid] = minutes.get(sid, 0.0) + value
        people.setdefault(sid, set())
        if vid is not None:
            people[sid].add(vid)
    return {sid: (minutes[sid], people[sid]) for sid in minutes}
