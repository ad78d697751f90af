"""Volunteer profiles, activities, shifts, sign-ups with a waitlist, and matching with reasons."""


def register_hooks() -> None:
    """Tell commons, spaces and calendars about this package: personal data export/erase, the shift
    reminders (commons.jobs.REMINDER_SOURCES), its part of the demo (commons.demo), the volunteer
    hours in the usage reports (spaces.hooks.VOLUNTEER_FIGURES), and the personal feeds."""
    from commons.demo import DemoPart, register_demo_part
    from commons.jobs import REMINDER_SOURCES, RETENTION_TASKS, add_once, register_job
    from commons.services import PERSONAL_DATA_ERASERS, PERSONAL_DATA_EXPORTERS
    from spaces.hooks import VOLUNTEER_FIGURES
    from volunteers import demo, feeds, notices, services, usage

    add_once(PERSONAL_DATA_EXPORTERS, services.export_personal_data)
    add_once(PERSONAL_DATA_ERASERS, services.erase_personal_data)
    add_once(REMINDER_SOURCES, notices.queue_shift_reminders)
    add_once(RETENTION_TASKS, services.forget_old_guests)
    register_demo_part(DemoPart("volunteers", demo.load_demo_volunteers, "volunteers", demo.generate_volunteers, 1_000_000,
                                "also generate this many volunteers"))
    add_once(VOLUNTEER_FIGURES, usage.volunteer_figures)
    feeds.register()
    register_job("credential-expiry-notices", services.send_expiry_notices,
                 "tell volunteers once, 30 days ahead, that a credential the staff saw runs out", "cron", hour=9, minute=0)
