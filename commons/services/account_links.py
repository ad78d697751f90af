"""Links sent by e-mail to a person's address: a new password for a forgotten one (`/account/reset/<token>`),
the address given at sign-up verified (`/account/verify/<token>`), and a changed address verified before it
takes effect (the same page). Each link is 256 random bits of which only the SHA-256 is stored
(commons.models.AccountLink); it works once and for a limited time (a new password: one hour; an address:
RESET and VERIFY below).

Asking for a new password answers the same whether or not the address has an account, and costs about the
same: the link's secret is made and hashed in both cases and the message is queued as a payload
(`queue_later`, rendered by the send-mail job), so the request does no template work for one answer only.
"""
from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select, update

from commons import audit
from commons.codes import Said
from commons.db import utcnow, write_transaction
from commons.errors import Forbidden, Invalid
from commons.extensions import db
from commons.mail import Recipient, Rendered, public_url, queue_later, recipient_for, register_renderer, render_message
from commons.models import AccountLink, SignIn, User
from commons.schemas import looks_like_email
from commons.services.common import find_user

RESET = timedelta(hours=1)
VERIFY = timedelta(hours=48)
RENDERER = "account_link"
TEMPLATE = "commons/mail/account_link"

SUBJECTS = {
    "reset": _l("Set a new password for Commons"),
    "verify": _l("Confirm your e-mail address for Commons"),
    "email": _l("Confirm your new e-mail address for Commons"),
    "changed": _l("Your e-mail address in Commons was changed"),
}


def _render(payload: dict, recipient: Recipient) -> Rendered:
    kind = payload["kind"]
    subject, text, html = render_message(TEMPLATE, recipient.language, SUBJECTS[kind], recipient=recipient, **payload)
    return Rendered(subject=subject, text=text, html=html)


register_renderer(RENDERER, _render)


def _new_link(user: User, purpose: str, email: str, valid: timedelta, now: datetime) -> str:
    """A new link of `purpose` for the user (the older ones of the same purpose stop working)."""
    token = secrets.token_urlsafe(32)
    db.session.execute(
        delete(AccountLink).where(AccountLink.user_id == user.id, AccountLink.purpose == purpose, AccountLink.used_at.is_(None))
    )
    db.session.add(AccountLink(user_id=user.id, purpose=purpose, token_hash=AccountLink.hash(token), email=email,
                               created_at=now, expires_at=now + valid))
    return token


def _send(user: User, kind: str, to: str, token: str | None, now: datetime, valid: timedelta | None = None) -> None:
    base = recipient_for(user)
    recipient = Recipient(email=to, language=base.language, user_id=user.id, name=user.name)
    path = {"reset": "/account/reset/", "verify": "/account/verify/", "email": "/account/verify/"}.get(kind)
    payload = {
        "kind": kind,
        "link": public_url(path + token) if path and token else public_url("/account"),
        "hours": int(valid.total_seconds() // 3600) if valid else 0,
        "forgot_link": public_url("/account/forgot"),
        "new_email": user.pending_email or "",
    }
    queue_later(recipient, RENDERER, payload, key=f"account:{kind}:{user.id}:{secrets.token_hex(8)}", now=now, account=True)


# --- A forgotten password ---------------------------------------------------------------------------------


@write_transaction
def ask_password_reset(email: str, now: datetime | None = None) -> None:
    """Mail a link to set a new password to the address's account, if it has one. The same answer (None)
    and nearly the same work whether or not it has: the caller cannot tell."""
    now = now or utcnow()
    user = find_user(email) if looks_like_email(email.strip().lower()) else None
    if user is None:
        AccountLink.hash(secrets.token_urlsafe(32))  # the same secret made and hashed, then nothing
        return
    token = _new_link(user, "reset", user.email, RESET, now)
    _send(user, "reset", user.email, token, now, RESET)


def _usable(token: str, purposes: tuple[str, ...], now: datetime, lock: bool = False) -> AccountLink:
    if not isinstance(token, str) or not (20 <= len(token) <= 100):
        raise Invalid(reason="link_invalid")
    query = select(AccountLink).where(AccountLink.token_hash == AccountLink.hash(token), AccountLink.purpose.in_(purposes))
    link = db.session.execute(query.with_for_update() if lock else query).scalar_one_or_none()
    if link is None or link.used_at is not None:
        raise Invalid(reason="link_invalid")
    if link.expires_at <= now:
        raise Invalid(reason="link_expired")
    return link


def reset_link_works(token: str, now: datetime | None = None) -> bool:
    """Whether the page of a reset link may show its form (reset_password checks again)."""
    try:
        _usable(token, ("reset",), now or utcnow())
    except Invalid:
        return False
    return True


def reset_password(token: str, password: str, now: datetime | None = None) -> User:
    """Set the new password with a reset link: the link is used up, and every session of the account ends
    (a browser signed in with the old password is signed in no more). The password is hashed before the
    write transaction."""
    if len(password) < 8:
        raise Invalid(reason="password_too_short", fields={"password": Said("password_too_short")})
    return _reset_password(token, User.hash_password(password), now or utcnow())


@write_transaction
def _reset_password(token: str, password_hash: str, now: datetime) -> User:
    link = _usable(token, ("reset",), now, lock=True)
    link.used_at = now
    user = db.session.get(User, link.user_id)
    values = {"password_hash": password_hash, "session_version": User.session_version + 1}
    if link.email == user.email:
        values["email_verified"] = True  # opening the link proved the address is the person's
    db.session.execute(update(User).where(User.id == user.id).values(**values).execution_options(synchronize_session=False))
    db.session.expire(user)
    db.session.execute(delete(SignIn).where(SignIn.user_id == user.id))
    db.session.execute(delete(AccountLink).where(AccountLink.user_id == user.id, AccountLink.purpose == "reset",
                                                 AccountLink.used_at.is_(None)))
    audit.record(user, "user.password_reset", user.id, subject_id=user.id, role="self")
    return user


# --- Verified addresses ---------------------------------------------------------------------------------


def send_verification(user: User, now: datetime | None = None) -> None:
    """In the caller's transaction: a new link to verify the account's address, mailed there."""
    now = now or utcnow()
    token = _new_link(user, "verify", user.email, VERIFY, now)
    _send(user, "verify", user.email, token, now, VERIFY)


@write_transaction
def resend_verification(user: User, now: datetime | None = None) -> bool:
    """Send the link again (signed-in, unverified accounts, and a pending new address); False: nothing to verify."""
    now = now or utcnow()
    user = db.session.get(User, user.id)
    if user.pending_email:
        token = _new_link(user, "email", user.pending_email, VERIFY, now)
        _send(user, "email", user.pending_email, token, now, VERIFY)
        return True
    if user.email_verified:
        return False
    send_verification(user, now)
    return True


def verify_link_address(token: str, now: datetime | None = None) -> str:
    """The address a verification link would confirm, for the page that asks the person to confirm it
    (verify_email checks again); refused like verify_email when the link does not work."""
    return _usable(token, ("verify", "email"), now or utcnow()).email


@write_transaction
def verify_email(token: str, now: datetime | None = None) -> User:
    """Open a verification link: the sign-up address is verified, or the new address takes effect (and
    the old one is told)."""
    now = now or utcnow()
    link = _usable(token, ("verify", "email"), now, lock=True)
    link.used_at = now
    user = db.session.get(User, link.user_id)
    if link.purpose == "verify":
        if link.email != user.email:
            raise Invalid(reason="link_invalid")  # the address changed since the link was sent
        user.email_verified = True
        audit.record(user, "user.email_verify", user.id, subject_id=user.id, role="self")
        return user
    if user.pending_email != link.email:
        raise Invalid(reason="link_invalid")  # another change was asked for since
    other = find_user(link.email)
    if other is not None and other.id != user.id:
        raise Invalid(reason="email_taken", fields={"email": Said("email_taken")})
    old = user.email
    user.email, user.pending_email, user.email_verified = link.email, None, True
    db.session.flush()
    _send_changed(old, user, now)
    audit.record(user, "user.email_change", user.id, subject_id=user.id, role="self")
    return user


def _send_changed(old_email: str, user: User, now: datetime) -> None:
    base = recipient_for(user)
    recipient = Recipient(email=old_email, language=base.language, user_id=user.id, name=user.name)
    payload = {"kind": "changed", "link": public_url("/account/forgot"), "hours": 0,
               "forgot_link": public_url("/account/forgot"), "new_email": user.email}
    queue_later(recipient, RENDERER, payload, key=f"account:changed:{user.id}:{secrets.token_hex(8)}", now=now, account=True)


def ask_email_change(user: User, new_email: str, now: datetime | None = None) -> None:
    """In the caller's transaction: the new address waits (`pending_email`) until its link is opened."""
    now = now or utcnow()
    user.pending_email = new_email
    token = _new_link(user, "email", new_email, VERIFY, now)
    _send(user, "email", new_email, token, now, VERIFY)


def require_verified(user: User) -> None:
    """Forbidden (`email_unverified`) until the account's address is verified."""
    if not user.email_verified:
        raise Forbidden(reason="email_unverified")
