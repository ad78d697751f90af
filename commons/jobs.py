"""The jobs that run on their own: each a plain function `job(now) -> str` (a one-line summary),
registered here with its schedule. `flask --app commons jobs list|run` and the `scheduler` process
(commons.scheduler) both run them from this registry; tests call them with any `now`.

commons owns `send-mail`, and the two jobs that gather work from the domain packages:
`reminders` (REMINDER_SOURCES: bookings now, shifts later) and `retention` (RETENTION_TASKS).
Domain packages register their own jobs (spaces: `expire-requests`) with `register_job`, because
commons must not depend on them.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from commons.db import utcnow
from commons.timezone import site_tz

log = logging.getLogger("commons.jobs")


@dataclass(frozen=True)
class Job:
    name: str
    func: Callable[[datetime], str]
    description: str
    trigger: str  # "interval" or "cron" (APScheduler trigger names)
    trigger_args: dict = field(default_factory=dict)

    @property
    def schedule(self) -> str:
        if self.trigger == "interval":
            return "every " + ", ".join(f"{v} {k}" for k, v in self.trigger_args.items())
        return "cron " + " ".join(f"{k}={v}" for k, v in self.trigger_args.items())


JOBS: dict[str, Job] = {}
# fn(now) -> number of reminders queued; fn(now) -> summary text
REMINDER_SOURCES: list[Callable[[datetime], int]] = []
RETENTION_TASKS: list[Callable[[datetime], str]] = []


def register_job(name: str, func: Callable[[datetime], str], description: str, trigger: str, **trigger_args) -> None:
    JOBS[name] = Job(name, func, description, trigger, trigger_args)


def add_once(registry: list, fn) -> None:
    if fn not in registry:
        registry.append(fn)


def reminders(now: datetime) -> str:
    """Queue one reminder for each booking (and later shift) starting within 24 hours; idempotent."""
    total = sum(source(now) for source in REMINDER_SOURCES)
    return f"reminders: queued {total} reminder(s)."


def retention(now: datetime) -> str:
    """Erase personal data past its retention period (each package says what that is)."""
    return "retention: " + "; ".join(task(now) for task in RETENTION_TASKS) + "."


def _send_mail(now: datetime) -> str:
    from commons.mail import send_mail

    return send_mail(now)


def _purge_mail(now: datetime) -> str:
    from commons.mail import purge_old_mail

    return purge_old_mail(now)


register_job("send-mail", _send_mail, "deliver the e-mail outbox (retries with backoff)", "interval", minutes=1)
register_job("reminders", reminders, "queue reminders for bookings and shifts starting within 24 h, once each", "interval", minutes=15)
register_job("retention", retention, "erase personal data past its retention period", "cron", hour=3, minute=30)
add_once(RETENTION_TASKS, _purge_mail)


def _purge_audit(now: datetime) -> str:
    from commons.audit import purge_old_events

    return purge_old_events(now)


add_once(RETENTION_TASKS, _purge_audit)


def parse_now(value: str | None) -> datetime:
    """`--now` text (ISO 8601; without an offset it is wall-clock time in TIMEZONE) -> aware UTC."""
    if not value:
        return utcnow()
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=site_tz())
    return parsed.astimezone(timezone.utc)


def run_job(name: str, now: datetime | None = None) -> str:
    """Run one job once (inside an app context). Its start, success or failure and duration (wall
    clock, whatever `now` the job was given) are kept in `job_runs` for /metrics (record_run)."""
    from commons.extensions import db

    job = JOBS[name]
    started, clock, succeeded = utcnow(), time.monotonic(), False
    try:
        summary = job.func(now or utcnow())
        succeeded = True
        return summary
    finally:
        db.session.remove()
        record_run(name, started, time.monotonic() - clock, succeeded)


def record_run(name: str, started: datetime, seconds: float, succeeded: bool) -> None:
    """Keep a job's last run (commons.models.JobRun). Never fails the job: a database that cannot take
    the row now is logged, and the next run writes it again."""
    from sqlalchemy.exc import SQLAlchemyError

    from commons.db import write_transaction
    from commons.extensions import db
    from commons.models import JobRun

    @write_transaction
    def write() -> None:
        run = db.session.get(JobRun, name)
        if run is None:
            run = JobRun(name=name, failures=0)
            db.session.add(run)
        run.last_started_at = started
        run.last_duration_seconds = round(seconds, 6)
        if succeeded:
            run.last_success_at, run.failures = started + timedelta(seconds=seconds), 0
        else:
            run.last_failure_at, run.failures = utcnow(), (run.failures or 0) + 1

    try:
        write()
    except SQLAlchemyError as err:
        log.warning("could not record the run of %s: %s", name, type(err).__name__)
    finally:
        db.session.remove()
