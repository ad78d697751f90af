"""Districts in either language on the pages (issue 21, item 15) and what an empty search suggests
(item 16): "Berghäll" finds Kallio's spaces, a group or a volunteer in "Berghäll" is in Kallio, the
reports count Kallio and Berghäll as one district, and a search that finds nothing links to the same
search in nearby districts or for the largest size that has spaces."""
from __future__ import annotations

import html as htmllib
import re

import pytest

from tests.conftest import PASSWORD, local, next_weekday


def text(r) -> str:
    return r.get_data(as_text=True)


def sign_in(client, user) -> None:
    assert client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302


SV = {"Accept-Language": "sv"}


@pytest.fixture
def world(make_facility, make_space):
    kallio = make_facility(name="Kallion kirjasto", district="Kallio")
    berghall = make_facility(name="Berghälls ungdomsgård", district="Berghäll")  # saved through the API in Swedish
    sornainen = make_facility(name="Sörnäisten nuorisotalo", district="Sörnäinen")
    kontula = make_facility(name="Kontulan nuorisotalo", district="Kontula")
    return dict(
        reading=make_space(facility_id=kallio, name="Lukupiirihuone", capacity=10),
        club=make_space(facility_id=berghall, name="Kerhohuone", capacity=25),
        hall=make_space(facility_id=sornainen, name="Sali", capacity=60),
        studio=make_space(facility_id=kontula, name="Bändikämppä", capacity=6),
    )


def result_names(page: str) -> set[str]:
    return set(re.findall(r'<th scope="row"><a href="[^"]*">([^<]+)</a></th>', page))


def test_the_search_offers_each_district_once_in_the_page_language_and_either_name_finds_it(client, world):
    page = text(client.get("/spaces", headers=SV))
    select = page.split('name="district"', 1)[1].split("</select>", 1)[0]
    assert '<option value="Kallio">Berghäll</option>' in select
    assert select.count("Berghäll") == 1 and ">Kallio<" not in select  # one district, named in Swedish
    assert '<option value="Sörnäinen">Sörnäs</option>' in select
    for name in ("Kallio", "Berghäll", " berghäll ", "KALLIO"):
        r = client.get("/spaces", query_string={"district": name}, headers=SV)
        assert r.status_code == 200, name
        assert result_names(text(r)) == {"Lukupiirihuone", "Kerhohuone"}, name
    page = text(client.get("/spaces", query_string={"district": "Berghäll"}, headers=SV))
    assert '<option selected value="Kallio">Berghäll</option>' in page  # the list shows what was searched
    assert "<td data-label=\"Stadsdel\">Berghäll</td>" in page  # the results name it in Swedish too
    fi = text(client.get("/spaces", query_string={"district": "Berghäll"}, headers={"Accept-Language": "fi"}))
    assert ">Kallio</td>" in fi and ">Berghäll</td>" not in fi


def test_the_api_keeps_the_district_as_given_and_finds_it_by_either_name(client, world, anon):
    r = anon.get("/spaces", district="Kallio")
    assert r.status_code == 200
    got = {s["name"]: s["district"] for s in r.get_json()}
    assert got == {"Lukupiirihuone": "Kallio", "Kerhohuone": "Berghäll"}


def test_an_empty_search_suggests_nothing_that_would_find_nothing(client, world):
    # 30 people in Kallio: none (10 and 25); Sörnäinen next door has a hall for 60
    r = client.get("/spaces", query_string={"district": "Berghäll", "min_capacity": "30", "accessibility": ["step_free_access"]},
                   headers={"Accept-Language": "en"})
    assert r.status_code == 200
    page = text(r)
    assert not result_names(page)
    # nothing has step-free access in the fixture: no suggestion (each would find nothing either)
    assert 'id="instead-title"' not in page


def test_an_empty_search_suggests_what_would_find_spaces(client, world):
    r = client.get("/spaces", query_string={"district": "Berghäll", "min_capacity": "30"}, headers={"Accept-Language": "en"})
    page = text(r)
    assert r.status_code == 200 and not result_names(page)
    block = page.split('id="instead-title"', 1)[1].split("</ul>", 1)[0]
    links = [(htmllib.unescape(h), t) for h, t in re.findall(r'<a href="([^"]+)">([^<]+)</a>', block)]
    assert links == [
        ("/spaces?district=S%C3%B6rn%C3%A4inen&min_capacity=30", "Sörnäinen: 1 space (next to Kallio)"),
        ("/spaces?district=Bergh%C3%A4ll&min_capacity=25", "Spaces for at least 25 people"),  # the largest in Kallio
    ]
    for href, _ in links:  # each link runs the changed search, and it finds spaces
        assert result_names(text(client.get(href)))
    sv = text(client.get("/spaces", query_string={"district": "Kallio", "min_capacity": "30"}, headers=SV))
    assert "Sörnäs: 1 lokal (intill Berghäll)" in sv and "Lokaler för minst 25 personer" in sv
    # a search with a result suggests nothing
    assert 'id="instead-title"' not in text(client.get("/spaces", query_string={"district": "Kallio"}))


def test_a_group_chooses_its_district_from_a_list_in_the_page_language(client, make_user):
    user = make_user()
    sign_in(client, user)
    page = text(client.get("/groups/new", headers=SV))
    select = page.split('name="district"', 1)[1].split("</select>", 1)[0]
    assert '<option value="Kallio">Berghäll</option>' in select and '<option value="Kamppi">Kampen</option>' in select
    r = client.post("/groups/new", data={"name": "Berghälls läsecirkel", "kind": "resident_group", "district": "Berghäll"}, headers=SV)
    assert r.status_code == 302, text(r)
    page = text(client.get(r.headers["Location"], headers=SV))
    assert "<dd>Berghäll</dd>" in page
    r = client.post("/groups/new", data={"name": "Atlantis club", "kind": "resident_group", "district": "Atlantis"})
    assert r.status_code == 422


def test_a_volunteer_in_berghall_matches_a_shift_in_kallio(app, client, world, make_group, make_user):
    from commons.extensions import db
    from commons.models import User
    from volunteers import services

    group = make_group(name="Kallion asukkaat", district="Kallio")
    rep = make_user(groups=[group])
    vol = make_user(role="volunteer")
    day = next_weekday(1)
    with app.app_context():
        activity = services.create_activity(db.session.get(User, rep.user_id), {"group_id": group, "title": "Läksykerho"})
        services.create_shift(db.session.get(User, rep.user_id), activity.id,
                              {"start": local(day, "17:00"), "end": local(day, "19:00"), "needed": 2})
        services.save_profile(db.session.get(User, vol.user_id), {
            "languages": ["sv"], "districts": ["Berghäll"], "availability": [{"weekday": day.weekday(), "start": "16:00", "end": "21:00"}],
            "max_hours_per_week": 6})
        db.session.remove()
    sign_in(client, vol)
    home = text(client.get("/volunteering", headers={"Accept-Language": "en"}))
    assert "Läksykerho" in home
    assert "In your district" in home and "Not in your districts" not in home
    # the activities' filter: one district, either name finds it
    page = text(client.get("/activities", query_string={"district": "Berghäll"}, headers=SV))
    assert "Läksykerho" in page and '<option value="Kallio" selected>Berghäll</option>' in page
    # the profile form shows the volunteer's Swedish "Berghäll" as the Kallio checkbox, ticked
    form = text(client.get("/volunteering/profile", headers=SV))
    assert re.search(r'value="Kallio"[^>]*checked', form) or re.search(r'checked[^>]*value="Kallio"', form)


def test_the_report_counts_kallio_and_berghall_as_one_district(client, world, make_user):
    admin = make_user(role="admin")
    sign_in(client, admin)
    page = text(client.get("/staff/reports", headers=SV))
    table = page.split('id="districts-table"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r'<th scope="row"[^>]*>\s*([^<]+?)\s*<', table)
    assert rows.count("Berghäll") == 1 and "Kallio" not in rows, rows
    assert "Sörnäs" in rows and "Gårdsbacka" in rows
