"""Use cases of the usage reports: load what the figures need in a few queries (never one per
space or booking), hand plain values to spaces.reports, and record no-shows.

The queries use the existing indexes: bookings by (space_id, start_at, ...) with a lower bound on
start_at (LOOKBACK, as in spaces.services), closures by (space_id, start_at, end_at), opening hours by
space. So no new index is needed for the reports.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import contains_eager, selectinload

from commons import audit, districts
from commons.auth import is_staff_of, staff_facility_ids
from commons.db import utcnow, write_transaction
from commons.codes import Said
from commons.errors import ApiError, Forbidden, Invalid
from commons.extensions import db
from commons.models import Facility, Group, User
from commons.timezone import site_tz
from spaces import reports, rules
from spaces.hooks import VOLUNTEER_FIGURES
from spaces.models import Booking, Space
from spaces.purposes import AGE_GROUPS, PURPOSES
from spaces.services import LOOKBACK, check_period, family_closures, get_booking, space_rules, to_utc

MAX_SPAN = timedelta(days=400)


@dataclass
class Row:
    figures: reports.Figures
    space: Space | None = None
    facility: Facility | None = None
    district: str = ""


@dataclass
class Report:
    start: datetime  # the window, in the default zone (as asked)
    end: datetime
    spaces: list[Row] = field(default_factory=list)
    facilities: list[Row] = field(default_factory=list)
    districts: list[Row] = field(default_factory=list)
    total: reports.Figures = field(default_factory=reports.Figures)
    buckets: reports.Buckets = field(default_factory=reports.Buckets)


def window(start: datetime | None, end: datetime | None) -> tuple[datetime, datetime]:
    """The asked window, validated: both ends, end after start, at most 400 days."""
    fields = {name: Said("missing") for name, value in (("from", start), ("to", end)) if value is None}
    if fields:
        raise Invalid(reason="report_period_required", fields=fields)
    tz = site_tz()
    lo, hi = to_utc(start, tz, "from"), to_utc(end, tz, "to")
    check_period(lo, hi, MAX_SPAN)
    return lo, hi


def visible_facility_ids(actor: User | None, facility_id: int | None = None) -> set[int] | None:
    """The facilities the actor may see figures of (None: all, for an administrator)."""
    if actor is None:
        raise Forbidden(reason="reports_sign_in")
    if facility_id is not None:
        if not is_staff_of(actor, facility_id):
            raise Forbidden(reason="reports_own_facilities")
        return {facility_id}
    if actor.is_admin:
        return None
    if actor.role != "staff":
        raise Forbidden(reason="reports_staff_only")
    return staff_facility_ids(actor)


def volunteer_figures(space_ids: list[int], lo: datetime, hi: datetime) -> dict[int, tuple[float, set[int]]]:
    """Volunteer minutes and the ids of the volunteers active, per space, in [lo, hi), from the
    sources registered in spaces.hooks.VOLUNTEER_FIGURES (volunteering: its attended shifts)."""
    out: dict[int, tuple[float, set[int]]] = {}
    if not space_ids:
        return out
    for source in VOLUNTEER_FIGURES:
        for sid, (minutes, people) in source(space_ids, lo, hi).items():
            before, ids = out.get(sid, (0.0, set()))
            out[sid] = (before + minutes, ids | people)
    return out


def usage_report(facility_ids: set[int] | None, start: datetime, end: datetime) -> Report:
    """Figures per space, facility and district (and all together) for [start, end).

    A time without an offset is wall-clock time in each space's zone. Four queries whatever the
    number of spaces or bookings: spaces with facilities, opening hours, closures, bookings.
    """
    tz = site_tz()
    lo_all, hi_all = window(start, end)
    report = Report(start=lo_all.astimezone(tz), end=hi_all.astimezone(tz))
    stmt = (
        select(Space)
        .join(Space.facility)
        .options(contains_eager(Space.facility), selectinload(Space.opening_hours))
        .order_by(Facility.district, Facility.name, Space.name, Space.id)
    )
    if facility_ids is not None:
        if not facility_ids:
            return report
        stmt = stmt.where(Space.facility_id.in_(facility_ids))
    spaces = list(db.session.execute(stmt).unique().scalars())
    if not spaces:
        return report
    ids = [s.id for s in spaces]
    windows = {
        s.id: rules.Interval(to_utc(start, ZoneInfo(s.timezone), "from"), to_utc(end, ZoneInfo(s.timezone), "to"))
        for s in spaces
    }
    lo = min(w.start for w in windows.values())
    hi = max(w.end for w in windows.values())

    # A closure of a hall closes its parts, and one of a part the hall (spaces.families); a booking counts
    # in the space booked only, so a facility's totals never count one booking twice.
    closures = family_closures(ids, lo, hi)
    facts: dict[int, list[reports.BookingFact]] = defaultdict(list)
    for sid, gid, kind, s, e, status, no_show, checked_in, purpose, ages in db.session.execute(
        select(Booking.space_id, Booking.group_id, Group.kind, Booking.start_at, Booking.end_at, Booking.status, Booking.no_show,
               Booking.checked_in_at.is_not(None), Booking.purpose, Booking.age_groups)
        .join(Group, Group.id == Booking.group_id)
        .where(
            Booking.space_id.in_(ids),
            Booking.status.in_(("confirmed", "cancelled", "released")),
            Booking.start_at < hi,
            Booking.start_at > lo - LOOKBACK,
            Booking.end_at > lo,
        )
    ):
        facts[sid].append(reports.BookingFact(s, e, status, gid, kind, no_show, bool(checked_in), purpose, tuple(ages or ())))
    volunteers = volunteer_figures(ids, lo, hi)

    by_facility: dict[int, Row] = {}
    by_district: dict[str, Row] = {}
    for space in spaces:
        sr = space_rules(space)
        win = windows[space.id]
        usage = reports.space_usage(win, sr, closures[space.id], facts[space.id])
        fig = usage.figures
        v_minutes, v_ids = volunteers.get(space.id, (0.0, set()))
        fig.volunteer_minutes, fig.volunteers = v_minutes, set(v_ids)
        report.buckets.add_space(usage.opened, usage.booked, sr.tz, usage.booked_open)
        report.buckets.add_weeks(win, sr.tz)
        report.buckets.add_hours_by_week(usage, sr.tz)
        district = space.facility.district
        report.spaces.append(Row(fig, space, space.facility, district))
        by_facility.setdefault(space.facility_id, Row(reports.Figures(), None, space.facility, district)).figures.add(fig)
        # one row per district, whichever language its facilities' district was written in (Kallio, Berghäll)
        key = districts.canonical(district)
        by_district.setdefault(key, Row(reports.Figures(), None, None, districts.finnish(district))).figures.add(fig)
        report.total.add(fig)
    report.facilities = list(by_facility.values())
    report.districts = sorted(by_district.values(), key=lambda r: districts.sort_key(r.district))
    return report


# --- Answers: the API, the CSV and the page show the same numbers from these -----------------------


def figures_out(fig: reports.Figures, min_groups: int = 0) -> dict:
    """The figures as the API gives them; `min_groups`: hours by purpose or age group behind fewer
    distinct groups are None (the open data's suppression)."""
    kinds = fig.kinds()
    return {
        "open_hours": reports.hours(fig.open_minutes),
        "booked_hours": reports.hours(fig.booked_minutes),
        "checked_in_hours": reports.hours(fig.checked_in_minutes),
        "released_hours": reports.hours(fig.released_minutes),
        "utilisation": reports.ratio(fig.booked_open_minutes, fig.open_minutes),
        "bookings": fig.bookings,
        "distinct_groups": fig.distinct_groups,
        "association_groups": kinds.get("association", 0),
        "resident_groups": kinds.get("resident_group", 0),
        "cancellations": fig.cancellations,
        "no_shows": fig.no_shows,
        "volunteer_hours": reports.hours(fig.volunteer_minutes),
        "volunteers_active": len(fig.volunteers),
        "hours_by_purpose": reports.hours_by(fig.purpose_minutes, fig.purpose_groups, min_groups),
        "hours_by_age_group": reports.hours_by(fig.age_group_minutes, fig.age_group_groups, min_groups),
    }


def report_out(report: Report) -> dict:
    return {
        "start": report.start.isoformat(),
        "end": report.end.isoformat(),
        "spaces": [
            {"space_id": r.space.id, "space": r.space.name, "facility_id": r.facility.id, "facility": r.facility.name,
             "district": r.district, **figures_out(r.figures)}
            for r in report.spaces
        ],
        "facilities": [
            {"facility_id": r.facility.id, "facility": r.facility.name, "district": r.district, **figures_out(r.figures)}
            for r in report.facilities
        ],
        "districts": [{"district": r.district, **figures_out(r.figures)} for r in report.districts],
        "total": figures_out(report.total),
        "heatmap": report.buckets.heatmap(),
        "weekly": report.buckets.weekly(),
    }


CSV_COLUMNS = (
    "space_id", "space", "facility_id", "facility", "district", "open_hours", "booked_hours", "utilisation", "bookings",
    "distinct_groups", "association_groups", "resident_groups", "cancellations", "no_shows", "volunteer_hours",
    "volunteers_active", "checked_in_hours", "released_hours",
    *(f"hours_purpose_{p}" for p in PURPOSES), *(f"hours_age_{a}" for a in AGE_GROUPS),
)


def report_csv(report: Report) -> str:
    """One row per space, the same numbers as the JSON. Text cells that a spreadsheet would take for
    a formula (=, +, -, @ first) are prefixed with an apostrophe."""
    import csv
    import io

    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in report_out(report)["spaces"]:
        for p in PURPOSES:
            row[f"hours_purpose_{p}"] = row["hours_by_purpose"].get(p, 0.0)
        for a in AGE_GROUPS:
            row[f"hours_age_{a}"] = row["hours_by_age_group"].get(a, 0.0)
        writer.writerow([_cell(row[c]) for c in CSV_COLUMNS])
    return buf.getvalue()


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def open_data_out(report: Report) -> dict:
    """Anonymous figures for the city's open data portal: no group, no person, no booking title.
    Counts of distinct groups (and their kinds) below OPEN_DATA_MIN_GROUPS are left out (null), so
    that a single group's use of a room cannot be told apart."""

    def anon(fig: reports.Figures) -> dict:
        out = figures_out(fig, reports.OPEN_DATA_MIN_GROUPS)
        if fig.distinct_groups < reports.OPEN_DATA_MIN_GROUPS:
            out["distinct_groups"] = out["association_groups"] = out["resident_groups"] = None
        return out

    return {
        "start": report.start.isoformat(),
        "end": report.end.isoformat(),
        "notes": (
            "Hours are real elapsed hours in the period [from, to). utilisation = booked hours inside opening hours "
            f"/ opening hours (minus closures); null when a space was not open. Group counts below "
            f"{reports.OPEN_DATA_MIN_GROUPS} are null so that no group can be identified, and so are the hours of a purpose or an "
            "age group behind fewer groups (hours_by_purpose: codes of /purposes, bookings stating none counted in no purpose; "
            "hours_by_age_group: codes of /age-groups, a booking for several counting in each). checked_in_hours: booked hours "
            "the group checked in to (where a space asks for check-in); released_hours: booked hours released because "
            "nobody checked in (counted as booked and as no-shows) or because a group did not confirm the rest of a series "
            "whose dates went unused twice in a row (counted as booked, not as no-shows)."
        ),
        "spaces": [
            {"space_id": r.space.id, "space": r.space.name, "facility": r.facility.name, "district": r.district, **anon(r.figures)}
            for r in report.spaces
        ],
        "districts": [{"district": r.district, **anon(r.figures)} for r in report.districts],
        "total": anon(report.total),
    }


OPEN_DATA_CACHE_SIZE = 64


def open_data(start: datetime | None, end: datetime | None, now: datetime | None = None) -> dict:
    """The open data of [start, end), remembered for OPEN_DATA_CACHE_SECONDS per worker process.

    The endpoint is public and a year's figures of a whole city cost the better part of a second
    of CPU (docs/reports.md "Reports"), so that anyone could keep the workers busy within the rate limit;
    figures for an open data portal can be a few minutes old. Invalid periods are never cached."""
    now = now or utcnow()
    window(start, end)  # 422 before anything else
    ttl = timedelta(seconds=current_app.config["OPEN_DATA_CACHE_SECONDS"])
    cache: dict = current_app.extensions.setdefault("commons.open_data_cache", {})
    key = (start.isoformat(), end.isoformat())
    hit = cache.get(key)
    if hit is not None and timedelta(0) <= now - hit[0] < ttl:
        return hit[1]
    out = open_data_out(usage_report(None, start, end))
    if ttl > timedelta(0):
        while len(cache) >= OPEN_DATA_CACHE_SIZE:
            cache.pop(next(iter(cache)))  # the oldest entry
        cache.pop(key, None)
        cache[key] = (now, out)
    return out


# --- No-shows ---------------------------------------------------------------------------------------


@write_transaction
def record_no_show(actor: User, booking_id: int, no_show: bool, now: datetime | None = None) -> Booking:
    """Staff of the facility record that a confirmed booking's group did not come (or, with False,
    that it did). Only for a booking that has started."""
    now = now or utcnow()
    booking = get_booking(actor, booking_id)
    if not is_staff_of(actor, booking.space.facility_id):
        raise Forbidden(reason="no_show_staff_only")
    if booking.status != "confirmed":
        raise ApiError(reason="no_show_not_confirmed", params={"status": booking.status}, code="state", status=422)
    if booking.start_at > now:
        raise ApiError(reason="no_show_not_started", code="state", status=422)
    audit.record(actor, "booking.no_show", booking.id, facility_id=booking.space.facility_id, group_id=booking.group_id,
                 details={"no_show_from": booking.no_show, "no_show_to": no_show, "start": audit.iso(booking.start_at)})
    booking.no_show = no_show
    db.session.flush()
    return booking


def recent_confirmed(facility_ids: set[int] | None, now: datetime | None = None, days: int = 14) -> list[Booking]:
    """Confirmed bookings of the facilities that started in the last `days` days (for the no-show buttons)."""
    from sqlalchemy.orm import joinedload

    now = now or utcnow()
    stmt = (
        select(Booking)
        .join(Booking.space)
        .options(joinedload(Booking.space).joinedload(Space.facility), joinedload(Booking.group))
        .where(Booking.status == "confirmed", Booking.start_at <= now, Booking.start_at > now - timedelta(days=days))
        .order_by(Booking.start_at.desc(), Booking.id)
        .limit(200)
    )
    if facility_ids is not None:
        if not facility_ids:
            return []
        stmt = stmt.where(Space.facility_id.in_(facility_ids))
    return list(db.session.execute(stmt).scalars())

