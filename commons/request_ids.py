"""Request ids and the log lines that carry them.

Every answer carries `X-Request-ID`: the id a trusted proxy sent (TRUSTED_PROXIES > 0: the app is
told it sits behind proxies, which must then set or overwrite the header), when it is a plain word of
at most 128 characters (letters, digits and `._:+=@/-`: nothing that could break a log line), else a new
one. The id is in the app's log lines (`[id]`, or the `request_id` field of a JSON line), gunicorn's
access log (gunicorn.conf.py), and on the error pages, for people to quote.

LOG_FORMAT=json writes one JSON object per line (the app's log and gunicorn's access and error logs);
the secrets stay out either way (commons.errors.redact filters the message before it is formatted).
"""
from __future__ import annotations

import json
import logging
import re
import secrets
import time
from datetime import datetime, timezone

from flask import has_request_context, request

VALID = re.compile(r"[A-Za-z0-9._:+=@/-]{1,128}")
ENVIRON_KEY = "commons.request_id"


def new_id() -> str:
    """20 hex digits: unique enough for a day's logs, and short of the 32 characters the log redaction
    takes for a secret (commons.errors.TOKEN_LIKE)."""
    return secrets.token_hex(10)


def accepted(value: str | None) -> str | None:
    """The incoming id when it may be logged as it is, else None."""
    return value if value and VALID.fullmatch(value) else None


class RequestIds:
    """WSGI middleware (outermost): choose the id, keep it in the environ (with the time the request
    began, for the latency histogram), and put it on every answer, even one made before Flask."""

    def __init__(self, app, trust_header: bool):
        self.app = app
        self.trust_header = trust_header

    def __call__(self, environ, start_response):
        rid = accepted(environ.get("HTTP_X_REQUEST_ID")) if self.trust_header else None
        rid = rid or new_id()
        environ[ENVIRON_KEY] = rid
        environ["commons.request_started"] = time.perf_counter()

        def start(status, headers, exc_info=None):
            headers = [(k, v) for k, v in headers if k.lower() != "x-request-id"]
            headers.append(("X-Request-ID", rid))
            return start_response(status, headers, exc_info)

        return self.app(environ, start)


def current_id() -> str:
    """This request's id ('-' outside a request)."""
    if has_request_context():
        return request.environ.get(ENVIRON_KEY, "-")
    return "-"


class RequestIdFilter(logging.Filter):
    """Gives every record a `request_id` (for the formats below)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = current_id()
        return True


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s]: %(message)s"


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC), level, logger, request_id, message (and the traceback)."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "request_id": getattr(record, "request_id", None) or current_id(),
            "message": record.getMessage(),
        }
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            line["exception"] = record.exc_text
        return json.dumps(line, ensure_ascii=False)


def formatter(log_format: str) -> logging.Formatter:
    return JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT)


def configure_logging(app) -> None:
    """The app's log lines, outside debug and tests: INFO and up to stderr, with the request id, as text
    or JSON (LOG_FORMAT). The app's own logger gets the id filter too (tests read its records)."""
    if not app.debug and not app.testing:
        root = logging.getLogger()
        if not root.handlers:
            # Before anything reads app.logger: Flask gives the logger a handler of its own when no handler
            # is configured yet, and each message was then written twice (its handler and the root's).
            logging.basicConfig(level=logging.INFO)
        for handler in root.handlers:
            handler.addFilter(RequestIdFilter())
            handler.setFormatter(formatter(app.config.get("LOG_FORMAT", "text")))
    app.logger.addFilter(RequestIdFilter())
