"""Use it or free it: waiting lists, held offers and check-in.

- A group's representative joins the line for a time that is taken (`join_waitlist`; refused with
  `free` when the time can simply be booked: the same answer availability gives anyone).
- When booked time frees (cancelled, rejected, expired, declined, released), `offer_freed` runs in
  the same transaction, under the space's lock: the first waiting entry in line whose whole time is
  now free gets an offer, a Booking with status "offered" that holds the time like any booking
  (spaces.models.HOLDING_STATUSES; the exclusion constraint counts it on PostgreSQL) until the group
  accepts, declines or the offer expires (spaces.housekeeping.expire_offers).
- Check-in (`check_in`) from 15 minutes before the start until the grace period ends; what is not
  checked in is released by spaces.housekeeping.release_unused.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import aliased, joinedload

from commons import audit
from commons.auth import is_representative, is_staff_of, member_group_ids
from commons.codes import Said
from commons.db import utcnow, write_transaction
from commons.errors import ApiError, Forbidden, Invalid, NotFound
from commons.extensions import db
from commons.models import User
from commons.services import get_group, group_and_membership
from spaces import notices, rules
from spaces.models import ACTIVE_STATUSES, Booking, BookingSeries, Space, WaitlistEntry
from spaces.services.booking_changes import set_status
from spaces.services.offers import offer_freed
from spaces.services.booking_lists import get_booking
from spaces.services.families import lock_family
from spaces.services.common import get_space, load_busy, quota_usage, space_rules, to_utc
from spaces.services.refusals import refusal

OPEN_ENTRY = ("waiting", "offered")


@dataclass
class WaitlistJoin:
    group_id: int
    start: datetime
    end: datetime
    title: str
    attendees: int = 1
    rrule: str | None = None  # dates of a weekly series: one entry per date that is taken


@dataclass
class WaitlistJoined:
    id: int
    position: int
    entries: list[tuple[int, datetime, datetime, int]]  # (id, start, end, position) per taken date
    zone: str


def _position(entry: WaitlistEntry) -> int | None:
    """Where the entry stands in line: 1 + the waiting entries of the same space, joined before it,
    whose time overlaps its time. None when it no longer waits."""
    if entry.status != "waiting":
        return None
    ahead = db.session.execute(
        select(func.count(WaitlistEntry.id)).where(
            WaitlistEntry.space_id == entry.space_id,
            WaitlistEntry.status == "waiting",
            WaitlistEntry.id < entry.id,
            WaitlistEntry.start_at < entry.end_at,
            WaitlistEntry.end_at > entry.start_at,
        )
    ).scalar_one()
    return ahead + 1


@write_transaction(lock_late=True)
def join_waitlist(actor: User, space_id: int, data: WaitlistJoin, now: datetime | None = None) -> WaitlistJoined:
    """The group joins the line for [start, end) of the space, or for each taken date of a series
    (`rrule`, as in a booking: one entry per date, each offered on its own when its time frees).
    Refused with `free` when nothing is in the way (book it instead), with the rule when a rule says
    no; dates of a series that are free or closed get no entry."""
    now = now or utcnow()
    space = get_space(space_id)
    group, represents = group_and_membership(actor, data.group_id)
    if not represents:
        raise Forbidden(reason="book_own_groups_only")
    sr = space_rules(space)
    start, end = to_utc(data.start, sr.tz, "start"), to_utc(data.end, sr.tz, "end")
    if end <= start:
        raise Invalid(reason="end_before_start", fields={"end": Said("end_before_start")})
    if data.rrule:
        try:
            occurrences, _skipped = rules.expand_series(data.rrule, start, end, sr.tz)
        except rules.RRuleError as exc:
            raise Invalid(reason=exc.code, params=exc.params, fields={"rrule": exc.said}) from None
        if not occurrences:
            raise Invalid(reason="rrule_no_dates", fields={"rrule": Said("rrule_no_dates")})
    else:
        occurrences = [rules.Interval(start, end)]
    lo, hi = min(o.start for o in occurrences), max(o.end for o in occurrences)
    lock_family(space.id)
    booked, closures = load_busy([space.id], lo, hi, margin=sr.buffer)
    result = rules.evaluate(occurrences, sr, now, booked[space.id], closures[space.id],
                            quota_usage(space, group.id, lo, hi, sr), attendees=data.attendees)
    broken = [p for p in result.problems if p.kind == "rule"]
    if broken:
        raise refusal(broken, sr.tz, series=bool(data.rrule))
    if not result.problems:
        raise ApiError(reason="waitlist_time_free", code="free", status=422)
    closed = {p.occurrence for p in result.problems if p.code == "closed"}
    taken = sorted({p.occurrence for p in result.problems if p.occurrence not in closed}, key=lambda o: o.start)
    if not taken:  # a closure never frees: nothing to wait for
        raise refusal([p for p in result.problems if p.code == "closed"], sr.tz, series=bool(data.rrule))
    made: list[WaitlistEntry] = []
    for occ in taken:
        same = db.session.execute(select(WaitlistEntry.id).where(
            WaitlistEntry.space_id == space.id, WaitlistEntry.group_id == group.id, WaitlistEntry.status.in_(OPEN_ENTRY),
            WaitlistEntry.start_at < occ.end, WaitlistEntry.end_at > occ.start)).first()
        if same is not None:
            if not data.rrule:
                raise ApiError(reason="waitlist_already", code="state", status=422)
            continue  # that date already waits
        entry = WaitlistEntry(space_id=space.id, group_id=group.id, title=data.title, attendees=data.attendees,
                              start_at=occ.start, end_at=occ.end, status="waiting", created_at=now)
        db.session.add(entry)
        made.append(entry)
    if not made:
        raise ApiError(reason="waitlist_already", code="state", status=422)
    db.session.flush()
    rows = [(e.id, e.start_at, e.end_at, _position(e)) for e in made]
    return WaitlistJoined(id=rows[0][0], position=rows[0][3], entries=rows, zone=space.timezone)


def my_waitlist(actor: User, now: datetime | None = None) -> list[tuple[WaitlistEntry, int | None, Booking | None]]:
    """The entries of the actor's groups that still wait or hold an offer, and those of the last
    week: (entry, position, the offer's booking)."""
    now = now or utcnow()
    groups = member_group_ids(actor)
    if not groups:
        return []
    offer = aliased(Booking)
    rows = db.session.execute(
        select(WaitlistEntry, offer)
        .outerjoin(offer, and_(offer.waitlist_entry_id == WaitlistEntry.id, offer.status == "offered"))
        .where(WaitlistEntry.group_id.in_(groups), WaitlistEntry.end_at > now - timedelta(days=7))
        .options(joinedload(WaitlistEntry.space), joinedload(WaitlistEntry.group))
        .order_by(WaitlistEntry.start_at, WaitlistEntry.id)
    ).all()
    return [(e, _position(e), b) for e, b in rows]


@write_transaction(lock_late=True)
def leave_waitlist(actor: User, entry_id: int, now: datetime | None = None) -> None:
    """The group leaves the line; an offer it holds is declined (and passes on)."""
    now = now or utcnow()
    entry = db.session.get(WaitlistEntry, entry_id)
    if entry is None or not is_representative(actor, entry.group_id):
        raise NotFound(reason="waitlist_entry_not_found", params={"entry_id": entry_id})
    lock_family(entry.space_id)
    db.session.refresh(entry)
    if entry.status not in OPEN_ENTRY:
        raise ApiError(reason="waitlist_not_open", code="state", status=422)
    offers = list(db.session.execute(select(Booking).where(Booking.waitlist_entry_id == entry.id, Booking.status == "offered")).scalars())
    entry.status = "left"
    if offers:
        set_status(offers, "declined", now, offer_expires_at=None)
    db.session.flush()
    if offers:
        offer_freed(entry.space_id, now)


def _offer_of(actor: User, booking_id: int, now: datetime) -> Booking:
    """The offer (locked: the space's lock, then read again), for a representative of its group."""
    booking = get_booking(actor, booking_id)
    if not is_representative(actor, booking.group_id):
        raise Forbidden(reason="offer_own_groups_only")
    lock_family(booking.space_id)
    db.session.refresh(booking)
    if booking.status != "offered":
        raise ApiError(reason="not_an_offer", params={"status": booking.status}, code="state", status=422)
    if booking.offer_expires_at is not None and booking.offer_expires_at <= now:
        raise ApiError(reason="offer_expired", code="state", status=422)
    return booking


def _close_entry(booking: Booking, status: str) -> None:
    if booking.waitlist_entry_id is not None:
        entry = db.session.get(WaitlistEntry, booking.waitlist_entry_id)
        if entry is not None:
            entry.status = status


@write_transaction(lock_late=True)
def accept_offer(actor: User, booking_id: int, now: datetime | None = None) -> list[Booking]:
    """The offer becomes a booking: confirmed, or pending where the space needs approval (or the
    group is not verified yet). It held its time all along: nothing to check again."""
    now = now or utcnow()
    booking = _offer_of(actor, booking_id, now)
    space, group = get_space(booking.space_id), get_group(booking.group_id)
    status = "pending" if space.requires_approval or not group.verified else "confirmed"
    _close_entry(booking, "accepted")
    db.session.flush()
    set_status([booking], status, now, offer_expires_at=None, booked_by_id=actor.id)
    notices.offer_accepted(actor, [booking], status, now)
    return [booking]


@write_transaction(lock_late=True)
def decline_offer(actor: User, booking_id: int, now: datetime | None = None) -> list[Booking]:
    """The group says no: the time passes on to the next in line, in this transaction."""
    now = now or utcnow()
    booking = _offer_of(actor, booking_id, now)
    space_id = booking.space_id
    _close_entry(booking, "declined")
    db.session.flush()
    set_status([booking], "declined", now, offer_expires_at=None)
    offer_freed(space_id, now)
    return [booking]


# --- A series released twice in a row: the group confirms the rest ---------------------------------


@write_transaction(lock_late=True)
def confirm_series(actor: User, series_id: int, now: datetime | None = None) -> int:
    """The group still needs the rest of its series (asked by spaces.housekeeping.release_unused after
    two dates in a row were released): it is no longer released after 7 days. Answers the number of
    upcoming dates kept. Refused with `state` when the series does not ask (or its dates are gone)."""
    now = now or utcnow()
    series = db.session.get(BookingSeries, series_id)
    if series is None or not is_representative(actor, series.group_id):
        raise NotFound(reason="series_not_found", params={"series_id": series_id})
    lock_family(series.space_id)
    db.session.refresh(series)
    if series.confirm_asked_at is None:
        raise ApiError(reason="series_not_asking", code="state", status=422)
    series.confirm_asked_at = None
    db.session.flush()
    return db.session.execute(select(func.count(Booking.id)).where(
        Booking.series_id == series.id, Booking.status.in_(ACTIVE_STATUSES), Booking.start_at > now)).scalar_one()


def series_asking(series_ids: set[int]) -> dict[int, datetime]:
    """Of these series, those asking their group to confirm the rest: {id: asked at}."""
    if not series_ids:
        return {}
    return dict(db.session.execute(select(BookingSeries.id, BookingSeries.confirm_asked_at).where(
        BookingSeries.id.in_(sorted(series_ids)), BookingSeries.confirm_asked_at.is_not(None))).all())


# --- Check-in ----------------------------------------------------------------------------------------


@write_transaction(lock_late=True)
def check_in(actor: User, booking_id: int, now: datetime | None = None) -> datetime:
    """The group is here: a representative (the bookings page, the QR page at the door, the API) or
    the facility's staff at the counter. From 15 minutes before the start until the grace period
    ends; checking in again answers the first check-in's time."""
    now = now or utcnow()
    booking = get_booking(actor, booking_id)
    space = get_space(booking.space_id)
    staff = is_staff_of(actor, space.facility_id)
    if not (staff or is_representative(actor, booking.group_id)):
        raise Forbidden(reason="check_in_forbidden")
    lock_family(booking.space_id)
    db.session.refresh(booking)
    if booking.checked_in_at is not None:
        return booking.checked_in_at
    if booking.status != "confirmed":
        raise ApiError(reason="check_in_not_confirmed", params={"status": booking.status}, code="state", status=422)
    window = rules.check_in_window(booking.start_at, space.check_in_grace_minutes)
    if not (window.start <= now < window.end):
        tz = space_rules(space).tz
        params = {"from": rules.iso_local(window.start, tz), "until": rules.iso_local(window.end, tz)}
        raise ApiError(reason="check_in_closed", params=params, code="rule", status=422)
    booking.checked_in_at = now
    if not is_representative(actor, booking.group_id):  # staff at the counter, not the group itself
        audit.record(actor, "booking.check_in", booking.id, facility_id=space.facility_id, group_id=booking.group_id,
                     details={"start": audit.iso(booking.start_at)})
    db.session.flush()
    return now


def bookings_to_check_in(actor: User, space_id: int, now: datetime | None = None) -> tuple[Space, list[Booking]]:
    """The QR page at the door: today's (local) bookings of the actor's groups in the space."""
    now = now or utcnow()
    space = get_space(space_id)
    tz = space_rules(space).tz
    day_start = datetime.combine(now.astimezone(tz).date(), datetime.min.time(), tz)
    lo, hi = day_start.astimezone(now.tzinfo), (day_start + timedelta(days=1)).astimezone(now.tzinfo)
    groups = member_group_ids(actor)
    if not groups:
        return space, []
    found = db.session.execute(
        select(Booking).where(Booking.space_id == space.id, Booking.group_id.in_(groups), Booking.status == "confirmed",
                              Booking.start_at >= lo, Booking.start_at < hi)
        .options(joinedload(Booking.group)).order_by(Booking.start_at)
    ).scalars()
    return space, list(found)


def checked_in_today(facility_ids: list[int] | None, now: datetime | None = None) -> list[Booking]:
    """The staff's view: today's bookings in spaces that ask for check-in, in their facilities (all
    for an administrator: None), checked in or not yet, released."""
    now = now or utcnow()
    from commons.timezone import site_tz

    tz = site_tz()
    day_start = datetime.combine(now.astimezone(tz).date(), datetime.min.time(), tz)
    stmt = (select(Booking).join(Space, Space.id == Booking.space_id)
            .where(Space.check_in_required.is_(True), Booking.start_at >= day_start, Booking.start_at < day_start + timedelta(days=1),
                   or_(Booking.status.in_(("confirmed", "released"))))
            .options(joinedload(Booking.group), joinedload(Booking.space).joinedload(Space.facility))
            .order_by(Booking.start_at, Booking.id))
    if facility_ids is not None:
        stmt = stmt.where(Space.facility_id.in_(facility_ids))
    return list(db.session.execute(stmt).scalars())
