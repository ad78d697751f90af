"""Issue 21, item 14: the volunteer's home as they read it. The reasons in one voice, addressed to
them, in fi, sv and en; "time left this week" only on this week's dates; a weekly activity's dates
as one recommendation listing its dates, each with its own sign-up; the score with its scale; and
the menu without My bookings and My groups for a volunteer with no group and no booking."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest

from commons.extensions import db
from tests.commons.test_navigation import nav
from tests.conftest import HELSINKI, local, next_monday
from tests.support.queries import count_queries
from tests.volunteers.test_pages import _user, make_shift, save_profile, sign_in, text
from volunteers import services

EVERY_DAY = [{"weekday": d, "start": "00:00", "end": "24:00"} for d in range(7)]


@pytest.fixture
def weekly(app, make_group, make_user):
    """A weekly activity (Tuesdays 18-20 for three weeks, from next week) of a verified group in Kallio,
    and a volunteer in Kallio who speaks Swedish and is free every day."""
    group = make_group(name="Kallio Residents", district="Kallio")
    rep = make_user(groups=[group], name="Riikka Rep", email="riikka@example.fi")
    vol = make_user(role="volunteer", name="Vilja Volunteer", email="vilja@example.fi")
    with app.app_context():
        activity = services.create_activity(_user(rep.user_id), {"group_id": group, "title": "Homework club",
                                                                  "district": "Kallio", "place": "Kallio Library"})
        aid = activity.id
        db.session.remove()
    tuesday = next_monday() + timedelta(days=1)
    shifts = [make_shift(app, rep, aid, tuesday + timedelta(weeks=k), languages=["sv"], skills=["tutoring"]) for k in range(3)]
    save_profile(app, vol, skills=["tutoring"], languages=["fi", "sv"], districts=["Kallio"], availability=EVERY_DAY,
                 max_hours_per_week=10)
    return dict(group=group, rep=rep, vol=vol, activity=aid, shifts=shifts, tuesday=tuesday)


def _matches(page: str) -> str:
    return page.split('id="matches-title"', 1)[1].split('id="mine-title"', 1)[0]


def _cards(block: str) -> list[str]:
    return re.findall(r'<li class="booking match">(.*?)</ul>\s*</li>', block, re.S)


def test_a_weekly_activity_is_one_recommendation_with_its_dates(app, client, weekly):
    sign_in(client, weekly["vol"])
    block = _matches(text(client.get("/volunteering")))
    cards = _cards(block)
    assert len(cards) == 1, block  # not one per date
    card = cards[0]
    assert card.count("Homework club") == 1 and "3 dates" in card
    for sid in weekly["shifts"]:  # each date can be signed up for
        assert f'action="/volunteering/shifts/{sid}/signup"' in card
    days = [weekly["tuesday"] + timedelta(weeks=k) for k in range(3)]
    positions = [card.index(f" {d:%d %b} ") for d in days]
    assert positions == sorted(positions)  # in date order
    r = client.post(f"/volunteering/shifts/{weekly['shifts'][1]}/signup", data={"next": "/volunteering"})
    assert r.status_code == 302
    card = _cards(_matches(text(client.get("/volunteering"))))[0]
    assert "2 dates" in card and f"/volunteering/shifts/{weekly['shifts'][1]}/signup" not in card


def test_the_score_has_its_scale(app, client, weekly):
    sign_in(client, weekly["vol"])
    card = _cards(_matches(text(client.get("/volunteering"))))[0]
    score = re.search(r'<p class="score">([^<]*)</p>', card).group(1)
    assert re.fullmatch(r"(Very good|Good|Fair|Weak) match \((\d+)/100\)", score), score
    assert score.startswith("Very good match")  # skills, language and district all fit
    fi = text(client.get("/volunteering", headers={"Accept-Language": "fi"}))
    assert re.search(r'<p class="score">Sopii erittäin hyvin \(\d+/100\)</p>', fi)


@pytest.mark.parametrize("lang, said", [
    ("en", ["You speak Swedish", "In your district: Kallio", "You have the skill: tutoring", "You are free on Tuesdays",
            "You have had few shifts lately"]),
    ("fi", ["Puhut kieltä: ruotsi", "Sinun kaupunginosassasi: Kallio", "Sinulla on taito: läksyapu ja opetus",
            "Olet vapaana tiistaisin", "Sinulla on ollut viime aikoina vähän vuoroja"]),
    ("sv", ["Du talar svenska", "I din stadsdel: Berghäll", "Du har färdigheten: läxhjälp och undervisning", "Du är ledig på tisdagar",
            "Du har haft få pass på sistone"]),
])
def test_the_reasons_speak_to_the_volunteer(app, client, weekly, lang, said):
    sign_in(client, weekly["vol"])
    card = _cards(_matches(text(client.get("/volunteering", headers={"Accept-Language": lang}))))[0]
    reasons = re.findall(r'<li><span aria-hidden="true">✓</span> ([^<]*)</li>', card)
    for sentence in said:
        assert any(r.startswith(sentence) for r in reasons), (sentence, reasons)
    for third_person in ("Speaks", "Has ", "(needed)", "Puhuu", "Osaa", "Talar", "Kan:", "(tarvitaan)", "(behövs)"):
        assert not any(r.startswith(third_person) or third_person in r for r in reasons), (third_person, reasons)


def test_time_left_this_week_only_on_this_weeks_dates(app, client, weekly):
    sign_in(client, weekly["vol"])
    card = _cards(_matches(text(client.get("/volunteering"))))[0]
    assert "left this week" not in card and " h left" not in card  # the three dates are all in later weeks
    # A date of this week, when one is still ahead (not late on a Sunday): it says the time left this week.
    now = datetime.now(HELSINKI)
    day = now.date() + timedelta(days=1) if now.weekday() < 6 else now.date()
    if day == now.date() and now.hour >= 22:
        return  # Sunday night: the week has no shift ahead (the presenter test below covers it at any hour)
    this_week = make_shift(app, weekly["rep"], weekly["activity"], day, start="22:30", end="23:30",
                           languages=["sv"], skills=["tutoring"])
    card = _cards(_matches(text(client.get("/volunteering"))))[0]
    item = next(li for li in card.split("<li>") if f'/volunteering/shifts/{this_week}/signup' in li)
    assert "You have 9 h left this week" in item  # 10 h a week, less this shift's hour
    assert card.count("left this week") == 1


def test_the_cards_say_time_left_by_the_week_of_each_date(app, weekly):
    """The presenter itself at a fixed moment: a Wednesday noon, with dates that Friday and the next."""
    from volunteers.rules import Match, Reason
    from volunteers.volunteer_views import _match_cards

    now = datetime(2027, 1, 6, 12, tzinfo=HELSINKI).astimezone(timezone.utc)

    class View:
        def __init__(self, sid, start):
            self.shift = type("S", (), {"id": sid, "start_at": start, "end_at": start + timedelta(hours=2), "skills": [],
                                        "languages": [], "min_age": None, "needed": 2, "status": "open"})()
            self.activity = type("A", (), {"id": 1, "title": "Club", "place": "", "district": "Kallio"})()
            self.open_places, self.waitlisted, self.place = 2, 0, ""

    friday = datetime(2027, 1, 8, 18, tzinfo=HELSINKI)
    found = [(View(sid, start), Match(1, sid, True, 80.0, (Reason("spare_hours", True, "180"), Reason("district", True, "Kallio"))))
             for sid, start in ((1, friday), (2, friday + timedelta(weeks=1)))]
    with app.test_request_context(headers={"Accept-Language": "en"}):
        cards = _match_cards(found, cards=10, now=now)
    assert len(cards) == 1 and [d["shift"].id for d in cards[0]["dates"]] == [1, 2]
    assert cards[0]["dates"][0]["time_left"] == "You have 3 h left this week"
    assert cards[0]["dates"][1]["time_left"] == ""
    assert cards[0]["met"] == ["In your district: Kallio"]  # the spare time is on the dates, not the card


def test_the_menu_has_no_group_links_for_a_volunteer_without_groups(app, client, weekly, make_user):
    sign_in(client, weekly["vol"])
    for lang, mine in (("en", ("My bookings", "My groups")), ("fi", ("Omat varaukset", "Omat ryhmät")),
                       ("sv", ("Mina bokningar", "Mina grupper"))):
        links, _, _ = nav(client.get("/volunteering", headers={"Accept-Language": lang}).get_data(as_text=True))
        assert not set(mine) & set(links), (lang, links)
    links, _, _ = nav(client.get("/activities").get_data(as_text=True))
    assert "Volunteering" in links and "My bookings" not in links and "My groups" not in links
    # the representative (a group) keeps both; so does a new user with no volunteer profile (they register groups there)
    links, _, _ = nav(_page(app, weekly["rep"]))
    assert "My bookings" in links and "My groups" in links
    newcomer = make_user(name="Nelli New", email="nelli@example.fi")
    links, _, _ = nav(_page(app, newcomer))
    assert "My bookings" in links and "My groups" in links
    # the volunteer joins a group: the links come back
    with app.app_context():
        from commons.models import GroupMember
        db.session.add(GroupMember(group_id=weekly["group"], user_id=weekly["vol"].user_id))
        db.session.commit()
    links, _, _ = nav(client.get("/volunteering").get_data(as_text=True))
    assert "My bookings" in links and "My groups" in links


def test_the_menu_asks_once_per_page(app, client, weekly):
    sign_in(client, weekly["vol"])
    with count_queries(app, transactions=False) as seen:
        client.get("/activities")
    asked = [q for q in seen if "group_members" in q and "volunteer_profiles" in q]
    assert len(asked) == 1, asked


def _page(app, api_user) -> str:
    c = app.test_client()
    sign_in(c, api_user)
    return c.get("/activities").get_data(as_text=True)


def test_shifts_waiting_for_a_credential_say_no_time_left_this_week_for_later_weeks(app, client, weekly):
    make_shift(app, weekly["rep"], weekly["activity"], weekly["tuesday"] + timedelta(days=1), requires=["first_aid"])
    sign_in(client, weekly["vol"])
    blocked = text(client.get("/volunteering")).split('id="blocked-title"', 1)[1].split('id="mine-title"', 1)[0]
    assert "You need a valid first-aid certificate" in blocked
    assert "this week" not in blocked
