"""volunteers.matching.VolunteerPool gives exactly what volunteers.rules gives: the same eligible
volunteers, the same scores to the bit, the same order, the same reasons (property test)."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from volunteers import matching, rules
from volunteers.matching import VolunteerPool
from volunteers.rules import ShiftFacts, VolunteerFacts, Window, match, rank_candidates

from ._facts import TODAY, TZ, at, shift, volunteer

SKILLS = rules.SKILLS[:5] + ("chess",)
LANGS = ("fi", "sv", "en", "so")
DISTRICTS = ("Kallio", "kallio", "Vallila", "Kontula")
# Around the spring and autumn clock changes, and an ordinary winter week.
BASE_DAYS = (date(2027, 3, 25), date(2027, 10, 28), date(2027, 1, 10))

minutes = st.integers(0, 24 * 4).map(lambda q: q * 15)


@st.composite
def windows(draw):
    out = []
    for _ in range(draw(st.integers(0, 5))):
        day = draw(st.integers(0, 6))
        a, b = sorted((draw(minutes), draw(minutes)))
        out.append(Window(day, a, b if b > a else min(a + 60, 1440)))
    return tuple(out)


@st.composite
def moments(draw, base):
    return at(base, 0) + timedelta(minutes=draw(st.integers(0, 10 * 24 * 4)) * 15)


@st.composite
def volunteers_(draw, base, vid):
    busy = []
    for _ in range(draw(st.integers(0, 3))):
        start = draw(moments(base))
        busy.append((start, start + timedelta(minutes=draw(st.sampled_from((30, 60, 120, 180, 600))))))
    dob = draw(st.one_of(st.none(), st.dates(date(2005, 1, 1), date(2016, 12, 31))))
    return VolunteerFacts(
        id=vid,
        skills=frozenset(draw(st.sets(st.sampled_from(SKILLS[:5]), max_size=3))),
        tags=frozenset(draw(st.sets(st.sampled_from(("chess", "First aid", "knitting")), max_size=2))),
        languages=frozenset(draw(st.sets(st.sampled_from(LANGS), max_size=3))),
        districts=frozenset(draw(st.sets(st.sampled_from(DISTRICTS), max_size=2))),
        availability=draw(st.one_of(windows(), st.just(tuple(Window(d, 0, 1440) for d in range(7))))),
        max_minutes_per_week=draw(st.sampled_from((0, 60, 120, 240, 600, 900))),
        date_of_birth=dob,
        guardian_consent=draw(st.booleans()),
        busy=tuple(busy),
        recent_shifts=draw(st.integers(0, 6)),
    )


@st.composite
def cases(draw):
    base = draw(st.sampled_from(BASE_DAYS))
    n = draw(st.integers(0, 15))
    ids = draw(st.lists(st.integers(1, 10_000), min_size=n, max_size=n, unique=True))
    vols = [draw(volunteers_(base, i)) for i in ids]
    start = draw(moments(base))
    s = ShiftFacts(
        id=1, start=start, end=start + timedelta(minutes=draw(st.sampled_from((15, 60, 90, 120, 240, 600, 1500)))),
        district=draw(st.sampled_from(DISTRICTS)),
        skills=frozenset(draw(st.sets(st.sampled_from(SKILLS), max_size=3))),
        languages=frozenset(draw(st.sets(st.sampled_from(LANGS), max_size=2))),
        min_age=draw(st.sampled_from((None, 0, 15, 18))),
    )
    limit = draw(st.one_of(st.none(), st.integers(0, 30)))
    # the organisers' day for ages (the first of the month), before or after the shift's date
    ages_on = draw(st.one_of(st.none(), st.dates(base - timedelta(days=800), base + timedelta(days=20))))
    return s, vols, limit, ages_on


@pytest.mark.fuzz  # 200 generated pools: outside the fast lane
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(cases())
def test_pool_ranks_exactly_like_the_rules(case):
    s, vols, limit, ages_on = case
    pool = VolunteerPool(vols)
    ok, score = pool.evaluate(s, TZ, TODAY, ages_on)
    for i, v in enumerate(vols):
        m = match(v, s, TZ, TODAY, ages_on)
        assert (bool(ok[i]), float(score[i])) == (m.eligible, m.score), (v, m)
    assert pool.rank(s, TZ, TODAY, limit, ages_on) == rank_candidates(s, vols, TZ, TODAY, limit, ages_on)


def test_pool_with_many_ties_keeps_the_order_by_recent_then_id():
    vols = [volunteer(1000 - i, recent_shifts=i % 3) for i in range(400)]
    s = shift()
    ranked = VolunteerPool(vols).rank(s, TZ, TODAY, 7)
    assert [(m.volunteer_id, m.score) for m in ranked] == [
        (m.volunteer_id, m.score) for m in sorted((match(v, s, TZ, TODAY) for v in vols),
                                                  key=lambda m: (-m.score, (1000 - m.volunteer_id) % 3,
                                                                 m.volunteer_id))[:7]]
    assert [m.volunteer_id for m in ranked] == [601, 604, 607, 610, 613, 616, 619]


def test_a_list_longer_than_the_threshold_ranks_the_same_through_the_pool():
    """The lists the services hand to the pool (volunteers.services.candidates: more than
    POOL_THRESHOLD people) rank as the rules rank them."""
    vols = [volunteer(i, languages={"sv"} if i % 3 else {"fi"}, districts={"Kallio"} if i % 4 else set(),
                      recent_shifts=i % 5, availability=((1, 17 * 60, 20 * 60),) if i % 7 else ())
            for i in range(1, matching.POOL_THRESHOLD + 50)]
    s = shift(languages=frozenset({"sv"}))
    fast = VolunteerPool(vols).rank(s, TZ, TODAY, 20)
    assert fast == rank_candidates(s, vols, TZ, TODAY, 20)  # the rules' (the scalar reference)
    assert len(fast) == 20


def test_an_empty_pool_and_an_impossible_shift():
    empty = VolunteerPool([])
    assert len(empty) == 0 and empty.rank(shift(), TZ, TODAY) == []
    pool = VolunteerPool([volunteer(1)])
    too_long = shift(minutes=3 * 24 * 60)
    assert pool.rank(too_long, TZ, TODAY) == [] and rank_candidates(too_long, [volunteer(1)], TZ, TODAY) == []
    idx, scores = pool.eligible_scores(shift(), TZ, TODAY)
    assert list(idx) == [0] and list(scores) == [match(volunteer(1), shift(), TZ, TODAY).score]
