"""Volunteering pages (HTML): one blueprint, `volunteers` (volunteers.pages.bp), whose routes live
in volunteers.volunteer_views (the public activities, the volunteer's home, profile and shifts,
signing up and withdrawing), volunteers.hours_views (hours, certificates of them), volunteers.credential_views (staff record credentials they saw) and volunteers.organiser_views (activities, shifts, candidates,
sign-ups and attendance, the fill plan). Importing this module registers both."""
from __future__ import annotations

from volunteers import credential_views, hours_views, organiser_views, volunteer_views  # noqa: F401  (their routes, on bp)
from volunteers.pages import bp

__all__ = ["bp"]
