"""Operations (API.md "Operations"): /healthz, /readyz, /metrics, X-Request-ID, the log lines, `backup`.

The gunicorn side (several workers summed, the scheduler stopped and started, a backup while booking)
is verified by hand (docs/operations.md); the backup under load is tested here with threads."""
from __future__ import annotations

import json
import logging
import sqlite3
import threading
import time
from datetime import timedelta

import pytest
from prometheus_client.parser import text_string_to_metric_families

from commons.db import utcnow
from commons.extensions import db
from commons.models import OutboxMessage, SchedulerHeartbeat
from commons.request_ids import JsonFormatter, RequestIdFilter, RequestIds
from tests.conftest import local, next_weekday


def beat(app, age_seconds: float = 0, stopped: bool = False) -> None:
    with app.app_context():
        row = db.session.get(SchedulerHeartbeat, 1) or SchedulerHeartbeat(id=1, holder="host:1", started_at=utcnow())
        row.beat_at = utcnow() - timedelta(seconds=age_seconds)
        row.stopped_at = utcnow() if stopped else None
        db.session.add(row)
        db.session.commit()


def figures(text: str) -> dict[tuple, float]:
    out = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


@pytest.fixture
def metrics_open(app, monkeypatch):
    monkeypatch.setitem(app.config, "METRICS_ALLOWED_IPS", ["127.0.0.0/8"])


def scrape(client) -> dict[tuple, float]:
    r = client.get("/metrics")
    assert r.status_code == 200, r.get_data(as_text=True)
    assert r.content_type.startswith("text/plain")
    return figures(r.get_data(as_text=True))


# --- Health -------------------------------------------------------------------------------------------------


def test_healthz_answers_without_the_database(client, monkeypatch):
    def no_database(*args, **kwargs):
        raise AssertionError("healthz touched the database")

    monkeypatch.setattr(db.session, "execute", no_database)
    r = client.get("/healthz")
    assert r.status_code == 200 and r.get_json() == {"status": "ok"}


def test_readyz_says_what_is_wrong_and_recovers(app, client, monkeypatch):
    r = client.get("/readyz")
    assert r.status_code == 503
    body = r.get_json()
    assert body["database"] == "ok" and body["migrations"] == "ok"
    assert body["scheduler"].startswith("no heartbeat")

    beat(app)
    r = client.get("/readyz")
    assert (r.status_code, r.get_json()) == (200, {"database": "ok", "migrations": "ok", "scheduler": "ok"})
    assert r.headers["Cache-Control"] == "no-store"

    beat(app, age_seconds=app.config["SCHEDULER_HEARTBEAT_MAX_AGE"] + 30)
    r = client.get("/readyz")
    assert r.status_code == 503 and r.get_json()["scheduler"].startswith("no heartbeat for ")

    beat(app, stopped=True)
    r = client.get("/readyz")
    assert r.status_code == 503 and r.get_json()["scheduler"].startswith("stopped at ")

    beat(app)
    monkeypatch.setitem(app.extensions, "commons_migration_heads", {"9999_newer"})
    r = client.get("/readyz")
    assert r.status_code == 503
    assert r.get_json()["migrations"].endswith("this code needs 9999_newer")


def test_health_checks_are_never_rate_limited(app, client, monkeypatch):
    from commons.extensions import limiter

    monkeypatch.setattr(limiter, "_default_limits", [], raising=False)
    beat(app)
    for _ in range(60):
        assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").status_code == 200


# --- Request ids --------------------------------------------------------------------------------------------


def _wsgi(trust: bool, incoming: str | None) -> tuple[str, dict]:
    seen = {}

    def inner(environ, start_response):
        seen.update(environ)
        start_response("200 OK", [("Content-Type", "text/plain"), ("X-Request-ID", "from-the-app")])
        return [b"ok"]

    headers = {}

    def start_response(status, response_headers, exc_info=None):
        headers.update(response_headers)

    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": "/"}
    if incoming is not None:
        environ["HTTP_X_REQUEST_ID"] = incoming
    RequestIds(inner, trust_header=trust)(environ, start_response)
    assert seen["commons.request_id"] == headers["X-Request-ID"]
    return headers["X-Request-ID"], seen


@pytest.mark.parametrize("incoming", ["abc\r\nX-Evil: 1", "a b", "x" * 129, "", "ä", "id\"}{"])
def test_a_request_id_that_could_break_a_log_line_is_replaced(incoming):
    rid, _ = _wsgi(True, incoming)
    assert rid != incoming and len(rid) == 20


def test_a_request_id_is_taken_only_behind_trusted_proxies():
    proxy_id = "7f0e2c1a-8b4d-4c3e-9a1f-0123456789ab"
    assert _wsgi(True, proxy_id)[0] == proxy_id
    assert _wsgi(False, proxy_id)[0] != proxy_id
    assert _wsgi(False, None)[0] != _wsgi(False, None)[0]


def test_every_answer_and_error_page_carries_the_id(client):
    r = client.get("/healthz", headers={"X-Request-ID": "mine"})  # no trusted proxy in the tests: ignored
    assert r.headers["X-Request-ID"] != "mine"
    r = client.get("/no/such/page")
    rid = r.headers["X-Request-ID"]
    assert r.status_code == 404 and f"quote the code {rid}." in r.get_data(as_text=True)
    r = client.get("/api/v1/spaces/2147483647")
    assert r.status_code == 404 and r.headers["X-Request-ID"]


def test_log_lines_carry_the_id_as_text_or_json(app):
    record = logging.LogRecord("commons", logging.ERROR, __file__, 1, "failed %s", ("here",), None)
    with app.test_request_context("/x", environ_base={"commons.request_id": "req-42"}):
        RequestIdFilter().filter(record)
    line = json.loads(JsonFormatter().format(record))
    assert line["request_id"] == "req-42" and line["message"] == "failed here" and line["level"] == "ERROR"
    assert "[req-42]" in logging.Formatter("%(levelname)s [%(request_id)s]: %(message)s").format(record)


# --- Metrics ------------------------------------------------------------------------------------------------


def test_metrics_only_for_allowed_addresses_and_tokens(app, client, make_user, monkeypatch):
    member = make_user("member")
    admin = make_user("admin")
    assert client.get("/metrics").status_code == 403
    assert client.get("/metrics", headers={"Authorization": f"Bearer {member.token}"}).status_code == 403
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 403
    assert client.get("/metrics", headers={"Authorization": f"Bearer {admin.token}"}).status_code == 200
    monkeypatch.setitem(app.config, "METRICS_TOKEN", "scrape-secret")
    assert client.get("/metrics", headers={"Authorization": "Bearer scrape-secret"}).status_code == 200
    monkeypatch.setitem(app.config, "METRICS_ALLOWED_IPS", ["10.1.2.0/24"])
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "10.1.2.9"}).status_code == 200
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "10.1.3.9"}).status_code == 403


def test_requests_and_bookings_are_counted_by_template_and_reason(app, client, metrics_open, make_user, make_group, make_space):
    group = make_group()
    space = make_space()
    rep = make_user("member", groups=[group])
    day = next_weekday(2)
    before = scrape(client)

    def body(start, end):
        return {"space_id": space, "group_id": group, "title": "Meeting", "start": local(day, start), "end": local(day, end)}

    assert rep.post("/bookings", body("10:00", "11:00")).status_code == 201
    assert rep.post("/bookings", body("10:30", "11:30")).status_code == 409  # taken
    assert rep.post("/bookings", body("06:00", "07:00")).status_code == 422  # before opening
    assert client.get(f"/spaces/{space}").status_code == 200
    after = scrape(client)

    def moved(name, **labels):
        key = (name, tuple(sorted(labels.items())))
        return after.get(key, 0) - before.get(key, 0)

    assert moved("commons_bookings_created_total", status="confirmed") == 1
    assert moved("commons_bookings_refused_total", reason="booked") == 1
    assert sum(v - before.get(k, 0) for k, v in after.items() if k[0] == "commons_bookings_refused_total") == 2
    assert moved("commons_http_requests_total", method="POST", route="/api/v1/bookings", status="201") == 1
    assert moved("commons_http_requests_total", method="GET", route="/spaces/<int:space_id>", status="200") == 1
    assert moved("commons_http_request_duration_seconds_count", method="GET", route="/spaces/<int:space_id>") == 1
    assert not any(f"/spaces/{space}" in dict(k[1]).get("route", "") for k in after)  # never a raw path


def test_outbox_jobs_and_scheduler_are_read_when_scraped(app, client, metrics_open):
    from commons.jobs import run_job

    with app.app_context():
        db.session.add(OutboxMessage(dedupe_key="ops-test", to_address="a@example.fi", subject="s", text_body="t",
                                     html_body="h", created_at=utcnow() - timedelta(minutes=10)))
        db.session.commit()
        run_job("reminders")
    beat(app)
    got = scrape(client)
    assert got[("commons_outbox_backlog", ())] == 1
    assert 590 <= got[("commons_outbox_oldest_unsent_age_seconds", ())] <= 900
    assert abs(got[("commons_job_last_success_timestamp_seconds", (("job", "reminders"),))] - time.time()) < 120
    assert got[("commons_job_last_duration_seconds", (("job", "reminders"),))] >= 0
    assert got[("commons_job_failures_in_a_row", (("job", "reminders"),))] == 0
    assert got[("commons_scheduler_lock_holder", (("holder", "host:1"),))] == 1
    assert got[("commons_scheduler_heartbeat_age_seconds", ())] < 60


def test_a_failed_job_run_is_counted(app, monkeypatch):
    from commons import jobs
    from commons.models import JobRun

    def broken(now):
        raise RuntimeError("boom")

    monkeypatch.setitem(jobs.JOBS, "broken", jobs.Job("broken", broken, "fails", "interval", {"minutes": 1}))
    with app.app_context():
        for _ in range(2):
            with pytest.raises(RuntimeError):
                jobs.run_job("broken")
        run = db.session.get(JobRun, "broken")
        assert run.failures == 2 and run.last_success_at is None and run.last_failure_at is not None


# --- Backups ------------------------------------------------------------------------------------------------


def test_backup_on_postgresql_points_to_pg_dump(tmp_path):
    from commons.backup import BackupRefused, backup

    with pytest.raises(BackupRefused, match="pg_dump"):
        backup("postgresql+psycopg://u@localhost/commons", str(tmp_path / "x.db"))


def test_backup_under_load_keeps_every_acknowledged_booking(app, runner, is_postgres, make_user, make_group, make_space, tmp_path):
    """Threads book while `flask backup` copies the database; the copy, restored (opened as a database of
    its own), holds every booking that was acknowledged (201) before the backup began."""
    if is_postgres:
        result = runner.invoke(args=["backup", str(tmp_path / "x.db")])
        assert result.exit_code == 1 and "pg_dump" in result.output
        return
    groups = [make_group() for _ in range(3)]
    spaces = [make_space() for _ in groups]
    reps = [make_user("member", groups=[group]) for group in groups]
    acknowledged: list[tuple[float, int]] = []  # (when the 201 came, booking id)
    lock = threading.Lock()
    errors: list[str] = []

    def book(api, group, space):
        api.client = app.test_client()  # a client of its own in each thread
        for n in range(14):
            day = next_weekday(n % 7, weeks_ahead=2 + n // 7)
            r = api.post("/bookings", {"space_id": space, "group_id": group, "title": "Load",
                                       "start": local(day, "10:00"), "end": local(day, "11:00")})
            if r.status_code != 201:
                errors.append(f"{r.status_code} {r.get_data(as_text=True)[:200]}")
                continue
            with lock:
                acknowledged.append((time.monotonic(), r.get_json()["id"]))

    threads = [threading.Thread(target=book, args=args) for args in zip(reps, groups, spaces)]
    for t in threads:
        t.start()
    while len(acknowledged) < 10 and any(t.is_alive() for t in threads):
        time.sleep(0.01)
    began = time.monotonic()
    result = runner.invoke(args=["backup", str(tmp_path / "backup.db")])
    for t in threads:
        t.join()
    assert result.exit_code == 0, result.output
    assert not errors, errors
    restored = tmp_path / "restored.db"
    (tmp_path / "backup.db").rename(restored)
    with sqlite3.connect(restored) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        ids = {row[0] for row in conn.execute("SELECT id FROM bookings")}
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    before = {bid for when, bid in acknowledged if when < began}
    assert len(before) >= 10
    assert any(when > began for when, _ in acknowledged)  # the threads went on booking while it copied
    assert before <= ids, sorted(before - ids)
    assert ids <= {bid for _, bid in acknowledged}  # nothing that was not booked


def test_gunicorn_access_log_keeps_the_id_and_takes_out_secrets(monkeypatch):
    import datetime
    from types import SimpleNamespace

    from gunicorn.config import Config

    from commons.gunicorn_logging import RedactingLogger

    secret = "Zx9" * 15
    proxy_id = "7f0e2c1a-8b4d-4c3e-9a1f-0123456789ab"  # long enough to look like a secret: kept, it was validated
    logger = RedactingLogger(Config())
    environ = {"REQUEST_METHOD": "GET", "RAW_URI": f"/x?token={secret}", "SERVER_PROTOCOL": "HTTP/1.1",
               "PATH_INFO": "/x", "QUERY_STRING": f"token={secret}", "REMOTE_ADDR": "10.0.0.1"}
    req = SimpleNamespace(headers=[])
    resp = SimpleNamespace(status="200 OK", headers=[("X-Request-ID", proxy_id)], sent=2, status_code=200)
    atoms = logger.atoms(resp, req, environ, datetime.timedelta(microseconds=5))
    assert atoms["{x-request-id}o"] == proxy_id and secret not in atoms["q"]

    monkeypatch.setenv("LOG_FORMAT", "json")
    monkeypatch.setattr(RedactingLogger, "access_log_enabled", True)
    lines: list[str] = []
    monkeypatch.setattr(logger.access_log, "info", lambda fmt, *args: lines.append(fmt % args))
    logger.access(resp, req, environ, datetime.timedelta(microseconds=5))
    line = json.loads(lines[-1])
    assert line["request_id"] == proxy_id and line["path"] == "/x" and line["status"] == 200
    assert secret not in lines[-1]


def test_metrics_without_the_database_still_count_requests(app, client, metrics_open, monkeypatch):
    from sqlalchemy.exc import OperationalError

    from commons import metrics

    def down():
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr(metrics, "deployment_figures", down)
    got = scrape(client)
    assert got[("commons_metrics_database_up", ())] == 0
    assert any(name == "commons_http_requests_total" for name, _ in got)
    assert ("commons_outbox_backlog", ()) not in got
