"""The .ics import against a real gunicorn (issue 23, item 3), on SQLite and on PostgreSQL: a staff
import whose VTIMEZONE changes every second from 1900 grew a worker by 120 MB every 6 s until gunicorn
killed it (a 500), and as it ran inside the write transaction an unrelated booking waited 27 s. Now the
import is refused at once with a code, and another client's booking goes through, also while a long
(bounded) file is still being read: the reading happens before the import's write transaction.

"Still being read" is an event, not a time: a gunicorn `pre_request` hook (a config file of the test)
notes when a worker starts on the import; the booking is sent after that, and when it has been answered
the import's connection has not been answered yet."""
from __future__ import annotations

import json
import select
import socket
import threading
import time
from pathlib import Path

import pytest
import requests

from tests.calendars.test_import import ics, vevent, ymd
from tests.calendars.test_import_timezones import vtimezone, zoned_event
from tests.conftest import local, next_weekday
from tests.support.gunicorn import ROOT, GunicornServer

pytestmark = pytest.mark.slow

WAIT = 90.0  # an upper bound only: everything below is waited for by events


@pytest.fixture(scope="module")
def import_server(app, database_url, tmp_path_factory):
    """gunicorn (3 sync workers, the project's gunicorn.conf.py) with a hook that writes a line to
    `started` when a worker begins an import request."""
    instance = tmp_path_factory.mktemp("gunicorn-import")
    started = instance / "started"
    conf = instance / "gunicorn.conf.py"
    conf.write_text(
        f"exec(open({str(ROOT / 'gunicorn.conf.py')!r}).read())\n\n"
        "def pre_request(worker, req):\n"
        "    if req.path.endswith('/import'):\n"
        f"        with open({str(started)!r}, 'a') as f:\n"
        "            f.write(req.path + '\\n')\n"
    )
    server = GunicornServer(database_url, instance, workers=3, args=["-c", str(conf)])
    server.started = started
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()
    assert_worker_survived(server)


def assert_worker_survived(server: GunicornServer) -> None:
    server.assert_clean_log()
    log = server.log()
    assert "WORKER TIMEOUT" not in log and "SIGKILL" not in log, log


@pytest.fixture
def scene(import_server, make_user, make_group, make_space, make_facility):
    """A space whose staff imports, and another space a group's representative books."""
    facility = make_facility()
    imported = make_space(facility_id=facility, name="Hall")
    booked = make_space(facility_id=facility, name="Studio")
    group = make_group(verified=True)
    rep = make_user(groups=[group])
    staff = make_user(role="staff", facilities=[facility])
    yield import_server, imported, booked, group, rep.token, staff.token
    assert_worker_survived(import_server)


def booking(space: int, group: int, weeks_ahead: int) -> dict:
    day = next_weekday(2, weeks_ahead)
    return {"space_id": space, "group_id": group, "title": "Choir", "start": local(day, "18:00"), "end": local(day, "20:00")}


def book(url: str, token: str, body: dict) -> requests.Response:
    return requests.post(url + "/api/v1/bookings", json=body, headers={"Authorization": f"Bearer {token}"}, timeout=WAIT)


def test_the_attack_is_refused_while_another_client_books(scene):
    server, imported, booked, group, rep, staff = scene
    d = next_weekday(0, 2)
    hostile = ics(zoned_event("a@x", "Custom", d, "SUMMARY:Closed"),
                  head=vtimezone("Custom", "FREQ=SECONDLY", "FREQ=SECONDLY", start="1900"))
    barrier = threading.Barrier(2)
    answers: dict = {}

    def run(name, call):
        try:
            barrier.wait(timeout=30)
            answers[name] = call()
        except BaseException as exc:  # reported in the test's thread
            answers[name] = exc

    calls = {
        "import": lambda: requests.post(f"{server.url}/api/v1/spaces/{imported}/import", data=hostile, timeout=WAIT,
                                        headers={"Authorization": f"Bearer {staff}", "Content-Type": "text/calendar"}),
        "booking": lambda: book(server.url, rep, booking(booked, group, 2)),
    }
    threads = [threading.Thread(target=run, args=item) for item in calls.items()]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=WAIT + 30)
    assert not any(t.is_alive() for t in threads), "a request never finished"
    for answer in answers.values():
        if isinstance(answer, BaseException):
            raise answer
    imp, bk = answers["import"], answers["booking"]
    assert imp.status_code == 422, imp.text
    assert imp.json()["error"]["code"] == "bad_timezone" and imp.json()["error"]["freq"] == "SECONDLY"
    assert bk.status_code == 201, bk.text
    # and the worker that refused it is still there: the next booking is answered too
    again = book(server.url, rep, booking(booked, group, 3))
    assert again.status_code == 201, again.text


def _post_raw(server: GunicornServer, path: str, token: str, body: bytes) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=WAIT)
    head = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\nAuthorization: Bearer {token}\r\n"
            f"Content-Type: text/calendar\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n")
    sock.sendall(head.encode() + body)
    return sock


def _read_answer(sock: socket.socket) -> tuple[int, dict]:
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    sock.close()
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split()[1]), json.loads(body)


def _wait_for(path: Path) -> None:
    deadline = time.monotonic() + WAIT
    while not (path.exists() and path.read_text()):
        assert time.monotonic() < deadline, "the import never reached a worker"
        time.sleep(0.01)


def test_a_booking_is_answered_while_a_long_file_is_still_being_read(scene):
    """300 hourly events: each is bounded, together they are refused (too_complex) after about a
    second and a half of counting dates. Meanwhile another client books, and is answered first."""
    server, imported, booked, group, rep, staff = scene
    server.started.write_text("")
    d = next_weekday(0, 2)
    events = [vevent(f"h{i}@x", f"DTSTART:{ymd(d)}T000000Z", f"DTEND:{ymd(d)}T003000Z", "RRULE:FREQ=HOURLY") for i in range(300)]
    sock = _post_raw(server, f"/api/v1/spaces/{imported}/import", staff, ics(*events))
    try:
        _wait_for(server.started)  # a worker has begun on the import
        bk = book(server.url, rep, booking(booked, group, 4))
        assert bk.status_code == 201, bk.text
        readable, _, _ = select.select([sock], [], [], 0)
        assert not readable, "the booking was answered only after the import: it waited for the file to be read"
        status, body = _read_answer(sock)
    finally:
        sock.close()
    assert status == 422 and body["error"]["code"] == "too_complex", body
