"""Request and response schemas of the spaces and bookings API."""
from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator
from pydantic_core import PydanticCustomError

from commons.apispec import PageQuery
from commons.schemas import MAX_ID, Id, In, IsoDateTime, NoBidiControls, hhmm_to_minute
from spaces.models import ACCESSIBILITY_FEATURES


Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120), NoBidiControls]
Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), NoBidiControls]
Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]


class OpeningHoursIn(In):
    weekday: int = Field(ge=0, le=6, description="Monday 0 … Sunday 6")
    opens: str = Field(examples=["08:00"], max_length=5)
    closes: str = Field(examples=["21:00"], max_length=5)

    @model_validator(mode="after")
    def _order(self):
        if hhmm_to_minute(self.closes) <= hhmm_to_minute(self.opens):
            raise PydanticCustomError("closes_before_opens", "closes must be after opens")
        return self


class OpeningHoursOut(BaseModel):
    weekday: int
    opens: str
    closes: str


class RulesIn(In):
    buffer_minutes: int = Field(0, ge=0, le=240, description="changeover time kept free before and after each booking")
    min_minutes: int = Field(30, ge=5, le=1440)
    max_minutes: int = Field(240, ge=5, le=1440)
    slot_minutes: int = Field(30, ge=1, le=240, description="start and end must be on this grid (local time)")
    horizon_days: int = Field(90, ge=1, le=730, description="how far ahead bookings can be made")
    weekly_quota_minutes: int | None = Field(None, ge=1, le=10080, description="per group per ISO week; null for none")
    requires_approval: bool = False
    check_in_required: bool = Field(False, description="a booking not checked in when its grace period ends is released")
    check_in_grace_minutes: int = Field(15, ge=0, le=240, description="minutes after the start a group may still check in")
    offer_hours: int = Field(24, ge=1, le=336, description="how long an offer to the waiting list holds its time (at most until its start)")

    @model_validator(mode="after")
    def _lengths(self):
        if self.max_minutes < self.min_minutes:
            raise PydanticCustomError("max_below_min", "max_minutes must be at least min_minutes")
        return self


class RulesPatch(In):
    buffer_minutes: int | None = Field(None, ge=0, le=240)
    min_minutes: int | None = Field(None, ge=5, le=1440)
    max_minutes: int | None = Field(None, ge=5, le=1440)
    slot_minutes: int | None = Field(None, ge=1, le=240)
    horizon_days: int | None = Field(None, ge=1, le=730)
    weekly_quota_minutes: int | None = Field(None, ge=0, le=10080, description="0 removes the quota")
    requires_approval: bool | None = None
    check_in_required: bool | None = None
    check_in_grace_minutes: int | None = Field(None, ge=0, le=240)
    offer_hours: int | None = Field(None, ge=1, le=336)


class RulesOut(BaseModel):
    buffer_minutes: int
    min_minutes: int
    max_minutes: int
    slot_minutes: int
    horizon_days: int
    weekly_quota_minutes: int | None
    requires_approval: bool
    check_in_required: bool = False
    check_in_grace_minutes: int = 15
    offer_hours: int = 24


def _check_features(values: list[str]) -> list[str]:
    unknown = [v for v in values if v not in ACCESSIBILITY_FEATURES]
    if unknown:
        raise PydanticCustomError("unknown_feature", "unknown feature '{feature}'; known: {known_text}",
                                  {"feature": unknown[0][:60], "known": list(ACCESSIBILITY_FEATURES),
                                   "known_text": ", ".join(ACCESSIBILITY_FEATURES)})
    return sorted(set(values))


class SpaceIn(In):
    facility_id: Id
    name: Name
    description: Annotated[str, StringConstraints(max_length=4000)] = ""
    capacity: int = Field(ge=1, le=10000)
    opening_hours: list[OpeningHoursIn] = Field(default_factory=list, max_length=50)
    rules: RulesIn = Field(default_factory=RulesIn)
    accessibility: list[Code] = Field(default_factory=list, max_length=20)
    equipment: list[Code] = Field(default_factory=list, max_length=50)
    part_of: Id | None = Field(None, description="the id of the space this one is part of (e.g. the hall of a half)")

    _features = field_validator("accessibility")(_check_features)


class SpacePatch(In):
    name: Name | None = None
    description: Annotated[str, StringConstraints(max_length=4000)] | None = None
    capacity: int | None = Field(None, ge=1, le=10000)
    opening_hours: list[OpeningHoursIn] | None = Field(None, max_length=50)
    rules: RulesPatch | None = None
    accessibility: list[Code] | None = Field(None, max_length=20)
    equipment: list[Code] | None = Field(None, max_length=50)
    part_of: Id | None = Field(None, description="the id of the space this one is part of; null: part of nothing")

    @field_validator("accessibility")
    @classmethod
    def _features(cls, v):
        return None if v is None else _check_features(v)


class SpaceOut(BaseModel):
    id: int
    name: str
    facility: str
    facility_id: int
    district: str
    address: str
    capacity: int
    description: str
    timezone: str
    accessibility: list[str]
    equipment: list[str]
    opening_hours: list[OpeningHoursOut]
    rules: RulesOut
    url: str
    part_of: int | None = None
    parts: list[int] = Field(default_factory=list, description="the spaces that are part of this one (one level down)")


class SpaceQuery(In, PageQuery):
    model_config = ConfigDict(extra="forbid")
    district: Annotated[str, StringConstraints(max_length=80)] | None = None
    min_capacity: int | None = Field(None, ge=0, le=100000)
    accessibility: list[Code] = Field(default_factory=list, max_length=20)
    equipment: list[Code] = Field(default_factory=list, max_length=50)
    facility_id: Id | None = None
    free_from: IsoDateTime | None = None
    free_to: IsoDateTime | None = None

    @model_validator(mode="after")
    def _window(self):
        if (self.free_from is None) != (self.free_to is None):
            raise PydanticCustomError("free_window_pair", "give both free_from and free_to")
        return self


class Span(BaseModel):
    start: datetime
    end: datetime


class AvailabilityQuery(In):
    from_: IsoDateTime | None = Field(None, alias="from", description="default: now")
    to: IsoDateTime | None = Field(None, description="default: 7 days after from; at most 62 days")

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class AvailabilityOut(BaseModel):
    space_id: int
    timezone: str
    start: datetime
    end: datetime
    busy: list[Span]
    free: list[Span]


class ClosureIn(In):
    start: IsoDateTime
    end: IsoDateTime
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), NoBidiControls]


class ClosureConflict(BaseModel):
    booking_id: int
    space_id: int
    start: datetime
    end: datetime
    status: str


class ClosureOut(BaseModel):
    id: int
    space_id: int
    start: datetime
    end: datetime
    reason: str
    affected_bookings: list[int] = Field(default_factory=list, description="active bookings the closure overlaps")
    conflicts: list[ClosureConflict] = Field(
        default_factory=list, description="the same bookings with their times: they stay until cancelled "
        "(POST /bookings/{id}/cancel, or the closures page, which tells the groups the closure's reason)")


class FacilityClosuresOut(BaseModel):
    facility_id: int
    closures: list[ClosureOut] = Field(description="one closure per space of the facility")
    affected_bookings: list[int] = Field(default_factory=list, description="active bookings the closures overlap")
    conflicts: list[ClosureConflict] = Field(default_factory=list, description="the same bookings with their times")


def phone_number(text: str) -> str:
    """A phone number as staff type it ("040 123 4567", "+358 (0)40-123 4567") kept as typed but tidied
    (single spaces); refused (PydanticCustomError phone_invalid) unless it has 5 to 15 digits and only
    digits, spaces, dashes, dots, brackets and one leading +."""
    tidy = " ".join(text.split())
    digits = sum(c.isdigit() for c in tidy)
    allowed = all(c.isdigit() or c in " -.()" for c in tidy.removeprefix("+"))
    if not allowed or not 5 <= digits <= 15 or len(tidy) > 40:
        raise PydanticCustomError("phone_invalid", "not a phone number: {phone}", {"phone": tidy[:40]})
    return tidy


class BookingIn(In):
    space_id: Id
    group_id: Id | None = Field(None, description="the group booked for; staff may give contact_name and contact_phone instead")
    contact_name: Name | None = Field(None, description="staff booking for a person without a group or account: their name "
                                      "(with contact_phone, instead of group_id; shown to the facility's staff only)")
    contact_phone: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)] | None = Field(
        None, examples=["040 123 4567"], description="the person's phone number (5 to 15 digits; with contact_name)")
    title: Title
    start: IsoDateTime
    end: IsoDateTime
    attendees: int = Field(1, ge=1, le=100000)
    public_title: bool = False
    rrule: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] | None = Field(
        None, examples=["FREQ=WEEKLY;COUNT=10", "FREQ=WEEKLY;INTERVAL=2;UNTIL=20270601"]
    )
    on_conflict: Literal["reject", "skip"] = "reject"
    purpose: Annotated[str, StringConstraints(strip_whitespace=True, max_length=60)] | None = Field(
        None, description="what the booking is for: a code of GET /purposes (optional)")
    age_groups: list[Annotated[str, StringConstraints(strip_whitespace=True, max_length=60)]] = Field(
        default_factory=list, max_length=10, description="for whom: codes of GET /age-groups (optional)")

    @field_validator("purpose")
    @classmethod
    def _purpose(cls, v):
        from spaces.purposes import PURPOSES

        if v in (None, ""):
            return None
        if v not in PURPOSES:
            raise PydanticCustomError("purpose_unknown", "unknown purpose {purpose}", {"purpose": v})
        return v

    @field_validator("age_groups")
    @classmethod
    def _age_groups(cls, v):
        from spaces.purposes import AGE_GROUPS

        for a in v:
            if a not in AGE_GROUPS:
                raise PydanticCustomError("age_group_unknown", "unknown age group {age_group}", {"age_group": a})
        return sorted(set(v))

    @field_validator("contact_phone")
    @classmethod
    def _contact_phone(cls, v):
        return None if v is None else phone_number(v)

    @model_validator(mode="after")
    def _group_or_contact(self):
        contact = (self.contact_name is not None) + (self.contact_phone is not None)
        if (self.group_id is None) == (contact == 0) or contact == 1:
            raise PydanticCustomError("group_or_contact", "give group_id, or contact_name and contact_phone (staff), not both")
        return self

    @property
    def for_contact(self) -> bool:
        """A booking staff make for a person without a group (contact_name and contact_phone)."""
        return self.group_id is None


class Occurrence(BaseModel):
    id: int
    start: datetime
    end: datetime


class Skipped(BaseModel):
    start: datetime
    end: datetime
    reason: str  # English; every problem of the date
    code: str  # the first problem's code (words per language: spaces.messages)
    params: dict[str, Any] = {}


class BookingCreated(BaseModel):
    id: int
    status: Literal["confirmed", "pending"]
    series_id: int | None
    occurrences: list[Occurrence]
    skipped: list[Skipped]


class BookingOut(BaseModel):
    id: int
    space_id: int
    space: str
    group_id: int
    group: str
    series_id: int | None
    title: str
    public_title: bool
    attendees: int
    start: datetime
    end: datetime
    status: str
    on_behalf: bool
    decision_message: str | None
    created_at: datetime
    no_show: bool | None = Field(None, description="staff recorded whether the group came: true = did not come; null = not recorded")
    original_start: datetime | None = Field(None, description="a moved booking's start before its first move (its RECURRENCE-ID in feeds)")
    offer_expires_at: datetime | None = Field(None, description="status offered: the offer holds its time until then")
    checked_in_at: datetime | None = None
    purpose: str | None = Field(None, description="a code of GET /purposes")
    age_groups: list[str] = Field(default_factory=list, description="codes of GET /age-groups")
    contact_name: str | None = Field(None, description="a booking staff made for a person at the counter: who (staff only)")
    contact_phone: str | None = Field(None, description="and their phone number (staff only; null once erased)")


class BookingQuery(In):
    space_id: Id | None = None
    group_id: Id | None = None
    from_: IsoDateTime | None = Field(None, alias="from")
    to: IsoDateTime | None = None
    status: Literal["pending", "confirmed", "rejected", "cancelled", "expired", "offered", "declined", "released"] | None = None
    limit: int = Field(500, ge=1, le=2000, description="at most this many bookings (1..2000); the rest via the Link rel=\"next\" header")
    offset: int = Field(0, ge=0, le=MAX_ID, description="skip this many bookings first")

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class CancelIn(In):
    scope: Literal["one", "series"] = "one"


class DecisionIn(In):
    message: Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000)] = ""
    scope: Literal["one", "series"] = "one"


class BookingsChanged(BaseModel):
    bookings: list[BookingOut]


# --- Waiting lists, offers and check-in ---------------------------------------------------------------


class WaitlistIn(In):
    group_id: Id
    start: IsoDateTime
    end: IsoDateTime
    title: Title
    attendees: int = Field(1, ge=1, le=100000)
    rrule: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] | None = Field(
        None, description="Dates of a series, as in a booking: one entry for each date that is taken.", examples=["FREQ=WEEKLY;COUNT=10"]
    )


class WaitlistDate(BaseModel):
    id: int
    start: datetime
    end: datetime
    position: int


class WaitlistJoined(BaseModel):
    """The first (or only) entry's id and position; `entries`: one per taken date (one for a single date)."""

    id: int
    position: int
    entries: list[WaitlistDate] = []


class WaitlistEntryOut(BaseModel):
    id: int
    space_id: int
    group_id: int
    start: datetime
    end: datetime
    position: int | None = Field(None, description="place in line among those waiting for an overlapping time; null when no longer waiting")
    status: Literal["waiting", "offered", "accepted", "declined", "expired", "left"]
    offer_booking_id: int | None = Field(None, description="status offered: the booking that holds the time (accept or decline it)")
    offer_expires_at: datetime | None = None


class CheckedIn(BaseModel):
    checked_in_at: datetime
