"""The audit log: who among staff and administrators did what to bookings, groups, facilities and
to who may do what.

`record()` is called by the use cases (commons.services, spaces.services, calendars.services,
spaces.report_services) inside their own transaction, before they commit: a refused or rolled-back
action leaves no event, and no event exists without its action. Only staff and administrator
actions are recorded; a representative acting for their own group is not.

The details are facts about the object (times, statuses, counts, ids), never names, e-mail
addresses or free text, so the log holds no personal data beyond the actor's and the subject's
account ids, which become NULL when that account is erased.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import delete, func, select, update

from commons.db import utcnow, write_transaction
from commons.codes import Said
from commons.errors import Forbidden, Invalid
from commons.extensions import db
from commons.models import AuditEvent, Facility, Group, User
from commons.timezone import day_bounds, site_tz, year_in_range

# Every action the log records, and what it is about (object_type).
ACTIONS: dict[str, str] = {
    "booking.create_on_behalf": "booking",
    "booking.create_for_contact": "booking",  # for a person at the counter (the contact is not in the log)
    "booking.contact_erase": "booking",
    "booking.approve": "booking",
    "booking.reject": "booking",
    "booking.cancel": "booking",
    "booking.move": "booking",
    "booking.no_show": "booking",
    "booking.check_in": "booking",  # by the facility's staff at the counter (a group checking itself in is not logged)
    "closure.create": "closure",
    "closure.delete": "closure",
    "closure.import": "space",
    "space.create": "space",
    "space.update": "space",
    "group.verify": "group",
    "group.member_add": "group",
    "facility.create": "facility",
    "staff.assign": "facility",
    "staff.remove": "facility",
    "user.role": "user",
    "credential.record": "credential",
    "credential.remove": "credential",
    # a person's own account (actor_role "self"): the links mailed to their address
    "user.password_reset": "user",
    "user.email_verify": "user",
    "user.email_change": "user",
    "user.oidc_link": "user",  # the account linked to the person's identity at the city's service
}
PAGE_SIZE = 50


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def record(
    actor: User | None,
    action: str,
    object_id: int | None,
    *,
    facility_id: int | None = None,
    group_id: int | None = None,
    subject_id: int | None = None,
    details: dict | None = None,
    role: str | None = None,
) -> AuditEvent:
    """Add one event to the current transaction (the caller's use case commits it or rolls it back)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action}")
    event = AuditEvent(
        at=utcnow(),
        actor_id=actor.id if actor is not None else None,
        actor_role=role or (actor.role if actor is not None else "cli"),
        action=action,
        object_type=ACTIONS[action],
        object_id=object_id,
        facility_id=facility_id,
        group_id=group_id,
        subject_id=subject_id,
        details=details or {},
    )
    db.session.add(event)
    return event


# --- Reading ---------------------------------------------------------------------------------------


@dataclass
class AuditFilter:
    actor_id: int | None = None
    action: str | None = None
    facility_id: int | None = None
    group_id: int | None = None
    since: datetime | None = None  # at >= since
    until: datetime | None = None  # at < until


def day_range(since: date | None, until: date | None) -> tuple[datetime | None, datetime | None]:
    """Local days [since, until] (both included) as UTC instants [lo, hi)."""
    tz = site_tz()
    for name, day in (("from", since), ("to", until)):
        if day is not None and not year_in_range(day.year):
            raise Invalid(reason="year_out_of_range", fields={name: Said("year_out_of_range")})
    lo = day_bounds(since, tz)[0] if since else None
    hi = day_bounds(until, tz)[1] if until else None
    if lo is not None and hi is not None and hi <= lo:
        raise Invalid(reason="last_day_before_first", fields={"to": Said("last_day_before_first")})
    return lo, hi


def make_filter(actor_id=None, action=None, facility_id=None, group_id=None, since: date | None = None, until: date | None = None) -> AuditFilter:
    if action and action not in ACTIONS:
        params = {"action": action[:40], "known": list(ACTIONS)}
        raise Invalid(reason="unknown_audit_action", params=params, fields={"action": Said("unknown_audit_action", params)})
    lo, hi = day_range(since, until)
    return AuditFilter(actor_id=actor_id, action=action or None, facility_id=facility_id, group_id=group_id, since=lo, until=hi)


def visible_facility_ids(actor: User) -> set[int] | None:
    """None: every event (an administrator); staff: the events of their facilities; others: refused."""
    if actor.is_admin:
        return None
    if actor.role == "staff":
        from commons.auth import staff_facility_ids

        return staff_facility_ids(actor)
    raise Forbidden(reason="audit_log_forbidden")


def _filtered(actor: User, f: AuditFilter):
    ids = visible_facility_ids(actor)
    stmt = select(AuditEvent)
    if ids is not None:
        stmt = stmt.where(AuditEvent.facility_id.in_(ids or [-1]))
    if f.actor_id is not None:
        stmt = stmt.where(AuditEvent.actor_id == f.actor_id)
    if f.action:
        stmt = stmt.where(AuditEvent.action == f.action)
    if f.facility_id is not None:
        stmt = stmt.where(AuditEvent.facility_id == f.facility_id)
    if f.group_id is not None:
        stmt = stmt.where(AuditEvent.group_id == f.group_id)
    if f.since is not None:
        stmt = stmt.where(AuditEvent.at >= f.since)
    if f.until is not None:
        stmt = stmt.where(AuditEvent.at < f.until)
    return stmt


def list_events(actor: User, f: AuditFilter, limit: int = PAGE_SIZE, offset: int = 0) -> list[AuditEvent]:
    """Newest first; one query (plus none for the actors: the page loads their names in one more)."""
    stmt = _filtered(actor, f).order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(limit).offset(offset)
    return list(db.session.execute(stmt).scalars())


def count_events(actor: User, f: AuditFilter) -> int:
    stmt = _filtered(actor, f).with_only_columns(func.count(AuditEvent.id)).order_by(None)
    return db.session.execute(stmt).scalar_one()


def actor_names(events: list[AuditEvent]) -> dict[int, str]:
    """The names of the events' actors (staff and administrators, shown to administrators and staff only)."""
    ids = {e.actor_id for e in events if e.actor_id is not None}
    if not ids:
        return {}
    return dict(db.session.execute(select(User.id, User.name).where(User.id.in_(ids))).all())


def actors_for_filter(actor: User) -> list[tuple[int, str]]:
    """The people who appear as actors in the events the viewer may see, by name (for the filter)."""
    ids = visible_facility_ids(actor)
    sub = select(AuditEvent.actor_id).where(AuditEvent.actor_id.is_not(None))
    if ids is not None:
        sub = sub.where(AuditEvent.facility_id.in_(ids or [-1]))
    return [(i, n) for i, n in db.session.execute(select(User.id, User.name).where(User.id.in_(sub.distinct())).order_by(func.lower(User.name)))]


def facilities_for_filter(visible: set[int] | None) -> dict[int, str]:
    """The facilities the viewer may see events of (`visible_facility_ids`), id -> name, by name."""
    stmt = select(Facility.id, Facility.name).order_by(Facility.name)
    if visible is not None:
        stmt = stmt.where(Facility.id.in_(visible or [-1]))
    return dict(db.session.execute(stmt).all())


def groups_for_filter(visible: set[int] | None) -> dict[int, str]:
    """The groups that appear in the events the viewer may see, id -> name, by name."""
    group_ids = select(AuditEvent.group_id).where(AuditEvent.group_id.is_not(None))
    if visible is not None:
        group_ids = group_ids.where(AuditEvent.facility_id.in_(visible or [-1]))
    return dict(db.session.execute(select(Group.id, Group.name).where(Group.id.in_(group_ids.distinct())).order_by(Group.name)).all())


def event_dict(e: AuditEvent) -> dict:
    return {
        "id": e.id,
        "at": iso(e.at),
        "actor_id": e.actor_id,
        "actor_role": e.actor_role,
        "action": e.action,
        "object_type": e.object_type,
        "object_id": e.object_id,
        "facility_id": e.facility_id,
        "group_id": e.group_id,
        "subject_id": e.subject_id,
        "details": e.details or {},
    }


# --- Personal data and retention -----------------------------------------------------------------------


def export_audit(user: User) -> dict:
    """For GET /me/export: the actions the person took as staff or administrator, and those about them."""
    acted = db.session.execute(
        select(AuditEvent).where(AuditEvent.actor_id == user.id).order_by(AuditEvent.at, AuditEvent.id)
    ).scalars()
    about = db.session.execute(
        select(AuditEvent).where(AuditEvent.subject_id == user.id).order_by(AuditEvent.at, AuditEvent.id)
    ).scalars()
    return {"audit_actions": [event_dict(e) for e in acted], "audit_about_me": [event_dict(e) for e in about]}


def forget_person(user: User) -> None:
    """Account erasure (inside erase_account): the events stay, but no longer point at the account.
    actor_id and subject_id become NULL by their foreign keys (ON DELETE SET NULL); an event whose
    object is the account itself (user.role) loses the object's id here."""
    db.session.execute(
        update(AuditEvent)
        .where(AuditEvent.object_type == "user", AuditEvent.object_id == user.id)
        .values(object_id=None)
        .execution_options(synchronize_session=False)
    )


@write_transaction
def purge_old_events(now: datetime) -> str:
    """Retention task: delete events older than AUDIT_RETENTION_DAYS."""
    days = current_app.config["AUDIT_RETENTION_DAYS"]
    cutoff = now - timedelta(days=days)
    n = db.session.execute(
        delete(AuditEvent).where(AuditEvent.at < cutoff).execution_options(synchronize_session=False)
    ).rowcount
    return f"deleted {n} audit event(s) older than {days} days"
