"""The fast path: volunteers.rules over numpy arrays, for thousands of volunteers at once.

volunteers.rules stays the scalar reference; this module is where a list is handed to numpy:
`eligible_pairs` (and the candidate lists of volunteers.services.candidates) take the pool for more
than POOL_THRESHOLD volunteers and the rules for fewer (the same results either way). Build a `VolunteerPool` once from a list of
rules.VolunteerFacts (the services keep one per process and rebuild it when profiles change);
`pool.rank(shift, tz, today, limit)` returns exactly what `rules.rank_candidates` returns (same
eligibility, same scores to the bit, same order; the reasons come from `rules.match`, computed only
for the returned volunteers). tests/volunteers/test_rules_pool.py proves the equality with hypothesis.

Layout: one array per scalar fact (ids, recent shifts, weekly limit in seconds, date of birth as a
yyyymmdd number, consent); for skills (with tags as codes), languages and districts an index from
each code to the sorted positions of the volunteers who have it (counting the required ones is a
few `np.add.at`s); availability as flat per-weekday arrays of merged windows; held shifts as flat
arrays of epoch seconds. Every formula is the one in rules (same operations in the same order on
float64), so the scores agree exactly.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import date
from zoneinfo import ZoneInfo

import numpy as np

from commons.districts import canonical

from volunteers import rules
from volunteers.rules import Match, ShiftFacts, VolunteerFacts

# rank_candidates and eligible_pairs hand lists longer than this to a VolunteerPool (numpy); same results.
POOL_THRESHOLD = 300


def _index(sets: list) -> dict[str, np.ndarray]:
    out: dict[str, list[int]] = {}
    for i, codes in enumerate(sets):
        for c in codes:
            out.setdefault(c, []).append(i)
    return {c: np.array(ix, dtype=np.int64) for c, ix in out.items()}


class VolunteerPool:
    def __init__(self, volunteers: list[VolunteerFacts]):
        self.facts = list(volunteers)
        n = self.n = len(self.facts)
        self.ids = np.fromiter((v.id for v in self.facts), dtype=np.int64, count=n)
        self.recent = np.fromiter((v.recent_shifts for v in self.facts), dtype=np.int64, count=n)
        self.limit_sec = np.fromiter((v.max_minutes_per_week * 60 for v in self.facts), dtype=np.int64, count=n)
        self.has_dob = np.fromiter((v.date_of_birth is not None for v in self.facts), dtype=bool, count=n)
        self.dob_key = np.fromiter(
            ((d.year * 10000 + d.month * 100 + d.day) if (d := v.date_of_birth) else 0 for v in self.facts),
            dtype=np.int64, count=n)
        self.consent = np.fromiter((v.guardian_consent for v in self.facts), dtype=bool, count=n)
        self.credentials: dict[str, np.ndarray] = {}  # kind -> last valid day as yyyymmdd (0: none)
        for i, v in enumerate(self.facts):
            for kind, until in rules.credentials_by_kind(v.credentials).items():
                col = self.credentials.setdefault(kind, np.zeros(n, dtype=np.int64))
                col[i] = until.year * 10000 + until.month * 100 + until.day
        self.skills = _index([rules.held_skills(v) for v in self.facts])
        self.languages = _index([v.languages for v in self.facts])
        self.districts = _index([{canonical(d) for d in v.districts} for v in self.facts])  # Kallio is Berghäll
        days: dict[int, tuple[list, list, list]] = {d: ([], [], []) for d in range(7)}
        b_vol, b0, b1 = [], [], []
        for i, v in enumerate(self.facts):
            for day, spans in rules.merged_windows(v.availability).items():
                if day in days:
                    for s, e in spans:
                        days[day][0].append(i)
                        days[day][1].append(s)
                        days[day][2].append(e)
            for a, b in v.busy:
                b_vol.append(i)
                b0.append(rules.ts(a))
                b1.append(rules.ts(b))
        self.windows = {d: tuple(np.array(x, dtype=np.int64) for x in cols) for d, cols in days.items()}
        self.b_vol = np.array(b_vol, dtype=np.int64)
        self.b0 = np.array(b0, dtype=np.int64)
        self.b1 = np.array(b1, dtype=np.int64)

    def __len__(self) -> int:
        return self.n

    def _count(self, index: dict[str, np.ndarray], codes) -> np.ndarray:
        held = np.zeros(self.n, dtype=np.int64)
        for c in codes:
            ix = index.get(c)
            if ix is not None:
                held[ix] += 1  # positions are unique per code
        return held

    def evaluate(self, shift: ShiftFacts, tz: ZoneInfo, today: date,
                 ages_on: date | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(eligible mask, score) for every volunteer in the pool (score 0 where not eligible); ages
        on the shift's local date, or on `ages_on` if earlier (as rules.match)."""
        n = self.n
        w = rules.WEIGHTS
        segments = rules.local_segments(shift.start, shift.end, tz)
        if segments is None or n == 0:
            return np.zeros(n, dtype=bool), np.zeros(n)
        ok = np.ones(n, dtype=bool)
        for day, s, e in segments:
            vol, ws, we = self.windows[day]
            hit = np.zeros(n, dtype=bool)
            hit[vol[(ws <= s) & (e <= we)]] = True
            ok &= hit

        if shift.requires:
            ok &= self.credentials_valid(shift, tz)

        on = rules.ages_day(shift, tz, ages_on)
        on_key = on.year * 10000 + on.month * 100 + on.day
        if shift.min_age is not None and shift.min_age > 0:
            ok &= self.has_dob & (self.dob_key + shift.min_age * 10000 <= on_key)
        minor = self.has_dob & ~(self.dob_key + rules.ADULT_AGE * 10000 <= on_key)
        ok &= ~(minor & ~self.consent)

        s_ts, e_ts = rules.ts(shift.start), rules.ts(shift.end)
        if len(self.b_vol):
            hit = (self.b0 < e_ts) & (s_ts < self.b1)
            ok[self.b_vol[hit]] = False
        spare_sec = None
        for w0, w1 in rules.local_weeks(shift.start, shift.end, tz):
            used = np.full(n, min(e_ts, w1) - max(s_ts, w0), dtype=np.int64)
            if len(self.b_vol):
                clip = np.maximum(0, np.minimum(self.b1, w1) - np.maximum(self.b0, w0))
                np.add.at(used, self.b_vol, clip)
            left = self.limit_sec - used
            spare_sec = left if spare_sec is None else np.minimum(spare_sec, left)
        ok &= spare_sec >= 0

        if shift.skills:
            skill_pts = w["skills"] * self._count(self.skills, shift.skills) / len(shift.skills)
        else:
            skill_pts = w["skills"]
        if shift.languages:
            lang_pts = w["languages"] * self._count(self.languages, shift.languages) / len(shift.languages)
        else:
            lang_pts = w["languages"]
        district_pts = np.zeros(n)
        ix = self.districts.get(canonical(shift.district))
        if ix is not None:
            district_pts[ix] = w["district"]
        spare_min = spare_sec // 60
        spare_pts = w["spare_hours"] * np.clip(spare_min, 0, rules.SPARE_FULL_MINUTES) / rules.SPARE_FULL_MINUTES
        fair_pts = w["fairness"] * rules.FAIRNESS_HALF / (rules.FAIRNESS_HALF + self.recent)
        raw = skill_pts + lang_pts + district_pts + spare_pts + fair_pts
        score = np.where(ok, np.floor(raw * 10.0 + 0.5) / 10.0, 0.0)
        return ok, score

    def credentials_valid(self, shift: ShiftFacts, tz: ZoneInfo) -> np.ndarray:
        """Who holds every credential the shift requires, valid on its local date (rules.credential_misses empty)."""
        ok = np.ones(self.n, dtype=bool)
        day = shift.start.astimezone(tz).date()
        day_key = day.year * 10000 + day.month * 100 + day.day
        for kind in shift.requires:
            col = self.credentials.get(kind)
            ok &= (col >= day_key) if col is not None else False
        return ok

    def eligible_scores(self, shift: ShiftFacts, tz: ZoneInfo, today: date,
                        ages_on: date | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Positions (in the list the pool was built from) of the eligible volunteers and their scores."""
        ok, score = self.evaluate(shift, tz, today, ages_on)
        idx = np.flatnonzero(ok)
        return idx, score[idx]

    def rank(self, shift: ShiftFacts, tz: ZoneInfo, today: date, limit: int | None = None,
             ages_on: date | None = None, blocked: bool = False) -> list[Match]:
        """Eligible volunteers best first (ties: fewer recent shifts, then id), like rules.rank_candidates.
        blocked=True: those who would be eligible but for the shift's credentials, in the same order,
        like rules.rank_blocked_candidates (one more pass over the arrays, no per-person work)."""
        if blocked:
            if not shift.requires:
                return []
            ok, score = self.evaluate(replace(shift, requires=frozenset()), tz, today, ages_on)
            idx = np.flatnonzero(ok & ~self.credentials_valid(shift, tz))
            score = score[idx]
        else:
            idx, score = self.eligible_scores(shift, tz, today, ages_on)
        if limit is not None:
            limit = max(limit, 0)
        if limit is not None and limit < len(idx):
            # Keep everything scoring at least the limit-th best score, then sort only those.
            cut = np.partition(-score, limit - 1)[limit - 1] if limit else None
            if cut is None:
                return []
            keep = -score <= cut
            idx, score = idx[keep], score[keep]
        order = np.lexsort((self.ids[idx], self.recent[idx], -score))
        top = idx[order] if limit is None else idx[order[:limit]]
        make = rules.credential_blocked if blocked else rules.match
        return [make(self.facts[i], shift, tz, today, ages_on) for i in top]


def eligible_pairs(shifts: list[ShiftFacts], volunteers: list[VolunteerFacts], tz: ZoneInfo, today: date,
                   ages_on: date | None = None,
                   exclude: frozenset[tuple[int, int]] = frozenset()) -> list[tuple[int, int, float]]:
    """rules.eligible_pairs (shift index, volunteer index, score), through a VolunteerPool for more
    than POOL_THRESHOLD volunteers."""
    if len(volunteers) <= POOL_THRESHOLD:
        return rules.eligible_pairs(shifts, volunteers, tz, today, ages_on, exclude)
    open_shifts = [(i, s) for i, s in enumerate(shifts) if s.needed - s.taken > 0]
    if not open_shifts:
        return []
    pool = VolunteerPool(volunteers)
    pairs = []
    for i, s in open_shifts:
        idx, scores = pool.eligible_scores(s, tz, today, ages_on=ages_on)
        pairs.extend((i, int(j), float(sc)) for j, sc in zip(idx, scores))
    if exclude:
        pairs = [p for p in pairs if (shifts[p[0]].id, volunteers[p[1]].id) not in exclude]
    return pairs
