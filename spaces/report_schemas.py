"""Request and response schemas of the usage reports, the open data and the no-show record."""
from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from commons.schemas import Id, In, IsoDateTime


class UsageQuery(In):
    from_: IsoDateTime | None = Field(
        None, alias="from", description="first moment, e.g. 2027-01-01 (local midnight) or 2027-01-01T08:00"
    )
    to: IsoDateTime | None = Field(None, description="end, not included, e.g. 2027-02-01 for all of January; at most 400 days after from")
    format: Literal["json", "csv"] = Field("json", description="csv: one row per space, the same numbers")
    facility_id: Id | None = Field(None, description="only this facility's spaces")

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class OpenDataQuery(In):
    from_: IsoDateTime | None = Field(None, alias="from", description="e.g. 2027-01-01")
    to: IsoDateTime | None = Field(None, description="not included, e.g. 2027-02-01; at most 400 days after from")

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class FiguresOut(BaseModel):
    open_hours: float = Field(description="opening hours minus closures, real hours")
    booked_hours: float = Field(description="confirmed bookings (and released ones), clipped to the period")
    checked_in_hours: float = Field(0.0, description="of the booked hours, those the group checked in to (spaces that ask for check-in)")
    released_hours: float = Field(0.0, description="of the booked hours, those released because nobody checked in")
    utilisation: float | None = Field(description="booked hours inside opening hours / open hours, 0..1; null when not open")
    bookings: int = Field(description="confirmed bookings touching the period")
    distinct_groups: int
    association_groups: int
    resident_groups: int
    cancellations: int = Field(description="cancelled bookings whose time touches the period")
    no_shows: int = Field(description="confirmed bookings that staff recorded as no-shows, and released bookings")
    volunteer_hours: float
    volunteers_active: int
    hours_by_purpose: dict[str, float | None] = Field(
        default_factory=dict, description="booked hours by the bookings' purpose (codes of GET /purposes; bookings stating none are in no purpose)")
    hours_by_age_group: dict[str, float | None] = Field(
        default_factory=dict, description="booked hours by age group (codes of GET /age-groups; a booking for several counts in each)")


class SpaceFiguresOut(FiguresOut):
    space_id: int
    space: str
    facility_id: int
    facility: str
    district: str


class FacilityFiguresOut(FiguresOut):
    facility_id: int
    facility: str
    district: str


class DistrictFiguresOut(FiguresOut):
    district: str


class HeatCellOut(BaseModel):
    weekday: int = Field(description="Monday 0")
    hour: int = Field(description="local hour, 0..23")
    open_hours: float
    booked_hours: float
    utilisation: float | None


class WeekOut(BaseModel):
    week: str = Field(examples=["2027-W05"])
    open_hours: float
    booked_hours: float
    utilisation: float | None
    checked_in_hours: float = Field(0.0, description="booked hours the groups checked in to")
    released_hours: float = Field(0.0, description="booked hours released (nobody checked in, or a series' unconfirmed rest)")


class UsageOut(BaseModel):
    start: datetime
    end: datetime
    spaces: list[SpaceFiguresOut]
    facilities: list[FacilityFiguresOut]
    districts: list[DistrictFiguresOut]
    total: FiguresOut
    heatmap: list[HeatCellOut] = Field(description="all the report's spaces by local weekday and hour")
    weekly: list[WeekOut] = Field(description="all the report's spaces by ISO week")


class OpenFiguresOut(FiguresOut):
    distinct_groups: int | None = Field(description="null when fewer than 3")
    association_groups: int | None
    resident_groups: int | None
    hours_by_purpose: dict[str, float | None] = Field(
        default_factory=dict, description="as in the usage report; null for a purpose behind fewer than 3 groups")
    hours_by_age_group: dict[str, float | None] = Field(
        default_factory=dict, description="as in the usage report; null for an age group behind fewer than 3 groups")


class OpenSpaceOut(OpenFiguresOut):
    space_id: int
    space: str
    facility: str
    district: str


class OpenDistrictOut(OpenFiguresOut):
    district: str


class OpenDataOut(BaseModel):
    start: datetime
    end: datetime
    notes: str
    spaces: list[OpenSpaceOut]
    districts: list[OpenDistrictOut]
    total: OpenFiguresOut


class NoShowIn(In):
    no_show: bool = Field(description="true: the group did not come; false: it came (corrects a mistake)")


class NoShowOut(BaseModel):
    id: int
    no_show: bool | None
