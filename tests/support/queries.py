"""Counting the SQL statements a piece of work sends, for the tests that prove a page or an answer
costs a fixed number of queries (the same for few rows and for many), never a time."""
from contextlib import contextmanager

from sqlalchemy import event

from commons.extensions import db


@contextmanager
def count_queries(app, transactions: bool = True):
    """Every statement sent to the app's engine inside the block, in order (a list of SQL texts);
    without `transactions`, leaving out BEGIN, COMMIT and ROLLBACK (SQLite's own BEGIN: commons.db)."""
    seen = []

    def before(conn, cursor, statement, parameters, context, executemany):
        if transactions or not statement.startswith(("BEGIN", "COMMIT", "ROLLBACK")):
            seen.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", before)
