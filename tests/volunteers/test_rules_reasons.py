"""The matching's reasons as sentences in the page language, and the names of skills and languages."""
from __future__ import annotations

import pytest

from volunteers import reasons, rules
from volunteers.reasons import LANGUAGE_CODES, describe, language_name, skill_name
from volunteers.rules import Reason, match

from ._facts import TODAY, TZ, shift, volunteer

ENGLISH = [
    (Reason("available", True, "1:1020-1260"), "Free on Tuesdays 17:00–21:00"),
    (Reason("available", True, "4:1200-1440,5:0-120"), "Free on Fridays 20:00–24:00; Free on Saturdays 00:00–02:00"),
    (Reason("unavailable", False, "2:1020-1140"), "Not free at this time: Wednesday 17:00–19:00"),
    (Reason("skill", True, "first_aid"), "Has first aid skills (needed)"),
    (Reason("skill", False, "first_aid"), "Does not list first aid (needed)"),
    (Reason("skill", True, "it_help"), "Has IT help skills (needed)"),
    (Reason("skill", True, "chess"), "Has chess skills (needed)"),
    (Reason("no_skills_needed", True), "No particular skills needed"),
    (Reason("language", True, "sv"), "Speaks Swedish (needed)"),
    (Reason("language", False, "sv"), "Does not speak Swedish (needed)"),
    (Reason("no_languages_needed", True), "No particular language needed"),
    (Reason("district", True, "Kallio"), "In your district: Kallio"),
    (Reason("district", False, "Kallio"), "Not in your districts: Kallio"),
    (Reason("spare_hours", True, "180"), "Has 3 h to spare this week"),
    (Reason("spare_hours", True, "150"), "Has 2.5 h to spare this week"),
    (Reason("spare_hours", False, "30"), "Has little time to spare this week"),
    (Reason("fairness", True, "0"), "Has had few shifts lately"),
    (Reason("fairness", False, "5"), "Has had 5 shifts lately"),
    (Reason("age_unknown", False, "16"), "Needs a date of birth: the minimum age is 16"),
    (Reason("too_young", False, "18"), "Under the minimum age of 18"),
    (Reason("needs_consent", False), "Needs a guardian's consent (under 18)"),
    (Reason("overlap", False), "Already has a shift at this time"),
    (Reason("over_hours", False, "240"), "Would go past the weekly limit of 4 h"),
    (Reason("credential", True, "first_aid"), "Has a valid first-aid certificate (needed)"),
    (Reason("credential", False, "first_aid:missing"), "Needs a valid first-aid certificate"),
    (Reason("credential", False, "hygiene_passport:expires"), "Hygiene passport expires before this shift"),
]


@pytest.fixture
def page(app):
    def in_language(lang):
        return app.test_request_context(headers={"Accept-Language": lang})
    return in_language


@pytest.mark.parametrize("reason, text", ENGLISH)
def test_every_reason_reads_as_a_sentence(page, reason, text):
    with page("en"):
        assert describe(reason) == text


def test_every_code_has_its_own_sentence(page):
    with page("en"):
        for code in rules.HARD_CODES + rules.PART_CODES:
            assert any(r.code == code for r, _ in ENGLISH), code
            text = describe(Reason(code, False, "1"))
            assert text and text != code.replace("_", " ")


def test_organisers_read_their_district(page):
    with page("en"):
        assert describe(Reason("district", True, "Kallio"), audience="organiser") == "In their district: Kallio"
        assert describe(Reason("district", False, "Kallio"), audience="organiser") == "Not in their districts: Kallio"
        assert describe(Reason("language", True, "sv"), audience="organiser") == "Speaks Swedish (needed)"


def test_times_and_names_follow_the_page_language(page):
    with page("fi"):
        assert "17.00–21.00" in describe(Reason("available", True, "1:1020-1260"))
        assert language_name("sv") == "ruotsi"
        assert "ruotsi" in describe(Reason("language", True, "sv"))
        assert "2,5" in describe(Reason("spare_hours", True, "150"))
    with page("sv"):
        assert language_name("sv") == "svenska"
        assert "17:00–21:00" in describe(Reason("available", True, "1:1020-1260"))


def test_a_whole_match_reads_in_words(page):
    m = match(volunteer(languages={"sv"}, districts={"Kallio"}, availability=[(1, 17 * 60, 21 * 60)],
                        max_minutes_per_week=240),
              shift(languages=frozenset({"sv", "fi"}), skills=frozenset({"first_aid"})), TZ, TODAY)
    with page("en"):
        assert reasons.describe_all(m.reasons) == [
            "Free on Tuesdays 17:00–21:00", "Does not list first aid (needed)", "Speaks Swedish (needed)",
            "Does not speak Finnish (needed)", "In your district: Kallio", "Has 2 h to spare this week",
            "Has had few shifts lately"]


def test_skill_names_and_language_codes(page):
    with page("en"):
        assert [skill_name(c) for c in ("first_aid", "it_help", "sign_language")] == ["First aid", "IT help",
                                                                                   "Sign language"]
        assert all(skill_name(c) for c in rules.SKILLS)
        assert skill_name("board_games") == "board games"
        assert language_name("so") == "Somali" and language_name("zz") == "zz"
    for code in ("fi", "sv", "en", "ru", "et", "so", "ar"):
        assert code in LANGUAGE_CODES
    for bad in ("xx", "fin", "FI", "", "sv-FI"):
        assert bad not in LANGUAGE_CODES
    assert 150 < len(LANGUAGE_CODES) < 200


def test_outside_a_request_the_sentences_are_english():
    assert describe(Reason("language", True, "sv")) == "Speaks Swedish (needed)"
    assert describe(Reason("available", True, "1:1020-1260")) == "Free on Tuesdays 17:00–21:00"
