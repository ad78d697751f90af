"""`/metrics` in Prometheus' text format (prometheus_client), correct across gunicorn's workers.

Two kinds of figures:

- counted in the process that saw the event: requests and their latency by route template and status
  (here), bookings made and refused by reason code (spaces.metrics), feed cache hits (calendars.cache).
  Under gunicorn each worker writes its own figures to files in PROMETHEUS_MULTIPROC_DIR (prometheus_client's
  multiprocess mode; gunicorn.conf.py sets the directory, empties it at start and marks a dead worker's
  files), and a scrape, answered by any one worker, sums them all. Without the variable (the development
  server, tests, `flask` commands) the process's own registry is read.
- read from the database when scraped (DatabaseCollector): the e-mail outbox's backlog and the age of its
  oldest unsent message, each job's last success and duration (commons.models.JobRun), the scheduler
  holding the lock and its last heartbeat (commons.models.SchedulerHeartbeat). They are facts of the
  deployment, not of a process, so every worker and host answers the same; packages may add their own
  (SCRAPE_COLLECTORS).

Labels never hold a raw path, an id or anything personal: a route is its template (`/spaces/<int:space_id>`).
"""
from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable

from flask import Flask, g, request
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

REQUESTS = Counter(
    "commons_http_requests", "HTTP requests answered, by method, route template and status", ["method", "route", "status"]
)
LATENCY = Histogram(
    "commons_http_request_duration_seconds",
    "Time to answer a request (until the answer is made), by method and route template",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
NO_ROUTE = "(no route)"  # a path that matched no route (404, 405): never the raw path

#: fn() -> metric families read when scraped (from the database): each package may add its own.
SCRAPE_COLLECTORS: list[Callable[[], Iterable[Metric]]] = []


def multiprocess_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


def install(app: Flask) -> None:
    """Count every request Flask answers (after_request: pages, API, errors alike)."""

    @app.after_request
    def count_request(response):
        rule = request.url_rule
        route = rule.rule if rule is not None else NO_ROUTE
        started = request.environ.get("commons.request_started") or g.get("_metrics_started")
        REQUESTS.labels(request.method, route, str(response.status_code)).inc()
        if started is not None:
            LATENCY.labels(request.method, route).observe(max(0.0, time.perf_counter() - started))
        return response


def exposition() -> bytes:
    """The whole text of a scrape: the counted figures (every worker's, summed), then the database's."""
    if multiprocess_dir():
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        counted = generate_latest(registry)
    else:
        counted = generate_latest(REGISTRY)
    scraped = CollectorRegistry(auto_describe=False)
    scraped.register(DatabaseCollector())
    return counted + generate_latest(scraped)


class DatabaseCollector(Collector):
    """Gauges computed at scrape time from the database (in the request's app context)."""

    def collect(self) -> Iterable[Metric]:
        """All or nothing of the database's figures, and whether it answered: a database outage must not
        take the request counters (which show the outage) away with it."""
        from sqlalchemy.exc import SQLAlchemyError

        from commons.extensions import db

        up = GaugeMetricFamily("commons_metrics_database_up", "1 when the database answered this scrape's queries")
        try:
            families = list(deployment_figures())
            for collector in SCRAPE_COLLECTORS:
                families.extend(collector())
        except SQLAlchemyError:
            db.session.rollback()
            families = []
            up.add_metric([], 0)
        else:
            up.add_metric([], 1)
        yield up
        yield from families


def deployment_figures() -> Iterable[Metric]:
    from sqlalchemy import func, select

    from commons.db import utcnow
    from commons.extensions import db
    from commons.models import JobRun, OutboxMessage, SchedulerHeartbeat

    now = utcnow()
    queued, oldest = db.session.execute(
        select(func.count(OutboxMessage.id), func.min(OutboxMessage.created_at)).where(OutboxMessage.status == "queued")
    ).one()
    backlog = GaugeMetricFamily("commons_outbox_backlog", "E-mail messages queued and not yet sent")
    backlog.add_metric([], queued or 0)
    yield backlog
    age = GaugeMetricFamily("commons_outbox_oldest_unsent_age_seconds", "Age of the oldest queued e-mail (0: none queued)")
    if oldest is not None and oldest.tzinfo is None:  # SQLite hands back naive UTC in aggregates
        from datetime import timezone

        oldest = oldest.replace(tzinfo=timezone.utc)
    elif isinstance(oldest, str):
        from datetime import datetime, timezone

        oldest = datetime.fromisoformat(oldest).replace(tzinfo=timezone.utc)
    age.add_metric([], max(0.0, (now - oldest).total_seconds()) if oldest is not None else 0.0)
    yield age

    success = GaugeMetricFamily("commons_job_last_success_timestamp_seconds", "When each job last succeeded (Unix time)", labels=["job"])
    duration = GaugeMetricFamily("commons_job_last_duration_seconds", "How long each job's last run took", labels=["job"])
    failures = GaugeMetricFamily("commons_job_failures_in_a_row", "Each job's failed runs since its last success", labels=["job"])
    for run in db.session.execute(select(JobRun).order_by(JobRun.name)).scalars():
        if run.last_success_at is not None:
            success.add_metric([run.name], run.last_success_at.timestamp())
        if run.last_duration_seconds is not None:
            duration.add_metric([run.name], run.last_duration_seconds)
        failures.add_metric([run.name], run.failures or 0)
    yield from (success, duration, failures)

    holder = GaugeMetricFamily("commons_scheduler_lock_holder", "1 for the scheduler process holding the lock (host:pid), while it runs", labels=["holder"])
    heartbeat = GaugeMetricFamily("commons_scheduler_heartbeat_age_seconds", "Seconds since the scheduler's last heartbeat (absent: never ran)")
    row = db.session.get(SchedulerHeartbeat, 1)
    if row is not None:
        holder.add_metric([row.holder], 0 if row.stopped_at is not None else 1)
        heartbeat.add_metric([], max(0.0, (now - row.beat_at).total_seconds()))
    yield from (holder, heartbeat)
    db.session.rollback()  # end the read: a scrape holds nothing open
