"""The staff's usage report page and a space's printable week (without a browser)."""
from __future__ import annotations

import re
from datetime import timedelta

from commons.extensions import db
from commons.models import Facility
from tests.conftest import PASSWORD
from tests.spaces.test_reports_api import KALLIO, add_booking, at, data  # noqa: F401  (the fixture)


def sign_in(client, email):
    r = client.post("/login", data={"email": email, "password": PASSWORD})
    assert r.status_code == 302, r.get_data(as_text=True)[:500]


PERIOD = {"first_day": "2027-01-04", "last_day": "2027-01-07"}


def test_staff_page_shows_the_same_figures_as_the_api(client, data):
    sign_in(client, data.admin.email)
    r = client.get("/staff/reports", query_string=PERIOD)
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    # The page links to the same figures as JSON and CSV, for the same period (to = the day after the last)
    json_url = re.search(r'href="(/api/v1/reports/usage\?[^"]+)">', html).group(1).replace("&amp;", "&")
    assert "from=2027-01-04" in json_url and "to=2027-01-08" in json_url
    body = client.get(json_url).get_json()
    assert 'format=csv' in html
    # Mon-Thu: Reading room 8 + 8 + 4 + 8 = 28 open hours, 2 + 2 + 2 booked (1 h... none on Friday)
    kallio = body["spaces"][0]
    assert kallio["open_hours"] == 28.0 and kallio["booked_hours"] == 6.0 and kallio["cancellations"] == 1
    # Two tables per level, so that they fit a desktop page: hours and bookings, then groups and volunteers
    spaces_table = html[html.index('id="spaces-table"'):]
    people_table = html[html.index('id="spaces-table-people"'):]
    for space in body["spaces"]:
        row = spaces_table[spaces_table.index(f">{space['space']}</a>"):]
        row = row[: row.index("</tr>")]
        cells = re.findall(r'<td class="n">([^<]*)</td>', row)
        assert cells[0] == f"{space['open_hours']:g}" and cells[1] == f"{space['booked_hours']:g}"
        assert cells[2] == (f"{round(space['utilisation'] * 100)}%" if space["utilisation"] is not None else "–")
        assert cells[3:6] == [str(space[k]) for k in ("bookings", "cancellations", "no_shows")]
        assert cells[6:] == [f"{space['checked_in_hours']:g}", f"{space['released_hours']:g}"]
        row = people_table[people_table.index(f">{space['space']}</a>"):]
        row = row[: row.index("</tr>")]
        cells = re.findall(r'<td class="n">([^<]*)</td>', row)
        assert cells == [str(space[k]) for k in ("distinct_groups", "association_groups", "resident_groups")] + [
            f"{space['volunteer_hours']:g}", str(space["volunteers_active"])]
    # Charts: server-rendered SVG with a title, and a table behind each
    assert html.count('<svg viewBox') == 4 and html.count('role="img"') == 4  # districts, heat map, weeks, booked/checked-in/released
    assert 'id="districts-table"' in html and "heat-table-caption" in html and "trend-table-caption" in html
    assert "style=" not in html  # the CSP forbids inline styles
    assert "Week 1/2027" in html and ">wk 1<" in html  # ISO week 2027-W01 in words


def test_staff_page_checks_the_period_and_who_asks(client, data):
    assert client.get("/staff/reports").status_code == 302  # sign in first
    sign_in(client, data.member.email)
    assert client.get("/staff/reports").status_code == 403
    client.post("/logout")
    sign_in(client, data.staff.email)
    r = client.get("/staff/reports")
    assert r.status_code == 200  # the last four weeks by default
    r = client.get("/staff/reports", query_string={"first_day": "2027-01-08", "last_day": "2027-01-04"})
    assert r.status_code == 422
    assert "The last day must be on or after the first day." in r.get_data(as_text=True)
    r = client.get("/staff/reports", query_string={"first_day": "2027-01-01", "last_day": "2028-02-05"})
    assert r.status_code == 422 and "Choose at most 400 days." in r.get_data(as_text=True)
    r = client.get("/staff/reports", query_string={"first_day": "nonsense", "last_day": "2027-01-04"})
    assert r.status_code == 422
    html = client.get("/staff/reports", query_string=PERIOD).get_data(as_text=True)
    assert "Kontula Youth Centre" not in html and "Reading room" in html


def test_no_show_button(app, client, data):
    from datetime import datetime, timezone

    now = datetime.now(timezone.utc)
    with app.app_context():
        b = add_booking(data.a1, data.g1, now - timedelta(hours=2), now - timedelta(hours=1), title="Yesterday's club")
        db.session.commit()
        bid = b.id
    sign_in(client, data.staff.email)
    html = client.get("/staff/reports").get_data(as_text=True)
    assert "Yesterday&#39;s club" in html and "Mark as no-show" in html
    r = client.post(f"/staff/reports/no-show/{bid}", data={"no_show": "true"})
    assert r.status_code == 302 and r.headers["Location"].endswith("#no-shows")
    html = client.get("/staff/reports").get_data(as_text=True)
    assert "Recorded as a no-show" in html and "Undo: they came" in html


def test_print_page_shows_public_titles_only(app, client, data):
    with app.app_context():
        db.session.get(Facility, data.kallio).phone = "09 310 85000"
        add_booking(data.a1, data.g2, at(2027, 1, 8, 14), at(2027, 1, 8, 15), title="Open poetry evening", public=True)
        db.session.commit()
    r = client.get(f"/spaces/{data.a1}/print", query_string={"week": "2027-W01", "lang": "en"})
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert "Open poetry evening" in html
    for secret in ("Knitting", "Street party planning", "Kallio Knitters", "Vallila Residents", "Chess Club"):
        assert secret not in html
    assert html.count('<span class="what">Booked</span>') >= 4  # the space page's word; Mon, Tue, Wed (inside the closure), Fri; the cancelled one is gone
    assert "Pipe repair" in html and "09 310 85000" in html and "Street 1, Helsinki" in html
    assert "<svg" in html and 'class="qr"' in html and f"http://commons.test/spaces/{data.a1}" in html
    assert "style=" not in html
    assert "Week 1: 4 January – 10 January 2027" in html


def test_print_page_in_finnish_and_with_a_bad_week(client, data):
    r = client.get(f"/spaces/{data.a1}/print", query_string={"week": "2027-W01"}, headers={"Accept-Language": "fi"})
    html = r.get_data(as_text=True)
    assert '<html lang="fi">' in html and "Varattu" in html and "Näin varaat" in html
    r = client.get(f"/spaces/{data.a1}/print", query_string={"week": "2027-W99", "lang": "en"})
    assert r.status_code == 422 and "is not a week" in r.get_data(as_text=True)
    assert client.get("/spaces/99999/print").status_code == 404
