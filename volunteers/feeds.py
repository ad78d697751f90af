"""A volunteer's personal calendar feeds, at secret links (calendars.services.register_feed_kind):

- "volunteer_shifts": the shifts I hold a place on (a cancelled one stays as STATUS:CANCELLED;
  one I left is removed), UID shift-<id>@<domain>, SEQUENCE = the shift's sequence (grows on
  every change of time or status);
- "volunteer_matches": open shifts that match me now, best first (UID open-shift-<id>@<domain>,
  so a calendar subscribed to both never mixes them up).

Last-Modified comes from the change stamps in calendars.changes (scope "volunteer" per profile
and "shifts" for every shift), ETag and 304 from calendars.views like every other feed.
"""
from __future__ import annotations

from datetime import datetime, timezone

from flask_babel import force_locale, gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from calendars import ics
from calendars.models import CalendarChange
from calendars.services import Feed, FeedKind, calendar_domain, register_feed_kind, window
from commons.extensions import db
from commons.models import User
from commons.timezone import site_tz
from volunteers.models import Activity, Shift, ShiftSignup, VolunteerProfile

OLDEST = datetime(2000, 1, 1, tzinfo=timezone.utc)


def _stamp(*scopes: tuple[str, int]) -> datetime | None:
    values = [
        db.session.execute(select(CalendarChange.changed_at).where(CalendarChange.scope == s, CalendarChange.scope_id == i)).scalar_one_or_none()
        for s, i in scopes
    ]
    values = [v for v in values if v is not None]
    return max(values) if values else None


def _event(uid: str, shift: Shift, activity: Activity, status: str, description: str, years, tzid: str) -> list[str]:
    stamp = max(shift.updated_at, activity.updated_at)
    lines = [
        "BEGIN:VEVENT",
        ics.prop("UID", uid),
        ics.prop("DTSTART", years.local(shift.start_at, tzid), TZID=tzid),
        ics.prop("DTEND", years.local(shift.end_at, tzid), TZID=tzid),
        ics.prop("DTSTAMP", ics.utc_stamp(stamp)),
        ics.prop("CREATED", ics.utc_stamp(shift.created_at)),
        ics.prop("LAST-MODIFIED", ics.utc_stamp(stamp)),
        ics.prop("SEQUENCE", str(shift.sequence)),
        ics.text_prop("SUMMARY", activity.title),
    ]
    if activity.place or activity.district:
        lines.append(ics.text_prop("LOCATION", activity.place or activity.district))
    if description:
        lines.append(ics.text_prop("DESCRIPTION", description))
    lines += [ics.prop("STATUS", status), ics.prop("TRANSP", "OPAQUE"), "END:VEVENT"]
    return lines


def _calendar(name: str, description: str, events: list[tuple[datetime, str, Shift, Activity, str, str]]) -> bytes:
    tzid = site_tz().key
    years = ics.Years()
    body: list[str] = []
    for _start, uid, shift, activity, status, text in sorted(events, key=lambda e: (e[0], e[1])):
        body += _event(uid, shift, activity, status, text, years, tzid)
    head = [
        "BEGIN:VCALENDAR",
        ics.prop("VERSION", "2.0"),
        ics.prop("PRODID", ics.PRODID),
        ics.prop("CALSCALE", "GREGORIAN"),
        ics.prop("METHOD", "PUBLISH"),
        ics.text_prop("NAME", name),
        ics.text_prop("X-WR-CALNAME", name),
        ics.text_prop("DESCRIPTION", description),
        ics.text_prop("X-WR-CALDESC", description),
        ics.prop("X-WR-TIMEZONE", tzid),
        ics.prop("REFRESH-INTERVAL", "PT1H", VALUE="DURATION"),
        ics.prop("X-PUBLISHED-TTL", "PT1H"),
    ]
    zones: list[str] = []
    for z in sorted(years.by_tz):
        ys = years.by_tz[z]
        zones += ics.vtimezone(z, min(ys), max(ys))
    return ("\r\n".join(head + zones + body + ["END:VCALENDAR"]) + "\r\n").encode("utf-8")


def _profile_id(user: User) -> int | None:
    return db.session.execute(select(VolunteerProfile.id).where(VolunteerProfile.user_id == user.id)).scalar_one_or_none()


def _subjects_shifts(user: User) -> list[tuple[int | None, str]]:
    return [(None, _("My volunteer shifts"))] if _profile_id(user) is not None else []


def _subjects_matches(user: User) -> list[tuple[int | None, str]]:
    return [(None, _("Volunteer shifts that match me"))] if _profile_id(user) is not None else []


def shifts_feed(user: User, _group_id, lang: str, now: datetime) -> Feed | None:
    pid = _profile_id(user)
    if pid is None:
        return None
    lo, hi = window(now)
    rows = list(db.session.execute(
        select(ShiftSignup).where(ShiftSignup.volunteer_id == pid, ShiftSignup.status.in_(("confirmed", "cancelled")),
                                  ShiftSignup.start_at < hi, ShiftSignup.end_at > lo)
        .options(joinedload(ShiftSignup.shift).joinedload(Shift.activity).joinedload(Activity.group))
    ).scalars())
    domain = calendar_domain()
    with force_locale(lang):
        events = []
        for su in rows:
            shift, activity = su.shift, su.shift.activity
            cancelled = shift.status == "cancelled" or su.status == "cancelled"
            who = activity.group.name if activity.group is not None else ""
            text = "\n".join(t for t in (activity.description, _("Organiser: %(name)s", name=who) if who else "") if t)
            events.append((shift.start_at, f"shift-{shift.id}@{domain}", shift, activity, "CANCELLED" if cancelled else "CONFIRMED", text))
        name = _("My volunteer shifts")
        body = _calendar(name, _("The shifts you signed up for. This link is private."), events)
    moments = [max(su.updated_at, su.shift.updated_at) for su in rows]
    stamp = _stamp(("volunteer", pid), ("shifts", 0)) or max(moments, default=OLDEST)
    return Feed(body, min(stamp, max(now, datetime.now(timezone.utc))), name)


def matches_feed(user: User, _group_id, lang: str, now: datetime) -> Feed | None:
    from volunteers import services

    pid = _profile_id(user)
    if pid is None:
        return None
    matches = services.matches_for(user, limit=50, now=now)
    domain = calendar_domain()
    with force_locale(lang):
        from volunteers.reasons import describe, later_week

        events = []
        for view, m in matches:
            week = later_week(view.shift.start_at, now)
            text = "\n".join(describe(r, week=week) for r in m.reasons)
            events.append((view.shift.start_at, f"open-shift-{view.shift.id}@{domain}", view.shift, view.activity, "TENTATIVE", text))
        name = _("Volunteer shifts that match me")
        body = _calendar(name, _("Open volunteer shifts that match your profile. Sign up on the website."), events)
    stamp = _stamp(("volunteer", pid), ("shifts", 0)) or OLDEST
    return Feed(body, min(stamp, max(now, datetime.now(timezone.utc))), name)


def register() -> None:
    register_feed_kind(FeedKind("volunteer_shifts", _subjects_shifts, shifts_feed))
    register_feed_kind(FeedKind("volunteer_matches", _subjects_matches, matches_feed))
