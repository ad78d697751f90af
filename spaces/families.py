"""Spaces made of parts, as pure functions over a family map (no Flask, no database).

A space may be part of another (a half of a hall, a court in a half), to any depth. `parent` maps a
space's id to the id of the space it is part of (absent or None: it is part of nothing). The rule
of the family, used by every check of booked time: two spaces *share time* when one is the other or
is part of it, however deep (the hall and each half, the hall and a court, a half and its court);
two halves of one hall do not. Equivalently, their leaves (the smallest parts below each; a space
with no parts is its own leaf) meet: that is what the PostgreSQL claims hold (see the migration
0012_space_parts). Buffers and closures follow the same rule (README: "Spaces made of parts").
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

Parents = Mapping[int, "int | None"]


def ancestors(space_id: int, parent: Parents) -> list[int]:
    """The spaces this one is part of, nearest first (stops at a cycle, which writes refuse)."""
    out: list[int] = []
    seen = {space_id}
    up = parent.get(space_id)
    while up is not None and up not in seen:
        out.append(up)
        seen.add(up)
        up = parent.get(up)
    return out


def root(space_id: int, parent: Parents) -> int:
    """The top of the space's family (itself when it is part of nothing)."""
    up = ancestors(space_id, parent)
    return up[-1] if up else space_id


def children(parent: Parents) -> dict[int, list[int]]:
    out: dict[int, list[int]] = defaultdict(list)
    for child, up in parent.items():
        if up is not None:
            out[up].append(child)
    return {k: sorted(v) for k, v in out.items()}


def descendants(space_id: int, parent: Parents) -> list[int]:
    """Every part of the space, all the way down."""
    below = children(parent)
    out: list[int] = []
    todo = list(below.get(space_id, []))
    seen = {space_id}
    while todo:
        s = todo.pop(0)
        if s in seen:
            continue
        seen.add(s)
        out.append(s)
        todo.extend(below.get(s, []))
    return out


def shares_time(a: int, b: int, parent: Parents) -> bool:
    """Whether a booking of `a` and one of `b` take the same time: one is the other or part of it."""
    return a == b or b in ancestors(a, parent) or a in ancestors(b, parent)


def related(space_id: int, parent: Parents) -> set[int]:
    """The space, every space it is part of and every part of it: whose bookings it cannot overlap."""
    return {space_id, *ancestors(space_id, parent), *descendants(space_id, parent)}


def leaves(space_id: int, parent: Parents) -> set[int]:
    """The smallest parts below the space (itself when it has no parts): where a booking holds its time."""
    below = children(parent)
    return {s for s in [space_id, *descendants(space_id, parent)] if not below.get(s)}


def makes_cycle(space_id: int, new_parent: int | None, parent: Parents) -> bool:
    """Whether making `space_id` part of `new_parent` would make it part of itself."""
    if new_parent is None:
        return False
    return new_parent == space_id or space_id in ancestors(new_parent, parent)


@dataclass(frozen=True)
class Held:
    """A booking holding time: [start, until) is its time widened by its own changeover buffer."""

    booking_id: int
    space_id: int
    start: datetime
    until: datetime


def collisions(held: Iterable[Held], parent: Parents) -> list[tuple[Held, Held]]:
    """The pairs of bookings that would take the same time under the family map `parent`."""
    items = sorted(held, key=lambda h: (h.start, h.booking_id))
    out: list[tuple[Held, Held]] = []
    open_: list[Held] = []
    for h in items:
        open_ = [o for o in open_ if o.until > h.start]
        for o in open_:
            if shares_time(o.space_id, h.space_id, parent):
                out.append((o, h))
        open_.append(h)
    return out
