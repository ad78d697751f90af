"""Use cases for volunteers, activities, shifts and sign-ups. Each public function that writes is
one transaction (commons.db.write_transaction); the matching itself is volunteers.rules (pure).

Errors are commons.errors (Invalid with `fields`, Forbidden, NotFound, Conflict, ApiError code
"state"/"rule"): pages show them next to fields, the API answers 4xx with `fields`.

Data in: a service that takes `data` accepts the pydantic model of volunteers.schemas or a plain
dict (validated with that model; a bad dict raises Invalid with `fields`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from commons.models import User
from volunteers.models import Activity, Shift, ShiftSignup, VolunteerProfile
from volunteers.rules import Match, Plan


@dataclass
class ShiftView:
    """A shift as lists show it: with its activity and counts (never names)."""

    shift: Shift
    activity: Activity
    confirmed: int = 0
    waitlisted: int = 0
    district: str = ""
    place: str = ""

    @property
    def open_places(self) -> int:
        return max(0, self.shift.needed - self.confirmed)


@dataclass
class Candidate:
    """A volunteer as an organiser sees them in a candidate list: name and id only (no e-mail)."""

    volunteer_id: int
    name: str
    signup_status: str | None = None  # their sign-up on this shift, if any


@dataclass
class SignupView:
    """A sign-up as the shift's organisers see it. `shared_contact` only for confirmed ones."""

    signup: ShiftSignup
    name: str
    waitlist_position: int | None = None
    shared_contact: str | None = None


@dataclass
class MyShift:
    signup: ShiftSignup
    view: ShiftView
    waitlist_position: int | None = None
    minutes: int = 0  # counted minutes (attended or confirmed past shift)


@dataclass
class MyShifts:
    upcoming: list[MyShift] = field(default_factory=list)
    past: list[MyShift] = field(default_factory=list)
    minutes_week: int = 0
    minutes_month: int = 0
    minutes_total: int = 0


@dataclass
class SignupResult:
    status: str  # "confirmed", "waitlisted", "withdrawn", "invited"
    signup: ShiftSignup | None = None
    waitlist_position: int | None = None


@dataclass
class Refused:
    shift_id: int
    volunteer_id: int
    reason: str


@dataclass
class ApplyResult:
    applied: list[tuple[int, int]] = field(default_factory=list)
    refused: list[Refused] = field(default_factory=list)


# --- Profiles --------------------------------------------------------------------------------


def get_profile(user: User) -> VolunteerProfile | None:
    """The user's volunteer profile, or None if they have none yet."""
    raise NotImplementedError


def save_profile(user: User, data) -> VolunteerProfile:
    """Create or replace the user's profile (schemas.ProfileIn or dict; max_hours_per_week in hours,
    stored as minutes). guardian_consent=True records who and when (kept while true)."""
    raise NotImplementedError


def profile_dict(profile: VolunteerProfile) -> dict:
    """The profile as the API and the profile form show it (hours, HH:MM windows)."""
    raise NotImplementedError


# --- Organisers and activities ---------------------------------------------------------------


def can_organise(user: User | None, activity: Activity) -> bool:
    """Representatives of the activity's group; staff of its facility; staff of the facility of the
    booking it is linked to; admins."""
    raise NotImplementedError


def organisable_groups_and_facilities(user: User) -> tuple[list, list]:
    """(groups the user represents, facilities the user staffs) for the activity form."""
    raise NotImplementedError


def bookings_for_activity(user: User, group_id: int) -> list:
    """Upcoming active bookings of a group the user represents, for the activity form's link choice."""
    raise NotImplementedError


def create_activity(actor: User, data) -> Activity:
    """schemas.ActivityIn or dict: {group_id | facility_id, title, description, district, place, booking_id}."""
    raise NotImplementedError


def update_activity(actor: User, activity_id: int, data) -> Activity:
    """schemas.ActivityPatch or dict."""
    raise NotImplementedError


def get_activity(activity_id: int) -> Activity:
    """Any activity (public: title, place, counts). NotFound if none."""
    raise NotImplementedError


def activity_shift_views(activity_id: int, include_cancelled: bool = False) -> list[ShiftView]:
    """The activity's shifts with counts (public)."""
    raise NotImplementedError


def list_activities(upcoming_only: bool = True, district: str | None = None) -> list[tuple[Activity, list[ShiftView]]]:
    """Public listing: activities with their upcoming open shifts and counts only, never names."""
    raise NotImplementedError


def my_activities(actor: User) -> list[Activity]:
    """Activities the actor organises (their groups', their facilities')."""
    raise NotImplementedError


# --- Shifts ----------------------------------------------------------------------------------


def get_shift_view(shift_id: int) -> ShiftView:
    raise NotImplementedError


def create_shift(actor: User, activity_id: int, data) -> Shift:
    """schemas.ShiftIn or dict {start, end, needed, skills, languages, min_age}. Within the linked booking."""
    raise NotImplementedError


def update_shift(actor: User, shift_id: int, data) -> Shift:
    """schemas.ShiftPatch or dict. Time change: SEQUENCE grows, sign-ups' times follow, confirmed people
    told; confirmed people who now overlap another of their shifts or exceed hours are moved to the
    waitlist. Raising `needed` promotes from the waitlist; lowering it never removes anyone."""
    raise NotImplementedError


def cancel_shift(actor: User, shift_id: int) -> Shift:
    """Status cancelled, SEQUENCE grows, everyone signed up or waiting told."""
    raise NotImplementedError


# --- Matching --------------------------------------------------------------------------------


def matches_for(user: User, limit: int = 20) -> list[tuple[ShiftView, Match]]:
    """Upcoming open shifts (not full, not already signed up for) the user is eligible for, best first."""
    raise NotImplementedError


def candidates_for(actor: User, shift_id: int, limit: int = 50) -> list[tuple[Candidate, Match]]:
    """Eligible volunteers for the shift, best first (organisers only; Forbidden otherwise)."""
    raise NotImplementedError


def explain(user: User, shift_id: int) -> Match | None:
    """The user's match against one shift (eligible or not, with every reason), for the shift page."""
    raise NotImplementedError


# --- Sign-ups --------------------------------------------------------------------------------


def invite(actor: User, shift_id: int, volunteer_id: int) -> ShiftSignup:
    """An organiser invites a volunteer (profile id): a sign-up with status invited (no place held)
    and a notice. The volunteer accepts by signing up."""
    raise NotImplementedError


def signup(user: User, shift_id: int) -> SignupResult:
    """Confirmed if a place is free, else waitlisted. Locks the shift row, then the profile row.
    Refuses (Conflict 409) an overlapping confirmed shift; RuleViolation (422 code "rule") for weekly
    hours, minimum age, missing guardian consent, cancelled or past shift, no profile."""
    raise NotImplementedError


def withdraw(user: User, shift_id: int) -> SignupResult:
    """Leave a shift or its waitlist (or decline an invitation); a freed place goes to the first
    eligible person in line in the same transaction."""
    raise NotImplementedError


def remove_signup(actor: User, signup_id: int) -> ShiftSignup:
    """An organiser takes someone off a shift (status removed); the place goes to the next in line."""
    raise NotImplementedError


def shift_signups(actor: User, shift_id: int) -> list[SignupView]:
    """Sign-ups of the shift for its organisers: confirmed, then the waitlist in order, then invited."""
    raise NotImplementedError


def my_signup(user: User, shift_id: int) -> ShiftSignup | None:
    raise NotImplementedError


def record_attendance(actor: User, signup_id: int, attended: bool, minutes_worked: int | None = None) -> ShiftSignup:
    """Organisers mark attendance and hours of a confirmed sign-up of a shift that has started."""
    raise NotImplementedError


def my_shifts(user: User, now: datetime | None = None) -> MyShifts:
    """The user's sign-ups (confirmed, waitlisted, invited) upcoming and past, with hours this local
    ISO week, this month and in total (attended minutes; confirmed past shifts not yet marked count
    their length)."""
    raise NotImplementedError


# --- Fill plan -------------------------------------------------------------------------------


def propose_fill_plan(actor: User, data) -> tuple[Plan, dict[int, str], dict[tuple[int, int], Match]]:
    """schemas.FillPlanIn or dict {shift_ids | activity_id | district + from + to}: the best assignment
    of volunteers to the open places of those shifts (only shifts the actor organises). Nothing is
    written. Returns (plan, {volunteer_id: name}, {(shift_id, volunteer_id): match})."""
    raise NotImplementedError


def apply_fill_plan(actor: User, assignments) -> ApplyResult:
    """[(shift_id, volunteer_id)] or [{shift_id, volunteer_id}]: each signed up (confirmed) with every
    check re-done, in one transaction; refused ones are listed back with the reason."""
    raise NotImplementedError


# --- Personal data ---------------------------------------------------------------------------


def export_personal_data(user: User) -> dict:
    raise NotImplementedError


def erase_personal_data(user: User) -> None:
    raise NotImplementedError
