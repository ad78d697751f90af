"""Credentials: staff record that they saw a volunteer's credential (its kind and last valid day,
with a short note; never the document), and remove such a record; both go to the audit log. The
volunteer reads theirs on their profile. `send_expiry_notices` (the job "credential-expiry-notices")
tells each holder once, EXPIRY_NOTICE_DAYS before a credential runs out."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from commons import audit
from commons.db import utcnow, write_transaction
from commons.errors import Forbidden, NotFound
from commons.extensions import db
from commons.models import User
from commons.timezone import site_tz
from volunteers import notices, rules
from volunteers.models import VolunteerCredential, VolunteerProfile
from volunteers.services.common import local_today, parse, touch

EXPIRY_NOTICE_DAYS = 30


def can_record_credentials(user: User | None) -> bool:
    """Staff (of any facility) and administrators."""
    return user is not None and (user.is_admin or user.role == "staff")


def _require_staff(actor: User) -> None:
    if not can_record_credentials(actor):
        raise Forbidden(reason="credentials_staff_only")


def _profile(volunteer_id: int, lock: bool = False) -> VolunteerProfile:
    stmt = select(VolunteerProfile).where(VolunteerProfile.id == volunteer_id)
    if lock:
        stmt = stmt.with_for_update()
    profile = db.session.execute(stmt).scalar_one_or_none()
    if profile is None:
        raise NotFound(reason="volunteer_not_found", params={"volunteer_id": volunteer_id})
    return profile


def _changed(profile: VolunteerProfile) -> None:
    """A credential changes what the matching sees: the profile's stamp moves (the cached set of
    volunteers re-reads changed profiles by it)."""
    profile.updated_at = utcnow()
    db.session.flush()
    touch([profile.id])


@write_transaction
def record_credential(actor: User, volunteer_id: int, data) -> VolunteerCredential:
    """schemas.CredentialIn or dict {kind, valid_until, note}."""
    from volunteers.schemas import CredentialIn

    _require_staff(actor)
    d = parse(CredentialIn, data)
    profile = _profile(volunteer_id, lock=True)
    cred = VolunteerCredential(volunteer_id=profile.id, kind=d.kind, valid_until=d.valid_until, note=d.note or "",
                               recorded_by_id=actor.id)
    db.session.add(cred)
    db.session.flush()
    audit.record(actor, "credential.record", cred.id, subject_id=profile.user_id,
                 details={"kind": d.kind, "volunteer_id": profile.id})
    _changed(profile)
    return cred


@write_transaction
def remove_credential(actor: User, volunteer_id: int, credential_id: int) -> None:
    _require_staff(actor)
    profile = _profile(volunteer_id, lock=True)
    cred = db.session.get(VolunteerCredential, credential_id)
    if cred is None or cred.volunteer_id != profile.id:
        raise NotFound(reason="credential_not_found", params={"credential_id": credential_id})
    audit.record(actor, "credential.remove", cred.id, subject_id=profile.user_id,
                 details={"kind": cred.kind, "volunteer_id": profile.id})
    db.session.delete(cred)
    _changed(profile)


def credentials_of(volunteer_id: int) -> list[VolunteerCredential]:
    """A volunteer's credentials, latest last valid day first within each kind."""
    return list(db.session.execute(
        select(VolunteerCredential).where(VolunteerCredential.volunteer_id == volunteer_id)
        .order_by(VolunteerCredential.kind, VolunteerCredential.valid_until.desc(), VolunteerCredential.id)
    ).scalars())


def volunteer_credentials(actor: User, volunteer_id: int) -> tuple[VolunteerProfile, list[VolunteerCredential]]:
    """For staff: a volunteer and the credentials recorded for them."""
    _require_staff(actor)
    profile = _profile(volunteer_id)
    return profile, credentials_of(profile.id)


def find_volunteer(actor: User, email: str) -> tuple[VolunteerProfile, User] | None:
    """For the staff page: the volunteer whose account has exactly this e-mail address (case and
    the spaces around it aside), or None, whether the address has no account or its account no
    volunteer profile (the page says the same for both). No partial match, no list."""
    from commons.services.accounts import find_user

    _require_staff(actor)
    user = find_user(email or "")
    if user is None:
        return None
    profile = db.session.execute(select(VolunteerProfile).where(VolunteerProfile.user_id == user.id)).scalar_one_or_none()
    return None if profile is None else (profile, user)


@write_transaction
def send_expiry_notices(now: datetime | None = None) -> str:
    """One notice per credential whose last valid day is within EXPIRY_NOTICE_DAYS from today
    (local), once: the credential row remembers it was told. Idempotent when run twice."""
    now = now or utcnow()
    today = local_today(now, site_tz())
    due = list(db.session.execute(
        select(VolunteerCredential).where(VolunteerCredential.expiry_notice_at.is_(None),
                                          VolunteerCredential.valid_until >= today)
        .order_by(VolunteerCredential.id).with_for_update(skip_locked=True)
    ).scalars())
    sent = 0
    for cred in due:
        if not rules.expiry_notice_due(cred.valid_until, today, False, EXPIRY_NOTICE_DAYS):
            continue
        profile = db.session.get(VolunteerProfile, cred.volunteer_id)
        newer = any(k == cred.kind and until > cred.valid_until for k, until in
                    ((c.kind, c.valid_until) for c in credentials_of(cred.volunteer_id)))
        cred.expiry_notice_at = now
        if newer or profile is None:
            continue  # already renewed: nothing to say
        notices.credential_expiring(profile, cred, now)
        sent += 1
    db.session.flush()
    return f"{sent} credential expiry notices"
