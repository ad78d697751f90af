"""Faults: the database out of reach, and a worker killed in the middle of a load of bookings.

- The database unavailable (PostgreSQL restarting or unreachable, SQLite's file gone): every answer
  is a clean 503 with Retry-After (the API's JSON error "unavailable", a translated page), never a
  500, never a hang; when the database is back, requests succeed again without a restart.
  Unit tests here (both drivers, whatever DATABASE_URL says) and, under load, through a TCP proxy
  between gunicorn and PostgreSQL that drops every connection and refuses new ones for a while.
- SIGKILL: gunicorn workers killed while many clients book; every booking whose 201 reached a
  client is stored exactly as answered, none is half-written (a booking's rows: the series, every
  occurrence, the outbox e-mail, the calendars' change stamps, all in one transaction), and no two
  active bookings overlap.
"""
from __future__ import annotations

import os
import shutil
import socket

import pytest

from commons import create_app
from commons.extensions import db
from commons.models import ApiToken, Facility, User
from spaces.models import OpeningHours, Space


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _other_app(url: str):
    return create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "faults", "SERVER_NAME": "commons.test"})


def assert_unavailable_json(r) -> None:
    assert r.status_code == 503, r.get_data(as_text=True)
    assert r.headers["Retry-After"].isdigit() and int(r.headers["Retry-After"]) > 0
    error = r.get_json()["error"]
    assert error["code"] == "unavailable" and "Try again" in error["message"], error


def assert_unavailable_page(r, words: str) -> None:
    assert r.status_code == 503, r.get_data(as_text=True)
    assert r.headers["Retry-After"].isdigit()
    assert r.mimetype == "text/html"
    assert words in r.get_data(as_text=True)


# --- The database unavailable: unit tests ----------------------------------------------------------


def test_sqlite_file_gone_gives_503_and_the_next_request_after_it_is_back_works(tmp_path, caplog):
    path = tmp_path / "commons.db"
    other = _other_app(f"sqlite:///{path}")
    with other.app_context():
        db.create_all()
        facility = Facility(name="Library", district="Kallio", address="Street 1")
        db.session.add(facility)
        db.session.flush()
        db.session.add(Space(facility_id=facility.id, name="Hall", capacity=10, timezone="Europe/Helsinki",
                             opening_hours=[OpeningHours(weekday=0, opens_minute=480, closes_minute=1320)]))
        user = User(email="rep@example.fi", name="Rep", role="member")
        user.set_password("correct horse battery")
        db.session.add(user)
        db.session.flush()
        token = ApiToken.generate()
        db.session.add(ApiToken(user_id=user.id, token_hash=ApiToken.hash(token)))
        db.session.commit()
    client = other.test_client()
    bearer = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/spaces").status_code == 200

    # The file replaced by a directory (a volume unmounted, a careless restore): no connection opens.
    with other.app_context():
        db.session.remove()
        db.engine.dispose()
    moved = tmp_path / "away"
    moved.mkdir()
    for f in tmp_path.glob("commons.db*"):
        shutil.move(str(f), moved / f.name)
    path.mkdir()
    try:
        caplog.clear()
        assert_unavailable_json(client.get("/api/v1/spaces"))
        assert_unavailable_json(client.post("/api/v1/bookings", json={"space_id": 1}, headers=bearer))
        assert_unavailable_page(client.get("/spaces", headers={"Accept-Language": "fi"}), "Palvelu on hetken aikaa poissa käytöstä")
        assert_unavailable_page(client.get("/", headers={"Accept-Language": "sv"}), "Tjänsten är inte tillgänglig för tillfället")
        warnings = [r for r in caplog.records if "Database unavailable" in r.getMessage()]
        assert len(warnings) == 4, [r.getMessage() for r in caplog.records]
        assert all(r.exc_info is None and "unable to open database" in r.getMessage() for r in warnings)
        assert not [r for r in caplog.records if r.levelname == "ERROR"]
    finally:
        path.rmdir()
        for f in moved.iterdir():
            shutil.move(str(f), tmp_path / f.name)

    # Back: the same app answers again, nothing restarted.
    assert client.get("/api/v1/spaces").get_json()[0]["name"] == "Hall"
    assert client.get("/api/v1/groups", headers=bearer).status_code == 200
    with other.app_context():
        db.session.remove()
        db.engine.dispose()


def test_postgresql_unreachable_gives_503_not_500(caplog):
    # Nothing listens on this port: the connection is refused (what a restarting server does).
    other = _other_app(f"postgresql+psycopg://postgres:not-to-be-logged@127.0.0.1:{_free_port()}/commons")
    assert other.config["SQLALCHEMY_ENGINE_OPTIONS"]["connect_args"]["connect_timeout"] == 5
    client = other.test_client()
    caplog.clear()
    assert_unavailable_json(client.get("/api/v1/spaces"))
    assert_unavailable_json(client.get("/api/v1/groups", headers={"Authorization": "Bearer abc"}))
    assert_unavailable_page(client.get("/spaces", headers={"Accept-Language": "en"}), "unavailable for a moment")
    messages = [r.getMessage() for r in caplog.records if "Database unavailable" in r.getMessage()]
    assert len(messages) == 3
    assert not any("not-to-be-logged" in m or "SELECT" in m for m in messages), messages
    with other.app_context():
        db.engine.dispose()


def test_a_statement_error_is_still_a_500_not_a_503(app, client, monkeypatch):
    """Only "the database cannot be used now" is a 503: a broken statement is our bug (500, logged)."""
    from sqlalchemy import text

    import spaces.api

    def broken(*a, **k):
        db.session.execute(text("SELECT no_such_column FROM spaces"))

    monkeypatch.setattr(spaces.api.services, "search_spaces", broken)
    r = client.get("/api/v1/spaces")
    assert r.status_code == 500 and r.get_json()["error"]["code"] == "server_error"


def test_the_connect_timeout_is_for_postgresql_only():
    from commons.config import connection_options

    pg = {"SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://x@h/d", "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
          "DATABASE_CONNECT_TIMEOUT": 7}
    connection_options(pg)
    assert pg["SQLALCHEMY_ENGINE_OPTIONS"] == {"pool_pre_ping": True, "connect_args": {"connect_timeout": 7}}
    lite = {"SQLALCHEMY_DATABASE_URI": "sqlite:///x.db", "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True}}
    connection_options(lite)
    assert lite["SQLALCHEMY_ENGINE_OPTIONS"] == {"pool_pre_ping": True}
