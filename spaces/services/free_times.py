"""When a space is busy and free: its availability in a window, and the free times nearest to one
that is taken."""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from commons.db import utcnow
from spaces import rules
from spaces.models import Space
from spaces.schemas import SpaceQuery
from spaces.services.common import MAX_WINDOW, check_period, load_busy, space_rules, to_utc
from spaces.services.spaces import search_spaces


def availability(space: Space, start: datetime | None, end: datetime | None, now: datetime | None = None):
    now = now or utcnow()
    tz = ZoneInfo(space.timezone)
    lo = to_utc(start, tz, "from") if start else now
    hi = to_utc(end, tz, "to") if end else lo + timedelta(days=7)
    check_period(lo, hi, MAX_WINDOW)
    sr = space_rules(space)
    booked, closures = load_busy([space.id], lo, hi, margin=sr.buffer)
    busy, free = rules.availability(rules.Interval(lo, hi), sr, booked[space.id], closures[space.id])
    return lo, hi, busy, free


def nearest_free_times(space: Space, start: datetime, end: datetime, now: datetime | None = None, count: int = 3) -> list[rules.Interval]:
    """Free times as long as [start, end) nearest to it, on the requested day and the two days
    either side (for "this time is taken: these are free"). Start/end naive local or aware."""
    now = now or utcnow()
    tz = ZoneInfo(space.timezone)
    s, e = to_utc(start, tz, "start"), to_utc(end, tz, "end")
    if e <= s:
        return []
    lo = max(s - timedelta(days=2), now)
    hi = min(e + timedelta(days=2), now + timedelta(days=space.horizon_days))
    if hi <= lo:
        return []
    _lo, _hi, _busy, free = availability(space, lo, hi, now=now)
    return rules.nearest_free_slots(rules.Interval(s, e), free, tz, space.slot_minutes, count, earliest=now)


def other_free_spaces(space: Space, start: datetime, end: datetime, attendees: int, accessibility=(), equipment=(),
                      count: int = 3) -> list[Space]:
    """Other spaces free for all of [start, end) that fit: in the space's district, for at least
    `attendees` people, with the accessibility and equipment asked for (for "this time is taken: these
    spaces are free then"); another part of the same hall is one of them when it is free. A fixed
    number of queries (the free-window search)."""
    tz = ZoneInfo(space.timezone)
    s, e = to_utc(start, tz, "start"), to_utc(end, tz, "end")
    if e <= s or e - s > MAX_WINDOW:
        return []
    query = SpaceQuery(district=space.facility.district, min_capacity=attendees, accessibility=list(accessibility),
                       equipment=list(equipment), free_from=s, free_to=e)
    return [o for o in search_spaces(query) if o.id != space.id][:count]
