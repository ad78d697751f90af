"""The benchmark's generated data and measurements still run (small sizes; no timings asserted)."""
from __future__ import annotations

from benchmarks import matching as bench
from volunteers.rules import rank_candidates


def test_generated_data_is_seeded_and_realistic():
    assert bench.make_volunteers(50) == bench.make_volunteers(50)
    vols, shifts = bench.make_volunteers(200), bench.make_shifts(20)
    assert all(v.languages and v.districts <= set(bench.DISTRICTS) and v.availability for v in vols)
    assert any(rank_candidates(s, vols, bench.TZ, bench.TODAY) for s in shifts)


def test_the_measurements_run_on_small_sizes():
    build, median, worst, found, scoring, plain = bench.bench_rank(n_volunteers=400, n_shifts=3, limit=5)
    assert 0 <= median <= worst and found <= 5
    elapsed, plan, places = bench.bench_fill(n_shifts=8, n_volunteers=60)
    assert plan.optimal and len(plan.assignments) <= places
