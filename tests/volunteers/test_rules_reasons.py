"""The matching's reasons as sentences in the page language, and the names of skills and languages."""
from __future__ import annotations

import pytest

from volunteers import reasons, rules
from volunteers.reasons import LANGUAGE_CODES, describe, language_name, skill_name
from volunteers.rules import Reason, match

from ._facts import TODAY, TZ, shift, volunteer

ENGLISH = [
    (Reason("available", True, "1:1020-1260"), "You are free on Tuesdays 17:00–21:00"),
    (Reason("available", True, "4:1200-1440,5:0-120"), "You are free on Fridays 20:00–24:00; You are free on Saturdays 00:00–02:00"),
    (Reason("unavailable", False, "2:1020-1140"), "You are not free at this time: Wednesday 17:00–19:00"),
    (Reason("skill", True, "first_aid"), "You have the skill: first aid"),
    (Reason("skill", False, "first_aid"), "You have not listed the skill: first aid"),
    (Reason("skill", True, "it_help"), "You have the skill: IT help"),
    (Reason("skill", True, "chess"), "You have the skill: chess"),
    (Reason("no_skills_needed", True), "You need no particular skills"),
    (Reason("language", True, "sv"), "You speak Swedish"),
    (Reason("language", False, "sv"), "You have not listed the language: Swedish"),
    (Reason("no_languages_needed", True), "You need no particular language"),
    (Reason("district", True, "Kallio"), "In your district: Kallio"),
    (Reason("district", False, "Kallio"), "Not in your districts: Kallio"),
    (Reason("spare_hours", True, "180"), "You have 3 h left this week"),
    (Reason("spare_hours", True, "150"), "You have 2.5 h left this week"),
    (Reason("spare_hours", False, "30"), "You have little time left this week"),
    (Reason("fairness", True, "0"), "You have had few shifts lately"),
    (Reason("fairness", False, "5"), "You have had 5 shifts lately"),
    (Reason("age_unknown", False, "16"), "Add your date of birth: the minimum age is 16"),
    (Reason("too_young", False, "18"), "You are under the minimum age of 18"),
    (Reason("needs_consent", False), "You need a guardian's consent (under 18)"),
    (Reason("overlap", False), "You already have a shift at this time"),
    (Reason("over_hours", False, "240"), "You would go past your weekly limit of 4 h"),
    (Reason("credential", True, "first_aid"), "You have a valid first-aid certificate"),
    (Reason("credential", False, "first_aid:missing"), "You need a valid first-aid certificate"),
    (Reason("credential", False, "hygiene_passport:expires"), "Your hygiene passport expires before this shift"),
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
        assert describe(Reason("skill", True, "first_aid"), audience="organiser") == "Has first aid skills (needed)"
        assert describe(Reason("available", True, ""), audience="organiser") == "Free at this time"
        assert describe(Reason("credential", False, "first_aid:missing"), audience="organiser") == \
            "Needs a valid first-aid certificate"


def test_times_and_names_follow_the_page_language(page):
    with page("fi"):
        assert "17.00–21.00" in describe(Reason("available", True, "1:1020-1260"))
        assert language_name("sv") == "ruotsi"
        assert "ruotsi" in describe(Reason("language", True, "sv"))
        assert "2,5" in describe(Reason("spare_hours", True, "150"))
    with page("sv"):
        assert language_name("sv") == "svenska"
        assert "17:00–21:00" in describe(Reason("available", True, "1:1020-1260"))
        assert "Berghäll" in describe(Reason("district", True, "Kallio"))  # a district in the page's language
        assert "Berghäll" in describe(Reason("district", True, "kallio"), audience="organiser")
    with page("fi"):
        assert "Kallio" in describe(Reason("district", True, "Berghäll"))


def test_a_whole_match_reads_in_words(page):
    m = match(volunteer(languages={"sv"}, districts={"Kallio"}, availability=[(1, 17 * 60, 21 * 60)],
                        max_minutes_per_week=240),
              shift(languages=frozenset({"sv", "fi"}), skills=frozenset({"first_aid"})), TZ, TODAY)
    with page("en"):
        assert reasons.describe_all(m.reasons) == [
            "You are free on Tuesdays 17:00–21:00", "You have not listed the skill: first aid", "You speak Swedish",
            "You have not listed the language: Finnish", "In your district: Kallio", "You have 2 h left this week",
            "You have had few shifts lately"]


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
    assert describe(Reason("language", True, "sv")) == "You speak Swedish"
    assert describe(Reason("available", True, "1:1020-1260")) == "You are free on Tuesdays 17:00–21:00"


# Issue 21, item 14: the reasons in one voice, addressed to the volunteer, in each language; the spare
# time said of the shift's own week when that is a later one.
VOLUNTEER_VOICE = {
    "fi": {Reason("language", True, "sv"): "Puhut kieltä: ruotsi",
           Reason("district", True, "Kallio"): "Sinun kaupunginosassasi: Kallio",
           Reason("skill", True, "first_aid"): "Sinulla on taito: ensiapu",
           Reason("fairness", True, "0"): "Sinulla on ollut viime aikoina vähän vuoroja",
           Reason("spare_hours", True, "150"): "Sinulla on tällä viikolla aikaa vielä 2,5 h"},
    "sv": {Reason("language", True, "sv"): "Du talar svenska",
           Reason("district", True, "Kallio"): "I din stadsdel: Berghäll",
           Reason("skill", True, "first_aid"): "Du har färdigheten: första hjälpen",
           Reason("fairness", True, "0"): "Du har haft få pass på sistone",
           Reason("spare_hours", True, "150"): "Du har 2,5 h kvar den här veckan"},
    "en": {Reason("language", True, "sv"): "You speak Swedish",
           Reason("district", True, "Kallio"): "In your district: Kallio",
           Reason("skill", True, "first_aid"): "You have the skill: first aid",
           Reason("fairness", True, "0"): "You have had few shifts lately",
           Reason("spare_hours", True, "150"): "You have 2.5 h left this week"},
}


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_reasons_speak_to_the_volunteer_in_each_language(page, lang):
    with page(lang):
        for reason, text in VOLUNTEER_VOICE[lang].items():
            assert describe(reason) == text


def test_the_spare_time_of_a_later_week_names_that_week(page):
    with page("en"):
        assert describe(Reason("spare_hours", True, "150"), week=51) == "You have 2.5 h left in week 51"
        assert describe(Reason("spare_hours", False, "30"), week=51) == "You have little time left in week 51"
    with page("fi"):
        assert describe(Reason("spare_hours", True, "150"), week=51) == "Sinulla on viikolla 51 aikaa vielä 2,5 h"


def test_later_week_is_none_for_this_week(app):
    from datetime import datetime, timedelta, timezone

    from tests.conftest import HELSINKI

    now = datetime.now(timezone.utc)
    local_now = now.astimezone(HELSINKI)
    sunday_night = datetime.combine(local_now.date() + timedelta(days=6 - local_now.weekday()),
                                    datetime.min.time().replace(hour=23), tzinfo=HELSINKI)
    next_monday = sunday_night + timedelta(hours=1)
    with app.app_context():
        assert reasons.later_week(now, now) is None
        assert reasons.later_week(sunday_night, now) is None
        assert reasons.later_week(next_monday, now) == next_monday.isocalendar()[1]
