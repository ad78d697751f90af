"""iCalendar feeds (public per space, personal at secret links) and .ics import (events -> closures)."""


def register_hooks() -> None:
    """Keep calendars' change stamps in step with the ORM, and tell commons how to export and
    erase what this package stores about a person (their feed links)."""
    from calendars import changes
    from calendars.services import erase_feed_links, export_feed_links
    from commons.services import PERSONAL_DATA_ERASERS, PERSONAL_DATA_EXPORTERS

    changes.register()
    if export_feed_links not in PERSONAL_DATA_EXPORTERS:
        PERSONAL_DATA_EXPORTERS.append(export_feed_links)
    if erase_feed_links not in PERSONAL_DATA_ERASERS:
        PERSONAL_DATA_ERASERS.append(erase_feed_links)
