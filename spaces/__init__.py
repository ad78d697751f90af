"""Spaces, opening hours, closures and conflict-checked bookings."""


def register_hooks() -> None:
    """Tell commons about this package (create_app calls it before the packages above): how to export
    and erase what it stores about a person, its jobs and job parts, its part of the demo."""
    register_personal_data_hooks()
    register_jobs()
    from commons.demo import DemoPart, register_demo_part
    from spaces.demo import generate_bookings, load_demo_spaces

    register_demo_part(DemoPart("spaces", load_demo_spaces, "bookings", generate_bookings, 2_000_000, "also generate this many bookings"))


def register_personal_data_hooks() -> None:
    """Tell commons how to export and erase what this package stores about a person."""
    from commons.jobs import add_once
    from commons.services import PERSONAL_DATA_ERASERS, PERSONAL_DATA_EXPORTERS
    from spaces.services import export_bookings_made, forget_booker

    add_once(PERSONAL_DATA_EXPORTERS, export_bookings_made)
    add_once(PERSONAL_DATA_ERASERS, forget_booker)


def register_jobs() -> None:
    """Add the bookings' jobs and job parts to commons.jobs, and the renderer of the booking notices
    to commons.mail (send-mail renders them; commons knows none of the packages)."""
    from commons.jobs import REMINDER_SOURCES, RETENTION_TASKS, add_once, register_job
    from commons.mail import register_renderer
    from spaces import housekeeping, notices

    register_renderer(notices.RENDERER, notices.render)

    add_once(REMINDER_SOURCES, housekeeping.queue_booking_reminders)
    add_once(RETENTION_TASKS, housekeeping.forget_old_bookers)
    register_job(
        "expire-requests", housekeeping.expire_requests, "release booking requests still undecided when their start is near",
        "interval", minutes=15,
    )
    register_job("expire-offers", housekeeping.expire_offers, "pass offers not accepted in time on to the next in line",
                 "interval", minutes=5)
    register_job("release-unused", housekeeping.release_unused,
                 "release bookings not checked in by the end of their grace period and offer their time on", "interval", minutes=5)
