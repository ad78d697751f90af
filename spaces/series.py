"""A series' rule and every one of its rows, read together: the e-mails' `.ics` (spaces.notices) and
calendars' booking files show a date of a series as the whole series, as the feeds do."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import select

from commons.extensions import db
from spaces.models import Booking, BookingSeries


def series_rows(series_ids: Iterable[int | None], *options) -> dict[int, tuple[str, list[Booking]]]:
    """{series id: (its RRULE, its rows by start)} for the ids given (None left out): two queries for
    all of them, none for no series. `options`: loader options for the rows (e.g. their space)."""
    ids = sorted({i for i in series_ids if i is not None})
    if not ids:
        return {}
    rules = dict(db.session.execute(select(BookingSeries.id, BookingSeries.rrule).where(BookingSeries.id.in_(ids))).all())
    rows: dict[int, list[Booking]] = defaultdict(list)
    stmt = select(Booking).where(Booking.series_id.in_(ids)).options(*options).order_by(Booking.start_at, Booking.id)
    for b in db.session.execute(stmt).scalars():
        rows[b.series_id].append(b)
    return {sid: (rule, rows[sid]) for sid, rule in rules.items()}
