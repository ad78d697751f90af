"""What the spaces' use cases share: request times at the edges (to_utc), a space and its rules,
the staff check, what is in the way of a time (bookings and closures near it, a group's weekly
quota used), and what the audit log keeps about the bookings an action touched."""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, literal, or_, select, union, union_all
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
        capacity=space.capacity,
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


def _family_of(spaces):
    """(origin, id, name) for each of `spaces` (origin) and every space sharing time with it: itself,
    every space it is part of and every part of it, all the way (spaces.families), as one recursive
    subquery: the family is read in the same statement as what is booked."""
    up = select(Space.id.label("origin"), Space.id.label("id"), Space.name.label("name"), Space.part_of.label("up")).where(
        Space.id.in_(spaces)).cte("family_up", recursive=True)
    up = up.union(select(up.c.origin, Space.id, Space.name, Space.part_of).join(up, Space.id == up.c.up))
    down = select(Space.id.label("origin"), Space.id.label("id"), Space.name.label("name")).where(
        Space.id.in_(spaces)).cte("family_down", recursive=True)
    down = down.union(select(down.c.origin, Space.id, Space.name).join(down, Space.part_of == down.c.id))
    return union(select(up.c.origin, up.c.id, up.c.name), select(down.c.origin, down.c.id, down.c.name)).subquery("family")


def _busy_statement():
    """Bookings that hold time (HOLDING_STATUSES) and closures of some spaces and their families near a window, in one statement
    built once (the bounds and the spaces are parameters): each half a range scan of its index per
    space of the families."""
    spaces = bindparam("space_ids", expanding=True)
    near_lo, near_hi = bindparam("near_lo"), bindparam("near_hi")
    family = _family_of(spaces)
    bookings = select(literal(0).label("closure"), Booking.id, family.c.origin, Booking.space_id, family.c.name,
                      Booking.start_at, Booking.end_at, Booking.blocked_until).join(family, family.c.id == Booking.space_id).where(
        Booking.status.in_(HOLDING_STATUSES),
        Booking.start_at < near_hi,
        Booking.start_at > bindparam("earliest_start"),
        or_(Booking.end_at > near_lo, Booking.blocked_until > bindparam("lo")),
    )
    closures = select(literal(1), Closure.id, family.c.origin, Closure.space_id, family.c.name, Closure.start_at,
                      Closure.end_at, Closure.end_at).join(family, family.c.id == Closure.space_id).where(
        Closure.start_at < near_hi, Closure.end_at > near_lo)
    return union_all(bookings, closures)


_BUSY = _busy_statement()


def _closures_statement():
    family = _family_of(bindparam("space_ids", expanding=True))
    return select(family.c.origin, Closure.start_at, Closure.end_at).join(family, family.c.id == Closure.space_id).where(
        Closure.start_at < bindparam("hi"), Closure.end_at > bindparam("lo"))


_FAMILY_CLOSURES = _closures_statement()

# The ids of some spaces' families (each space, what it is part of, its parts), as one statement:
# e.g. calendars bumps the feeds of the whole family when one of its spaces' bookings change.
FAMILY_IDS = select(_family_of(bindparam("space_ids", expanding=True)).c.id).distinct()


def family_select(space_ids: list[int]):
    """The ids of these spaces' families as a subquery, e.g. `Booking.space_id.in_(family_select([id]))`:
    the family read in the same statement as what uses it."""
    return select(_family_of(list(space_ids)).c.id)


def family_closures(space_ids: list[int], lo: datetime, hi: datetime) -> dict[int, list[rules.Interval]]:
    """The closures touching [lo, hi) of each space and of its family (the hall it is part of closes
    it, and so does a closure of any of its parts), in one query."""
    out: dict[int, list[rules.Interval]] = defaultdict(list)
    for origin, s, e in db.session.execute(_FAMILY_CLOSURES, {"space_ids": list(space_ids), "lo": lo, "hi": hi}):
        out[origin].append(rules.Interval(s, e))
    for found in out.values():
        found.sort(key=lambda i: (i.start, i.end))
    return out


def load_busy(space_ids: list[int], lo: datetime, hi: datetime, margin: timedelta, exclude_ids: set[int] = frozenset()):
    """Active bookings and closures near [lo, hi) (within `margin`) of each space, its parts and the
    spaces it is part of (a closure of the hall closes its halves, one of a half closes the hall), in
    one query. Bookings of another space of the family carry that space's name (said in conflicts)."""
    booked: dict[int, list[rules.Booked]] = defaultdict(list)
    closures: dict[int, list[rules.Interval]] = defaultdict(list)
    rows = db.session.execute(_BUSY, {"space_ids": list(space_ids), "lo": lo, "near_lo": lo - margin, "near_hi": hi + margin,
                                      "earliest_start": lo - LOOKBACK - margin})
    for closure, rid, origin, sid, name, s, e, bu in rows:
        if closure:
            closures[origin].append(rules.Interval(s, e))
        elif rid not in exclude_ids:
            booked[origin].append(rules.Booked(s, e, bu, sid, name if sid != origin else None))
    for found in (*booked.values(), *closures.values()):
        found.sort(key=lambda i: (i.start, i.end))
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
