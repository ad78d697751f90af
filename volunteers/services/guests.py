"""People without an account on shifts: an organiser signs up a person at the counter or by phone
(name and phone). They hold a place like anyone (counted in `needed`), appear on the organisers'
list only, never on public pages or feeds (which show counts, or only the signed-in person's own
shifts), and their name and phone are erased GUEST_RETENTION_DAYS after the shift (the retention
job) or at once by staff. The row stays without the person: the hours count for reports."""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import or_, update

from commons.db import utcnow, write_transaction
from commons.errors import ApiError, Forbidden, NotFound, RuleViolation
from commons.extensions import db
from commons.models import User
from volunteers.models import ShiftSignup
from volunteers.services.common import get_shift, parse, touch
from volunteers.services.credentials import can_record_credentials
from volunteers.services.organisers import organised_shift
from volunteers.services.places import confirmed_count

GUEST_RETENTION_DAYS = 30  # the RETENTION_GUEST_DAYS setting, when given


@write_transaction
def counter_signup(actor: User, shift_id: int, data, now: datetime | None = None) -> ShiftSignup:
    """schemas.CounterSignupIn or dict {name, phone}. Locks the shift row (capacity holds under
    races, as a volunteer's sign-up). 409 `shift_full` when no place is free."""
    from volunteers.schemas import CounterSignupIn

    now = now or utcnow()
    d = parse(CounterSignupIn, data)
    organised_shift(actor, shift_id)
    shift = get_shift(shift_id, lock=True)
    if shift.status != "open":
        raise RuleViolation(reason="cancelled")
    if shift.start_at <= now:
        raise RuleViolation(reason="past")
    if confirmed_count(shift.id) >= shift.needed:
        raise ApiError(reason="shift_full", code="state", status=409)
    su = ShiftSignup(shift_id=shift.id, volunteer_id=None, status="confirmed", start_at=shift.start_at, end_at=shift.end_at,
                     queued_at=now, guest_name=d.name, guest_phone=d.phone or None, added_by_id=actor.id, updated_at=now)
    db.session.add(su)
    db.session.flush()
    touch()
    return su


@write_transaction
def erase_guest(actor: User, signup_id: int) -> ShiftSignup:
    """Staff and administrators erase a person without an account (name and phone)."""
    if not can_record_credentials(actor):
        raise Forbidden(reason="guests_staff_only")
    su = db.session.get(ShiftSignup, signup_id)
    if su is None or su.volunteer_id is not None or (su.guest_name is None and su.guest_phone is None and su.added_by_id is None):
        raise NotFound(reason="signup_not_found", params={"signup_id": signup_id})
    su.guest_name = None
    su.guest_phone = None
    db.session.flush()
    return su


@write_transaction
def forget_old_guests(now: datetime) -> str:
    """Retention: people without an account are erased from shifts that ended over the retention period ago."""
    days = int(current_app.config.get("RETENTION_GUEST_DAYS", GUEST_RETENTION_DAYS))
    n = db.session.execute(
        update(ShiftSignup)
        .where(ShiftSignup.volunteer_id.is_(None), ShiftSignup.end_at < now - timedelta(days=days),
               or_(ShiftSignup.guest_name.is_not(None), ShiftSignup.guest_phone.is_not(None)))
        .values(guest_name=None, guest_phone=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    return f"erased {n} person(s) without an account from shifts that ended over {days} days ago"
