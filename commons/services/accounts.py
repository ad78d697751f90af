"""A person's account: finding it, signing up, signing in and out (one browser, or everywhere), and
changing one's own name, address, password and language."""
from __future__ import annotations

from sqlalchemy import delete, select, update

from commons.codes import Said
from commons.db import write_transaction
from commons.errors import Invalid
from commons.extensions import db
from commons.models import SignIn, User, check_password_without_account
from commons.schemas import looks_like_email
from commons.services.common import find_user, refuse_bidi_controls


def first_admin_email() -> str:
    """The first administrator's e-mail address ("" when there is none)."""
    return db.session.execute(select(User.email).where(User.role == "admin").order_by(User.id).limit(1)).scalar_one_or_none() or ""


def authenticate(email: str, password: str) -> User | None:
    """The account of the address if the password is its password. An unknown address costs the same
    password-hash check as a wrong password (commons.models.check_password_without_account): the
    answer and its time tell nothing about whether the address has an account."""
    user = find_user(email)
    if user is None:
        check_password_without_account(password)
        return None
    return user if user.check_password(password) else None


def sign_up(email: str, name: str, password: str, role: str = "member", language: str | None = None) -> User:
    """A new account. The password is hashed (scrypt, about 0.1 s) before the write transaction
    opens: on SQLite every other write would wait for it."""
    password_hash = User.hash_password(password) if len(password) >= 8 else ""
    return _sign_up(email, name, password, password_hash, role, language)


@write_transaction
def _sign_up(email: str, name: str, password: str, password_hash: str, role: str, language: str | None = None) -> User:
    if role not in ("member", "volunteer"):
        raise Invalid(reason="signup_role_not_allowed", fields={"role": Said("signup_role_not_allowed")})
    refuse_bidi_controls(name=name)
    if find_user(email):
        raise Invalid(reason="email_registered", fields={"email": Said("email_registered")})
    if len(password) < 8:
        raise Invalid(reason="password_too_short", fields={"password": Said("password_too_short")})
    user = User(email=email.strip().lower(), name=name.strip(), role=role, password_hash=password_hash, email_verified=False,
                language=language)  # the page's language: the link's e-mail is written in it
    db.session.add(user)
    db.session.flush()
    from commons.services.account_links import send_verification

    send_verification(user)  # until its link is opened: no other mail, no booking, no group
    return user


def change_password(user: User, current: str, new: str) -> None:
    """Both scrypt runs (the current password checked, the new one hashed) happen before the write
    transaction; inside it the stored hash must still be the one the current password was checked
    against (another browser may have changed it meanwhile)."""
    checked = user.password_hash
    if not user.check_password(current):
        raise Invalid(reason="current_password_wrong", fields={"current_password": Said("current_password_wrong")})
    if len(new) < 8:
        raise Invalid(reason="password_too_short", fields={"new_password": Said("password_too_short")})
    _store_password(user, checked, User.hash_password(new))


@write_transaction
def _store_password(user: User, checked: str | None, password_hash: str) -> None:
    # One statement compares and writes in the database: the `user` in the session may be the one
    # loaded when the request began (commons.db keeps the signed-in user), so comparing in Python
    # could miss a change made meanwhile by another browser.
    changed = db.session.execute(
        update(User)
        .where(User.id == user.id, User.password_hash == checked)
        .values(password_hash=password_hash, session_version=User.session_version + 1)  # other browsers are signed out
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.expire(user, ["password_hash", "session_version"])
    if changed != 1:  # another browser changed it after the current password was checked
        raise Invalid(reason="password_changed_meanwhile", fields={"current_password": Said("password_changed_meanwhile")})


@write_transaction
def update_profile(user: User, name: str, email: str) -> User:
    """Change one's own name and e-mail address (the address must not be another account's). A new
    address takes effect when the link mailed to it is opened (commons.services.account_links)."""
    name, email = name.strip(), email.strip().lower()
    if not name:
        raise Invalid(reason="name_required", fields={"name": Said("name_required")})
    refuse_bidi_controls(name=name)
    if not looks_like_email(email):
        raise Invalid(reason="email_invalid", fields={"email": Said("email_invalid")})
    other = find_user(email)
    if other is not None and other.id != user.id:
        raise Invalid(reason="email_taken", fields={"email": Said("email_taken")})
    user.name = name
    if email != user.email:
        from commons.services.account_links import ask_email_change

        ask_email_change(user, email)
    elif user.pending_email:
        user.pending_email = None  # the old address given again: the change is called off
    return user


@write_transaction
def set_language(user: User, language: str, supported: list[str] | tuple[str, ...]) -> None:
    """Remember the language a signed-in person chose for the pages (used on their next sign-in too)."""
    if language not in supported:
        params = {"languages": list(supported)}
        raise Invalid(reason="unknown_language", params=params, fields={"language": Said("unknown_language", params)})
    user.language = language


def remember_language(user: User, chosen: str | None, supported: list[str] | tuple[str, ...]) -> None:
    """At sign-in: the language picked with the switch in this browser before signing in becomes the
    account's (its e-mail is written in it). The browser's Accept-Language never does: on a shared or
    borrowed computer it says nothing about who signs in. Writes only when something changes."""
    if chosen in supported and chosen != user.language:
        set_language(user, chosen, supported)


@write_transaction
def end_sessions(user: User) -> None:
    """Sign out everywhere: every browser's session of the user ends."""
    db.session.execute(  # in the database: two at once both count (the session's copy may be old)
        update(User).where(User.id == user.id).values(session_version=User.session_version + 1)
        .execution_options(synchronize_session=False)
    )
    db.session.expire(user, ["session_version"])
    db.session.execute(delete(SignIn).where(SignIn.user_id == user.id))


KEPT_SIGN_INS = 50  # per person; the oldest sessions beyond that end at the next sign-in


@write_transaction
def start_sign_in(user: User) -> str:
    """A new signed-in session for one browser: the secret its session cookie keeps (see SignIn)."""
    import secrets

    secret = secrets.token_urlsafe(32)
    db.session.add(SignIn(user_id=user.id, secret_hash=SignIn.hash(secret)))
    db.session.flush()
    stale = select(SignIn.id).where(SignIn.user_id == user.id).order_by(SignIn.id.desc()).offset(KEPT_SIGN_INS)
    db.session.execute(delete(SignIn).where(SignIn.id.in_(list(db.session.execute(stale).scalars()))))
    return secret


@write_transaction
def end_sign_in(secret: str | None) -> None:
    """Sign-out of one browser: its session (a copy of its cookie included) is no longer signed in."""
    if isinstance(secret, str) and secret:
        db.session.execute(delete(SignIn).where(SignIn.secret_hash == SignIn.hash(secret)))


@write_transaction
def oidc_account(subject: str, email: str | None, email_verified: bool, name: str, language: str | None = None) -> User:
    """The account of a person the OpenID Connect provider signed in (commons.oidc_views): the one linked
    to the provider's `subject`; else, when the provider says the address is verified, the account of that
    address (linked now; its address counts as verified) or a new account (verified). An address the
    provider has not verified is never linked nor used: refused (`oidc_email_unverified`). A new account
    keeps `language` (the page's, where the person started the sign-in) for its e-mail."""
    from commons import audit

    subject = subject[:255]
    user = db.session.execute(select(User).where(User.oidc_subject == subject)).scalar_one_or_none()
    if user is not None:
        return user
    email = (email or "").strip().lower()
    if not email_verified or not looks_like_email(email):
        raise Invalid(reason="oidc_email_unverified")
    user = find_user(email)
    if user is not None:
        if user.oidc_subject is not None:  # linked to another identity at the provider already
            raise Invalid(reason="oidc_other_identity")
        user.oidc_subject, user.email_verified = subject, True
        audit.record(user, "user.oidc_link", user.id, subject_id=user.id, role="self")
        return user
    name = " ".join((name or "").split())[:120] or email.split("@")[0]
    refuse_bidi_controls(name=name)
    user = User(email=email, name=name, role="member", password_hash=None, email_verified=True, oidc_subject=subject,
                language=language)
    db.session.add(user)
    db.session.flush()
    return user
