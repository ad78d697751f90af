"""Sign-ups: a volunteer takes a place (or a place in line) and leaves it; organisers invite
candidates, take people off a shift and read its list."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select

from commons.db import utcnow, write_transaction
from commons.errors import ApiError, RuleViolation
from commons.extensions import db
from commons.models import User
from commons.timezone import site_tz
from volunteers import notices
from volunteers.models import Activity, Shift, ShiftSignup, VolunteerProfile
from volunteers.services.candidates import is_candidate
from volunteers.services.common import LISTED, get_shift, touch
from volunteers.services.organisers import organised_shift, organised_signup
from volunteers.services.places import confirmed_count, flush_or_conflict, place_problem, take_off, waitlist_position
from volunteers.services.profiles import get_profile, require_profile


@dataclass
class SignupResult:
    status: str  # "confirmed", "waitlisted", "withdrawn", "invited"
    signup: ShiftSignup | None = None
    waitlist_position: int | None = None


@dataclass
class SignupView:
    """A sign-up as the shift's organisers see it. `shared_contact` only for confirmed ones (a
    person without an account: the phone the organiser wrote down)."""

    signup: ShiftSignup
    name: str
    waitlist_position: int | None = None
    shared_contact: str | None = None
    without_account: bool = False


@write_transaction
def signup(user: User, shift_id: int, now: datetime | None = None) -> SignupResult:
    """Confirmed if a place is free, else waitlisted. Locks the shift row, then the profile row.
    Refuses (Conflict 409) an overlapping confirmed shift; RuleViolation (422 code "rule") for weekly
    hours, minimum age, missing guardian consent, cancelled or past shift, no profile."""
    return _signup(user, shift_id, now or utcnow())


def _signup(user: User, shift_id: int, now: datetime, notify: bool = True) -> SignupResult:
    shift = get_shift(shift_id, lock=True)  # 1. the shift's row: capacity holds under races
    profile = require_profile(user, lock=True)  # 2. the person's row: overlap and hours hold under races
    if shift.status != "open":
        raise RuleViolation(reason="cancelled")
    if shift.start_at <= now:
        raise RuleViolation(reason="past")
    if not profile.active:
        raise RuleViolation(reason="inactive_profile")
    su = db.session.execute(
        select(ShiftSignup).where(ShiftSignup.shift_id == shift.id, ShiftSignup.volunteer_id == profile.id)
    ).scalar_one_or_none()
    if su is not None and su.status in ("confirmed", "waitlisted"):
        return SignupResult(su.status, su, waitlist_position(shift.id, su))
    if su is not None and su.status == "removed":
        raise RuleViolation(reason="removed")
    tz = site_tz()
    problem = place_problem(profile, shift.start_at, shift.end_at, shift.min_age, tz, requires=shift.requires)
    if problem is not None:
        raise problem
    status = "confirmed" if confirmed_count(shift.id) < shift.needed else "waitlisted"
    if su is None:
        su = ShiftSignup(shift_id=shift.id, volunteer_id=profile.id, start_at=shift.start_at, end_at=shift.end_at)
        db.session.add(su)
    su.status = status
    su.queued_at = utcnow()  # taken under the shift's lock: the line's order is the order of commits
    su.updated_at = now
    su.start_at, su.end_at = shift.start_at, shift.end_at
    flush_or_conflict()
    position = waitlist_position(shift.id, su)
    if notify:
        if status == "confirmed":
            notices.confirmed(su, now)
        else:
            notices.waitlisted(su, position, now)
    touch([profile.id])
    return SignupResult(status, su, position)


@write_transaction
def withdraw(user: User, shift_id: int, now: datetime | None = None) -> SignupResult:
    """Leave a shift or its waitlist (or decline an invitation); a freed place goes to the first
    eligible person in line in the same transaction. Leaving a place later than the activity's
    `withdraw_hours_before` is recorded (`late_withdrawal_at`)."""
    now = now or utcnow()
    shift = get_shift(shift_id, lock=True)
    profile = require_profile(user)
    su = db.session.execute(
        select(ShiftSignup).where(ShiftSignup.shift_id == shift.id, ShiftSignup.volunteer_id == profile.id)
    ).scalar_one_or_none()
    if su is None or su.status not in LISTED:
        raise ApiError(reason="not_signed_up", code="state", status=422)
    if shift.start_at <= now:
        raise ApiError(reason="started", code="state", status=422)
    activity = db.session.get(Activity, shift.activity_id)
    if su.status == "confirmed" and activity is not None and activity.withdraw_hours_before is not None \
            and shift.start_at - now < timedelta(hours=activity.withdraw_hours_before):
        su.late_withdrawal_at = now  # still allowed; the organisers see it, and it counts on the volunteer's hours page
    take_off(shift, su, "withdrawn", now)
    return SignupResult("withdrawn", su)


@write_transaction
def remove_signup(actor: User, signup_id: int, now: datetime | None = None) -> ShiftSignup:
    """An organiser takes someone off a shift (status removed); the place goes to the next in line."""
    now = now or utcnow()
    su = organised_signup(actor, signup_id)
    shift = get_shift(su.shift_id, lock=True)
    db.session.refresh(su)
    if su.status not in LISTED:
        raise ApiError(reason="not_signed_up", params={"organiser": True}, code="state", status=422)
    take_off(shift, su, "removed", now)
    return su


@write_transaction
def invite(actor: User, shift_id: int, volunteer_id: int, now: datetime | None = None) -> ShiftSignup:
    """An organiser invites a volunteer (profile id): a sign-up with status invited (no place held)
    and a notice. The volunteer accepts by signing up (every check of a sign-up, on the shift's
    date) or declines by withdrawing. Only the shift's candidates can be invited (is_candidate);
    anyone else (no such profile, a paused one, any rule) is refused alike: 422 "not_eligible"."""
    now = now or utcnow()
    view = organised_shift(actor, shift_id)
    shift = get_shift(shift_id, lock=True)
    if shift.status != "open":
        raise RuleViolation(reason="cancelled")
    if shift.start_at <= now:
        raise RuleViolation(reason="past")
    not_candidate = RuleViolation(reason="not_eligible")
    profile = db.session.get(VolunteerProfile, volunteer_id)
    if profile is None or not profile.active:
        raise not_candidate  # the same answer: whether an id is a (paused) profile is not the organiser's to learn
    su = db.session.execute(
        select(ShiftSignup).where(ShiftSignup.shift_id == shift.id, ShiftSignup.volunteer_id == profile.id)
    ).scalar_one_or_none()
    if su is not None and su.status in ("confirmed", "waitlisted"):
        raise ApiError(reason="already", code="state", status=409)
    if su is not None and su.status == "invited":
        return su
    if not is_candidate(profile, view, now):
        raise not_candidate
    return write_invitation(actor, shift, view.activity, profile, su, now)


def write_invitation(actor: User, shift: Shift, activity: Activity, profile: VolunteerProfile, su: ShiftSignup | None,
            now: datetime) -> ShiftSignup:
    """Write the invitation (status invited: no place held, no hours used) and queue its e-mail."""
    if su is None:
        su = ShiftSignup(shift_id=shift.id, volunteer_id=profile.id)
        db.session.add(su)
    su.status = "invited"
    su.start_at, su.end_at = shift.start_at, shift.end_at
    su.invited_by_id = actor.id
    su.queued_at = now
    su.updated_at = now
    db.session.flush()
    notices.invited(su, activity, actor, now)
    touch([profile.id], shifts=False)
    return su


def shift_signups(actor: User, shift_id: int) -> list[SignupView]:
    """Sign-ups of the shift for its organisers: confirmed, then the waitlist in order, then invited,
    then withdrawals later than the activity allows. The contact a volunteer chose to share only
    for confirmed ones; people without an account with the name and phone written down."""
    organised_shift(actor, shift_id)
    rows = db.session.execute(
        select(ShiftSignup, VolunteerProfile.shared_contact, User.name)
        .outerjoin(VolunteerProfile, VolunteerProfile.id == ShiftSignup.volunteer_id)
        .outerjoin(User, User.id == VolunteerProfile.user_id)
        .where(ShiftSignup.shift_id == shift_id,
               or_(ShiftSignup.status.in_(("confirmed", "waitlisted", "invited", "cancelled")),
                   and_(ShiftSignup.status == "withdrawn", ShiftSignup.late_withdrawal_at.is_not(None))))
        .order_by(ShiftSignup.queued_at, ShiftSignup.id)
    ).all()
    order = {"confirmed": 0, "waitlisted": 1, "invited": 2, "cancelled": 3, "withdrawn": 4}
    out: list[SignupView] = []
    position = 0
    for su, contact, name in sorted(rows, key=lambda r: order[r[0].status]):
        pos = None
        if su.status == "waitlisted":
            position += 1
            pos = position
        guest = su.volunteer_id is None and (su.added_by_id is not None or su.guest_name is not None)
        if guest:
            name, contact = su.guest_name or "", su.guest_phone
        out.append(SignupView(su, name or "", pos, contact if su.status == "confirmed" else None, without_account=guest))
    return out


def my_signup(user: User, shift_id: int) -> ShiftSignup | None:
    profile = get_profile(user)
    if profile is None:
        return None
    return db.session.execute(
        select(ShiftSignup).where(ShiftSignup.shift_id == shift_id, ShiftSignup.volunteer_id == profile.id)
    ).scalar_one_or_none()
