"""Accounts made from the command line (`flask create-user`, `flask issue-token`): a user with the
group they represent and the facility they staff, and an API token for one."""
from __future__ import annotations

from sqlalchemy import select

from commons import audit
from commons.auth import is_representative
from commons.codes import Said
from commons.db import utcnow, write_transaction
from commons.errors import Invalid, NotFound
from commons.extensions import db
from commons.models import ROLES, ApiToken, Facility, FacilityStaff, Group, GroupMember, User
from commons.schemas import looks_like_email
from commons.services.accounts import find_user
from commons.services.common import refuse_bidi_controls
from commons.services.facilities import facility_by_name
from commons.services.groups import group_named_like, name_taken


def create_user(
    email: str,
    name: str,
    role: str,
    password: str | None = None,
    group: str | None = None,
    facility: str | None = None,
    district: str = "Helsinki",
    language: str | None = None,
) -> User:
    """Create (or update) a user; `group` makes them its representative (the group is created,
    verified, if missing); `facility` makes a staff user staff there (created if missing). The
    password is hashed (about 0.1 s of scrypt) before the write transaction opens."""
    password_hash = None
    if password:
        if len(password) < 8:
            raise Invalid(reason="password_too_short", fields={"password": Said("password_too_short")})
        password_hash = User.hash_password(password)
    return _store_user(email, name, role, password_hash, group, facility, district, language)


@write_transaction
def _store_user(
    email: str, name: str, role: str, password_hash: str | None, group: str | None, facility: str | None, district: str,
    language: str | None = None,
) -> User:
    if role not in ROLES:
        params = {"roles": list(ROLES)}
        raise Invalid(reason="unknown_role", params=params, fields={"role": Said("unknown_role", params)})
    if facility and role not in ("staff", "admin"):
        raise Invalid(reason="facility_needs_staff", fields={"facility": Said("facility_needs_staff")})
    email = email.strip().lower()
    if not looks_like_email(email):
        raise Invalid(reason="email_invalid", fields={"email": Said("email_invalid")})
    refuse_bidi_controls(name=name, group=group, facility=facility)
    user = find_user(email)
    old_role = user.role if user is not None else None
    if user is None:
        user = User(email=email, name=name.strip(), role=role)
        db.session.add(user)
    else:
        user.name, user.role = name.strip(), role
    if password_hash is not None:
        user.password_hash = password_hash
    if language is not None:
        user.language = language
    user.email_verified = True  # whoever made the account on the command line vouches for its address
    db.session.flush()
    if role != old_role and (role in ("staff", "admin") or old_role in ("staff", "admin")):
        # the command line gave or took staff or administrator rights: no actor account, role "cli"
        audit.record(None, "user.role", user.id, subject_id=user.id, details={"role_from": old_role, "role_to": role}, role="cli")
    if group:
        g = group_named_like(group)
        if g is not None and g.name.casefold() != group.strip().casefold():
            raise name_taken()  # a look-alike of another group's name: not that group, and not a new one
        if g is None:
            g = Group(name=group.strip(), kind="association", district=district, verified=True, verified_at=utcnow())
            db.session.add(g)
            db.session.flush()
        if not is_representative(user, g.id):
            db.session.add(GroupMember(group_id=g.id, user_id=user.id))
    if facility:
        f = facility_by_name(facility)
        if f is None:
            f = Facility(name=facility.strip(), district=district, address="")
            db.session.add(f)
            db.session.flush()
        exists = db.session.execute(
            select(FacilityStaff).where(FacilityStaff.facility_id == f.id, FacilityStaff.user_id == user.id)
        ).first()
        if not exists:
            db.session.add(FacilityStaff(facility_id=f.id, user_id=user.id))
    return user


@write_transaction
def issue_token(email: str) -> str:
    user = find_user(email)
    if user is None:
        raise NotFound(reason="user_not_found", params={"email": email})
    token = ApiToken.generate()
    db.session.add(ApiToken(user_id=user.id, token_hash=ApiToken.hash(token)))
    return token
