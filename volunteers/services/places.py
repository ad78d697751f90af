"""Holding a place on a shift: whether a person can (age, consent, overlap, weekly hours), the
waitlist and its order, and giving a freed place to the first in line who can take it."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, or_, select
from sqlalchemy.exc import IntegrityError

from commons.codes import english
from commons.errors import ApiError, Conflict, RuleViolation
from commons.extensions import db
from commons.timezone import site_tz
from volunteers import notices, rules
from volunteers.models import Shift, ShiftSignup, VolunteerProfile
from volunteers.services.common import touch
from volunteers.services.facts import volunteer_facts


def place_problem(profile: VolunteerProfile | None, s: datetime, e: datetime, min_age: int | None, tz: ZoneInfo,
                  exclude_shift: int | None = None, requires=()) -> ApiError | None:
    """Why this person cannot hold a place on a shift at [s, e) (None: they can), as an error to
    raise: the rules' `holding_misses` (credentials required on the shift's date, age, consent,
    overlap, weekly hours), the same ones the matching uses. Reads their confirmed shifts and
    credentials (one query each). A credential's refusal: 422 code "credential" with params
    `kind` and `problem` ("missing" or "expires") and `shift_date`."""
    if profile is None:
        return RuleViolation(reason="no_profile")
    facts = volunteer_facts(profile, s, exclude_shift)
    misses = rules.holding_misses(facts, rules.ShiftFacts(id=exclude_shift or 0, start=s, end=e, district="", min_age=min_age,
                                                          requires=frozenset(requires or ())), tz)
    if not misses:
        return None
    first = misses[0].code  # the refusal of each of rules.holding_misses' codes
    if first == "credential":
        kind, problem = misses[0].value.split(":")
        params = {"kind": kind, "problem": problem, "shift_date": s.astimezone(tz).date().isoformat()}
        return ApiError(reason="credential_" + problem, params=params, code="credential", status=422)
    if first == "overlap":
        return Conflict(reason="overlap", conflicts=[
            {"start": bs.astimezone(tz).isoformat(), "end": be.astimezone(tz).isoformat(), "reason": english("overlap"),
             "code": "overlap", "params": {}}
            for bs, be in facts.busy if bs < e and s < be
        ])
    if first == "age_unknown":
        return RuleViolation(reason="needs_birth_date", params={"min_age": min_age})
    if first == "too_young":
        return RuleViolation(reason="too_young", params={"min_age": min_age})
    if first == "needs_consent":
        return RuleViolation(reason="needs_consent")
    return RuleViolation(reason="over_hours", params={"max_minutes": profile.max_minutes_per_week})


def waitlist_position(shift_id: int, su: ShiftSignup) -> int | None:
    if su.status != "waitlisted":
        return None
    ahead = db.session.execute(
        select(func.count()).select_from(ShiftSignup).where(
            ShiftSignup.shift_id == shift_id, ShiftSignup.status == "waitlisted",
            or_(ShiftSignup.queued_at < su.queued_at, and_(ShiftSignup.queued_at == su.queued_at, ShiftSignup.id < su.id)),
        )
    ).scalar_one()
    return ahead + 1


def confirmed_count(shift_id: int) -> int:
    return db.session.execute(
        select(func.count()).select_from(ShiftSignup).where(ShiftSignup.shift_id == shift_id, ShiftSignup.status == "confirmed")
    ).scalar_one()


def flush_or_conflict() -> None:
    """The PostgreSQL no-overlap constraint is the last word: its refusal is the same 409 a person gets."""
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as exc:
        if "ex_shift_signups_no_overlap" in str(exc.orig) or "exclusion" in str(exc.orig).lower():
            raise Conflict(reason="overlap") from None
        raise


def promote(shift: Shift, now: datetime) -> list[ShiftSignup]:
    """Fill free places from the waitlist, first in line first, skipping people who cannot take the
    place now (overlap, hours, age); each promoted person is told. Inside the caller's transaction,
    which holds the shift's row lock."""
    if shift.status != "open" or shift.start_at <= now:
        return []
    free = shift.needed - confirmed_count(shift.id)
    if free <= 0:
        return []
    tz = site_tz()
    promoted = []
    waiting = list(db.session.execute(
        select(ShiftSignup).where(ShiftSignup.shift_id == shift.id, ShiftSignup.status == "waitlisted", ShiftSignup.volunteer_id.is_not(None))
        .order_by(ShiftSignup.queued_at, ShiftSignup.id)
    ).scalars())
    for su in waiting:
        if free <= 0:
            break
        profile = db.session.execute(
            select(VolunteerProfile).where(VolunteerProfile.id == su.volunteer_id).with_for_update()
        ).scalar_one_or_none()
        if place_problem(profile, shift.start_at, shift.end_at, shift.min_age, tz, exclude_shift=shift.id,
                         requires=shift.requires) is not None:
            continue
        su.status = "confirmed"
        su.updated_at = now
        try:
            flush_or_conflict()
        except Conflict:
            su.status = "waitlisted"
            continue
        promoted.append(su)
        free -= 1
        notices.promoted(su, now)
    return promoted


def take_off(shift: Shift, su: ShiftSignup, status: str, now: datetime) -> None:
    """Someone leaves a shift (withdrawn) or is taken off it (removed): their pending reminder is
    dropped, and a place they held goes to the first eligible person in line, in this transaction.
    The caller holds the shift's row lock."""
    held = su.status == "confirmed"
    su.status = status
    su.updated_at = now
    db.session.flush()
    notices.forget_reminders([su])
    if held:
        promote(shift, now)
    touch([su.volunteer_id])
