"""Matching volunteers and shifts, as pure functions over plain values: no Flask, no database.

INTERFACE FIRST (the matching helper fills in the bodies; services/api/views code against these
names). One function, `match`, scores one (volunteer, shift) pair and gives the reasons; ranking in
either direction and the fill plan are built on it.

All instants are aware datetimes; availability windows are local wall-clock minutes in `tz`.
Intervals are half-open: [start, end). Weekly hours are counted per local ISO week (Mon-Sun).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

# The shared skill vocabulary (codes; the pages show translated names). Free tags come on top.
SKILLS: tuple[str, ...] = (
    "first_aid", "cooking", "tutoring", "language_teaching", "it_help", "repair", "sewing",
    "gardening", "sports", "music", "arts_and_crafts", "childcare", "elder_care", "driving",
    "event_setup", "photography", "translation", "sign_language",
)

# Hard filters (a pair failing one is not eligible) and weighted parts (each adds score and a reason).
WEIGHTS: dict[str, float] = {}  # e.g. {"skills": 40, "languages": 30, "district": 15, "spare_hours": 10, "fairness": 5}


@dataclass(frozen=True)
class Window:
    weekday: int  # Monday 0
    start: int  # minute of the local day
    end: int  # minute, <= 1440


@dataclass(frozen=True)
class VolunteerFacts:
    id: int
    skills: frozenset[str] = frozenset()
    tags: frozenset[str] = frozenset()
    languages: frozenset[str] = frozenset()
    districts: frozenset[str] = frozenset()
    availability: tuple[Window, ...] = ()
    max_minutes_per_week: int = 240
    date_of_birth: date | None = None
    guardian_consent: bool = False
    # Confirmed shifts already held (UTC instants), for overlap and weekly hours.
    busy: tuple[tuple[datetime, datetime], ...] = ()
    recent_shifts: int = 0  # confirmed shifts in the fairness window (e.g. the last 60 days)


@dataclass(frozen=True)
class ShiftFacts:
    id: int
    start: datetime
    end: datetime
    district: str
    skills: frozenset[str] = frozenset()
    languages: frozenset[str] = frozenset()
    min_age: int | None = None
    needed: int = 1
    taken: int = 0  # confirmed places already held


@dataclass(frozen=True)
class Reason:
    """One readable part of a match. `code` names the part (e.g. "language", "skill", "district",
    "available", "spare_hours", "fairness", "too_young", "needs_consent", "overlap", "over_hours",
    "unavailable"); `met` whether it speaks for the match; `value` the detail the text needs
    (a language or skill code, a district, a weekday and time). Text comes from volunteers.reasons."""

    code: str
    met: bool
    value: str = ""
    points: float = 0.0


@dataclass(frozen=True)
class Match:
    volunteer_id: int
    shift_id: int
    eligible: bool
    score: float
    reasons: tuple[Reason, ...] = ()


@dataclass
class Plan:
    """A proposed assignment: (shift_id, volunteer_id) pairs, their total score, and what is left open."""

    assignments: list[tuple[int, int]] = field(default_factory=list)
    total_score: float = 0.0
    unfilled: dict[int, int] = field(default_factory=dict)  # shift_id -> places still open
    optimal: bool = True


def match(volunteer: VolunteerFacts, shift: ShiftFacts, tz: ZoneInfo, today: date) -> Match:
    raise NotImplementedError


def rank_candidates(shift: ShiftFacts, volunteers: list[VolunteerFacts], tz: ZoneInfo, today: date,
                    limit: int | None = None) -> list[Match]:
    """Eligible volunteers for one shift, best first (ties: fewer recent shifts, then id)."""
    raise NotImplementedError


def rank_shifts(volunteer: VolunteerFacts, shifts: list[ShiftFacts], tz: ZoneInfo, today: date,
                limit: int | None = None) -> list[Match]:
    """Open shifts one volunteer is eligible for, best first (ties: earlier start, then id)."""
    raise NotImplementedError


def fill_plan(shifts: list[ShiftFacts], volunteers: list[VolunteerFacts], tz: ZoneInfo, today: date) -> Plan:
    """The assignment maximising the total match score: each shift at most its open places, no
    person in two overlapping shifts (including what they already hold), no one past their weekly
    hours, only eligible pairs. Exact (mixed-integer programme)."""
    raise NotImplementedError
