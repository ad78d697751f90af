"""Bookings made and refused, for /metrics (commons.metrics counts in each process; under gunicorn
prometheus_client's multiprocess mode sums the workers). `counted` wraps the booking use case
(spaces.services.bookings.create_booking), outside its transaction: a booking is counted once committed.

The reason of a refusal is its code (commons.codes): for a refused time, the first rule or conflict
that refused it (`first_code`: `booked`, `closed`, a rule's code, ...); else the refusal's own
(`book_own_groups_only`, `space_not_found`, ...). Codes are a fixed list, so the labels stay few.
"""
from __future__ import annotations

import functools

from prometheus_client import Counter
from sqlalchemy.exc import IntegrityError

from commons.errors import ApiError

CREATED = Counter("commons_bookings_created", "Bookings made (each date of a series), by status", ["status"])
REFUSED = Counter("commons_bookings_refused", "Booking requests refused, by reason code", ["reason"])


def reason_of(err: ApiError) -> str:
    if err.reason in ("booking_refused", "booking_not_free") and err.params.get("first_code"):
        return str(err.params["first_code"])
    return err.reason or err.code


def counted(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            result = fn(*args, **kwargs)
        except ApiError as err:
            REFUSED.labels(reason_of(err)).inc()
            raise
        except IntegrityError:  # the database's own guard (answered as booked_meanwhile, commons.errors)
            REFUSED.labels("booked_meanwhile").inc()
            raise
        CREATED.labels(result.status).inc(len(result.booked))
        return result

    return wrapper
