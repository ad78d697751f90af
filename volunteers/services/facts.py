"""The facts the matching reads (volunteers.rules.VolunteerFacts and ShiftFacts), from the database
in a fixed number of queries whatever the number of volunteers, and the cached set of every active
volunteer that candidate lists and fill plans rank."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from commons.extensions import db
from commons.models import User
from volunteers import rules
from volunteers.models import ShiftSignup, VolunteerCredential, VolunteerProfile
from volunteers.services.common import ShiftView, local_today

FAIRNESS_DAYS = 60  # confirmed shifts in this many days before now count as "recent" (fairness)


def _windows(profile_availability) -> tuple[rules.Window, ...]:
    return tuple(rules.Window(int(w["weekday"]), int(w["start"]), int(w["end"])) for w in profile_availability or [])


def _commitments(ids: list[int] | None, now: datetime, exclude_shift: int | None = None
                 ) -> tuple[dict[int, tuple[tuple[datetime, datetime], ...]], dict[int, int]]:
    """Confirmed shifts held (from a week back: the current week's hours count) and recent-shift
    counts, per volunteer, in one query each. `ids` None: everyone's (a small set of rows: only
    people holding shifts appear)."""
    busy: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
    recent: dict[int, int] = {}
    if ids is not None and not ids:
        return {}, {}
    lo = now - timedelta(days=8)
    if ids is None or len(ids) > 1000:
        id_filter = ShiftSignup.volunteer_id.is_not(None)
    else:
        id_filter = ShiftSignup.volunteer_id.in_(ids)
    for vid, s, e in db.session.execute(
        select(ShiftSignup.volunteer_id, ShiftSignup.start_at, ShiftSignup.end_at)
        .where(id_filter, ShiftSignup.status == "confirmed", ShiftSignup.end_at > lo,
               ShiftSignup.shift_id != (exclude_shift or 0))
        .order_by(ShiftSignup.start_at)
    ):
        busy[vid].append((s, e))
    for vid, n in db.session.execute(
        select(ShiftSignup.volunteer_id, func.count())
        .where(id_filter, ShiftSignup.status == "confirmed",
               ShiftSignup.start_at >= now - timedelta(days=FAIRNESS_DAYS), ShiftSignup.start_at < now)
        .group_by(ShiftSignup.volunteer_id)
    ):
        recent[vid] = n
    return {vid: tuple(spans) for vid, spans in busy.items()}, recent


def _credentials(ids: list[int]) -> dict[int, tuple[tuple[str, date], ...]]:
    """(kind, last valid day) of every credential seen, per volunteer (one query)."""
    if not ids:
        return {}
    stmt = select(VolunteerCredential.volunteer_id, VolunteerCredential.kind, VolunteerCredential.valid_until)
    if len(ids) <= 1000:
        stmt = stmt.where(VolunteerCredential.volunteer_id.in_(ids))
    out: dict[int, list[tuple[str, date]]] = defaultdict(list)
    for vid, kind, until in db.session.execute(stmt.order_by(VolunteerCredential.id)):
        out[vid].append((kind, until))
    return {vid: tuple(rows) for vid, rows in out.items()}


def facts_for(profiles: list[tuple[int, list, list, list, list, list, int, date | None, datetime | None]], now: datetime,
               exclude_shift: int | None = None) -> list[rules.VolunteerFacts]:
    """VolunteerFacts from profile rows: busy intervals and recent-shift counts in one query each."""
    busy, recent = _commitments([p[0] for p in profiles], now, exclude_shift)
    held = _credentials([p[0] for p in profiles])
    return [
        rules.VolunteerFacts(
            id=pid,
            skills=frozenset(skills or ()),
            tags=frozenset(tags or ()),
            languages=frozenset(langs or ()),
            districts=frozenset(districts or ()),
            availability=_windows(avail),
            max_minutes_per_week=maxm,
            date_of_birth=dob,
            guardian_consent=consent is not None,
            busy=busy.get(pid, ()),
            recent_shifts=recent.get(pid, 0),
            credentials=held.get(pid, ()),
        )
        for pid, skills, tags, langs, districts, avail, maxm, dob, consent in profiles
    ]


PROFILE_COLUMNS = (
    VolunteerProfile.id, VolunteerProfile.skills, VolunteerProfile.tags, VolunteerProfile.languages, VolunteerProfile.districts,
    VolunteerProfile.availability, VolunteerProfile.max_minutes_per_week, VolunteerProfile.date_of_birth,
    VolunteerProfile.guardian_consent_at,
)


def volunteer_facts(profile: VolunteerProfile, now: datetime, exclude_shift: int | None = None) -> rules.VolunteerFacts:
    """One person's facts; `exclude_shift`: leave their own place on that shift out of `busy`."""
    row = (profile.id, profile.skills, profile.tags, profile.languages, profile.districts, profile.availability,
           profile.max_minutes_per_week, profile.date_of_birth, profile.guardian_consent_at)
    return facts_for([row], now, exclude_shift)[0]


@dataclass
class VolunteerSet:
    """Every active volunteer as the matching sees them now.

    `base` is built from all profiles once per process (and day) and cached: loading and converting
    20 000 profiles takes a second or two, and the numpy pool over it a few tenths more. What changed
    since is read fresh on every call, in three small queries, and laid over it: `changed` holds the
    people whose profile changed (or who joined) or whose held shifts or recent-shift count differ
    from `base`; `removed` the ones gone or paused. So neither a sign-up nor a profile edit makes the
    next organiser wait for a reload. `facts` is the current list."""

    base: list[rules.VolunteerFacts]
    changed: dict[int, rules.VolunteerFacts]
    removed: set[int]

    @property
    def facts(self) -> list[rules.VolunteerFacts]:
        if not self.changed and not self.removed:
            return self.base
        kept = [self.changed.get(f.id, f) for f in self.base if f.id not in self.removed]
        known = {f.id for f in self.base}
        return kept + [f for vid, f in sorted(self.changed.items()) if vid not in known]


# The per-process cache of every active volunteer's facts ("pool": the base and its stamps) and of
# the numpy pool built over that base ("matcher"); see all_volunteer_facts and candidates.
POOL_CACHE: dict = {}
# A profile saved in a transaction that commits late can carry an updated_at older than the newest
# one already seen; re-reading (id, updated_at) this far before the base's newest change catches it.
_LATE_COMMIT_MARGIN = timedelta(minutes=2)
_REBUILD_AFTER = 1000  # overlaid profiles: past this many (or a quarter of the base), rebuild the base instead


def _profile_rows(where) -> list:
    return db.session.execute(
        select(*PROFILE_COLUMNS, VolunteerProfile.updated_at).where(where).order_by(VolunteerProfile.id)
    ).all()


def all_volunteer_facts(now: datetime) -> VolunteerSet:
    """Every active profile as VolunteerFacts: the cached base with what changed since laid over it
    (see VolunteerSet; names come from current_names, for the people shown). Queries: profiles touched since the base (id and time
    only, then the changed ones in full), the number of active profiles (to notice deletions), held
    shifts and recent-shift counts."""
    key = (db.session.get_bind().url.render_as_string(hide_password=True), now.astimezone(timezone.utc).date())
    cached = POOL_CACHE.get("pool")
    if cached is None or cached["key"] != key:
        cached = _build_base(key, now)
    seen = cached["stamps"]  # id -> updated_at as in the base
    touched = db.session.execute(
        select(VolunteerProfile.id, VolunteerProfile.updated_at, VolunteerProfile.active)
        .where(VolunteerProfile.updated_at >= cached["newest"] - _LATE_COMMIT_MARGIN)
    ).all() if cached["newest"] else db.session.execute(
        select(VolunteerProfile.id, VolunteerProfile.updated_at, VolunteerProfile.active)).all()
    removed = {vid for vid, _, active in touched if not active and vid in seen}
    reread = [vid for vid, at, active in touched if active and seen.get(vid) != at]
    joined = sum(1 for vid in reread if vid not in seen)
    active_now = db.session.execute(select(func.count(VolunteerProfile.id)).where(VolunteerProfile.active.is_(True))).scalar_one()
    overlaid = len(reread) + len(removed)
    if active_now != len(seen) - len(removed) + joined or overlaid > min(_REBUILD_AFTER, max(50, len(seen) // 4)):
        # A profile was deleted (an erased account) or much has changed: start again.
        cached = _build_base(key, now)
        removed, reread = set(), []
    changed: dict[int, rules.VolunteerFacts] = {}
    if reread:
        rows = _profile_rows(VolunteerProfile.id.in_(reread))
        n = len(PROFILE_COLUMNS)
        changed = {f.id: f for f in facts_for([tuple(r[:n]) for r in rows], now)}
    busy, recent = _commitments(None, now)
    for f in cached["base"]:
        if f.id in changed or f.id in removed:
            continue
        if f.busy != busy.get(f.id, ()) or f.recent_shifts != recent.get(f.id, 0):
            changed[f.id] = replace(f, busy=busy.get(f.id, ()), recent_shifts=recent.get(f.id, 0))
    return VolunteerSet(cached["base"], changed, removed)


def _build_base(key: tuple, now: datetime) -> dict:
    POOL_CACHE.pop("matcher", None)
    rows = _profile_rows(VolunteerProfile.active.is_(True))
    n = len(PROFILE_COLUMNS)
    cached = {
        "key": key,
        "base": facts_for([tuple(r[:n]) for r in rows], now),
        "stamps": {r[0]: r[-1] for r in rows},
        "newest": max((r[-1] for r in rows), default=None),
    }
    POOL_CACHE["pool"] = cached
    return cached


def current_names(profile_ids) -> dict[int, str]:
    """{profile id: the person's name now} (one query). Names are not cached with the pool: a change
    of name touches no profile, and organisers must see the name the person uses."""
    ids = sorted(set(profile_ids))
    if not ids:
        return {}
    return dict(db.session.execute(
        select(VolunteerProfile.id, User.name).join(User, User.id == VolunteerProfile.user_id).where(VolunteerProfile.id.in_(ids))
    ).all())


def shift_facts(view: ShiftView) -> rules.ShiftFacts:
    s = view.shift
    return rules.ShiftFacts(
        id=s.id, start=s.start_at, end=s.end_at, district=view.district or "", skills=frozenset(s.skills or ()),
        languages=frozenset(s.languages or ()), min_age=s.min_age, needed=s.needed, taken=view.confirmed,
        requires=frozenset(s.requires or ()),
    )


def organisers_ages_on(now: datetime, tz: ZoneInfo) -> date:
    """The day the organisers' views (candidates, fill plans, invitations) take ages on: the first
    day of the current local month, whatever the shift's date. So an organiser who moves a shift's
    date (or adds shifts on other dates) sees the same people: at most someone's age in whole years
    on that day, never their birthday. A volunteer's own sign-up takes their age on the shift's date."""
    return local_today(now, tz).replace(day=1)
