"""Spaces made of parts, where the database is read and locked: the family map, the lock that makes
every booking use case of a family wait for the others, and changing what a space is part of (refused
when it would make a cycle or put existing bookings over each other; on PostgreSQL the claims of the
bookings it touches are rebuilt in the same transaction). The rules themselves are spaces.families."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, select, text

from commons.codes import Said
from commons.db import advisory_lock
from commons.errors import Invalid
from commons.extensions import db
from spaces import families
from spaces.models import ACTIVE_STATUSES, Booking, Space
from spaces.services.common import ADVISORY_SPACE

# The top of a space's family, in one statement (depth-limited: a cycle, refused on write, cannot loop).
_ROOTS = text("""
WITH RECURSIVE up(origin, id, part_of, depth) AS (
    SELECT id, id, part_of, 0 FROM spaces WHERE id IN :ids
    UNION ALL
    SELECT up.origin, s.id, s.part_of, up.depth + 1 FROM spaces s JOIN up ON s.id = up.part_of WHERE up.depth < 64
)
SELECT origin, id FROM up WHERE part_of IS NULL
""").bindparams(bindparam("ids", expanding=True))


def parent_map() -> dict[int, int]:
    """Every space that is part of another -> that space (one query; spaces without a family are absent)."""
    return dict(db.session.execute(select(Space.id, Space.part_of).where(Space.part_of.is_not(None))).all())


def family_of(space_id: int) -> list[int]:
    """The space, every space it is part of and every part of it (whose time it shares), in order."""
    return sorted(families.related(space_id, parent_map()))


def family_roots(space_ids) -> dict[int, int]:
    """Each space's family's top (itself when it is part of nothing), in one query."""
    ids = sorted(set(space_ids))
    if not ids:
        return {}
    found = dict(db.session.execute(_ROOTS, {"ids": ids}).all())
    return {i: found.get(i, i) for i in ids}


def lock_families(space_ids) -> None:
    """Serialise the booking use cases of the families of these spaces until commit (the advisory
    lock of each family's top, in order: a hall and its halves wait for each other, two halls do not).
    PostgreSQL: the top is read, locked and read again (what a space is part of may change meanwhile:
    then the new top is locked too). SQLite: the serialised write transaction begins (one writer)."""
    ids = sorted(set(space_ids))
    if db.session.get_bind().dialect.name != "postgresql":
        for i in ids[:1]:
            advisory_lock(ADVISORY_SPACE, i)
        return
    locked: set[int] = set()
    while True:
        roots = set(family_roots(ids).values())
        if roots <= locked:
            return
        for r in sorted(roots - locked):
            advisory_lock(ADVISORY_SPACE, r)
            locked.add(r)


def lock_family(space_id: int) -> None:
    lock_families([space_id])


def _held(space_ids: set[int], now: datetime) -> list[families.Held]:
    rows = db.session.execute(
        select(Booking.id, Booking.space_id, Booking.start_at, Booking.blocked_until).where(
            Booking.space_id.in_(sorted(space_ids)), Booking.status.in_(ACTIVE_STATUSES), Booking.blocked_until > now)
    )
    return [families.Held(*row) for row in rows]


def set_part_of(space: Space, new_parent_id: int | None, now: datetime) -> None:
    """Make `space` part of `new_parent_id` (None: of nothing), in the caller's write transaction.
    Refused: an unknown space or another facility's (404/422), a cycle (422 part_of_cycle), or
    bookings that would then take the same time (422 part_of_collides, listing them)."""
    if new_parent_id == space.part_of:
        return
    if new_parent_id is not None:
        parent = db.session.get(Space, new_parent_id)
        if parent is None:
            params = {"space_id": new_parent_id}
            raise Invalid(reason="space_not_found", params=params, fields={"part_of": Said("space_not_found", params)})
        if parent.facility_id != space.facility_id:
            raise Invalid(reason="part_of_other_facility", params={"space_id": new_parent_id},
                          fields={"part_of": Said("part_of_other_facility", {"space_id": new_parent_id})})
    involved = [space.id] + ([new_parent_id] if new_parent_id is not None else [])
    lock_families(involved)
    parents = parent_map()
    if families.makes_cycle(space.id, new_parent_id, parents):
        params = {"space_id": space.id, "part_of": new_parent_id}
        raise Invalid(reason="part_of_cycle", params=params, fields={"part_of": Said("part_of_cycle", params)})
    family: set[int] = set()
    for i in involved:
        top = families.root(i, parents)
        family |= {top, *families.descendants(top, parents)}
    after = dict(parents)
    if new_parent_id is None:
        after.pop(space.id, None)
    else:
        after[space.id] = new_parent_id
    held = _held(family, now)
    clashes = families.collisions(held, after)
    if clashes:
        listed = sorted({h.booking_id for pair in clashes for h in pair})[:20]
        params = {"count": len(clashes), "booking_ids": listed}
        raise Invalid(reason="part_of_collides", params=params, fields={"part_of": Said("part_of_collides", params)},
                      extra={"bookings": [{"id": h.booking_id, "space_id": h.space_id, "start": h.start.isoformat(),
                                           "end": h.until.isoformat()} for h in sorted({x for p in clashes for x in p},
                                                                                       key=lambda h: (h.start, h.booking_id))]})
    space.part_of = new_parent_id
    db.session.flush()
    rebuild_claims({h.booking_id for h in held})


def rebuild_claims(booking_ids: set[int]) -> None:
    """PostgreSQL: the claims of these bookings again, over the leaves their spaces have now (a space
    made part of a hall, or given parts, moves where its bookings hold their time). Nothing on SQLite."""
    if not booking_ids or db.session.get_bind().dialect.name != "postgresql":
        return
    ids = sorted(booking_ids)
    db.session.execute(text("DELETE FROM booking_claims WHERE booking_id = ANY(:ids)"), {"ids": ids})
    db.session.execute(text(
        "INSERT INTO booking_claims (booking_id, leaf_space_id, period) "
        "SELECT b.id, l.leaf, tstzrange(b.start_at, b.blocked_until, '[)') FROM bookings b "
        "CROSS JOIN LATERAL space_leaves(b.space_id) l WHERE b.id = ANY(:ids) AND booking_holds_time(b.status)"), {"ids": ids})
