"""Benchmarks: `python -m benchmarks` (see docs/performance.md). Not part of the pytest suite."""
