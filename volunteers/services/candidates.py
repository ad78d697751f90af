"""Matching: the shifts recommended to a volunteer, one shift's match explained, and the ranked
candidates of a shift for its organisers (as rules.organiser_view: what the shift needs, never the
volunteer's own figures)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from commons.db import utcnow
from commons.models import User
from commons.extensions import db
from commons.timezone import site_tz
from volunteers import matching, rules
from volunteers.models import Shift, ShiftSignup, VolunteerProfile
from volunteers.rules import Match
from volunteers.services.common import ShiftView, get_shift_view, local_today, shift_views
from volunteers.services.facts import (POOL_CACHE, VolunteerSet, all_volunteer_facts, current_names,
                                       organisers_ages_on, shift_facts, volunteer_facts)
from volunteers.services.organisers import organised_shift
from volunteers.services.profiles import get_profile

MATCH_AHEAD = timedelta(days=120)  # shifts recommended up to this far ahead


@dataclass
class Candidate:
    """A volunteer as an organiser sees them in a candidate list: name and id only (no e-mail)."""

    volunteer_id: int
    name: str
    signup_status: str | None = None  # their sign-up on this shift, if any


def open_views(now: datetime, ids: list[int] | None = None, where=None) -> list[ShiftView]:
    stmt = select(Shift).join(Shift.activity).options(joinedload(Shift.activity)).where(Shift.status == "open", Shift.start_at > now)
    if ids is not None:
        stmt = stmt.where(Shift.id.in_(ids))
    else:
        stmt = stmt.where(Shift.start_at < now + MATCH_AHEAD)
    if where is not None:
        stmt = stmt.where(where)
    return shift_views(list(db.session.execute(stmt.order_by(Shift.start_at, Shift.id)).scalars()))


def matches_for(user: User, limit: int = 20, now: datetime | None = None) -> list[tuple[ShiftView, Match]]:
    """Upcoming open shifts (not full, not already signed up for) the user is eligible for, best first."""
    return _for_volunteer(user, limit, now, blocked=False)


def blocked_matches_for(user: User, limit: int = 5, now: datetime | None = None) -> list[tuple[ShiftView, Match]]:
    """The shifts matches_for would recommend but for a credential the shift requires (none seen,
    or it runs out before the shift's date): rules.credential_blocked, best first. For the
    volunteer's own page: which credential, and why, with no sign-up button."""
    return _for_volunteer(user, limit, now, blocked=True)


def _for_volunteer(user: User, limit: int, now: datetime | None, blocked: bool) -> list[tuple[ShiftView, Match]]:
    now = now or utcnow()
    profile = get_profile(user)
    if profile is None or not profile.active:
        return []
    mine = set(db.session.execute(
        select(ShiftSignup.shift_id).where(ShiftSignup.volunteer_id == profile.id, ShiftSignup.status != "invited")
    ).scalars())
    views = [v for v in open_views(now) if v.shift.id not in mine and v.confirmed < v.shift.needed]
    if blocked:
        views = [v for v in views if v.shift.requires]
    if not views:
        return []
    tz = site_tz()
    by_id = {v.shift.id: v for v in views}
    rank = rules.rank_blocked_shifts if blocked else rules.rank_shifts
    ranked = rank(volunteer_facts(profile, now), [shift_facts(v) for v in views], tz, local_today(now, tz), limit=limit)
    return [(by_id[m.shift_id], m) for m in ranked]


def explain(user: User, shift_id: int, now: datetime | None = None) -> Match | None:
    """The user's match against one shift (eligible or not, with every reason), for the shift page."""
    now = now or utcnow()
    profile = get_profile(user)
    if profile is None:
        return None
    view = get_shift_view(shift_id)
    tz = site_tz()
    return rules.match(volunteer_facts(profile, now, exclude_shift=shift_id), shift_facts(view), tz, local_today(now, tz))


def is_candidate(profile: VolunteerProfile, view: ShiftView, now: datetime) -> bool:
    """Whether this person is among the shift's candidates (active, and eligible as the organisers'
    views see it): the people an organiser may invite."""
    if profile is None or not profile.active:
        return False
    tz = site_tz()
    facts = volunteer_facts(profile, now, exclude_shift=view.shift.id)
    return rules.match(facts, shift_facts(view), tz, local_today(now, tz), organisers_ages_on(now, tz)).eligible


def candidates_for(actor: User, shift_id: int, limit: int = 50, now: datetime | None = None) -> list[tuple[Candidate, Match]]:
    """Eligible volunteers for the shift, best first (organisers only: the verified group's
    representatives, staff; Forbidden otherwise). People already confirmed or waiting on the shift
    are left out; invited ones say so. Ages are taken on organisers_ages_on, and each match is
    rules.organiser_view: what the shift needs, never the volunteer's windows, hours or age."""
    now = now or utcnow()
    view = organised_shift(actor, shift_id)
    statuses = dict(db.session.execute(
        select(ShiftSignup.volunteer_id, ShiftSignup.status).where(ShiftSignup.shift_id == shift_id, ShiftSignup.volunteer_id.is_not(None))
    ).all())
    volunteers = all_volunteer_facts(now)
    skip = {vid for vid, st in statuses.items() if st in ("confirmed", "waitlisted", "removed", "cancelled")}
    tz = site_tz()
    ranked = [m for m in _rank_candidates(shift_facts(view), volunteers, tz, local_today(now, tz), limit + len(skip),
                                          organisers_ages_on(now, tz))
              if m.volunteer_id not in skip]
    ranked = ranked[:limit]
    names = current_names(m.volunteer_id for m in ranked)
    return [(Candidate(m.volunteer_id, names.get(m.volunteer_id, ""), statuses.get(m.volunteer_id)), rules.organiser_view(m))
            for m in ranked]


def blocked_candidates_for(actor: User, shift_id: int, limit: int = 50,
                           now: datetime | None = None) -> list[tuple[Candidate, tuple[rules.Reason, ...]]]:
    """The volunteers who would be the shift's candidates but for a credential it requires (none
    seen, or it runs out before the shift's date), best first, for the shift's organisers only
    (Forbidden otherwise), apart from the candidates and not invitable: each with only
    rules.credential_reasons (the kind, missing or expiring), never a date or a note. People
    already on the shift are left out. Nothing when the shift requires no credential; otherwise one
    more pass of the matching over the cached volunteers (numpy for many), not one per row."""
    now = now or utcnow()
    view = organised_shift(actor, shift_id)
    if not view.shift.requires:
        return []
    taken = set(db.session.execute(
        select(ShiftSignup.volunteer_id).where(ShiftSignup.shift_id == shift_id, ShiftSignup.volunteer_id.is_not(None),
                                               ShiftSignup.status.in_(("confirmed", "waitlisted", "removed", "cancelled")))
    ).scalars())
    tz = site_tz()
    ranked = [m for m in _rank_candidates(shift_facts(view), all_volunteer_facts(now), tz, local_today(now, tz),
                                          limit + len(taken), organisers_ages_on(now, tz), blocked=True)
              if m.volunteer_id not in taken][:limit]
    names = current_names(m.volunteer_id for m in ranked)
    return [(Candidate(m.volunteer_id, names.get(m.volunteer_id, "")), rules.credential_reasons(m)) for m in ranked]


def _rank_candidates(sf: rules.ShiftFacts, volunteers: VolunteerSet, tz: ZoneInfo, today: date, limit: int,
                     ages_on: date | None = None, blocked: bool = False) -> list[Match]:
    """Many volunteers: MATCH's in-memory pool (numpy arrays) over the cached `base`, built once per
    process; the few people changed since (VolunteerSet.changed) are scored with the rules and merged
    in the same order (score, fewer recent shifts, id), the removed ones left out. Few volunteers:
    the rules for everyone. blocked=True: those who would be candidates but for the shift's
    credentials (rules.rank_blocked_candidates; the pool's rank(blocked=True)), in the same order."""
    if len(volunteers.base) <= matching.POOL_THRESHOLD:
        rank = rules.rank_blocked_candidates if blocked else rules.rank_candidates
        return rank(sf, volunteers.facts, tz, today, limit, ages_on)
    cached = POOL_CACHE.get("matcher")
    if cached is None or cached[0] is not volunteers.base:
        cached = (volunteers.base, matching.VolunteerPool(volunteers.base), {f.id: f.recent_shifts for f in volunteers.base})
        POOL_CACHE["matcher"] = cached
    _, pool, base_recent = cached
    changed, removed = volunteers.changed, volunteers.removed
    # The pool's order among unchanged people stays right; ask for enough to make up for those left out.
    merged = [m for m in pool.rank(sf, tz, today, limit + len(changed) + len(removed), ages_on, blocked=blocked)
              if m.volunteer_id not in changed and m.volunteer_id not in removed]
    if changed:
        if blocked:
            merged += [m for m in (rules.credential_blocked(f, sf, tz, today, ages_on) for f in changed.values()) if m is not None]
        else:
            merged += [m for m in (rules.match(f, sf, tz, today, ages_on) for f in changed.values()) if m.eligible]

        def recent_shifts(vid: int) -> int:
            return changed[vid].recent_shifts if vid in changed else base_recent[vid]

        merged.sort(key=lambda m: (-m.score, recent_shifts(m.volunteer_id), m.volunteer_id))
    return merged[:limit]
