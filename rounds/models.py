"""Seasonal rounds: a round (spaces, season, application time, priority classes), the groups'
applications with their wishes, and the allocations staff publish as weekly booking series.

A wish lives in its application's `wishes` JSON list (its position is its number, `wish`):
{"slots_per_week", "minutes", "windows": [{"weekday", "start", "end"}] (minutes after local
midnight), "space_ids": [in order of preference]}. Allocations are rows: a weekly slot (weekday,
local minutes) in one space for one wish; `locked` ones were made or moved by staff and stay when
the allocation runs again; `series_id` is the booking series publishing made of it.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from commons.db import UTCDateTime, utcnow
from commons.extensions import db
from commons.models import Group

APPLICATION_STATUSES = ("submitted", "withdrawn")


class Round(db.Model):
    __tablename__ = "rounds"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    season_start: Mapped[date] = mapped_column(Date)
    season_end: Mapped[date] = mapped_column(Date)
    applications_open: Mapped[datetime] = mapped_column(UTCDateTime())
    applications_close: Mapped[datetime] = mapped_column(UTCDateTime())
    # [{"code", "name"}], highest first; daytime_classes: the codes in their order on weekdays before 16:00
    priority_classes: Mapped[list] = mapped_column(JSON, default=list)
    daytime_classes: Mapped[list | None] = mapped_column(JSON(none_as_null=True))
    # The last allocation run: whether it was proven optimal, its gap, and the wishes left without a slot
    optimal: Mapped[bool | None] = mapped_column(Boolean)
    gap: Mapped[float | None] = mapped_column()
    unallocated: Mapped[list] = mapped_column(JSON, default=list)
    allocated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    spaces: Mapped[list[RoundSpace]] = relationship(cascade="all, delete-orphan", order_by="RoundSpace.position")

    @property
    def space_ids(self) -> list[int]:
        return [s.space_id for s in self.spaces]

    def status_at(self, now: datetime) -> str:
        if self.published_at is not None:
            return "published"
        if now < self.applications_open:
            return "upcoming"
        if now < self.applications_close:
            return "open"
        return "closed"


class RoundSpace(db.Model):
    __tablename__ = "round_spaces"

    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), primary_key=True)
    space_id: Mapped[int] = mapped_column(ForeignKey("spaces.id", ondelete="CASCADE"), primary_key=True, index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)


class RoundApplication(db.Model):
    __tablename__ = "round_applications"
    __table_args__ = (Index("ix_round_applications_round_group", "round_id", "group_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"))
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))
    priority_class: Mapped[str | None] = mapped_column(String(60))
    purpose: Mapped[str] = mapped_column(String(60))
    age_groups: Mapped[list] = mapped_column(JSON, default=list)
    attendees: Mapped[int] = mapped_column(Integer, default=1)
    wishes: Mapped[list] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(20), default="submitted")
    # After publishing: {"allocated": [...], "unallocated": [...]} (codes and params; words when shown)
    result: Mapped[dict | None] = mapped_column(JSON(none_as_null=True))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    group: Mapped[Group] = relationship()


class RoundAllocation(db.Model):
    __tablename__ = "round_allocations"
    __table_args__ = (Index("ix_round_allocations_round_space", "round_id", "space_id", "weekday"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"))
    application_id: Mapped[int] = mapped_column(ForeignKey("round_applications.id", ondelete="CASCADE"), index=True)
    wish: Mapped[int] = mapped_column(Integer)
    space_id: Mapped[int] = mapped_column(ForeignKey("spaces.id", ondelete="CASCADE"))
    weekday: Mapped[int] = mapped_column(Integer)
    start_minute: Mapped[int] = mapped_column(Integer)
    end_minute: Mapped[int] = mapped_column(Integer)
    locked: Mapped[bool] = mapped_column(Boolean, default=False)
    series_id: Mapped[int | None] = mapped_column(ForeignKey("booking_series.id", ondelete="SET NULL"))
    first_booking_id: Mapped[int | None] = mapped_column(Integer)
    # What publishing gave: {"occurrences": n, "skipped": [{start, end, code, params}]}
    published: Mapped[dict | None] = mapped_column(JSON(none_as_null=True))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    application: Mapped[RoundApplication] = relationship()
