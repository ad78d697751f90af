"""Request and response schemas of the volunteers API (the same models validate what the pages
send to volunteers.services: a dict given to a service is validated with these, and a bad one is
an Invalid error with `fields`)."""
from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator
from pydantic_core import PydanticCustomError

from commons.schemas import Id, In, IsoDateTime, NoBidiControls, hhmm_to_minute

ShortText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200), NoBidiControls]  # a place, a contact
Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), NoBidiControls]
District = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80), NoBidiControls]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=4000)]
PersonName = Annotated[str, StringConstraints(strip_whitespace=True, max_length=120), NoBidiControls]  # volunteer_profiles.guardian_name
# List items: codes are checked against their vocabulary, free text is at most 80 characters once its
# spaces are collapsed (_texts); these maxima only stop a huge item before that work.
CodeItem = Annotated[str, StringConstraints(max_length=100)]
TextItem = Annotated[str, StringConstraints(max_length=200)]




@lru_cache(maxsize=1)
def language_codes() -> frozenset[str]:
    """ISO 639-1 (two-letter) language codes babel knows a name for."""
    from babel import Locale

    return frozenset(code for code in Locale("en").languages if len(code) == 2 and code.isalpha())


def _credential_kinds(values: list[str]) -> list[str]:
    from volunteers.rules import CREDENTIAL_KINDS

    out = []
    for v in values:
        code = v.strip().lower()
        if code not in CREDENTIAL_KINDS:
            raise PydanticCustomError("unknown_credential_kind", "'{kind}' is not a known credential kind; use one of: {known_text}",
                                      {"kind": v[:40], "known": list(CREDENTIAL_KINDS), "known_text": ", ".join(CREDENTIAL_KINDS)})
        if code not in out:
            out.append(code)
    return out


def _skills(values: list[str]) -> list[str]:
    from volunteers.rules import SKILLS

    out = []
    for v in values:
        code = v.strip().lower()
        if code not in SKILLS:
            raise PydanticCustomError("unknown_skill", "'{skill}' is not a known skill; use one of: {known_text}",
                                      {"skill": v[:40], "known": list(SKILLS), "known_text": ", ".join(SKILLS)})
        if code not in out:
            out.append(code)
    return out


def _languages(values: list[str]) -> list[str]:
    out = []
    known = language_codes()
    for v in values:
        code = v.strip().lower()
        if code not in known:
            raise PydanticCustomError("not_a_language_code", "'{value}' is not a language code (ISO 639-1, e.g. fi, sv, en)",
                                      {"value": v[:40]})
        if code not in out:
            out.append(code)
    return out


def _texts(values: list[str], what: str, lower: bool = False) -> list[str]:
    """Free texts (tags, districts) with their spaces collapsed, each at most 80 characters."""
    out = []
    for v in values:
        t = " ".join(v.split())
        if lower:
            t = t.lower()
        if not t:
            if what == "tag":
                raise PydanticCustomError("tag_empty", "an empty tag")
            raise PydanticCustomError("district_empty", "an empty district")
        if len(t) > 80:
            if what == "tag":
                raise PydanticCustomError("tag_too_long", "a tag can be at most {max_length} characters", {"max_length": 80})
            raise PydanticCustomError("district_too_long", "a district can be at most {max_length} characters", {"max_length": 80})
        if t not in out:
            out.append(t)
    return out


class WindowIn(In):
    weekday: int = Field(ge=0, le=6, description="Monday 0 … Sunday 6")
    start: str = Field(examples=["17:00"], max_length=5)
    end: str = Field(examples=["21:00"], description="may be 24:00", max_length=5)

    @model_validator(mode="after")
    def _order(self):
        if hhmm_to_minute(self.end) <= hhmm_to_minute(self.start):
            raise PydanticCustomError("window_end_before_start", "end must be after start")
        return self


class WindowOut(BaseModel):
    weekday: int
    start: str
    end: str


class ProfileIn(In):
    skills: list[CodeItem] = Field(default_factory=list, max_length=40, description="codes from the shared vocabulary")
    tags: list[TextItem] = Field(default_factory=list, max_length=40, description="free tags (each at most 80 characters)")
    languages: list[CodeItem] = Field(default_factory=list, max_length=30, description="ISO 639-1 codes")
    districts: list[TextItem] = Field(default_factory=list, max_length=40, description="each at most 80 characters")
    availability: list[WindowIn] = Field(default_factory=list, max_length=50)
    max_hours_per_week: float = Field(4, ge=0, le=80)
    date_of_birth: date | None = None
    guardian_name: PersonName | None = None
    guardian_contact: ShortText | None = None
    guardian_consent: bool = Field(False, description="a guardian's consent is recorded (needed under 18)")
    shared_contact: ShortText | None = Field(None, description="what organisers of my confirmed shifts may see")
    active: bool = True

    _v_skills = field_validator("skills")(classmethod(lambda cls, v: _skills(v)))
    _v_languages = field_validator("languages")(classmethod(lambda cls, v: _languages(v)))
    _v_tags = field_validator("tags")(classmethod(lambda cls, v: _texts(v, "tag", lower=True)))
    _v_districts = field_validator("districts")(classmethod(lambda cls, v: _texts(v, "district")))

    @field_validator("date_of_birth", mode="before")
    @classmethod
    def _dob_is_text(cls, v):
        # pydantic reads a number as Unix time (0 -> 1970-01-01): only ISO text is a date here
        if v is not None and not isinstance(v, (str, date)):
            raise PydanticCustomError("date_of_birth_invalid", "give the date as YYYY-MM-DD")
        return v

    @field_validator("date_of_birth")
    @classmethod
    def _dob(cls, v):
        if v is not None and not (date(1900, 1, 1) <= v <= date.today()):
            raise PydanticCustomError("date_of_birth_invalid", "give a real date of birth")
        return v

    @field_validator("guardian_consent")
    @classmethod
    def _consent(cls, v, info):
        # A field validator (guardian_name is declared before, so it is in info.data), not a model
        # validator: the error then names the field (fields.guardian_consent), as the page does.
        if v and not (info.data.get("guardian_name") or "").strip():
            raise PydanticCustomError("guardian_name_needed", "a guardian's consent needs the guardian's name (guardian_name)")
        return v


class CredentialOut(BaseModel):
    id: int
    kind: str
    name: str
    valid_until: date


class CredentialIn(In):
    kind: CodeItem
    valid_until: date = Field(description="the last day the credential is valid (ISO 8601 date)")
    note: ShortText = Field("", description="what was seen, briefly (never the document itself)")

    _v_kind = field_validator("kind")(classmethod(lambda cls, v: _credential_kinds([v])[0]))


class CredentialKindOut(BaseModel):
    code: str
    name: str


class ProfileOut(BaseModel):
    id: int
    user_id: int
    skills: list[str]
    tags: list[str]
    languages: list[str]
    districts: list[str]
    availability: list[WindowOut]
    max_hours_per_week: float
    date_of_birth: date | None = None
    guardian_name: str | None = None
    guardian_contact: str | None = None
    guardian_consent: bool
    guardian_consent_at: datetime | None = None
    shared_contact: str | None = None
    active: bool
    credentials: list[CredentialOut] = Field(default_factory=list, description="credentials staff saw, with their last valid day")


class ActivityIn(In):
    group_id: Id | None = None
    facility_id: Id | None = None
    title: Title
    description: LongText = ""
    district: District | None = Field(None, description="taken from the booking's facility when booking_id is given")
    place: ShortText = ""
    booking_id: Id | None = None
    withdraw_hours_before: int | None = Field(None, ge=0, le=720, description=(
        "hours before a shift a volunteer may still withdraw without it counting as late (none: any time)"))

    @field_validator("booking_id")
    @classmethod
    def _booking_needs_group(cls, v, info):
        # A field validator (group_id is declared before, so it is in info.data): the refusal then names
        # the field (fields.booking_id), and the page shows it next to its booking choice.
        if v is not None and info.data.get("group_id") is None:
            raise PydanticCustomError("booking_needs_group", "booking_id needs group_id: the booking must be the group's own")
        return v

    @model_validator(mode="after")
    def _organiser(self):
        if self.group_id is None and self.facility_id is None:
            raise PydanticCustomError("organiser_missing", "give group_id (a group you represent) or facility_id (a facility you staff)")
        if self.group_id is not None and self.facility_id is not None:
            raise PydanticCustomError("organiser_both", "give either group_id or facility_id, not both")
        return self


class ActivityPatch(In):
    title: Title | None = None
    description: LongText | None = None
    district: District | None = None
    place: ShortText | None = None
    withdraw_hours_before: int | None = Field(None, ge=0, le=720)


class ShiftIn(In):
    start: IsoDateTime
    end: IsoDateTime
    needed: int = Field(1, ge=1, le=500)
    skills: list[CodeItem] = Field(default_factory=list, max_length=20)
    languages: list[CodeItem] = Field(default_factory=list, max_length=20)
    min_age: int | None = Field(None, ge=0, le=120)
    requires: list[CodeItem] = Field(default_factory=list, max_length=10,
                                     description="credential kinds a volunteer must hold, valid on the shift's date")

    _v_skills = field_validator("skills")(classmethod(lambda cls, v: _skills(v)))
    _v_requires = field_validator("requires")(classmethod(lambda cls, v: _credential_kinds(v)))
    _v_languages = field_validator("languages")(classmethod(lambda cls, v: _languages(v)))


class ShiftPatch(In):
    start: IsoDateTime | None = None
    end: IsoDateTime | None = None
    needed: int | None = Field(None, ge=1, le=500)
    skills: list[CodeItem] | None = Field(None, max_length=20)
    languages: list[CodeItem] | None = Field(None, max_length=20)
    min_age: int | None = Field(None, ge=0, le=120)
    requires: list[CodeItem] | None = Field(None, max_length=10)

    @field_validator("skills")
    @classmethod
    def _s(cls, v):
        return None if v is None else _skills(v)

    @field_validator("requires")
    @classmethod
    def _r(cls, v):
        return None if v is None else _credential_kinds(v)

    @field_validator("languages")
    @classmethod
    def _l(cls, v):
        return None if v is None else _languages(v)


class InviteIn(In):
    volunteer_id: Id


class AttendanceIn(In):
    attended: bool
    minutes_worked: int | None = Field(None, ge=0, le=1440, description="default: the shift's length")


class FillPlanIn(In):
    shift_ids: list[Id] | None = Field(None, max_length=500)
    activity_id: Id | None = None
    district: District | None = None
    from_: IsoDateTime | None = Field(None, alias="from")
    to: IsoDateTime | None = None

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    @model_validator(mode="after")
    def _which(self):
        if not self.shift_ids and self.activity_id is None and self.district is None:
            raise PydanticCustomError("plan_scope_missing", "give shift_ids, activity_id, or district with from and to")
        if self.district is not None and (self.from_ is None or self.to is None):
            raise PydanticCustomError("plan_district_needs_period", "district needs from and to")
        return self


class AssignmentIn(In):
    shift_id: Id
    volunteer_id: Id


#: The most assignments one fill plan applies (each an invitation).
MAX_ASSIGNMENTS = 5000


class FillPlanApplyIn(In):
    assignments: list[AssignmentIn] = Field(max_length=MAX_ASSIGNMENTS)


class ListQuery(In):
    limit: int = Field(20, ge=1, le=200, description="at most this many, best first (1..200); the rest via the Link rel=\"next\" header")
    offset: int = Field(0, ge=0, le=10000, description="skip this many of the best first")


# --- Answers ---------------------------------------------------------------------------------


class ReasonCode(BaseModel):
    code: str
    met: bool
    value: str = ""
    points: float = 0.0


class Created(BaseModel):
    id: int


class StatusOut(BaseModel):
    status: Literal["confirmed", "waitlisted", "withdrawn", "invited", "removed"]
    signup_id: int | None = None
    waitlist_position: int | None = None


class ShiftOut(BaseModel):
    id: int
    activity_id: int
    activity: str
    start: datetime
    end: datetime
    needed: int
    confirmed: int
    waitlisted: int
    skills: list[str]
    languages: list[str]
    min_age: int | None = None
    requires: list[str] = Field(default_factory=list)
    status: str
    district: str
    place: str = ""


class ActivityOut(BaseModel):
    id: int
    title: str
    description: str
    district: str
    place: str
    group_id: int | None = None
    group: str | None = None
    facility_id: int | None = None
    facility: str | None = None
    booking_id: int | None = None
    can_organise: bool = False
    withdraw_hours_before: int | None = None
    shifts: list[ShiftOut] = []


class CandidateOut(BaseModel):
    volunteer_id: int
    name: str
    score: float = Field(description="whole points; the list is in the order of the full match score")
    eligible: bool = True
    reasons: list[str] = Field(description="what the shift needs (its time, skills, languages, district); never the "
                                           "volunteer's windows, spare hours, recent shifts or age")
    reason_codes: list[ReasonCode]
    signup_status: str | None = None


class MatchOut(BaseModel):
    shift_id: int
    activity_id: int
    activity: str
    start: datetime
    end: datetime
    district: str
    place: str = ""
    score: float
    reasons: list[str]
    reason_codes: list[ReasonCode]


class SignupOut(BaseModel):
    id: int
    volunteer_id: int | None = None
    name: str
    status: str
    waitlist_position: int | None = None
    shared_contact: str | None = None
    attended: bool | None = None
    minutes_worked: int | None = None
    without_account: bool = Field(False, description="signed up by an organiser; shared_contact is the phone given")
    late_withdrawal: bool = Field(False, description="withdrew later than the activity allows (status withdrawn)")


class MyShiftOut(BaseModel):
    signup_id: int
    shift_id: int
    activity_id: int
    activity: str
    start: datetime
    end: datetime
    status: str
    waitlist_position: int | None = None
    district: str
    place: str = ""
    attended: bool | None = None
    minutes: int = 0


class HoursOut(BaseModel):
    week: float
    month: float
    total: float


class MyShiftsOut(BaseModel):
    upcoming: list[MyShiftOut]
    past: list[MyShiftOut]
    hours: HoursOut


class AttendanceOut(BaseModel):
    id: int
    attended: bool
    minutes_worked: int | None = None


class PlanItemOut(BaseModel):
    shift_id: int
    volunteer_id: int
    name: str
    score: float
    reasons: list[str] = []


class FillPlanOut(BaseModel):
    assignments: list[PlanItemOut]
    total_score: float
    unfilled: dict[str, int]
    optimal: bool


class RefusedOut(BaseModel):
    shift_id: int
    volunteer_id: int
    reason: str = Field(description="a code that says nothing personal: not_eligible (not a candidate for the shift, whichever "
                                    "rule; or no such volunteer), full (every place taken or invited for), already, removed, "
                                    "cancelled, past, not_organiser")
    message: str = ""


class FillPlanApplied(BaseModel):
    applied: list[AssignmentIn] = Field(description="the invitations sent: each volunteer has a place only once they accept it")
    refused: list[RefusedOut]


class HoursQuery(In):
    year: int = Field(ge=2000, le=2200, description="the local calendar year")


class AttendedShiftOut(BaseModel):
    signup_id: int
    shift_id: int
    activity: str
    organisation: str
    start: datetime
    end: datetime
    minutes: int


class YearHoursOut(BaseModel):
    year: int
    minutes: int
    hours: float
    late_withdrawals: int = Field(0, description="shifts I withdrew from later than their activity allows")
    shifts: list[AttendedShiftOut]


class CertificateIn(In):
    year: int = Field(ge=2000, le=2200)


class CertificateCreated(BaseModel):
    code: str
    url: str


class CertificateOut(BaseModel):
    """What anyone with the code sees: nothing else about the person."""

    code: str
    name: str
    year: int
    period_start: date
    period_end: date
    minutes: int
    hours: float
    organisations: list[str]


class CounterSignupIn(In):
    """A person without an account, signed up by an organiser at the counter or by phone."""

    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120), NoBidiControls]
    phone: Annotated[str, StringConstraints(strip_whitespace=True, max_length=40), NoBidiControls] = ""
