"""A real SMTP server in the test process (aiosmtpd) for the mail tests.

`smtp_server` starts one on a free local port, points the app's MAIL_SERVER/MAIL_PORT at it, and
records what it receives: `.messages` are parsed `email.message.EmailMessage`s. `.refuse = "451 ..."`
makes it refuse messages; `.stop()` / `.start()` take it down and bring it back on the same port."""
from __future__ import annotations

import email
import email.policy
import socket

import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Recorder:
    def __init__(self):
        self.envelopes = []
        self.refuse: str | None = None

    async def handle_DATA(self, server, session, envelope):
        if self.refuse:
            return self.refuse
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


class SmtpServer:
    def __init__(self, port: int):
        self.port = port
        self.handler = _Recorder()
        self.controller = None

    def start(self):
        from aiosmtpd.controller import Controller

        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    @property
    def refuse(self):
        return self.handler.refuse

    @refuse.setter
    def refuse(self, value):
        self.handler.refuse = value

    @property
    def messages(self) -> list[email.message.EmailMessage]:
        return [email.message_from_bytes(e.original_content, policy=email.policy.default) for e in self.handler.envelopes]

    @property
    def recipients(self) -> list[str]:
        return [rcpt for e in self.handler.envelopes for rcpt in e.rcpt_tos]


@pytest.fixture
def smtp_server(app):
    server = SmtpServer(free_port())
    server.start()
    saved = {k: app.config.get(k) for k in ("MAIL_SERVER", "MAIL_PORT")}
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port)
    try:
        yield server
    finally:
        server.stop()
        app.config.update(saved)


def render_outbox(app) -> int:
    """Render every message that waits for it (commons.mail.queue_later), as send-mail does before
    delivering: for tests that read the outbox's rows instead of what a server received."""
    from datetime import datetime, timedelta, timezone

    from commons.extensions import db
    from commons.mail import render_waiting

    with app.app_context():
        n = total = render_waiting(datetime.now(timezone.utc) + timedelta(days=1)).rendered
        while n:
            n = render_waiting(datetime.now(timezone.utc) + timedelta(days=1)).rendered
            total += n
        db.session.remove()
    return total
