"""Accounts, groups and facilities: who someone is and what they may act for.

Facilities live here rather than in `spaces` because staff roles are scoped to them: every
permission check (and `/me`) needs them, and `commons` must not depend on the domain packages.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from flask import current_app, has_app_context
from flask_login import UserMixin
from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy import true as sa_true
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates
from werkzeug.security import check_password_hash, generate_password_hash

from commons.db import UTCDateTime, utcnow
from commons.extensions import db
from commons.text import name_digests

ROLES = ("admin", "staff", "member", "volunteer")
GROUP_KINDS = ("association", "resident_group")


def _hash_method() -> str:
    # scrypt (Werkzeug's default) is a memory-hard KDF. Tests may pick a cheaper method through
    # PASSWORD_HASH_METHOD; check_password reads the method from the stored hash either way.
    return current_app.config.get("PASSWORD_HASH_METHOD", "scrypt") if has_app_context() else "scrypt"


_DUMMY_HASHES: dict[str, str] = {}


def check_password_without_account(password: str) -> bool:
    """The work of User.check_password when there is no account to check (an unknown address, or an
    account without a password): a hash of the same method and cost as new passwords get, made once per
    method, is checked against the password, and the answer is no. Sign-in then takes as long for an
    unknown address as for a wrong password (without it: 4 ms against scrypt's 100 ms)."""
    check_password_hash(dummy_password_hash(), password)
    return False


def dummy_password_hash() -> str:
    """The hash unknown addresses are checked against, made once per method and process. create_app
    makes it when each process starts: made at the first unknown address instead, that sign-in would
    take twice as long as a wrong password (one more hash), and tell the address is unknown."""
    method = _hash_method()
    if method not in _DUMMY_HASHES:
        _DUMMY_HASHES[method] = generate_password_hash(secrets.token_urlsafe(16), method=method)
    return _DUMMY_HASHES[method]


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(20), default="member")
    password_hash: Mapped[str | None] = mapped_column(String(255))
    language: Mapped[str | None] = mapped_column(String(5))
    # Bumped on password change or sign-out everywhere: old session cookies stop working.
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    # Whether the address is known to be the person's. Accounts made by staff, administrators, the command
    # line or the demo are (whoever made them vouches for it); a sign-up on the page is not until its link
    # (commons.services.account_links) is opened: until then no other mail goes there, and the person
    # cannot book or represent a group.
    email_verified: Mapped[bool] = mapped_column(Boolean, default=True, server_default=sa_true())
    # The address a signed-in person asked to change to, waiting for its link to be opened.
    pending_email: Mapped[str | None] = mapped_column(String(254))
    # The subject ("sub") of the account at the OpenID Connect provider, once signed in through it.
    oidc_subject: Mapped[str | None] = mapped_column(String(255), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    memberships: Mapped[list[GroupMember]] = relationship(back_populates="user", cascade="all, delete-orphan")
    staff_of: Mapped[list[FacilityStaff]] = relationship(back_populates="user", cascade="all, delete-orphan")
    tokens: Mapped[list[ApiToken]] = relationship(back_populates="user", cascade="all, delete-orphan")
    sign_ins: Mapped[list[SignIn]] = relationship(back_populates="user", cascade="all, delete-orphan", passive_deletes=True)
    account_links: Mapped[list[AccountLink]] = relationship(cascade="all, delete-orphan", passive_deletes=True,
                                                            order_by="AccountLink.id")

    @staticmethod
    def hash_password(password: str) -> str:
        """scrypt (see _hash_method), a memory-hard KDF: about 0.1 s of CPU, so use cases compute it
        before their write transaction."""
        return generate_password_hash(password, method=_hash_method())

    def set_password(self, password: str) -> None:
        self.password_hash = self.hash_password(password)

    def check_password(self, password: str) -> bool:
        if not self.password_hash:  # made on the command line without a password: no, in the usual time
            return check_password_without_account(password)
        return check_password_hash(self.password_hash, password)

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def group_ids(self) -> set[int]:
        return {m.group_id for m in self.memberships}

    @property
    def facility_ids(self) -> set[int]:
        return {s.facility_id for s in self.staff_of}


class Group(db.Model):
    """An association (registered) or an informal resident group."""

    __tablename__ = "groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    # commons.text.name_digests(name), kept by `_key_name`: two names that look the same (a typographic
    # apostrophe, a Cyrillic or Greek letter, full-width letters, another case) have the same key in small
    # letters or in capitals, and the unique indexes refuse the second one even when two requests race.
    # NULL only for look-alikes that existed before the keys did (migration 0009 keys the oldest of them).
    name_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    name_key_caps: Mapped[str | None] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    district: Mapped[str] = mapped_column(String(80))
    registration_number: Mapped[str | None] = mapped_column(String(40))
    description: Mapped[str] = mapped_column(Text, default="")
    verified: Mapped[bool] = mapped_column(Boolean, default=False)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # set: the facility's counter group (kind "counter", no members), whose bookings staff made for a
    # person without a group or account; each booking keeps that person as its contact (spaces)
    counter_facility_id: Mapped[int | None] = mapped_column(ForeignKey("facilities.id", ondelete="CASCADE"), unique=True, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    members: Mapped[list[GroupMember]] = relationship(back_populates="group", cascade="all, delete-orphan")

    @validates("name")
    def _key_name(self, _attribute: str, name: str) -> str:
        self.name_key, self.name_key_caps = name_digests(name)
        return name


class GroupMember(db.Model):
    """A user who represents a group: may book, see and cancel the group's bookings."""

    __tablename__ = "group_members"
    __table_args__ = (UniqueConstraint("group_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    group: Mapped[Group] = relationship(back_populates="members")
    user: Mapped[User] = relationship(back_populates="memberships")


class Facility(db.Model):
    """A city building (library, youth centre, school) whose spaces are opened to groups."""

    __tablename__ = "facilities"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    district: Mapped[str] = mapped_column(String(80))
    address: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(40))  # the counter's phone, for residents without a computer
    # the language of its noticeboard: the printed week is printed in it unless the print page is told another
    default_language: Mapped[str] = mapped_column(String(5), default="fi", server_default="fi")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    staff: Mapped[list[FacilityStaff]] = relationship(back_populates="facility", cascade="all, delete-orphan")


class FacilityStaff(db.Model):
    __tablename__ = "facility_staff"
    __table_args__ = (UniqueConstraint("facility_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    facility_id: Mapped[int] = mapped_column(ForeignKey("facilities.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)

    facility: Mapped[Facility] = relationship(back_populates="staff")
    user: Mapped[User] = relationship(back_populates="staff_of")


class ApiToken(db.Model):
    """A personal API token. Only its SHA-256 is stored: tokens are 256 random bits, so a fast
    hash is enough (nothing to brute-force), and a leaked table reveals no usable token."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship(back_populates="tokens")

    @staticmethod
    def hash(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    @staticmethod
    def generate() -> str:
        return secrets.token_urlsafe(32)


class SignIn(db.Model):
    """One signed-in browser. Its session cookie holds a random secret; only the secret's SHA-256
    is stored here. A session counts as signed in only while its row exists: signing out deletes
    the row, so a copy of the cookie taken before sign-out is worth nothing after it, while the
    person's other browsers stay signed in (commons.auth.load_user, commons.services.start_sign_in)."""

    __tablename__ = "sign_ins"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    user: Mapped[User] = relationship(back_populates="sign_ins")

    @staticmethod
    def hash(secret: str) -> str:
        return hashlib.sha256(secret.encode()).hexdigest()


class AccountLink(db.Model):
    """A link sent to a person's address: to set a new password (`reset`), to verify the address given
    at sign-up (`verify`) or a new one (`email`, with that address in `email`). Only the SHA-256 of its
    random secret is stored; it works once (`used_at`) and until `expires_at`."""

    __tablename__ = "account_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(10))  # reset, verify, email
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    email: Mapped[str] = mapped_column(String(254))  # the address the link was sent to
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    @staticmethod
    def hash(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()


class OutboxMessage(db.Model):
    """One e-mail to one recipient, written in the same transaction as the change that causes it
    and delivered later by the `send-mail` job (commons.mail), in the recipient's language. Either
    rendered when queued, or (`renderer` set) queued as a JSON `payload` of what it must say and
    rendered by `send-mail` before delivery (then `renderer` and `payload` are cleared).
    `dedupe_key` is unique: a message with the same key is queued once
    (e.g. "reminder:booking:123:user:45"), which is what makes reminders idempotent."""

    __tablename__ = "outbox_messages"
    __table_args__ = (Index("ix_outbox_messages_status_next", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    to_address: Mapped[str] = mapped_column(String(254))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    language: Mapped[str] = mapped_column(String(5), default="fi")
    subject: Mapped[str] = mapped_column(String(300))
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str] = mapped_column(Text)
    attachment: Mapped[str | None] = mapped_column(Text)  # e.g. an iCalendar text
    attachment_filename: Mapped[str | None] = mapped_column(String(100))
    attachment_mime: Mapped[str | None] = mapped_column(String(100))  # e.g. "text/calendar; method=PUBLISH"
    # Not rendered yet: which renderer (commons.mail.RENDERERS) makes it from `payload` (JSON text).
    renderer: Mapped[str | None] = mapped_column(String(40))
    payload: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="queued")  # queued, sent, failed (gave up)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(1000))
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # A send-mail run leases the rows it is delivering: another run skips them until the lease ends.
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    claim_token: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class AuditEvent(db.Model):
    """One staff or administrator action on bookings, groups, facilities or who may do what,
    written by the use case in the same transaction as the action (commons.audit.record).

    `details` holds non-personal facts only (times, statuses, counts, ids), never names or
    e-mail addresses. `actor_id` and `subject_id` (the person the action was about, e.g. the user
    made staff) become NULL when that account is erased: the event stays, anonymised.
    `facility_id` and `group_id` are plain numbers, not foreign keys: the record outlives the object."""

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_at", "at"),
        Index("ix_audit_events_facility_at", "facility_id", "at"),
        Index("ix_audit_events_group_at", "group_id", "at"),
        Index("ix_audit_events_actor_at", "actor_id", "at"),
        Index("ix_audit_events_action_at", "action", "at"),
        Index("ix_audit_events_subject", "subject_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    actor_role: Mapped[str] = mapped_column(String(20))  # admin, staff, or cli (the command line)
    action: Mapped[str] = mapped_column(String(40))  # e.g. booking.approve
    object_type: Mapped[str] = mapped_column(String(20))  # booking, closure, space, group, facility, user
    object_id: Mapped[int | None] = mapped_column(Integer)
    facility_id: Mapped[int | None] = mapped_column(Integer)
    group_id: Mapped[int | None] = mapped_column(Integer)
    subject_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    details: Mapped[dict] = mapped_column(JSON, default=dict)


class JobRun(db.Model):
    """The last run of each job (commons.jobs.run_job, whoever ran it: the scheduler or `jobs run`):
    `/metrics` reads each job's last success and duration from here, so the figures are the same
    whichever process or host scrapes them. No personal data."""

    __tablename__ = "job_runs"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    last_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_duration_seconds: Mapped[float | None] = mapped_column(Float)  # of the last run, succeeded or failed
    last_failure_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    failures: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # in a row; 0 after a success


class SchedulerHeartbeat(db.Model):
    """The running scheduler (commons.scheduler), one row (id 1): who holds the scheduler lock
    (`holder`: host name and process id), since when, and its last heartbeat (every
    SCHEDULER_HEARTBEAT_SECONDS, from the scheduler's own loop). `/readyz` answers 503 when the
    heartbeat is older than SCHEDULER_HEARTBEAT_MAX_AGE or the scheduler said it stopped."""

    __tablename__ = "scheduler_heartbeat"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    holder: Mapped[str] = mapped_column(String(200))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    beat_at: Mapped[datetime] = mapped_column(UTCDateTime())
    stopped_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
