"""Request and response schemas of the accounts, groups and facilities API."""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=4000)]
# Database ids are 32-bit integers: a larger number in a request is refused as invalid
# instead of overflowing the database driver (a 500).
MAX_ID = 2**31 - 1


def _not_a_boolean(value):
    """JSON true/false is not an id (pydantic would read true as 1: "activity_id": true found a real
    activity). Found by tests/test_fuzz_api.py."""
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


Email = Annotated[str, AfterValidator(_email)]


class In(BaseModel):
    model_config = ConfigDict(extra="forbid")


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
    district: Text
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
    district: Text
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
