"""One error shape for the API, friendly pages for people, and never a 500 for client input."""
from __future__ import annotations

import logging
import re
from urllib.parse import unquote
from typing import Any

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from sqlalchemy.exc import DBAPIError, IntegrityError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException

import commons.messages  # noqa: F401  (the words of commons' codes, said here)
from commons.codes import Said, english, is_known, jsonable, say


class ApiError(Exception):
    """An answer to the client that something it sent cannot be done. Raised by services and views.

    Say it as a code: `code` is the stable category of API.md (`rule`, `conflict`, `state`, ...),
    `reason` the specific refusal (a code registered in a package's messages.py) and `params` its
    values. `message` (English, for the API) is made from them when not given; pages say `said()`,
    in the reader's language. `fields` map a field to its refusal (a `Said`, or legacy English text)."""

    status = 400
    code = "bad_request"

    def __init__(
        self,
        message: str | None = None,
        *,
        reason: str | None = None,
        params: dict[str, Any] | None = None,
        fields: dict[str, str | Said] | None = None,
        conflicts: list[dict] | None = None,
        status: int | None = None,
        code: str | None = None,
        extra: dict[str, Any] | None = None,
    ):
        if status is not None:
            self.status = status
        if code is not None:
            self.code = code
        self.reason = reason
        self.params = dict(params or {})
        self.field_said = {k: v for k, v in (fields or {}).items() if isinstance(v, Said)}
        self.fields = {k: (v.english() if isinstance(v, Said) else v) for k, v in (fields or {}).items()}
        if message is None:
            message = english(reason or self.code, self.params)
        super().__init__(message)
        self.message = message
        self.conflicts = conflicts or []
        self.extra = extra or {}

    def said(self) -> str:
        """The refusal in the current language (pages, e-mails)."""
        for code in (self.reason, self.code):
            if is_known(code):
                return say(code, self.params)
        return self.message

    def field_text(self, name: str) -> str:
        """A field's refusal in the current language."""
        said = self.field_said.get(name)
        return said.text() if said is not None else self.fields.get(name, "")

    def body(self) -> dict:
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.reason:
            error["reason"] = self.reason
        if self.reason or self.params:
            error["params"] = jsonable(self.params)
        if self.fields:
            error["fields"] = self.fields
        if self.field_said:
            error["field_codes"] = {k: v.as_json() for k, v in self.field_said.items()}
        if self.conflicts:
            error["conflicts"] = self.conflicts
        error.update(self.extra)
        return {"error": error}


class Invalid(ApiError):
    status, code = 422, "invalid"


class Unauthorized(ApiError):
    status, code = 401, "unauthorized"


class Forbidden(ApiError):
    status, code = 403, "forbidden"


class NotFound(ApiError):
    status, code = 404, "not_found"


class Conflict(ApiError):
    status, code = 409, "conflict"


class RuleViolation(ApiError):
    status, code = 422, "rule"


_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
}


def wants_json() -> bool:
    return request.path.startswith("/api/")


def _page_message(err: HTTPException, status: int) -> str:
    """The message of an error page, in the page's language. Werkzeug's own English descriptions
    are replaced; a description the app gave (already translated for pages) is kept."""
    from flask_wtf.csrf import CSRFError

    if status == 429:
        return _retry_message(err)
    if isinstance(err, CSRFError):
        return _("The form has expired. Go back, reload the page and try again.")
    if err.description and err.description != type(err).description:
        return err.description
    messages = {
        400: _("The request could not be understood. Go back and try again."),
        401: _("Sign in to see this page."),
        403: _("You are not allowed to see this page."),
        404: _("There is no page at this address. Check the address, or start again from the front page."),
        405: _("This page cannot be used that way."),
        413: _("What you sent is too large."),
        415: _("What you sent is in a form this page does not take."),
    }
    return messages.get(status, err.description or err.name)


def _retry_message(err: HTTPException) -> str:
    """"Too many tries" with the wait (the Retry-After header) said in words."""
    from flask_babel import ngettext

    import time

    from commons.extensions import limiter

    retry = err.get_response().headers.get("Retry-After", "")
    seconds = int(retry) if retry.isdigit() else 0
    current = limiter.current_limit  # Flask-Limiter adds Retry-After itself after this, from the same value
    if not seconds and current is not None:
        seconds = int(current.reset_at - time.time())
    if seconds <= 0:
        return _("Too many requests. Wait a moment and try again.")
    if seconds < 90:
        wait = ngettext("%(num)d second", "%(num)d seconds", seconds)
    else:
        wait = ngettext("%(num)d minute", "%(num)d minutes", -(-seconds // 60))
    return _("Too many tries in a short time. Wait %(wait)s and try again.", wait=wait)


SECRET_PATH = re.compile(r"(/calendars/feeds/)[^/?#\s\"]+", re.IGNORECASE)
# A query parameter whose name says it holds a secret: token=, access_token=, api_key=, secret=, password=, ...
SECRET_QUERY = re.compile(
    r"((?:^|[?&;\s])[\w.-]*(?:token|secret|passw(?:or)?d|api[_-]?key|signature)=)[^&;#\s\"]*", re.IGNORECASE
)
BEARER = re.compile(r"(\bBearer\s+)[^\s\",;]+", re.IGNORECASE)
# Any long token-like word: the app's secrets are 43 characters of base64url (secrets.token_urlsafe(32),
# FeedToken.derive), so a run of 32 or more such characters with a letter and a digit in it is taken
# for one, wherever it stands (a mistyped path, a referrer, a header a log format names).
TOKEN_LIKE = re.compile(r"(?<![A-Za-z0-9_-])(?=[A-Za-z0-9_-]*[0-9])(?=[A-Za-z0-9_-]*[A-Za-z])[A-Za-z0-9_-]{32,}(?![A-Za-z0-9_-])")


def _redact_plain(text: str) -> str:
    text = SECRET_PATH.sub(r"\1[secret]", text)
    text = SECRET_QUERY.sub(r"\1[secret]", text)
    text = BEARER.sub(r"\1[secret]", text)
    return TOKEN_LIKE.sub("[secret]", text)


def redact(text: str) -> str:
    """A path or log line without secrets: a personal feed link's (/calendars/feeds/<secret>.ics, in any
    case), the value of a `token=`, `secret=` (and the like) query parameter, a Bearer token, and any long
    token-like word. A line whose secret hides behind percent-encoding (/calendars/%66eeds/<secret>.ics
    answers as the feed does) is decoded, as the server decodes it, and then redacted."""
    clean = _redact_plain(text)
    decoded = clean
    for _ in range(3):  # %2566 is %66 once decoded: a few rounds, never an endless loop
        if "%" not in decoded:
            break
        once = unquote(decoded, errors="replace")
        if once == decoded:
            break
        decoded = once
        redacted = _redact_plain(decoded)
        if redacted != decoded:  # something was hidden by the encoding: log the decoded line, redacted
            clean = decoded = redacted
    return clean


class RedactSecrets(logging.Filter):
    """Keeps secrets out of the request log (the development server logs every path) and the error log."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and not record.exc_text:  # the traceback's text, which formatters reuse once set
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        return True


def add_redaction(logger: logging.Logger) -> None:
    """Filter a logger's records through RedactSecrets (once). A filter acts on the records logged on that
    logger itself, not on its children's: each logger that may see a secret gets its own."""
    if not any(isinstance(f, RedactSecrets) for f in logger.filters):
        logger.addFilter(RedactSecrets())


# --- The database unavailable (restarting, unreachable, its file gone) -------------------------------

DB_RETRY_AFTER_SECONDS = 5
# SQLite's own words for "the database cannot be used right now" (its OperationalError also covers
# programming errors such as "no such table", which stay 500s).
_SQLITE_UNAVAILABLE = ("unable to open database", "disk i/o error", "database is locked", "readonly database",
                       "database disk image is malformed", "no such file")


def database_unavailable(err: BaseException) -> bool:
    """Whether a database error means "the database cannot be reached or used right now" (answered
    503 with Retry-After) rather than a mistake in a statement (a 500)."""
    if isinstance(err, PoolTimeout):  # every pooled connection busy past the pool's timeout
        return True
    if not isinstance(err, DBAPIError) or isinstance(err, IntegrityError):
        return False
    if err.connection_invalidated:
        return True
    orig = err.orig
    module = type(orig).__module__ if orig is not None else ""
    if module.startswith("sqlite3"):
        text = str(orig).lower()
        return any(words in text for words in _SQLITE_UNAVAILABLE)
    # psycopg: OperationalError is a lost or refused connection, a server shutting down, a
    # statement cancelled, a deadlock or serialisation failure: all worth trying again.
    return err.__class__.__name__ in ("OperationalError", "InterfaceError")


def _describe_database_error(err: BaseException) -> str:
    """The driver's own first line, never the statement or its parameters (personal data, hashes)."""
    orig = getattr(err, "orig", None) or err
    first = (str(orig).strip().splitlines() or [""])[0]
    return f"{type(orig).__module__}.{type(orig).__name__}: {first[:300]}"


def register_error_handlers(app: Flask) -> None:
    # the development server's request log, the app's own log (errors with their tracebacks), the scheduler's
    for logger in (logging.getLogger("werkzeug"), app.logger, logging.getLogger("commons.scheduler")):
        add_redaction(logger)

    @app.errorhandler(ApiError)
    def api_error(err: ApiError):
        if wants_json():
            return jsonify(err.body()), err.status
        return render_template("commons/error.html", status=err.status, message=err.said()), err.status

    @app.errorhandler(HTTPException)
    def http_error(err: HTTPException):
        status = err.code or 500
        message = err.description or err.name
        if status == 429:
            message = "Too many requests. Wait a moment and try again."
        if wants_json():
            response = jsonify({"error": {"code": _HTTP_CODES.get(status, "error"), "message": message}})
        else:
            response = app.make_response(
                (render_template("commons/error.html", status=status, message=_page_message(err, status)), status)
            )
        response.status_code = status
        for header in ("Retry-After", "Allow"):
            original = err.get_response().headers.get(header)
            if original:
                response.headers[header] = original
        return response

    @app.errorhandler(IntegrityError)
    def integrity_error(err: IntegrityError):
        # The database's own guards (the bookings exclusion constraint on PostgreSQL, unique keys)
        # caught a write that raced past the checks: the same answer a person would get.
        from commons.extensions import db

        db.session.rollback()
        text = str(err.orig)
        if "ex_shift_signups_no_overlap" in text:  # one person's overlapping shifts (volunteers registers the code's words)
            body = Conflict(reason="overlap")
            if wants_json():
                return jsonify(body.body()), 409
            return render_template("commons/error.html", status=409, message=body.said()), 409
        if "name_key" in text:  # two look-alike group names registered at the same moment (groups.name_key)
            body = Conflict(code="name_taken", reason="group_name_taken", fields={"name": Said("group_name_taken")})
            if wants_json():
                return jsonify(body.body()), 409
            message = body.said()
            return render_template("commons/error.html", status=409, message=message), 409
        if "ex_bookings_no_overlap" in text or "exclusion" in text.lower():
            body = Conflict(reason="booked_meanwhile")
        else:
            body = ApiError(reason="already_stored", code="conflict", status=409)
        if wants_json():
            return jsonify(body.body()), 409
        return render_template("commons/error.html", status=409, message=body.said()), 409

    @app.teardown_appcontext
    def end_session(exc: BaseException | None) -> None:
        # Runs before Flask-SQLAlchemy's own teardown (registered earlier, run later). Ending the
        # request's session rolls back its read transaction; when the connection died after the
        # answer was made (the database restarting), that rollback fails, and the answer, already
        # made, would become a 500. The dead connection is thrown away instead; the answer stands.
        from commons.extensions import db

        try:
            db.session.remove()
        except SQLAlchemyError as err:
            if not database_unavailable(err):
                raise
            app.logger.warning("Database connection lost at the end of a request: %s", _describe_database_error(err))
            try:
                db.session().invalidate()
            except SQLAlchemyError:
                pass
            db.session.registry.clear()

    @app.errorhandler(DBAPIError)
    @app.errorhandler(PoolTimeout)
    def database_error(err: SQLAlchemyError):
        if not database_unavailable(err):
            return unexpected(err)
        # One line in the log (no traceback, no statement, no parameters): an outage gives many.
        app.logger.warning(
            "Database unavailable on %s %s: %s", request.method, redact(request.path), _describe_database_error(err)
        )
        from flask import g

        from commons.extensions import db, login_manager

        try:
            db.session.rollback()
        except SQLAlchemyError:
            pass
        # The page must not reach for the database again: whoever is signed in was loaded from it
        # (and the rollback expired what was loaded), so the page is drawn as for a visitor.
        g._login_user = login_manager.anonymous_user()
        retry = str(DB_RETRY_AFTER_SECONDS)
        if wants_json():
            response = jsonify({"error": {"code": "unavailable", "message": (
                "The service is unavailable for a moment (its database cannot be reached). Try again in a few "
                "seconds; if you were making a change, check whether it was saved before sending it again.")}})
        else:
            message = _("The service is unavailable for a moment. Try again in a few seconds. If you were saving "
                        "something, check afterwards whether it was saved before sending it again.")
            response = app.make_response(render_template("commons/error.html", status=503, message=message))
        response.status_code = 503
        response.headers["Retry-After"] = retry
        return response

    @app.errorhandler(Exception)
    def unexpected(err: Exception):
        app.logger.exception("Unexpected error on %s %s", request.method, redact(request.path))
        # A failed statement leaves a PostgreSQL transaction aborted: roll back, so that the error page
        # can still read who is signed in (the language, the navigation) instead of failing in turn.
        from commons.extensions import db

        db.session.rollback()
        message = "Something went wrong on our side. It has been logged; please try again later."
        if wants_json():
            return jsonify({"error": {"code": "server_error", "message": message}}), 500
        message = _("Something went wrong on our side. It has been logged; please try again later.")
        return render_template("commons/error.html", status=500, message=message), 500
