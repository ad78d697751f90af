"""Making a booking, or a series of them: the request worked out and checked before the write lock,
the re-check, the writes and the outbox rows under it."""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, exists, select, true
from sqlalchemy.orm import joinedload

from commons import audit
from commons.auth import is_staff_of
from commons.codes import Said
from commons.db import utcnow, write_transaction
from commons.errors import Forbidden, Invalid, NotFound
from commons.extensions import db
from commons.models import Facility, FacilityStaff, Group, GroupMember, User
from commons.services import group_and_membership
from spaces import notices, rules
from spaces.metrics import counted
from spaces.models import Booking, BookingSeries, Space
from spaces.schemas import BookingIn
from spaces.services.families import lock_family
from spaces.services.common import booking_facts, load_busy, quota_usage, space_rules, to_utc
from spaces.services.refusals import refusal


@dataclass
class BookingResult:
    """What was booked, as plain values taken before the commit expired the objects: the answer (API
    or page) needs no query to read them back."""

    status: str
    skipped: list[rules.Problem]
    tz: ZoneInfo
    booked: list[tuple[int, datetime, datetime]]  # (id, start, end) of each booking, by start
    series_id: int | None
    title: str


_SPACE_FOR_BOOKING = (
    select(Space).where(Space.id == bindparam("space_id")).options(joinedload(Space.facility), joinedload(Space.opening_hours))
)


def space_for_booking(space_id: int) -> Space:
    """The space with its facility and opening hours (what a booking reads), in one query."""
    space = db.session.execute(_SPACE_FOR_BOOKING, {"space_id": space_id}).unique().scalar_one_or_none()
    if space is None:
        raise NotFound(reason="space_not_found", params={"space_id": space_id})
    return space


@dataclass
class _Plan:
    """A booking request in UTC, its series expanded: worked out before the write lock."""

    zone: str
    start: datetime
    end: datetime
    occurrences: list[rules.Interval]
    problems: list[rules.Problem]


def _plan(data: BookingIn, tz: ZoneInfo) -> _Plan:
    start, end = to_utc(data.start, tz, "start"), to_utc(data.end, tz, "end")
    if end <= start:
        raise Invalid(reason="end_before_start", fields={"end": Said("end_before_start")})
    if data.rrule:
        try:
            occurrences, problems = rules.expand_series(data.rrule, start, end, tz)
        except rules.RRuleError as exc:
            raise Invalid(reason=exc.code, params=exc.params, fields={"rrule": exc.said}) from None
        if not occurrences and not problems:
            raise Invalid(reason="rrule_no_dates", fields={"rrule": Said("rrule_no_dates")})
    else:
        occurrences, problems = [rules.Interval(start, end)], []
    return _Plan(tz.key, start, end, occurrences, problems)


def _books_on_behalf(actor: User, space: Space, group: Group, represents: bool) -> bool:
    """Whether the actor books as staff for the group (False: as its representative); Forbidden
    when neither."""
    if represents:
        return False
    if is_staff_of(actor, space.facility_id):
        if not group.verified:
            raise Forbidden(reason="book_on_behalf_unverified")
        return True
    raise Forbidden(reason="book_own_groups_only")


# Under the lock, in one statement: the space's zone and whether the actor may still book as they did
# when the request began (built once: this runs in every booking).
_ZONE_AND_REPRESENTS = select(Space.timezone, exists().where(
    GroupMember.user_id == bindparam("user_id"), GroupMember.group_id == bindparam("group_id"))).where(Space.id == bindparam("space_id"))
_ZONE_AND_STAFF = select(Space.timezone, exists().where(
    FacilityStaff.user_id == bindparam("user_id"), FacilityStaff.facility_id == bindparam("facility_id"))).where(Space.id == bindparam("space_id"))
_ZONE_AND_ADMIN = select(Space.timezone, true()).where(Space.id == bindparam("space_id"))


def _zone_and_right_now(actor: User, space: Space, group_id: int, on_behalf: bool) -> tuple[str, bool]:
    """The space's time zone and whether the actor may still book for the group as they did when the
    request began (what was read before the lock may have changed meanwhile)."""
    if not on_behalf:
        statement, params = _ZONE_AND_REPRESENTS, {"user_id": actor.id, "group_id": group_id}
    elif actor.is_admin:
        statement, params = _ZONE_AND_ADMIN, {}
    else:
        statement, params = _ZONE_AND_STAFF, {"user_id": actor.id, "facility_id": space.facility_id}
    zone, allowed = db.session.execute(statement, {"space_id": space.id, **params}).one()
    return zone, bool(allowed)


def _require_counter_staff(actor: User, space: Space) -> None:
    if not is_staff_of(actor, space.facility_id):
        raise Forbidden(reason="book_for_contact_staff_only")


@write_transaction
def _make_counter_group(facility_id: int) -> None:
    """The facility's counter group, made once (no members: no mail, nobody else sees its bookings)."""
    if db.session.execute(select(Group.id).where(Group.counter_facility_id == facility_id)).first() is not None:
        return
    facility = db.session.get(Facility, facility_id)
    db.session.add(Group(name=f"Asiakaspalvelu / Kundtjänst #{facility.id}: {facility.name}"[:120], kind="counter",
                         district=facility.district or "", verified=True, verified_at=utcnow(), counter_facility_id=facility.id,
                         description="Varaukset, jotka henkilökunta teki puhelimessa tai asiakaspalvelussa asioivalle."))


def counter_group(facility_id: int) -> Group | None:
    return db.session.execute(select(Group).where(Group.counter_facility_id == facility_id)).scalar_one_or_none()


def create_booking(actor: User, data: BookingIn, now: datetime | None = None, horizon_days: int | None = None) -> BookingResult:
    """A booking, or a series of them (_create_booking). Staff booking for a person at the counter
    (data.for_contact) book in their facility's counter group, made here first when it is the first time."""
    if data.for_contact:
        if not actor.email_verified:
            raise Forbidden(reason="email_unverified")
        space = space_for_booking(data.space_id)
        _require_counter_staff(actor, space)
        if counter_group(space.facility_id) is None:
            _make_counter_group(space.facility_id)
    return _create_booking(actor, data, now, horizon_days)


@counted  # bookings made and refused, by reason, for /metrics
@write_transaction(lock_late=True)
def _create_booking(actor: User, data: BookingIn, now: datetime | None = None, horizon_days: int | None = None) -> BookingResult:
    """A booking, or a series of them. The client's times and RRULE are worked out, and what is already
    booked refuses, before the write lock: a refusal or a long series never makes other writers wait.
    Under the lock: the space's zone and the booker's right again, the re-check, the writes and the
    outbox rows. `horizon_days`: how far ahead instead of the space's own horizon (a seasonal round
    publishes its season, however far it reaches)."""
    now = now or utcnow()
    if not actor.email_verified:
        raise Forbidden(reason="email_unverified")  # (commons.services.require_verified) its mail would go to a stranger
    space = space_for_booking(data.space_id)
    if data.for_contact:  # the group is the facility's counter group (create_booking made it)
        _require_counter_staff(actor, space)
        group, represents = counter_group(space.facility_id), False
        if group is None:
            raise Forbidden(reason="book_for_contact_staff_only")
    else:
        group, represents = group_and_membership(actor, data.group_id)
        if group.counter_facility_id is not None:
            raise Invalid(reason="counter_group_needs_contact", fields={"group_id": Said("counter_group_needs_contact")})
    on_behalf = _books_on_behalf(actor, space, group, represents)
    sr = space_rules(space)
    if horizon_days is not None:
        sr = replace(sr, horizon_days=horizon_days)
    plan = _plan(data, sr.tz)

    def check() -> tuple[rules.Evaluation, list[rules.Problem]]:
        """The rules and every booking and closure in the way; raises the refusal."""
        lo = min(o.start for o in plan.occurrences) if plan.occurrences else plan.start
        hi = max(o.end for o in plan.occurrences) if plan.occurrences else plan.end
        booked, closures = load_busy([space.id], lo, hi, margin=sr.buffer)
        # a person at the counter has no group's weekly quota (the counter group is everyone's)
        used = {} if data.for_contact else quota_usage(space, group.id, lo, hi, sr)
        result = rules.evaluate(plan.occurrences, sr, now, booked[space.id], closures[space.id], used,
                                attendees=data.attendees)
        found = sorted(plan.problems + result.problems, key=lambda p: p.occurrence.start)
        if found and (data.on_conflict == "reject" or not result.accepted):
            raise refusal(found, sr.tz, series=bool(data.rrule))
        return result, found

    check()
    status = "confirmed" if on_behalf or (group.verified and not space.requires_approval) else "pending"
    told = notices.told_of_new(actor, group.id, space.facility_id, on_behalf, status == "pending")
    # From here on, nobody else books this space until we commit (PostgreSQL: advisory lock;
    # SQLite: the IMMEDIATE write transaction begins here: what was read above was read without
    # it). Only the re-check and the writes hold the lock. The exclusion constraint stays the last word.
    # The lock is the space's family's (a hall and its parts: spaces.families), as are the checks.
    lock_family(space.id)
    zone, allowed = _zone_and_right_now(actor, space, group.id, on_behalf)
    if not allowed:
        raise Forbidden(reason="book_own_groups_only")
    if zone != plan.zone:  # the space's time zone changed meanwhile: the local times mean other instants
        sr = replace(sr, tz=ZoneInfo(zone))
        plan = _plan(data, sr.tz)
    result, problems = check()

    series = None
    if data.rrule:
        series = BookingSeries(space_id=space.id, group_id=group.id, rrule=data.rrule.removeprefix("RRULE:"))
        db.session.add(series)
        db.session.flush()
    bookings = [
        Booking(
            space_id=space.id,
            group_id=group.id,
            series_id=series.id if series else None,
            title=data.title,
            public_title=data.public_title and not data.for_contact,  # the title may name the person
            contact_name=data.contact_name,
            contact_phone=data.contact_phone,
            attendees=data.attendees,
            purpose=data.purpose,
            age_groups=list(data.age_groups) or None,
            start_at=o.start,
            end_at=o.end,
            blocked_until=o.end + sr.buffer,
            status=status,
            booked_by_id=actor.id,
            on_behalf=on_behalf,
        )
        for o in result.accepted
    ]
    db.session.add_all(bookings)
    db.session.flush()
    if on_behalf:
        # a counter booking's audit entry names no contact (the audit log outlives the booking's contact)
        audit.record(actor, "booking.create_for_contact" if data.for_contact else "booking.create_on_behalf", bookings[0].id,
                     facility_id=space.facility_id, group_id=group.id,
                     details=booking_facts(bookings, status=status, series_id=series.id if series else None))
    notices.booking_created(actor, bookings, now, told)  # e-mail in the outbox, committed with the booking
    booked = [(b.id, b.start_at, b.end_at) for b in bookings]
    return BookingResult(status, problems, sr.tz, booked, series.id if series else None, data.title)


# create_booking's work without its own transaction, for a use case above spaces that books inside
# its own `write_transaction(lock_late=True)` and writes its own rows after (a seasonal round's
# publishing: the series and the allocation it came from in one transaction).
book_in_transaction = _create_booking.__wrapped__
