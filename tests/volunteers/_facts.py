"""Plain-value builders for the matching tests (no database): volunteers and shifts in Helsinki time."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from volunteers.rules import ShiftFacts, VolunteerFacts, Window

TZ = ZoneInfo("Europe/Helsinki")
TODAY = date(2027, 1, 1)
WINTER_TUESDAY = date(2027, 1, 12)
SUMMER_TUESDAY = date(2027, 6, 15)
EVERY_DAY = tuple(Window(d, 0, 1440) for d in range(7))


def at(day: date, hour: int, minute: int = 0) -> datetime:
    """A local wall-clock moment in Helsinki."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=TZ)


def shift(id: int = 1, day: date = WINTER_TUESDAY, start: tuple = (17, 0), minutes: int = 120, district: str = "Kallio",
          **kw) -> ShiftFacts:
    s = at(day, *start)
    return ShiftFacts(id=id, start=s, end=s + timedelta(minutes=minutes), district=district, **kw)


def volunteer(id: int = 1, **kw) -> VolunteerFacts:
    kw.setdefault("availability", EVERY_DAY)
    kw.setdefault("max_minutes_per_week", 6000)
    for name in ("skills", "tags", "languages", "districts"):
        if name in kw:
            kw[name] = frozenset(kw[name])
    kw["availability"] = tuple(w if isinstance(w, Window) else Window(*w) for w in kw["availability"])
    return VolunteerFacts(id=id, **kw)
