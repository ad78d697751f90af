"""A volunteer's profile: what they can do, when they are free, how many hours a week, their age
and guardian's consent, the contact they share with organisers."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from commons.db import utcnow, write_transaction
from commons.codes import Said
from commons.errors import Invalid, RuleViolation
from commons.extensions import db
from commons.models import User
from commons.schemas import hhmm_to_minute, minute_to_hhmm
from commons.timezone import site_tz
from volunteers import rules, schemas
from volunteers.models import VolunteerProfile
from volunteers.services.common import parse, touch


def get_profile(user: User) -> VolunteerProfile | None:
    """The user's volunteer profile, or None if they have none yet."""
    if user is None:
        return None
    return db.session.execute(select(VolunteerProfile).where(VolunteerProfile.user_id == user.id)).scalar_one_or_none()


def volunteer_without_groups(user: User) -> bool:
    """Whether the user volunteers (has a profile) but represents no group and has booked nothing:
    their menu leaves out My bookings and My groups. One query (three EXISTS)."""
    from sqlalchemy import exists

    from commons.models import GroupMember
    from spaces.models import Booking

    profile, member, booked = db.session.execute(select(
        exists().where(VolunteerProfile.user_id == user.id),
        exists().where(GroupMember.user_id == user.id),
        exists().where(Booking.booked_by_id == user.id),
    )).one()
    return bool(profile) and not member and not booked


def require_profile(user: User, lock: bool = False) -> VolunteerProfile:
    stmt = select(VolunteerProfile).where(VolunteerProfile.user_id == user.id)
    if lock:
        stmt = stmt.with_for_update()
    profile = db.session.execute(stmt).scalar_one_or_none()
    if profile is None:
        raise RuleViolation(reason="no_profile")
    return profile


@write_transaction
def save_profile(user: User, data) -> VolunteerProfile:
    """Create or replace the user's profile (schemas.ProfileIn or dict; max_hours_per_week in hours,
    stored as minutes). guardian_consent=True records who and when (kept while true). An adult's
    profile keeps no guardian: the guardian's name, contact and consent are for minors only."""
    d = parse(schemas.ProfileIn, data)
    if not rules.is_minor(d.date_of_birth, datetime.now(site_tz()).date()):
        d = d.model_copy(update={"guardian_name": None, "guardian_contact": None, "guardian_consent": False})
    profile = get_profile(user)
    if profile is None:
        profile = VolunteerProfile(user_id=user.id)
        db.session.add(profile)
    profile.skills = list(d.skills)
    profile.tags = list(d.tags)
    profile.languages = list(d.languages)
    profile.districts = list(d.districts)
    windows = sorted((w.weekday, hhmm_to_minute(w.start), hhmm_to_minute(w.end)) for w in d.availability)
    for i, (a, b) in enumerate(zip(windows, windows[1:])):
        if a[0] == b[0] and b[1] < a[2]:
            params = {"weekday": a[0]}
            raise Invalid(reason="availability_overlap", params=params,
                          fields={"availability": Said("availability_overlap", params)})
    profile.availability = [{"weekday": wd, "start": s, "end": e} for wd, s, e in windows]
    profile.max_minutes_per_week = int(round(d.max_hours_per_week * 60))
    profile.date_of_birth = d.date_of_birth
    profile.guardian_name = d.guardian_name or None
    profile.guardian_contact = d.guardian_contact or None
    if d.guardian_consent:
        if profile.guardian_consent_at is None:
            profile.guardian_consent_at = utcnow()
    else:
        profile.guardian_consent_at = None
    profile.shared_contact = d.shared_contact or None
    profile.active = d.active
    profile.updated_at = utcnow()
    db.session.flush()
    touch([profile.id])
    return profile


def profile_dict(profile: VolunteerProfile) -> dict:
    """The profile as the API and the profile form show it (hours, HH:MM windows)."""
    return {
        "id": profile.id,
        "user_id": profile.user_id,
        "skills": list(profile.skills or []),
        "tags": list(profile.tags or []),
        "languages": list(profile.languages or []),
        "districts": list(profile.districts or []),
        "availability": [
            {"weekday": w["weekday"], "start": minute_to_hhmm(w["start"]), "end": minute_to_hhmm(w["end"])}
            for w in profile.availability or []
        ],
        "max_hours_per_week": round(profile.max_minutes_per_week / 60, 2),
        "date_of_birth": profile.date_of_birth,
        "guardian_name": profile.guardian_name,
        "guardian_contact": profile.guardian_contact,
        "guardian_consent": profile.guardian_consent_at is not None,
        "guardian_consent_at": profile.guardian_consent_at,
        "shared_contact": profile.shared_contact,
        "active": profile.active,
        "credentials": _credentials(profile.id),
    }


def _credentials(profile_id: int) -> list[dict]:
    from volunteers.models import VolunteerCredential
    from volunteers.reasons import credential_name

    rows = db.session.execute(
        select(VolunteerCredential).where(VolunteerCredential.volunteer_id == profile_id)
        .order_by(VolunteerCredential.kind, VolunteerCredential.valid_until.desc(), VolunteerCredential.id)
    ).scalars()
    return [{"id": c.id, "kind": c.kind, "name": credential_name(c.kind), "valid_until": c.valid_until} for c in rows]
