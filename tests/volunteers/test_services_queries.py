"""Matching and lists cost a fixed number of queries, not one per volunteer, shift or sign-up."""
from tests.support.queries import count_queries
from tests.volunteers.conftest import tuesday


def _fill(world, n_shifts, n_volunteers):
    a = world.activity(f"Activity {n_shifts}")
    shifts = [world.shift(a, day=tuesday(1 + i), needed=3) for i in range(n_shifts)]
    vols = [world.volunteer(f"V{n_shifts}-{i}") for i in range(n_volunteers)]
    for v in vols:
        v.post(f"/shifts/{shifts[0]}/signup")
    return a, shifts, vols


def test_candidates_matches_and_lists_cost_the_same_for_few_or_many(app, world):
    from volunteers.services import facts

    a1, s1, v1 = _fill(world, 2, 2)
    facts.POOL_CACHE.clear()
    with count_queries(app) as few_c:
        world.organiser.get(f"/shifts/{s1[1]}/candidates")
    with count_queries(app) as few_m:
        v1[0].get("/volunteers/me/matches")
    with count_queries(app) as few_s:
        world.organiser.get(f"/shifts/{s1[0]}/signups")
    with count_queries(app) as few_mine:
        v1[0].get("/volunteers/me/shifts")
    with count_queries(app) as few_list:
        world.organiser.get("/activities")

    a2, s2, v2 = _fill(world, 8, 8)
    for s in s2[1:4]:
        v2[0].post(f"/shifts/{s}/signup")
    facts.POOL_CACHE.clear()
    with count_queries(app) as many_c:
        world.organiser.get(f"/shifts/{s2[1]}/candidates")
    with count_queries(app) as many_m:
        v2[0].get("/volunteers/me/matches")
    with count_queries(app) as many_s:
        world.organiser.get(f"/shifts/{s2[0]}/signups")
    with count_queries(app) as many_mine:
        v2[0].get("/volunteers/me/shifts")
    with count_queries(app) as many_list:
        world.organiser.get("/activities")
    assert len(many_c) == len(few_c)
    assert len(many_m) == len(few_m)
    assert len(many_s) == len(few_s)
    assert len(many_mine) == len(few_mine)
    assert len(many_list) == len(few_list)
