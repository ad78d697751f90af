"""Use cases the scheduler runs for bookings (jobs in commons.jobs; docs/operations.md "Operations"):
reminders, expiry of requests nobody decided, and retention of personal data. Each is one
write transaction and takes `now`, so tests and `flask --app commons jobs run NAME --now ...`
drive the clock."""
from __future__ import annotations

from datetime import datetime, timedelta
from types import SimpleNamespace

from flask import current_app
from sqlalchemy import or_, select, update
from sqlalchemy.orm import joinedload

from commons.db import write_transaction
from commons.extensions import db
from spaces import notices
from spaces.rules import SERIES_CONFIRM_WAIT
from spaces.models import ACTIVE_STATUSES, Booking, BookingSeries, Space, WaitlistEntry
from spaces.services import lock_families, offer_freed, set_status

REMIND_AHEAD = timedelta(hours=24)


@write_transaction
def queue_booking_reminders(now: datetime) -> int:
    """Confirmed bookings starting within 24 hours get one reminder per representative, once."""
    bookings = list(
        db.session.execute(
            select(Booking)
            .where(Booking.status == "confirmed", Booking.start_at > now, Booking.start_at <= now + REMIND_AHEAD)
            .options(joinedload(Booking.space).joinedload(Space.facility), joinedload(Booking.group))
            .order_by(Booking.start_at, Booking.id)
        ).scalars()
    )
    return notices.booking_reminders(bookings, now) if bookings else 0


@write_transaction
def expire_requests(now: datetime) -> str:
    """Pending requests still undecided EXPIRE_REQUESTS_HOURS before their start are released
    (status "expired": the slot is free again), and the group is told."""
    hours = current_app.config["EXPIRE_REQUESTS_HOURS"]
    due = Booking.status == "pending", Booking.start_at <= now + timedelta(hours=hours)
    space_ids = sorted(set(db.session.execute(select(Booking.space_id).where(*due).distinct()).scalars()))
    if not space_ids:
        return "expire-requests: nothing to expire."
    lock_families(space_ids)  # in order, as the booking use cases take them: no deadlock with a decision
    stmt = select(Booking).where(*due).order_by(Booking.start_at)
    if db.session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(of=Booking)
    targets = list(db.session.execute(stmt).scalars())
    if not targets:
        return "expire-requests: nothing to expire."
    freed = sorted({b.space_id for b in targets})
    set_status(targets, "expired", now, decided_at=now)
    told = notices.booking_expired(targets, now)
    offers = sum(len(offer_freed(space_id, now)) for space_id in freed)
    made = f", {offers} offer(s) made" if offers else ""
    return f"expire-requests: {len(targets)} request(s) expired, {told} message(s) queued{made}."


@write_transaction
def forget_old_bookers(now: datetime) -> str:
    """Retention: bookings that ended more than RETENTION_BOOKER_DAYS ago keep their space, group,
    times, title and status (for reports) but no longer say who booked them, what staff wrote, or who
    the person staff booked for at the counter was (contact name and phone)."""
    days = current_app.config["RETENTION_BOOKER_DAYS"]
    n = db.session.execute(
        update(Booking)
        .where(
            Booking.end_at < now - timedelta(days=days),
            or_(Booking.booked_by_id.is_not(None), Booking.decision_message.is_not(None),
                Booking.contact_name.is_not(None), Booking.contact_phone.is_not(None)),
        )
        # updated_at kept: forgetting who booked is no change of the booking that calendars show
        # (their DTSTAMP/LAST-MODIFIED stay, so an unchanged feed stays byte-identical)
        .values(booked_by_id=None, decision_message=None, contact_name=None, contact_phone=None, updated_at=Booking.updated_at)
        .execution_options(synchronize_session=False)
    ).rowcount
    return f"erased the booker from {n} booking(s) that ended over {days} days ago"


def _locked(due, spaces: list[int]) -> list[Booking]:
    """The bookings `due` selects, read again after taking the spaces' locks in order (as the
    booking use cases take them): a second run or a second scheduler finds them changed."""
    lock_families(spaces)
    stmt = select(Booking).where(*due).order_by(Booking.start_at, Booking.id)
    if db.session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(of=Booking)
    return list(db.session.execute(stmt).scalars())


@write_transaction
def expire_offers(now: datetime) -> str:
    """Offers to the waiting list not accepted in time expire (status "expired"): the time goes on
    to the next in line, in the same transaction. Exactly once however often or concurrently it runs."""
    due = Booking.status == "offered", Booking.offer_expires_at <= now
    spaces = sorted(set(db.session.execute(select(Booking.space_id).where(*due).distinct()).scalars()))
    targets = _locked(due, spaces) if spaces else []
    if not targets:
        return "expire-offers: nothing to expire."
    entries = [b.waitlist_entry_id for b in targets if b.waitlist_entry_id is not None]
    if entries:
        db.session.execute(update(WaitlistEntry).where(WaitlistEntry.id.in_(entries)).values(status="expired")
                           .execution_options(synchronize_session=False))
    set_status(targets, "expired", now, decided_at=now)
    offers = sum(len(offer_freed(space_id, now)) for space_id in spaces)
    return f"expire-offers: {len(targets)} offer(s) expired, {offers} offer(s) made."


RELEASE_LOOKBACK = timedelta(days=1)  # a booking older than this is history, not time to free


@write_transaction
def release_unused(now: datetime) -> str:
    """In spaces that ask for check-in, a confirmed booking not checked in when its grace period
    ends is released (status "released", a no-show): the rest of its time is free at once and is
    offered to the waiting list. A series whose date is released right after its previous date was
    released too asks the group to confirm the rest (`BookingSeries.confirm_asked_at`, with an
    e-mail); what is still unconfirmed SERIES_CONFIRM_DAYS after asking is released, with notice, and
    offered on. Exactly once however often or concurrently it runs (the families' locks in order,
    then everything read again)."""
    due = (Booking.status == "confirmed", Booking.checked_in_at.is_(None), Booking.start_at <= now,
           Booking.start_at > now - RELEASE_LOOKBACK,
           Booking.space_id.in_(select(Space.id).where(Space.check_in_required.is_(True))))
    rows = db.session.execute(select(Booking.space_id, Booking.start_at, Space.check_in_grace_minutes)
                              .join(Space, Space.id == Booking.space_id).where(*due)).all()
    spaces = sorted({sid for sid, start, grace in rows if start + timedelta(minutes=grace) <= now})
    unconfirmed = BookingSeries.confirm_asked_at <= now - SERIES_CONFIRM_WAIT
    series_spaces = sorted(set(db.session.execute(select(BookingSeries.space_id).where(unconfirmed)).scalars()))
    if not spaces and not series_spaces:
        return "release-unused: nothing to release."
    lock_families(spaces + series_spaces)  # all at once, in order, before anything is read again
    said: list[str] = []
    released_spaces: set[int] = set()
    if spaces:
        graces = dict(db.session.execute(select(Space.id, Space.check_in_grace_minutes).where(Space.id.in_(spaces))).all())
        targets = [b for b in _locked(due, spaces) if b.space_id in graces and b.start_at + timedelta(minutes=graces[b.space_id]) <= now]
        if targets:
            in_series = [(b.series_id, b.start_at) for b in targets if b.series_id is not None]
            set_status(targets, "released", now, no_show=True, decided_at=now)
            told = notices.booking_released(targets, now)
            asked = _ask_to_confirm(in_series, now)
            released_spaces.update(b.space_id for b in targets)
            said.append(f"{len(targets)} booking(s) released, {told} message(s) queued")
            if asked:
                said.append(f"{asked} series asked to confirm the rest")
    if series_spaces:
        dates = _release_unconfirmed(now)
        if dates:
            released_spaces.update(b.space_id for b in dates)
            said.append(f"{len(dates)} unconfirmed date(s) of series released")
    if not said:
        return "release-unused: nothing to release."
    offers = sum(len(offer_freed(space_id, now)) for space_id in sorted(released_spaces))
    return f"release-unused: {', '.join(said)}, {offers} offer(s) made."


def _ask_to_confirm(released: list[tuple[int, datetime]], now: datetime) -> int:
    """Series whose just released date follows a released date (the previous date meant to be used:
    confirmed or released) ask the group to confirm the rest, once: the representatives get an
    e-mail with the series' upcoming dates and a link to their bookings page. Under the locks."""
    asked = 0
    for series_id, start in sorted(set(released)):
        series = db.session.get(BookingSeries, series_id)
        if series is None or series.confirm_asked_at is not None:
            continue
        previous = db.session.execute(
            select(Booking.status).where(Booking.series_id == series_id, Booking.start_at < start,
                                         Booking.status.in_(("confirmed", "released")))
            .order_by(Booking.start_at.desc()).limit(1)).scalar()
        if previous != "released":
            continue
        rest = list(db.session.execute(select(Booking).where(
            Booking.series_id == series_id, Booking.status.in_(ACTIVE_STATUSES), Booking.start_at > now)).scalars())
        if not rest:
            continue
        series.confirm_asked_at = now
        db.session.flush()
        notices.series_confirm_asked(rest, now)
        asked += 1
    return asked


def _release_unconfirmed(now: datetime) -> list[Booking]:
    """The upcoming dates of series still unconfirmed SERIES_CONFIRM_WAIT after asking are released
    (status "released", not a no-show), the group is told; the series no longer asks. Read again
    under the locks: a confirmation or another run that came first leaves nothing here."""
    stmt = select(BookingSeries).where(BookingSeries.confirm_asked_at <= now - SERIES_CONFIRM_WAIT)
    if db.session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    series = list(db.session.execute(stmt).scalars())
    if not series:
        return []
    dates_stmt = (select(Booking).where(Booking.series_id.in_([s.id for s in series]), Booking.status.in_(ACTIVE_STATUSES),
                                        Booking.start_at > now).order_by(Booking.start_at, Booking.id))
    if db.session.get_bind().dialect.name == "postgresql":
        dates_stmt = dates_stmt.with_for_update(of=Booking)
    dates = list(db.session.execute(dates_stmt).scalars())
    for s in series:
        s.confirm_asked_at = None
    db.session.flush()
    if dates:
        space_ids = [(b.id, b.space_id) for b in dates]
        set_status(dates, "released", now, decided_at=now)
        notices.series_released(dates, now)
        return [SimpleNamespace(id=i, space_id=sid) for i, sid in space_ids]
    return []
