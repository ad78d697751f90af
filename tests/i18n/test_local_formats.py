"""Dates and times as each language writes them, on the pages that show them: Finnish 8.12.2026 and
18.00, Swedish 8 december 2026 and 18:00; weeks in words, not ISO codes."""
from __future__ import annotations

import html
import re

import pytest

from tests.conftest import PASSWORD, local, next_weekday


def test_format_clock_per_language(app):
    from commons.i18n import format_clock, format_day, format_week

    day = next_weekday(1).replace(year=2026, month=12, day=8)
    expected = {"fi": ("8.30", "24.00", "Tiistai 8.12.2026", "Viikko 50/2026", "vk 50"),
                "sv": ("08:30", "24:00", "Tisdag 8 december 2026", "Vecka 50/2026", "v. 50"),
                "en": ("08:30", "24:00", "Tuesday 8 December 2026", "Week 50/2026", "wk 50")}
    for lang, (half, midnight, full, week, short) in expected.items():
        with app.test_request_context("/", headers={"Accept-Language": lang}):
            assert (format_clock(510), format_clock(1440), format_day(day, "weekday_full"),
                    format_week("2026-W50"), format_week("2026-W50", short=True)) == (half, midnight, full, week, short)


@pytest.fixture
def staff_world(make_facility, make_space, make_group, make_user):
    facility = make_facility(name="Kallion kirjasto")
    room = make_space(facility_id=facility, name="Lukupiiri")
    group = make_group(name="Kallion asukkaat")
    rep = make_user(groups=[group], email="rep@example.fi")
    make_user(role="staff", facilities=[facility], email="staff@example.fi")
    day = next_weekday(1)
    r = rep.post("/bookings", {"space_id": room, "group_id": group, "title": "Kokous", "start": local(day, "18:00"),
                               "end": local(day, "20:30")})
    assert r.status_code == 201
    return dict(room=room, day=day)


def visible(response) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


@pytest.mark.parametrize("lang, day_heading, clock", [("fi", "{weekday} {d}.{m}.{y}", "18.00–20.30"),
                                                      ("sv", "{weekday} {d} {month} {y}", "18:00–20:30")])
def test_staff_calendar_space_and_print_pages_write_the_language_s_dates(app, staff_world, lang, day_heading, clock):
    from babel.dates import format_date

    day = staff_world["day"]
    c = app.test_client()
    c.environ_base["HTTP_ACCEPT_LANGUAGE"] = lang
    assert c.post("/login", data={"email": "staff@example.fi", "password": PASSWORD}).status_code == 302
    text = visible(c.get(f"/staff/calendar?view=day&date={day.isoformat()}"))
    weekday = format_date(day, "cccc", locale=lang).capitalize()
    month = format_date(day, "MMMM", locale=lang)
    h1 = day_heading.format(weekday=weekday, d=day.day, m=day.month, y=day.year, month=month)
    assert h1 in " ".join(text.split()), h1
    assert clock in text
    iso = day.isocalendar()
    week = f"{iso[0]}-W{iso[1]:02d}"
    for path in (f"/spaces/{staff_world['room']}?week={week}", f"/spaces/{staff_world['room']}/print?week={week}&lang={lang}"):
        page = visible(c.get(path))
        assert clock in page, path
        assert ("8.00–22.00" if lang == "fi" else "08:00–22:00") in page, path  # the opening hours
