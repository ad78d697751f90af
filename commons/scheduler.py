"""The `scheduler` process: APScheduler (BlockingScheduler) runs the jobs of commons.jobs on their
schedules, with its job store (table `apscheduler_jobs`) in the app's database.

Only one scheduler may run per deployment. Before it starts, the process takes a lock that it holds
for its whole life; a second process started against the same database logs "another scheduler
holds the lock; waiting" and polls, taking over when the first one ends:

- PostgreSQL: a session-level advisory lock held on a dedicated connection (released by the server
  when the process or its connection dies);
- SQLite: an exclusive `flock` on a file next to the database (released by the OS when the process dies).

The process holding the lock writes a heartbeat (commons.models.SchedulerHeartbeat: who, since when, the
last beat) every SCHEDULER_HEARTBEAT_SECONDS from the scheduler's own loop, and says when it stops:
`/readyz` and `/metrics` read it (docs/operations.md "Health, metrics, request ids").
"""
from __future__ import annotations

import fcntl
import logging
import os
import signal
import socket
import threading
from datetime import datetime, timezone

from flask import Flask
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

log = logging.getLogger("commons.scheduler")

ADVISORY_KEY = 0x436F6D6D  # "Comm": the scheduler's session advisory lock on PostgreSQL


class PostgresLock:
    def __init__(self, url: str):
        # A connection of its own, outside the app's pool, for as long as the lock is held.
        self.engine = create_engine(url, poolclass=NullPool)
        self.conn = None

    def try_acquire(self) -> bool:
        if self.conn is None:
            self.conn = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        got = bool(self.conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": ADVISORY_KEY}).scalar())
        if not got:
            self.conn.close()
            self.conn = None
        return got

    def release(self) -> None:
        if self.conn is not None:
            try:
                self.conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": ADVISORY_KEY})
            finally:
                self.conn.close()
                self.conn = None
        self.engine.dispose()


class FileLock:
    def __init__(self, path: str):
        self.path = path
        self.fd: int | None = None

    def try_acquire(self) -> bool:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self.fd = fd
        return True

    def release(self) -> None:
        if self.fd is not None:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = None


def scheduler_lock(app: Flask):
    """The lock for this app's database (see the module docstring)."""
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "postgresql":
        return PostgresLock(url.render_as_string(hide_password=False))
    database = url.database or ""
    if not database or database == ":memory:":
        return FileLock(os.path.join(app.instance_path, "scheduler.lock"))
    return FileLock(os.path.abspath(database) + ".scheduler.lock")


def wait_for_lock(lock, poll_seconds: float, stop: threading.Event) -> bool:
    """Take the lock, waiting (polling) while another scheduler holds it. False if stopped first."""
    announced = False
    while not stop.is_set():
        if lock.try_acquire():
            return True
        if not announced:
            log.warning("another scheduler holds the lock; waiting")
            announced = True
        stop.wait(poll_seconds)
    return False


# The app the scheduled jobs run in (APScheduler stores jobs by reference: "module:function" + args).
_APP: Flask | None = None


def execute(name: str) -> None:
    """What APScheduler calls: run one job in an app context with the current time."""
    from commons.jobs import run_job

    assert _APP is not None
    with _APP.app_context():
        summary = run_job(name, datetime.now(timezone.utc))
    log.info("%s", summary)


HEARTBEAT_ID = 1  # the one row of scheduler_heartbeat


def beat(app: Flask, holder: str, started: datetime, stopped: bool = False) -> None:
    """Write the heartbeat row (holder, start, now; `stopped`: the scheduler is stopping). Logged,
    never raised: a database away for a moment makes the heartbeat old, which is what /readyz reports."""
    from sqlalchemy.exc import SQLAlchemyError

    from commons.db import utcnow, write_transaction
    from commons.extensions import db
    from commons.models import SchedulerHeartbeat

    @write_transaction
    def write() -> None:
        row = db.session.get(SchedulerHeartbeat, HEARTBEAT_ID)
        if row is None:
            row = SchedulerHeartbeat(id=HEARTBEAT_ID)
            db.session.add(row)
        now = utcnow()
        row.holder, row.started_at, row.beat_at = holder[:200], started, now
        row.stopped_at = now if stopped else None

    with app.app_context():
        try:
            write()
        except SQLAlchemyError as err:
            log.warning("heartbeat not written: %s", type(err).__name__)
        finally:
            db.session.remove()


class _NotTheHeartbeat(logging.Filter):
    """APScheduler logs two lines per run of every job: not for the heartbeat (every few seconds)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.args and isinstance(record.args, tuple) and str(record.args[0]).startswith("heartbeat "))


def holder_name() -> str:
    """Who holds the lock, as /metrics shows it: host name and process id."""
    return f"{socket.gethostname()}:{os.getpid()}"


def build_scheduler(app: Flask):
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
    from apscheduler.schedulers.blocking import BlockingScheduler

    from commons.jobs import JOBS

    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"]).render_as_string(hide_password=False)
    scheduler = BlockingScheduler(
        jobstores={"default": SQLAlchemyJobStore(url=url, tablename="apscheduler_jobs")},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 300},
        timezone=app.config["TIMEZONE"],
    )
    for job in JOBS.values():
        extra = {}
        if job.name == "send-mail":
            extra["next_run_time"] = datetime.now(timezone.utc)  # deliver the backlog at once
        scheduler.add_job(
            "commons.scheduler:execute",
            job.trigger,
            args=[job.name],
            id=job.name,
            name=job.description,
            replace_existing=True,
            **job.trigger_args,
            **extra,
        )
    return scheduler


def run_scheduler(app: Flask) -> None:
    """Wait for the lock, then run the jobs until SIGINT/SIGTERM."""
    global _APP
    stop = threading.Event()

    def on_signal(signum, frame):
        stop.set()
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, on_signal)
    lock = scheduler_lock(app)
    try:
        if not wait_for_lock(lock, app.config["SCHEDULER_LOCK_POLL_SECONDS"], stop):
            return
        _APP = app
        holder, started = holder_name(), datetime.now(timezone.utc)
        beat(app, holder, started)
        scheduler = build_scheduler(app)
        # The heartbeat is a job of the scheduler itself (in memory, not in the job store): it beats only
        # while the scheduler's loop runs jobs.
        scheduler.add_jobstore("memory", alias="heartbeat")
        logging.getLogger("apscheduler.executors.default").addFilter(_NotTheHeartbeat())
        scheduler.add_job(beat, "interval", args=[app, holder, started], id="heartbeat", name="heartbeat", jobstore="heartbeat",
                          seconds=app.config["SCHEDULER_HEARTBEAT_SECONDS"], misfire_grace_time=None)
        log.info("scheduler running: %s", ", ".join(j.id for j in scheduler.get_jobs() if j.id != "heartbeat") or "(jobs load on start)")
        try:
            scheduler.start()
        except (KeyboardInterrupt, SystemExit):
            pass
        finally:
            if scheduler.running:
                scheduler.shutdown(wait=False)
            beat(app, holder, started, stopped=True)
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        lock.release()
        log.warning("scheduler stopped")
