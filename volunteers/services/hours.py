"""Attendance and hours: organisers mark who came and for how long; a volunteer's shifts, upcoming
and past, with their hours this week, this month and in total."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timezone

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from commons.db import utcnow, write_transaction
from commons.codes import Said
from commons.errors import ApiError, Invalid
from commons.extensions import db
from commons.models import User
from commons.timezone import iso_week, site_tz, week_bounds
from volunteers.models import Shift, ShiftSignup
from volunteers.services.common import LISTED, ShiftView, shift_views
from volunteers.services.organisers import organised_signup
from volunteers.services.profiles import get_profile


@dataclass
class MyShift:
    signup: ShiftSignup
    view: ShiftView
    waitlist_position: int | None = None
    minutes: int = 0  # counted minutes (attended or confirmed past shift)


@dataclass
class MyShifts:
    upcoming: list[MyShift] = field(default_factory=list)
    past: list[MyShift] = field(default_factory=list)
    minutes_week: int = 0
    minutes_month: int = 0
    minutes_total: int = 0


def _minutes(s: datetime, e: datetime) -> int:
    return int((e - s).total_seconds() // 60)


def counted_minutes(signup: ShiftSignup, now: datetime) -> int:
    """Minutes a sign-up counts for: attended ones their recorded minutes (or the shift's length);
    confirmed past shifts not marked yet their length; otherwise none."""
    length = _minutes(signup.start_at, signup.end_at)
    if signup.attended is True:
        return signup.minutes_worked if signup.minutes_worked is not None else length
    if signup.attended is None and signup.status == "confirmed" and signup.end_at <= now:
        return length
    return 0


@write_transaction
def record_attendance(actor: User, signup_id: int, attended: bool, minutes_worked: int | None = None,
                      now: datetime | None = None) -> ShiftSignup:
    """Organisers mark attendance and hours of a confirmed sign-up of a shift that has started."""
    now = now or utcnow()
    su = organised_signup(actor, signup_id)
    if su.status != "confirmed":
        raise ApiError(reason="not_confirmed", code="state", status=422)
    if su.start_at > now:
        raise ApiError(reason="not_started", code="state", status=422)
    if minutes_worked is not None and (minutes_worked < 0 or minutes_worked > 1440):
        params = {"max_minutes": 1440}
        raise Invalid(reason="minutes_worked_range", params=params,
                      fields={"minutes_worked": Said("minutes_worked_range", params)})
    su.attended = bool(attended)
    su.minutes_worked = (minutes_worked if attended else 0) if (minutes_worked is not None or not attended) else None
    su.updated_at = now
    db.session.flush()
    return su


def my_shifts(user: User, now: datetime | None = None) -> MyShifts:
    """The user's sign-ups (confirmed, waitlisted, invited, cancelled) upcoming and past, with hours
    this local ISO week, this month and in total (attended minutes; confirmed past shifts not yet
    marked count their length)."""
    now = now or utcnow()
    out = MyShifts()
    profile = get_profile(user)
    if profile is None:
        return out
    rows = list(db.session.execute(
        select(ShiftSignup).where(ShiftSignup.volunteer_id == profile.id, ShiftSignup.status.in_(LISTED + ("cancelled",)))
        .options(joinedload(ShiftSignup.shift).joinedload(Shift.activity))
        .order_by(ShiftSignup.start_at, ShiftSignup.id)
    ).scalars())
    views = {v.shift.id: v for v in shift_views([su.shift for su in rows])}
    waiting = [su.shift_id for su in rows if su.status == "waitlisted"]
    positions: dict[int, int] = {}
    if waiting:
        ahead = defaultdict(list)
        for sid, sid_id, q in db.session.execute(
            select(ShiftSignup.shift_id, ShiftSignup.id, ShiftSignup.queued_at)
            .where(ShiftSignup.shift_id.in_(waiting), ShiftSignup.status == "waitlisted")
            .order_by(ShiftSignup.queued_at, ShiftSignup.id)
        ):
            ahead[sid].append(sid_id)
        for su in rows:
            if su.status == "waitlisted":
                positions[su.id] = ahead[su.shift_id].index(su.id) + 1
    tz = site_tz()
    week_lo, week_hi = week_bounds(*iso_week(now, tz), tz)
    local = now.astimezone(tz)
    month_lo = datetime(local.year, local.month, 1, tzinfo=tz).astimezone(timezone.utc)
    month_hi = (datetime(local.year + (local.month == 12), local.month % 12 + 1, 1, tzinfo=tz)).astimezone(timezone.utc)
    for su in rows:
        minutes = counted_minutes(su, now)
        item = MyShift(su, views[su.shift_id], positions.get(su.id), minutes)
        (out.upcoming if su.end_at > now else out.past).append(item)
        if minutes:
            out.minutes_total += minutes
            if week_lo <= su.start_at < week_hi:
                out.minutes_week += minutes
            if month_lo <= su.start_at < month_hi:
                out.minutes_month += minutes
    # Hours of sign-ups whose person erased nothing but whose shift was removed stay in reports only.
    out.past.reverse()  # most recent first
    return out
