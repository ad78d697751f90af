"""SQLite: writers take turns on a lock file beside the database before BEGIN IMMEDIATE
(commons.db._take_turn), so that a waiting writer starts as soon as the one before it commits
instead of sleeping in SQLite's busy handler. The turn is released however the use case ends; a
writer waits for it; a turn that never comes leaves the decision to SQLite's busy timeout."""
from __future__ import annotations

import fcntl
import os
import threading

import pytest
from sqlalchemy import func, select

import commons.db
from commons.db import write_transaction
from commons.extensions import db
from commons.mail import queue_message
from commons.models import OutboxMessage


@pytest.fixture
def turn_file(app, is_postgres):
    if is_postgres:
        pytest.skip("the turns are SQLite's (PostgreSQL writers wait on their own locks)")
    with app.app_context():
        return db.engine.url.database + "-writers"


@write_transaction
def _queue(subject: str, fail: bool = False) -> None:
    queue_message(to="a@example.fi", subject=subject, text="t", html="h")
    if fail:
        raise ValueError("the use case failed")


def _free(path: str) -> bool:
    fd = os.open(path, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False
    finally:
        os.close(fd)


def _count(app) -> int:
    with app.app_context():
        n = db.session.scalar(select(func.count()).select_from(OutboxMessage))
        db.session.remove()
        return n


def test_the_turn_is_released_when_the_use_case_commits_or_fails(app, turn_file):
    with app.app_context():
        _queue("one")
        assert os.path.exists(turn_file) and _free(turn_file)
        with pytest.raises(ValueError):
            _queue("two", fail=True)
        assert _free(turn_file)
        db.session.remove()
    assert _count(app) == 1


def test_a_writer_waits_for_its_turn_and_goes_when_it_comes(app, turn_file):
    with app.app_context():
        _queue("makes the file")
        db.session.remove()
    holder = os.open(turn_file, os.O_RDWR)
    fcntl.flock(holder, fcntl.LOCK_EX)  # another process's writer has the turn
    done = threading.Event()

    def write():
        with app.app_context():
            _queue("waits")
            db.session.remove()
        done.set()

    writer = threading.Thread(target=write)
    try:
        writer.start()
        assert not done.wait(0.5)  # not before the turn is given back
    finally:
        fcntl.flock(holder, fcntl.LOCK_UN)
        os.close(holder)
    assert done.wait(30)
    writer.join(timeout=30)
    assert _count(app) == 2


def test_a_turn_that_never_comes_leaves_it_to_the_busy_timeout(app, turn_file, monkeypatch):
    with app.app_context():
        _queue("makes the file")
        db.session.remove()
    monkeypatch.setattr(commons.db, "BUSY_TIMEOUT", 0.05)
    holder = os.open(turn_file, os.O_RDWR)
    fcntl.flock(holder, fcntl.LOCK_EX)  # held by a writer that hangs (the database itself is free)
    try:
        with app.app_context():
            _queue("goes anyway")
            db.session.remove()
    finally:
        fcntl.flock(holder, fcntl.LOCK_UN)
        os.close(holder)
    assert _count(app) == 2
