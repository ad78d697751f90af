"""`flask --app commons backup PATH`: a consistent copy of the SQLite database while the app serves
(SQLite's online backup API: the copy is the database as one read transaction saw it, whatever is
written meanwhile). PostgreSQL has its own tools (pg_dump / pg_restore, docs/operations.md "Backups").
"""
from __future__ import annotations

import os
import sqlite3
import time
from dataclasses import dataclass

from sqlalchemy.engine import make_url


class BackupRefused(Exception):
    """Said to the operator as it is (the command exits 1)."""


@dataclass
class BackupDone:
    source: str
    path: str
    size: int
    seconds: float
    revision: str


PG_DUMP_HINT = (
    "This database is PostgreSQL: back it up with PostgreSQL's own tools, e.g.\n"
    "  pg_dump --format=custom --file=commons.dump \"${DATABASE_URL/+psycopg/}\"\n"
    "(the URL without +psycopg) and restore with pg_restore (docs/operations.md \"Backups\").\n"
    "`backup` copies SQLite databases only."
)


def backup(database_uri: str, path: str) -> BackupDone:
    url = make_url(database_uri)
    if url.get_backend_name() != "sqlite":
        raise BackupRefused(PG_DUMP_HINT)
    source = url.database or ""
    if not source or source == ":memory:" or source.startswith("file:"):
        raise BackupRefused(f"No database file to back up ({database_uri}).")
    source = os.path.abspath(source)
    target = os.path.abspath(path)
    if not os.path.exists(source):
        raise BackupRefused(f"The database {source} does not exist.")
    if target in (source, source + "-wal", source + "-shm"):
        raise BackupRefused("The backup must not be the database itself.")
    if os.path.isdir(target):
        raise BackupRefused(f"{target} is a directory: give the backup file's name.")
    tmp = f"{target}.{os.getpid()}.tmp"
    started = time.monotonic()
    src = sqlite3.connect(source, timeout=30)
    try:
        dst = sqlite3.connect(tmp)
        try:
            src.backup(dst)  # all pages in one step: one consistent snapshot, writers go on meanwhile (WAL)
            dst.execute("PRAGMA journal_mode=DELETE")  # the copy is one self-contained file
            check = dst.execute("PRAGMA integrity_check").fetchone()[0]
            if check != "ok":
                raise BackupRefused(f"The copy failed its integrity check: {check}")
            try:
                revision = ", ".join(r[0] for r in dst.execute("SELECT version_num FROM alembic_version")) or "-"
            except sqlite3.Error:
                revision = "-"
        finally:
            dst.close()
        os.replace(tmp, target)  # the finished copy, or none: never half a file under the name
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    finally:
        src.close()
    return BackupDone(source, target, os.path.getsize(target), time.monotonic() - started, revision)
