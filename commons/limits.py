"""Request size for bodies without a Content-Length (docs/security.md "Limits").

A body sent with `Transfer-Encoding: chunked` has no Content-Length, so Werkzeug cannot refuse it up
front; it reads it up to MAX_CONTENT_LENGTH and then cuts it off without a word (a JSON body or a
form becomes its first megabyte, which fails later as a 400 for the wrong reason, or worse, parses).
Before anything else reads the body, this reads it whole, up to one byte over the limit: over it is a
413 (JSON under /api/, a page otherwise); within it, the body is handed on with its length set, as if
the client had sent a Content-Length."""
from __future__ import annotations

import io

from flask import Flask, request
from werkzeug.exceptions import RequestEntityTooLarge

_CHUNK = 64 * 1024


def buffer_chunked_body() -> None:
    environ = request.environ
    if environ.get("CONTENT_LENGTH") or "wsgi.input_terminated" not in environ:
        return  # a length to check (Werkzeug does), or a server that does not pass such bodies on
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    limit = request.max_content_length
    if limit is None:
        return
    stream = environ["wsgi.input"]
    body = bytearray()
    while len(body) <= limit:
        part = stream.read(min(_CHUNK, limit + 1 - len(body)))
        if not part:
            break
        body += part
    if len(body) > limit:
        raise RequestEntityTooLarge()
    environ["wsgi.input"] = io.BytesIO(bytes(body))
    environ["CONTENT_LENGTH"] = str(len(body))


def install(app: Flask) -> None:
    """Runs before every other before_request function (CSRF protection reads the form)."""
    app.before_request_funcs.setdefault(None, []).insert(0, buffer_chunked_body)
