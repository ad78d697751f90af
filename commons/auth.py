"""Who is asking, and what they may act for. Used by every view and service."""
from __future__ import annotations

from flask import g, request, session
from flask_login import current_user
from sqlalchemy import select

from commons.errors import Forbidden, Unauthorized
from commons.extensions import db, login_manager
from commons.models import ApiToken, FacilityStaff, GroupMember, SignIn, User


SIGN_IN_KEY = "sign_in"  # the session's secret of its SignIn row (commons.models.SignIn)


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    user_id, _, version = session_id.partition(":")
    if not user_id.isdigit() or not version.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or user.session_version != int(version):
        return None  # password changed or signed out everywhere: old cookies stop working
    if not is_signed_in(user.id, session.get(SIGN_IN_KEY)):
        return None  # this browser signed out (or its cookie was copied from one that did)
    return user


def is_signed_in(user_id: int, secret: object) -> bool:
    """Whether this browser's sign-in (the session's secret) is still on the person's account."""
    if not isinstance(secret, str) or not secret:
        return False
    return db.session.execute(
        select(SignIn.id).where(SignIn.user_id == user_id, SignIn.secret_hash == SignIn.hash(secret))
    ).first() is not None


def current_actor() -> User | None:
    """The user behind this request: a Bearer token wins over the browser session."""
    if "actor" in g:
        return g.actor
    header = request.headers.get("Authorization")
    actor = None
    g.auth_method = None
    if header:
        from commons import ratelimits

        # Flask-Limiter's limits on a block of code (its documented context-manager form): an IP
        # address that sent too many invalid tokens waits before any token of it is even looked up.
        with ratelimits.token_failures_per_ip:
            pass
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            g.token_refused = True
            raise Unauthorized(reason="bearer_format")
        actor = db.session.execute(
            select(User).join(ApiToken).where(ApiToken.token_hash == ApiToken.hash(token.strip()))
        ).scalar_one_or_none()
        if actor is None:
            g.token_refused = True
            raise Unauthorized(reason="token_invalid")
        g.token_user_id = actor.id
        with ratelimits.token_use_per_account:  # a valid token's owner, from any address
            pass
        g.auth_method = "token"
    elif current_user.is_authenticated:
        actor = current_user._get_current_object()
        g.auth_method = "session"
    g.actor = actor
    return actor


def require_user() -> User:
    actor = current_actor()
    if actor is None:
        raise Unauthorized(reason="sign_in_required")
    return actor


def require_admin() -> User:
    actor = require_user()
    if not actor.is_admin:
        raise Forbidden(reason="admin_only")
    return actor


def is_representative(user: User | None, group_id: int) -> bool:
    if user is None:
        return False
    return db.session.execute(
        select(GroupMember.id).where(GroupMember.user_id == user.id, GroupMember.group_id == group_id)
    ).first() is not None


def is_staff_of(user: User | None, facility_id: int) -> bool:
    """Admins count as staff of every facility."""
    if user is None:
        return False
    if user.is_admin:
        return True
    if user.role != "staff":
        return False
    return db.session.execute(
        select(FacilityStaff.id).where(FacilityStaff.user_id == user.id, FacilityStaff.facility_id == facility_id)
    ).first() is not None


def staff_facility_ids(user: User) -> set[int]:
    if user.role != "staff":
        return set()
    return set(
        db.session.execute(select(FacilityStaff.facility_id).where(FacilityStaff.user_id == user.id)).scalars()
    )


def member_group_ids(user: User) -> set[int]:
    return set(db.session.execute(select(GroupMember.group_id).where(GroupMember.user_id == user.id)).scalars())
