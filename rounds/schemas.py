"""Request and response schemas of the seasonal rounds' API."""
from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints, field_validator, model_validator
from pydantic_core import PydanticCustomError

from commons.schemas import Id, In, IsoDateTime, NoBidiControls, hhmm_to_minute

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), NoBidiControls]
Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60, pattern=r"^[a-z0-9_]+$")]
Hhmm = Annotated[str, StringConstraints(max_length=5)]


class PriorityClassIn(In):
    code: Code
    name: Name


class RoundIn(In):
    name: Name
    space_ids: list[Id] = Field(min_length=1, max_length=200)
    season_start: date
    season_end: date
    applications_open: IsoDateTime
    applications_close: IsoDateTime
    priority_classes: list[PriorityClassIn] = Field(default_factory=list, max_length=20, description="highest first")
    daytime_classes: list[Code] | None = Field(None, max_length=20, description="the same codes in their order on weekdays before 16:00")

    @model_validator(mode="after")
    def _check(self):
        if self.season_end < self.season_start or (self.season_end - self.season_start).days > 366:
            raise PydanticCustomError("round_dates_order", "the season must end after it starts (at most a year)")
        codes = [c.code for c in self.priority_classes]
        for c in codes:
            if codes.count(c) > 1:
                raise PydanticCustomError("priority_class_duplicate", "priority class {priority_class} twice", {"priority_class": c})
        if self.daytime_classes is not None and sorted(self.daytime_classes) != sorted(codes):
            raise PydanticCustomError("priority_class_unknown", "daytime_classes must list the same codes",
                                      {"priority_class": ",".join(self.daytime_classes)[:60]})
        return self


class PriorityClassOut(BaseModel):
    code: str
    name: str


class RoundOut(BaseModel):
    id: int
    name: str
    status: str
    space_ids: list[int]
    season_start: date
    season_end: date
    applications_open: datetime
    applications_close: datetime
    priority_classes: list[PriorityClassOut] = []
    daytime_classes: list[str] | None = None


class RoundCreated(BaseModel):
    id: int
    status: str


class WindowIn(In):
    weekday: int = Field(ge=0, le=6, description="Monday 0 … Sunday 6")
    start: Hhmm = Field(examples=["17:00"])
    end: Hhmm = Field(examples=["21:00"])

    @model_validator(mode="after")
    def _order(self):
        if hhmm_to_minute(self.end) <= hhmm_to_minute(self.start):
            raise PydanticCustomError("window_end_before_start", "the end must be after the start")
        return self


class WishIn(In):
    slots_per_week: int = Field(1, ge=1, le=7)
    minutes: int = Field(ge=15, le=1440)
    windows: list[WindowIn] = Field(min_length=1, max_length=14)
    space_ids: list[Id] = Field(min_length=1, max_length=10, description="in order of preference")


class ApplicationIn(In):
    group_id: Id
    priority_class: Code | None = None
    purpose: Code
    age_groups: list[Code] = Field(default_factory=list, max_length=10)
    attendees: int = Field(ge=1, le=10000)
    wishes: list[WishIn] = Field(min_length=1, max_length=10)

    @field_validator("purpose")
    @classmethod
    def _purpose(cls, v):
        from spaces.purposes import PURPOSES

        if v not in PURPOSES:
            raise PydanticCustomError("purpose_unknown", "unknown purpose {purpose}", {"purpose": v})
        return v

    @field_validator("age_groups")
    @classmethod
    def _ages(cls, v):
        from spaces.purposes import AGE_GROUPS

        for a in v:
            if a not in AGE_GROUPS:
                raise PydanticCustomError("age_group_unknown", "unknown age group {age_group}", {"age_group": a})
        return sorted(set(v))


class ApplicationPatch(In):
    priority_class: Code | None = None


class WindowOut(BaseModel):
    weekday: int
    start: str
    end: str


class WishOut(BaseModel):
    slots_per_week: int
    minutes: int
    windows: list[WindowOut]
    space_ids: list[int]


class AllocatedOut(BaseModel):
    space_id: int
    weekday: int
    start: str
    end: str
    booking_id: int | None = None
    wish: int | None = None


class UnallocatedOut(BaseModel):
    wish: int
    code: str
    reason: str
    params: dict = {}


class ResultOut(BaseModel):
    allocated: list[AllocatedOut]
    unallocated: list[UnallocatedOut]


class ApplicationOut(BaseModel):
    id: int
    group_id: int
    group: str = ""
    priority_class: str | None = None
    purpose: str = ""
    age_groups: list[str] = []
    attendees: int = 1
    status: str = "submitted"
    wishes: list[WishOut]
    result: ResultOut | None = None


class Created(BaseModel):
    id: int


class AllocationIn(In):
    application_id: Id
    wish: int = Field(ge=0, le=9)
    space_id: Id
    weekday: int = Field(ge=0, le=6)
    start: Hhmm = Field(examples=["17:00"])
    end: Hhmm = Field(examples=["19:00"])

    @model_validator(mode="after")
    def _order(self):
        if hhmm_to_minute(self.end) <= hhmm_to_minute(self.start):
            raise PydanticCustomError("window_end_before_start", "the end must be after the start")
        return self


class AllocationOut(BaseModel):
    id: int
    application_id: int
    wish: int
    group_id: int
    space_id: int
    weekday: int
    start: str
    end: str
    locked: bool


class RoundUnallocatedOut(BaseModel):
    application_id: int
    wish: int
    code: str
    reason: str
    params: dict = {}


class AllocateOut(BaseModel):
    allocations: list[AllocationOut]
    unallocated: list[RoundUnallocatedOut]
    optimal: bool
    gap: float | None = None
    seconds: float = 0.0


class SkippedOut(BaseModel):
    start: str
    end: str
    reason: str
    code: str = ""


class SeriesOut(BaseModel):
    allocation_id: int
    booking_id: int | None
    series_id: int | None = None
    occurrences: int
    skipped: list[SkippedOut]


class PublishOut(BaseModel):
    series: list[SeriesOut]


class VocabularyOut(BaseModel):
    code: str
    name: str
