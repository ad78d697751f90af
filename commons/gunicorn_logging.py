"""gunicorn's logs without secrets: the personal feed links (/calendars/feeds/<secret>.ics, also
percent-encoded or in another case), `token=` (and the like) query values, Bearer tokens and any long
token-like word are written as `[secret]` in the access log and the error log (commons.errors.redact).
The request id (the `X-Request-ID` the app answered with, commons.request_ids: validated, never a
secret) is kept as it is.

LOG_FORMAT=json: each access log line is a JSON object (time, remote, method, path, query, status,
bytes, seconds, referrer, user agent, request_id), and the error log's lines too.

gunicorn uses it through `logger_class` in gunicorn.conf.py (read from the working directory by
default, or given with `-c`). The development server's log has the same filter (commons.errors).
"""
from __future__ import annotations

import json
import os

from gunicorn.glogging import Logger

from commons.errors import add_redaction, redact

REQUEST_ID_ATOM = "{x-request-id}o"


def json_logs() -> bool:
    return os.environ.get("LOG_FORMAT", "text").strip().lower() == "json"


class RedactingLogger(Logger):
    def setup(self, cfg) -> None:
        super().setup(cfg)
        # "Error handling request /calendars/feeds/..." and the like. The access log's lines are made of
        # the atoms below, each redacted but the request id: a filter on the whole line would take a
        # proxy's long id (a UUID) for a secret.
        add_redaction(self.error_log)
        if json_logs():
            from commons.request_ids import JsonFormatter

            for handler in self.error_log.handlers:
                handler.setFormatter(JsonFormatter())

    def atoms(self, resp, req, environ, request_time) -> dict:
        """Every value an access log format can name (%(r)s, %(U)s, %(q)s, %({raw_uri}e)s,
        %(f)s the referrer, ...) with the secrets taken out."""
        atoms = super().atoms(resp, req, environ, request_time)
        return {key: redact(value) if isinstance(value, str) and key != REQUEST_ID_ATOM else value
                for key, value in atoms.items()}

    def access(self, resp, req, environ, request_time) -> None:
        if not json_logs():
            return super().access(resp, req, environ, request_time)
        if not self.access_log_enabled:
            return
        atoms = self.atoms(resp, req, environ, request_time)
        line = {
            "time": self.now().strip("[]"),
            "remote": atoms.get("h"),
            "method": atoms.get("m"),
            "path": atoms.get("U"),
            "query": atoms.get("q") or None,
            "status": int(atoms["s"]) if str(atoms.get("s", "")).isdigit() else atoms.get("s"),
            "bytes": atoms.get("B"),
            "seconds": round(request_time.total_seconds(), 6),
            "referrer": atoms.get("f"),
            "user_agent": atoms.get("a"),
            "request_id": atoms.get(REQUEST_ID_ATOM) or environ.get("commons.request_id"),
        }
        self.access_log.info("%s", json.dumps(line, ensure_ascii=False))
