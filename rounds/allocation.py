"""The allocation of a seasonal round, as a pure function over plain values (no Flask, no database).

Who gets which weekly slot: every wish of every application, each candidate slot it could have
(each preferred space, each weekday of its windows, each start on the space's slot grid inside the
window and the opening hours, `minutes` long), and a 0/1 programme over them solved by HiGHS
(scipy.optimize.milp):

1. priority classes, strictly: each class in turn, highest first, is allocated around what the
   classes above it got (a higher class's wish before a lower class's);
2. within a class, one level: the number of groups with at least one slot first (fairness: no group
   gets a second slot while a group whose wish could be met gets none), then the wished minutes
   (weights: groups x (all the class's candidate minutes + 1) + minutes, exact in integers);
3. with that held, the softer criteria together: preferred spaces first, then preferred windows,
   children and young people early in the evening and adults later, nearness to the group's
   district, activity size (people); and last the tie-break: the earlier application (by id) first,
   then the earlier start.

Constraints: no two slots in one space on one weekday within each other's changeover buffer, nor in
two spaces that share time (`shares`: pairs of space ids, e.g. a hall and its half, a half and its
court; the larger of the two buffers applies between them, as in the booking rules); a wish
gets at most `slots_per_week` slots, each on another weekday; a slot blocked by what is already there
(locked allocations always; existing bookings and closures when they take more than half of the
season's dates of that weekday) is no candidate. Locked allocations stay as they are and count.

Every wish left with fewer slots than it asked for gets a `Refusal` (code + params): why it could
not be placed at all (the space is closed then, the length is outside the space's limits, the time is
booked), or to which criterion it lost (a higher priority class, the fairness rule, more wished
minutes or a preferred choice of others, the tie-break).

Deterministic: the input is sorted, HiGHS runs single-threaded with its fixed seed, so the same
input gives the same answer.
"""
from __future__ import annotations

import time as _time
from dataclasses import dataclass, field

import numpy as np

import os as _os
_DEBUG = bool(_os.environ.get("ROUNDS_DEBUG"))
DAYTIME_END = 16 * 60  # weekdays before 16:00: the priority classes' daytime order applies
YOUNG_AGE_GROUPS = frozenset({"children_0_6", "children_7_12", "youth_13_17"})


@dataclass(frozen=True)
class SpaceFacts:
    id: int
    slot_minutes: int = 30
    min_minutes: int = 30
    max_minutes: int = 240
    buffer_minutes: int = 0
    opening: dict[int, list[tuple[int, int]]] = field(default_factory=dict)  # weekday -> [(opens, closes)] minutes
    district: str = ""
    # weekday -> [(start_minute, end_minute, date ordinal)]: existing bookings (to the end of their
    # buffer) and closures on one date of the season each
    taken: dict[int, list[tuple[int, int, int]]] = field(default_factory=dict)
    dates: dict[int, int] = field(default_factory=dict)  # weekday -> how many dates of the season
    capacity: int | None = None  # people; None: not limited here (a booking's capacity rule still applies)


@dataclass(frozen=True)
class Window:
    weekday: int
    start: int  # minutes after local midnight
    end: int


@dataclass(frozen=True)
class WishFacts:
    index: int
    slots_per_week: int
    minutes: int
    windows: tuple[Window, ...]
    space_ids: tuple[int, ...]


@dataclass(frozen=True)
class ApplicationFacts:
    id: int
    group_id: int
    priority_class: str | None
    wishes: tuple[WishFacts, ...]
    age_groups: tuple[str, ...] = ()
    attendees: int = 1
    district: str = ""


@dataclass(frozen=True)
class Slot:
    application_id: int
    wish: int
    space_id: int
    weekday: int
    start: int
    end: int
    locked: bool = False


@dataclass(frozen=True)
class Refusal:
    application_id: int
    wish: int
    code: str
    params: dict


@dataclass
class Result:
    slots: list[Slot]
    unallocated: list[Refusal]
    optimal: bool
    gap: float | None = None
    seconds: float = 0.0
    candidates: int = 0


@dataclass(frozen=True)
class _Cand:
    app: int  # index into apps
    wish: int  # index into the app's wishes
    space_id: int
    weekday: int
    start: int
    end: int
    space_rank: int
    window_rank: int


def class_rank(classes: list[str], daytime_classes: list[str] | None, code: str | None, weekday: int, start: int) -> int:
    """The rank of a class (0 highest) for a slot: the daytime order for weekdays before 16:00 when the
    round has one; a wish without a (known) class after every class."""
    order = daytime_classes if daytime_classes and weekday < 5 and start < DAYTIME_END else classes
    return order.index(code) if code in order else len(order)


def _joined(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for o, c in sorted(spans):
        if out and o <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], c))
        else:
            out.append((o, c))
    return out


def overlaps(a: tuple[int, int], b: tuple[int, int], buffer: int) -> bool:
    """Two slots of one space on one weekday clash: within each other's changeover buffer."""
    return a[0] < b[1] + buffer and b[0] < a[1] + buffer


def related_map(shares=()) -> dict[int, frozenset[int]]:
    """Each space id -> the other spaces it shares time with (from pairs, or from groups of ids that
    all share time with each other)."""
    out: dict[int, set[int]] = {}
    for group in shares:
        ids = list(dict.fromkeys(group))
        for a in ids:
            for b in ids:
                if a != b:
                    out.setdefault(a, set()).add(b)
    return {k: frozenset(v) for k, v in out.items()}


def _buffer_between(spaces: dict[int, "SpaceFacts"], a: int, b: int) -> int:
    """The changeover buffer between slots of two spaces sharing time: the larger of theirs."""
    return max(spaces[a].buffer_minutes if a in spaces else 0, spaces[b].buffer_minutes if b in spaces else 0)


def clashes(spaces: dict[int, "SpaceFacts"], related: dict[int, frozenset[int]], a_space: int, a: tuple[int, int],
            b_space: int, b: tuple[int, int]) -> bool:
    """Two slots on one weekday clash: one space or two sharing time, within the changeover buffer."""
    if a_space != b_space and b_space not in related.get(a_space, ()):
        return False
    return overlaps(a, b, _buffer_between(spaces, a_space, b_space))


def _blocked_by_existing(space: SpaceFacts, weekday: int, start: int, end: int) -> bool:
    """What is already there takes the slot on more than half of the season's dates of the weekday."""
    dates = space.dates.get(weekday, 0)
    if not dates:
        return True
    hit = {d for s, e, d in space.taken.get(weekday, []) if s < end + space.buffer_minutes and start < e}
    return len(hit) * 2 > dates


def fits(space: SpaceFacts, attendees: int) -> bool:
    """Whether the space holds the application's people (spaces.rules' capacity rule, as a booking has it)."""
    return space.capacity is None or attendees <= space.capacity


def slot_problem(space: SpaceFacts, weekday: int, start: int, end: int) -> str | None:
    """The rule a slot breaks in the space (None: none): length, grid, opening hours."""
    minutes = end - start
    if minutes < space.min_minutes:
        return "too_short"
    if minutes > space.max_minutes:
        return "too_long"
    if start % space.slot_minutes or end % space.slot_minutes:
        return "off_grid"
    if not any(o <= start and end <= c for o, c in _joined(space.opening.get(weekday, []))):
        return "outside_opening_hours"
    return None


def _starts(space: SpaceFacts, w: Window, minutes: int) -> list[int]:
    step = max(space.slot_minutes, 1)
    first = -(-w.start // step) * step
    return [s for s in range(first, w.end - minutes + 1, step) if slot_problem(space, w.weekday, s, s + minutes) is None]


def allocate(
    applications: list[ApplicationFacts],
    spaces: dict[int, SpaceFacts],
    classes: list[str] | None = None,
    daytime_classes: list[str] | None = None,
    locked: list[Slot] = (),
    time_limit: float | None = None,
    shares=(),
) -> Result:
    """The round's allocation (see the module's docstring). `classes`: the priority class codes,
    highest first; `daytime_classes`: the same codes in their order for weekdays before 16:00 (None:
    the same order all day). `time_limit`: seconds for all the solves together; when it runs out the
    best allocation found is returned with `optimal` False and the gap of the level that ran out."""
    began = _time.monotonic()
    classes = list(classes or [])
    related = related_map(shares)
    apps = sorted(applications, key=lambda a: a.id)
    locked = sorted(locked, key=lambda s: (s.space_id, s.weekday, s.start, s.application_id, s.wish))
    locked_by_wish: dict[tuple[int, int], list[Slot]] = {}
    for s in locked:
        locked_by_wish.setdefault((s.application_id, s.wish), []).append(s)

    # --- Candidates --------------------------------------------------------------------------------
    cands: list[_Cand] = []
    free_somewhere: dict[tuple[int, int], bool] = {}  # (app index, wish index) -> some slot passes the rules
    for ai, a in enumerate(apps):
        for wi, w in enumerate(a.wishes):
            mine = locked_by_wish.get((a.id, w.index), [])
            if len(mine) >= w.slots_per_week:
                continue
            used_days = {s.weekday for s in mine}
            for sr, sid in enumerate(dict.fromkeys(w.space_ids)):
                space = spaces.get(sid)
                if space is None or not fits(space, a.attendees):
                    continue  # too small: publishing would be refused by the booking's capacity rule
                for wr, win in enumerate(w.windows):
                    if win.weekday in used_days:
                        continue
                    for start in _starts(space, win, w.minutes):
                        end = start + w.minutes
                        free_somewhere[(ai, wi)] = True
                        if _blocked_by_existing(space, win.weekday, start, end):
                            continue
                        if any(s.weekday == win.weekday and clashes(spaces, related, sid, (start, end), s.space_id, (s.start, s.end))
                               for s in locked):
                            continue
                        cands.append(_Cand(ai, wi, sid, win.weekday, start, end, sr, wr))
    # One candidate per (wish, space, weekday, start): windows repeating a weekday keep their best rank.
    seen: dict[tuple, int] = {}
    unique: list[_Cand] = []
    for c in cands:
        key = (c.app, c.wish, c.space_id, c.weekday, c.start)
        if key not in seen:
            seen[key] = len(unique)
            unique.append(c)
    cands = unique

    def rank_of(c: _Cand) -> int:
        return class_rank(classes, daytime_classes, apps[c.app].priority_class, c.weekday, c.start)

    # Strict classes: each class in turn, highest first, allocated around what the classes above it got.
    taken: dict[tuple[int, int], list[tuple[int, int, int]]] = {}  # (space, weekday) -> slots there and in spaces sharing its time

    def take(space_id: int, weekday: int, start: int, end: int) -> None:
        for sid in (space_id, *related.get(space_id, ())):
            taken.setdefault((sid, weekday), []).append((start, end, space_id))

    for s in locked:
        take(s.space_id, s.weekday, s.start, s.end)
    left = {(ai, wi): w.slots_per_week - len(locked_by_wish.get((a.id, w.index), []))
            for ai, a in enumerate(apps) for wi, w in enumerate(a.wishes)}
    days_used = {(ai, wi): {s.weekday for s in locked_by_wish.get((a.id, w.index), [])}
                 for ai, a in enumerate(apps) for wi, w in enumerate(a.wishes)}
    served = {a.group_id for a in apps if any(s.application_id == a.id for s in locked)}
    chosen: list[_Cand] = []
    optimal, gap = True, None
    for rank in range(len(classes) + 1):
        sub = [c for c in cands if rank_of(c) == rank and left[(c.app, c.wish)] > 0 and c.weekday not in days_used[(c.app, c.wish)]
               and not any(overlaps((c.start, c.end), (t0, t1), _buffer_between(spaces, c.space_id, ts))
                           for t0, t1, ts in taken.get((c.space_id, c.weekday), ()))]
        if not sub:
            continue
        budget = None if time_limit is None else max(time_limit - (_time.monotonic() - began), 1.0)
        got, ok, g = _solve(sub, apps, spaces, left, served, budget, related)
        optimal = optimal and ok
        gap = g if g is not None else gap
        for c in got:
            chosen.append(c)
            take(c.space_id, c.weekday, c.start, c.end)
            left[(c.app, c.wish)] -= 1
            days_used[(c.app, c.wish)].add(c.weekday)
            served.add(apps[c.app].group_id)

    slots = list(locked) + [Slot(apps[c.app].id, apps[c.app].wishes[c.wish].index, c.space_id, c.weekday, c.start, c.end) for c in chosen]
    slots.sort(key=lambda s: (s.application_id, s.wish, s.weekday, s.start, s.space_id))
    refusals = _reasons(apps, spaces, classes, daytime_classes, cands, slots, free_somewhere, locked, related)
    return Result(slots, refusals, optimal, gap, round(_time.monotonic() - began, 3), len(cands))


def _solve(cands: list[_Cand], apps: list[ApplicationFacts], spaces: dict[int, SpaceFacts], left: dict, served: set[int],
           time_limit: float | None, related: dict[int, frozenset[int]] | None = None) -> tuple[list[_Cand], bool, float | None]:
    """One class's allocation: first the most groups with a slot (fairness) and then the most wished
    minutes (one level: groups x (all minutes + 1) + minutes), then with that held, the softer
    criteria and the tie-break. Returns the chosen candidates, whether proven optimal, and the gap."""
    from scipy.optimize import Bounds, LinearConstraint, milp
    from scipy.sparse import coo_array

    began = _time.monotonic()
    n = len(cands)
    groups = sorted({apps[c.app].group_id for c in cands} - served)
    y_of = {g: n + i for i, g in enumerate(groups)}
    nv = n + len(groups)
    rows: list[tuple[list[int], list[float], float, float]] = []
    by_wish: dict[tuple[int, int], list[int]] = {}
    by_wish_day: dict[tuple[int, int, int], list[int]] = {}
    by_group: dict[int, list[int]] = {}
    by_space_day: dict[tuple[int, int], list[int]] = {}
    for k, c in enumerate(cands):
        by_wish.setdefault((c.app, c.wish), []).append(k)
        by_wish_day.setdefault((c.app, c.wish, c.weekday), []).append(k)
        by_group.setdefault(apps[c.app].group_id, []).append(k)
        by_space_day.setdefault((c.space_id, c.weekday), []).append(k)
    for key, ks in by_wish.items():
        if len(ks) > left[key]:
            rows.append((ks, [1.0] * len(ks), 0.0, float(left[key])))
    for ks in by_wish_day.values():
        if len(ks) > 1:
            rows.append((ks, [1.0] * len(ks), 0.0, 1.0))
    # No two slots in one space and weekday within each other's buffer: at each start, the candidates
    # whose [start, end + buffer) covers it sum to at most 1 (the maximal cliques of an interval graph).
    for (sid, _), ks in sorted(by_space_day.items()):
        buf = spaces[sid].buffer_minutes
        last: tuple | None = None
        for t in sorted({cands[k].start for k in ks}):
            covering = tuple(k for k in ks if cands[k].start <= t < cands[k].end + buf)
            if len(covering) > 1 and covering != last:
                rows.append((list(covering), [1.0] * len(covering), 0.0, 1.0))
            last = covering
    # Two spaces sharing time (a hall and its half): per pair and weekday, the same cliques over both
    # spaces' candidates when their buffers are equal; otherwise each clashing pair of candidates.
    for (sid, day), ks in sorted(by_space_day.items()):
        for other in sorted((related or {}).get(sid, ())):
            if other <= sid or (other, day) not in by_space_day:
                continue
            ks2 = by_space_day[(other, day)]
            buf = _buffer_between(spaces, sid, other)
            if spaces[sid].buffer_minutes == spaces[other].buffer_minutes:
                both = ks + ks2
                last = None
                for t in sorted({cands[k].start for k in both}):
                    covering = tuple(k for k in both if cands[k].start <= t < cands[k].end + buf)
                    if covering != last and any(cands[k].space_id == sid for k in covering) and any(cands[k].space_id == other for k in covering):
                        rows.append((list(covering), [1.0] * len(covering), 0.0, 1.0))
                    last = covering
            else:
                for k1 in ks:
                    for k2 in ks2:
                        if overlaps((cands[k1].start, cands[k1].end), (cands[k2].start, cands[k2].end), buf):
                            rows.append(([k1, k2], [1.0, 1.0], 0.0, 1.0))
    for g in groups:  # a group counts as served only with a slot
        ks = by_group[g]
        rows.append((ks + [y_of[g]], [1.0] * len(ks) + [-1.0], 0.0, np.inf))

    def constraints(extra: list[tuple[np.ndarray, float]]):
        r_idx, c_idx, vals, lo, hi = [], [], [], [], []
        for r, (cols, coefs, l, u) in enumerate(rows):
            r_idx += [r] * len(cols)
            c_idx += cols
            vals += coefs
            lo.append(l)
            hi.append(u)
        r = len(rows)
        for vec, bound in extra:
            nz = np.nonzero(vec)[0]
            r_idx += [r] * len(nz)
            c_idx += nz.tolist()
            vals += vec[nz].tolist()
            lo.append(bound)
            hi.append(np.inf)
            r += 1
        if not lo:
            return []
        return [LinearConstraint(coo_array((vals, (r_idx, c_idx)), shape=(r, nv)).tocsr(), np.array(lo), np.array(hi))]

    minutes = np.zeros(nv)
    for k, c in enumerate(cands):
        minutes[k] = float(c.end - c.start)
    first = minutes.copy()
    weight = float(minutes.sum() + 1)
    for g in groups:
        first[y_of[g]] = weight
    soft = np.zeros(nv)
    n_apps = max(len(apps), 1)
    for k, c in enumerate(cands):
        a = apps[c.app]
        young = bool(YOUNG_AGE_GROUPS & set(a.age_groups))
        evening = c.start >= DAYTIME_END
        late = max(0, c.start - DAYTIME_END) / 60 if evening else 0.0  # hours after 16:00
        # children and young people early in the evening, adults later; a group naming no age group is in between
        age_cost = (late if young else max(0.0, 5 - late) if a.age_groups else 2.5) if evening else 0.0
        near = 1.0 if a.district and spaces[c.space_id].district == a.district else 0.0
        soft[k] = -(1000.0 * c.space_rank + 100.0 * c.window_rank + 10.0 * age_cost - 5.0 * near
                    - min(a.attendees, 500) / 100.0 + c.app / n_apps * 0.5 + c.start / 1440 * 0.01)
    integrality = np.ones(nv)
    optimal, gap = True, None
    x = np.zeros(nv)
    fixed: list[tuple[np.ndarray, float]] = []
    for li, obj in enumerate((first, soft)):
        options: dict = {"mip_rel_gap": 0.0 if li == 0 else 1e-6}
        if time_limit is not None:
            options["time_limit"] = max(time_limit - (_time.monotonic() - began), 0.5)
        t0 = _time.monotonic()
        res = milp(-obj, constraints=constraints(fixed), integrality=integrality, bounds=Bounds(0, 1), options=options)
        if _DEBUG:
            print(f"level {li}: {nv} variables, {(_time.monotonic() - t0):.2f} s, status {res.status}")
        if res.x is None:
            return [cands[k] for k in range(n) if x[k] > 0.5], False, None
        x = np.round(res.x)
        if res.status != 0:
            optimal, gap = False, float(getattr(res, "mip_gap", None) or 0.0)
            break
        if li == 0:
            fixed.append((first, float(first @ x) - 0.5))
    return [cands[k] for k in range(n) if x[k] > 0.5], optimal, gap


def _reasons(apps, spaces, classes, daytime_classes, cands, slots, free_somewhere, locked, related=None) -> list[Refusal]:
    """A code and params for every wish given fewer slots than it asked for."""
    got: dict[tuple[int, int], int] = {}
    groups_served: set[int] = set()
    app_of = {a.id: a for a in apps}
    for s in slots:
        got[(s.application_id, s.wish)] = got.get((s.application_id, s.wish), 0) + 1
        groups_served.add(app_of[s.application_id].group_id)
    first_slot_of_group: dict[int, int] = {}
    for s in slots:
        first_slot_of_group[app_of[s.application_id].group_id] = first_slot_of_group.get(app_of[s.application_id].group_id, 0) + 1
    by_wish: dict[tuple[int, int], list[_Cand]] = {}
    for c in cands:
        by_wish.setdefault((c.app, c.wish), []).append(c)
    out: list[Refusal] = []
    for ai, a in enumerate(apps):
        for wi, w in enumerate(a.wishes):
            n = got.get((a.id, w.index), 0)
            if n >= w.slots_per_week:
                continue

            def refuse(code: str, **params) -> None:
                out.append(Refusal(a.id, w.index, code, params))

            mine = by_wish.get((ai, wi), [])
            if n:
                refuse("partly_met", allocated=n, asked=w.slots_per_week)
                continue
            if not free_somewhere.get((ai, wi)):
                code, params = _why_not_possible(w, spaces, a.attendees)
                refuse(code, **params)
                continue
            if not mine:
                refuse("time_taken")
                continue
            # It had candidates and lost them: to whom, under which criterion.
            rank = min(class_rank(classes, daytime_classes, a.priority_class, c.weekday, c.start) for c in mine)
            holders = []
            for c in mine:
                for s in slots:
                    if s.weekday == c.weekday and clashes(spaces, related or {}, c.space_id, (c.start, c.end), s.space_id, (s.start, s.end)):
                        holders.append((s, c))
            if not holders:
                refuse("lost_tie_break")
                continue
            higher = [s for s, c in holders if class_rank(classes, daytime_classes, app_of[s.application_id].priority_class, s.weekday, s.start) < rank]
            if higher and len(higher) == len(holders):
                other = app_of[higher[0].application_id].priority_class
                refuse("lost_priority_class", other_class=other or "", own_class=a.priority_class or "")
                continue
            if a.group_id in groups_served:
                refuse("lost_fairness_served")
                continue
            firsts = [s for s, _ in holders if first_slot_of_group[app_of[s.application_id].group_id] == 1]
            if firsts:
                refuse("lost_fairness")
                continue
            refuse("lost_minutes")
    return out


def _why_not_possible(w: WishFacts, spaces: dict[int, SpaceFacts], attendees: int = 1) -> tuple[str, dict]:
    """No slot of the wish passes the rules of any of its spaces: the first reason that fits them all."""
    known = [spaces[s] for s in w.space_ids if s in spaces]
    if not known:
        return "no_space", {}
    if not any(fits(s, attendees) for s in known):
        return "wish_spaces_too_small", {"attendees": attendees, "capacity": max(s.capacity or 0 for s in known)}
    known = [s for s in known if fits(s, attendees)]
    if all(w.minutes > s.max_minutes for s in known):
        return "wish_too_long", {"minutes": w.minutes, "max_minutes": max(s.max_minutes for s in known)}
    if all(w.minutes < s.min_minutes for s in known):
        return "wish_too_short", {"minutes": w.minutes, "min_minutes": min(s.min_minutes for s in known)}
    if all(w.minutes % s.slot_minutes for s in known):
        return "wish_off_grid", {"minutes": w.minutes, "slot_minutes": known[0].slot_minutes}
    return "space_closed_then", {}
