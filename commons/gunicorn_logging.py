"""gunicorn's logs without secrets: the personal feed links (/calendars/feeds/<secret>.ics, also
percent-encoded or in another case), `token=` (and the like) query values, Bearer tokens and any long
token-like word are written as `[secret]` in the access log and the error log (commons.errors.redact).

gunicorn uses it through `logger_class` in gunicorn.conf.py (read from the working directory by
default, or given with `-c`). The development server's log has the same filter (commons.errors).
"""
from __future__ import annotations

from gunicorn.glogging import Logger

from commons.errors import add_redaction, redact


class RedactingLogger(Logger):
    def setup(self, cfg) -> None:
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            add_redaction(log)  # "Error handling request /calendars/feeds/..." and the like

    def atoms(self, resp, req, environ, request_time) -> dict:
        """Every value an access log format can name (%(r)s, %(U)s, %(q)s, %({raw_uri}e)s,
        %(f)s the referrer, ...) with the secrets taken out."""
        atoms = super().atoms(resp, req, environ, request_time)
        return {key: redact(value) if isinstance(value, str) else value for key, value in atoms.items()}
