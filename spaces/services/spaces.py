"""Spaces: creating and changing one (its rules, opening hours and features; staff of its facility),
and searching them (with a window, only those free for all of it)."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import exists, select
from sqlalchemy.orm import contains_eager, selectinload

from commons import audit, districts
from commons.codes import Said
from commons.db import same_district, utcnow, write_transaction
from commons.errors import Invalid
from commons.extensions import db
from commons.models import Facility, User
from commons.schemas import hhmm_to_minute
from commons.services import get_facility
from commons.timezone import site_tz
from spaces import rules
from spaces.models import OpeningHours, Space, SpaceFeature
from spaces.schemas import SpaceIn, SpacePatch
from spaces.services.families import set_part_of
from spaces.services.common import MAX_WINDOW, check_period, get_space, load_busy, require_staff, space_rules, to_utc


def _set_opening_hours(space: Space, hours) -> None:
    spans: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for h in hours:
        o, c = hhmm_to_minute(h.opens), hhmm_to_minute(h.closes)
        for po, pc in spans[h.weekday]:
            if o < pc and po < o + (c - o):
                params = {"weekday": h.weekday}
                raise Invalid(reason="opening_hours_overlap", params=params,
                              fields={"opening_hours": Said("opening_hours_overlap", params)})
        spans[h.weekday].append((o, c))
    space.opening_hours = [
        OpeningHours(weekday=d, opens_minute=o, closes_minute=c) for d, lst in sorted(spans.items()) for o, c in sorted(lst)
    ]


def _set_features(space: Space, accessibility: list[str] | None, equipment: list[str] | None) -> None:
    keep = [f for f in space.features if (f.kind == "accessibility" and accessibility is None) or (f.kind == "equipment" and equipment is None)]
    # rows that stay are reused: a new row beside a deleted one with the same code breaks the unique key
    existing = {(f.kind, f.code): f for f in space.features}
    wanted = [("accessibility", c) for c in sorted(set(accessibility or []))]
    wanted += [("equipment", c) for c in sorted({c.lower() for c in (equipment or [])})]
    new = [existing.get((k, c)) or SpaceFeature(kind=k, code=c) for k, c in wanted]
    space.features = keep + new


@write_transaction
def create_space(actor: User, data: SpaceIn) -> Space:
    facility = get_facility(data.facility_id)
    require_staff(actor, facility.id)
    r = data.rules
    space = Space(
        facility_id=facility.id,
        name=data.name,
        description=data.description,
        capacity=data.capacity,
        timezone=site_tz().key,
        buffer_minutes=r.buffer_minutes,
        min_minutes=r.min_minutes,
        max_minutes=r.max_minutes,
        slot_minutes=r.slot_minutes,
        horizon_days=r.horizon_days,
        weekly_quota_minutes=r.weekly_quota_minutes,
        requires_approval=r.requires_approval,
        check_in_required=r.check_in_required,
        check_in_grace_minutes=r.check_in_grace_minutes,
        offer_hours=r.offer_hours,
    )
    space.features = []
    space.opening_hours = []
    _set_opening_hours(space, data.opening_hours)
    _set_features(space, data.accessibility, data.equipment)
    db.session.add(space)
    db.session.flush()
    if data.part_of is not None:
        set_part_of(space, data.part_of, utcnow())
    audit.record(actor, "space.create", space.id, facility_id=facility.id, details={"requires_approval": space.requires_approval})
    return space


@write_transaction
def update_space(actor: User, space_id: int, patch: SpacePatch) -> Space:
    space = get_space(space_id)
    require_staff(actor, space.facility_id)
    for name in ("name", "description", "capacity"):
        value = getattr(patch, name)
        if value is not None:
            setattr(space, name, value)
    if patch.rules is not None:
        for name, value in patch.rules.model_dump(exclude_unset=True).items():
            if name == "weekly_quota_minutes" and value == 0:
                value = None
            if value is None and name != "weekly_quota_minutes":
                continue
            setattr(space, name, value)
        if space.max_minutes < space.min_minutes:
            raise Invalid(reason="max_below_min", fields={"rules.max_minutes": Said("max_below_min")})
    if patch.opening_hours is not None:
        _set_opening_hours(space, patch.opening_hours)
    if patch.accessibility is not None or patch.equipment is not None:
        _set_features(space, patch.accessibility, patch.equipment)
    db.session.flush()
    if "part_of" in patch.model_fields_set:
        set_part_of(space, patch.part_of, utcnow())
    changed = sorted(patch.model_dump(exclude_unset=True))
    audit.record(actor, "space.update", space.id, facility_id=space.facility_id, details={"changed": changed})
    return space


def search_spaces(q, now: datetime | None = None) -> list[Space]:
    """Spaces matching the filters; with free_from/free_to only those free for the whole window.
    A fixed number of queries, whatever the number of spaces or bookings."""
    stmt = (
        select(Space)
        .join(Space.facility)
        .options(contains_eager(Space.facility), selectinload(Space.opening_hours), selectinload(Space.features),
                 selectinload(Space.parts))
        .order_by(Facility.district, Facility.name, Space.name)
    )
    if q.district:
        stmt = stmt.where(same_district(Facility.district, q.district))
    if q.min_capacity:
        stmt = stmt.where(Space.capacity >= q.min_capacity)
    if q.facility_id:
        stmt = stmt.where(Space.facility_id == q.facility_id)
    for kind, codes in (("accessibility", q.accessibility), ("equipment", [c.lower() for c in q.equipment])):
        for code in codes:
            stmt = stmt.where(
                exists().where(SpaceFeature.space_id == Space.id, SpaceFeature.kind == kind, SpaceFeature.code == code)
            )
    spaces = list(db.session.execute(stmt).unique().scalars())
    if q.free_from is None or not spaces:
        return spaces
    tz = site_tz()
    lo, hi = to_utc(q.free_from, tz, "free_from"), to_utc(q.free_to, tz, "free_to")
    check_period(lo, hi, MAX_WINDOW, "free_to")
    ids = [s.id for s in spaces]
    booked, closures = load_busy(ids, lo, hi, margin=timedelta(minutes=240))
    window = rules.Interval(lo, hi)
    return [s for s in spaces if rules.is_free(window, space_rules(s), booked[s.id], closures[s.id])]


@dataclass
class Instead:
    """What an empty search could ask instead: districts where spaces fit (those next to the searched
    district first) as (Finnish name, how many spaces), and the largest size spaces fit for."""
    districts: list[tuple[str, int]] = field(default_factory=list)
    capacity: int | None = None


def search_instead(q, limit: int = 4) -> Instead:
    """For a search that found nothing: the same search in other districts, and with a smaller size
    (two searches at most, each a fixed number of queries)."""
    out = Instead()
    if q.district:
        found: dict[str, int] = defaultdict(int)
        for s in search_spaces(q.model_copy(update={"district": None})):
            found[districts.finnish(s.facility.district)] += 1
        near = [d for d in districts.neighbours(q.district) if d in found]
        rest = sorted((d for d in found if d not in near and not districts.same(d, q.district)), key=lambda d: (-found[d], districts.sort_key(d)))
        out.districts = [(d, found[d]) for d in (near + rest)[:limit]]
    if q.min_capacity and q.min_capacity > 1:
        smaller = [s.capacity for s in search_spaces(q.model_copy(update={"min_capacity": None})) if s.capacity < q.min_capacity]
        out.capacity = max(smaller) if smaller else None
    return out
