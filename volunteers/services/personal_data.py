"""A person's volunteering in their personal data (hooks: commons.services.PERSONAL_DATA_EXPORTERS
and ERASERS): the export, and the erasure that keeps the hours for reports without the person."""
from __future__ import annotations

from sqlalchemy import delete, select, update

from commons.db import utcnow
from commons.extensions import db
from commons.models import User
from volunteers.models import Activity, HoursCertificate, Shift, ShiftSignup, VolunteerCredential, VolunteerProfile
from volunteers.services.common import LISTED, get_shift, touch
from volunteers.services.places import promote
from volunteers.services.profiles import get_profile, profile_dict


def _export_organising(user: User) -> dict:
    """What the person did as an organiser: the activities they created and the invitations they sent."""
    activities = db.session.execute(
        select(Activity).where(Activity.created_by_id == user.id).order_by(Activity.created_at, Activity.id)
    ).scalars()
    invitations = db.session.execute(
        select(ShiftSignup).where(ShiftSignup.invited_by_id == user.id).order_by(ShiftSignup.created_at, ShiftSignup.id)
    ).scalars()
    recorded = db.session.execute(
        select(VolunteerCredential).where(VolunteerCredential.recorded_by_id == user.id).order_by(VolunteerCredential.id)
    ).scalars()
    counter = db.session.execute(
        select(ShiftSignup).where(ShiftSignup.added_by_id == user.id).order_by(ShiftSignup.created_at, ShiftSignup.id)
    ).scalars()
    return {
        "volunteer_credentials_recorded": [
            {"id": c.id, "volunteer_id": c.volunteer_id, "kind": c.kind, "created_at": c.created_at.isoformat()} for c in recorded
        ],
        "volunteer_counter_signups": [
            {"id": su.id, "shift_id": su.shift_id, "status": su.status, "created_at": su.created_at.isoformat()} for su in counter
        ],
        "activities_created": [
            {"id": a.id, "title": a.title, "group_id": a.group_id, "facility_id": a.facility_id, "created_at": a.created_at.isoformat()}
            for a in activities
        ],
        "volunteer_invitations_sent": [
            {"id": su.id, "shift_id": su.shift_id, "status": su.status, "created_at": su.created_at.isoformat()} for su in invitations
        ],
    }


def export_personal_data(user: User) -> dict:
    organising = _export_organising(user)
    profile = get_profile(user)
    if profile is None:
        return {"volunteer_profile": None, "volunteer_signups": [], "volunteer_hours_certificates": [], **organising}
    p = profile_dict(profile)
    p["date_of_birth"] = profile.date_of_birth.isoformat() if profile.date_of_birth else None
    p["guardian_consent_at"] = profile.guardian_consent_at.isoformat() if profile.guardian_consent_at else None
    p["created_at"] = profile.created_at.isoformat()
    p["credentials"] = [
        {"id": c.id, "kind": c.kind, "valid_until": c.valid_until.isoformat(), "note": c.note, "recorded_at": c.created_at.isoformat(),
         "expiry_notice_at": c.expiry_notice_at.isoformat() if c.expiry_notice_at else None}
        for c in db.session.execute(select(VolunteerCredential).where(VolunteerCredential.volunteer_id == profile.id)
                                    .order_by(VolunteerCredential.id)).scalars()
    ]
    certificates = [
        {"id": c.id, "code": c.code, "year": c.year, "minutes": c.minutes, "organisations": list(c.organisations or []), "created_at": c.created_at.isoformat()}
        for c in db.session.execute(select(HoursCertificate).where(HoursCertificate.volunteer_id == profile.id)
                                    .order_by(HoursCertificate.id)).scalars()
    ]
    rows = db.session.execute(
        select(ShiftSignup, Activity.title).join(Shift, Shift.id == ShiftSignup.shift_id).join(Activity, Activity.id == Shift.activity_id)
        .where(ShiftSignup.volunteer_id == profile.id).order_by(ShiftSignup.start_at)
    ).all()
    return {
        "volunteer_profile": p,
        "volunteer_signups": [
            {"id": su.id, "shift_id": su.shift_id, "activity": title, "start": su.start_at.isoformat(), "end": su.end_at.isoformat(),
             "status": su.status, "attended": su.attended, "minutes_worked": su.minutes_worked}
            for su, title in rows
        ],
        "volunteer_hours_certificates": certificates,
        **organising,
    }


def erase_personal_data(user: User) -> None:
    """Inside erase_account: the profile goes; the sign-ups stay without the person (hours for
    reports); waiting and invited places are let go, and a confirmed future place freed goes to the next in line."""
    # counter sign-ups this person made as an organiser stay, without who made them; credentials they recorded too
    db.session.execute(update(ShiftSignup).where(ShiftSignup.added_by_id == user.id).values(added_by_id=None)
                       .execution_options(synchronize_session=False))
    db.session.execute(update(VolunteerCredential).where(VolunteerCredential.recorded_by_id == user.id).values(recorded_by_id=None)
                       .execution_options(synchronize_session=False))
    profile = get_profile(user)
    if profile is None:
        return
    now = utcnow()
    future = list(db.session.execute(
        select(ShiftSignup).where(ShiftSignup.volunteer_id == profile.id, ShiftSignup.status.in_(LISTED), ShiftSignup.start_at > now)
    ).scalars())
    freed = sorted({su.shift_id for su in future if su.status == "confirmed"})
    for su in future:
        su.status = "withdrawn"
    db.session.flush()
    db.session.execute(update(ShiftSignup).where(ShiftSignup.volunteer_id == profile.id).values(volunteer_id=None)
                       .execution_options(synchronize_session=False))
    for table in (VolunteerCredential, HoursCertificate):  # credentials seen and certificates go with the person
        db.session.execute(delete(table).where(table.volunteer_id == profile.id).execution_options(synchronize_session=False))
    db.session.execute(delete(VolunteerProfile).where(VolunteerProfile.id == profile.id).execution_options(synchronize_session=False))
    db.session.expire_all()
    for sid in freed:
        promote(get_shift(sid, lock=True), now)
    touch()
