"""Volunteer profiles, activities, shifts and matching (arrives with the volunteers issue)."""
