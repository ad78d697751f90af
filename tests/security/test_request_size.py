"""Request size (docs/security.md "Limits"): a body over 1 MB (MAX_CONTENT_LENGTH) is a 413, as JSON
`{"error": {"code": "too_large"}}` under /api/ and a page in the reader's language elsewhere, whether
the body is JSON, a form, a multipart upload, chunked without a Content-Length, or sent with a
Content-Length that lies. Nothing is written. The chunked and lying cases are also sent to a real
gunicorn over a socket (the test client is not an HTTP server)."""
from __future__ import annotations

import io
import json
import socket

import pytest
from sqlalchemy import func, select

from commons.extensions import db
from commons.models import Group
from spaces.models import Closure
from tests.calendars.test_import import _login, ics, vevent
from tests.conftest import next_weekday

MB = 1024 * 1024


def group_count(app) -> int:
    with app.app_context():
        n = db.session.execute(select(func.count()).select_from(Group)).scalar_one()
        db.session.remove()
        return n


def closure_count(app) -> int:
    with app.app_context():
        n = db.session.execute(select(func.count()).select_from(Closure)).scalar_one()
        db.session.remove()
        return n


def big_group(size: int = MB + 10) -> bytes:
    return json.dumps({"name": "Big", "kind": "association", "district": "Kallio", "description": "x" * size}).encode()


def assert_json_413(r):
    assert r.status_code == 413, (r.status_code, r.get_data()[:300])
    assert r.get_json()["error"]["code"] == "too_large" and r.get_json()["error"]["message"]


def test_the_limit_is_1_mb(app):
    assert app.config["MAX_CONTENT_LENGTH"] == MB


def test_an_oversize_json_write_is_a_413_and_nothing_is_written(app, make_user):
    user = make_user()
    r = user.client.post("/api/v1/groups", data=big_group(), content_type="application/json", headers=user._headers())
    assert_json_413(r)
    assert group_count(app) == 1 - 1  # make_user made no group; none was added
    # just under the limit the body is read (and refused for what it says, not for its size)
    r = user.client.post("/api/v1/groups", data=big_group(MB - 500), content_type="application/json", headers=user._headers())
    assert r.status_code == 422 and "description" in r.get_json()["error"]["fields"]


def test_an_oversize_form_post_is_a_translated_page(app, make_user):
    user = make_user()
    client = app.test_client()
    _login(client, user.email)
    form = {"name": "Big", "kind": "association", "district": "Kallio", "description": "x" * (MB + 10)}
    r = client.post("/groups/new", data=form, headers={"Accept-Language": "fi"})
    assert r.status_code == 413
    page = r.get_data(as_text=True)
    assert '<html lang="fi"' in page and "Lähettämäsi tiedot ovat liian suuria." in page
    r = client.post("/groups/new", data=form, headers={"Accept-Language": "sv"})
    assert r.status_code == 413 and "Det du skickade är för stort." in r.get_data(as_text=True)
    assert group_count(app) == 0


def test_an_oversize_multipart_ics_upload_is_a_413(app, make_user, make_facility, make_space):
    facility = make_facility()
    space = make_space(facility_id=facility)
    staff = make_user("staff", facilities=[facility])
    big = ics(vevent("big@x", f"DTSTART;VALUE=DATE:{next_weekday(0, 2):%Y%m%d}", "DESCRIPTION:" + "x" * (MB + 10)))
    # built by hand: the test client would spool a dict's large file to a temporary file nobody closes
    form = b'--zz\r\nContent-Disposition: form-data; name="file"; filename="big.ics"\r\n\r\n' + big + b"\r\n--zz--\r\n"
    multipart = "multipart/form-data; boundary=zz"
    r = staff.client.post(f"/api/v1/spaces/{space}/import", data=form, content_type=multipart, headers=staff._headers())
    assert_json_413(r)
    client = app.test_client()
    _login(client, staff.email)
    r = client.post(f"/staff/spaces/{space}/import", data=form, content_type=multipart, headers={"Accept-Language": "fi"})
    assert r.status_code == 413 and "Lähettämäsi tiedot ovat liian suuria." in r.get_data(as_text=True)
    assert closure_count(app) == 0


def test_a_chunked_body_without_content_length_is_counted_as_it_comes(app, make_user):
    """What gunicorn passes on for Transfer-Encoding: chunked: no CONTENT_LENGTH, wsgi.input_terminated."""
    user = make_user()
    environ = {"wsgi.input_terminated": True, "HTTP_TRANSFER_ENCODING": "chunked", "CONTENT_LENGTH": ""}
    r = user.client.post("/api/v1/groups", input_stream=io.BytesIO(big_group()), content_type="application/json",
                         headers=user._headers(), environ_overrides=environ)
    assert not r.request.headers.get("Content-Length")
    assert_json_413(r)
    small = json.dumps({"name": "Small", "kind": "association", "district": "Kallio"}).encode()
    r = user.client.post("/api/v1/groups", input_stream=io.BytesIO(small), content_type="application/json",
                         headers=user._headers(), environ_overrides=environ)
    assert r.status_code == 201, r.get_json()
    assert group_count(app) == 1


def test_a_content_length_over_the_limit_is_refused_before_the_body_is_read(app, make_user):
    user = make_user()
    r = user.client.post("/api/v1/groups", input_stream=io.BytesIO(b"{}"), content_type="application/json",
                         headers=user._headers(), environ_overrides={"CONTENT_LENGTH": str(50 * MB)})
    assert_json_413(r)
    assert group_count(app) == 0


def test_a_content_length_shorter_than_the_body_reads_only_what_it_says(app, make_user):
    """The rest is never read as JSON: the cut-off body is a 400, not a group."""
    user = make_user()
    body = json.dumps({"name": "Cut", "kind": "association", "district": "Kallio"}).encode()
    r = user.client.post("/api/v1/groups", input_stream=io.BytesIO(body), content_type="application/json",
                         headers=user._headers(), environ_overrides={"CONTENT_LENGTH": str(len(body) // 2)})
    assert r.status_code == 400 and r.get_json()["error"]["code"] == "bad_json"
    assert group_count(app) == 0


# --- Against a real gunicorn ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def gunicorn(app, database_url, tmp_path_factory):
    from tests.support.gunicorn import GunicornServer

    server = GunicornServer(database_url, tmp_path_factory.mktemp("gunicorn-size"))
    try:
        for attempt in range(4):  # up to 2 minutes on a busy machine: four workers each load the app
            try:
                server.wait_ready()
                break
            except AssertionError:
                if server.proc.poll() is not None or attempt == 3:
                    raise
        yield server
    finally:
        server.stop()
    server.assert_clean_log()


def raw_request(port: int, head: str, chunks, timeout: float = 30.0) -> tuple[int, bytes]:
    """Send a request over a socket (the head, then each chunk as it comes) and read the answer.
    The server may answer and close before taking everything: that is fine."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(head.encode())
        try:
            for chunk in chunks:
                s.sendall(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass
        data = b""
        while True:
            try:
                part = s.recv(65536)
            except ConnectionResetError:
                break
            if not part:
                break
            data += part
            if b"\r\n\r\n" in data:
                head_part, _, rest = data.partition(b"\r\n\r\n")
                length = [l for l in head_part.split(b"\r\n") if l.lower().startswith(b"content-length:")]
                if length and len(rest) >= int(length[0].split(b":")[1]):
                    break
    status = int(data.split(b" ", 2)[1])
    return status, data.partition(b"\r\n\r\n")[2]


def _chunked(body: bytes, size: int = 64 * 1024):
    for i in range(0, len(body), size):
        part = body[i : i + size]
        yield f"{len(part):x}\r\n".encode() + part + b"\r\n"
    yield b"0\r\n\r\n"


@pytest.mark.slow
def test_gunicorn_refuses_an_oversize_chunked_body_and_a_lying_content_length(app, gunicorn, make_user):
    user = make_user()
    auth = f"Authorization: Bearer {user.token}\r\n"
    head = "POST /api/v1/groups HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n" + auth

    status, body = raw_request(gunicorn.port, head + "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n", _chunked(big_group()))
    assert status == 413 and json.loads(body)["error"]["code"] == "too_large"

    status, body = raw_request(gunicorn.port, head + f"Content-Length: {50 * MB}\r\nConnection: close\r\n\r\n", [b"{}"])
    assert status == 413 and json.loads(body)["error"]["code"] == "too_large"

    small = json.dumps({"name": "Chunked", "kind": "association", "district": "Kallio"}).encode()
    status, body = raw_request(gunicorn.port, head + f"Content-Length: {len(small) // 2}\r\nConnection: close\r\n\r\n", [small])
    assert status == 400 and json.loads(body)["error"]["code"] == "bad_json"
    assert group_count(app) == 0

    # a small chunked body is read whole and used
    status, body = raw_request(gunicorn.port, head + "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n", _chunked(small, 7))
    assert status == 201, body
    assert group_count(app) == 1


@pytest.mark.slow
def test_gunicorn_answers_an_oversize_page_form_with_a_page(gunicorn):
    form = b"name=Big&district=Kallio&description=" + b"x" * (MB + 10)
    head = ("POST /groups/new HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept-Language: sv\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n")
    status, body = raw_request(gunicorn.port, head, _chunked(form))
    assert status == 413 and "Det du skickade är för stort." in body.decode()


@pytest.mark.slow
def test_gunicorn_refuses_an_overlong_request_line(gunicorn):
    """Query strings are bounded before the app: gunicorn's request line is at most 4094 bytes."""
    status, _ = raw_request(gunicorn.port, f"GET /api/v1/spaces?district={'K' * 5000} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", [])
    assert status in (400, 414)
    status, body = raw_request(gunicorn.port, f"GET /api/v1/spaces?district={'K' * 81} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", [])
    assert status == 422 and "district" in json.loads(body)["error"]["fields"]
