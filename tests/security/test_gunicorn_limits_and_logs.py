"""A real gunicorn: rate limits counted across its workers when they share Redis
(RATELIMIT_STORAGE_URI=redis://...), and its access log free of feed secrets and `token=` values
(gunicorn.conf.py, read from the working directory, sets commons.gunicorn_logging.RedactingLogger).
"""
from __future__ import annotations

import re
import threading
import uuid
from collections import Counter
from pathlib import Path

import pytest
import requests

from tests.support.gunicorn import GunicornServer

REDIS = ("127.0.0.1", 6379)
REDIS_DB = 13

pytestmark = pytest.mark.slow


class Gunicorn(GunicornServer):
    """tests.support.gunicorn's server with an access log, waited for at once."""

    def __init__(self, app, database_url: str, instance: Path, workers: int, env: dict, args: list[str]):
        self.access_path = instance / "access.log"
        super().__init__(database_url, instance, workers, env, ["--access-logfile", str(self.access_path), *args],
                         secret_key=app.config["SECRET_KEY"])
        try:
            self.wait_ready()
        except BaseException:
            self.stop()
            raise

    def access_log(self) -> str:
        return self.access_path.read_text(errors="replace") if self.access_path.exists() else ""


def redis_client():
    redis = pytest.importorskip("redis")
    client = redis.Redis(host=REDIS[0], port=REDIS[1], db=REDIS_DB, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip(f"Redis is not reachable at {REDIS[0]}:{REDIS[1]}")
    return client


def hammer(url: str, token: str, rounds: int, at_once: int) -> list[requests.Response]:
    """`rounds` times, `at_once` requests released together, each on its own connection: sync
    workers each take one at a time, so a round is spread over several workers."""
    answers: list = []
    for _ in range(rounds):
        barrier = threading.Barrier(at_once)
        got: list = [None] * at_once

        def call(i: int) -> None:
            try:
                barrier.wait(timeout=30)
                got[i] = requests.get(url + "/api/v1/me", headers={"Authorization": f"Bearer {token}"}, timeout=60)
            except BaseException as exc:  # reported in the test's thread
                got[i] = exc

        threads = [threading.Thread(target=call, args=(i,)) for i in range(at_once)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for answer in got:
            if isinstance(answer, BaseException):
                raise answer
        answers.extend(got)
    return answers


def raw_get(url: str, path: str) -> int:
    """GET with the path sent exactly as given (requests normalises percent-encoding)."""
    import http.client
    from urllib.parse import urlsplit

    conn = http.client.HTTPConnection(urlsplit(url).netloc, timeout=30)
    try:
        conn.request("GET", path)
        return conn.getresponse().status
    finally:
        conn.close()


def serving_pids(access_log: str) -> Counter:
    return Counter(m.group(1) for m in re.finditer(r"^<(\d+)> /api/v1/me", access_log, re.M))


def test_workers_share_the_counts_in_redis(app, database_url, make_user, tmp_path_factory):
    redis = redis_client()
    prefix = f"commons-test-{uuid.uuid4().hex}"  # this run's keys only: runs never see each other's counts
    user = make_user()
    limit, rounds, at_once = 10, 10, 3
    env = {"RATELIMIT_STORAGE_URI": f"redis://{REDIS[0]}:{REDIS[1]}/{REDIS_DB}", "RATELIMIT_KEY_PREFIX": prefix,
           "TOKEN_RATE_LIMIT": f"{limit} per hour"}
    server = Gunicorn(app, database_url, tmp_path_factory.mktemp("gunicorn-redis"), 3, env,
                      ["--access-logformat", "%(p)s %(U)s %(s)s"])
    try:
        answers = hammer(server.url, user.token, rounds, at_once)
        # On a loaded machine one worker may accept every connection of a batch: more batches until two
        # workers have answered (every answer after the limit is a 429, however many batches it takes).
        for _ in range(4):
            if len(serving_pids(server.access_log())) >= 2:
                break
            answers += hammer(server.url, user.token, rounds, at_once)
    finally:
        server.stop()
        keys = list(redis.scan_iter(match=f"*{prefix}*"))
        counted = bool(keys)
        if keys:
            redis.delete(*keys)
    statuses = Counter(r.status_code for r in answers)
    assert statuses == {200: limit, 429: len(answers) - limit}, statuses
    for r in answers:
        if r.status_code == 429:
            assert r.json()["error"]["code"] == "rate_limited" and int(r.headers["Retry-After"]) > 0
    pids = serving_pids(server.access_log())
    assert sum(pids.values()) == len(answers)
    assert len(pids) >= 2, f"all requests went to one worker: {pids}"  # so the one count was shared
    assert counted, "no key with this run's prefix was written to Redis"
    assert "Traceback" not in server.log(), server.log()


def test_without_redis_each_worker_counts_alone(app, database_url, make_user, tmp_path_factory):
    """The reason for Redis: with memory:// (the default) each of three workers keeps its own count,
    so more requests get through than the limit says."""
    user = make_user()
    limit, rounds, at_once = 10, 10, 3
    server = Gunicorn(app, database_url, tmp_path_factory.mktemp("gunicorn-memory"), 3,
                      {"RATELIMIT_STORAGE_URI": "memory://", "TOKEN_RATE_LIMIT": f"{limit} per hour"},
                      ["--access-logformat", "%(p)s %(U)s %(s)s"])
    try:
        answers = hammer(server.url, user.token, rounds, at_once)
    finally:
        server.stop()
    served = sum(1 for r in answers if r.status_code == 200)
    pids = serving_pids(server.access_log())
    busy = [pid for pid, n in pids.items() if n > 0]
    if len(busy) < 2:
        pytest.skip(f"all requests went to one worker ({pids}): nothing to compare")
    assert served > limit
    assert served <= limit * len(busy)


def test_access_log_has_no_feed_secret_or_token(app, database_url, make_user, make_group, tmp_path_factory):
    user = make_user(groups=[make_group()])
    url = user.get("/feeds").get_json()[0]["url"]
    path = "/" + url.split("//", 1)[1].split("/", 1)[1]
    secret = path.rsplit("/", 1)[1].removesuffix(".ics")
    assert len(secret) >= 16
    # The default access log format (%(r)s: the request line with the query; %(f)s: the referrer).
    # The same server has its Redis out of reach: it serves anyway, and the limits hold in its memory.
    env = {"RATELIMIT_STORAGE_URI": "redis://127.0.0.1:1/0", "TOKEN_FAILURE_RATE_LIMIT": "2 per hour"}
    server = Gunicorn(app, database_url, tmp_path_factory.mktemp("gunicorn-log"), 1, env, [])
    try:
        bad = [requests.get(server.url + "/api/v1/me", headers={"Authorization": "Bearer nope"}, timeout=30) for _ in range(3)]
        assert [r.status_code for r in bad] == [401, 401, 429]
        assert int(bad[2].headers["Retry-After"]) > 0
        assert requests.get(server.url + path, timeout=30).status_code == 200
        assert requests.get(server.url + path + "?lang=sv", timeout=30,
                            headers={"Referer": server.url + path}).status_code == 200
        assert requests.get(server.url + "/calendars/feeds/unknownsecret123456.ics", timeout=30).status_code == 404
        # the same link with its path percent-encoded is the same feed (issue 23): logged without the secret
        assert raw_get(server.url, path.replace("/feeds/", "/%66eeds/")) == 200  # (requests would decode %66)
        assert requests.get(server.url + path.replace("/feeds/", "/FEEDS/"), timeout=30).status_code == 404
        assert requests.get(server.url + "/api/v1/groups?access_token=acc3ssvalue", timeout=30).status_code == 200
        assert requests.get(server.url + "/api/v1/groups?token=tok3nvalue&x=1", timeout=30).status_code == 200
    finally:
        server.stop()
    log = server.access_log()
    assert log.count("\n") >= 10, log
    assert secret not in log and "unknownsecret123456" not in log and "tok3nvalue" not in log, log
    assert "acc3ssvalue" not in log and "%66eeds" not in log, log
    assert "/calendars/feeds/[secret]" in log and "token=[secret]" in log, log
    assert secret not in server.log()
    assert "Rate limit storage unreachable - falling back to in-memory storage" in server.log()


def test_every_access_log_atom_is_redacted():
    """Formats may name the path, the query, the raw URI, the referrer or any header or environ
    value on its own: each comes out without the secret."""
    import datetime
    from types import SimpleNamespace

    from gunicorn.config import Config

    from commons.gunicorn_logging import RedactingLogger

    logger = RedactingLogger(Config())
    environ = {"REQUEST_METHOD": "GET", "RAW_URI": "/calendars/feeds/s3cr3tvalue.ics?token=t0ken", "SERVER_PROTOCOL": "HTTP/1.1",
               "PATH_INFO": "/calendars/feeds/s3cr3tvalue.ics", "QUERY_STRING": "lang=fi&token=t0ken",
               "HTTP_REFERER": "https://x.example/calendars/feeds/s3cr3tvalue.ics", "REMOTE_ADDR": "10.0.0.1"}
    req = SimpleNamespace(headers=[("REFERER", environ["HTTP_REFERER"])])
    resp = SimpleNamespace(status="200 OK", headers=[("Content-Type", "text/calendar")], sent=10)
    atoms = logger.atoms(resp, req, environ, datetime.timedelta(seconds=0, microseconds=5))
    text = " ".join(str(v) for v in atoms.values())
    assert "s3cr3tvalue" not in text and "t0ken" not in text, text
    for key in ("r", "U", "q", "f", "{raw_uri}e", "{path_info}e", "{query_string}e", "{referer}i"):
        assert "[secret]" in atoms[key], (key, atoms[key])
