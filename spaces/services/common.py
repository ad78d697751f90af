"""What the spaces' use cases share: request times at the edges (to_utc), a space and its rules,
the staff check, what is in the way of a time (bookings and closures near it, a group's weekly
quota used), and what the audit log keeps about the bookings an action touched."""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, literal, or_, select, union_all
from sqlalchemy.orm import joinedload, selectinload

from commons import audit
from commons.auth import is_staff_of
from commons.codes import Said
from commons.errors import Forbidden, Invalid, NotFound
from commons.extensions import db
from commons.models import User
import spaces.messages  # noqa: F401  (the words of the codes said here)
from spaces import rules
from spaces.models import ACTIVE_STATUSES, HOLDING_STATUSES, Booking, Closure, Space

# No booking is longer than a day (max_minutes <= 1440) and no buffer longer than 4 hours, so a
# booking that touches [lo, hi) starts after lo - LOOKBACK: this gives every overlap query a lower
# bound on start_at, which keeps it an index range scan however many bookings there are.
LOOKBACK = timedelta(minutes=1440 + 240)
MAX_WINDOW = timedelta(days=62)
ADVISORY_SPACE = 1  # advisory lock namespace: bookings of one space


# --- Time at the edges ---------------------------------------------------------------------------


def to_utc(value: datetime, tz: ZoneInfo, field: str) -> datetime:
    """A request time: with an offset it is taken as given; without one it is wall-clock time in tz."""
    if value.tzinfo is not None:
        return value.astimezone(timezone.utc)
    aware = rules.localize(value, tz)
    if aware is None:
        params = {"local_time": value.replace(tzinfo=None).isoformat(timespec="minutes"), "zone": tz.key}
        raise Invalid(reason="nonexistent_time", params=params, fields={field: Said("nonexistent_time", params)})
    return aware.astimezone(timezone.utc)


def check_period(lo: datetime, hi: datetime, longest: timedelta, field: str = "to") -> None:
    """A asked window [lo, hi): the end after the start, and no longer than `longest` (the refusals
    name `field`, the end's name in the request)."""
    if hi <= lo:
        raise Invalid(reason="period_end_before_start", fields={field: Said("period_end_before_start")})
    if hi - lo > longest:
        params = {"max_days": longest.days}
        raise Invalid(reason="period_too_long", params=params, fields={field: Said("period_too_long", params)})


def space_rules(space: Space) -> rules.SpaceRules:
    opening: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for oh in space.opening_hours:
        opening[oh.weekday].append((oh.opens_minute, oh.closes_minute))
    return rules.SpaceRules(
        tz=ZoneInfo(space.timezone),
        buffer_minutes=space.buffer_minutes,
        min_minutes=space.min_minutes,
        max_minutes=space.max_minutes,
        slot_minutes=space.slot_minutes,
        horizon_days=space.horizon_days,
        weekly_quota_minutes=space.weekly_quota_minutes,
        opening={k: sorted(v) for k, v in opening.items()},
    )


# --- A space and who may change it -----------------------------------------------------------------


def get_space(space_id: int) -> Space:
    space = db.session.execute(
        select(Space)
        .where(Space.id == space_id)
        .options(joinedload(Space.facility), selectinload(Space.opening_hours), selectinload(Space.features))
    ).scalar_one_or_none()
    if space is None:
        raise NotFound(reason="space_not_found", params={"space_id": space_id})
    return space


def require_staff(actor: User, facility_id: int) -> None:
    """Forbidden unless the actor is staff of the facility (or an administrator)."""
    if not is_staff_of(actor, facility_id):
        raise Forbidden(reason="staff_only")


# --- What is in the way of a time ------------------------------------------------------------------


def _busy_statement():
    """Bookings that hold time (HOLDING_STATUSES) and closures of some spaces near a window, in one statement built once (the
    bounds and the spaces are parameters): each half a range scan of its index."""
    spaces = bindparam("space_ids", expanding=True)
    near_lo, near_hi = bindparam("near_lo"), bindparam("near_hi")
    bookings = select(literal(0).label("closure"), Booking.id, Booking.space_id, Booking.start_at, Booking.end_at,
                      Booking.blocked_until).where(
        Booking.space_id.in_(spaces),
        Booking.status.in_(HOLDING_STATUSES),
        Booking.start_at < near_hi,
        Booking.start_at > bindparam("earliest_start"),
        or_(Booking.end_at > near_lo, Booking.blocked_until > bindparam("lo")),
    )
    closures = select(literal(1), Closure.id, Closure.space_id, Closure.start_at, Closure.end_at, Closure.end_at).where(
        Closure.space_id.in_(spaces), Closure.start_at < near_hi, Closure.end_at > near_lo
    )
    return union_all(bookings, closures)


_BUSY = _busy_statement()


def load_busy(space_ids: list[int], lo: datetime, hi: datetime, margin: timedelta, exclude_ids: set[int] = frozenset()):
    """Active bookings and closures of the spaces near [lo, hi) (within `margin`), in one query."""
    booked: dict[int, list[rules.Booked]] = defaultdict(list)
    closures: dict[int, list[rules.Interval]] = defaultdict(list)
    rows = db.session.execute(_BUSY, {"space_ids": list(space_ids), "lo": lo, "near_lo": lo - margin, "near_hi": hi + margin,
                                      "earliest_start": lo - LOOKBACK - margin})
    for closure, rid, sid, s, e, bu in rows:
        if closure:
            closures[sid].append(rules.Interval(s, e))
        elif rid not in exclude_ids:
            booked[sid].append(rules.Booked(s, e, bu))
    return booked, closures


def quota_usage(space: Space, group_id: int, lo: datetime, hi: datetime, sr: rules.SpaceRules) -> dict:
    """The minutes the group has booked in the space in each ISO week (in the space's zone) from lo's
    week to hi's, pending and confirmed counted; empty when the space has no weekly quota."""
    if sr.weekly_quota_minutes is None:
        return {}
    first = rules.week_bounds(*rules.iso_week(lo, sr.tz), sr.tz).start
    last = rules.week_bounds(*rules.iso_week(hi, sr.tz), sr.tz).end
    used: dict[tuple[int, int], float] = defaultdict(float)
    for s, e in db.session.execute(
        select(Booking.start_at, Booking.end_at).where(
            Booking.space_id == space.id,
            Booking.group_id == group_id,
            Booking.status.in_(ACTIVE_STATUSES),
            Booking.start_at >= first,
            Booking.start_at < last,
        )
    ):
        used[rules.iso_week(s, sr.tz)] += (e - s).total_seconds() / 60
    return used


# --- The audit log ---------------------------------------------------------------------------------


def booking_facts(targets: list[Booking], **more) -> dict:
    """What the audit log keeps about the bookings an action touched: ids and times, no names or titles."""
    facts = {
        "space_id": targets[0].space_id,
        "booking_ids": [b.id for b in targets],
        "count": len(targets),
        "start": audit.iso(min(b.start_at for b in targets)),
        "end": audit.iso(max(b.end_at for b in targets)),
    }
    facts.update(more)
    return facts
