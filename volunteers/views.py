"""Volunteering pages (HTML): the volunteer's home with recommended shifts and their reasons, the
profile, my shifts; the public list of activities needing volunteers; and the organisers' pages
(activities, shifts, ranked candidates, sign-ups and attendance, the fill plan).

Thin: a form, a call to volunteers.services, a page."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("volunteers", __name__)
