"""Request and response schemas of the accounts, groups and facilities API."""
from __future__ import annotations

import re
import types
import typing
from datetime import date, datetime, time
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, field_validator
from pydantic_core import PydanticCustomError

from commons.text import has_bidi_control
from commons.timezone import year_in_range


def _no_bidi_controls(value: str | None) -> str | None:
    if has_bidi_control(value):
        raise PydanticCustomError(
            "bidi_control", "Remove the bidirectional control characters (such as U+202E): they make a name show as something else."
        )
    return value


#: On every name and title people choose (shown to staff and the public): no bidirectional control
#: characters (commons.text.BIDI_CONTROLS). A refusal is a 422 with code `bidi_control` (commons.apispec.invalid).
NoBidiControls = AfterValidator(_no_bidi_controls)

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120), NoBidiControls]
District = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80), NoBidiControls]  # the districts' columns
LongText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=4000)]
# Database ids are 32-bit integers: a larger number in a request is refused as invalid
# instead of overflowing the database driver (a 500).
MAX_ID = 2**31 - 1


def _not_a_boolean(value):
    """JSON true/false is not an id (pydantic would read true as 1: "activity_id": true found a real
    activity). Found by tests/security/test_fuzz_api.py."""
    if isinstance(value, bool):
        raise PydanticCustomError("id_not_bool", "Give an id as a number, not true or false.")
    return value


Id = Annotated[int, BeforeValidator(_not_a_boolean), Field(ge=1, le=MAX_ID)]


def looks_like_email(value: str) -> bool:
    """Something before and after one "@", a dot in the domain, no spaces (the API and the forms agree)."""
    local, at, domain = value.partition("@")
    return bool(at and local and "." in domain and " " not in value)


def _email(value: str) -> str:
    value = value.strip().lower()
    if not looks_like_email(value) or len(value) > 254:
        raise PydanticCustomError("email_format", "Give an e-mail address like name@example.fi.")
    return value


Email = Annotated[str, StringConstraints(strip_whitespace=True, max_length=254), AfterValidator(_email)]  # users.email


def _iso_datetime(value):
    """ISO 8601 text only (no Unix numbers), within years a booking can sensibly have."""
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str):
        raise PydanticCustomError("iso_time_type", "Give a time as ISO 8601 text, e.g. 2027-01-05T18:00 or 2027-01-05T18:00:00+02:00.")
    text = value.strip()
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00") if text.endswith("Z") else text)
    except ValueError:
        raise PydanticCustomError("iso_time_format", "'{value}' is not an ISO 8601 time, e.g. 2027-01-05T18:00.",
                                  {"value": value[:40]}) from None
    if not year_in_range(parsed.year):
        raise PydanticCustomError("year_out_of_range", "The year must be between 2000 and 2200.")
    return parsed


# A time in a request: ISO 8601 text (with an offset, or local wall-clock time of the space or site).
IsoDateTime = Annotated[datetime, BeforeValidator(_iso_datetime)]


# --- Clock times: minutes after local midnight (0..1440), as requests and pages write them ------------

MINUTES_PER_DAY = 1440
_HHMM = re.compile(r"^(\d{2}):(\d{2})$")


def hhmm_to_minute(text: str) -> int:
    """"18:30" -> 1110; "24:00" is the midnight that ends the day (1440)."""
    m = _HHMM.match(text)
    if not m:
        raise PydanticCustomError("hhmm_format", "Use HH:MM, e.g. 08:00 or 21:30.")
    hour, minute = int(m.group(1)), int(m.group(2))
    if minute > 59 or hour > 24 or (hour == 24 and minute):
        raise PydanticCustomError("hhmm_range", "Use a time from 00:00 to 24:00.")
    return hour * 60 + minute


def minute_to_hhmm(minute: int) -> str:
    """1110 -> "18:30" (1440 -> "24:00")."""
    return f"{minute // 60:02d}:{minute % 60:02d}"


def time_to_minute(t: time) -> int:
    """A form's time of day as minutes after midnight (00:00 -> 0)."""
    return t.hour * 60 + t.minute


def closing_minute(t: time) -> int:
    """A closing time as minutes after midnight: 00:00 is the midnight that ends the day (1440)."""
    return time_to_minute(t) or MINUTES_PER_DAY


def minute_to_time(minute: int) -> time:
    """Minutes after midnight as a form's time of day (1440, the end of the day, is 00:00)."""
    return time(0) if minute >= MINUTES_PER_DAY else time(minute // 60, minute % 60)


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
            raise PydanticCustomError("number_not_bool", "Give a number, not true or false.")
        return value


class Ref(BaseModel):
    id: int
    name: str


class MeOut(BaseModel):
    id: int
    email: str
    email_verified: bool  # false until the link mailed at sign-up is opened: no booking, no group, no other mail
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
    address: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), NoBidiControls]
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
