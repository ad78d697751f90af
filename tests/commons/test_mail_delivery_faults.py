"""SMTP failing in the middle of a delivery run loses no e-mail and sends none twice (beyond the one
message whose acknowledgement never came, which is sent again with the same Message-ID).

tests/spaces/test_notices.py covers the server down (connection refused) and every message
refused (4xx/5xx); here a hand-written SMTP server misbehaves as real ones do: it drops the
connection in the middle of a batch, it stops answering after the data (a timeout), it accepts
the connection and never greets.
"""
from __future__ import annotations

import email
import email.policy
import socket
import threading
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from commons.extensions import db
from commons.jobs import run_job
from commons.mail import queue_message
from commons.models import OutboxMessage


class BadSmtp:
    """A minimal SMTP server on a thread. `mode`: "ok"; "drop" (closes the connection, without a
    reply, at the end of the data of message number `after` + 1 of the connection); "stall" (does
    not answer then); "silent" (never sends the greeting)."""

    def __init__(self):
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(8)
        self.port = self.listener.getsockname()[1]
        self.mode, self.after = "ok", 0
        self.accepted: list[email.message.EmailMessage] = []  # acknowledged with 250
        self.received_ids: list[str] = []  # every complete message, acknowledged or not
        self.release = threading.Event()  # ends stalled connections
        self.threads: list[threading.Thread] = []
        self.sockets: list[socket.socket] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            self.sockets.append(conn)
            t = threading.Thread(target=self._session, args=(conn,), daemon=True)
            self.threads.append(t)
            t.start()

    def _session(self, conn: socket.socket):
        f = conn.makefile("rb")
        mode, count = self.mode, 0
        try:
            if mode == "silent":
                self.release.wait(30)
                return
            conn.sendall(b"220 bad.smtp.test ESMTP\r\n")
            while True:
                line = f.readline()
                if not line:
                    return
                verb = line[:4].upper()
                if verb in (b"EHLO", b"HELO"):
                    conn.sendall(b"250-bad.smtp.test\r\n250 8BITMIME\r\n")
                elif verb == b"DATA":
                    conn.sendall(b"354 go ahead\r\n")
                    data = b""
                    while True:
                        chunk = f.readline()
                        if not chunk or chunk == b".\r\n":
                            break
                        data += chunk[1:] if chunk.startswith(b"..") else chunk
                    message = email.message_from_bytes(data, policy=email.policy.default)
                    self.received_ids.append(message["Message-ID"])
                    if mode != "ok" and count == self.after:
                        if mode == "stall":
                            self.release.wait(30)
                        return  # "drop": the connection closes without an answer
                    count += 1
                    self.accepted.append(message)
                    conn.sendall(b"250 queued\r\n")
                elif verb == b"QUIT":
                    conn.sendall(b"221 bye\r\n")
                    return
                else:  # MAIL, RCPT, RSET, NOOP
                    conn.sendall(b"250 ok\r\n")
        except OSError:
            pass
        finally:
            f.close()
            conn.close()

    def close(self):
        self.release.set()
        self.listener.close()
        for t in self.threads:
            t.join(timeout=10)


@pytest.fixture
def bad_smtp(app):
    server = BadSmtp()
    saved = {k: app.config.get(k) for k in ("MAIL_SERVER", "MAIL_PORT", "MAIL_TIMEOUT")}
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port, MAIL_TIMEOUT=1.0)
    try:
        yield server
    finally:
        server.close()
        app.config.update(saved)


def queue(app, n: int) -> None:
    with app.app_context():
        for i in range(n):
            queue_message(to=f"person{i}@example.fi", subject=f"Message {i}", text=f"Text {i}", html=f"<p>{i}</p>")
        db.session.commit()


def send(app, now: datetime) -> str:
    with app.app_context():
        return run_job("send-mail", now)


def outbox(app) -> list[tuple[str, str, int]]:
    with app.app_context():
        rows = [(m.to_address, m.status, m.attempts) for m in db.session.execute(select(OutboxMessage).order_by(OutboxMessage.id)).scalars()]
        db.session.remove()
        return rows


def delivered_to(server: BadSmtp) -> list[str]:
    return sorted(m["To"] for m in server.accepted)


@pytest.mark.parametrize("mode", ["drop", "stall"])
def test_connection_lost_in_the_middle_of_a_batch(app, bad_smtp, mode):
    queue(app, 5)
    now = datetime.now(timezone.utc)
    bad_smtp.mode, bad_smtp.after = mode, 2  # two messages go through, the third is never acknowledged
    assert send(app, now) == "send-mail: sent 2, 3 will be retried."
    rows = outbox(app)
    assert [st for _, st, _ in rows] == ["sent", "sent", "queued", "queued", "queued"]
    assert delivered_to(bad_smtp) == ["person0@example.fi", "person1@example.fi"]

    bad_smtp.mode = "ok"
    assert send(app, now + timedelta(seconds=30)) == "send-mail: sent 0."  # backing off
    assert send(app, now + timedelta(minutes=1, seconds=1)) == "send-mail: sent 3."
    assert send(app, now + timedelta(hours=1)) == "send-mail: sent 0."
    # Every message acknowledged exactly once; the unacknowledged one came again with its own id.
    assert delivered_to(bad_smtp) == [f"person{i}@example.fi" for i in range(5)]
    assert bad_smtp.received_ids.count(bad_smtp.received_ids[2]) == 2 and len(set(bad_smtp.received_ids)) == 5
    assert [(st, n) for _, st, n in outbox(app)] == [("sent", 1), ("sent", 1), ("sent", 2), ("sent", 2), ("sent", 2)]


def test_a_server_that_never_greets_times_out_and_nothing_is_lost(app, bad_smtp):
    queue(app, 3)
    now = datetime.now(timezone.utc)
    bad_smtp.mode = "silent"
    result = send(app, now)
    assert result == "send-mail: sent 0, 3 will be retried.", result
    with app.app_context():
        errors = set(db.session.execute(select(OutboxMessage.last_error)).scalars())
        db.session.remove()
    assert len(errors) == 1 and "timed out" in errors.pop()
    bad_smtp.mode = "ok"
    assert send(app, now + timedelta(minutes=1, seconds=1)) == "send-mail: sent 3."
    assert delivered_to(bad_smtp) == [f"person{i}@example.fi" for i in range(3)]
    assert bad_smtp.received_ids and len(bad_smtp.received_ids) == 3
