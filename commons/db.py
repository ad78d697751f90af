"""Database plumbing shared by every package: a UTC datetime type, SQLite connection settings, and
the one-transaction-per-use-case helper (the declarative base is commons.extensions.Base)."""
from __future__ import annotations

import contextvars
import functools
from datetime import datetime, timezone

from sqlalchemy import DateTime, event, text
from sqlalchemy.engine import Engine
from sqlalchemy.types import TypeDecorator

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
        conn.exec_driver_sql("BEGIN IMMEDIATE" if _immediate.get() else "BEGIN")


def write_transaction(fn):
    """Run a use case as exactly one write transaction: commit on success, roll back on any error.

    Any read-only transaction the request had open is ended first, so that on SQLite the use
    case's transaction starts with BEGIN IMMEDIATE and holds the write lock for its whole
    read-check-write sequence; on PostgreSQL the use case takes the row or advisory locks it needs.
    """

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        session = db.session()  # the scoped session's current Session
        if session.in_transaction():
            if session.new or session.dirty or session.deleted:
                raise RuntimeError("a use case started with unsaved changes in the session")
            session.commit()
        token = _immediate.set(True)
        try:
            result = fn(*args, **kwargs)
            session.commit()
            return result
        except BaseException:
            session.rollback()
            raise
        finally:
            _immediate.reset(token)

    return wrapper


def advisory_lock(key: int, sub: int) -> None:
    """Serialise concurrent writers on one thing (e.g. one space) on PostgreSQL until commit.

    SQLite needs nothing here: its write transaction is already exclusive.
    """
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:k, :s)"), {"k": key, "s": sub})
