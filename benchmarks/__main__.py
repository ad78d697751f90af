"""`python -m benchmarks [--db sqlite|postgresql|both] [--quick] [--sizes 20000,220000] [--markdown]`

Starts the real server (gunicorn) on fresh databases filled by `flask --app commons demo-data
--bookings N` and prints a table of medians and the ratios measured in the same run (docs/performance.md,
"Performance"). Exit status 1 when a check fails.
"""
from __future__ import annotations

import argparse
import sys

from benchmarks import report
from benchmarks.harness import run_kind

DEFAULT_SIZES = [20_000, 220_000]
QUICK_SIZES = [2_000, 22_000]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n\n")[1])
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--quick", action="store_true", help="smaller data and fewer repetitions (N = 2 000 and 22 000)")
    parser.add_argument("--sizes", help="comma-separated booking counts; the ratios compare the first and the last "
                        "(default 20000,220000); e.g. 10000,100000,1000000 for how it grows")
    parser.add_argument("--reps", type=int, help="timed requests per measure and size (default 30, quick 10)")
    parser.add_argument("--bookings", type=int, help="booking requests from the 8 concurrent clients, in each of the two shapes (default 96, quick 32)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers per server (default 4)")
    parser.add_argument("--markdown", action="store_true", help="print the tables in Markdown too (for docs/performance.md)")
    parser.add_argument("--keep", action="store_true", help="keep the databases and server logs (printed paths)")
    parser.add_argument("--no-matching", action="store_true", help="skip the volunteers' matching benchmark")
    args = parser.parse_args(argv)
    if args.sizes:
        args.sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    else:
        args.sizes = QUICK_SIZES if args.quick else DEFAULT_SIZES
    if len(args.sizes) < 2:
        parser.error("--sizes needs at least two sizes")
    args.reps = args.reps or (10 if args.quick else 30)
    args.bookings = args.bookings or (32 if args.quick else 96)
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    kinds = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    checks: list[report.Check] = []
    growth: list[report.Growth] = []
    shapes: list[report.BookingShape] = []
    for kind in kinds:
        result = run_kind(kind, args.sizes, args.reps, args.bookings, args.workers, keep=args.keep)
        checks += result.checks
        growth += result.growth
        shapes += result.shapes
    print(report.format_checks(checks))
    print()
    print(report.format_growth(growth))
    print()
    print(report.format_shapes(shapes))
    if args.markdown:
        print()
        print(report.markdown_checks(checks))
        print()
        print(report.markdown_growth(growth))
        print()
        print(report.markdown_shapes(shapes))
    failed = [c for c in checks if not c.ok]
    print(f"\n{len(checks) - len(failed)} of {len(checks)} checks hold.")
    if not args.no_matching:
        run_matching()
    return 1 if failed else 0


def run_matching() -> None:
    """7. Matching volunteers: the volunteers package brings benchmarks/matching.py."""
    try:
        from benchmarks import matching
    except ImportError:
        print("matching: not available")
        return
    matching.main()


if __name__ == "__main__":
    sys.exit(main())
