"""The site's time zone and the local calendar: ISO weeks and local days as instants.

Times are stored in UTC and computed in a zone: a space's own (`Space.timezone`) or the site's
(`TIMEZONE`, Europe/Helsinki by default). Every package takes the site's zone from `site_tz()`
and its weeks and days from here, so that a week or a day means the same on every page, in every
report and in every rule. Pure functions except `site_tz`, which reads the app's settings.
"""
from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")


#: The years a date given to Commons may have (the API, the forms, the week links, the audit filters).
FIRST_YEAR, LAST_YEAR = 2000, 2200


def year_in_range(year: int) -> bool:
    return FIRST_YEAR <= year <= LAST_YEAR


def site_tz() -> ZoneInfo:
    """The site's time zone (the TIMEZONE setting): local days and weeks of reports, the audit log,
    volunteering, and the zone new spaces get."""
    from flask import current_app

    return ZoneInfo(current_app.config["TIMEZONE"])


def iso_week(moment: datetime, tz: ZoneInfo) -> tuple[int, int]:
    """The local ISO week (year, week) of an instant."""
    year, week, _ = moment.astimezone(tz).isocalendar()
    return (year, week)


def week_bounds(year: int, week: int, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The ISO week as instants: local Monday 00:00 to the next local Monday 00:00 (aware, in `tz`)."""
    monday = date.fromisocalendar(year, week, 1)
    return datetime.combine(monday, time(0), tzinfo=tz), datetime.combine(monday + timedelta(days=7), time(0), tzinfo=tz)


def day_bounds(day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """A local day [00:00, next 00:00) as UTC instants (23 or 25 hours at the clock changes)."""
    start = datetime.combine(day, time(0), tzinfo=tz).astimezone(timezone.utc)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz).astimezone(timezone.utc)
    return start, end


def week_param(year: int, week: int) -> str:
    """A week as pages write it in links: 2027-W05."""
    return f"{year:04d}-W{week:02d}"


def parse_week(text: str | None) -> tuple[int, int] | None:
    """(year, week) of a week written as 2027-W05 (years 2000-2200); None when the text is not a week."""
    m = _WEEK.match((text or "").strip())
    if not m:
        return None
    year, week = int(m.group(1)), int(m.group(2))
    if not year_in_range(year):
        return None
    try:
        date.fromisocalendar(year, week, 1)
    except ValueError:
        return None
    return year, week


def shift_week(year: int, week: int, weeks: int) -> tuple[int, int]:
    """The ISO week `weeks` weeks after (or before, when negative) the given one."""
    monday = date.fromisocalendar(year, week, 1) + timedelta(days=7 * weeks)
    y, w, _ = monday.isocalendar()
    return (y, w)
