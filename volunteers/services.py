"""Use cases for volunteers, activities, shifts and sign-ups. Each public function that writes is
one transaction (commons.db.write_transaction); the matching itself is volunteers.rules (pure).

Errors are commons.errors (Invalid with `fields`, Forbidden, NotFound, Conflict, ApiError code
"state"/"rule"): pages show them next to fields, the API answers 4xx with `fields`.

Data in: a service that takes `data` accepts the pydantic model of volunteers.schemas or a plain
dict (validated with that model; a bad dict raises Invalid with `fields`).
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ValidationError
from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from commons.apispec import invalid
from commons.auth import is_representative, is_staff_of, staff_facility_ids
from commons.db import utcnow, write_transaction
from commons.errors import ApiError, Conflict, Forbidden, Invalid, NotFound, RuleViolation
from commons.extensions import db
from commons.models import Facility, Group, GroupMember, User
from spaces.models import ACTIVE_STATUSES, Booking, Space
from commons.schemas import hhmm_to_minute, minute_to_hhmm
from spaces.services import default_tz, to_utc
from volunteers import rules, schemas
from volunteers.models import Activity, Shift, ShiftSignup, VolunteerProfile
from volunteers.rules import Match, Plan

FAIRNESS_DAYS = 60  # confirmed shifts in this many days before now count as "recent" (fairness)
MATCH_AHEAD = timedelta(days=120)  # shifts recommended up to this far ahead
MAX_SHIFT = timedelta(hours=24)
# Sign-ups that are on a shift's list for its organisers (in this order), and those a person still has.
LISTED = ("confirmed", "waitlisted", "invited")


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
    # A code that says nothing personal about the volunteer: not_organiser, cancelled, past, already
    # (on the shift or invited to it already), removed (taken off it by its organisers), full (its
    # places are taken or have invitations out), not_eligible (no such volunteer, paused, or not a
    # candidate for this shift: which rule, and any age, hours or times, is never said).
    reason: str
    message: str = ""


@dataclass
class ApplyResult:
    applied: list[tuple[int, int]] = field(default_factory=list)  # invitations sent: (shift_id, volunteer_id)
    refused: list[Refused] = field(default_factory=list)


# --- Small helpers ---------------------------------------------------------------------------


def _parse(model: type[BaseModel], data):
    if isinstance(data, model):
        return data
    if isinstance(data, BaseModel):
        data = data.model_dump(by_alias=True, exclude_unset=True)
    try:
        return model.model_validate(data or {})
    except ValidationError as exc:
        raise invalid(exc) from None


def refused(message: str, reason: str, cls=RuleViolation, **kw) -> ApiError:
    """An error with a stable machine-readable reason (error.reason in the API; the pages translate by it)."""
    return cls(message, extra={"reason": reason}, **kw)


def _local_today(now: datetime, tz: ZoneInfo) -> date:
    return now.astimezone(tz).date()


def _week_bounds(moment: datetime, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The local ISO week (Monday 00:00 to Monday 00:00) around `moment`, as UTC instants."""
    d = moment.astimezone(tz).date()
    monday = d - timedelta(days=d.weekday())
    lo = datetime.combine(monday, time(0), tzinfo=tz)
    hi = datetime.combine(monday + timedelta(days=7), time(0), tzinfo=tz)
    return lo.astimezone(timezone.utc), hi.astimezone(timezone.utc)


def _minutes(s: datetime, e: datetime) -> int:
    return int((e - s).total_seconds() // 60)


def counted_minutes(signup: ShiftSignup, now: datetime) -> int:
    """Minutes a sign-up counts for: attended ones their recorded minutes (or the shift's length);
    confirmed past shifts not marked yet their length; otherwise none."""
    length = _minutes(signup.start_at, signup.end_at)
    if signup.attended is True:
        return signup.minutes_worked if signup.minutes_worked is not None else length
    if signup.attended is None and signup.status == "confirmed" and signup.end_at <= now:
        return length
    return 0


def _touch(profile_ids=(), shifts: bool = True) -> None:
    """Bump the change stamps behind the volunteer feeds' Last-Modified (calendars.changes)."""
    from calendars import changes

    scopes = {("volunteer", pid) for pid in profile_ids if pid is not None}
    if shifts:
        scopes.add(("shifts", 0))
    changes.touch(db.session(), scopes)


# --- Profiles --------------------------------------------------------------------------------


def get_profile(user: User) -> VolunteerProfile | None:
    """The user's volunteer profile, or None if they have none yet."""
    if user is None:
        return None
    return db.session.execute(select(VolunteerProfile).where(VolunteerProfile.user_id == user.id)).scalar_one_or_none()


def _require_profile(user: User, lock: bool = False) -> VolunteerProfile:
    stmt = select(VolunteerProfile).where(VolunteerProfile.user_id == user.id)
    if lock:
        stmt = stmt.with_for_update()
    profile = db.session.execute(stmt).scalar_one_or_none()
    if profile is None:
        raise refused("Fill in your volunteer profile first.", "no_profile")
    return profile


@write_transaction
def save_profile(user: User, data) -> VolunteerProfile:
    """Create or replace the user's profile (schemas.ProfileIn or dict; max_hours_per_week in hours,
    stored as minutes). guardian_consent=True records who and when (kept while true)."""
    d = _parse(schemas.ProfileIn, data)
    profile = get_profile(user)
    if profile is None:
        profile = VolunteerProfile(user_id=user.id)
        db.session.add(profile)
    profile.skills = list(d.skills)
    profile.tags = list(d.tags)
    profile.languages = list(d.languages)
    profile.districts = list(d.districts)
    windows = sorted((w.weekday, hhmm_to_minute(w.start), hhmm_to_minute(w.end)) for w in d.availability)
    for i, (a, b) in enumerate(zip(windows, windows[1:])):
        if a[0] == b[0] and b[1] < a[2]:
            raise Invalid("Two availability windows of one weekday overlap.", fields={"availability": f"weekday {a[0]} has overlapping windows"})
    profile.availability = [{"weekday": wd, "start": s, "end": e} for wd, s, e in windows]
    profile.max_minutes_per_week = int(round(d.max_hours_per_week * 60))
    profile.date_of_birth = d.date_of_birth
    profile.guardian_name = d.guardian_name or None
    profile.guardian_contact = d.guardian_contact or None
    if d.guardian_consent:
        if profile.guardian_consent_at is None:
            profile.guardian_consent_at = utcnow()
    else:
        profile.guardian_consent_at = None
    profile.shared_contact = d.shared_contact or None
    profile.active = d.active
    profile.updated_at = utcnow()
    db.session.flush()
    _touch([profile.id])
    return profile


def profile_dict(profile: VolunteerProfile) -> dict:
    """The profile as the API and the profile form show it (hours, HH:MM windows)."""
    return {
        "id": profile.id,
        "user_id": profile.user_id,
        "skills": list(profile.skills or []),
        "tags": list(profile.tags or []),
        "languages": list(profile.languages or []),
        "districts": list(profile.districts or []),
        "availability": [
            {"weekday": w["weekday"], "start": minute_to_hhmm(w["start"]), "end": minute_to_hhmm(w["end"])}
            for w in profile.availability or []
        ],
        "max_hours_per_week": round(profile.max_minutes_per_week / 60, 2),
        "date_of_birth": profile.date_of_birth,
        "guardian_name": profile.guardian_name,
        "guardian_contact": profile.guardian_contact,
        "guardian_consent": profile.guardian_consent_at is not None,
        "guardian_consent_at": profile.guardian_consent_at,
        "shared_contact": profile.shared_contact,
        "active": profile.active,
    }


# --- Organisers and activities ---------------------------------------------------------------


def organising_group_ids(user: User | None) -> set[int]:
    """The groups whose volunteering the user may organise: the verified groups they represent. An
    unverified group (anyone can register one, free and at once) organises no volunteers: volunteers'
    names and fit are for groups the city has checked, and for staff."""
    if user is None:
        return set()
    return set(db.session.execute(
        select(GroupMember.group_id).join(Group, Group.id == GroupMember.group_id)
        .where(GroupMember.user_id == user.id, Group.verified.is_(True))
    ).scalars())


def can_organise(user: User | None, activity: Activity) -> bool:
    """Representatives of the activity's group when the group is verified; staff of its facility;
    staff of the facility of the booking it is linked to; admins."""
    if user is None:
        return False
    if user.is_admin:
        return True
    if activity.group_id is not None and activity.group is not None and activity.group.verified \
            and is_representative(user, activity.group_id):
        return True
    if activity.facility_id is not None and is_staff_of(user, activity.facility_id):
        return True
    if activity.booking_id is not None and user.role == "staff":
        fid = db.session.execute(
            select(Space.facility_id).join(Booking, Booking.space_id == Space.id).where(Booking.id == activity.booking_id)
        ).scalar_one_or_none()
        if fid is not None and is_staff_of(user, fid):
            return True
    return False


def organised_ids(user: User | None, activities: list[Activity]) -> set[int]:
    """The ids of those activities the user organises (can_organise for a list: at most three queries)."""
    if user is None or not activities:
        return set()
    if user.is_admin:
        return {a.id for a in activities}
    gids, fids = organising_group_ids(user), staff_facility_ids(user)
    booking_facility = {}
    linked = [a.booking_id for a in activities if a.booking_id is not None]
    if fids and linked:
        booking_facility = dict(db.session.execute(
            select(Booking.id, Space.facility_id).join(Space, Space.id == Booking.space_id).where(Booking.id.in_(linked))
        ).all())
    return {
        a.id for a in activities
        if a.group_id in gids or a.facility_id in fids or booking_facility.get(a.booking_id) in fids
    }


def _require_organiser(user: User, activity: Activity) -> None:
    if not can_organise(user, activity):
        raise refused("Only the activity's organisers (the representatives of its verified group, the facility's staff) can do this.",
                      "not_organiser", cls=Forbidden)


def organisable_groups_and_facilities(user: User) -> tuple[list, list]:
    """(verified groups the user represents, facilities the user staffs) for the activity form."""
    gids = organising_group_ids(user)
    groups = list(db.session.execute(select(Group).where(Group.id.in_(gids)).order_by(Group.name)).scalars()) if gids else []
    if user.is_admin:
        facilities = list(db.session.execute(select(Facility).order_by(Facility.name)).scalars())
    else:
        fids = staff_facility_ids(user)
        facilities = list(db.session.execute(select(Facility).where(Facility.id.in_(fids)).order_by(Facility.name)).scalars()) if fids else []
    return groups, facilities


def bookings_for_activity(user: User, group_id: int, now: datetime | None = None) -> list:
    """Upcoming active bookings of a verified group the user represents, for the activity form's link choice."""
    now = now or utcnow()
    if not (user.is_admin or group_id in organising_group_ids(user)):
        return []
    return list(
        db.session.execute(
            select(Booking)
            .where(Booking.group_id == group_id, Booking.status.in_(ACTIVE_STATUSES), Booking.end_at > now)
            .options(joinedload(Booking.space).joinedload(Space.facility))
            .order_by(Booking.start_at)
            .limit(200)
        ).scalars()
    )


def _booking(booking_id: int) -> Booking | None:
    return db.session.execute(
        select(Booking).where(Booking.id == booking_id).options(joinedload(Booking.space).joinedload(Space.facility))
    ).scalar_one_or_none()


@write_transaction
def create_activity(actor: User, data) -> Activity:
    """schemas.ActivityIn or dict: {group_id | facility_id, title, description, district, place, booking_id}.
    A group's activity needs a verified group (refused "group_not_verified" otherwise, whoever asks)."""
    d = _parse(schemas.ActivityIn, data)
    district = d.district
    place = d.place or ""
    # Who may, first: a refusal must not tell another group's bookings apart (existing, missing, cancelled).
    booking = _booking(d.booking_id) if d.booking_id is not None else None
    own_booking = booking is not None and booking.group_id == d.group_id
    if d.group_id is not None:
        group = db.session.get(Group, d.group_id)
        if group is None:
            raise Invalid("There is no such group.", fields={"group_id": "unknown group"})
        staff_of_booking = own_booking and is_staff_of(actor, booking.space.facility_id)
        if not (actor.is_admin or is_representative(actor, group.id) or staff_of_booking):
            raise refused("You can create activities only for groups you represent.", "not_organiser", cls=Forbidden)
        if not group.verified:
            raise refused("Only a verified group can organise volunteers; the city verifies groups on request.",
                          "group_not_verified", cls=Forbidden)
    if d.booking_id is not None:
        if not own_booking:
            raise refused("The booking must be one of the group's own bookings.", "booking_not_group",
                          cls=Invalid, fields={"booking_id": "not a booking of this group"})
        if booking.status not in ACTIVE_STATUSES:
            raise refused("That booking is no longer active.", "booking_inactive", cls=Invalid,
                          fields={"booking_id": f"the booking is {booking.status}"})
        from calendars.ics import space_location

        district = booking.space.facility.district
        place = place or space_location(booking.space)
    if d.group_id is not None:
        district = district or group.district
    else:
        facility = db.session.get(Facility, d.facility_id)
        if facility is None:
            raise Invalid("There is no such facility.", fields={"facility_id": "unknown facility"})
        if not is_staff_of(actor, facility.id):
            raise refused("Only the facility's staff can create its activities.", "not_organiser", cls=Forbidden)
        district = district or facility.district
        place = place or f"{facility.name}, {facility.address}"
    activity = Activity(
        group_id=d.group_id,
        facility_id=d.facility_id,
        booking_id=d.booking_id,
        title=d.title,
        description=d.description,
        district=district,
        place=place,
        created_by_id=actor.id,
    )
    db.session.add(activity)
    db.session.flush()
    return activity


@write_transaction
def update_activity(actor: User, activity_id: int, data) -> Activity:
    """schemas.ActivityPatch or dict."""
    d = _parse(schemas.ActivityPatch, data)
    activity = get_activity(activity_id)
    _require_organiser(actor, activity)
    for name in ("title", "description", "district", "place"):
        value = getattr(d, name)
        if value is not None:
            setattr(activity, name, value)
    activity.updated_at = utcnow()
    db.session.flush()
    _touch()
    return activity


def get_activity(activity_id: int) -> Activity:
    """Any activity (public: title, place, counts). NotFound if none."""
    activity = db.session.execute(
        select(Activity).where(Activity.id == activity_id).options(joinedload(Activity.group), joinedload(Activity.facility))
    ).scalar_one_or_none()
    if activity is None:
        raise NotFound(f"There is no activity {activity_id}.")
    return activity


def _counts(shift_ids: list[int]) -> dict[int, dict[str, int]]:
    out: dict[int, dict[str, int]] = defaultdict(lambda: {"confirmed": 0, "waitlisted": 0})
    if shift_ids:
        for sid, status, n in db.session.execute(
            select(ShiftSignup.shift_id, ShiftSignup.status, func.count())
            .where(ShiftSignup.shift_id.in_(shift_ids), ShiftSignup.status.in_(("confirmed", "waitlisted")))
            .group_by(ShiftSignup.shift_id, ShiftSignup.status)
        ):
            out[sid][status] = n
    return out


def _views(shifts: list[Shift]) -> list[ShiftView]:
    counts = _counts([s.id for s in shifts])
    return [
        ShiftView(s, s.activity, counts[s.id]["confirmed"], counts[s.id]["waitlisted"], s.activity.district, s.activity.place)
        for s in shifts
    ]


def activity_shift_views(activity_id: int, include_cancelled: bool = False) -> list[ShiftView]:
    """The activity's shifts with counts (public)."""
    stmt = select(Shift).where(Shift.activity_id == activity_id).options(joinedload(Shift.activity)).order_by(Shift.start_at, Shift.id)
    if not include_cancelled:
        stmt = stmt.where(Shift.status == "open")
    return _views(list(db.session.execute(stmt).scalars()))


def list_activities(upcoming_only: bool = True, district: str | None = None, now: datetime | None = None) -> list[tuple[Activity, list[ShiftView]]]:
    """Public listing: activities with their upcoming open shifts and counts only, never names."""
    now = now or utcnow()
    stmt = select(Shift).join(Shift.activity).options(joinedload(Shift.activity).joinedload(Activity.group)).where(Shift.status == "open")
    if upcoming_only:
        stmt = stmt.where(Shift.end_at > now)
    if district:
        stmt = stmt.where(func.lower(Activity.district) == district.strip().lower())
    shifts = list(db.session.execute(stmt.order_by(Shift.start_at, Shift.id).limit(2000)).scalars())
    by_activity: dict[int, list[ShiftView]] = {}
    activities: dict[int, Activity] = {}
    for v in _views(shifts):
        by_activity.setdefault(v.activity.id, []).append(v)
        activities[v.activity.id] = v.activity
    return [(activities[aid], views) for aid, views in by_activity.items()]


def my_activities(actor: User) -> list[Activity]:
    """Activities the actor organises (their verified groups', their facilities', linked to bookings in their facilities)."""
    stmt = select(Activity).options(joinedload(Activity.group), joinedload(Activity.facility)).order_by(Activity.title, Activity.id)
    if not actor.is_admin:
        gids, fids = organising_group_ids(actor), staff_facility_ids(actor)
        conds = []
        if gids:
            conds.append(Activity.group_id.in_(gids))
        if fids:
            conds.append(Activity.facility_id.in_(fids))
            conds.append(Activity.booking_id.in_(select(Booking.id).join(Space, Space.id == Booking.space_id).where(Space.facility_id.in_(fids))))
        if not conds:
            return []
        stmt = stmt.where(or_(*conds))
    return list(db.session.execute(stmt).scalars())


# --- Shifts ----------------------------------------------------------------------------------


def _get_shift(shift_id: int, lock: bool = False) -> Shift:
    stmt = select(Shift).where(Shift.id == shift_id)
    if lock:
        stmt = stmt.with_for_update()
    shift = db.session.execute(stmt).scalar_one_or_none()
    if shift is None:
        raise NotFound(f"There is no shift {shift_id}.")
    return shift


def get_shift_view(shift_id: int) -> ShiftView:
    shift = db.session.execute(
        select(Shift).where(Shift.id == shift_id).options(joinedload(Shift.activity).joinedload(Activity.group))
    ).scalar_one_or_none()
    if shift is None:
        raise NotFound(f"There is no shift {shift_id}.")
    return _views([shift])[0]


def _check_times(activity: Activity, s: datetime, e: datetime, now: datetime) -> None:
    if e <= s:
        raise Invalid("The end must be after the start.", fields={"end": "must be after start"})
    if e - s > MAX_SHIFT:
        raise Invalid("A shift can last at most 24 hours.", fields={"end": "at most 24 hours after start"})
    if s <= now:
        raise refused("A shift must start in the future.", "past", cls=Invalid, fields={"start": "must be in the future"})
    if activity.booking_id is not None:
        booking = db.session.get(Booking, activity.booking_id)
        if booking is not None:
            if booking.status not in ACTIVE_STATUSES:
                raise refused("The booking this activity is linked to is no longer active.", "booking_inactive",
                              fields={"start": "the linked booking is " + booking.status})
            if s < booking.start_at or e > booking.end_at:
                tz = default_tz()
                span = f"{booking.start_at.astimezone(tz):%Y-%m-%d %H:%M}–{booking.end_at.astimezone(tz):%H:%M}"
                raise refused(f"A shift of this activity must lie within its booking ({span}).", "outside_booking",
                              fields={"start": f"must lie within the booking {span}"})


@write_transaction
def create_shift(actor: User, activity_id: int, data, now: datetime | None = None) -> Shift:
    """schemas.ShiftIn or dict {start, end, needed, skills, languages, min_age}. Within the linked booking."""
    now = now or utcnow()
    d = _parse(schemas.ShiftIn, data)
    activity = get_activity(activity_id)
    _require_organiser(actor, activity)
    tz = default_tz()
    s, e = to_utc(d.start, tz, "start"), to_utc(d.end, tz, "end")
    _check_times(activity, s, e, now)
    shift = Shift(activity_id=activity.id, start_at=s, end_at=e, needed=d.needed, skills=list(d.skills),
                  languages=list(d.languages), min_age=d.min_age, status="open", sequence=0)
    db.session.add(shift)
    db.session.flush()
    _touch()
    return shift


@write_transaction
def update_shift(actor: User, shift_id: int, data, now: datetime | None = None) -> Shift:
    """schemas.ShiftPatch or dict. Time change: SEQUENCE grows, sign-ups' times follow, confirmed people
    told; confirmed people who now overlap another of their shifts or exceed hours are moved to the
    waitlist. Raising `needed` promotes from the waitlist; lowering it never removes anyone.

    Once anyone is on the shift (invited, waiting or with a place), its minimum age stays as it is,
    and a shift with a minimum age stays on its day (refused "age_rule_fixed"): otherwise moving the
    day or the age and watching who is moved to the waitlist (or promoted) would tell a volunteer's
    date of birth. The time of day may still change."""
    from volunteers import notices

    now = now or utcnow()
    d = _parse(schemas.ShiftPatch, data)
    shift = _get_shift(shift_id, lock=True)
    activity = get_activity(shift.activity_id)
    _require_organiser(actor, activity)
    if shift.status != "open":
        raise refused("This shift is cancelled.", "cancelled", cls=ApiError, code="state", status=422)
    if shift.end_at <= now:
        raise refused("A shift that has ended can no longer be changed.", "past", cls=ApiError, code="state", status=422)
    tz = default_tz()
    s = to_utc(d.start, tz, "start") if d.start is not None else shift.start_at
    e = to_utc(d.end, tz, "end") if d.end is not None else shift.end_at
    moved = (s, e) != (shift.start_at, shift.end_at)
    if moved:
        _check_times(activity, s, e, now)
    _check_age_rule_fixed(shift, d, s, tz)
    changed = moved
    for name in ("needed", "skills", "languages"):
        value = getattr(d, name)
        if value is not None and value != getattr(shift, name):
            setattr(shift, name, list(value) if isinstance(value, list) else value)
            changed = True
    if "min_age" in d.model_fields_set and d.min_age != shift.min_age:
        shift.min_age = d.min_age
        changed = True
    if not changed:
        return shift
    signups = list(db.session.execute(
        select(ShiftSignup).where(ShiftSignup.shift_id == shift.id, ShiftSignup.status.in_(LISTED)).order_by(ShiftSignup.queued_at, ShiftSignup.id)
    ).scalars())
    bumped: list[ShiftSignup] = []
    if moved:
        # Confirmed people for whom the new time overlaps another shift (or goes past their hours)
        # go back in line first, so the database's no-overlap guard never sees a conflict.
        for su in signups:
            if su.status == "confirmed" and su.volunteer_id is not None:
                profile = db.session.get(VolunteerProfile, su.volunteer_id)
                if _problem(profile, s, e, shift.min_age, tz, exclude_shift=shift.id) is not None:
                    su.status = "waitlisted"
                    bumped.append(su)
        db.session.flush()
        for su in signups:
            su.start_at, su.end_at = s, e
        shift.start_at, shift.end_at = s, e
    shift.sequence += 1
    shift.updated_at = now
    db.session.flush()
    promoted = _promote(shift, now)
    notices.shift_changed(shift, [su for su in signups if su not in bumped and su not in promoted], now, moved=moved)
    for su in bumped:
        notices.waitlisted(su, now, bumped=True)
    _touch([su.volunteer_id for su in signups])
    return shift


def _check_age_rule_fixed(shift: Shift, d: schemas.ShiftPatch, new_start: datetime, tz: ZoneInfo) -> None:
    """update_shift's freeze: with anyone on the shift, no new minimum age, and no new day for a
    shift that has one (see update_shift)."""
    new_age = "min_age" in d.model_fields_set and (d.min_age or None) != (shift.min_age or None)
    new_day = bool(shift.min_age) and new_start.astimezone(tz).date() != shift.start_at.astimezone(tz).date()
    if not (new_age or new_day):
        return
    someone = db.session.execute(
        select(ShiftSignup.id).where(ShiftSignup.shift_id == shift.id, ShiftSignup.status.in_(LISTED)).limit(1)
    ).first()
    if someone is None:
        return
    if new_age:
        raise refused("Volunteers are on this shift or invited to it: its minimum age can no longer change. "
                      "Cancel it and add a new shift instead.", "age_rule_fixed", cls=Invalid,
                      fields={"min_age": "fixed once anyone is on the shift"})
    raise refused("Volunteers are on this shift or invited to it and it has a minimum age: it can no longer move "
                  "to another day (another time of the same day is fine). Cancel it and add a new shift instead.",
                  "age_rule_fixed", cls=Invalid, fields={"start": "the day is fixed once anyone is on the shift"})


@write_transaction
def cancel_shift(actor: User, shift_id: int, now: datetime | None = None) -> Shift:
    """Status cancelled, SEQUENCE grows, everyone signed up or waiting told; their sign-ups become
    "cancelled" (the volunteer's feed shows the shift as STATUS:CANCELLED)."""
    from volunteers import notices

    now = now or utcnow()
    shift = _get_shift(shift_id, lock=True)
    activity = get_activity(shift.activity_id)
    _require_organiser(actor, activity)
    if shift.status == "cancelled":
        raise refused("This shift is cancelled already.", "cancelled", cls=ApiError, code="state", status=422)
    if shift.end_at <= now:
        raise refused("A shift that has ended can no longer be cancelled.", "past", cls=ApiError, code="state", status=422)
    signups = list(db.session.execute(
        select(ShiftSignup).where(ShiftSignup.shift_id == shift.id, ShiftSignup.status.in_(LISTED))
    ).scalars())
    for su in signups:
        su.status = "cancelled"
        su.updated_at = now
    shift.status = "cancelled"
    shift.sequence += 1
    shift.updated_at = now
    db.session.flush()
    notices.shift_cancelled(shift, signups, now)
    _touch([su.volunteer_id for su in signups])
    return shift


# --- Facts for the matching (a fixed number of queries, whatever the number of volunteers) -----


def _windows(profile_availability) -> tuple[rules.Window, ...]:
    return tuple(rules.Window(int(w["weekday"]), int(w["start"]), int(w["end"])) for w in profile_availability or [])


def _commitments(ids: list[int] | None, now: datetime, exclude_shift: int | None = None
                 ) -> tuple[dict[int, tuple[tuple[datetime, datetime], ...]], dict[int, int]]:
    """Confirmed shifts held (from a week back: the current week's hours count) and recent-shift
    counts, per volunteer, in one query each. `ids` None: everyone's (a small set of rows: only
    people holding shifts appear)."""
    busy: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
    recent: dict[int, int] = {}
    if ids is not None and not ids:
        return {}, {}
    lo = now - timedelta(days=8)
    if ids is None or len(ids) > 1000:
        id_filter = ShiftSignup.volunteer_id.is_not(None)
    else:
        id_filter = ShiftSignup.volunteer_id.in_(ids)
    for vid, s, e in db.session.execute(
        select(ShiftSignup.volunteer_id, ShiftSignup.start_at, ShiftSignup.end_at)
        .where(id_filter, ShiftSignup.status == "confirmed", ShiftSignup.end_at > lo,
               ShiftSignup.shift_id != (exclude_shift or 0))
        .order_by(ShiftSignup.start_at)
    ):
        busy[vid].append((s, e))
    for vid, n in db.session.execute(
        select(ShiftSignup.volunteer_id, func.count())
        .where(id_filter, ShiftSignup.status == "confirmed",
               ShiftSignup.start_at >= now - timedelta(days=FAIRNESS_DAYS), ShiftSignup.start_at < now)
        .group_by(ShiftSignup.volunteer_id)
    ):
        recent[vid] = n
    return {vid: tuple(spans) for vid, spans in busy.items()}, recent


def _facts_for(profiles: list[tuple[int, list, list, list, list, list, int, date | None, datetime | None]], now: datetime,
               exclude_shift: int | None = None) -> list[rules.VolunteerFacts]:
    """VolunteerFacts from profile rows: busy intervals and recent-shift counts in one query each."""
    busy, recent = _commitments([p[0] for p in profiles], now, exclude_shift)
    return [
        rules.VolunteerFacts(
            id=pid,
            skills=frozenset(skills or ()),
            tags=frozenset(tags or ()),
            languages=frozenset(langs or ()),
            districts=frozenset(districts or ()),
            availability=_windows(avail),
            max_minutes_per_week=maxm,
            date_of_birth=dob,
            guardian_consent=consent is not None,
            busy=busy.get(pid, ()),
            recent_shifts=recent.get(pid, 0),
        )
        for pid, skills, tags, langs, districts, avail, maxm, dob, consent in profiles
    ]


_PROFILE_COLUMNS = (
    VolunteerProfile.id, VolunteerProfile.skills, VolunteerProfile.tags, VolunteerProfile.languages, VolunteerProfile.districts,
    VolunteerProfile.availability, VolunteerProfile.max_minutes_per_week, VolunteerProfile.date_of_birth,
    VolunteerProfile.guardian_consent_at,
)


def volunteer_facts(profile: VolunteerProfile, now: datetime, exclude_shift: int | None = None) -> rules.VolunteerFacts:
    """One person's facts; `exclude_shift`: leave their own place on that shift out of `busy`."""
    row = (profile.id, profile.skills, profile.tags, profile.languages, profile.districts, profile.availability,
           profile.max_minutes_per_week, profile.date_of_birth, profile.guardian_consent_at)
    return _facts_for([row], now, exclude_shift)[0]


@dataclass
class VolunteerSet:
    """Every active volunteer as the matching sees them now.

    `base` is built from all profiles once per process (and day) and cached: loading and converting
    20 000 profiles takes a second or two, and the numpy pool over it a few tenths more. What changed
    since is read fresh on every call, in three small queries, and laid over it: `changed` holds the
    people whose profile changed (or who joined) or whose held shifts or recent-shift count differ
    from `base`; `removed` the ones gone or paused. So neither a sign-up nor a profile edit makes the
    next organiser wait for a reload. `facts` is the current list."""

    base: list[rules.VolunteerFacts]
    changed: dict[int, rules.VolunteerFacts]
    removed: set[int]

    @property
    def facts(self) -> list[rules.VolunteerFacts]:
        if not self.changed and not self.removed:
            return self.base
        kept = [self.changed.get(f.id, f) for f in self.base if f.id not in self.removed]
        known = {f.id for f in self.base}
        return kept + [f for vid, f in sorted(self.changed.items()) if vid not in known]


_POOL_CACHE: dict = {}
# A profile saved in a transaction that commits late can carry an updated_at older than the newest
# one already seen; re-reading (id, updated_at) this far before the base's newest change catches it.
_LATE_COMMIT_MARGIN = timedelta(minutes=2)
_REBUILD_AFTER = 1000  # overlaid profiles: past this many (or a quarter of the base), rebuild the base instead


def _profile_rows(where) -> list:
    return db.session.execute(
        select(*_PROFILE_COLUMNS, VolunteerProfile.updated_at).where(where).order_by(VolunteerProfile.id)
    ).all()


def all_volunteer_facts(now: datetime) -> VolunteerSet:
    """Every active profile as VolunteerFacts: the cached base with what changed since laid over it
    (see VolunteerSet; names come from current_names, for the people shown). Queries: profiles touched since the base (id and time
    only, then the changed ones in full), the number of active profiles (to notice deletions), held
    shifts and recent-shift counts."""
    key = (db.session.get_bind().url.render_as_string(hide_password=True), now.astimezone(timezone.utc).date())
    cached = _POOL_CACHE.get("pool")
    if cached is None or cached["key"] != key:
        cached = _build_base(key, now)
    seen = cached["stamps"]  # id -> updated_at as in the base
    touched = db.session.execute(
        select(VolunteerProfile.id, VolunteerProfile.updated_at, VolunteerProfile.active)
        .where(VolunteerProfile.updated_at >= cached["newest"] - _LATE_COMMIT_MARGIN)
    ).all() if cached["newest"] else db.session.execute(
        select(VolunteerProfile.id, VolunteerProfile.updated_at, VolunteerProfile.active)).all()
    removed = {vid for vid, _, active in touched if not active and vid in seen}
    reread = [vid for vid, at, active in touched if active and seen.get(vid) != at]
    joined = sum(1 for vid in reread if vid not in seen)
    active_now = db.session.execute(select(func.count(VolunteerProfile.id)).where(VolunteerProfile.active.is_(True))).scalar_one()
    overlaid = len(reread) + len(removed)
    if active_now != len(seen) - len(removed) + joined or overlaid > min(_REBUILD_AFTER, max(50, len(seen) // 4)):
        # A profile was deleted (an erased account) or much has changed: start again.
        cached = _build_base(key, now)
        removed, reread = set(), []
    changed: dict[int, rules.VolunteerFacts] = {}
    if reread:
        rows = _profile_rows(VolunteerProfile.id.in_(reread))
        n = len(_PROFILE_COLUMNS)
        changed = {f.id: f for f in _facts_for([tuple(r[:n]) for r in rows], now)}
    busy, recent = _commitments(None, now)
    for f in cached["base"]:
        if f.id in changed or f.id in removed:
            continue
        if f.busy != busy.get(f.id, ()) or f.recent_shifts != recent.get(f.id, 0):
            changed[f.id] = replace(f, busy=busy.get(f.id, ()), recent_shifts=recent.get(f.id, 0))
    return VolunteerSet(cached["base"], changed, removed)


def _build_base(key: tuple, now: datetime) -> dict:
    _POOL_CACHE.pop("matcher", None)
    rows = _profile_rows(VolunteerProfile.active.is_(True))
    n = len(_PROFILE_COLUMNS)
    cached = {
        "key": key,
        "base": _facts_for([tuple(r[:n]) for r in rows], now),
        "stamps": {r[0]: r[-1] for r in rows},
        "newest": max((r[-1] for r in rows), default=None),
    }
    _POOL_CACHE["pool"] = cached
    return cached


def current_names(profile_ids) -> dict[int, str]:
    """{profile id: the person's name now} (one query). Names are not cached with the pool: a change
    of name touches no profile, and organisers must see the name the person uses."""
    ids = sorted(set(profile_ids))
    if not ids:
        return {}
    return dict(db.session.execute(
        select(VolunteerProfile.id, User.name).join(User, User.id == VolunteerProfile.user_id).where(VolunteerProfile.id.in_(ids))
    ).all())


def shift_facts(view: ShiftView) -> rules.ShiftFacts:
    s = view.shift
    return rules.ShiftFacts(
        id=s.id, start=s.start_at, end=s.end_at, district=view.district or "", skills=frozenset(s.skills or ()),
        languages=frozenset(s.languages or ()), min_age=s.min_age, needed=s.needed, taken=view.confirmed,
    )


# --- Matching --------------------------------------------------------------------------------


def _open_views(now: datetime, ids: list[int] | None = None, where=None) -> list[ShiftView]:
    stmt = select(Shift).join(Shift.activity).options(joinedload(Shift.activity)).where(Shift.status == "open", Shift.start_at > now)
    if ids is not None:
        stmt = stmt.where(Shift.id.in_(ids))
    else:
        stmt = stmt.where(Shift.start_at < now + MATCH_AHEAD)
    if where is not None:
        stmt = stmt.where(where)
    return _views(list(db.session.execute(stmt.order_by(Shift.start_at, Shift.id)).scalars()))


def matches_for(user: User, limit: int = 20, now: datetime | None = None) -> list[tuple[ShiftView, Match]]:
    """Upcoming open shifts (not full, not already signed up for) the user is eligible for, best first."""
    now = now or utcnow()
    profile = get_profile(user)
    if profile is None or not profile.active:
        return []
    mine = set(db.session.execute(
        select(ShiftSignup.shift_id).where(ShiftSignup.volunteer_id == profile.id, ShiftSignup.status != "invited")
    ).scalars())
    views = [v for v in _open_views(now) if v.shift.id not in mine and v.confirmed < v.shift.needed]
    if not views:
        return []
    tz = default_tz()
    by_id = {v.shift.id: v for v in views}
    ranked = rules.rank_shifts(volunteer_facts(profile, now), [shift_facts(v) for v in views], tz, _local_today(now, tz), limit=limit)
    return [(by_id[m.shift_id], m) for m in ranked]


def explain(user: User, shift_id: int, now: datetime | None = None) -> Match | None:
    """The user's match against one shift (eligible or not, with every reason), for the shift page."""
    now = now or utcnow()
    profile = get_profile(user)
    if profile is None:
        return None
    view = get_shift_view(shift_id)
    tz = default_tz()
    return rules.match(volunteer_facts(profile, now, exclude_shift=shift_id), shift_facts(view), tz, _local_today(now, tz))


def _organised_shift(actor: User, shift_id: int) -> ShiftView:
    view = get_shift_view(shift_id)
    _require_organiser(actor, view.activity)
    return view


def organisers_ages_on(now: datetime, tz: ZoneInfo) -> date:
    """The day the organisers' views (candidates, fill plans, invitations) take ages on: the first
    day of the current local month, whatever the shift's date. So an organiser who moves a shift's
    date (or adds shifts on other dates) sees the same people: at most someone's age in whole years
    on that day, never their birthday. A volunteer's own sign-up takes their age on the shift's date."""
    return _local_today(now, tz).replace(day=1)


def is_candidate(profile: VolunteerProfile, view: ShiftView, now: datetime) -> bool:
    """Whether this person is among the shift's candidates (active, and eligible as the organisers'
    views see it): the people an organiser may invite."""
    if profile is None or not profile.active:
        return False
    tz = default_tz()
    facts = volunteer_facts(profile, now, exclude_shift=view.shift.id)
    return rules.match(facts, shift_facts(view), tz, _local_today(now, tz), organisers_ages_on(now, tz)).eligible


def candidates_for(actor: User, shift_id: int, limit: int = 50, now: datetime | None = None) -> list[tuple[Candidate, Match]]:
    """Eligible volunteers for the shift, best first (organisers only: the verified group's
    representatives, staff; Forbidden otherwise). People already confirmed or waiting on the shift
    are left out; invited ones say so. Ages are taken on organisers_ages_on, and each match is
    rules.organiser_view: what the shift needs, never the volunteer's windows, hours or age."""
    now = now or utcnow()
    view = _organised_shift(actor, shift_id)
    statuses = dict(db.session.execute(
        select(ShiftSignup.volunteer_id, ShiftSignup.status).where(ShiftSignup.shift_id == shift_id, ShiftSignup.volunteer_id.is_not(None))
    ).all())
    volunteers = all_volunteer_facts(now)
    skip = {vid for vid, st in statuses.items() if st in ("confirmed", "waitlisted", "removed", "cancelled")}
    tz = default_tz()
    ranked = [m for m in _rank_candidates(shift_facts(view), volunteers, tz, _local_today(now, tz), limit + len(skip),
                                          organisers_ages_on(now, tz))
              if m.volunteer_id not in skip]
    ranked = ranked[:limit]
    names = current_names(m.volunteer_id for m in ranked)
    return [(Candidate(m.volunteer_id, names.get(m.volunteer_id, ""), statuses.get(m.volunteer_id)), rules.organiser_view(m))
            for m in ranked]


def _rank_candidates(sf: rules.ShiftFacts, volunteers: VolunteerSet, tz: ZoneInfo, today: date, limit: int,
                     ages_on: date | None = None) -> list[Match]:
    """Many volunteers: MATCH's in-memory pool (numpy arrays) over the cached `base`, built once per
    process; the few people changed since (VolunteerSet.changed) are scored with the rules and merged
    in the same order (score, fewer recent shifts, id), the removed ones left out. Few volunteers:
    the rules for everyone."""
    threshold = getattr(rules, "POOL_THRESHOLD", 300)
    if len(volunteers.base) <= threshold:
        return rules.rank_candidates(sf, volunteers.facts, tz, today, limit, ages_on)
    from volunteers.matching import VolunteerPool

    cached = _POOL_CACHE.get("matcher")
    if cached is None or cached[0] is not volunteers.base:
        cached = (volunteers.base, VolunteerPool(volunteers.base), {f.id: f.recent_shifts for f in volunteers.base})
        _POOL_CACHE["matcher"] = cached
    _, pool, base_recent = cached
    changed, removed = volunteers.changed, volunteers.removed
    # The pool's order among unchanged people stays right; ask for enough to make up for those left out.
    merged = [m for m in pool.rank(sf, tz, today, limit + len(changed) + len(removed), ages_on)
              if m.volunteer_id not in changed and m.volunteer_id not in removed]
    if changed:
        merged += [m for m in (rules.match(f, sf, tz, today, ages_on) for f in changed.values()) if m.eligible]

        def recent_shifts(vid: int) -> int:
            return changed[vid].recent_shifts if vid in changed else base_recent[vid]

        merged.sort(key=lambda m: (-m.score, recent_shifts(m.volunteer_id), m.volunteer_id))
    return merged[:limit]


# --- Sign-ups --------------------------------------------------------------------------------


_REFUSALS = {
    # rules.holding_misses code -> (refusal code the pages translate, message)
    "age_unknown": ("needs_birth_date", "This shift needs volunteers aged {age} or over: add your date of birth to your profile."),
    "too_young": ("too_young", "This shift needs volunteers aged {age} or over."),
    "needs_consent": ("needs_consent", "Volunteers under 18 need a guardian's consent recorded in their profile first."),
    "over_hours": ("over_hours", "This shift would take you past the weekly hours in your profile."),
}


def _problem(profile: VolunteerProfile | None, s: datetime, e: datetime, min_age: int | None, tz: ZoneInfo,
             exclude_shift: int | None = None) -> ApiError | None:
    """Why this person cannot hold a place on a shift at [s, e) (None: they can), as an error to
    raise: the rules' `holding_misses` (age, consent, overlap, weekly hours), the same ones the
    matching uses. Reads their confirmed shifts (one query)."""
    if profile is None:
        return refused("Fill in your volunteer profile first.", "no_profile")
    facts = volunteer_facts(profile, s, exclude_shift)
    misses = rules.holding_misses(facts, rules.ShiftFacts(id=exclude_shift or 0, start=s, end=e, district="", min_age=min_age), tz)
    if not misses:
        return None
    first = misses[0]
    if first.code == "overlap":
        return refused("You have another shift at this time.", "overlap", cls=Conflict, conflicts=[
            {"start": bs.astimezone(tz).isoformat(), "end": be.astimezone(tz).isoformat(), "reason": "you have another shift at this time"}
            for bs, be in facts.busy if bs < e and s < be
        ])
    code, message = _REFUSALS[first.code]
    return refused(message.format(age=min_age), code)


def _waitlist_position(shift_id: int, su: ShiftSignup) -> int | None:
    if su.status != "waitlisted":
        return None
    ahead = db.session.execute(
        select(func.count()).select_from(ShiftSignup).where(
            ShiftSignup.shift_id == shift_id, ShiftSignup.status == "waitlisted",
            or_(ShiftSignup.queued_at < su.queued_at, and_(ShiftSignup.queued_at == su.queued_at, ShiftSignup.id < su.id)),
        )
    ).scalar_one()
    return ahead + 1


def _confirmed_count(shift_id: int) -> int:
    return db.session.execute(
        select(func.count()).select_from(ShiftSignup).where(ShiftSignup.shift_id == shift_id, ShiftSignup.status == "confirmed")
    ).scalar_one()


def _flush_or_conflict() -> None:
    """The PostgreSQL no-overlap constraint is the last word: its refusal is the same 409 a person gets."""
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as exc:
        if "ex_shift_signups_no_overlap" in str(exc.orig) or "exclusion" in str(exc.orig).lower():
            raise refused("You have another shift at this time.", "overlap", cls=Conflict) from None
        raise


def _promote(shift: Shift, now: datetime) -> list[ShiftSignup]:
    """Fill free places from the waitlist, first in line first, skipping people who cannot take the
    place now (overlap, hours, age); each promoted person is told. Inside the caller's transaction,
    which holds the shift's row lock."""
    from volunteers import notices

    if shift.status != "open" or shift.start_at <= now:
        return []
    free = shift.needed - _confirmed_count(shift.id)
    if free <= 0:
        return []
    tz = default_tz()
    promoted = []
    waiting = list(db.session.execute(
        select(ShiftSignup).where(ShiftSignup.shift_id == shift.id, ShiftSignup.status == "waitlisted", ShiftSignup.volunteer_id.is_not(None))
        .order_by(ShiftSignup.queued_at, ShiftSignup.id)
    ).scalars())
    for su in waiting:
        if free <= 0:
            break
        profile = db.session.execute(
            select(VolunteerProfile).where(VolunteerProfile.id == su.volunteer_id).with_for_update()
        ).scalar_one_or_none()
        if _problem(profile, shift.start_at, shift.end_at, shift.min_age, tz, exclude_shift=shift.id) is not None:
            continue
        su.status = "confirmed"
        su.updated_at = now
        try:
            _flush_or_conflict()
        except Conflict:
            su.status = "waitlisted"
            continue
        promoted.append(su)
        free -= 1
        notices.promoted(su, now)
    return promoted


@write_transaction
def signup(user: User, shift_id: int, now: datetime | None = None) -> SignupResult:
    """Confirmed if a place is free, else waitlisted. Locks the shift row, then the profile row.
    Refuses (Conflict 409) an overlapping confirmed shift; RuleViolation (422 code "rule") for weekly
    hours, minimum age, missing guardian consent, cancelled or past shift, no profile."""
    return _signup(user, shift_id, now or utcnow())


def _signup(user: User, shift_id: int, now: datetime, notify: bool = True) -> SignupResult:
    from volunteers import notices

    shift = _get_shift(shift_id, lock=True)  # 1. the shift's row: capacity holds under races
    profile = _require_profile(user, lock=True)  # 2. the person's row: overlap and hours hold under races
    if shift.status != "open":
        raise refused("This shift is cancelled.", "cancelled")
    if shift.start_at <= now:
        raise refused("This shift has started already.", "past")
    if not profile.active:
        raise refused("Your volunteer profile is paused; turn it on to sign up.", "inactive_profile")
    su = db.session.execute(
        select(ShiftSignup).where(ShiftSignup.shift_id == shift.id, ShiftSignup.volunteer_id == profile.id)
    ).scalar_one_or_none()
    if su is not None and su.status in ("confirmed", "waitlisted"):
        return SignupResult(su.status, su, _waitlist_position(shift.id, su))
    if su is not None and su.status == "removed":
        raise refused("The organisers took you off this shift; ask them if you want to come back.", "removed")
    tz = default_tz()
    problem = _problem(profile, shift.start_at, shift.end_at, shift.min_age, tz)
    if problem is not None:
        raise problem
    status = "confirmed" if _confirmed_count(shift.id) < shift.needed else "waitlisted"
    if su is None:
        su = ShiftSignup(shift_id=shift.id, volunteer_id=profile.id, start_at=shift.start_at, end_at=shift.end_at)
        db.session.add(su)
    su.status = status
    su.queued_at = utcnow()  # taken under the shift's lock: the line's order is the order of commits
    su.updated_at = now
    su.start_at, su.end_at = shift.start_at, shift.end_at
    _flush_or_conflict()
    if notify:
        (notices.confirmed if status == "confirmed" else notices.waitlisted)(su, now)
    _touch([profile.id])
    return SignupResult(status, su, _waitlist_position(shift.id, su))


@write_transaction
def withdraw(user: User, shift_id: int, now: datetime | None = None) -> SignupResult:
    """Leave a shift or its waitlist (or decline an invitation); a freed place goes to the first
    eligible person in line in the same transaction."""
    now = now or utcnow()
    shift = _get_shift(shift_id, lock=True)
    profile = _require_profile(user)
    su = db.session.execute(
        select(ShiftSignup).where(ShiftSignup.shift_id == shift.id, ShiftSignup.volunteer_id == profile.id)
    ).scalar_one_or_none()
    if su is None or su.status not in LISTED:
        raise refused("You are not signed up for this shift.", "not_signed_up", cls=ApiError, code="state", status=422)
    if shift.start_at <= now:
        raise refused("This shift has started already.", "started", cls=ApiError, code="state", status=422)
    _take_off(shift, su, "withdrawn", now)
    return SignupResult("withdrawn", su)


@write_transaction
def remove_signup(actor: User, signup_id: int, now: datetime | None = None) -> ShiftSignup:
    """An organiser takes someone off a shift (status removed); the place goes to the next in line."""
    now = now or utcnow()
    su = _organised_signup(actor, signup_id)
    shift = _get_shift(su.shift_id, lock=True)
    db.session.refresh(su)
    if su.status not in LISTED:
        raise refused("This person is not on the shift.", "not_signed_up", cls=ApiError, code="state", status=422)
    _take_off(shift, su, "removed", now)
    return su


def _take_off(shift: Shift, su: ShiftSignup, status: str, now: datetime) -> None:
    """Someone leaves a shift (withdrawn) or is taken off it (removed): their pending reminder is
    dropped, and a place they held goes to the first eligible person in line, in this transaction.
    The caller holds the shift's row lock."""
    from volunteers import notices

    held = su.status == "confirmed"
    su.status = status
    su.updated_at = now
    db.session.flush()
    notices.forget_reminders([su])
    if held:
        _promote(shift, now)
    _touch([su.volunteer_id])


def _organised_signup(actor: User, signup_id: int) -> ShiftSignup:
    su = db.session.execute(
        select(ShiftSignup).where(ShiftSignup.id == signup_id).options(joinedload(ShiftSignup.shift).joinedload(Shift.activity))
    ).scalar_one_or_none()
    if su is None or not can_organise(actor, su.shift.activity):
        raise NotFound(f"There is no sign-up {signup_id} on a shift you organise.")
    return su


@write_transaction
def invite(actor: User, shift_id: int, volunteer_id: int, now: datetime | None = None) -> ShiftSignup:
    """An organiser invites a volunteer (profile id): a sign-up with status invited (no place held)
    and a notice. The volunteer accepts by signing up (every check of a sign-up, on the shift's
    date) or declines by withdrawing. Only the shift's candidates can be invited (is_candidate);
    anyone else (no such profile, a paused one, any rule) is refused alike: 422 "not_eligible"."""
    now = now or utcnow()
    view = _organised_shift(actor, shift_id)
    shift = _get_shift(shift_id, lock=True)
    if shift.status != "open":
        raise refused("This shift is cancelled.", "cancelled")
    if shift.start_at <= now:
        raise refused("This shift has started already.", "past")
    not_candidate = refused("This volunteer is not among the candidates for this shift.", "not_eligible")
    profile = db.session.get(VolunteerProfile, volunteer_id)
    if profile is None or not profile.active:
        raise not_candidate  # the same answer: whether an id is a (paused) profile is not the organiser's to learn
    su = db.session.execute(
        select(ShiftSignup).where(ShiftSignup.shift_id == shift.id, ShiftSignup.volunteer_id == profile.id)
    ).scalar_one_or_none()
    if su is not None and su.status in ("confirmed", "waitlisted"):
        raise refused("This volunteer is signed up already.", "already", cls=ApiError, code="state", status=409)
    if su is not None and su.status == "invited":
        return su
    if not is_candidate(profile, view, now):
        raise not_candidate
    return _invite(actor, shift, view.activity, profile, su, now)


def _invite(actor: User, shift: Shift, activity: Activity, profile: VolunteerProfile, su: ShiftSignup | None,
            now: datetime) -> ShiftSignup:
    """Write the invitation (status invited: no place held, no hours used) and queue its e-mail."""
    from volunteers import notices

    if su is None:
        su = ShiftSignup(shift_id=shift.id, volunteer_id=profile.id)
        db.session.add(su)
    su.status = "invited"
    su.start_at, su.end_at = shift.start_at, shift.end_at
    su.invited_by_id = actor.id
    su.queued_at = now
    su.updated_at = now
    db.session.flush()
    notices.invited(su, activity, actor, now)
    _touch([profile.id], shifts=False)
    return su


def shift_signups(actor: User, shift_id: int) -> list[SignupView]:
    """Sign-ups of the shift for its organisers: confirmed, then the waitlist in order, then invited.
    The contact a volunteer chose to share only for confirmed ones."""
    _organised_shift(actor, shift_id)
    rows = db.session.execute(
        select(ShiftSignup, VolunteerProfile.shared_contact, User.name)
        .outerjoin(VolunteerProfile, VolunteerProfile.id == ShiftSignup.volunteer_id)
        .outerjoin(User, User.id == VolunteerProfile.user_id)
        .where(ShiftSignup.shift_id == shift_id, ShiftSignup.status.in_(("confirmed", "waitlisted", "invited", "cancelled")))
        .order_by(ShiftSignup.queued_at, ShiftSignup.id)
    ).all()
    order = {"confirmed": 0, "waitlisted": 1, "invited": 2, "cancelled": 3}
    out: list[SignupView] = []
    position = 0
    for su, contact, name in sorted(rows, key=lambda r: order[r[0].status]):
        pos = None
        if su.status == "waitlisted":
            position += 1
            pos = position
        out.append(SignupView(su, name or "", pos, contact if su.status == "confirmed" else None))
    return out


def my_signup(user: User, shift_id: int) -> ShiftSignup | None:
    profile = get_profile(user)
    if profile is None:
        return None
    return db.session.execute(
        select(ShiftSignup).where(ShiftSignup.shift_id == shift_id, ShiftSignup.volunteer_id == profile.id)
    ).scalar_one_or_none()


@write_transaction
def record_attendance(actor: User, signup_id: int, attended: bool, minutes_worked: int | None = None,
                      now: datetime | None = None) -> ShiftSignup:
    """Organisers mark attendance and hours of a confirmed sign-up of a shift that has started."""
    now = now or utcnow()
    su = _organised_signup(actor, signup_id)
    if su.status != "confirmed":
        raise refused("Attendance is recorded for confirmed sign-ups only.", "not_confirmed", cls=ApiError, code="state", status=422)
    if su.start_at > now:
        raise refused("Attendance can be recorded once the shift has started.", "not_started", cls=ApiError, code="state", status=422)
    if minutes_worked is not None and (minutes_worked < 0 or minutes_worked > 1440):
        raise Invalid("minutes_worked must be between 0 and 1440.", fields={"minutes_worked": "between 0 and 1440"})
    su.attended = bool(attended)
    su.minutes_worked = (minutes_worked if attended else 0) if (minutes_worked is not None or not attended) else None
    su.updated_at = now
    db.session.flush()
    return su


def my_shifts(user: User, now: datetime | None = None) -> MyShifts:
    """The user's sign-ups (confirmed, waitlisted, invited, cancelled) upcoming and past, with hours
    this local ISO week, this month and in total (attended minutes; confirmed past shifts not yet
    marked count their length)."""
    now = now or utcnow()
    out = MyShifts()
    profile = get_profile(user)
    if profile is None:
        return out
    rows = list(db.session.execute(
        select(ShiftSignup).where(ShiftSignup.volunteer_id == profile.id, ShiftSignup.status.in_(LISTED + ("cancelled",)))
        .options(joinedload(ShiftSignup.shift).joinedload(Shift.activity))
        .order_by(ShiftSignup.start_at, ShiftSignup.id)
    ).scalars())
    views = {v.shift.id: v for v in _views([su.shift for su in rows])}
    waiting = [su.shift_id for su in rows if su.status == "waitlisted"]
    positions: dict[int, int] = {}
    if waiting:
        ahead = defaultdict(list)
        for sid, sid_id, q in db.session.execute(
            select(ShiftSignup.shift_id, ShiftSignup.id, ShiftSignup.queued_at)
            .where(ShiftSignup.shift_id.in_(waiting), ShiftSignup.status == "waitlisted")
            .order_by(ShiftSignup.queued_at, ShiftSignup.id)
        ):
            ahead[sid].append(sid_id)
        for su in rows:
            if su.status == "waitlisted":
                positions[su.id] = ahead[su.shift_id].index(su.id) + 1
    tz = default_tz()
    week_lo, week_hi = _week_bounds(now, tz)
    local = now.astimezone(tz)
    month_lo = datetime(local.year, local.month, 1, tzinfo=tz).astimezone(timezone.utc)
    month_hi = (datetime(local.year + (local.month == 12), local.month % 12 + 1, 1, tzinfo=tz)).astimezone(timezone.utc)
    for su in rows:
        minutes = counted_minutes(su, now)
        item = MyShift(su, views[su.shift_id], positions.get(su.id), minutes)
        (out.upcoming if su.end_at > now else out.past).append(item)
        if minutes:
            out.minutes_total += minutes
            if week_lo <= su.start_at < week_hi:
                out.minutes_week += minutes
            if month_lo <= su.start_at < month_hi:
                out.minutes_month += minutes
    # Hours of sign-ups whose person erased nothing but whose shift was removed stay in reports only.
    out.past.reverse()  # most recent first
    return out


# --- Fill plan -------------------------------------------------------------------------------


def _plan_views(actor: User, d: schemas.FillPlanIn, now: datetime) -> list[ShiftView]:
    tz = default_tz()
    if d.shift_ids:
        views = _open_views(now, ids=list(d.shift_ids))
        found = {v.shift.id for v in views}
        missing = [i for i in d.shift_ids if i not in found]
        if missing:
            raise Invalid("Some shifts are not open future shifts.", fields={"shift_ids": f"not open or not found: {missing[:10]}"})
    elif d.activity_id is not None:
        get_activity(d.activity_id)
        views = _open_views(now, ids=None, where=Shift.activity_id == d.activity_id)
    else:
        lo, hi = to_utc(d.from_, tz, "from"), to_utc(d.to, tz, "to")
        if hi <= lo:
            raise Invalid("'to' must be after 'from'.", fields={"to": "must be after from"})
        if hi - lo > timedelta(days=62):
            raise Invalid("Ask for at most 62 days at a time.", fields={"to": "window too long"})
        views = _open_views(now, ids=None, where=and_(func.lower(Activity.district) == d.district.lower(), Shift.start_at >= lo, Shift.start_at < hi))
    allowed: dict[int, bool] = {}
    out = []
    for v in views:
        if v.activity.id not in allowed:
            allowed[v.activity.id] = can_organise(actor, v.activity)
        if allowed[v.activity.id]:
            out.append(v)
    if (d.shift_ids or d.activity_id is not None) and len(out) < len(views):
        raise refused("You can plan only shifts of activities you organise.", "not_organiser", cls=Forbidden)
    return out[:500]


def _on_shifts(shift_ids: list[int]) -> tuple[set[tuple[int, int]], dict[int, int]]:
    """(shift, volunteer) pairs of people on these shifts in any way (listed, withdrawn or declined,
    taken off), and the open invitations per shift."""
    on: set[tuple[int, int]] = set()
    invited: dict[int, int] = defaultdict(int)
    if shift_ids:
        for sid, vid, status in db.session.execute(
            select(ShiftSignup.shift_id, ShiftSignup.volunteer_id, ShiftSignup.status).where(
                ShiftSignup.shift_id.in_(shift_ids), ShiftSignup.volunteer_id.is_not(None),
                ShiftSignup.status.in_(LISTED + ("withdrawn", "removed")))
        ):
            on.add((sid, vid))
            if status == "invited":
                invited[sid] += 1
    return on, invited


def propose_fill_plan(actor: User, data, now: datetime | None = None) -> tuple[Plan, dict[int, str], dict[tuple[int, int], Match]]:
    """schemas.FillPlanIn or dict {shift_ids | activity_id | district + from + to}: the best assignment
    of volunteers to the open places of those shifts (only shifts the actor organises). A place with
    an invitation out is not open; people already on a shift (invited included), who left it or
    declined it, or were taken off it are not planned for it. Nothing is written. Returns (plan, {volunteer_id: name},
    {(shift_id, volunteer_id): match}), the matches as rules.organiser_view (ages on
    organisers_ages_on) and the plan's total their sum."""
    now = now or utcnow()
    d = _parse(schemas.FillPlanIn, data)
    views = _plan_views(actor, d, now)
    on, invited = _on_shifts([v.shift.id for v in views])
    views = [v for v in views if v.confirmed + invited[v.shift.id] < v.shift.needed]
    if not views:
        return Plan(), {}, {}
    facts = all_volunteer_facts(now).facts
    tz = default_tz()
    today, ages_on = _local_today(now, tz), organisers_ages_on(now, tz)
    sfs = [replace(shift_facts(v), taken=v.confirmed + invited[v.shift.id]) for v in views]
    plan = rules.fill_plan(sfs, facts, tz, today, ages_on=ages_on, exclude=frozenset(on))
    by_shift = {sf.id: sf for sf in sfs}
    by_vol = {f.id: f for f in facts}
    matches = {(s, v): rules.organiser_view(rules.match(by_vol[v], by_shift[s], tz, today, ages_on)) for s, v in plan.assignments}
    plan.total_score = float(sum(m.score for m in matches.values()))
    names = current_names(v for _, v in plan.assignments)
    return plan, {v: names.get(v, "") for _, v in plan.assignments}, matches


@write_transaction
def apply_fill_plan(actor: User, assignments, now: datetime | None = None) -> ApplyResult:
    """[(shift_id, volunteer_id)] or [{shift_id, volunteer_id}]: each becomes an invitation (as
    `invite`: status invited, no place held, no hours used, an e-mail), in one transaction. Nobody is
    given a place: the volunteer takes it by accepting (signing up, with every check of a sign-up),
    or declines. Each is re-checked: a shift the actor organises, open and not started; the person
    not on it already; a place left that is neither taken nor invited for; the person one of the
    shift's candidates (is_candidate). Refused ones are listed back with a reason that says nothing
    personal (Refused). Shift rows are locked in id order."""
    now = now or utcnow()
    pairs = []
    for a in assignments:
        if isinstance(a, dict):
            a = _parse(schemas.AssignmentIn, a)
        pairs.append((a.shift_id, a.volunteer_id) if not isinstance(a, tuple) else a)
    result = ApplyResult()
    pairs = sorted(set(pairs))
    shift_ids = sorted({s for s, _ in pairs})
    locked = {sh.id: sh for sh in db.session.execute(
        select(Shift).where(Shift.id.in_(shift_ids)).order_by(Shift.id).with_for_update()
    ).scalars()} if shift_ids else {}
    activities = {a.id: a for a in db.session.execute(
        select(Activity).where(Activity.id.in_({sh.activity_id for sh in locked.values()}))
    ).scalars()} if locked else {}
    organised = organised_ids(actor, list(activities.values()))
    checked: dict[int, Shift | None] = {sid: (sh if sh.activity_id in organised else None) for sid, sh in locked.items()}
    views = {v.shift.id: v for v in _views([sh for sh in checked.values() if sh is not None])}
    _, invited = _on_shifts(list(views))
    for shift_id, volunteer_id in pairs:
        shift = checked.get(shift_id)
        if shift is None:
            result.refused.append(Refused(shift_id, volunteer_id, "not_organiser", "not a shift you organise"))
            continue
        if shift.status != "open" or shift.start_at <= now:
            result.refused.append(Refused(shift_id, volunteer_id, "cancelled" if shift.status != "open" else "past",
                                          "the shift is cancelled or has started"))
            continue
        # Someone already on the shift is "already" even when it is full (a plan applied twice), not
        # "full", which would send the organiser looking for another place for them.
        su = db.session.execute(
            select(ShiftSignup).where(ShiftSignup.shift_id == shift.id, ShiftSignup.volunteer_id == volunteer_id)
        ).scalar_one_or_none()
        if su is not None and su.status in LISTED:
            result.refused.append(Refused(shift_id, volunteer_id, "already", "on the shift or invited to it already"))
            continue
        if su is not None and su.status == "removed":
            result.refused.append(Refused(shift_id, volunteer_id, "removed", "taken off this shift"))
            continue
        view = views[shift_id]
        if view.confirmed + invited[shift_id] >= shift.needed:
            result.refused.append(Refused(shift_id, volunteer_id, "full", "every place is taken or has an invitation out"))
            continue
        profile = db.session.get(VolunteerProfile, volunteer_id)
        if not is_candidate(profile, view, now):
            result.refused.append(Refused(shift_id, volunteer_id, "not_eligible", "not a candidate for this shift"))
            continue
        _invite(actor, shift, activities[shift.activity_id], profile, su, now)
        invited[shift_id] += 1
        result.applied.append((shift_id, volunteer_id))
    return result


# --- Personal data (hooks: commons.services.PERSONAL_DATA_EXPORTERS / ERASERS) ----------------


def _export_organising(user: User) -> dict:
    """What the person did as an organiser: the activities they created and the invitations they sent."""
    activities = db.session.execute(
        select(Activity).where(Activity.created_by_id == user.id).order_by(Activity.created_at, Activity.id)
    ).scalars()
    invitations = db.session.execute(
        select(ShiftSignup).where(ShiftSignup.invited_by_id == user.id).order_by(ShiftSignup.created_at, ShiftSignup.id)
    ).scalars()
    return {
        "activities_created": [
            {"id": a.id, "title": a.title, "group_id": a.group_id, "facility_id": a.facility_id, "created_at": a.created_at.isoformat()}
            for a in activities
        ],
        "volunteer_invitations_sent": [
            {"id": su.id, "shift_id": su.shift_id, "status": su.status, "created_at": su.created_at.isoformat()} for su in invitations
        ],
    }


def export_personal_data(user: User) -> dict:
    organising = _export_organising(user)
    profile = get_profile(user)
    if profile is None:
        return {"volunteer_profile": None, "volunteer_signups": [], **organising}
    p = profile_dict(profile)
    p["date_of_birth"] = profile.date_of_birth.isoformat() if profile.date_of_birth else None
    p["guardian_consent_at"] = profile.guardian_consent_at.isoformat() if profile.guardian_consent_at else None
    p["created_at"] = profile.created_at.isoformat()
    rows = db.session.execute(
        select(ShiftSignup, Activity.title).join(Shift, Shift.id == ShiftSignup.shift_id).join(Activity, Activity.id == Shift.activity_id)
        .where(ShiftSignup.volunteer_id == profile.id).order_by(ShiftSignup.start_at)
    ).all()
    return {
        "volunteer_profile": p,
        "volunteer_signups": [
            {"id": su.id, "shift_id": su.shift_id, "activity": title, "start": su.start_at.isoformat(), "end": su.end_at.isoformat(),
             "status": su.status, "attended": su.attended, "minutes_worked": su.minutes_worked}
            for su, title in rows
        ],
        **organising,
    }


def erase_personal_data(user: User) -> None:
    """Inside erase_account: the profile goes; the sign-ups stay without the person (hours for
    reports); waiting and invited places are let go, and a confirmed future place freed goes to the next in line."""
    profile = get_profile(user)
    if profile is None:
        return
    now = utcnow()
    future = list(db.session.execute(
        select(ShiftSignup).where(ShiftSignup.volunteer_id == profile.id, ShiftSignup.status.in_(LISTED), ShiftSignup.start_at > now)
    ).scalars())
    freed = sorted({su.shift_id for su in future if su.status == "confirmed"})
    for su in future:
        su.status = "withdrawn"
    db.session.flush()
    db.session.execute(update(ShiftSignup).where(ShiftSignup.volunteer_id == profile.id).values(volunteer_id=None)
                       .execution_options(synchronize_session=False))
    db.session.execute(delete(VolunteerProfile).where(VolunteerProfile.id == profile.id).execution_options(synchronize_session=False))
    db.session.expire_all()
    for sid in freed:
        _promote(_get_shift(sid, lock=True), now)
    _touch()
