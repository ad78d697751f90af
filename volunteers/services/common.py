"""What the volunteers' use cases share: the lists a shift is on, a shift as lists show it, reading
an activity or a shift, parsing a request's data, and the change stamps behind the feeds."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from calendars import changes
from commons.apispec import invalid
from commons.errors import NotFound
from commons.extensions import db
import volunteers.messages  # noqa: F401  (the words of the codes said here)
from volunteers.models import Activity, Shift, ShiftSignup

# Sign-ups that are on a shift's list for its organisers (in this order), and those a person still has.
LISTED = ("confirmed", "waitlisted", "invited")


@dataclass
class ShiftView:
    """A shift as lists show it: with its activity and counts (never names)."""

    shift: Shift
    activity: Activity
    confirmed: int = 0
    waitlisted: int = 0
    district: str = ""
    place: str = ""

    @property
    def open_places(self) -> int:
        return max(0, self.shift.needed - self.confirmed)


def parse(model: type[BaseModel], data):
    if isinstance(data, model):
        return data
    if isinstance(data, BaseModel):
        data = data.model_dump(by_alias=True, exclude_unset=True)
    try:
        return model.model_validate(data or {})
    except ValidationError as exc:
        raise invalid(exc) from None


def local_today(now: datetime, tz: ZoneInfo) -> date:
    return now.astimezone(tz).date()


def touch(profile_ids=(), shifts: bool = True) -> None:
    """Bump the change stamps behind the volunteer feeds' Last-Modified (calendars.changes)."""
    scopes = {("volunteer", pid) for pid in profile_ids if pid is not None}
    if shifts:
        scopes.add(("shifts", 0))
    changes.touch(db.session(), scopes)


def get_activity(activity_id: int) -> Activity:
    """Any activity (public: title, place, counts). NotFound if none."""
    activity = db.session.execute(
        select(Activity).where(Activity.id == activity_id).options(joinedload(Activity.group), joinedload(Activity.facility))
    ).scalar_one_or_none()
    if activity is None:
        raise NotFound(reason="activity_not_found", params={"activity_id": activity_id})
    return activity


def _counts(shift_ids: list[int]) -> dict[int, dict[str, int]]:
    out: dict[int, dict[str, int]] = defaultdict(lambda: {"confirmed": 0, "waitlisted": 0})
    if shift_ids:
        for sid, status, n in db.session.execute(
            select(ShiftSignup.shift_id, ShiftSignup.status, func.count())
            .where(ShiftSignup.shift_id.in_(shift_ids), ShiftSignup.status.in_(("confirmed", "waitlisted")))
            .group_by(ShiftSignup.shift_id, ShiftSignup.status)
        ):
            out[sid][status] = n
    return out


def shift_views(shifts: list[Shift]) -> list[ShiftView]:
    counts = _counts([s.id for s in shifts])
    return [
        ShiftView(s, s.activity, counts[s.id]["confirmed"], counts[s.id]["waitlisted"], s.activity.district, s.activity.place)
        for s in shifts
    ]


def get_shift(shift_id: int, lock: bool = False) -> Shift:
    stmt = select(Shift).where(Shift.id == shift_id)
    if lock:
        stmt = stmt.with_for_update()
    shift = db.session.execute(stmt).scalar_one_or_none()
    if shift is None:
        raise NotFound(reason="shift_not_found", params={"shift_id": shift_id})
    return shift


def get_shift_view(shift_id: int) -> ShiftView:
    shift = db.session.execute(
        select(Shift).where(Shift.id == shift_id).options(joinedload(Shift.activity).joinedload(Activity.group))
    ).scalar_one_or_none()
    if shift is None:
        raise NotFound(reason="shift_not_found", params={"shift_id": shift_id})
    return shift_views([shift])[0]
