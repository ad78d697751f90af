"""Spaces, opening hours, closures and conflict-checked bookings."""


def register_personal_data_hooks() -> None:
    """Tell commons how to export and erase what this package stores about a person."""
    from commons.services import PERSONAL_DATA_ERASERS, PERSONAL_DATA_EXPORTERS
    from spaces.services import export_bookings_made, forget_booker

    if export_bookings_made not in PERSONAL_DATA_EXPORTERS:
        PERSONAL_DATA_EXPORTERS.append(export_bookings_made)
    if forget_booker not in PERSONAL_DATA_ERASERS:
        PERSONAL_DATA_ERASERS.append(forget_booker)
