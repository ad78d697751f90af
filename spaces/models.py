"""Spaces, their opening hours, closures, and bookings (each occurrence of a series is a row)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, false, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from commons.db import UTCDateTime, utcnow
from commons.extensions import db
from commons.models import Facility, Group

ACTIVE_STATUSES = ("pending", "confirmed")
# The statuses that hold time: what the conflict check and the PostgreSQL exclusion constraint count
# (an offer to the waiting list holds its time like a booking; released, declined time is free).
HOLDING_STATUSES = ("pending", "confirmed", "offered")
BOOKING_STATUSES = ("pending", "confirmed", "rejected", "cancelled", "expired", "offered", "declined", "released")
WAITLIST_STATUSES = ("waiting", "offered", "accepted", "declined", "expired", "left")

ACCESSIBILITY_FEATURES = (
    "step_free_access",
    "accessible_toilet",
    "induction_loop",
    "elevator",
    "accessible_parking",
    "braille_signage",
    "quiet_space",
)


class Space(db.Model):
    __tablename__ = "spaces"

    id: Mapped[int] = mapped_column(primary_key=True)
    facility_id: Mapped[int] = mapped_column(ForeignKey("facilities.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    capacity: Mapped[int] = mapped_column(Integer)
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Helsinki")
    # Booking rules
    buffer_minutes: Mapped[int] = mapped_column(Integer, default=0)
    min_minutes: Mapped[int] = mapped_column(Integer, default=30)
    max_minutes: Mapped[int] = mapped_column(Integer, default=240)
    slot_minutes: Mapped[int] = mapped_column(Integer, default=30)
    horizon_days: Mapped[int] = mapped_column(Integer, default=90)
    weekly_quota_minutes: Mapped[int | None] = mapped_column(Integer)  # None: no quota
    requires_approval: Mapped[bool] = mapped_column(Boolean, default=False)
    # The space this one is part of (a half of a hall, a court in a half): any depth, never a cycle.
    # A booking takes its time in the space, all its parts and every space it is part of (spaces.families).
    part_of: Mapped[int | None] = mapped_column(ForeignKey("spaces.id", ondelete="SET NULL"), index=True)
    # Use it or free it: a booking not checked in by start + grace is released; offers wait offer_hours.
    check_in_required: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    check_in_grace_minutes: Mapped[int] = mapped_column(Integer, default=15, server_default="15")
    offer_hours: Mapped[int] = mapped_column(Integer, default=24, server_default="24")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    facility: Mapped[Facility] = relationship()
    opening_hours: Mapped[list[OpeningHours]] = relationship(
        cascade="all, delete-orphan", order_by="(OpeningHours.weekday, OpeningHours.opens_minute)"
    )
    features: Mapped[list[SpaceFeature]] = relationship(cascade="all, delete-orphan", order_by="SpaceFeature.code")
    # The spaces that are part of this one (one level down; spaces.families goes further).
    parts: Mapped[list[Space]] = relationship(order_by="Space.id", viewonly=True)

    @property
    def accessibility(self) -> list[str]:
        return [f.code for f in self.features if f.kind == "accessibility"]

    @property
    def equipment(self) -> list[str]:
        return [f.code for f in self.features if f.kind == "equipment"]


class SpaceFeature(db.Model):
    """One accessibility feature or piece of equipment of a space (a row each, so searches use an index)."""

    __tablename__ = "space_features"
    __table_args__ = (
        UniqueConstraint("space_id", "kind", "code"),
        Index("ix_space_features_kind_code", "kind", "code"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    space_id: Mapped[int] = mapped_column(ForeignKey("spaces.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))  # "accessibility" or "equipment"
    code: Mapped[str] = mapped_column(String(60))


class OpeningHours(db.Model):
    """Local wall-clock opening hours on one weekday (Monday 0), as minutes since midnight; closes may be 1440."""

    __tablename__ = "opening_hours"
    __table_args__ = (Index("ix_opening_hours_space_weekday", "space_id", "weekday"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    space_id: Mapped[int] = mapped_column(ForeignKey("spaces.id", ondelete="CASCADE"))
    weekday: Mapped[int] = mapped_column(Integer)
    opens_minute: Mapped[int] = mapped_column(Integer)
    closes_minute: Mapped[int] = mapped_column(Integer)


class Closure(db.Model):
    """A time the space cannot be booked (holiday, maintenance)."""

    __tablename__ = "closures"
    __table_args__ = (
        Index("ix_closures_space_start", "space_id", "start_at", "end_at"),
        Index("ix_closures_space_source_uid", "space_id", "source_uid"),  # .ics re-imports (calendars)
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    space_id: Mapped[int] = mapped_column(ForeignKey("spaces.id", ondelete="CASCADE"))
    start_at: Mapped[datetime] = mapped_column(UTCDateTime())
    end_at: Mapped[datetime] = mapped_column(UTCDateTime())
    reason: Mapped[str] = mapped_column(String(200))
    source_uid: Mapped[str | None] = mapped_column(String(255))  # UID of an imported iCalendar event
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class BookingSeries(db.Model):
    """A recurring booking: its RRULE and local wall-clock times; occurrences are Booking rows."""

    __tablename__ = "booking_series"

    id: Mapped[int] = mapped_column(primary_key=True)
    space_id: Mapped[int] = mapped_column(ForeignKey("spaces.id", ondelete="CASCADE"), index=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), index=True)
    rrule: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Two dates in a row released unused (spaces.housekeeping.release_unused): when the group was asked
    # to confirm the rest; None when not asked (or confirmed). Unconfirmed after 7 days: the rest is released.
    confirm_asked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Booking(db.Model):
    """One booked interval [start_at, end_at) of a space by a group.

    `blocked_until` is end_at plus the space's changeover buffer at booking time: the interval
    [start_at, blocked_until) is what no other active booking may overlap. On PostgreSQL an
    exclusion constraint over it (see the migration) makes a double booking impossible.
    """

    __tablename__ = "bookings"
    __table_args__ = (
        Index("ix_bookings_space_start", "space_id", "start_at", "blocked_until"),
        Index("ix_bookings_group_start", "group_id", "start_at"),
        Index("ix_bookings_series", "series_id"),
        Index("ix_bookings_status_start", "status", "start_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    space_id: Mapped[int] = mapped_column(ForeignKey("spaces.id", ondelete="CASCADE"))
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))
    series_id: Mapped[int | None] = mapped_column(ForeignKey("booking_series.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    public_title: Mapped[bool] = mapped_column(Boolean, default=False)
    attendees: Mapped[int] = mapped_column(Integer, default=1)
    # What for and for whom (codes of spaces.purposes; optional): reports count hours by them.
    purpose: Mapped[str | None] = mapped_column(String(60))
    age_groups: Mapped[list | None] = mapped_column(JSON(none_as_null=True))  # None stays SQL NULL
    start_at: Mapped[datetime] = mapped_column(UTCDateTime())
    end_at: Mapped[datetime] = mapped_column(UTCDateTime())
    blocked_until: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(20))
    booked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    on_behalf: Mapped[bool] = mapped_column(Boolean, default=False)  # staff booked it for the group
    decision_message: Mapped[str | None] = mapped_column(String(1000))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sequence: Mapped[int] = mapped_column(Integer, default=0)  # iCalendar SEQUENCE: grows on each change
    no_show: Mapped[bool | None] = mapped_column(Boolean)  # staff recorded: True the group did not come; None not recorded
    # A moved occurrence's start before its first move: its RECURRENCE-ID in calendar feeds.
    original_start: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # An offer to the waiting list (status "offered") holds its time until this moment.
    offer_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # a booking staff made for a person at the counter (its group: the facility's counter group): who to
    # call; personal data, shown to the facility's staff only, cleared by the retention job and on request
    contact_name: Mapped[str | None] = mapped_column(String(120))
    contact_phone: Mapped[str | None] = mapped_column(String(40))
    waitlist_entry_id: Mapped[int | None] = mapped_column(ForeignKey("waitlist_entries.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    space: Mapped[Space] = relationship()
    group: Mapped[Group] = relationship()
    series: Mapped[BookingSeries | None] = relationship()


class WaitlistEntry(db.Model):
    """A group in line for a taken time of a space: when that whole time frees, the first entry in
    line gets an offer (a Booking with status "offered" and this entry's id). It keeps the group,
    not the person who joined: the group's representatives act on it, and nothing personal is stored."""

    __tablename__ = "waitlist_entries"
    __table_args__ = (Index("ix_waitlist_space_status", "space_id", "status", "start_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    space_id: Mapped[int] = mapped_column(ForeignKey("spaces.id", ondelete="CASCADE"))
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    attendees: Mapped[int] = mapped_column(Integer, default=1)
    start_at: Mapped[datetime] = mapped_column(UTCDateTime())
    end_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(20), default="waiting")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    space: Mapped[Space] = relationship()
    group: Mapped[Group] = relationship()
