"""A volunteer's attended hours per year, and certificates of them: a volunteer makes one for a
year (the totals as they are then: name, period, hours, organisations), anyone with its code sees
those totals and nothing else about the person, until the volunteer withdraws it.

Codes are unguessable (secrets.token_urlsafe, 128 bits); the public lookups are rate limited per
address (volunteers.ratelimits.certificate_lookup), so the code space is no oracle."""
from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, timezone

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from commons.codes import Said
from commons.db import utcnow, write_transaction
from commons.errors import Invalid, NotFound
from commons.extensions import db
from commons.models import User
from commons.timezone import FIRST_YEAR, LAST_YEAR, site_tz, year_in_range
from volunteers.models import Activity, HoursCertificate, Shift, ShiftSignup
from volunteers.services.profiles import require_profile


@dataclass
class AttendedShift:
    signup_id: int
    shift_id: int
    activity: str
    organisation: str
    start: datetime
    end: datetime
    minutes: int


@dataclass
class YearHours:
    year: int
    minutes: int = 0
    shifts: list[AttendedShift] = field(default_factory=list)
    late_withdrawals: int = 0  # shifts left later than their activity allows

    @property
    def organisations(self) -> list[str]:
        return sorted({s.organisation for s in self.shifts if s.organisation})


def _check_year(year: int) -> None:
    if not isinstance(year, int) or isinstance(year, bool) or not year_in_range(year):
        params = {"first": FIRST_YEAR, "last": LAST_YEAR}
        raise Invalid(reason="certificate_year", params=params, fields={"year": Said("certificate_year", params)})


def year_bounds(year: int) -> tuple[datetime, datetime]:
    """[1 January 00:00, next 1 January 00:00) of a local year, in UTC."""
    tz = site_tz()
    return (datetime(year, 1, 1, tzinfo=tz).astimezone(timezone.utc), datetime(year + 1, 1, 1, tzinfo=tz).astimezone(timezone.utc))


def hours_of(profile_id: int, year: int) -> YearHours:
    """Shifts the organisers marked attended that started in the local year, with their minutes
    (the minutes recorded, else the shift's length)."""
    _check_year(year)
    lo, hi = year_bounds(year)
    rows = db.session.execute(
        select(ShiftSignup).where(ShiftSignup.volunteer_id == profile_id, ShiftSignup.attended.is_(True),
                                  ShiftSignup.start_at >= lo, ShiftSignup.start_at < hi)
        .options(joinedload(ShiftSignup.shift).joinedload(Shift.activity).joinedload(Activity.group),
                 joinedload(ShiftSignup.shift).joinedload(Shift.activity).joinedload(Activity.facility))
        .order_by(ShiftSignup.start_at, ShiftSignup.id)
    ).scalars().all()
    out = YearHours(year)
    for su in rows:
        a = su.shift.activity
        org = a.group.name if a.group is not None else (a.facility.name if a.facility is not None else "")
        length = int((su.end_at - su.start_at).total_seconds() // 60)
        minutes = su.minutes_worked if su.minutes_worked is not None else length
        out.shifts.append(AttendedShift(su.id, su.shift_id, a.title, org, su.start_at, su.end_at, minutes))
        out.minutes += minutes
    out.late_withdrawals = db.session.execute(
        select(func.count()).select_from(ShiftSignup).where(
            ShiftSignup.volunteer_id == profile_id, ShiftSignup.late_withdrawal_at.is_not(None),
            ShiftSignup.start_at >= lo, ShiftSignup.start_at < hi)
    ).scalar_one()
    return out


def my_hours(user: User, year: int) -> YearHours:
    return hours_of(require_profile(user).id, year)


def new_code() -> str:
    return secrets.token_urlsafe(16)


@write_transaction
def make_certificate(user: User, year: int, now: datetime | None = None) -> HoursCertificate:
    """A certificate of the year's attended hours, as they are now."""
    now = now or utcnow()
    profile = require_profile(user)
    h = hours_of(profile.id, year)
    tz = site_tz()
    first = h.shifts[0].start.astimezone(tz).date() if h.shifts else date(year, 1, 1)
    last = h.shifts[-1].end.astimezone(tz).date() if h.shifts else date(year, 12, 31)
    cert = HoursCertificate(volunteer_id=profile.id, code=new_code(), year=year, name=user.name, period_start=first,
                            period_end=last, minutes=h.minutes, shifts=len(h.shifts), organisations=h.organisations,
                            created_at=now)
    db.session.add(cert)
    db.session.flush()
    return cert


def my_certificates(user: User) -> list[HoursCertificate]:
    profile = require_profile(user)
    return list(db.session.execute(
        select(HoursCertificate).where(HoursCertificate.volunteer_id == profile.id).order_by(HoursCertificate.created_at.desc(), HoursCertificate.id.desc())
    ).scalars())


@write_transaction
def withdraw_certificate(user: User, code: str) -> None:
    profile = require_profile(user)
    cert = db.session.execute(select(HoursCertificate).where(HoursCertificate.code == code)).scalar_one_or_none()
    if cert is None or cert.volunteer_id != profile.id:
        raise NotFound(reason="certificate_not_found")
    db.session.delete(cert)
    db.session.flush()


def find_certificate(code: str) -> HoursCertificate:
    """For anyone with the code; NotFound when there is none (or it was withdrawn)."""
    if not code or len(code) > 40:
        raise NotFound(reason="certificate_not_found")
    cert = db.session.execute(select(HoursCertificate).where(HoursCertificate.code == code)).scalar_one_or_none()
    if cert is None:
        raise NotFound(reason="certificate_not_found")
    return cert
