"""Faults: the database out of reach, and a worker killed in the middle of a load of bookings.

- The database unavailable (PostgreSQL restarting or unreachable, SQLite's file gone): every answer
  is a clean 503 with Retry-After (the API's JSON error "unavailable", a translated page), never a
  500, never a hang; when the database is back, requests succeed again without a restart.
  Unit tests here (both drivers, whatever DATABASE_URL says) and, under load, through a TCP proxy
  between gunicorn and PostgreSQL that drops every connection and refuses new ones for a while.
- SIGKILL: gunicorn workers killed while many clients book; every booking whose 201 reached a
  client is stored exactly as answered, none is half-written (a booking's rows: the series, every
  occurrence, the outbox e-mail, the calendars' change stamps, all in one transaction), and no two
  active bookings overlap.
"""
from __future__ import annotations

import os
import shutil
import socket
from datetime import datetime, timezone

import pytest

from commons import create_app
from commons.extensions import db
from commons.models import ApiToken, Facility, User
from spaces.models import OpeningHours, Space


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _other_app(url: str):
    return create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "faults", "SERVER_NAME": "commons.test"})


def assert_unavailable_json(r) -> None:
    assert r.status_code == 503, r.get_data(as_text=True)
    assert r.headers["Retry-After"].isdigit() and int(r.headers["Retry-After"]) > 0
    error = r.get_json()["error"]
    assert error["code"] == "unavailable" and "Try again" in error["message"], error


def assert_unavailable_page(r, words: str) -> None:
    assert r.status_code == 503, r.get_data(as_text=True)
    assert r.headers["Retry-After"].isdigit()
    assert r.mimetype == "text/html"
    assert words in r.get_data(as_text=True)


# --- The database unavailable: unit tests ----------------------------------------------------------


class SqliteApp:
    """An app of its own on a SQLite file whose file can be taken away (replaced by a directory, as
    when a volume is unmounted or a restore goes wrong) and given back."""

    def __init__(self, tmp_path):
        self.dir = tmp_path
        self.path = tmp_path / "commons.db"
        self.app = _other_app(f"sqlite:///{self.path}")
        with self.app.app_context():
            db.create_all()
            facility = Facility(name="Library", district="Kallio", address="Street 1")
            db.session.add(facility)
            db.session.flush()
            db.session.add(Space(facility_id=facility.id, name="Hall", capacity=10, timezone="Europe/Helsinki",
                                 opening_hours=[OpeningHours(weekday=0, opens_minute=480, closes_minute=1320)]))
            user = User(email="rep@example.fi", name="Rep", role="member")
            user.set_password("correct horse battery")
            db.session.add(user)
            db.session.flush()
            self.token = ApiToken.generate()
            db.session.add(ApiToken(user_id=user.id, token_hash=ApiToken.hash(self.token)))
            db.session.commit()

    def take_away(self) -> None:
        with self.app.app_context():
            db.session.remove()
            db.engine.dispose()
        moved = self.dir / "away"
        moved.mkdir()
        for f in self.dir.glob("commons.db*"):
            shutil.move(str(f), moved / f.name)
        self.path.mkdir()

    def give_back(self) -> None:
        self.path.rmdir()
        moved = self.dir / "away"
        for f in moved.iterdir():
            shutil.move(str(f), self.dir / f.name)
        moved.rmdir()

    def dispose(self) -> None:
        with self.app.app_context():
            db.session.remove()
            db.engine.dispose()


def test_sqlite_file_gone_gives_503_and_the_next_request_after_it_is_back_works(tmp_path, caplog):
    lite = SqliteApp(tmp_path)
    client = lite.app.test_client()
    bearer = {"Authorization": f"Bearer {lite.token}"}
    assert client.get("/api/v1/spaces").status_code == 200

    lite.take_away()
    try:
        caplog.clear()
        assert_unavailable_json(client.get("/api/v1/spaces"))
        assert_unavailable_json(client.post("/api/v1/bookings", json={"space_id": 1}, headers=bearer))
        assert_unavailable_page(client.get("/spaces", headers={"Accept-Language": "fi"}), "Palvelu on hetken aikaa poissa käytöstä")
        assert_unavailable_page(client.get("/", headers={"Accept-Language": "sv"}), "Tjänsten är inte tillgänglig för tillfället")
        warnings = [r for r in caplog.records if "Database unavailable" in r.getMessage()]
        assert len(warnings) == 4, [r.getMessage() for r in caplog.records]
        assert all(r.exc_info is None and "unable to open database" in r.getMessage() for r in warnings)
        assert not [r for r in caplog.records if r.levelname == "ERROR"]
    finally:
        lite.give_back()

    # Back: the same app answers again, nothing restarted.
    assert client.get("/api/v1/spaces").get_json()[0]["name"] == "Hall"
    assert client.get("/api/v1/groups", headers=bearer).status_code == 200
    lite.dispose()


def test_a_job_run_while_the_database_is_gone_fails_cleanly_and_the_next_run_works(tmp_path, smtp_server):
    from sqlalchemy.exc import OperationalError

    from commons.errors import database_unavailable
    from commons.jobs import run_job
    from commons.mail import queue_message

    lite = SqliteApp(tmp_path)
    lite.app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port)
    with lite.app.app_context():
        queue_message(to="rep@example.fi", subject="Hei", text="t", html="<p>h</p>")
        db.session.commit()
    now = datetime.now(timezone.utc)
    lite.take_away()
    try:
        for name in ("send-mail", "reminders", "expire-requests", "retention"):
            with lite.app.app_context():
                with pytest.raises(OperationalError) as caught:
                    run_job(name, now)
            assert database_unavailable(caught.value)
    finally:
        lite.give_back()
    with lite.app.app_context():
        assert run_job("send-mail", now) == "send-mail: sent 1."
        assert run_job("reminders", now) == "reminders: queued 0 reminder(s)."
    assert smtp_server.recipients == ["rep@example.fi"]
    lite.dispose()


def test_postgresql_unreachable_gives_503_not_500(caplog):
    # Nothing listens on this port: the connection is refused (what a restarting server does).
    other = _other_app(f"postgresql+psycopg://postgres:not-to-be-logged@127.0.0.1:{_free_port()}/commons")
    assert other.config["SQLALCHEMY_ENGINE_OPTIONS"]["connect_args"]["connect_timeout"] == 5
    client = other.test_client()
    caplog.clear()
    assert_unavailable_json(client.get("/api/v1/spaces"))
    assert_unavailable_json(client.get("/api/v1/groups", headers={"Authorization": "Bearer abc"}))
    assert_unavailable_page(client.get("/spaces", headers={"Accept-Language": "en"}), "unavailable for a moment")
    messages = [r.getMessage() for r in caplog.records if "Database unavailable" in r.getMessage()]
    assert len(messages) == 3
    assert not any("not-to-be-logged" in m or "SELECT" in m for m in messages), messages
    with other.app_context():
        db.engine.dispose()


def test_a_connection_lost_after_the_answer_was_made_keeps_the_answer(database_url, is_postgres):
    """The request's read transaction is rolled back when the request ends; if PostgreSQL went away
    in between, that rollback fails. The answer already made stands (it used to become a 500), the
    dead connection is thrown away, and the next request reconnects."""
    if not is_postgres:
        pytest.skip("a PostgreSQL connection that dies; SQLite has none")
    from sqlalchemy.engine import make_url

    url = make_url(database_url)
    proxy = FlakyProxy((url.host or "127.0.0.1", url.port or 5432))
    try:
        other = _other_app(url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False))
        drop = {"now": False}

        @other.after_request
        def drop_connections(response):
            if drop["now"]:
                proxy.down()
                proxy.up()
            return response

        client = other.test_client()
        assert client.get("/api/v1/facilities").status_code == 200
        drop["now"] = True
        assert client.get("/api/v1/facilities").status_code == 200
        assert proxy.dropped >= 1
        drop["now"] = False
        assert client.get("/api/v1/facilities").status_code == 200
        with other.app_context():
            db.engine.dispose()
    finally:
        proxy.close()


def test_a_statement_error_is_still_a_500_not_a_503(app, client, monkeypatch):
    """Only "the database cannot be used now" is a 503: a broken statement is our bug (500, logged)."""
    from sqlalchemy import text

    import spaces.api

    def broken(*a, **k):
        db.session.execute(text("SELECT no_such_column FROM spaces"))

    monkeypatch.setattr(spaces.api.services, "search_spaces", broken)
    r = client.get("/api/v1/spaces")
    assert r.status_code == 500 and r.get_json()["error"]["code"] == "server_error"


def test_the_connect_timeout_is_for_postgresql_only():
    from commons.config import connection_options

    pg = {"SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://x@h/d", "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
          "DATABASE_CONNECT_TIMEOUT": 7}
    connection_options(pg)
    assert pg["SQLALCHEMY_ENGINE_OPTIONS"] == {"pool_pre_ping": True, "connect_args": {"connect_timeout": 7}}
    lite = {"SQLALCHEMY_DATABASE_URI": "sqlite:///x.db", "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True}}
    connection_options(lite)
    assert lite["SQLALCHEMY_ENGINE_OPTIONS"] == {"pool_pre_ping": True}


# --- Under load: a real gunicorn --------------------------------------------------------------------

import random  # noqa: E402
import threading  # noqa: E402
from collections import Counter  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from datetime import timedelta  # noqa: E402

import requests  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from calendars.models import CalendarChange  # noqa: E402
from commons.models import OutboxMessage  # noqa: E402
from spaces.models import ACTIVE_STATUSES, Booking, BookingSeries  # noqa: E402
from tests.conftest import local, next_weekday  # noqa: E402
from tests.support.gunicorn import GunicornServer  # noqa: E402
from tests.support.smtp import render_outbox  # noqa: E402

SERIES_COUNT = 4  # dates in each series request ("FREQ=WEEKLY;COUNT=4")


@dataclass
class Sent:
    """One booking request and what became of it."""

    title: str  # unique, ends with "#": finds the request's rows and its e-mail
    body: dict
    expected_rows: int  # occurrences the request asks for (all or none: on_conflict "reject")
    status: int | None = None  # None: the connection died before an answer came
    answer: dict | None = None
    error: str | None = None
    phase: tuple[int, int] = (0, 0)  # (when sent, when answered): the outage test's phases


def booking_body(space: int, group: int, title: str, day, start: str, end: str, rrule: str | None = None) -> dict:
    body = {"space_id": space, "group_id": group, "title": title, "start": local(day, start), "end": local(day, end)}
    if rrule:
        body["rrule"] = rrule
    return body


def post_booking(session: requests.Session, url: str, token: str, sent: Sent, timeout: float = 60) -> None:
    try:
        with session.post(url + "/api/v1/bookings", json=sent.body, headers={"Authorization": f"Bearer {token}"},
                          timeout=timeout) as r:
            sent.status = r.status_code
            try:
                sent.answer = r.json()
            except ValueError:
                sent.answer = {"text": r.text[:500]}
    except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError) as exc:
        # the worker died under the request (before its answer, or while writing it: an incomplete body)
        sent.error = type(exc).__name__


def verify_bookings(app, sent: list[Sent], spaces: list[int]) -> Counter:
    """What the database holds against what the clients were told. Returns counts for the report."""
    figures: Counter = Counter()
    render_outbox(app)  # the booking notices, as send-mail renders them before sending
    with app.app_context():
        rows = list(db.session.execute(select(Booking).order_by(Booking.id)).scalars())
        by_title: dict[str, list[Booking]] = {}
        for b in rows:
            by_title.setdefault(b.title, []).append(b)
        mails = list(db.session.execute(select(OutboxMessage.text_body, OutboxMessage.status)).all())
        series_ids = set(db.session.execute(select(BookingSeries.id)).scalars())
        stamps = {(c.scope, c.scope_id): c.changed_at for c in db.session.execute(select(CalendarChange)).scalars()}

        titles = {s.title for s in sent}
        assert set(by_title) <= titles, f"rows nobody asked for: {set(by_title) - titles}"
        for s in sent:
            stored = by_title.get(s.title, [])
            # All or nothing, whatever the client heard.
            assert len(stored) in (0, s.expected_rows), (s.title, len(stored), s.status, s.error)
            mail = [m for m in mails if s.title in m.text_body]
            if s.status == 201:
                figures["201 verified"] += 1
                figures["occurrences verified"] += len(stored)
                answer = s.answer
                assert len(stored) == s.expected_rows, f"a 201 that is not stored in full: {s.title} {answer}"
                assert answer["id"] == stored[0].id and answer["status"] == "confirmed"
                assert [o["id"] for o in answer["occurrences"]] == [b.id for b in stored]
                for o, b in zip(answer["occurrences"], stored):
                    assert datetime.fromisoformat(o["start"]) == b.start_at and datetime.fromisoformat(o["end"]) == b.end_at
                    assert b.status == "confirmed" and b.group_id == s.body["group_id"] and b.space_id == s.body["space_id"]
                    assert b.series_id == answer["series_id"]
            elif s.status is None:
                figures["connection lost, stored" if stored else "connection lost, not stored"] += 1
            else:
                figures[f"{s.status} (none stored)" if not stored else f"{s.status} (stored)"] += 1
                if s.status in (409, 422):
                    assert not stored, (s.title, s.answer)
            if stored:
                # Everything the use case writes in the same transaction: the series with all its
                # dates, one e-mail to the group's representative, the calendars' change stamps.
                assert len(mail) == 1, (s.title, len(mail))
                if s.body.get("rrule"):
                    assert stored[0].series_id in series_ids and len({b.series_id for b in stored}) == 1
                else:
                    assert stored[0].series_id is None
                newest = max(b.created_at for b in stored)
                for scope in (("space", s.body["space_id"]), ("group", s.body["group_id"])):
                    assert stamps[scope] >= newest, (s.title, scope)
            else:
                assert not mail, f"an e-mail about a booking that is not stored: {s.title}"
        # No series without its dates.
        used = {b.series_id for b in rows if b.series_id is not None}
        assert series_ids == used, f"series rows without bookings: {series_ids - used}"

        # The exclusion invariant: no two active bookings of a space overlap.
        for space in spaces:
            active = sorted((b for b in rows if b.space_id == space and b.status in ACTIVE_STATUSES), key=lambda b: b.start_at)
            for a, b in zip(active, active[1:]):
                assert a.blocked_until <= b.start_at, f"overlap: {a.id} and {b.id}"
        figures["rows"] = len(rows)
        db.session.remove()
    return figures


def worker_pids(master: int) -> set[int]:
    """gunicorn's workers: the children of the master process (from /proc)."""
    pids = set()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == master:
            pids.add(int(entry))
    return pids


def wait_until(condition, timeout: float, what: str) -> None:
    import time

    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


CLIENTS = 8
PER_CLIENT = 9
SPACES = 4


def plan_load(make_user, make_group, spaces: list[int]) -> list[tuple[str, list[Sent]]]:
    """Per client (its own verified group and representative, a token): 6 single bookings, 2 weekly
    series of 4 dates, each on a slot nobody else asks for, and 1 request for one of 3 contested
    slots (asked by 2 or 3 clients: one wins, the others get 409)."""
    base = next_weekday(0, weeks_ahead=1)
    singles = series = 0
    clients = []
    for i in range(CLIENTS):
        group = make_group(verified=True)
        token = make_user(groups=[group]).token
        plan = []
        for j in range(PER_CLIENT):
            title = f"Load c{i:02d} r{j:02d} #"
            if j == PER_CLIENT - 1:  # contested
                hour = 10 + 4 * (i % 3)
                body = booking_body(spaces[0], group, title, base + timedelta(days=120), f"{hour}:00", f"{hour + 1}:30")
                plan.append(Sent(title, body, 1))
            elif j % 3 == 2:  # a weekly series
                space, t = spaces[series % SPACES], series // SPACES
                series += 1
                day, hour = base + timedelta(days=60 + t % 7), 8 + 2 * (t // 7)
                body = booking_body(space, group, title, day, f"{hour:02d}:00", f"{hour + 1:02d}:30", f"FREQ=WEEKLY;COUNT={SERIES_COUNT}")
                plan.append(Sent(title, body, SERIES_COUNT))
            else:
                space, t = spaces[singles % SPACES], singles // SPACES
                singles += 1
                day, hour = base + timedelta(days=t // 7), 8 + 2 * (t % 7)
                plan.append(Sent(title, booking_body(space, group, title, day, f"{hour:02d}:00", f"{hour + 1:02d}:30"), 1))
        clients.append((token, plan))
    return clients


@pytest.mark.slow
def test_workers_killed_under_a_load_of_bookings_lose_nothing_and_half_write_nothing(
    app, database_url, make_user, make_group, make_space, tmp_path, record_property
):
    spaces = [make_space(max_minutes=240) for _ in range(SPACES)]
    clients = plan_load(make_user, make_group, spaces)
    server = GunicornServer(database_url, tmp_path)
    kills = 0
    try:
        server.wait_ready()
        master = server.proc.pid
        answered = Counter()
        lock = threading.Lock()
        done = threading.Event()

        def client(token: str, plan: list[Sent]) -> None:
            with requests.Session() as session:
                for sent in plan:
                    post_booking(session, server.url, token, sent)
                    if sent.error:  # a new connection for what follows
                        session.close()
                    with lock:
                        answered["n"] += 1

        threads = [threading.Thread(target=client, args=c) for c in clients]
        for t in threads:
            t.start()

        # SIGKILL a worker (once, two at once) each time another 10 requests are over.
        rng = random.Random(7)
        total = CLIENTS * PER_CLIENT
        for n, threshold in enumerate(range(6, total - 10, 10)):
            wait_until(lambda: answered["n"] >= threshold or not any(t.is_alive() for t in threads), 120, "requests to finish")
            if not any(t.is_alive() for t in threads):
                break
            workers = sorted(worker_pids(master))
            for pid in rng.sample(workers, min(len(workers), 2 if n % 4 == 3 else 1)):
                try:
                    os.kill(pid, 9)
                    kills += 1
                except ProcessLookupError:
                    pass
        for t in threads:
            t.join(timeout=180)
        assert not any(t.is_alive() for t in threads), "some clients never finished"
        done.set()

        # gunicorn replaced every killed worker, and they serve.
        wait_until(lambda: len(worker_pids(master)) == 4, 180, "gunicorn to restart the workers")  # an upper bound: a worker boots in seconds, slower under load
        assert requests.get(server.url + "/api/v1/spaces", timeout=30).status_code == 200
    finally:
        server.stop()

    sent = [s for _, plan in clients for s in plan]
    statuses = Counter(s.status for s in sent)
    for s in sent:
        assert s.status in (201, 409, None), (s.title, s.status, s.answer)
        if s.status == 409:
            assert s.answer["error"]["code"] == "conflict"
    figures = verify_bookings(app, sent, spaces)
    assert kills >= 6
    assert statuses[201] >= total // 2, statuses
    log = server.log()
    assert "Traceback" not in log and "database is locked" not in log, log
    report = {"clients": CLIENTS, "requests": total, "kills": kills, **{str(k): v for k, v in figures.items()},
              "409": statuses[409], "500": statuses[500]}
    record_property("figures", report)
    print("\nSIGKILL figures:", report)


# --- The database restarting under load (PostgreSQL, through a proxy) --------------------------------


class FlakyProxy:
    """A TCP proxy between gunicorn and PostgreSQL. `down()` drops every connection and stops
    listening (new connections are refused, as by a restarting server); `up()` listens again on the
    same port. The shared PostgreSQL server itself is never touched."""

    def __init__(self, target: tuple[str, int]):
        self.target = target
        self.port = _free_port()
        self.lock = threading.Lock()
        self.conns: set[socket.socket] = set()
        self.listener: socket.socket | None = None
        self.dropped = 0
        self.up()

    def up(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self.listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def down(self) -> None:
        with self.lock:
            listener, self.listener = self.listener, None
            conns, self.conns = self.conns, set()
        try:
            listener.shutdown(socket.SHUT_RDWR)  # wakes the accept() blocked on it (Linux): the port is free at once
        except OSError:
            pass
        listener.close()
        self.dropped += len(conns) // 2
        for s in conns:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # closed by down()
            try:
                upstream = socket.create_connection(self.target, timeout=5)
                upstream.settimeout(None)
            except OSError:
                client.close()
                continue
            with self.lock:
                if self.listener is not listener:  # went down meanwhile
                    client.close()
                    upstream.close()
                    continue
                self.conns |= {client, upstream}
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket) -> None:
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            with self.lock:
                self.conns -= {src, dst}
            for s in (src, dst):
                s.close()

    def close(self) -> None:
        if self.listener is not None:
            self.down()


@pytest.mark.slow
def test_database_restart_under_load_gives_clean_503s_and_recovers(
    app, database_url, is_postgres, make_user, make_group, make_space, tmp_path, record_property
):
    if not is_postgres:
        pytest.skip("SQLite has no server to restart (its unavailable file: the unit test above)")
    from sqlalchemy.engine import make_url

    url = make_url(database_url)
    proxy = FlakyProxy((url.host or "127.0.0.1", url.port or 5432))
    spaces = [make_space() for _ in range(2)]
    groups = [make_group(verified=True) for _ in range(8)]
    tokens = [make_user(groups=[g]).token for g in groups]
    server = GunicornServer(url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False), tmp_path)
    phase = [0]  # 0 before the outage, 1 during, 2 after
    results: list[tuple[str, int, int, int | None, str]] = []  # (kind, phase sent, phase answered, status, text)
    bookings: list[Sent] = []
    lock = threading.Lock()
    stop = threading.Event()
    base = next_weekday(1, weeks_ahead=1)
    try:
        server.wait_ready()

        def client(i: int) -> None:
            token, group = tokens[i], groups[i]
            n = 0
            with requests.Session() as session:
                while not stop.is_set():
                    n += 1
                    kind = ("api read", "page", "booking")[n % 3]
                    sent_in = phase[0]
                    status, text = None, ""
                    try:
                        if kind == "booking":
                            # A slot of this client's own (day i, hour by n): free unless an
                            # earlier answer was lost and the booking was stored after all.
                            day, hour = base + timedelta(days=7 * (n // 21) + i % 7), 8 + (n // 3) % 7 * 2
                            title = f"Outage c{i} n{n} #"
                            s = Sent(title, booking_body(spaces[i % 2], group, title, day, f"{hour:02d}:00", f"{hour + 1:02d}:00"), 1)
                            post_booking(session, server.url, token, s, timeout=20)
                            status, text = s.status, str(s.answer)
                            s.phase = (sent_in, phase[0])
                            bookings.append(s)
                        elif kind == "api read":
                            with session.get(server.url + "/api/v1/groups", headers={"Authorization": f"Bearer {token}"}, timeout=20) as r:
                                status, text = r.status_code, r.text
                                if status == 503:
                                    body = r.json()
                                    assert body["error"]["code"] == "unavailable" and body["error"]["message"], text
                                    assert r.headers["Retry-After"].isdigit(), r.headers
                        else:
                            with session.get(server.url + f"/spaces/{spaces[0]}", headers={"Accept-Language": "fi"}, timeout=20) as r:
                                status, text = r.status_code, r.text
                                if status == 503:
                                    assert "Palvelu on hetken aikaa poissa käytöstä" in text and r.headers["Retry-After"].isdigit(), text[:300]
                    except requests.Timeout as exc:  # a hang: recorded, fails the test below
                        status, text = -1, repr(exc)
                    with lock:
                        results.append((kind, sent_in, phase[0], status, text[:300]))

        threads = [threading.Thread(target=client, args=(i,)) for i in range(len(tokens))]
        for t in threads:
            t.start()

        def count(condition) -> int:
            with lock:
                return sum(1 for r in results if condition(r))

        wait_until(lambda: count(lambda r: r[2] == 0) >= 40, 120, "answers before the outage")
        proxy.down()
        phase[0] = 1  # after down(): whatever is sent from now on meets the outage
        outage_started = datetime.now()
        # Down until every client has been answered 503 a few times (and at least 3 s have passed).
        wait_until(lambda: count(lambda r: r[1] == r[2] == 1 and r[3] == 503) >= 40 and (datetime.now() - outage_started).total_seconds() >= 3,
                   120, "503s during the outage")
        outage = (datetime.now() - outage_started).total_seconds()
        proxy.up()
        phase[0] = 2
        wait_until(lambda: count(lambda r: r[1] == r[2] == 2 and r[3] in (200, 201)) >= 40, 120, "answers after the outage")
        stop.set()
        for t in threads:
            t.join(timeout=60)
        assert not any(t.is_alive() for t in threads)
    finally:
        stop.set()
        server.stop()
        proxy.close()

    statuses = Counter(r[3] for r in results)
    log = server.log()
    assert statuses[500] == 0 and statuses[-1] == 0 and statuses[None] == 0, (
        statuses, [r for r in results if r[3] not in (200, 201, 503)], log[log.find("Traceback") - 2000:][:8000])
    during = [r for r in results if r[1] == r[2] == 1]
    assert during and all(r[3] == 503 for r in during), Counter((r[0], r[3]) for r in during)
    after = [r for r in results if r[1] == r[2] == 2]
    assert after and all(r[3] in (200, 201) for r in after), [r for r in after if r[3] not in (200, 201)][:5]
    before = [r for r in results if r[1] == r[2] == 0]
    assert all(r[3] in (200, 201) for r in before), [r for r in before if r[3] not in (200, 201)][:5]
    assert set(statuses) <= {200, 201, 503}, statuses
    figures = verify_bookings(app, bookings, spaces)
    warnings = log.count("Database unavailable on")
    assert warnings == statuses[503], (warnings, statuses[503])
    assert "Traceback" not in log, log[-5000:]
    report = {"clients": len(tokens), "requests": len(results), "outage seconds": round(outage, 1),
              "connections dropped": proxy.dropped, "503": statuses[503], "500": statuses[500],
              "answers by status": dict(statuses), **{str(k): v for k, v in figures.items()}}
    record_property("figures", report)
    print("\nOutage figures:", report)
