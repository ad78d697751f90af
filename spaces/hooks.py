"""Where the packages above spaces take part in its use cases without spaces importing them (as
calendars.changes listens to the ORM): each registers its part from its `register_hooks`, which
create_app calls in layer order.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spaces.models import Booking

# The .ics attachment of the booking e-mails: fn(batches, series=...) -> one (body, file name) per
# batch of bookings, the same events as the calendar feeds; `series` gives each series' rule and rows
# as stored with the message ({series_id: (rrule, rows)}), so nothing is read at sending. calendars
# registers booking_calendars; without one, the e-mails go without an attachment.
BookingCalendars = Callable[..., list[tuple[bytes, str]]]
BOOKING_CALENDARS: list[BookingCalendars] = []  # at most one: a later registration replaces it


def register_booking_calendars(fn: BookingCalendars) -> None:
    BOOKING_CALENDARS[:] = [fn]


def booking_calendars(batches: list[list[Booking]], series: dict | None = None) -> list[tuple[bytes, str] | None]:
    if not BOOKING_CALENDARS:
        return [None] * len(batches)
    return list(BOOKING_CALENDARS[0](batches, series=series))


# Volunteering in the usage reports: fn(space_ids, lo, hi) -> {space_id: (volunteer minutes, ids of
# the volunteers)} in [lo, hi). volunteers registers its attended shifts; several sources add up.
VolunteerFigures = Callable[[list[int], datetime, datetime], dict[int, tuple[float, set[int]]]]
VOLUNTEER_FIGURES: list[VolunteerFigures] = []
