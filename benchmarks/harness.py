"""The benchmark harness: fresh databases filled by `demo-data --bookings N`, a real gunicorn on
each, and requests timed from this process.

For each database kind the databases of every size are prepared first, then all their servers
run side by side and each measure alternates between them request by request, so that the load
of a shared machine falls on every size alike: the ratios compare like with like.
"""
from __future__ import annotations

import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import requests

from benchmarks.report import BookingShape, Check, Growth, median, percentile

ROOT = Path(__file__).resolve().parent.parent
HELSINKI = ZoneInfo("Europe/Helsinki")
PG_BASE = os.environ.get("BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432")
PG_PREFIX = os.environ.get("BENCH_DB_PREFIX", "perf_bench")
GENERATED_GROUP = "Generated bookings (benchmark)"  # spaces.demo.GENERATED_GROUP
GENERATED_FACILITY = "Generated facility (benchmark)"
CLIENT_GROUP = "Benchmark clients"
CLIENT_EMAIL = "bench@commons.localhost"
LAST_DAY_AHEAD = 300  # spaces.demo.LAST_DAY_AHEAD: the newest generated day
CLIENTS = 8


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# --- Databases ----------------------------------------------------------------------------------------


class Database:
    """A fresh database of one kind for one size, migrated; dropped by drop()."""

    def __init__(self, kind: str, tag: str, workdir: Path):
        self.kind = kind
        self.instance = workdir / f"instance-{kind}-{tag}"
        self.instance.mkdir(parents=True, exist_ok=True)
        if kind == "sqlite":
            self.url = f"sqlite:///{self.instance / 'bench.db'}"
        else:
            self.name = f"{PG_PREFIX}_{tag}"
            self.url = f"{PG_BASE}/{self.name}"
            self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)', f'CREATE DATABASE "{self.name}"')

    def _admin(self, *statements: str) -> None:
        import psycopg

        dsn = PG_BASE.replace("postgresql+psycopg://", "postgresql://") + "/postgres"
        with psycopg.connect(dsn, autocommit=True) as conn:
            for s in statements:
                conn.execute(s)

    def env(self) -> dict[str, str]:
        env = dict(os.environ, DATABASE_URL=self.url, COMMONS_INSTANCE=str(self.instance), SECRET_KEY="benchmark")
        # One group's hundreds of bookings in a minute are the load measured, not abuse: above the limits.
        env.setdefault("BOOKING_RATE_LIMIT", "100000 per minute")
        env.setdefault("TOKEN_RATE_LIMIT", "100000 per minute")
        for name in ("COMMONS_ENV", "MAIL_SERVER", "FLASK_APP"):
            env.pop(name, None)
        return env

    def flask(self, *args: str) -> str:
        r = subprocess.run(
            [sys.executable, "-m", "flask", "--app", "commons", *args],
            cwd=ROOT, env=self.env(), capture_output=True, text=True,
        )
        if r.returncode != 0:
            raise RuntimeError(f"flask {' '.join(args)} failed ({r.returncode}):\n{r.stdout}\n{r.stderr}")
        return r.stdout

    def vacuum(self) -> None:
        """PostgreSQL: VACUUM ANALYZE after the bulk load, as an operator would, so that autovacuum
        does not wake up on the fresh table in the middle of the timing (it took a core at N=1M)."""
        if self.kind != "postgresql":
            return
        import psycopg

        dsn = self.url.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE")

    def engine(self):
        from sqlalchemy import create_engine

        return create_engine(self.url)

    def drop(self) -> None:
        if self.kind == "postgresql":
            self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        shutil.rmtree(self.instance, ignore_errors=True)


# --- The server ---------------------------------------------------------------------------------------


class Server:
    """`gunicorn 'commons:create_app()'` on a free port, its log in the instance folder."""

    def __init__(self, db: Database, workers: int):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.workers = workers
        self.log_path = db.instance / "gunicorn.log"
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{self.port}", "commons:create_app()"],
            cwd=ROOT, env=db.env(), stdout=self._log, stderr=subprocess.STDOUT,
        )

    def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited:\n{self.log_path.read_text(errors='replace')}")
            try:
                r = requests.get(self.url + "/api/v1/groups", timeout=2)
                if r.status_code == 200 and self.log_path.read_text(errors="replace").count("Booting worker") >= self.workers:
                    return
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not answer in {timeout:.0f} s")
            time.sleep(0.2)

    def tracebacks(self) -> int:
        return self.log_path.read_text(errors="replace").count("Traceback")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()


# --- One size, prepared -------------------------------------------------------------------------------


@dataclass
class Prepared:
    n: int
    db: Database
    load_seconds: float  # the whole `demo-data --bookings N` command
    generate_seconds: float  # its bulk insert, as the command reports it
    token: str = ""
    client_group: int = 0
    spaces: list[int] = field(default_factory=list)  # the generated spaces
    server: Server | None = None


def prepare(kind: str, n: int, workdir: Path) -> Prepared:
    db = Database(kind, f"n{n}", workdir)
    db.flask("db", "upgrade")
    started = time.perf_counter()
    out = db.flask("demo-data", "--bookings", str(n))
    load = time.perf_counter() - started
    m = re.search(r"Generated (\d+) bookings in ([\d.]+) s", out)
    generate = float(m.group(2)) if m else load
    db.vacuum()
    db.flask("users", "create", CLIENT_EMAIL, "--name", "Benchmark client", "--role", "member",
             "--group", CLIENT_GROUP, "--password", "benchmark-password")
    token = db.flask("users", "token", CLIENT_EMAIL).split()[-1]
    from sqlalchemy import text

    engine = db.engine()
    with engine.connect() as conn:
        spaces = [r[0] for r in conn.execute(text(
            "SELECT s.id FROM spaces s JOIN facilities f ON f.id = s.facility_id WHERE f.name = :f ORDER BY s.id"),
            {"f": GENERATED_FACILITY})]
        group = conn.execute(text("SELECT id FROM groups WHERE name = :g"), {"g": CLIENT_GROUP}).scalar_one()
    engine.dispose()
    return Prepared(n, db, load, generate, token, group, spaces)


# --- Timing -------------------------------------------------------------------------------------------


def timed(fn) -> tuple[float, object]:
    started = time.perf_counter()
    result = fn()
    return (time.perf_counter() - started) * 1000, result


def interleaved(preps: list[Prepared], request, reps: int, warmup: int) -> dict[int, list[float]]:
    """request(prep) -> requests.Response, timed `reps` times per size, sizes alternating."""
    times: dict[int, list[float]] = defaultdict(list)
    for k in range(warmup + reps):
        for p in preps:
            ms, r = timed(lambda: request(p))
            if r.status_code >= 400:
                raise RuntimeError(f"{r.request.method} {r.url}: {r.status_code} {r.text[:300]}")
            if k >= warmup:
                times[p.n].append(ms)
    return times


def today() -> date:
    return datetime.now(HELSINKI).date()


def bench_days() -> tuple[date, date]:
    """The generated bookings' last two weeks: every size has bookings there."""
    last = today() + timedelta(days=LAST_DAY_AHEAD)
    return last - timedelta(days=13), last


# --- Concurrent bookings ------------------------------------------------------------------------------


def booking_requests(p: Prepared, count: int, seed: int) -> list[dict]:
    """Booking bodies for the benchmark client group: one-hour slots in the gaps between the generated
    bookings of the last two weeks, drawn with repetition from a pool half as large as `count` (so
    clients race for the same slots), plus some two-hour ones reaching into a generated booking."""
    rnd = random.Random(seed)
    first, last = bench_days()
    days = [first + timedelta(days=d) for d in range((last - first).days)]
    pool = []
    for _ in range(max(4, count // 2)):
        space, day = rnd.choice(p.spaces[:10]), rnd.choice(days)
        hour, length = rnd.choice([(8, 1), (11, 1), (14, 1), (17, 1), (20, 1), (21, 1), (10, 2), (16, 2), (20, 2)])
        pool.append((space, day, hour, length))
    out = []
    for _ in range(count):
        space, day, hour, length = rnd.choice(pool)
        out.append({
            "space_id": space, "group_id": p.client_group, "title": "Benchmark booking", "attendees": 5,
            "start": f"{day.isoformat()}T{hour:02d}:00", "end": f"{day.isoformat()}T{hour + length:02d}:00",
        })
    return out


@dataclass
class BookingRun:
    latencies: list[float]
    statuses: dict[int, int]
    problems: list[str]

    @property
    def p50(self) -> float:
        return percentile(self.latencies, 50)


def run_clients(calls: list, clients: int = CLIENTS) -> list[tuple[float, requests.Response]]:
    """Each call (a function making one request) from one of `clients` threads started together;
    (milliseconds, response) in the calls' order."""
    results: list = [None] * len(calls)
    barrier = threading.Barrier(clients)

    def client(k: int) -> None:
        barrier.wait()
        for i in range(k, len(calls), clients):
            results[i] = timed(calls[i])

    threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def warm_up_bookings(p: Prepared) -> list[dict]:
    """A few bookings one after another on a space the clients do not use (every worker has then
    loaded its templates and compiled its statements, as in a server that has run a while)."""
    first, _ = bench_days()
    bodies = [{"space_id": p.spaces[-1], "group_id": p.client_group, "title": "Warm-up", "attendees": 2,
               "start": f"{(first + timedelta(days=d)).isoformat()}T08:00", "end": f"{(first + timedelta(days=d)).isoformat()}T09:00"}
              for d in range(2 * p.server.workers)]
    return [(b, r.status_code, r.json(), 0.0) for b in bodies
            for r in [requests.post(p.server.url + "/api/v1/bookings", json=b, headers={"Authorization": f"Bearer {p.token}"}, timeout=60)]]


def concurrent_me(p: Prepared, count: int) -> list[float]:
    headers = {"Authorization": f"Bearer {p.token}"}
    return [ms for ms, _ in run_clients([lambda: requests.get(p.server.url + "/api/v1/me", headers=headers, timeout=60)] * count)]


@dataclass
class Shape:
    """One shape of concurrent bookings: the run, the GET /me p50 from the same clients in the same
    minutes, and the bookings answered 201 per second of the bursts' wall-clock time."""

    run: BookingRun
    me: list[float]
    me_one: list[float]  # GET /me one after another from one client, right before each burst
    seconds: float  # the bursts' wall-clock time, from the clients' start to the last answer

    @property
    def created_per_second(self) -> float:
        return self.run.statuses.get(201, 0) / self.seconds if self.seconds else float("nan")


def free_bodies(p: Prepared, count: int) -> list[dict]:
    """Booking bodies that all succeed: CLIENTS spaces of their own (generated rooms the racing
    shape, the feed and the warm-up do not use), each client one of them, one-hour slots in the
    gaps between the generated bookings (08, 11, 14, 17, 20, 21 o'clock) of the last two weeks,
    each slot once. Body i is client i % CLIENTS's (run_clients' assignment)."""
    first, last = bench_days()
    own = p.spaces[10:10 + CLIENTS]
    slots = [(first + timedelta(days=d), hour) for d in range((last - first).days) for hour in (8, 11, 14, 17, 20, 21)]
    if count > len(slots) * len(own):
        raise ValueError(f"at most {len(slots) * len(own)} bookings fit in the free slots")
    out = []
    for i in range(count):
        day, hour = slots[i // CLIENTS]
        out.append({
            "space_id": own[i % CLIENTS], "group_id": p.client_group, "title": "Benchmark booking", "attendees": 5,
            "start": f"{day.isoformat()}T{hour:02d}:00", "end": f"{day.isoformat()}T{hour + 1:02d}:00",
        })
    return out


def concurrent_bookings(p: Prepared, bodies: list[dict], rounds: int = 3, per_client: bool = False) -> tuple[Shape, list]:
    """The booking requests from CLIENTS clients at once, in `rounds` bursts, each burst right after
    CLIENTS GET /me one after another from one client and a burst of as many GET /me from the same
    clients at once (the yardsticks, measured in the same minutes: the load of a shared machine drifts). With `per_client` each burst is a multiple of CLIENTS
    requests, so that body i stays client i % CLIENTS's. (the shape, the answers for verify_bookings)."""
    headers = {"Authorization": f"Bearer {p.token}"}
    done, me, me_one = [], [], []
    seconds = 0.0
    size = -(-len(bodies) // rounds)
    if per_client:
        size = -(-size // CLIENTS) * CLIENTS
    for k in range(0, len(bodies), size):
        chunk = bodies[k:k + size]
        me_one += [timed(lambda: requests.get(p.server.url + "/api/v1/me", headers=headers, timeout=60))[0] for _ in range(CLIENTS)]
        me += concurrent_me(p, len(chunk))
        calls = [(lambda b=b: requests.post(p.server.url + "/api/v1/bookings", json=b, headers=headers, timeout=60)) for b in chunk]
        started = time.perf_counter()
        answers = run_clients(calls)
        seconds += time.perf_counter() - started
        for body, (ms, r) in zip(chunk, answers):
            try:
                payload = r.json()
            except ValueError:
                payload = None
            done.append((body, r.status_code, payload, ms))
    statuses: dict[int, int] = defaultdict(int)
    for _, status, _, _ in done:
        statuses[status] += 1
    return Shape(BookingRun([r[3] for r in done], dict(statuses), []), me, me_one, seconds), done


def booking_shapes(p: Prepared, count: int, seed: int = 8) -> tuple[Shape, Shape]:
    """The two shapes on one server, then one check of everything they stored: (clients racing for
    the same slots, mostly 409; every client on its own space, every booking 201)."""
    warm = warm_up_bookings(p)
    racing, done_racing = concurrent_bookings(p, booking_requests(p, count, seed))
    free, done_free = concurrent_bookings(p, free_bodies(p, count), per_client=True)
    problems = verify_bookings(p, warm + done_racing + done_free)
    problems += [f"all-201 shape: {n} answered {status}" for status, n in sorted(free.run.statuses.items()) if status != 201]
    racing.run.problems = problems
    return racing, free


def verify_bookings(p: Prepared, results) -> list[str]:
    """Every 201 is stored as answered; every 409 overlaps a stored active booking; no active
    bookings of a space overlap; nothing but 201 and 409."""
    from sqlalchemy import text

    problems = []
    engine = p.db.engine()
    first, last = bench_days()
    lo = datetime.combine(first - timedelta(days=1), datetime.min.time(), tzinfo=HELSINKI)
    hi = datetime.combine(last + timedelta(days=1), datetime.min.time(), tzinfo=HELSINKI)
    with engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT id, space_id, group_id, start_at, end_at, blocked_until FROM bookings "
            "WHERE status IN ('pending', 'confirmed') AND start_at >= :lo AND start_at < :hi"),
            {"lo": _param(lo, p.db.kind), "hi": _param(hi, p.db.kind)}).all()
    engine.dispose()
    active = defaultdict(list)
    stored = {}
    for bid, sid, gid, s, e, bu in rows:
        s, e, bu = _aware(s), _aware(e), _aware(bu)
        active[sid].append((s, bu, bid))
        if gid == p.client_group:
            stored[bid] = (sid, s, e)
    for sid, spans in active.items():
        spans.sort()
        for (s1, e1, b1), (s2, e2, b2) in zip(spans, spans[1:]):
            if s2 < e1:
                problems.append(f"bookings {b1} and {b2} of space {sid} overlap")
    answered = set()
    for body, status, payload, _ in results:
        s = datetime.fromisoformat(body["start"]).replace(tzinfo=HELSINKI)
        e = datetime.fromisoformat(body["end"]).replace(tzinfo=HELSINKI)
        if status == 201:
            for occ in payload["occurrences"]:
                answered.add(occ["id"])
                got = stored.get(occ["id"])
                if got is None or got != (body["space_id"], datetime.fromisoformat(occ["start"]), datetime.fromisoformat(occ["end"])):
                    problems.append(f"201 booking {occ['id']} is not stored as answered")
        elif status == 409:
            if not any(bs < e and s < be for bs, be, _ in active[body["space_id"]]):
                problems.append(f"409 for {body['start']}-{body['end']} on space {body['space_id']}, but nothing stored overlaps it")
        else:
            problems.append(f"status {status}: {payload}")
    extra = set(stored) - answered
    if extra:
        problems.append(f"{len(extra)} stored client bookings no 201 answered")
    return problems


def _param(moment: datetime, kind: str):
    from datetime import timezone

    utc = moment.astimezone(timezone.utc)
    return utc.replace(tzinfo=None) if kind == "sqlite" else utc


def _aware(value):
    from datetime import timezone

    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


# --- The feed against icalendar -----------------------------------------------------------------------


def to_ical_ms(body: bytes, reps: int) -> tuple[float, int]:
    """Median time of icalendar's Calendar.to_ical() of the feed (parsed once), and its event count."""
    import icalendar

    cal = icalendar.Calendar.from_ical(body)
    cal.to_ical()  # warm up
    events = len(cal.walk("VEVENT"))
    return median([timed(cal.to_ical)[0] for _ in range(reps)]), events


def feed_build_ms(p: Prepared, space_id: int, reps: int) -> float:
    """Median time of building the feed without the cache (calendars.services.build_space_feed),
    in this process against the same database: what a change costs the next subscriber."""
    code = (
        "import sys, time, statistics\n"
        "from commons import create_app\n"
        "from calendars import services\n"
        "app = create_app()\n"
        "with app.test_request_context():\n"
        f"    services.build_space_feed({space_id}, 'fi')\n"
        "    t = []\n"
        f"    for _ in range({reps}):\n"
        "        s = time.perf_counter(); services.build_space_feed(" + str(space_id) + ", 'fi'); t.append((time.perf_counter() - s) * 1000)\n"
        "print(statistics.median(t))\n"
    )
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=p.db.env(), capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(r.stderr)
    return float(r.stdout.split()[-1])


# --- A whole run for one database kind ---------------------------------------------------------------


@dataclass
class KindResult:
    checks: list[Check]
    growth: list[Growth]
    shapes: list[BookingShape] = field(default_factory=list)


def run_kind(kind: str, sizes: list[int], reps: int, bookings: int, workers: int, keep: bool = False) -> KindResult:
    workdir = Path(tempfile.mkdtemp(prefix=f"commons-bench-{kind}-"))
    preps: list[Prepared] = []
    try:
        for n in sizes:
            log(f"[{kind}] demo-data --bookings {n} ...")
            p = prepare(kind, n, workdir)
            log(f"[{kind}]   {p.load_seconds:.1f} s (bulk insert {p.generate_seconds:.1f} s)")
            preps.append(p)
        for p in preps:
            p.server = Server(p.db, workers)
        for p in preps:
            p.server.wait_ready()
        return measure(kind, preps, reps, bookings)
    finally:
        for p in preps:
            if p.server is not None:
                p.server.stop()
            if not keep:
                p.db.drop()
        if not keep:
            shutil.rmtree(workdir, ignore_errors=True)


def measure(kind: str, preps: list[Prepared], reps: int, bookings: int) -> KindResult:
    small, big = preps[0], preps[-1]
    warm = 3 * big.server.workers  # every worker has answered a few of each before the timing
    first, last = bench_days()
    week_from = last - timedelta(days=8)
    week = {"from": week_from.isoformat(), "to": (week_from + timedelta(days=7)).isoformat()}
    search_day = (last - timedelta(days=5)).isoformat()
    search = {"free_from": f"{search_day}T10:00", "free_to": f"{search_day}T12:00"}

    def auth(p):
        return {"Authorization": f"Bearer {p.token}"}

    log(f"[{kind}] timing requests ...")
    me = interleaved(preps, lambda p: requests.get(p.server.url + "/api/v1/me", headers=auth(p)), reps, warm)
    avail = interleaved(preps, lambda p: requests.get(f"{p.server.url}/api/v1/spaces/{p.spaces[0]}/availability", params=week), reps, warm)
    found = interleaved(preps, lambda p: requests.get(p.server.url + "/api/v1/spaces", params=search), reps, warm)
    feed_space = {p.n: p.spaces[1] for p in preps}
    feed = interleaved(preps, lambda p: requests.get(f"{p.server.url}/calendars/spaces/{feed_space[p.n]}.ics"), reps, warm)
    etags = {p.n: requests.get(f"{p.server.url}/calendars/spaces/{feed_space[p.n]}.ics").headers["ETag"] for p in preps}

    def conditional(p):
        r = requests.get(f"{p.server.url}/calendars/spaces/{feed_space[p.n]}.ics", headers={"If-None-Match": etags[p.n]})
        if r.status_code != 304:
            raise RuntimeError(f"conditional GET answered {r.status_code}, not 304")
        return r

    not_modified = interleaved(preps, conditional, reps, warm)
    body = requests.get(f"{big.server.url}/calendars/spaces/{feed_space[big.n]}.ics").content
    ical_ms, events = to_ical_ms(body, max(5, reps // 3))
    log(f"[{kind}] feed build without the cache ...")
    build_ms = feed_build_ms(big, feed_space[big.n], max(5, reps // 3))
    log(f"[{kind}] {bookings} bookings from {CLIENTS} clients at once, racing, then {bookings} all free ...")
    shapes = {p.n: booking_shapes(p, bookings) for p in preps}
    runs = {n: racing.run for n, (racing, _) in shapes.items()}
    me8 = {n: percentile(racing.me, 50) for n, (racing, _) in shapes.items()}
    free_runs = {n: free.run for n, (_, free) in shapes.items()}
    me8_free = {n: percentile(free.me, 50) for n, (_, free) in shapes.items()}
    me1 = {n: median(racing.me_one) for n, (racing, _) in shapes.items()}
    me1_free = {n: median(free.me_one) for n, (_, free) in shapes.items()}

    def med(d):
        return {n: median(v) for n, v in d.items()}

    me_m, av_m, se_m, fe_m, nm_m = med(me), med(avail), med(found), med(feed), med(not_modified)
    run, free_run = runs[big.n], free_runs[big.n]
    problems = [f"N={n}: {msg}" for n, r in runs.items() for msg in r.problems]
    tb = sum(p.server.tracebacks() for p in preps)
    if tb:
        problems.append(f"{tb} tracebacks in the server logs")
    nb, ns = f"N={big.n}", f"N={small.n}"
    per_200k = big.generate_seconds * 200_000 / big.n
    checks = [
        Check(kind, "1 availability, one week", av_m[big.n], av_m[small.n], 1.5, nb, ns),
        Check(kind, f"2 space feed ({events} events), cached", fe_m[big.n], ical_ms, 2, nb, "icalendar to_ical()"),
        Check(kind, "2b space feed, built (no cache)", build_ms, ical_ms, 2, nb, "icalendar to_ical()",
              note="in-process calendars.services.build_space_feed, what the first request after a change costs"),
        Check(kind, "3 feed 304 (If-None-Match)", nm_m[big.n], me_m[big.n], 2, nb, "GET /me"),
        Check(kind, f"4 booking p50, {CLIENTS} clients", run.p50, me8[big.n], 8, nb, f"GET /me p50, {CLIENTS} clients",
              note=f"{len(run.latencies)} requests: " + ", ".join(f"{c}: {k}" for c, k in sorted(run.statuses.items()))
              + f"; against GET /me from one client in the same minutes ({_fmt(me1[big.n])}) the ratio is {run.p50 / me1[big.n]:.1f}"),
        Check(kind, f"4c booking p50, {CLIENTS} clients, all 201", free_run.p50, me8_free[big.n], 8, nb, f"GET /me p50, {CLIENTS} clients",
              note=f"{len(free_run.latencies)} requests, each client on a space of its own: "
              + ", ".join(f"{c}: {k}" for c, k in sorted(free_run.statuses.items()))
              + f"; against GET /me from one client in the same minutes ({_fmt(me1_free[big.n])}) the ratio is {free_run.p50 / me1_free[big.n]:.1f}"),
        Check(kind, "4b bookings all correct", float(len(problems)), 1, 0, "problems:", "201 stored, 409 real, no overlap",
              unit="", note="; ".join(problems[:5])),
        Check(kind, "5 search free window, all spaces", se_m[big.n], se_m[small.n], 1.5, nb, ns),
        Check(kind, "6 demo-data --bookings 200000", per_200k, 1, 60, "", "60 s", unit="s",
              note=f"bulk insert of {big.n} took {big.generate_seconds:.1f} s (the whole command {big.load_seconds:.1f} s)"),
    ]
    growth = [
        Growth(kind, "GET /me (cheapest authenticated)", me_m),
        Growth(kind, "availability, one week", av_m),
        Growth(kind, "search with free window", se_m),
        Growth(kind, "space feed (cached)", fe_m),
        Growth(kind, "feed 304", nm_m),
        Growth(kind, f"booking p50, {CLIENTS} clients", {n: r.p50 for n, r in runs.items()}),
        Growth(kind, f"GET /me p50, {CLIENTS} clients", me8),
        Growth(kind, f"booking p50, {CLIENTS} clients, all 201", {n: r.p50 for n, r in free_runs.items()}),
        Growth(kind, f"GET /me p50, {CLIENTS} clients (all 201)", me8_free),
        Growth(kind, "demo-data --bookings N", {p.n: p.load_seconds for p in preps}, unit="s"),
    ]
    shapes_out = [
        BookingShape(kind, name, shape.run.p50, median(shape.me_one), percentile(shape.me, 50), shape.run.statuses,
                     shape.created_per_second, len(shape.run.latencies) / shape.seconds)
        for name, shape in (("racing (same slots)", shapes[big.n][0]), ("all 201 (own spaces)", shapes[big.n][1]))
    ]
    return KindResult(checks, growth, shapes_out)


def _fmt(ms: float) -> str:
    return f"{ms:.1f} ms"
