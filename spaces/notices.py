"""Booking notices: who is told what, by e-mail, when a booking changes.

Called from the booking use cases (spaces.services, spaces.housekeeping) inside their transaction:
the messages go into the outbox (commons.mail.queue_later) with the change, as the facts they must
tell (the bookings, and every date of their series for the .ics, as they are at the change; the
space, its facility, the group), and `send-mail` renders them (`render`) and delivers them. So the
booking's transaction (and its write lock) renders no template and builds no calendar, and a
message says what happened when it happened, whatever changes before it is sent.

Who gets what:
- the group's representatives: received (pending) / confirmed / rejected / cancelled / changed /
  expired / reminder, each in their own language, with an .ics attachment;
- the facility's staff: an approval request for each new pending request;
- nobody gets a pointless copy of their own action: staff who book on behalf of a group tell the
  group and get no approval request of their own; a representative who cancels or changes tells
  the other representatives; staff deciding a request are not copied.
A series is one message listing its dates, never one per date.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from flask_babel import force_locale, lazy_gettext as _l
from sqlalchemy import bindparam, inspect, select
from sqlalchemy.orm import joinedload

from commons.auth import is_staff_of
from commons.db import utcnow
from commons.extensions import db
from commons.i18n import format_moment, format_span
from commons.mail import Attachment, Recipient, Rendered, discard_unsent, public_url, queue_later, recipient_for, render_message
from commons.models import FacilityStaff, GroupMember, User
from spaces.models import Booking, Space
from spaces.series import series_rows

TEMPLATE = "spaces/mail/booking"
RENDERER = "spaces.booking"  # commons.mail.RENDERERS: registered by spaces.register_jobs
ICS_MIME = "text/calendar; method=PUBLISH"

# Subjects, translated in the recipient's language when the message is rendered.
SUBJECTS = {
    "received": lambda **v: _l("Booking request received: %(space)s", **v),
    "confirmed": lambda **v: _l("Booking confirmed: %(space)s", **v),
    "on_behalf": lambda **v: _l("Booked for your group: %(space)s", **v),
    "approved": lambda **v: _l("Booking request approved: %(space)s", **v),
    "rejected": lambda **v: _l("Booking request declined: %(space)s", **v),
    "cancelled": lambda **v: _l("Booking cancelled: %(space)s", **v),
    "closed": lambda **v: _l("Booking cancelled, the space is closed: %(space)s", **v),
    "changed": lambda **v: _l("Booking changed: %(space)s", **v),
    "expired": lambda **v: _l("Booking request expired: %(space)s", **v),
    "reminder": lambda **v: _l("Reminder: %(space)s, %(when)s", **v),
    "approval_request": lambda **v: _l("Please approve or decline: %(group)s, %(space)s", **v),
    "offer": lambda **v: _l("A time you waited for is free: %(space)s", **v),
    "released": lambda **v: _l("Booking released, nobody checked in: %(space)s", **v),
    "confirm_series": lambda **v: _l("Please confirm your group's weekly booking: %(space)s", **v),
    "series_released": lambda **v: _l("Unconfirmed dates released: %(space)s", **v),
}


# The opening sentence of each kind of message.
INTROS = {
    "received": lambda **v: _l("Your group's booking request has arrived. The facility's staff will approve or decline it; until then the time is held for you."),
    "confirmed": lambda **v: _l("Your group's booking is confirmed."),
    "on_behalf": lambda **v: _l("The facility's staff booked this space for your group. The booking is confirmed."),
    "approved": lambda **v: _l("The facility's staff approved your group's booking request."),
    "rejected": lambda **v: _l("The facility's staff declined your group's booking request."),
    "cancelled": lambda **v: _l("This booking has been cancelled."),
    "closed": lambda **v: _l("The facility's staff had to cancel this booking: the space is closed at that time. We are sorry for the trouble; you are welcome to book another time."),
    "changed": lambda **v: _l("This booking has been changed. Below are the new details."),
    "expired": lambda **v: _l("Your group's booking request was not handled before its start, so it has expired and the time is free again. You are welcome to book another time."),
    "reminder": lambda **v: _l("A reminder: your group has booked this space soon."),
    "approval_request": lambda **v: _l("%(group)s asks to book a space in your facility. Please approve or decline the request.", **v),
    "offer": lambda **v: _l("A time your group is waiting for is free, and it is held for your group. Accept or decline the offer on your waiting list page before it expires; then the time goes to the next in line."),
    "released": lambda **v: _l("Nobody checked in for this booking before its grace period ended, so it was released and its time given to others. It counts as a no-show."),
    "confirm_series": lambda **v: _l("Two dates in a row of your group's weekly booking were released because nobody checked in. Does your group still need the rest? Confirm it on your bookings page within 7 days; otherwise the dates below are released and given to others."),
    "series_released": lambda **v: _l("Your group did not confirm the rest of its weekly booking within 7 days, so the dates below were released and given to others."),
}

# --- Loading in bulk ---------------------------------------------------------------------------------


def _load(ids: list[int]) -> list[Booking]:
    """The bookings with their space, facility and group (one query; the objects the use case
    touched were expired by its UPDATE, so reading them one by one would be a query each)."""
    return list(
        db.session.execute(
            select(Booking)
            .where(Booking.id.in_(ids))
            .options(joinedload(Booking.space).joinedload(Space.facility), joinedload(Booking.group))
            .order_by(Booking.start_at, Booking.id)
        ).scalars()
    )


def _ids(bookings: list[Booking]) -> list[int]:
    """The ids without loading: the use case's UPDATE expired the objects (an attribute read would
    be a query per booking), but their identity is known."""
    return [inspect(b).identity[0] for b in bookings]


_REPRESENTATIVES = (
    select(GroupMember.group_id, User)
    .join(User, User.id == GroupMember.user_id)
    .where(GroupMember.group_id.in_(bindparam("group_ids", expanding=True)))
    .order_by(User.id)
)


def _representatives(group_ids: set[int]) -> dict[int, list[User]]:
    out: dict[int, list[User]] = defaultdict(list)
    if group_ids:
        for gid, user in db.session.execute(_REPRESENTATIVES, {"group_ids": sorted(group_ids)}):
            out[gid].append(user)
    return out


def _staff(facility_ids: set[int]) -> dict[int, list[User]]:
    out: dict[int, list[User]] = defaultdict(list)
    if facility_ids:
        for fid, user in db.session.execute(
            select(FacilityStaff.facility_id, User).join(User, User.id == FacilityStaff.user_id).where(FacilityStaff.facility_id.in_(facility_ids)).order_by(User.id)
        ):
            out[fid].append(user)
    return out


def _batches(bookings: list[Booking]) -> list[list[Booking]]:
    """One batch per series (or single booking): one message each."""
    groups: dict[tuple, list[Booking]] = defaultdict(list)
    for b in bookings:
        groups[("series", b.series_id) if b.series_id else ("booking", b.id)].append(b)
    return list(groups.values())


# --- What a message tells, stored with it -------------------------------------------------------------


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _row(b: Booking) -> dict:
    """One booking as the message and its .ics show it."""
    return {
        "id": b.id, "series_id": b.series_id, "title": b.title, "status": b.status, "on_behalf": b.on_behalf,
        "start_at": _iso(b.start_at), "end_at": _iso(b.end_at), "original_start": _iso(b.original_start),
        "sequence": b.sequence, "created_at": _iso(b.created_at), "updated_at": _iso(b.updated_at),
        "decision_message": b.decision_message, "offer_expires_at": _iso(b.offer_expires_at),
    }


def _series_rows(batches: list[list[Booking]]) -> dict[int, tuple[str, list[Booking]]]:
    """The rule and every row of each series the batches' dates belong to."""
    return series_rows(b.series_id for batch in batches for b in batch)


def _facts(kind: str, batch: list[Booking], series: dict[int, tuple[str, list[Booking]]], actor: User | None,
           reason: str | None = None) -> dict:
    """Everything a message about `batch` says, as it is now (commons.mail.queue_later's payload);
    `reason`: why the space is closed (a booking cancelled for a closure)."""
    first = batch[0]
    space, facility, group = first.space, first.space.facility, first.group
    sids = {b.series_id for b in batch if b.series_id in series}
    return {
        "kind": kind,
        "bookings": [_row(b) for b in batch],
        "series": {str(sid): {"rrule": series[sid][0], "rows": [_row(b) for b in series[sid][1]]} for sid in sorted(sids)},
        "space": {"id": space.id, "name": space.name, "timezone": space.timezone},
        "facility": {"name": facility.name, "address": facility.address, "phone": facility.phone},
        "group": {"name": group.name},
        "actor_is_staff": bool(actor and first.on_behalf),
        "link": {"approval_request": "/staff/requests", "offer": "/waitlist"}.get(kind, "/bookings"),
        "space_link": f"/spaces/{space.id}",
        "reason": reason,
    }


# --- Rendering (by send-mail, from the stored facts only) ----------------------------------------------


def _booking(row: dict, space, group) -> SimpleNamespace:
    times = {k: datetime.fromisoformat(row[k]) if row.get(k) else None
             for k in ("start_at", "end_at", "original_start", "created_at", "updated_at", "offer_expires_at")}
    return SimpleNamespace(**{**row, **times}, space=space, group=group)


def _attachment(batch: list, series: dict[int, tuple[str, list]]) -> Attachment | None:
    """The same events as the calendar feeds (calendars registers booking_calendars in spaces.hooks:
    same UIDs, SEQUENCE, VTIMEZONE; a date of a series is the series' event), so a calendar that
    imported the attachment updates the event when a later message, download or the feed changes it.
    Made from the rows stored with the message (`series`), not from the database as it is at sending.
    None when no package gives calendars (the e-mail goes without one)."""
    from spaces.hooks import booking_calendars

    (made,) = booking_calendars([batch], series=series)
    return Attachment(made[0].decode(), made[1], ICS_MIME) if made else None


def render(data: dict, recipient: Recipient) -> Rendered:
    """The message `_facts` stored, in the recipient's language (commons.mail.RENDERERS[RENDERER])."""
    kind = data["kind"]
    facility = SimpleNamespace(**data["facility"])
    space = SimpleNamespace(**data["space"], facility=facility)
    group = SimpleNamespace(**data["group"])
    batch = [_booking(r, space, group) for r in data["bookings"]]
    series = {int(sid): (s["rrule"], [_booking(r, space, group) for r in s["rows"]]) for sid, s in data["series"].items()}
    first = batch[0]
    tz = ZoneInfo(space.timezone)
    with_locale = {"space": space.name, "group": group.name}
    if kind == "reminder":
        with force_locale(recipient.language):
            with_locale["when"] = format_span(first.start_at, first.end_at, tz)
    subject, text, html = render_message(
        TEMPLATE,
        recipient.language,
        SUBJECTS[kind](**with_locale),
        recipient=recipient,
        kind=kind,
        intro=INTROS[kind](group=group.name),
        bookings=batch,
        first=first,
        space=space,
        facility=facility,
        group=group,
        tz=tz,
        span=format_span,
        moment=format_moment,
        on_behalf=first.on_behalf,
        actor_is_staff=data["actor_is_staff"],
        link=public_url(data["link"]),
        space_link=public_url(data["space_link"]),
        reason=data.get("reason"),
    )
    return Rendered(subject, text, html, _attachment(batch, series))


# --- Queueing ------------------------------------------------------------------------------------------


def _queue(kind: str, batch: list[Booking], recipients: list[User], now: datetime, key: str | None = None,
           actor: User | None = None, series: dict | None = None, reason: str | None = None) -> int:
    """One message per recipient, each the same facts (rendered later, in the recipient's language)."""
    if not recipients:
        return 0
    facts = _facts(kind, batch, _series_rows([batch]) if series is None else series, actor, reason)
    return sum(queue_later(recipient_for(user), RENDERER, facts, key=key, now=now) for user in recipients)


def told_of_new(actor: User, group_id: int, facility_id: int, on_behalf: bool, pending: bool) -> list[tuple[str, list[User]]]:
    """Who is told of a new booking or series, and what kind of message each gets: the group
    (received / confirmed / booked on its behalf) and, for a pending request, the facility's staff
    (asked to decide). Read before the booking takes its lock: it needs none."""
    reps = _representatives({group_id})[group_id]
    if on_behalf:
        told = [("on_behalf", [u for u in reps if u.id != actor.id])]
    else:
        told = [("received" if pending else "confirmed", reps)]
    if pending:
        told.append(("approval_request", [u for u in _staff({facility_id})[facility_id] if u.id != actor.id]))
    return told


def booking_created(actor: User, bookings: list[Booking], now: datetime | None = None,
                    told: list[tuple[str, list[User]]] | None = None) -> int:
    """A new booking or series: the messages to those `told_of_new` names (read here unless given)."""
    if not bookings:
        return 0
    now = now or utcnow()
    # Just written in this transaction: loaded, with their space (and facility) and group in the
    # session; a new series has exactly these dates.
    batch = sorted(bookings, key=lambda b: (b.start_at, b.id))
    first = batch[0]
    if told is None:
        told = told_of_new(actor, first.group_id, first.space.facility_id, first.on_behalf, first.status == "pending")
    series = {first.series_id: (first.series.rrule, batch)} if first.series_id is not None else {}
    return sum(_queue(kind, batch, to, now, actor=None if kind == "approval_request" else actor, series=series)
               for kind, to in told)


def booking_decided(actor: User, bookings: list[Booking], approve: bool, now: datetime | None = None) -> int:
    """Staff approved or rejected: the group's representatives are told (with the staff's message)."""
    return _tell_group("approved" if approve else "rejected", actor, bookings, now)


def booking_cancelled(actor: User | None, bookings: list[Booking], now: datetime | None = None) -> int:
    """Cancelled: the representatives (but not the one who cancelled) are told; reminders not yet
    sent for these dates are dropped."""
    discard_unsent([f"reminder:booking:{i}:" for i in _ids(bookings)])
    return _tell_group("cancelled", actor, bookings, now)


def booking_closed(actor: User, bookings: list[Booking], reasons: dict[int, str], now: datetime | None = None) -> int:
    """Cancelled by staff because the space is closed then (spaces.services.cancel_closed_bookings):
    each group's representatives are told, with the closure's reason (`reasons`, by booking id); a
    series' dates closed for one reason are one message. Reminders not yet sent are dropped."""
    if not bookings:
        return 0
    now = now or utcnow()
    ids = _ids(bookings)
    discard_unsent([f"reminder:booking:{i}:" for i in ids])
    loaded = _load(ids)
    reps = _representatives({b.group_id for b in loaded})
    batches: dict[tuple, list[Booking]] = defaultdict(list)
    for b in loaded:
        batches[(b.series_id or -b.id, reasons.get(b.id))].append(b)
    series = _series_rows(list(batches.values()))
    n = 0
    for (_key, reason), batch in batches.items():
        to = [u for u in reps[batch[0].group_id] if u.id != actor.id]
        n += _queue("closed", batch, to, now, actor=actor, series=series, reason=reason)
    return n


def booking_changed(actor: User | None, bookings: list[Booking], now: datetime | None = None) -> int:
    """Moved or edited (spaces.services.move_booking): the other representatives are told, with
    the new time and an .ics whose SEQUENCE has grown. A change that leaves a booking pending (a
    representative's move that needs approval again, or a request moved before it was decided)
    asks the facility's staff to decide on the new time, unless staff made the change. A reminder
    not yet sent is dropped (the reminders job queues one for the new time)."""
    discard_unsent([f"reminder:booking:{i}:" for i in _ids(bookings)])
    loaded = _load(_ids(bookings))
    n = _tell_group("changed", actor, bookings, now, loaded)
    # Pending after a change that staff did not make (a representative's move that needs approval
    # again, or a request moved before anyone decided): the staff decide on the new time.
    by_staff = {fid: is_staff_of(actor, fid) for fid in {b.space.facility_id for b in loaded}}
    pending = [b for b in loaded if b.status == "pending" and not by_staff[b.space.facility_id]]
    if pending:
        staff = _staff({b.space.facility_id for b in pending})
        batches = _batches(pending)
        series = _series_rows(batches)
        for batch in batches:
            to = [u for u in staff[batch[0].space.facility_id] if actor is None or u.id != actor.id]
            n += _queue("approval_request", batch, to, now or utcnow(), series=series)
    return n


def booking_expired(bookings: list[Booking], now: datetime | None = None) -> int:
    """Requests nobody decided in time (the expire-requests job): the group is told."""
    return _tell_group("expired", None, bookings, now)


def offers_made(bookings: list[Booking], now: datetime | None = None) -> int:
    """Offers to the waiting list (spaces.services.waitlist.offer_freed): the group is told, with
    until when the time is held."""
    return _tell_group("offer", None, bookings, now)


def offer_accepted(actor: User, bookings: list[Booking], status: str, now: datetime | None = None) -> int:
    """An offer accepted: the other representatives are told as of a new booking; where it needs
    approval, the facility's staff are asked to decide."""
    loaded = _load(_ids(bookings))
    n = _tell_group("received" if status == "pending" else "confirmed", actor, bookings, now, loaded)
    if status == "pending":
        staff = _staff({b.space.facility_id for b in loaded})
        for batch in _batches(loaded):
            n += _queue("approval_request", batch, staff[batch[0].space.facility_id], now or utcnow())
    return n


def booking_released(bookings: list[Booking], now: datetime | None = None) -> int:
    """Released because nobody checked in (spaces.housekeeping.release_unused): the group is told."""
    return _tell_group("released", None, bookings, now)


def series_confirm_asked(bookings: list[Booking], now: datetime | None = None) -> int:
    """Two dates of a series released in a row (spaces.housekeeping.release_unused): the group is
    asked to confirm the rest (its upcoming dates) on its bookings page."""
    return _tell_group("confirm_series", None, bookings, now)


def series_released(bookings: list[Booking], now: datetime | None = None) -> int:
    """The rest of a series nobody confirmed in 7 days was released: the group is told."""
    return _tell_group("series_released", None, bookings, now)


def _tell_group(kind: str, actor: User | None, bookings: list[Booking], now: datetime | None, loaded: list[Booking] | None = None) -> int:
    if not bookings:
        return 0
    now = now or utcnow()
    loaded = loaded if loaded is not None else _load(_ids(bookings))
    reps = _representatives({b.group_id for b in loaded})
    batches = _batches(loaded)
    series = _series_rows(batches)
    n = 0
    for batch in batches:
        to = [u for u in reps[batch[0].group_id] if actor is None or u.id != actor.id]
        n += _queue(kind, batch, to, now, actor=actor, series=series)
    return n


def reminder_keys(booking_id: int, user_ids: list[int]) -> list[str]:
    return [f"reminder:booking:{booking_id}:{uid}" for uid in user_ids]


def booking_reminders(bookings: list[Booking], now: datetime) -> int:
    """One reminder per booking and representative, at most once (dedupe key
    "reminder:booking:ID:USER"): a second run queues nothing. `bookings` come loaded with space,
    facility and group."""
    from commons.mail import existing_keys

    reps = _representatives({b.group_id for b in bookings})
    wanted = {(b.id, u.id): k for b in bookings for u in reps[b.group_id] for k in reminder_keys(b.id, [u.id])}
    done = existing_keys(list(wanted.values()))
    todo = [b for b in bookings if any(wanted[(b.id, u.id)] not in done for u in reps[b.group_id])]
    series = _series_rows([[b] for b in todo]) if todo else {}
    n = 0
    for b in todo:
        for u in reps[b.group_id]:
            key = wanted[(b.id, u.id)]
            if key not in done:
                n += _queue("reminder", [b], [u], now, key=key, series=series)
    return n
