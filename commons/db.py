"""Database plumbing shared by every package: a UTC datetime type, SQLite connection settings, and
the one-transaction-per-use-case helper (the declarative base is commons.extensions.Base)."""
from __future__ import annotations

import contextvars
import fcntl
import functools
import os
import time
from datetime import datetime, timezone

from sqlalchemy import DateTime, event, func, text
from sqlalchemy.engine import Engine
from sqlalchemy.types import TypeDecorator

from commons.districts import spellings
from commons.extensions import db


class UTCDateTime(TypeDecorator):
    """Aware datetimes in, aware UTC datetimes out, on every database.

    PostgreSQL stores timestamptz; SQLite has no time zones, so we store naive UTC text there.
    A naive datetime reaching the database is a programming error, not something to guess about.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(timezone.utc)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


# --- SQLite: WAL, foreign keys, and writes that take the lock up front -------------------------
#
# pysqlite's own transaction handling starts transactions lazily and as DEFERRED. A deferred
# transaction that first reads and then writes can fail at once with "database is locked" when
# another writer got there first, whatever the busy timeout. So we take control of BEGIN: use
# cases that write run inside `write_transaction`, which begins with BEGIN IMMEDIATE (the write
# lock is taken before anything is read, and waiters queue on the busy timeout instead of failing).

_immediate = contextvars.ContextVar("sqlite_begin_immediate", default=False)
_lock_late = contextvars.ContextVar("write_lock_late", default=False)  # write_transaction(lock_late=True)


@event.listens_for(Engine, "connect")
def _sqlite_on_connect(dbapi_connection, connection_record):
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves (below)
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_on_begin(conn):
    if conn.dialect.name == "sqlite":
        if _immediate.get():
            _take_turn(conn.engine.url.database)
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")


# Writers take turns on a lock file beside the database before BEGIN IMMEDIATE. SQLite's own busy
# handler lets a waiting writer sleep 1, 2, 5, 10, 15, 20, 25 ... ms between tries, so under a
# few concurrent writers the write lock stands free while they sleep; the turn is tried every
# millisecond at most, and BEGIN IMMEDIATE then rarely waits at all. After BUSY_TIMEOUT seconds
# without a turn, BEGIN IMMEDIATE waits on SQLite's busy timeout as before (a stuck writer still
# gives "database is locked", never a wait without end). Released when the transaction ends.
BUSY_TIMEOUT = 30.0
_turn = contextvars.ContextVar("sqlite_write_turn", default=None)  # write_transaction's [fd] while it holds the turn


def _take_turn(database: str | None) -> None:
    held = _turn.get()
    if held is None or held or not database or database == ":memory:" or database.startswith("file:"):
        return
    fd = os.open(database + "-writers", os.O_RDWR | os.O_CREAT, 0o600)
    deadline = time.monotonic() + BUSY_TIMEOUT
    pause = 0.0001
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if time.monotonic() > deadline:
                os.close(fd)
                return
            time.sleep(pause)
            pause = min(pause * 2, 0.001)
        else:
            held.append(fd)
            return


def _end_turn(held: list) -> None:
    while held:
        fd = held.pop()
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def write_transaction(fn=None, *, lock_late: bool = False):
    """Run a use case as exactly one write transaction: commit on success, roll back on any error.

    Any read-only transaction the request had open is ended first, so that on SQLite the use
    case's transaction starts with BEGIN IMMEDIATE and holds the write lock for its whole
    read-check-write sequence; on PostgreSQL the use case takes the row or advisory locks it needs.

    `@write_transaction(lock_late=True)`: a use case that serialises itself with `advisory_lock`
    (the booking use cases: one space at a time) holds the write lock only from that call on. What
    it reads before (the space and its rules, the group, who may do what) it reads without the lock,
    in the request's read transaction; on SQLite `advisory_lock` then ends that read and begins the
    write transaction (BEGIN IMMEDIATE, waiting for other writers), keeping what was read, as on
    PostgreSQL, where the advisory lock is taken at the same point. What needs the lock (the
    re-check and the writes) comes after it; nothing may be written before it.
    """
    if fn is None:
        return lambda f: write_transaction(f, lock_late=lock_late)

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        session = db.session()  # the scoped session's current Session
        if session.in_transaction():
            if session.new or session.dirty or session.deleted:
                raise RuntimeError("a use case started with unsaved changes in the session")
            if not lock_late:
                _end_read(session)
        token = _immediate.set(not lock_late)
        late = _lock_late.set(lock_late)
        held: list = []
        turn = _turn.set(held)
        try:
            result = fn(*args, **kwargs)
            session.commit()
            return result
        except BaseException:
            session.rollback()
            raise
        finally:
            _end_turn(held)
            _turn.reset(turn)
            _immediate.reset(token)
            _lock_late.reset(late)

    return wrapper


def _end_read(session) -> None:
    """End the request's read transaction. What it read is expired (the use case reads it again,
    under its lock), except the signed-in user that authentication loaded when the request began
    (commons.auth.current_actor, `g.actor`): who is asking was settled then, and reading it again
    would be one more query in every use case."""
    from flask import g, has_app_context

    keep = g.get("actor") if has_app_context() else None
    _commit_keeping_loaded(session)
    for obj in list(session.identity_map.values()):
        if obj is not keep:
            session.expire(obj)


def _commit_keeping_loaded(session) -> None:
    """End the current (read) transaction without expiring what it loaded."""
    expire = session.expire_on_commit
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = expire


def advisory_lock(key: int, sub: int) -> None:
    """Serialise concurrent writers on one thing (e.g. one space) until commit.

    PostgreSQL: a transaction-level advisory lock. SQLite: in a `write_transaction(lock_late=True)`
    use case, the first call ends what was read so far (keeping it) and begins the write
    transaction with BEGIN IMMEDIATE; otherwise nothing (the write transaction is already exclusive).
    """
    session = db.session()
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k, :s)"), {"k": key, "s": sub})
    elif _lock_late.get() and not _immediate.get():
        if session.new or session.dirty or session.deleted:
            raise RuntimeError("a lock_late use case changed data before its advisory_lock")
        if session.in_transaction():
            _commit_keeping_loaded(session)  # a read only: what it loaded stays loaded
        _immediate.set(True)  # the next statement begins with BEGIN IMMEDIATE (reset by write_transaction)


def same_district(column, name: str):
    """SQL: the column names the same district as `name`, in either language, any case, trimmed
    (commons.districts: Kallio is Berghäll). One condition: no query per row."""
    return func.lower(func.trim(column)).in_(sorted(spellings(name)))
