"""Matching volunteers and shifts, as pure functions over plain values: no Flask, no database.

One function, `match`, scores one (volunteer, shift) pair and gives the reasons; ranking in either
direction (`rank_candidates`, `rank_shifts`) and the pairs a fill plan chooses from (`eligible_pairs`;
the plan itself is volunteers.planning) are built on it, so a pair gets the same score whichever way
it is looked at. This module is the scalar reference: volunteers.matching is the same rules over
numpy arrays, for thousands of volunteers at once (tests prove both agree), and decides which of the
two a list takes.

All instants are aware datetimes; availability windows are local wall-clock minutes in `tz`.
Intervals are half-open: [start, end). Weekly hours are counted per local ISO week (Monday 00:00 to
Monday 00:00 in `tz`), in real elapsed time.

Hard filters (a pair failing one is not eligible; its score is 0 and the miss is a reason):
- "unavailable": the shift's local wall-clock interval must lie inside one availability window of
  its weekday (touching or overlapping windows of one weekday are merged first: 17-19 and 19-21 is
  17-21). A shift crossing local midnight needs a window reaching 24:00 on the first day and one
  from 00:00 on the next; a shift spanning more than that is unavailable. A shift ending exactly
  at midnight ends at minute 1440 of its first day. When passed, the window is the reason
  "available" (0 points) - "Free on Tuesdays 17.00-21.00".
- "age_unknown": the shift has a minimum age and the volunteer gave no date of birth.
- "too_young": the volunteer's age on the shift's local date is below the shift's minimum age
  (the birthday itself counts: on it the new age holds; 29 February birthdays turn on 1 March).
- "needs_consent": a minor (under 18 on the shift's date) without a guardian's consent recorded.
  Without a date of birth a volunteer is taken as an adult.
  Ages are taken on the shift's local date, or on `ages_on` when it is given and earlier: the
  organisers' views pass the first day of the current month, so that which shift dates someone is
  old enough for never tells an organiser their date of birth (see `organiser_view`).
- "credential": the shift requires a credential kind (`ShiftFacts.requires`) the volunteer has no
  record of (value "KIND:missing"), or whose last valid day is before the shift's local start date
  (value "KIND:expires": it runs out before this shift). Each required kind held is a neutral
  reason "credential" (met, value KIND, 0 points).
- "overlap": the shift overlaps a shift the volunteer already holds (`busy`; back to back is fine).
  `busy` must not contain the shift being matched.
- "over_hours": in any local ISO week the shift touches, the shift's minutes in that week plus the
  held minutes in that week exceed `max_minutes_per_week` (exactly at the limit is fine).

Weighted parts (points from WEIGHTS, total 100; each gives its reasons with their points, and the
score is the sum of the points, rounded half up to one decimal; not eligible -> 0):
- skills (35): the share of the shift's required skills the volunteer has, one reason "skill" per
  required skill (met or missing). A free tag counts as a skill when, written as a code (lower
  case, spaces and hyphens as "_"), it equals a required skill ("sign language" -> sign_language).
  No required skills: full points and one neutral reason "no_skills_needed".
- languages (25): the share of the shift's required languages spoken, one reason "language" per
  required language. No required language: full points and a neutral reason "no_languages_needed".
- district (15): the shift's district is among the volunteer's districts (either language, any case:
  commons.districts; Kallio is Berghäll);
  reason "district" (met or not) with the district's name. No districts listed: 0 points.
- spare_hours (15): the minutes left in the week after this shift (the tightest week if the shift
  crosses weeks), full points from SPARE_FULL_MINUTES (10 h) up, linearly less below; reason
  "spare_hours" with the spare minutes (met from one hour up).
- fairness (10): fewer recent shifts rank up: points W * FAIRNESS_HALF / (FAIRNESS_HALF + n) for n
  recent confirmed shifts (0 -> 10, 4 -> 5, 12 -> 2.5); reason "fairness" with n (met when n is at
  most FAIRNESS_FEW).

Ties: candidates for a shift by fewer recent shifts, then volunteer id; shifts for a volunteer by
earlier start, then shift id.

What the shift's organisers read of a match is `organiser_view(match)`: what the shift needs (its
time, skills, languages, district), never the volunteer's own figures (windows, spare hours, recent
shifts) nor which eligibility rule failed; the score in whole points.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from commons.districts import canonical

# The shared skill vocabulary (codes; the pages show translated names). Free tags come on top.
SKILLS: tuple[str, ...] = (
    "first_aid", "cooking", "tutoring", "language_teaching", "it_help", "repair", "sewing",
    "gardening", "sports", "music", "arts_and_crafts", "childcare", "elder_care", "driving",
    "event_setup", "photography", "translation", "sign_language",
)

# Credential kinds staff record having seen (the pages show translated names): a criminal record
# extract (work with minors), a first-aid certificate, a hygiene passport (work with food).
CREDENTIAL_KINDS: tuple[str, ...] = ("criminal_record_check", "first_aid", "hygiene_passport")

# Weighted parts and their points (sum 100); see the module docstring.
WEIGHTS: dict[str, float] = {"skills": 35.0, "languages": 25.0, "district": 15.0, "spare_hours": 15.0,
                             "fairness": 10.0}
SPARE_FULL_MINUTES = 600  # this many spare minutes in the week (10 h) or more: full spare_hours points
FAIRNESS_HALF = 4  # this many recent shifts halve the fairness points
FAIRNESS_FEW = 2  # up to this many recent shifts reads "has had few shifts lately"
ADULT_AGE = 18

# Reason codes, hard-filter misses first.
HARD_CODES = ("unavailable", "credential", "age_unknown", "too_young", "needs_consent", "overlap", "over_hours")
PART_CODES = ("available", "credential", "skill", "no_skills_needed", "language", "no_languages_needed", "district",
              "spare_hours", "fairness")
# What an organiser reads of a match (organiser_view): the parts about what the shift needs, and
# "not_eligible" in place of any hard miss.
ORGANISER_CODES = ("available", "credential", "skill", "no_skills_needed", "language", "no_languages_needed", "district")


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
    # (kind, last valid day) of the credentials staff saw, the latest per kind
    credentials: tuple[tuple[str, date], ...] = ()


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
    requires: frozenset[str] = frozenset()  # credential kinds, valid on the shift's local date


@dataclass(frozen=True)
class Reason:
    """One readable part of a match. `code` names the part (HARD_CODES: the hard-filter misses;
    PART_CODES: "available", "skill", "no_skills_needed", "language", "no_languages_needed",
    "district", "spare_hours", "fairness"); `met` whether it speaks for the match; `value` the
    detail the text needs:
      skill/language: the code; district: the shift's district; spare_hours: spare minutes;
      fairness: number of recent shifts; too_young: the minimum age; over_hours: the weekly limit
      in minutes; available/unavailable: "weekday:start-end" in local minutes (e.g. "1:1020-1260"),
      two such parts joined by "," for a shift crossing midnight.
    `points` what it added to the score (to two decimals; the score adds the exact parts). Text comes from volunteers.reasons.describe."""

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


# --- small shared helpers (volunteers.matching uses the same ones, so both agree to the bit) ---

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_SECOND = timedelta(seconds=1)


def ts(moment: datetime) -> int:
    """Whole seconds since the epoch (floor)."""
    return (moment - _EPOCH) // _SECOND


def skill_code(tag: str) -> str:
    """A free tag written as a skill code: "Sign language" -> "sign_language"."""
    return "_".join(tag.strip().lower().replace("-", " ").split())


def held_skills(volunteer: VolunteerFacts) -> frozenset[str]:
    """Skills plus the free tags written as codes."""
    return frozenset(volunteer.skills) | frozenset(skill_code(t) for t in volunteer.tags)


def merged_windows(windows) -> dict[int, list[tuple[int, int]]]:
    """Weekday -> sorted, merged [start, end) minute intervals (touching ones joined); empty dropped."""
    by_day: dict[int, list[tuple[int, int]]] = {}
    for w in windows:
        if w.end > w.start:
            by_day.setdefault(w.weekday, []).append((max(0, w.start), min(1440, w.end)))
    for day, spans in by_day.items():
        spans.sort()
        out: list[list[int]] = []
        for s, e in spans:
            if out and s <= out[-1][1]:
                out[-1][1] = max(out[-1][1], e)
            else:
                out.append([s, e])
        by_day[day] = [(s, e) for s, e in out]
    return by_day


def local_segments(start: datetime, end: datetime, tz: ZoneInfo) -> list[tuple[int, int, int]] | None:
    """The shift's local wall-clock span as (weekday, start minute, end minute) per local day: one
    segment, or two for a shift crossing midnight; None when it spans more than that (or is empty).
    Across a clock change the span is every wall-clock minute the shift shows: at the spring change
    02:00-05:00 is 02:00-05:00 (two real hours), at the autumn change 03:00 EEST to 03:00 EET
    (one real hour) is 03:00-04:00."""
    if end <= start:
        return None
    ls, le = start.astimezone(tz), end.astimezone(tz)
    if ls.utcoffset() != le.utcoffset():
        return _segments_across_a_change(start, end, tz)
    s_min = ls.hour * 60 + ls.minute
    e_min = le.hour * 60 + le.minute + (1 if (le.second or le.microsecond) else 0)
    days = (le.date() - ls.date()).days
    if days == 0:
        return [(ls.weekday(), s_min, max(e_min, s_min + 1))]
    if days == 1 and e_min == 0:
        return [(ls.weekday(), s_min, 1440)]
    if days == 1:
        return [(ls.weekday(), s_min, 1440), (le.weekday(), 0, e_min)]
    return None


def _segments_across_a_change(start: datetime, end: datetime, tz: ZoneInfo) -> list[tuple[int, int, int]] | None:
    """local_segments for a span crossing a clock change (twice a year): walk it a minute at a time
    (in UTC: arithmetic on datetimes of one zone is wall-clock arithmetic)."""
    start, end = start.astimezone(timezone.utc), end.astimezone(timezone.utc)
    if end - start > timedelta(days=2):
        return None
    spans: dict[date, list[int]] = {}
    t = start
    while t < end:
        lt = t.astimezone(tz)
        m = lt.hour * 60 + lt.minute
        lo_hi = spans.setdefault(lt.date(), [m, m + 1])
        lo_hi[0], lo_hi[1] = min(lo_hi[0], m), max(lo_hi[1], m + 1)
        t += timedelta(minutes=1)
    days = sorted(spans)
    if len(days) > 2 or (len(days) == 2 and ((days[1] - days[0]).days != 1 or spans[days[0]][1] != 1440
                                             or spans[days[1]][0] != 0)):
        return None
    return [(d.weekday(), lo, hi) for d in days for lo, hi in [spans[d]]]


def local_weeks(start: datetime, end: datetime, tz: ZoneInfo) -> list[tuple[int, int]]:
    """The local ISO weeks [Monday 00:00, next Monday 00:00) the span touches, as epoch-second pairs."""
    ls = start.astimezone(tz)
    monday = ls.date() - timedelta(days=ls.weekday())
    end_ts = ts(end)
    weeks = []
    while True:
        w0 = ts(datetime(monday.year, monday.month, monday.day, tzinfo=tz))
        nxt = monday + timedelta(days=7)
        w1 = ts(datetime(nxt.year, nxt.month, nxt.day, tzinfo=tz))
        weeks.append((w0, w1))
        if end_ts <= w1:
            return weeks
        monday = nxt


def age_reached(dob: date, on: date, years: int) -> bool:
    """Whether someone born on `dob` is at least `years` old on `on` (the birthday counts)."""
    return (dob.year + years) * 10000 + dob.month * 100 + dob.day <= on.year * 10000 + on.month * 100 + on.day


def round_score(raw: float) -> float:
    """Half up to one decimal (the same arithmetic as numpy's floor, so both paths agree)."""
    return math.floor(raw * 10.0 + 0.5) / 10.0


def fairness_points(recent: int) -> float:
    return WEIGHTS["fairness"] * FAIRNESS_HALF / (FAIRNESS_HALF + recent)


def spare_points(spare_minutes: int) -> float:
    return WEIGHTS["spare_hours"] * min(max(spare_minutes, 0), SPARE_FULL_MINUTES) / SPARE_FULL_MINUTES


def _fmt_segment(day: int, start: int, end: int) -> str:
    return f"{day}:{start}-{end}"


# --- holding a place ---

def _holding(volunteer: VolunteerFacts, shift: ShiftFacts, tz: ZoneInfo,
             ages_on: date | None = None) -> tuple[list[Reason], int]:
    """The hard misses other than availability (age and consent on the shift's local date, or on
    `ages_on` if earlier; overlap with `busy`; weekly hours per local ISO week the shift touches),
    and the seconds to spare in the tightest of those weeks (negative: over)."""
    misses: list[Reason] = credential_misses(volunteer, shift, tz)
    on = ages_day(shift, tz, ages_on)
    dob = volunteer.date_of_birth
    if shift.min_age is not None and shift.min_age > 0:
        if dob is None:
            misses.append(Reason("age_unknown", False, str(shift.min_age)))
        elif not age_reached(dob, on, shift.min_age):
            misses.append(Reason("too_young", False, str(shift.min_age)))
    if is_minor(dob, on) and not volunteer.guardian_consent:
        misses.append(Reason("needs_consent", False))

    s_ts, e_ts = ts(shift.start), ts(shift.end)
    busy = [(ts(b0), ts(b1)) for b0, b1 in volunteer.busy]
    if any(b0 < e_ts and s_ts < b1 for b0, b1 in busy):
        misses.append(Reason("overlap", False))

    limit = volunteer.max_minutes_per_week * 60
    spare_sec = None
    for w0, w1 in local_weeks(shift.start, shift.end, tz):
        used = min(e_ts, w1) - max(s_ts, w0)
        for b0, b1 in busy:
            used += max(0, min(b1, w1) - max(b0, w0))
        left = limit - used
        spare_sec = left if spare_sec is None else min(spare_sec, left)
    if spare_sec < 0:
        misses.append(Reason("over_hours", False, str(volunteer.max_minutes_per_week)))
    return misses, spare_sec


def holding_misses(volunteer: VolunteerFacts, shift: ShiftFacts, tz: ZoneInfo) -> list[Reason]:
    """Why this person cannot hold a place on the shift (empty: they can). The sign-up's rule: the
    hard filters of `match` except availability (a volunteer may take a shift outside the windows
    they gave; recommendations only show shifts inside them)."""
    return _holding(volunteer, shift, tz)[0]


def credential_misses(volunteer: VolunteerFacts, shift: ShiftFacts, tz: ZoneInfo) -> list[Reason]:
    """The shift's required credentials the volunteer lacks on the shift's local (start) date: a
    Reason "credential" per kind, value "KIND:missing" (none seen) or "KIND:expires" (the last valid
    day is before the shift's date; valid on that day itself is fine). Kinds in sorted order."""
    if not shift.requires:
        return []
    on = shift.start.astimezone(tz).date()
    held = credentials_by_kind(volunteer.credentials)
    out = []
    for kind in sorted(shift.requires):
        until = held.get(kind)
        if until is None:
            out.append(Reason("credential", False, f"{kind}:missing"))
        elif until < on:
            out.append(Reason("credential", False, f"{kind}:expires"))
    return out


def credentials_by_kind(credentials) -> dict[str, date]:
    """{kind: the latest last valid day} of (kind, valid_until) pairs."""
    held: dict[str, date] = {}
    for kind, until in credentials:
        if kind not in held or until > held[kind]:
            held[kind] = until
    return held


def credential_status(valid_until: date | None, on: date) -> str:
    """A credential on a day: "missing" (none), "expires" (last valid day before it) or "valid"."""
    if valid_until is None:
        return "missing"
    return "expires" if valid_until < on else "valid"


def expiry_notice_due(valid_until: date, today: date, notified: bool, days: int = 30) -> bool:
    """Whether a credential's holder is to be told now that it runs out: not told yet, still valid
    today, and at most `days` days left (its last valid day within today + days)."""
    return not notified and today <= valid_until <= today + timedelta(days=days)


def ages_day(shift: ShiftFacts, tz: ZoneInfo, ages_on: date | None = None) -> date:
    """The day ages are taken on for a shift: its local date, or `ages_on` when that is earlier."""
    on = shift.start.astimezone(tz).date()
    return ages_on if ages_on is not None and ages_on < on else on


def is_minor(dob: date | None, on: date) -> bool:
    """Under 18 on that day: a guardian's consent must be recorded before signing up."""
    return dob is not None and not age_reached(dob, on, ADULT_AGE)


def age_on(dob: date, on: date) -> int:
    """Age in whole years on `on` (the birthday counts)."""
    return on.year - dob.year - ((on.month, on.day) < (dob.month, dob.day))


# --- the match ---

def match(volunteer: VolunteerFacts, shift: ShiftFacts, tz: ZoneInfo, today: date,
          ages_on: date | None = None) -> Match:
    """Score one pair with its reasons. `today` is accepted for the interface; ages are taken on the
    shift's local date (or on `ages_on`, if earlier)."""
    hard: list[Reason] = []
    parts: list[Reason] = []

    # Availability.
    segments = local_segments(shift.start, shift.end, tz)
    windows = merged_windows(volunteer.availability)
    if segments is None:
        ls = shift.start.astimezone(tz)
        hard.append(Reason("unavailable", False, _fmt_segment(ls.weekday(), ls.hour * 60 + ls.minute, 1440)))
    else:
        found = []
        for day, s, e in segments:
            hit = next(((ws, we) for ws, we in windows.get(day, ()) if ws <= s and e <= we), None)
            if hit is None:
                found = None
                break
            found.append(_fmt_segment(day, hit[0], hit[1]))
        if found is None:
            hard.append(Reason("unavailable", False, ",".join(_fmt_segment(*seg) for seg in segments)))
        else:
            parts.append(Reason("available", True, ",".join(found)))

    # Age, consent, overlap and weekly hours: what holding a place needs (the sign-up checks the same).
    misses, spare_sec = _holding(volunteer, shift, tz, ages_on)
    hard.extend(misses)

    # Credentials held (misses are among the hard ones above): neutral, for the reasons' sake.
    if shift.requires:
        missed = {r.value.split(":")[0] for r in misses if r.code == "credential"}
        parts.extend(Reason("credential", True, kind) for kind in sorted(shift.requires) if kind not in missed)

    # Weighted parts.
    have = held_skills(volunteer)
    if shift.skills:
        each = WEIGHTS["skills"] / len(shift.skills)
        held = sum(1 for s in shift.skills if s in have)
        skill_pts = WEIGHTS["skills"] * held / len(shift.skills)
        for code in sorted(shift.skills, key=lambda c: (c not in have, c)):
            parts.append(Reason("skill", code in have, code, round(each, 2) if code in have else 0.0))
    else:
        skill_pts = WEIGHTS["skills"]
        parts.append(Reason("no_skills_needed", True, "", skill_pts))

    if shift.languages:
        each = WEIGHTS["languages"] / len(shift.languages)
        spoken = sum(1 for c in shift.languages if c in volunteer.languages)
        lang_pts = WEIGHTS["languages"] * spoken / len(shift.languages)
        for code in sorted(shift.languages, key=lambda c: (c not in volunteer.languages, c)):
            ok = code in volunteer.languages
            parts.append(Reason("language", ok, code, round(each, 2) if ok else 0.0))
    else:
        lang_pts = WEIGHTS["languages"]
        parts.append(Reason("no_languages_needed", True, "", lang_pts))

    # Kallio and Berghäll are one district (commons.districts)
    in_district = canonical(shift.district) in {canonical(d) for d in volunteer.districts}
    district_pts = WEIGHTS["district"] if in_district else 0.0
    parts.append(Reason("district", in_district, shift.district, district_pts))

    spare_min = spare_sec // 60
    spare_pts = spare_points(spare_min)
    parts.append(Reason("spare_hours", spare_min >= 60, str(max(spare_min, 0)), round(spare_pts, 2)))

    fair_pts = fairness_points(volunteer.recent_shifts)
    parts.append(Reason("fairness", volunteer.recent_shifts <= FAIRNESS_FEW, str(volunteer.recent_shifts),
                        round(fair_pts, 2)))

    eligible = not hard
    raw = skill_pts + lang_pts + district_pts + spare_pts + fair_pts
    score = round_score(raw) if eligible else 0.0
    return Match(volunteer.id, shift.id, eligible, score, tuple(hard) + tuple(parts))


def whole_points(score: float) -> float:
    """A score in whole points, half up (what organisers see)."""
    return float(math.floor(score + 0.5))


def organiser_view(m: Match) -> Match:
    """The match as the shift's organisers may read it: the reasons about what the shift needs
    (ORGANISER_CODES; "available" without the volunteer's windows), never their spare hours or
    recent shifts; any hard miss only as one "not_eligible", never which rule or its threshold (an
    age limit would tell a birthday); the score in whole points (to a tenth, it and the parts shown
    would give away the spare hours and recent shifts). The order of a ranking stays the full
    score's."""
    reasons = tuple(replace(r, value="") if r.code == "available" else r for r in m.reasons if r.code in ORGANISER_CODES)
    if not m.eligible:
        reasons = (Reason("not_eligible", False),) + reasons
    return Match(m.volunteer_id, m.shift_id, m.eligible, whole_points(m.score), reasons)


# --- ranking ---

def rank_candidates(shift: ShiftFacts, volunteers: list[VolunteerFacts], tz: ZoneInfo, today: date,
                    limit: int | None = None, ages_on: date | None = None) -> list[Match]:
    """Eligible volunteers for one shift, best first (ties: fewer recent shifts, then id). The
    reference: volunteers.matching.VolunteerPool.rank gives the same for thousands at once."""
    recent = {v.id: v.recent_shifts for v in volunteers}
    found = [m for m in (match(v, shift, tz, today, ages_on) for v in volunteers) if m.eligible]
    found.sort(key=lambda m: (-m.score, recent[m.volunteer_id], m.volunteer_id))
    return found if limit is None else found[:max(limit, 0)]


def rank_shifts(volunteer: VolunteerFacts, shifts: list[ShiftFacts], tz: ZoneInfo, today: date,
                limit: int | None = None) -> list[Match]:
    """Open shifts one volunteer is eligible for, best first (ties: earlier start, then id)."""
    starts = {s.id: ts(s.start) for s in shifts}
    found = [m for m in (match(volunteer, s, tz, today) for s in shifts) if m.eligible]
    found.sort(key=lambda m: (-m.score, starts[m.shift_id], m.shift_id))
    return found if limit is None else found[:max(limit, 0)]


# --- fitting but for a credential ---

def credential_blocked(volunteer: VolunteerFacts, shift: ShiftFacts, tz: ZoneInfo, today: date,
                       ages_on: date | None = None) -> Match | None:
    """A pair that fails only for want of the shift's credentials (none seen, or the last valid day
    before the shift's date), or None: eligible when the shift required nothing, with credential
    misses. Not eligible, but its score is what it would be with the credentials (they weigh 0), for
    ordering; its reasons are the credential misses first, then those of the match without them. The
    lists "needs a credential" (recommendations, candidate lists) are built on it."""
    if not shift.requires:
        return None
    misses = credential_misses(volunteer, shift, tz)
    if not misses:
        return None
    without = match(volunteer, replace(shift, requires=frozenset()), tz, today, ages_on)
    if not without.eligible:
        return None
    return Match(volunteer.id, shift.id, False, without.score, tuple(misses) + without.reasons)


def credential_reasons(m: Match) -> tuple[Reason, ...]:
    """Only the credential misses of a match: what an organiser reads of a volunteer who would fit
    but for a credential (its kind and whether it is missing or expires before the shift; nothing
    about the document, the date or anything else of theirs)."""
    return tuple(r for r in m.reasons if r.code == "credential" and not r.met)


def rank_blocked_candidates(shift: ShiftFacts, volunteers: list[VolunteerFacts], tz: ZoneInfo, today: date,
                            limit: int | None = None, ages_on: date | None = None) -> list[Match]:
    """The volunteers who would be candidates but for the shift's credentials (credential_blocked),
    ordered as rank_candidates. The reference: VolunteerPool.rank(blocked=True) gives the same."""
    recent = {v.id: v.recent_shifts for v in volunteers}
    found = [m for m in (credential_blocked(v, shift, tz, today, ages_on) for v in volunteers) if m is not None]
    found.sort(key=lambda m: (-m.score, recent[m.volunteer_id], m.volunteer_id))
    return found if limit is None else found[:max(limit, 0)]


def rank_blocked_shifts(volunteer: VolunteerFacts, shifts: list[ShiftFacts], tz: ZoneInfo, today: date,
                        limit: int | None = None) -> list[Match]:
    """The shifts one volunteer would be recommended but for a credential, ordered as rank_shifts."""
    starts = {s.id: ts(s.start) for s in shifts}
    found = [m for m in (credential_blocked(volunteer, s, tz, today) for s in shifts) if m is not None]
    found.sort(key=lambda m: (-m.score, starts[m.shift_id], m.shift_id))
    return found if limit is None else found[:max(limit, 0)]


# --- the pairs a fill plan chooses from ---

def eligible_pairs(shifts: list[ShiftFacts], volunteers: list[VolunteerFacts], tz: ZoneInfo,
                   today: date, ages_on: date | None = None,
                   exclude: frozenset[tuple[int, int]] = frozenset()) -> list[tuple[int, int, float]]:
    """(shift index, volunteer index, score) of every eligible pair with open places, except the
    (shift id, volunteer id) pairs in `exclude`. The reference: volunteers.matching.eligible_pairs
    gives the same for thousands at once, and volunteers.planning.fill_plan is built on it."""
    open_shifts = [(i, s) for i, s in enumerate(shifts) if s.needed - s.taken > 0]
    if not open_shifts or not volunteers:
        return []
    pairs = [(i, j, m.score) for i, s in open_shifts for j, v in enumerate(volunteers)
             if (m := match(v, s, tz, today, ages_on)).eligible]
    if exclude:
        pairs = [p for p in pairs if (shifts[p[0]].id, volunteers[p[1]].id) not in exclude]
    return pairs
