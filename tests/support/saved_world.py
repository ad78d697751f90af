"""A world that many tests of one module share, built once and put back before each test.

Some modules check hundreds of routes and roles against the same world (facilities, groups, people,
bookings, activities, shifts), and that world takes many requests to build. Building it for every test
cost minutes over the suite; putting its rows back costs a few milliseconds. The first test of the
module builds it and its rows are saved (every table, every column); conftest's `_clean_database`
empties the tables after each test as usual, and every later test of the module gets exactly those
rows back (the same ids, tokens and times), so each test still starts from the same world whatever
the test before it changed.

    @pytest.fixture
    def w(saved_world, app, make_user, ...):
        return saved_world.get(app, lambda: build_the_world(app, make_user, ...))

What the world object holds (ids, API clients with their tokens) stays valid because the rows are
the same. What lives outside the database (the feed cache, the matching pool) is keyed by what is in
the database, so it follows the rows. Times in the world are those of the first build: a module runs
for minutes, so "an hour ago" stays in the past.
"""
from __future__ import annotations

from typing import Callable

import pytest
from sqlalchemy import Integer, insert, select, text

from commons.extensions import db


class SavedWorld:
    def __init__(self):
        self.world = None
        self.rows: dict[str, list[dict]] | None = None

    def get(self, app, build: Callable[[], object]):
        """The world `build()` made for this module's first test; for later tests, its rows put back."""
        if self.rows is None:
            self.world = build()
            self.rows = take_rows(app)
        else:
            put_back(app, self.rows)
            for client in _clients(self.world):
                client._cookies.clear()  # a cookie a test's request left is not part of the world
        return self.world


def take_rows(app) -> dict[str, list[dict]]:
    with app.app_context():
        db.session.remove()
        with db.engine.connect() as conn:
            rows = {t.name: [dict(r._mapping) for r in conn.execute(select(t).order_by(*t.primary_key.columns))]
                    for t in db.metadata.sorted_tables}
        db.session.remove()
    return rows


def put_back(app, rows: dict[str, list[dict]]) -> None:
    """Empty every table and insert the saved rows (in dependency order); on PostgreSQL the sequences
    then go on after the largest saved id, as they would after the build."""
    with app.app_context():
        db.session.remove()
        tables = db.metadata.sorted_tables
        with db.engine.begin() as conn:
            for t in reversed(tables):
                conn.execute(t.delete())
            for t in tables:
                if rows[t.name]:
                    conn.execute(insert(t), rows[t.name])
            if conn.dialect.name == "postgresql":
                for t in tables:
                    pk = list(t.primary_key.columns)
                    if rows[t.name] and len(pk) == 1 and isinstance(pk[0].type, Integer):
                        conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{t.name}', '{pk[0].name}'), "
                                          f"(SELECT max({pk[0].name}) FROM {t.name}))"))
        db.session.remove()


def _clients(world) -> list:
    """The Flask test clients the world object holds (directly, or in its dicts and API helpers)."""
    from flask.testing import FlaskClient

    found, seen = [], set()

    def walk(value, depth=0):
        if id(value) in seen or depth > 3:
            return
        seen.add(id(value))
        if isinstance(value, FlaskClient):
            found.append(value)
        elif isinstance(value, dict):
            for v in value.values():
                walk(v, depth + 1)
        elif isinstance(value, (list, tuple)):
            for v in value:
                walk(v, depth + 1)
        elif type(value).__module__.startswith(("tests", "types")):  # SimpleNamespace, tests' helpers
            for v in vars(value).values():
                walk(v, depth + 1)

    walk(world)
    return found


@pytest.fixture(scope="module")
def saved_world() -> SavedWorld:
    """One SavedWorld per test module (see the module's docstring)."""
    return SavedWorld()
