"""iCalendar feeds (public per space, personal at secret links) and .ics import (events -> closures)."""


def register_hooks() -> None:
    """Keep calendars' change stamps in step with the ORM, give the booking e-mails their .ics
    attachment (spaces.hooks), and tell commons how to export and erase what this package stores
    about a person (their feed links)."""
    from calendars import changes
    from calendars.services import booking_calendars, erase_feed_links, export_feed_links
    from commons.jobs import add_once
    from commons.services import PERSONAL_DATA_ERASERS, PERSONAL_DATA_EXPORTERS
    from spaces.hooks import register_booking_calendars

    changes.register()
    register_booking_calendars(booking_calendars)
    add_once(PERSONAL_DATA_EXPORTERS, export_feed_links)
    add_once(PERSONAL_DATA_ERASERS, erase_feed_links)
