"""commons.districts: a district's Finnish and Swedish names mean the same district, in Python and in SQL."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from commons import districts
from commons.db import same_district
from commons.extensions import db
from commons.models import Facility


@pytest.mark.parametrize("a, b", [
    ("Kallio", "Berghäll"), (" berghäll ", "KALLIO"), ("Kamppi", "Kampen"), ("Vallila", "vallgård"),
    ("Pasila", "Böle"), ("Itäkeskus", "östra  centrum"), ("Oulunkylä", "Åggelby"), ("Kontula", "Gårdsbacka"),
    ("Somewhere", " somewhere "),  # not in the registry: itself, any case, trimmed
])
def test_either_language_any_case_is_the_same_district(a, b):
    assert districts.same(a, b)
    assert districts.canonical(a) == districts.canonical(b)


@pytest.mark.parametrize("a, b", [("Kallio", "Kamppi"), ("Berghäll", "Kampen"), ("Töölö", "Etu-Töölö"), ("Kallio", ""), ("", "")])
def test_different_districts_are_not_the_same(a, b):
    assert not districts.same(a, b)


def test_every_district_has_both_names_and_no_name_means_two_districts():
    seen: dict[str, str] = {}
    for fi, sv in districts.DISTRICTS:
        assert fi.strip() and sv.strip()
        for name in (fi, sv):
            assert seen.setdefault(districts.canonical(name), fi) == fi, f"{name} means two districts"
            assert districts.finnish(name) == fi


def test_display_in_the_page_language_and_unknown_names_as_given():
    assert districts.display("Kallio", "sv") == "Berghäll"
    assert districts.display("berghäll", "fi") == "Kallio"
    assert districts.display("Berghäll", "en") == "Kallio"
    assert districts.display("Atlantis", "sv") == "Atlantis"


def test_choices_one_per_district_named_in_the_page_language_in_its_alphabetical_order():
    names = ["Kallio", "Berghäll", "kallio ", "Kontula", "Oulunkylä", "Atlantis", "Vuosaari"]
    assert districts.choices(names, "sv") == [
        ("Atlantis", "Atlantis"), ("Kallio", "Berghäll"), ("Kontula", "Gårdsbacka"), ("Vuosaari", "Nordsjö"), ("Oulunkylä", "Åggelby")]
    assert [v for v, _ in districts.choices(names, "fi")] == ["Atlantis", "Kallio", "Kontula", "Oulunkylä", "Vuosaari"]


def test_neighbours_are_known_districts_and_read_both_ways():
    assert "Sörnäinen" in districts.neighbours("Berghäll")
    assert "Kallio" in districts.neighbours("Sörnäinen")
    for fi, _ in districts.DISTRICTS:
        for n in districts.neighbours(fi):
            assert districts.known(n), n
            assert fi in districts.neighbours(n)
    assert districts.neighbours("Atlantis") == []


def test_sql_matches_either_name_in_one_query(app, make_facility):
    for name in ("Kallio", "Berghäll", " BERGHÄLL ", "Östra centrum", "Kamppi", "Atlantis"):
        make_facility(name=f"F {name}", district=name)
    with app.app_context():
        def found(name):
            return sorted(db.session.execute(select(Facility.district).where(same_district(Facility.district, name))).scalars())
        assert found("kallio") == [" BERGHÄLL ", "Berghäll", "Kallio"]
        assert found("Itäkeskus") == ["Östra centrum"]
        assert found("Kampen") == ["Kamppi"]
        assert found("atlantis") == ["Atlantis"]
