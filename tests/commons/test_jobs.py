"""The jobs command line, the outbox without an SMTP server, and the one-scheduler lock
(API.md: `jobs list`, `jobs run NAME [--now]`, `scheduler`)."""
from __future__ import annotations

import os
import queue
import subprocess
import threading
import time
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from commons.extensions import db
from commons.jobs import parse_now
from commons.mail import queue_message
from commons.models import OutboxMessage
from commons.scheduler import scheduler_lock, wait_for_lock
from tests.support import clock


def test_jobs_list_shows_each_job_and_its_schedule(runner):
    r = runner.invoke(args=["jobs", "list"])
    assert r.exit_code == 0, r.output
    lines = {line.split()[0]: line for line in r.output.splitlines()}
    assert set(lines) == {"send-mail", "reminders", "retention", "expire-requests", "credential-expiry-notices", "expire-offers", "release-unused"}
    assert "every 1 minutes" in lines["send-mail"] and "cron hour=3 minute=30" in lines["retention"]


def test_jobs_run_with_now_and_bad_input(runner, app):
    r = runner.invoke(args=["jobs", "run", "reminders", "--now", "2027-01-05T10:00+02:00"])
    assert r.exit_code == 0 and "queued 0 reminder(s)" in r.output
    r = runner.invoke(args=["jobs", "run", "nope"])
    assert r.exit_code != 0 and "send-mail" in r.output
    r = runner.invoke(args=["jobs", "run", "retention", "--now", "yesterday"])
    assert r.exit_code != 0 and "ISO 8601" in r.output
    with app.app_context():
        assert parse_now("2027-07-05T10:00") == datetime(2027, 7, 5, 7, 0, tzinfo=timezone.utc)  # Helsinki summer time
        assert parse_now("2027-01-05T10:00+02:00") == datetime(2027, 1, 5, 8, 0, tzinfo=timezone.utc)


def test_without_mail_server_messages_wait_in_the_outbox(runner, app):
    assert app.config["MAIL_SERVER"] is None
    with app.app_context():
        queue_message(to="a@example.fi", subject="Hei", text="t", html="<p>h</p>", key="k1")
        assert queue_message(to="a@example.fi", subject="Hei again", text="t", html="h", key="k1") is False  # same key: once
        db.session.commit()
    r = runner.invoke(args=["jobs", "run", "send-mail"])
    assert r.exit_code == 0 and "MAIL_SERVER is not set: nothing sent; 1 message(s) wait in the outbox." in r.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == "queued")) == 1


def test_the_subject_is_one_line(app, smtp_server):
    with app.app_context():
        queue_message(to="a@example.fi", subject="Hei\r\nBcc: evil@example.com", text="t", html="h")
        db.session.commit()
    with app.app_context():
        from commons.jobs import run_job

        assert "sent 1" in run_job("send-mail", datetime.now(timezone.utc))
    (m,) = smtp_server.messages
    assert m["Subject"] == "Hei Bcc: evil@example.com" and m["Bcc"] is None and smtp_server.recipients == ["a@example.fi"]


def test_a_second_lock_waits_until_the_first_is_released(app):
    first, second = scheduler_lock(app), scheduler_lock(app)
    assert first.try_acquire()
    try:
        assert not second.try_acquire()
        stop = threading.Event()
        got = []
        waiter = threading.Thread(target=lambda: got.append(wait_for_lock(second, 0.05, stop)))
        waiter.start()
        assert not got
    finally:
        first.release()
    waiter.join(timeout=30)
    assert got == [True]
    second.release()


class Proc:
    """A `flask --app commons scheduler` process whose log lines we can wait for."""

    def __init__(self, env):
        self.p = subprocess.Popen([*clock.python_command(), "-m", "flask", "--app", "commons", "scheduler"], env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.p.stdout:
            self.lines.put(line)

    def wait_for(self, text, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                break
            self.seen.append(line)
            if text in line:
                return line
        raise AssertionError(f"{text!r} not seen; output: {''.join(self.seen)}")

    def stop(self):
        if self.p.poll() is None:
            self.p.terminate()
        self.p.wait(timeout=30)
        self.reader.join(timeout=30)
        self.p.stdout.close()


@pytest.mark.slow
def test_scheduler_processes_deliver_mail_and_the_second_waits(app, database_url, smtp_server):
    with app.app_context():
        queue_message(to="a@example.fi", subject="From the scheduler", text="t", html="h")
        db.session.commit()
    env = dict(os.environ, DATABASE_URL=database_url, MAIL_SERVER="127.0.0.1", MAIL_PORT=str(smtp_server.port),
               SCHEDULER_LOCK_POLL_SECONDS="0.2", COMMONS_INSTANCE=app.instance_path)
    first = Proc(env)
    second = None
    try:
        first.wait_for("scheduler running")
        first.wait_for("send-mail: sent 1")  # send-mail runs at start, then every minute
        assert [m["Subject"] for m in smtp_server.messages] == ["From the scheduler"]
        second = Proc(env)
        second.wait_for("another scheduler holds the lock; waiting")
        first.stop()
        second.wait_for("scheduler running")
        second.wait_for("send-mail: sent 0")
        assert len(smtp_server.messages) == 1
    finally:
        first.stop()
        if second:
            second.stop()


def test_leased_messages_are_not_taken_by_a_second_run(app, smtp_server):
    from commons.jobs import run_job
    from commons.mail import LEASE, _claim

    now = datetime.now(timezone.utc)
    with app.app_context():
        queue_message(to="a@example.fi", subject="Once", text="t", html="h", now=now)
        db.session.commit()
        (claimed,) = _claim(now, "another-run", 10)  # a run that took it and then died
        assert "sent 0" in run_job("send-mail", now + LEASE / 2)
        assert smtp_server.messages == []
        assert "sent 1" in run_job("send-mail", now + LEASE)  # the lease ran out: delivered after all
        assert "sent 0" in run_job("send-mail", now + LEASE * 3)
    assert [m["Subject"] for m in smtp_server.messages] == ["Once"]


def _send_mail_three_at_once(app, now) -> list:
    """Three `send-mail` runs released together (threads, each its own app context and connection)."""
    from commons.jobs import run_job

    start = threading.Barrier(3)
    results = []

    def run():
        with app.app_context():
            start.wait(timeout=30)
            results.append(run_job("send-mail", now))

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results


def test_concurrent_send_mail_runs_send_each_message_once(app, smtp_server, monkeypatch):
    import commons.mail

    monkeypatch.setattr(commons.mail, "BATCH", 5)  # small batches: the runs interleave

    now = datetime.now(timezone.utc)
    with app.app_context():
        for i in range(40):
            queue_message(to=f"p{i}@example.fi", subject=f"Message {i}", text="t", html="h", now=now)
        db.session.commit()
    assert len(_send_mail_three_at_once(app, now)) == 3
    subjects = sorted(m["Subject"] for m in smtp_server.messages)
    assert subjects == sorted(f"Message {i}" for i in range(40))  # every one, none twice


def test_export_lists_and_erasure_removes_the_persons_mail(app, make_user):
    user = make_user("member", email="sari@example.fi")
    with app.app_context():
        queue_message(to="sari@example.fi", subject="Hei Sari", text="t", html="h", user_id=user.user_id)
        queue_message(to="other@example.fi", subject="Someone else", text="t", html="h")
        db.session.commit()
    export = user.get("/me/export").get_json()
    assert [e["subject"] for e in export["emails"]] == ["Hei Sari"]
    assert user.delete("/me").status_code == 200
    with app.app_context():
        assert list(db.session.execute(select(OutboxMessage.to_address)).scalars()) == ["other@example.fi"]


def test_the_scheduler_schedules_every_job(app):
    from apscheduler.triggers.cron import CronTrigger
    from apscheduler.triggers.interval import IntervalTrigger

    from commons.scheduler import build_scheduler

    scheduler = build_scheduler(app)
    jobs = {j.id: j for j in scheduler.get_jobs()}
    assert set(jobs) == {"send-mail", "reminders", "retention", "expire-requests", "credential-expiry-notices", "expire-offers", "release-unused"}
    assert isinstance(jobs["send-mail"].trigger, IntervalTrigger) and jobs["send-mail"].trigger.interval.total_seconds() == 60
    assert isinstance(jobs["retention"].trigger, CronTrigger) and str(jobs["retention"].trigger.timezone) == "Europe/Helsinki"
    assert jobs["reminders"].func_ref == "commons.scheduler:execute" and jobs["reminders"].args == ("reminders",)


def _echo(data, recipient):
    """A renderer for the tests: the subject from the stored facts and the recipient's name."""
    from commons.mail import Rendered

    if data.get("broken"):
        raise ValueError("no such template")
    return Rendered(f"{data['subject']} for {recipient.name}", "t", "<p>h</p>")


def _later(n: int, now, **facts):
    from commons.mail import Recipient, queue_later

    for i in range(n):
        queue_later(Recipient(f"p{i}@example.fi", "fi", None, f"P{i}"), "test.echo", {"subject": f"Message {i}", **facts}, now=now)


def test_messages_rendered_by_send_mail_go_once_each_from_concurrent_runs(app, smtp_server, monkeypatch):
    import commons.mail

    monkeypatch.setattr(commons.mail, "BATCH", 5)  # small batches: the runs interleave, rendering too
    monkeypatch.setitem(commons.mail.RENDERERS, "test.echo", _echo)
    now = datetime.now(timezone.utc)
    with app.app_context():
        _later(30, now)
        db.session.commit()
    assert len(_send_mail_three_at_once(app, now)) == 3
    assert sorted(m["Subject"] for m in smtp_server.messages) == sorted(f"Message {i} for P{i}" for i in range(30))
    with app.app_context():
        rows = db.session.execute(select(OutboxMessage)).scalars().all()
        assert {(m.status, m.renderer, m.payload) for m in rows} == {("sent", None, None)}
        assert sorted(m.subject for m in rows) == sorted(f"Message {i} for P{i}" for i in range(30))


def test_a_message_that_cannot_be_rendered_waits_and_holds_up_no_other(app, smtp_server, monkeypatch, runner):
    import commons.mail
    from commons.jobs import run_job

    monkeypatch.setitem(commons.mail.RENDERERS, "test.echo", _echo)
    monkeypatch.setitem(app.config, "MAIL_MAX_ATTEMPTS", 2)
    now = datetime.now(timezone.utc)
    with app.app_context():
        _later(1, now, broken=True)
        _later(1, now)
        queue_message(to="plain@example.fi", subject="Plain", text="t", html="h", now=now)
        db.session.commit()
        assert run_job("send-mail", now) == "send-mail: sent 2, 1 could not be rendered (will be retried)."
        broken = db.session.execute(select(OutboxMessage).where(OutboxMessage.renderer.is_not(None))).scalar_one()
        assert (broken.status, broken.attempts) == ("queued", 1)
        broken_id = broken.id
        assert broken.last_error == "cannot render: ValueError: no such template"
        assert run_job("send-mail", now + timedelta(seconds=30)) == "send-mail: sent 0."  # backing off, as after a refusal
        assert run_job("send-mail", now + timedelta(minutes=1)) == "send-mail: sent 0, 1 could not be rendered (given up)."
        broken = db.session.get(OutboxMessage, broken_id)
        assert (broken.status, broken.attempts) == ("failed", 2)
        db.session.remove()
    assert sorted(m["Subject"] for m in smtp_server.messages) == ["Message 0 for P0", "Plain"]
    out = runner.invoke(args=["mail", "list", "--status", "failed"]).output
    assert "(test.echo, rendered by send-mail)" in out and "cannot render: ValueError" in out
