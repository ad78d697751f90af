"""The week for the door in Chromium, when it is hard to fit: 60 bookings with long public titles,
a facility with no phone, in Finnish, Swedish and English; the busiest realistic week (open 8-22 every
day, a booking every other slot, closures, long titles and names, every rule); the fullest week each
print size holds (spaces/print_layout.py); a week with more times than a sheet holds. Always one A4
page (Chromium's own PDF), no time cut off in its cell, no serious accessibility findings."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest

from commons.extensions import db
from commons.models import Facility
from spaces import print_layout
from spaces.models import Booking, Closure
from tests.support.browser import SCREENSHOTS, check_accessibility
from tests.conftest import HELSINKI, next_weekday

pytestmark = pytest.mark.browser


def at(day, hh, mm=0):
    return datetime(day.year, day.month, day.day, hh, mm, tzinfo=HELSINKI).astimezone(timezone.utc)


@pytest.fixture
def busy_week(app, make_facility, make_space, make_group):
    facility = make_facility(name="Itäkeskus Library", district="Itäkeskus")  # no phone number
    space = make_space(facility_id=facility, name="Stage and workshop hall", hours={d: [("08:00", "22:00")] for d in range(7)})
    groups = [make_group(name=f"Group {k}") for k in range(4)]
    monday = next_weekday(0, weeks_ahead=2)
    titles = ["Kansalaisopiston keramiikkapiiri ja avoin savipaja kaikenikäisille", "Chess", "Asukasyhdistyksen hallituksen kokous",
              "Open mic <b>night</b>", "Lukupiiri", "Nuorten bändiharjoitukset ja äänitekniikan perusteet"]
    with app.app_context():
        n = 0
        for off in range(7):
            day = monday + timedelta(days=off)
            for k in range(9 if off < 4 else 8):  # 9 + 9 + 9 + 9 + 8 + 8 + 8 = 60
                start = at(day, 8) + timedelta(minutes=90 * k)
                end = start + timedelta(minutes=75)  # a 15-minute free gap after each
                db.session.add(Booking(space_id=space, group_id=groups[n % 4], title=titles[n % len(titles)],
                                       public_title=n % 3 != 2, attendees=8, start_at=start, end_at=end, blocked_until=end,
                                       status="confirmed"))
                n += 1
        assert n == 60
        thursday = monday + timedelta(days=3)
        db.session.add(Closure(space_id=space, start_at=at(thursday, 21, 30), end_at=at(thursday + timedelta(days=1), 8),
                               reason="Lattioiden vahaus / Golvvaxning / Floor waxing"))
        db.session.commit()
    return space, monday


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_a_busy_week_prints_on_one_a4_page(live_server, browser_page, busy_week, lang):
    from playwright.sync_api import expect

    space, monday = busy_week
    context = browser_page.context.browser.new_context(viewport={"width": 1280, "height": 900}, locale={"fi": "fi-FI", "sv": "sv-FI", "en": "en-GB"}[lang])
    page = context.new_page()
    page.set_default_timeout(15000)
    year, week, _ = monday.isocalendar()
    page.goto(f"{live_server}/spaces/{space}/print?week={year}-W{week:02d}&lang={lang}")
    assert page.locator("html").get_attribute("lang") == lang
    table = page.locator("table.print-days")
    expect(table).to_contain_text("Open mic <b>night</b>")  # escaped: shown as typed, not as markup
    assert page.locator("table.print-days b").count() == 0
    expect(page.locator("main")).not_to_contain_text("+358")  # no phone: no phone line
    check_accessibility(page)

    page.emulate_media(media="print")
    page.set_viewport_size({"width": 794, "height": 1123})  # A4 at 96 dpi
    if lang == "fi":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "print-week-busy.png"), full_page=True)
    pdf = page.pdf(format="A4", print_background=True)
    pages = len(re.findall(rb"/Type\s*/Page(?!s)", pdf))
    assert pages == 1, f"the busy week takes {pages} A4 pages in {lang}"
    # Every booking is on the page: 60 times (or their days' summaries) and the QR code
    text = "\n".join(page.locator("ul.print-slots").all_inner_texts())
    assert len(re.findall(r"\d?\d[:.]\d\d–\d?\d[:.]\d\d", text)) >= 60
    expect(page.get_by_role("img", name=re.compile("QR"))).to_be_visible()
    context.close()


def test_the_busiest_possible_week_still_prints_on_one_page(app, live_server, browser_page, make_facility, make_space, make_group):
    """Every other half hour booked from 08 to 22, every day (98 bookings, 98 free half hours), all
    with long public titles: the most times a week of this space can show."""
    space = make_space(facility_id=make_facility(), name="Small meeting room", hours={d: [("08:00", "22:00")] for d in range(7)})
    group = make_group()
    monday = next_weekday(0, weeks_ahead=2)
    with app.app_context():
        for off in range(7):
            day = monday + timedelta(days=off)
            for k in range(14):
                start = at(day, 8) + timedelta(minutes=60 * k)
                end = start + timedelta(minutes=30)
                db.session.add(Booking(space_id=space, group_id=group, title=f"Neighbourhood association's open meeting no. {k}",
                                       public_title=True, attendees=8, start_at=start, end_at=end, blocked_until=end,
                                       status="confirmed"))
        db.session.commit()
    page = browser_page
    year, week, _ = monday.isocalendar()
    page.goto(f"{live_server}/spaces/{space}/print?week={year}-W{week:02d}")
    text = "\n".join(page.locator("ul.print-slots").all_inner_texts())
    assert len(re.findall(r"\d?\d[:.]\d\d–\d?\d[:.]\d\d", text)) == 7 * 28
    page.emulate_media(media="print")
    pdf = page.pdf(format="A4", print_background=True)
    pages = len(re.findall(rb"/Type\s*/Page(?!s)", pdf))
    page.set_viewport_size({"width": 794, "height": 1123})
    assert pages == 1, f"the busiest week takes {pages} A4 pages"


def pdf_pages(page) -> int:
    page.emulate_media(media="print")
    pdf = page.pdf(format="A4", print_background=True)
    return len(re.findall(rb"/Type\s*/Page(?!s)", pdf))


def nothing_cut_but_titles(page) -> list[str]:
    """Texts cut at their cell's edge on paper: every time, day, date and opening hour must show whole
    (only a booking's public title may end in "…")."""
    page.emulate_media(media="print")
    page.set_viewport_size({"width": 703, "height": 1032})  # A4 less its 12 mm margins, at 96 dpi
    return page.evaluate("""() => {
      const cut = e => e.scrollWidth > e.clientWidth + 1;
      const times = [...document.querySelectorAll('ul.print-slots li')].filter(li => {
        const t = li.querySelector('.time'); return t ? t.getBoundingClientRect().right > li.getBoundingClientRect().right + 0.5 : cut(li); });
      const days = [...document.querySelectorAll('.print-days th[scope=row], .print-days .day-hours > span')].filter(cut);
      return [...times, ...days].map(e => e.textContent.trim()); }""")


def times_on_paper(page) -> tuple[int, int]:
    """(times shown, times the "+N more" cells stand for) on the page."""
    text = "\n".join(page.locator("table.print-days ul.print-slots").all_inner_texts())
    shown = len(re.findall(r"\d?\d[:.]\d\d–\d?\d[:.]\d\d", text))
    more = sum(int(n) for n in re.findall(r"\+(\d+) ", text + " "))
    return shown, more


def open_print(browser_page, live_server, space, monday, lang):
    context = browser_page.context.browser.new_context(viewport={"width": 1280, "height": 900},
                                                       locale={"fi": "fi-FI", "sv": "sv-FI", "en": "en-GB"}[lang])
    page = context.new_page()
    page.set_default_timeout(15000)
    year, week, _ = monday.isocalendar()
    page.goto(f"{live_server}/spaces/{space}/print?week={year}-W{week:02d}&lang={lang}")  # the noticeboard's language, chosen
    assert page.locator("html").get_attribute("lang") == lang
    return context, page


LONG_TITLES = ["Kansalaisopiston keramiikkapiiri ja avoin savipaja kaikenikäisille",
               "Asukasyhdistyksen hallituksen kokous ja talousarvion käsittely", "Nuorten bändiharjoitukset ja äänitekniikka"]
LONG_REASON = "Lattioiden vahaus ja ilmanvaihdon huolto / Golvvaxning och service av ventilationen / Floor waxing"


def _long_everything(app, make_facility, make_space, **rules):
    """A space whose page has the tallest footer: a long name, facility and address, a phone, every rule."""
    facility = make_facility(name="Itäkeskuksen kirjasto, nuorisotalo ja kulttuurikeskus Stoa")
    with app.app_context():
        f = db.session.get(Facility, facility)
        f.phone, f.address = "09 310 85000", "Turunlinnantie 1 A, sisäänkäynti pihan puolelta, 00930 Helsinki"
        db.session.commit()
    return make_space(facility_id=facility, name="Suuri monitoimisali, äänitysstudio ja bändikellari", **rules)


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_the_busiest_realistic_week_prints_on_one_page_with_every_time(app, live_server, browser_page, make_facility,
                                                                       make_space, make_group, lang):
    """Open 8-22 every day, a booking in every other half-hour slot (14 a day, long public titles), the
    evening's last hour closed for cleaning every day, a changeover-free grid, a quota and approval."""
    space = _long_everything(app, make_facility, make_space, hours={d: [("08:00", "22:00")] for d in range(7)},
                             weekly_quota_minutes=600, requires_approval=True)
    group = make_group()
    monday = next_weekday(0, weeks_ahead=2)
    with app.app_context():
        for off in range(7):
            day = monday + timedelta(days=off)
            for k in range(14):
                start = at(day, 8) + timedelta(minutes=60 * k)
                db.session.add(Booking(space_id=space, group_id=group, title=LONG_TITLES[k % 3], public_title=k % 4 != 3,
                                       attendees=8, start_at=start, end_at=start + timedelta(minutes=30),
                                       blocked_until=start + timedelta(minutes=30), status="confirmed"))
            db.session.add(Closure(space_id=space, start_at=at(day, 21, 30), end_at=at(day, 22), reason=LONG_REASON))
        db.session.commit()
    context, page = open_print(browser_page, live_server, space, monday, lang)
    shown, more = times_on_paper(page)
    assert (shown, more) == (7 * (14 + 1 + 13), 0)  # 14 booked, 1 closed, 13 free a day: all of them, none cut
    assert "densest" in page.locator(".print-page").get_attribute("class")
    check_accessibility(page)
    assert nothing_cut_but_titles(page) == []
    assert pdf_pages(page) == 1, f"the busiest realistic week takes more than one page in {lang}"
    context.close()


def _pattern_week(app, space, group, monday, per_day: list[int]) -> None:
    """k bookings of 15 minutes every half hour from 08:00 on each day (k free quarter hours after them), the
    first one of each day that has any closed instead (a long reason): k booked-or-closed and k free times."""
    with app.app_context():
        for off, k in enumerate(per_day):
            day = monday + timedelta(days=off)
            for j in range(k):
                start = at(day, 8) + timedelta(minutes=30 * j)
                db.session.add(Booking(space_id=space, group_id=group, title=LONG_TITLES[j % 3], public_title=True, attendees=8,
                                       start_at=start, end_at=start + timedelta(minutes=15),
                                       blocked_until=start + timedelta(minutes=15), status="confirmed"))
            if k:
                db.session.add(Closure(space_id=space, start_at=at(day, 8), end_at=at(day, 8, 15), reason=LONG_REASON))
        db.session.commit()


def _needs(per_day):
    return [print_layout.DayNeed(entries=k, free=max(k, 1)) for k in per_day]


def _fullest_week(size: int) -> list[int]:
    """Bookings a day for the fullest week printed at DENSITIES[size] with nothing cut: one more booking on
    any day would take the next size, or cut."""
    per_day = [0] * 7
    grown = True
    while grown:
        grown = False
        for d in range(7):
            if per_day[d] == 28:
                continue
            trial = per_day[:d] + [per_day[d] + 1] + per_day[d + 1:]
            got = print_layout.fit(_needs(trial))
            if not got.cut and print_layout.DENSITIES.index(got.density) <= size:
                per_day, grown = trial, True
    return per_day


@pytest.mark.parametrize("size", range(len(print_layout.DENSITIES)), ids=["roomy", "dense", "densest"])
def test_the_fullest_week_of_each_print_size_is_one_page(app, live_server, browser_page, make_facility, make_space,
                                                         make_group, size):
    """The most lines each size allows (in Finnish, whose footer is the tallest): what print_layout counts
    is what Chromium prints."""
    density = print_layout.DENSITIES[size]
    per_day = _fullest_week(size)
    got = print_layout.fit(_needs(per_day))
    assert got.density is density and not got.cut
    assert sum(print_layout.day_lines(n, density) for n in _needs(per_day)) >= density.lines - 2, per_day
    space = _long_everything(app, make_facility, make_space, hours={d: [("08:00", "22:00")] for d in range(7)},
                             slot_minutes=15, min_minutes=15, weekly_quota_minutes=600, requires_approval=True)
    monday = next_weekday(0, weeks_ahead=2)
    _pattern_week(app, space, make_group(), monday, per_day)
    context, page = open_print(browser_page, live_server, space, monday, "fi")
    assert page.locator(".print-page").get_attribute("class").split()[1:] == density.css.split()
    assert times_on_paper(page) == (2 * sum(per_day) + per_day.count(0), 0)
    assert nothing_cut_but_titles(page) == []
    assert pdf_pages(page) == 1, f"the fullest {density.css or 'roomy'} week ({per_day}) takes more than one page"
    context.close()


def test_a_week_with_more_times_than_a_sheet_holds_says_how_many_more(app, live_server, browser_page, make_facility,
                                                                      make_space, make_group):
    """Open round the clock on a 15-minute grid, a booking every other quarter hour: 96 times a day. The
    longest days end in "+N more", the page says the space's page has them all, and it is one page."""
    space = _long_everything(app, make_facility, make_space, hours={d: [("00:00", "24:00")] for d in range(7)},
                             slot_minutes=15, min_minutes=15, max_minutes=1440)
    group = make_group()
    monday = next_weekday(0, weeks_ahead=2)
    with app.app_context():
        for off in range(7):
            day = monday + timedelta(days=off)
            for k in range(48 if off < 6 else 3):  # a quiet Sunday: not cut
                start = at(day, 0) + timedelta(minutes=30 * k)
                db.session.add(Booking(space_id=space, group_id=group, title=LONG_TITLES[k % 3], public_title=True, attendees=8,
                                       start_at=start, end_at=start + timedelta(minutes=15),
                                       blocked_until=start + timedelta(minutes=15), status="confirmed"))
        db.session.commit()
    context, page = open_print(browser_page, live_server, space, monday, "sv")
    shown, more = times_on_paper(page)
    # 48 bookings and 48 free quarter hours on each of six days; three and three on Sunday
    assert more > 0 and shown + more == 6 * 96 + 6  # each "+N more" stands for exactly the N times left out
    assert "+" not in page.locator("table.print-days tbody tr").last.inner_text()  # the quiet Sunday is whole
    assert "Vissa dagar har fler tider än vad som ryms på det här arket" in page.locator("main").inner_text()
    assert nothing_cut_but_titles(page) == []
    assert pdf_pages(page) == 1
    context.close()
