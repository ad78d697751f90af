"""A real gunicorn for the tests that need several processes (races, killed workers, limits shared
through Redis, the access log): `GunicornServer` starts one in a subprocess on a free port, from the
test database, its log in a file; `gunicorn_server` is one per module (import it with `server`,
which also checks that its log has no traceback after each test); `post_concurrently` releases many
requests at once. The in-process server for the browser tests is tests/support/browser.py."""
from __future__ import annotations

import os
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest
import requests

from tests.support import clock

ROOT = Path(__file__).resolve().parents[2]
BOOT_TIMEOUT = 120.0  # an upper bound only (ready is waited for): a loaded 2-core CI machine can take long


class GunicornServer:
    """gunicorn serving the app from the test database in a subprocess; its log goes to a file."""

    def __init__(self, database_url: str, instance: Path, workers: int = 4, env: dict | None = None,
                 args: tuple | list = (), secret_key: str = "x"):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.workers = workers
        self.log_path = instance / "gunicorn.log"
        full_env = dict(os.environ, DATABASE_URL=database_url, SECRET_KEY=secret_key, COMMONS_INSTANCE=str(instance), **(env or {}))
        full_env.pop("COMMONS_ENV", None)
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            [*clock.python_command(), "-m", "gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{self.port}", *args, "commons:create_app()"],
            cwd=str(ROOT),
            env=full_env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_ready(self) -> None:
        deadline = time.monotonic() + BOOT_TIMEOUT
        while True:
            if self.proc.poll() is not None:
                raise AssertionError(f"gunicorn exited with {self.proc.returncode}:\n{self.log()}")
            try:
                with requests.get(self.url + "/api/v1/groups", timeout=2) as r:
                    # Answering, and every worker forked (each loads the app before accepting).
                    if r.status_code == 200 and self.log().count("Booting worker") >= self.workers:
                        return
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"gunicorn did not answer within {BOOT_TIMEOUT:.0f} s:\n{self.log()}")
            time.sleep(0.1)

    def assert_clean_log(self) -> None:
        text = self.log()
        assert "Traceback" not in text, text
        assert "database is locked" not in text, text

    def stop(self) -> None:
        try:
            if self.proc.poll() is None:
                self.proc.terminate()
                try:
                    self.proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait(timeout=15)
        finally:
            self._log.close()


@pytest.fixture(scope="module")
def gunicorn_server(app, database_url, tmp_path_factory):
    """One gunicorn for the module (the database is already migrated by `app`; it is emptied
    after each test while the server is idle). Its log must never show a traceback."""
    server = GunicornServer(database_url, tmp_path_factory.mktemp("gunicorn-instance"))
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()
    server.assert_clean_log()


@pytest.fixture
def server(gunicorn_server):
    yield gunicorn_server
    gunicorn_server.assert_clean_log()


def post_concurrently(url: str, calls: list[tuple[str, str, dict | None]]) -> list[tuple[int, dict | None, str]]:
    """POST every (token, path under /api/v1, JSON body or None) from its own thread, all released
    together by a barrier. Returns (status, json or None, text) per call, in order; exceptions fail
    the test."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def worker(i: int, token: str, path: str, body: dict | None) -> None:
        try:
            barrier.wait(timeout=30)
            with requests.Session() as s:
                with s.post(
                    url + "/api/v1" + path, json=body, headers={"Authorization": f"Bearer {token}"}, timeout=60
                ) as r:
                    try:
                        payload = r.json()
                    except ValueError:
                        payload = None
                    results[i] = (r.status_code, payload, r.text)
        except BaseException as exc:  # reported below, in the test's thread
            results[i] = exc

    threads = [threading.Thread(target=worker, args=(i, *call)) for i, call in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=90)
    assert not any(t.is_alive() for t in threads), "some requests never finished"
    errors = [r for r in results if isinstance(r, BaseException)]
    assert not errors, errors
    return results
