"""Spaces, opening hours, closures and conflict-checked bookings."""
