"""Pure parts of the benchmark: medians, percentiles, the ratio checks and the printed tables.

No server, no database: tests/tools/test_benchmarks.py runs these on made-up numbers.
"""
from __future__ import annotations

import statistics
from dataclasses import dataclass, field


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile (0..100), nearest rank: p50 of [1, 2, 3, 4] is 2."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * p // 100))
    return ordered[int(rank) - 1]


@dataclass
class Check:
    """One row of the result table: `value` (a numerator) against `base` (a denominator) measured
    in the same run; passes when value / base <= limit. For an absolute check, base is 1 and unit
    says what the numbers are."""

    db: str
    name: str
    value: float
    base: float
    limit: float
    value_label: str
    base_label: str
    unit: str = "ms"
    note: str = ""

    @property
    def ratio(self) -> float:
        return self.value / self.base if self.base else float("inf")

    @property
    def ok(self) -> bool:
        return self.ratio <= self.limit


@dataclass
class Growth:
    """Medians of one measure at each N (bookings), for "how does it grow"."""

    db: str
    name: str
    by_n: dict[int, float] = field(default_factory=dict)
    unit: str = "ms"


@dataclass
class BookingShape:
    """One shape of concurrent bookings at the largest N: the booking p50 against GET /me from one
    idle client and from the same 8 clients, and the throughput."""

    db: str
    name: str
    p50: float  # ms
    me_one: float  # GET /me median from one client, one after another, in the same minutes (ms)
    me_clients: float  # GET /me p50 from the same clients in the same minutes (ms)
    statuses: dict[int, int] = field(default_factory=dict)
    created_per_second: float = float("nan")  # bookings answered 201 per second of the bursts
    requests_per_second: float = float("nan")

    @property
    def ratio_one(self) -> float:
        return self.p50 / self.me_one if self.me_one else float("inf")

    @property
    def ratio_clients(self) -> float:
        return self.p50 / self.me_clients if self.me_clients else float("inf")


SHAPE_GOAL = 6  # booking p50 under 8 clients against GET /me from one idle client (issue 15, item 7)


def _shape_rows(shapes: list[BookingShape]) -> list[tuple]:
    rows = []
    for s in shapes:
        answers = ", ".join(f"{c}: {k}" for c, k in sorted(s.statuses.items()))
        rows.append((s.db, s.name, answers, _num(s.p50, "ms"), _num(s.me_one, "ms"), f"{s.ratio_one:.1f}",
                     _num(s.me_clients, "ms"), f"{s.ratio_clients:.2f}", f"{s.created_per_second:.0f}", f"{s.requests_per_second:.0f}"))
    return rows


SHAPE_HEAD = ("db", "bookings", "answers", "p50", "GET /me, 1 client", "ratio", "GET /me p50, 8 clients", "ratio",
              "201/s", "requests/s")


def format_shapes(shapes: list[BookingShape]) -> str:
    """The booking shapes side by side (the ratio against one idle client has the goal SHAPE_GOAL)."""
    return _table([SHAPE_HEAD] + _shape_rows(shapes)) + (
        f"\n  (goal: booking p50 at most {SHAPE_GOAL}x GET /me from one client, in both shapes)" if shapes else "")


def markdown_shapes(shapes: list[BookingShape]) -> str:
    out = ["| " + " | ".join(SHAPE_HEAD) + " |", "|" + "---|" * len(SHAPE_HEAD)]
    out += ["| " + " | ".join(row) + " |" for row in _shape_rows(shapes)]
    return "\n".join(out)


def _num(x: float, unit: str) -> str:
    if x != x:  # NaN
        return "-"
    if unit == "ms":
        return f"{x:.1f} ms" if x < 100 else f"{x:.0f} ms"
    if unit == "s":
        return f"{x:.1f} s"
    return f"{x:g} {unit}".strip()


def format_checks(checks: list[Check]) -> str:
    """A plain-text table: database, check, measured, against, ratio and limit, verdict."""
    head = ("db", "check", "measured", "against", "ratio", "limit", "")
    rows = [head]
    for c in checks:
        against = c.base_label if c.base == 1 and c.unit != "ms" else f"{c.base_label} {_num(c.base, c.unit)}"
        rows.append(
            (
                c.db,
                c.name,
                f"{c.value_label} {_num(c.value, c.unit)}".strip(),
                against,
                f"{c.ratio:.2f}" if c.base != 1 or c.unit == "ms" else _num(c.value, c.unit),
                f"<= {c.limit:g}",
                "ok" if c.ok else "FAIL",
            )
        )
    return _table(rows) + "".join(f"\n  note ({c.db}, {c.name}): {c.note}" for c in checks if c.note)


def format_growth(growths: list[Growth]) -> str:
    sizes = sorted({n for g in growths for n in g.by_n})
    head = ("db", "measure") + tuple(f"N={_short(n)}" for n in sizes)
    rows = [head]
    for g in growths:
        rows.append((g.db, g.name) + tuple(_num(g.by_n[n], g.unit) if n in g.by_n else "-" for n in sizes))
    return _table(rows)


def _short(n: int) -> str:
    if n >= 1_000_000 and n % 1_000_000 == 0:
        return f"{n // 1_000_000}M"
    if n >= 1000 and n % 1000 == 0:
        return f"{n // 1000}k"
    return str(n)


def _table(rows: list[tuple]) -> str:
    widths = [max(len(str(r[i])) for r in rows) for i in range(len(rows[0]))]
    lines = []
    for k, r in enumerate(rows):
        lines.append(" | ".join(str(v).ljust(w) for v, w in zip(r, widths)).rstrip())
        if k == 0:
            lines.append("-+-".join("-" * w for w in widths))
    return "\n".join(lines)


def markdown_checks(checks: list[Check]) -> str:
    """The same table in Markdown, for docs/performance.md."""
    out = ["| db | check | measured | against | ratio | limit | |", "|---|---|---|---|---|---|---|"]
    for c in checks:
        ratio = f"{c.ratio:.2f}" if c.base != 1 or c.unit == "ms" else _num(c.value, c.unit)
        against = c.base_label if c.base == 1 and c.unit != "ms" else f"{c.base_label} {_num(c.base, c.unit)}"
        out.append(f"| {c.db} | {c.name} | {c.value_label} {_num(c.value, c.unit)} | {against} | {ratio} | <= {c.limit:g} | {'ok' if c.ok else 'FAIL'} |")
    return "\n".join(out)


def markdown_growth(growths: list[Growth]) -> str:
    sizes = sorted({n for g in growths for n in g.by_n})
    out = ["| db | measure | " + " | ".join(f"N={_short(n)}" for n in sizes) + " |", "|---|---|" + "---|" * len(sizes)]
    for g in growths:
        out.append(f"| {g.db} | {g.name} | " + " | ".join(_num(g.by_n[n], g.unit) if n in g.by_n else "-" for n in sizes) + " |")
    return "\n".join(out)
