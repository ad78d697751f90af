"""Request and response schemas of the accounts, groups and facilities API."""
from __future__ import annotations

import types
import typing
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, field_validator

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
District = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)]  # the districts' columns
LongText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=4000)]
# Database ids are 32-bit integers: a larger number in a request is refused as invalid
# instead of overflowing the database driver (a 500).
MAX_ID = 2**31 - 1


def _not_a_boolean(value):
    """JSON true/false is not an id (pydantic would read true as 1: "activity_id": true found a real
    activity). Found by tests/security/test_fuzz_api.py."""
    if isinstance(value, bool):
        raise ValueError("Give an id as a number, not true or false.")
    return value


Id = Annotated[int, BeforeValidator(_not_a_boolean), Field(ge=1, le=MAX_ID)]


def _email(value: str) -> str:
    value = value.strip().lower()
    local, at, domain = value.partition("@")
    if not at or not local or "." not in domain or " " in value or len(value) > 254:
        raise ValueError("Give an e-mail address like name@example.fi.")
    return value


Email = Annotated[str, StringConstraints(strip_whitespace=True, max_length=254), AfterValidator(_email)]  # users.email


def _is_number(annotation) -> bool:
    """int or float, also inside Annotated[...] and Optional (a field that also takes bool is not)."""
    origin = typing.get_origin(annotation)
    if origin is Annotated:
        return _is_number(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return bool not in args and any(_is_number(a) for a in args)
    return annotation in (int, float)


class In(BaseModel):
    """A request body or query. Unknown fields are refused, and so is JSON true/false where a number
    belongs (pydantic reads true as 1: `"attendees": true` would book for one person)."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="before")
    @classmethod
    def _no_booleans_for_numbers(cls, value, info):
        if isinstance(value, bool) and _is_number(cls.model_fields[info.field_name].annotation):
            raise ValueError("Give a number, not true or false.")
        return value


class Ref(BaseModel):
    id: int
    name: str


class MeOut(BaseModel):
    id: int
    email: str
    name: str
    role: str
    groups: list[Ref]
    facilities: list[Ref]


class GroupIn(In):
    name: Text
    kind: Literal["association", "resident_group"]
    district: District
    registration_number: Annotated[str, StringConstraints(strip_whitespace=True, max_length=40)] | None = None
    description: LongText = ""


class GroupOut(BaseModel):
    id: int
    name: str
    kind: str
    district: str
    verified: bool
    description: str = ""
    registration_number: str | None = None


class GroupCreated(BaseModel):
    id: int
    verified: bool


class MemberIn(In):
    email: Email


class MemberOut(BaseModel):
    group_id: int
    user_id: int
    email: str


class FacilityIn(In):
    name: Text
    district: District
    address: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    phone: Annotated[str, StringConstraints(strip_whitespace=True, max_length=40)] | None = None


class FacilityOut(BaseModel):
    id: int
    name: str
    district: str
    address: str
    phone: str | None = None


class StaffIn(In):
    email: Email


class Ok(BaseModel):
    ok: bool = True
    message: str = ""


class AuditQuery(In):
    """Filters of GET /audit: dates are local days (TIMEZONE), both included."""

    actor_id: Id | None = None
    action: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)] | None = None
    facility_id: Id | None = None
    group_id: Id | None = None
    from_: date | None = Field(None, alias="from")
    to: date | None = None
    limit: int = Field(100, ge=1, le=500)
    offset: int = Field(0, ge=0, le=MAX_ID)

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class AuditEventOut(BaseModel):
    """One staff or administrator action. actor_id null: the account was erased (or the command line acted)."""

    id: int
    at: datetime
    actor_id: int | None
    actor_role: str
    action: str
    object_type: str
    object_id: int | None
    facility_id: int | None
    group_id: int | None
    subject_id: int | None
    details: dict
