"""No secret reaches a log: not a personal feed link's, when its path is percent-encoded
(/calendars/%66eeds/<secret>.ics answers as the feed does) or in another case, not an API token in a query
string (token=, access_token=, ...) or an Authorization header a log format names, not one in an error's
traceback (issue 23 item 5; docs/security.md "Security and privacy"). The access log's atoms are checked as gunicorn
makes them (commons.gunicorn_logging); tests/security/test_gunicorn_limits_and_logs.py runs a real gunicorn."""
from __future__ import annotations

import datetime
import logging
from types import SimpleNamespace

import pytest

from commons.errors import RedactSecrets, redact
from commons.extensions import db
from commons.models import AuditEvent

SECRET = "Zq8vN3xK0pLm5RtY7wB2cD4fG6hJ9sA1eU_-iO"  # 38 characters of base64url, as the app's secrets are


def encoded(text: str) -> str:
    return "".join(f"%{ord(c):02X}" for c in text)


ATTACKS = {
    "percent-encoded feeds": f"/calendars/%66eeds/{SECRET}.ics",
    "all percent-encoded": f"/calendars/{encoded('feeds')}/{encoded(SECRET)}.ics",
    "encoded slash": f"/calendars%2Ffeeds%2F{SECRET}.ics",
    "capitals": f"/calendars/FEEDS/{SECRET}.ics",
    "mixed case": f"/Calendars/Feeds/{SECRET}.ics",
    "double encoded": f"/calendars/%2566eeds/{SECRET}.ics",
    "token in the query": f"/api/v1/me?token={SECRET}",
    "encoded token name": f"/api/v1/me?%74oken={SECRET}",
    "access_token": f"/api/v1/me?lang=fi&access_token={SECRET}",
    "api_key": f"/api/v1/me?api_key={SECRET}",
    "bearer header": f"Bearer {SECRET}",
    "a long token-like word anywhere": f"/anything/{SECRET}/x",
}


@pytest.mark.parametrize("line", ATTACKS.values(), ids=ATTACKS.keys())
def test_redact_takes_out_every_form_of_a_secret(line):
    out = redact(f'10.0.0.1 - - "GET {line} HTTP/1.1" 200 12')
    assert SECRET not in out and encoded(SECRET) not in out and SECRET[:20] not in out, out
    assert "[secret]" in out


@pytest.mark.parametrize("line", [
    "GET /spaces/12?week=2027-W03 HTTP/1.1",
    "GET /calendars/spaces/3.ics?lang=sv HTTP/1.1",
    'File "/srv/commons/.venv/lib/python3.11/site-packages/werkzeug/serving.py", line 12, in run_wsgi',
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
])
def test_redact_leaves_ordinary_lines_alone(line):
    assert redact(line) == line


def test_a_percent_encoded_feed_link_answers_as_the_feed(app, make_user, make_group):
    """The attack's premise: the server decodes the path, so the encoded link is a working link."""
    user = make_user(groups=[make_group()])
    url = user.get("/feeds").get_json()[0]["url"]
    path = "/" + url.split("//", 1)[1].split("/", 1)[1]
    client = app.test_client()
    assert client.get(path).status_code == 200
    assert client.get(path.replace("/feeds/", "/%66eeds/")).status_code == 200


def _atoms(raw_uri: str, path_info: str, query: str = "", headers: dict | None = None) -> dict:
    from gunicorn.config import Config

    from commons.gunicorn_logging import RedactingLogger

    logger = RedactingLogger(Config())
    environ = {"REQUEST_METHOD": "GET", "RAW_URI": raw_uri, "SERVER_PROTOCOL": "HTTP/1.1", "PATH_INFO": path_info,
               "QUERY_STRING": query, "REMOTE_ADDR": "10.0.0.1"}
    for name, value in (headers or {}).items():
        environ["HTTP_" + name.upper().replace("-", "_")] = value
    req = SimpleNamespace(headers=[(k.upper(), v) for k, v in (headers or {}).items()])
    resp = SimpleNamespace(status="200 OK", headers=[("Content-Type", "text/calendar")], sent=10)
    return logger.atoms(resp, req, environ, datetime.timedelta(microseconds=5))


@pytest.mark.parametrize("raw", [ATTACKS["percent-encoded feeds"], ATTACKS["all percent-encoded"], ATTACKS["capitals"]])
def test_gunicorn_access_log_atoms_of_an_encoded_or_mis_cased_feed_link(raw):
    from urllib.parse import unquote

    atoms = _atoms(raw, unquote(raw), headers={"Referer": "https://commons.test" + raw})
    text = " ".join(str(v) for v in atoms.values())
    assert SECRET not in text and encoded(SECRET) not in text, text
    for key in ("r", "U", "{raw_uri}e", "{path_info}e", "f", "{referer}i"):
        assert "[secret]" in atoms[key], (key, atoms[key])


def test_gunicorn_access_log_atoms_of_a_token_in_the_query_or_a_header():
    atoms = _atoms(f"/api/v1/me?access_token={SECRET}", "/api/v1/me", f"access_token={SECRET}",
                   headers={"Authorization": f"Bearer {SECRET}"})
    text = " ".join(str(v) for v in atoms.values())
    assert SECRET not in text, text
    assert "[secret]" in atoms["{authorization}i"] and "[secret]" in atoms["q"]


def test_the_error_log_and_its_traceback_keep_no_secret(app, caplog):
    """An error logged with a feed link in its message and in its exception (as a view's error would be)."""
    caplog.set_level(logging.ERROR, logger="commons")
    with app.test_request_context():
        try:
            raise ValueError(f"no feed at /calendars/FEEDS/{SECRET}.ics")
        except ValueError:
            app.logger.exception("Unexpected error on GET %s", f"/calendars/%66eeds/{SECRET}.ics")
    records = [r for r in caplog.records if r.name == "commons"]
    assert records
    formatted = "\n".join(logging.Formatter().format(r) for r in records)
    assert SECRET not in formatted, formatted
    assert "[secret]" in formatted and "ValueError" in formatted


def test_the_development_servers_request_log_keeps_no_secret():
    record = logging.LogRecord("werkzeug", logging.INFO, __file__, 1, '%s - - "%s" %s -',
                               ("127.0.0.1", f"GET {ATTACKS['percent-encoded feeds']} HTTP/1.1", "200"), None)
    RedactSecrets().filter(record)
    assert SECRET not in record.getMessage() and "[secret]" in record.getMessage()


def test_the_audit_log_keeps_no_secret(app, make_user, make_group):
    """Feed links made, rotated and used leave no secret in the audit log (which keeps ids and facts only)."""
    user = make_user(groups=[make_group()])
    links = user.get("/feeds").get_json()
    rotated = user.post("/feeds/rotate", {"url": links[0]["url"]}).get_json()
    secrets = [link["url"].rsplit("/", 1)[1].removesuffix(".ics") for link in (*links, rotated)]
    with app.app_context():
        stored = " ".join(repr((e.action, e.details)) for e in db.session.query(AuditEvent))
    assert not any(s in stored for s in secrets)
