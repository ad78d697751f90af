"""Benchmarks: `python -m benchmarks` (see README, "Performance"). Not part of the pytest suite."""
