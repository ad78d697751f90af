"""The whole test session under another clock: `--clock 2027-03-28T04:10+03:00` (or the environment's
COMMONS_TEST_CLOCK) moves the process's wall clock there when pytest starts, with time-machine, and
lets it run on from there (`tick=True`), so that everything reading the time (datetime.now, time.time,
the app's `commons.db.utcnow`, Flask's cookies, the rate limiter) sees that day and hour. A time
without an offset is Helsinki's. `time.monotonic` and `time.perf_counter` are left alone.

CI runs the fast lane under the clocks of CLOCKS (.ci/run); a developer can run any test under one:

    COMMONS_TEST_CLOCK=2027-01-01T00:10+02:00 .venv/bin/python -m pytest -q tests/spaces

A process that a test starts (gunicorn, a second Python) gets the same clock when the test starts it
through `python_command()`; run as `python -m tests.support.clock WHEN -m module ...` or
`... WHEN -c code` (WHEN may be `offset=SECONDS` from the machine's clock), this module travels to
WHEN and then runs the module or code.
"""
from __future__ import annotations

import runpy
import sys
import time
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

HELSINKI = ZoneInfo("Europe/Helsinki")
ENV = "COMMONS_TEST_CLOCK"

# Clocks that have bitten calendars before, as CI runs them (.ci/run reads them from here). Four, to keep
# CI short; together they are late evening and just after midnight, midweek and the weekend, a UTC date
# other than Helsinki's, ISO week 53, and both days whose length is not 24 hours.
CLOCKS = {
    # a Wednesday: next_weekday(1) comes after next_weekday(3); "now + N days + M hours" is past closing time
    "Independence Day, late in the evening (a Wednesday)": "2028-12-06T22:30+02:00",
    # the UTC date is still 31 December; the ISO week is 2026-W53 of the year before
    "just after midnight on New Year's Day (a Friday)": "2027-01-01T00:10+02:00",
    "the spring clock change, just after it (a 23-hour Sunday)": "2027-03-28T04:10+03:00",
    "the autumn clock change, the repeated hour's second pass (a 25-hour Sunday)": "2027-10-31T03:30+02:00",
}

_travel = None


def parse(when: str) -> datetime:
    """An ISO 8601 date and time; without an offset it is Helsinki time."""
    moment = datetime.fromisoformat(when)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=HELSINKI)
    return moment


def start(when: str) -> datetime:
    """Move this process's clock to `when` and let it tick on from there."""
    global _travel
    import time_machine

    moment = parse(when)
    _travel = time_machine.travel(moment, tick=True)
    _travel.start()
    return moment


def stop() -> None:
    global _travel
    if _travel is not None:
        _travel.stop()
        _travel = None


def travelling() -> bool:
    return _travel is not None


def python_command() -> list[str]:
    """How to start a Python subprocess that sees the same clock as this one: [python] when the clock is
    the machine's, else [python, -m, tests.support.clock, offset=SECONDS] (then `-m module ...` or
    `-c code`). The subprocess moves its clock by the same offset from the machine's clock, so that the
    two clocks agree to the microsecond however long the subprocess takes to start (a moment passed
    instead made its clock late by its start-up: its rows sorted before ones this process made earlier)."""
    if not travelling():
        return [sys.executable]
    import time_machine

    offset = time.time() - time_machine.escape_hatch.time.time()
    return [sys.executable, "-m", "tests.support.clock", f"offset={offset!r}"]


def describe(moment: datetime) -> str:
    local = moment.astimezone(HELSINKI)
    return f"{local:%A %Y-%m-%d %H:%M} in Helsinki ({moment.astimezone(timezone.utc):%Y-%m-%d %H:%M} UTC)"


def _main(argv: list[str]) -> None:
    when, how, what, *rest = argv
    if when.startswith("offset="):  # the machine's clock is not moved yet here
        when = datetime.fromtimestamp(time.time() + float(when.removeprefix("offset=")), timezone.utc).isoformat()
    start(when)
    if how == "-m":
        sys.argv = [what, *rest]
        runpy.run_module(what, run_name="__main__", alter_sys=True)
    elif how == "-c":
        sys.argv = ["-c", *rest]
        exec(compile(what, "<string>", "exec"), {"__name__": "__main__"})
    else:
        raise SystemExit(f"usage: python -m tests.support.clock WHEN (-m MODULE | -c CODE) [ARGS...], not {how!r}")


if __name__ == "__main__":
    _main(sys.argv[1:])
