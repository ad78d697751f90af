"""The week for the door in Chromium, when it is hard to fit: 60 bookings with long public titles,
a facility with no phone, in Finnish, Swedish and English. Still one A4 page (Chromium's own PDF),
nothing cut off at the page's edge, no serious accessibility findings."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest

from commons.extensions import db
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
    page.goto(f"{live_server}/spaces/{space}/print?week={year}-W{week:02d}")
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
