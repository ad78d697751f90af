"""An activity's shifts: adding one (within the linked booking, if any), changing it (people told,
moved to the waitlist when it no longer fits them, promoted when places are added), cancelling it."""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from commons.db import utcnow, write_transaction
from commons.codes import Said
from commons.errors import ApiError, Invalid, RuleViolation
from commons.extensions import db
from commons.models import User
from commons.timezone import site_tz
from spaces.models import ACTIVE_STATUSES, Booking
from spaces.services import to_utc
from volunteers import notices, schemas
from volunteers.models import Activity, Shift, ShiftSignup, VolunteerProfile
from volunteers.services.common import LISTED, get_activity, get_shift, parse, touch
from volunteers.services.organisers import require_organiser
from volunteers.services.places import place_problem, promote, waitlist_position

MAX_SHIFT = timedelta(hours=24)


def _check_times(activity: Activity, s: datetime, e: datetime, now: datetime) -> None:
    if e <= s:
        raise Invalid(reason="end_before_start", fields={"end": Said("end_before_start")})
    if e - s > MAX_SHIFT:
        params = {"max_hours": MAX_SHIFT // timedelta(hours=1)}
        raise Invalid(reason="shift_too_long", params=params, fields={"end": Said("shift_too_long", params)})
    if s <= now:
        raise Invalid(reason="past", fields={"start": Said("shift_start_past")})
    if activity.booking_id is not None:
        booking = db.session.get(Booking, activity.booking_id)
        if booking is not None:
            if booking.status not in ACTIVE_STATUSES:
                params = {"status": booking.status}
                raise RuleViolation(reason="booking_inactive", params=params,
                                    fields={"start": Said("linked_booking_inactive", params)})
            if s < booking.start_at or e > booking.end_at:
                tz = site_tz()
                params = {"start": booking.start_at.astimezone(tz).isoformat(), "end": booking.end_at.astimezone(tz).isoformat()}
                raise RuleViolation(reason="outside_booking", params=params, fields={"start": Said("outside_booking", params)})


@write_transaction
def create_shift(actor: User, activity_id: int, data, now: datetime | None = None) -> Shift:
    """schemas.ShiftIn or dict {start, end, needed, skills, languages, min_age, requires}. Within the linked booking."""
    now = now or utcnow()
    d = parse(schemas.ShiftIn, data)
    activity = get_activity(activity_id)
    require_organiser(actor, activity)
    tz = site_tz()
    s, e = to_utc(d.start, tz, "start"), to_utc(d.end, tz, "end")
    _check_times(activity, s, e, now)
    shift = Shift(activity_id=activity.id, start_at=s, end_at=e, needed=d.needed, skills=list(d.skills),
                  languages=list(d.languages), min_age=d.min_age, requires=list(d.requires), status="open", sequence=0)
    db.session.add(shift)
    db.session.flush()
    touch()
    return shift


@write_transaction
def update_shift(actor: User, shift_id: int, data, now: datetime | None = None) -> Shift:
    """schemas.ShiftPatch or dict. Time change: SEQUENCE grows, sign-ups' times follow, confirmed people
    told; confirmed people who now overlap another of their shifts or exceed hours are moved to the
    waitlist. Raising `needed` promotes from the waitlist; lowering it never removes anyone.

    Once anyone is on the shift (invited, waiting or with a place), its minimum age stays as it is,
    and a shift with a minimum age stays on its day (refused "age_rule_fixed"): otherwise moving the
    day or the age and watching who is moved to the waitlist (or promoted) would tell a volunteer's
    date of birth. The time of day may still change."""
    now = now or utcnow()
    d = parse(schemas.ShiftPatch, data)
    shift = get_shift(shift_id, lock=True)
    activity = get_activity(shift.activity_id)
    require_organiser(actor, activity)
    if shift.status != "open":
        raise ApiError(reason="cancelled", code="state", status=422)
    if shift.end_at <= now:
        raise ApiError(reason="past", code="state", status=422)
    tz = site_tz()
    s = to_utc(d.start, tz, "start") if d.start is not None else shift.start_at
    e = to_utc(d.end, tz, "end") if d.end is not None else shift.end_at
    moved = (s, e) != (shift.start_at, shift.end_at)
    if moved:
        _check_times(activity, s, e, now)
    _check_age_rule_fixed(shift, d, s, tz)
    changed = moved
    tightened = d.requires is not None and not set(d.requires) <= set(shift.requires or [])
    for name in ("needed", "skills", "languages", "requires"):
        value = getattr(d, name)
        if value is not None and value != getattr(shift, name):
            setattr(shift, name, list(value) if isinstance(value, list) else value)
            changed = True
    if "min_age" in d.model_fields_set and d.min_age != shift.min_age:
        shift.min_age = d.min_age
        changed = True
    if not changed:
        return shift
    signups = list(db.session.execute(
        select(ShiftSignup).where(ShiftSignup.shift_id == shift.id, ShiftSignup.status.in_(LISTED)).order_by(ShiftSignup.queued_at, ShiftSignup.id)
    ).scalars())
    bumped: list[ShiftSignup] = []
    if moved or tightened:
        # Confirmed people for whom the new time overlaps another shift (or goes past their hours)
        # go back in line first, so the database's no-overlap guard never sees a conflict; so do
        # those without a newly required credential valid on the shift's date.
        for su in signups:
            if su.status == "confirmed" and su.volunteer_id is not None:
                profile = db.session.get(VolunteerProfile, su.volunteer_id)
                if place_problem(profile, s, e, shift.min_age, tz, exclude_shift=shift.id, requires=shift.requires) is not None:
                    su.status = "waitlisted"
                    bumped.append(su)
        db.session.flush()
        for su in signups:
            su.start_at, su.end_at = s, e
        shift.start_at, shift.end_at = s, e
    shift.sequence += 1
    shift.updated_at = now
    db.session.flush()
    promoted = promote(shift, now)
    notices.shift_changed(shift, [su for su in signups if su not in bumped and su not in promoted], now, moved=moved)
    for su in bumped:
        notices.waitlisted(su, waitlist_position(shift.id, su), now, bumped=True)
    touch([su.volunteer_id for su in signups])
    return shift


def _check_age_rule_fixed(shift: Shift, d: schemas.ShiftPatch, new_start: datetime, tz: ZoneInfo) -> None:
    """update_shift's freeze: with anyone on the shift, no new minimum age, and no new day for a
    shift that has one (see update_shift)."""
    new_age = "min_age" in d.model_fields_set and (d.min_age or None) != (shift.min_age or None)
    new_day = bool(shift.min_age) and new_start.astimezone(tz).date() != shift.start_at.astimezone(tz).date()
    if not (new_age or new_day):
        return
    someone = db.session.execute(
        select(ShiftSignup.id).where(ShiftSignup.shift_id == shift.id, ShiftSignup.status.in_(LISTED)).limit(1)
    ).first()
    if someone is None:
        return
    if new_age:
        raise Invalid(reason="age_rule_fixed", fields={"min_age": Said("age_rule_fixed")})
    raise Invalid(reason="age_rule_fixed", fields={"start": Said("age_rule_fixed")})


@write_transaction
def cancel_shift(actor: User, shift_id: int, now: datetime | None = None) -> Shift:
    """Status cancelled, SEQUENCE grows, everyone signed up or waiting told; their sign-ups become
    "cancelled" (the volunteer's feed shows the shift as STATUS:CANCELLED)."""
    now = now or utcnow()
    shift = get_shift(shift_id, lock=True)
    activity = get_activity(shift.activity_id)
    require_organiser(actor, activity)
    if shift.status == "cancelled":
        raise ApiError(reason="cancelled", code="state", status=422)
    if shift.end_at <= now:
        raise ApiError(reason="past", code="state", status=422)
    signups = list(db.session.execute(
        select(ShiftSignup).where(ShiftSignup.shift_id == shift.id, ShiftSignup.status.in_(LISTED))
    ).scalars())
    for su in signups:
        su.status = "cancelled"
        su.updated_at = now
    shift.status = "cancelled"
    shift.sequence += 1
    shift.updated_at = now
    db.session.flush()
    notices.shift_cancelled(shift, signups, now)
    touch([su.volunteer_id for su in signups])
    return shift
