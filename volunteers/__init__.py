"""Volunteer profiles, activities, shifts, sign-ups with a waitlist, and matching with reasons."""


def register_hooks() -> None:
    """Tell commons and calendars about this package: personal data export/erase, the shift
    reminders (commons.jobs.REMINDER_SOURCES), and the personal feeds."""
    from commons.jobs import REMINDER_SOURCES, add_once
    from commons.services import PERSONAL_DATA_ERASERS, PERSONAL_DATA_EXPORTERS
    from volunteers import feeds, notices, services

    add_once(PERSONAL_DATA_EXPORTERS, services.export_personal_data)
    add_once(PERSONAL_DATA_ERASERS, services.erase_personal_data)
    add_once(REMINDER_SOURCES, notices.queue_shift_reminders)
    feeds.register()
