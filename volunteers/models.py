"""Volunteers, the activities groups run, their shifts, and who signed up for which shift.

A volunteer's profile keeps its lists (skills, tags, languages, districts, weekly availability) as
JSON columns: matching reads every profile at once (one query, one row per volunteer) and scores
them in memory (volunteers.rules), so there is nothing to gain from a row per skill.

Times are UTC instants (UTCDateTime); availability windows are local wall-clock minutes in the
city's zone, as a person says them ("Tuesdays 17-21").
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from commons.db import UTCDateTime, utcnow
from commons.extensions import db
from commons.models import Facility, Group, User

SHIFT_STATUSES = ("open", "cancelled")
# invited: an organiser asked this volunteer (no place held); confirmed: holds a place;
# waitlisted: in line for a place (first come, first served by `queued_at`); withdrawn: left
# (or declined an invitation); removed: taken off by the organiser; cancelled: the shift was
# cancelled while this person was on it (their feed shows it as STATUS:CANCELLED).
SIGNUP_STATUSES = ("invited", "confirmed", "waitlisted", "withdrawn", "removed", "cancelled")
HOLDING_STATUSES = ("confirmed",)


class VolunteerProfile(db.Model):
    """What a volunteer can do and when; one per user (any signed-in user may volunteer)."""

    __tablename__ = "volunteer_profiles"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    skills: Mapped[list] = mapped_column(JSON, default=list)  # codes from volunteers.rules.SKILLS
    tags: Mapped[list] = mapped_column(JSON, default=list)  # free tags, lower case ("chess", "sign language")
    languages: Mapped[list] = mapped_column(JSON, default=list)  # ISO 639-1 codes: ["fi", "sv"]
    districts: Mapped[list] = mapped_column(JSON, default=list)  # district names: ["Kallio", "Vallila"]
    # [{"weekday": 0..6 (Monday 0), "start": minute, "end": minute}], local wall-clock, end may be 1440
    availability: Mapped[list] = mapped_column(JSON, default=list)
    max_minutes_per_week: Mapped[int] = mapped_column(Integer, default=240)
    date_of_birth: Mapped[date | None] = mapped_column(Date)
    # A minor (under 18) signs up only once a guardian's consent is recorded: who gave it and when.
    guardian_name: Mapped[str | None] = mapped_column(String(120))
    guardian_contact: Mapped[str | None] = mapped_column(String(200))
    guardian_consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # What organisers of the shifts this volunteer signed up for may see to reach them (free text the
    # volunteer chose: a phone number, an e-mail address, "via the library desk"); empty: nothing.
    shared_contact: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(default=True)  # False: paused, not recommended to anyone
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    user: Mapped[User] = relationship()


class Activity(db.Model):
    """Something a group (or a facility's staff) runs and needs volunteers for: a language café,
    a repair evening. Linked to one of the group's bookings when there is one (place and time)."""

    __tablename__ = "activities"
    __table_args__ = (
        CheckConstraint("group_id IS NOT NULL OR facility_id IS NOT NULL", name="organiser"),
        Index("ix_activities_group", "group_id"),
        Index("ix_activities_facility", "facility_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))
    facility_id: Mapped[int | None] = mapped_column(ForeignKey("facilities.id", ondelete="CASCADE"))
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("bookings.id", ondelete="SET NULL"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    district: Mapped[str] = mapped_column(String(80))
    place: Mapped[str] = mapped_column(String(200), default="")  # where, when not given by a booking
    # Up to this many hours before a shift starts a volunteer may withdraw without it counting as late
    # (None: any time); a later withdrawal is still possible and is recorded (ShiftSignup.late_withdrawal_at).
    withdraw_hours_before: Mapped[int | None] = mapped_column(Integer)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    group: Mapped[Group | None] = relationship()
    facility: Mapped[Facility | None] = relationship()
    shifts: Mapped[list[Shift]] = relationship(back_populates="activity", cascade="all, delete-orphan",
                                               order_by="Shift.start_at")


class Shift(db.Model):
    """A stretch of an activity needing `needed` people, with what they should bring."""

    __tablename__ = "shifts"
    __table_args__ = (
        CheckConstraint("end_at > start_at", name="positive_length"),
        CheckConstraint("needed > 0", name="needed_positive"),
        Index("ix_shifts_activity_start", "activity_id", "start_at"),
        Index("ix_shifts_status_start", "status", "start_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id", ondelete="CASCADE"))
    start_at: Mapped[datetime] = mapped_column(UTCDateTime())
    end_at: Mapped[datetime] = mapped_column(UTCDateTime())
    needed: Mapped[int] = mapped_column(Integer)
    skills: Mapped[list] = mapped_column(JSON, default=list)  # required skill codes
    languages: Mapped[list] = mapped_column(JSON, default=list)  # required language codes
    min_age: Mapped[int | None] = mapped_column(Integer)
    # Credential kinds (volunteers.rules.CREDENTIAL_KINDS) a volunteer must hold, valid on the shift's date.
    requires: Mapped[list] = mapped_column(JSON, default=list, server_default="[]")
    status: Mapped[str] = mapped_column(String(20), default="open")
    sequence: Mapped[int] = mapped_column(Integer, default=0)  # iCalendar SEQUENCE: grows on each change
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    activity: Mapped[Activity] = relationship(back_populates="shifts")
    signups: Mapped[list[ShiftSignup]] = relationship(back_populates="shift", cascade="all, delete-orphan",
                                                      order_by="(ShiftSignup.queued_at, ShiftSignup.id)")


class ShiftSignup(db.Model):
    """One volunteer's place (or place in line, or invitation) on one shift.

    `start_at`/`end_at` copy the shift's times so the database can refuse two overlapping confirmed
    shifts for one person (PostgreSQL: an exclusion constraint, see migration 0005); the services
    also lock the shift row, then the profile row, so capacity and weekly hours hold under races.
    `volunteer_id` becomes NULL when the volunteer erases their account: the hours stay for reports.
    """

    __tablename__ = "shift_signups"
    __table_args__ = (
        UniqueConstraint("shift_id", "volunteer_id", name="uq_shift_signups_shift_volunteer"),
        Index("ix_shift_signups_volunteer_start", "volunteer_id", "start_at"),
        Index("ix_shift_signups_shift_status", "shift_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    shift_id: Mapped[int] = mapped_column(ForeignKey("shifts.id", ondelete="CASCADE"))
    volunteer_id: Mapped[int | None] = mapped_column(ForeignKey("volunteer_profiles.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(20))
    start_at: Mapped[datetime] = mapped_column(UTCDateTime())
    end_at: Mapped[datetime] = mapped_column(UTCDateTime())
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)  # order of the waitlist
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # A person without an account, signed up by an organiser (at the counter or by phone): their name
    # and phone, seen by the shift's organisers only; erased by retention (volunteers.services.guests)
    # or by staff. volunteer_id is NULL for them.
    guest_name: Mapped[str | None] = mapped_column(String(120))
    guest_phone: Mapped[str | None] = mapped_column(String(40))
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # A withdrawal later than the activity's `withdraw_hours_before` allows: when (organisers see it).
    late_withdrawal_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    attended: Mapped[bool | None] = mapped_column()  # organiser's record; None: not recorded yet
    minutes_worked: Mapped[int | None] = mapped_column(Integer)  # None with attended: the shift's length
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    shift: Mapped[Shift] = relationship(back_populates="signups")
    volunteer: Mapped[VolunteerProfile | None] = relationship()


class VolunteerCredential(db.Model):
    """That staff SAW a credential of a volunteer (a criminal record extract, a first-aid certificate,
    a hygiene passport): its kind and the last day it is valid, with a short note. Never the
    document itself. `expiry_notice_at`: when the volunteer was told it runs out soon (once)."""

    __tablename__ = "volunteer_credentials"
    __table_args__ = (Index("ix_volunteer_credentials_volunteer", "volunteer_id"),
                      Index("ix_volunteer_credentials_valid_until", "valid_until"))

    id: Mapped[int] = mapped_column(primary_key=True)
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteer_profiles.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    valid_until: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(String(200), default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    expiry_notice_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class HoursCertificate(db.Model):
    """A certificate of a year's attended hours a volunteer made: the totals as they were when it was
    made (name, period, minutes, organisations), shown to anyone with its unguessable `code` until
    the volunteer withdraws it (the row goes)."""

    __tablename__ = "hours_certificates"

    id: Mapped[int] = mapped_column(primary_key=True)
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteer_profiles.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    year: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    minutes: Mapped[int] = mapped_column(Integer)
    shifts: Mapped[int] = mapped_column(Integer)
    organisations: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
