"""Feed tokens (secret personal feed links) and the "calendar changed at" stamps behind Last-Modified."""
from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from commons.db import UTCDateTime, utcnow
from commons.extensions import db


class FeedToken(db.Model):
    """One personal feed link: a user's feed of one kind (and, for group feeds, one group).

    `kind` is plain text checked by the code (calendars.services.FEED_KINDS), so new kinds (e.g. the
    volunteers' "volunteer_shifts" and "volunteer_matches") need no schema change; `group_id` is set
    for kinds about a group and null otherwise. `slot` ("<kind>:<group_id or ->") makes "one active
    link per user, kind and group" a unique key on every database (NULLs are distinct in UNIQUE).

    The link's token is never stored: only its SHA-256 (`token_hash`, to find the feed) and a random
    128-bit `seed` from which the token is derived with the app's SECRET_KEY (HMAC), so the owner can
    be shown the link again, while a copy of the database alone gives nobody a working link.
    """

    __tablename__ = "feed_tokens"
    __table_args__ = (UniqueConstraint("user_id", "slot", name="uq_feed_tokens_user_id_slot"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), index=True)
    slot: Mapped[str] = mapped_column(String(80))
    seed: Mapped[str] = mapped_column(String(64))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    @staticmethod
    def slot_of(kind: str, group_id: int | None) -> str:
        return f"{kind}:{group_id if group_id is not None else '-'}"

    @staticmethod
    def new_seed() -> str:
        return secrets.token_hex(16)  # 128 random bits

    @staticmethod
    def derive(seed: str, secret_key: str | bytes) -> str:
        key = secret_key.encode() if isinstance(secret_key, str) else secret_key
        digest = hmac.new(key, b"commons-feed:" + seed.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")  # 256 bits, 43 characters

    @staticmethod
    def hash(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()


class CalendarChange(db.Model):
    """When a calendar (a space's, a group's) last changed, bumped in the same transaction as the
    change itself (calendars.changes listens to the ORM), deletions included: a feed's
    Last-Modified never goes backwards, even when its newest item is deleted."""

    __tablename__ = "calendar_changes"

    scope: Mapped[str] = mapped_column(String(20), primary_key=True)  # "space", "group", ...
    scope_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # A new random value with every change (calendars.changes.touch), whatever the clocks say: the
    # feeds' per-process cache (calendars.cache) is keyed by it, so any committed change, by any
    # process, makes every cached copy a miss. NULL (rows older than this column): not cached.
    revision: Mapped[str | None] = mapped_column(String(32))
