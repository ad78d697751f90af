"""Request and response schemas of the calendars API."""
from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic_core import PydanticCustomError
from pydantic import BaseModel, Field, StringConstraints, model_validator

from commons.schemas import In, IsoDateTime




class FeedLinkOut(BaseModel):
    kind: str = Field(description='"group_bookings" (later also "volunteer_shifts", "volunteer_matches")')
    name: str
    group_id: int | None = None
    url: str = Field(description="the secret https link: anyone who has it can read the feed")
    webcal_url: str = Field(description="the same link as webcal://, which opens a calendar app")


class RotateIn(In):
    kind: Annotated[str, StringConstraints(strip_whitespace=True, max_length=40)] | None = None
    name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] | None = None
    url: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] | None = None

    @model_validator(mode="after")
    def _one(self):
        if not self.url and not self.kind:
            raise PydanticCustomError("feed_kind_or_url", "give {kind, name} or {url}")
        return self


class SkippedEvent(BaseModel):
    uid: str
    reason: str = Field(description="why, in English")
    code: str = Field(description="why, as a stable code (e.g. ics_no_start, ics_no_length); words per language in calendars.messages")
    params: dict[str, Any] = Field(default_factory=dict)


class AffectedBooking(BaseModel):
    id: int
    start: datetime
    end: datetime
    title: str
    group: str
    status: str


class ImportOut(BaseModel):
    imported: int = Field(description="new closures")
    updated: int = Field(description="closures from an earlier import whose event changed")
    already_present: int = Field(description="closures from an earlier import, unchanged")
    skipped: list[SkippedEvent]
    affected_bookings: list[AffectedBooking] = Field(description="active bookings the imported closures overlap: not cancelled, for staff to contact the groups")
    window_start: datetime
    window_end: datetime


class MoveIn(In):
    start: IsoDateTime
    end: IsoDateTime
