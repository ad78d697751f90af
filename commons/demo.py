"""`flask --app commons demo-data`: the Helsinki demo, loaded part by part.

Each package registers its part (the small demo, safe to run twice, and optionally rows generated in
bulk for the benchmarks, asked for with a `demo-data` option) from its `register_hooks`, which
create_app calls in layer order: spaces first, then the packages whose demo uses its spaces and
bookings. commons knows none of them (like the jobs and the personal-data registries).
"""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class DemoPart:
    name: str  # the package, e.g. "spaces"
    load: Callable[[], str]  # the small demo (safe to run twice) -> a line for the command's output
    option: str | None = None  # the demo-data option asking for generated rows, e.g. "bookings" (--bookings N)
    generate: Callable[[int], int] | None = None  # n rows in bulk, replacing earlier ones -> how many were made
    limit: int = 0  # the option's largest value
    help: str = ""  # the option's help text


DEMO_PARTS: dict[str, DemoPart] = {}  # in registration (layer) order


def register_demo_part(part: DemoPart) -> None:
    DEMO_PARTS[part.name] = part


def load_demo(**counts: int) -> str:
    """Each part in turn: its demo, then the rows its option asks for (`bookings=500`); one line each."""
    messages = []
    for part in DEMO_PARTS.values():
        messages.append(part.load())
        wanted = counts.get(part.option or "", 0)
        if part.generate is not None and wanted:
            started = time.perf_counter()
            n = part.generate(wanted)
            messages.append(f"Generated {n} {part.option} in {time.perf_counter() - started:.1f} s.")
    return "\n".join(messages)
