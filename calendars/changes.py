"""Keep each calendar's "changed at" stamp (calendars.models.CalendarChange) in step with the data.

Listens to the ORM, so every writer (spaces' use cases, bulk UPDATE/DELETE/INSERT statements, the
import here, whatever arrives later) bumps the stamps of the calendars it touches in the same
transaction, without hooks in the other packages: a booking changes its space's and its group's
calendars; a closure its space's; a space's or group's own row (a new name) its own.
"""
from __future__ import annotations

import secrets
from datetime import datetime, timezone

from sqlalchemy import event, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from calendars.models import CalendarChange


def clock() -> datetime:
    """Wall-clock time of a change (tests replace it; never the `now` a use case was given, which
    may be a simulated time)."""
    return datetime.now(timezone.utc)


PLACES = ("places", 0)  # every space and facility: their names and addresses are in every feed's LOCATION


def _scopes_of(obj) -> set[tuple[str, int]]:
    from commons.models import Facility, Group
    from spaces.models import Booking, Closure, Space

    if isinstance(obj, Booking):
        return {("space", obj.space_id), ("group", obj.group_id)}
    if isinstance(obj, Closure):
        return {("space", obj.space_id)}
    if isinstance(obj, Space):
        return {("space", obj.id), PLACES}
    if isinstance(obj, Facility):
        return {PLACES}
    if isinstance(obj, Group):
        return {("group", obj.id)}
    return set()


_UPSERTS: dict[str, object] = {}


def _upsert(dialect: str):
    """The stamp's upsert, built once per dialect (the rows are parameters): the stamp never goes
    backwards; the revision is always new (the feed cache's key)."""
    stmt = _UPSERTS.get(dialect)
    if stmt is None:
        table = CalendarChange.__table__
        if dialect == "postgresql":
            stmt = pg_insert(table)
            latest = func.greatest(table.c.changed_at, stmt.excluded.changed_at)
        else:
            stmt = sqlite_insert(table)
            latest = func.max(table.c.changed_at, stmt.excluded.changed_at)
        stmt = _UPSERTS[dialect] = stmt.on_conflict_do_update(
            index_elements=["scope", "scope_id"], set_={"changed_at": latest, "revision": stmt.excluded.revision}
        )
    return stmt


def touch(session: Session, scopes: set[tuple[str, int]]) -> None:
    """Bump the stamps (one statement, executed for each scope); a stamp never goes backwards."""
    scopes = {(s, i) for s, i in scopes if i is not None}
    if not scopes:
        return
    now = clock()
    conn = session.connection()
    spaces = sorted(i for s, i in scopes if s == "space")
    if spaces:  # a space's feed shows the time taken through its family (the hall, its parts): bump them all
        from spaces.services.common import FAMILY_IDS

        scopes |= {("space", f) for f in conn.execute(FAMILY_IDS, {"space_ids": spaces}).scalars()}
    rows = [{"scope": s, "scope_id": i, "changed_at": now, "revision": secrets.token_hex(12)} for s, i in sorted(scopes)]
    conn.execute(_upsert(conn.dialect.name), rows)


def _after_flush(session: Session, flush_context) -> None:
    scopes: set[tuple[str, int]] = set()
    for obj in list(session.new) + list(session.deleted):
        scopes |= _scopes_of(obj)
    for obj in session.dirty:
        if session.is_modified(obj, include_collections=False):
            scopes |= _scopes_of(obj)
    touch(session, scopes)


def _bulk(state) -> None:
    """UPDATE/DELETE/INSERT statements run through session.execute (e.g. a series cancelled in one
    UPDATE): find which calendars they touch and bump those too."""
    if not (state.is_update or state.is_delete or state.is_insert):
        return
    from spaces.models import Booking, Closure

    table = getattr(state.statement, "table", None)
    if table is None or table.name not in ("bookings", "closures", "spaces", "facilities", "groups"):
        return
    if table.name == "groups":  # a group's name is in its feed
        if not state.is_insert:
            from commons.models import Group

            where = state.statement.whereclause
            q = select(Group.id) if where is None else select(Group.id).where(where)
            touch(state.session, {("group", gid) for (gid,) in state.session.connection().execute(q)})
        return
    if table.name in ("spaces", "facilities"):  # a statement about places (rare): every feed may show them
        scopes = {PLACES}
        if table.name == "spaces" and not state.is_insert:
            from spaces.models import Space

            where = state.statement.whereclause
            q = select(Space.id) if where is None else select(Space.id).where(where)
            scopes |= {("space", sid) for (sid,) in state.session.connection().execute(q)}
        touch(state.session, scopes)
        return
    scopes: set[tuple[str, int]] = set()
    if state.is_insert:
        params = state.parameters
        rows = params if isinstance(params, list) else [params or {}]
        for row in rows:
            if "space_id" in row:
                scopes.add(("space", row["space_id"]))
            if table.name == "bookings" and "group_id" in row:
                scopes.add(("group", row["group_id"]))
    else:
        where = state.statement.whereclause
        if table.name == "bookings":
            q = select(Booking.space_id, Booking.group_id).distinct()
            q = q.where(where) if where is not None else q
            for sid, gid in state.session.connection().execute(q):
                scopes |= {("space", sid), ("group", gid)}
        else:
            q = select(Closure.space_id).distinct()
            q = q.where(where) if where is not None else q
            scopes |= {("space", sid) for (sid,) in state.session.connection().execute(q)}
    touch(state.session, scopes)


def register() -> None:
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)
        event.listen(Session, "do_orm_execute", _bulk)
