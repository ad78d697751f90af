"""The matching rules on crafted cases: every hard filter (with its edges), every reason, fairness,
ties, and both directions. Plain values, no database."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from volunteers import rules
from volunteers.rules import Reason, Window, match, rank_candidates, rank_shifts

from ._facts import EVERY_DAY, SUMMER_TUESDAY, TODAY, TZ, WINTER_TUESDAY, at, shift, volunteer

TUE_EVENING = (Window(1, 17 * 60, 21 * 60),)


def codes(m):
    return [r.code for r in m.reasons]


def misses(m):
    return [r.code for r in m.reasons if r.code in rules.HARD_CODES]


def reason(m, code, value=None):
    found = [r for r in m.reasons if r.code == code and (value is None or r.value == value)]
    assert len(found) == 1, (code, value, m.reasons)
    return found[0]


# --- availability ---

@pytest.mark.parametrize("start, minutes, ok", [
    ((17, 0), 120, True),  # inside
    ((17, 0), 240, True),  # exactly the window
    ((19, 0), 120, True),  # ends on the window's last minute
    ((16, 59), 61, False),  # starts a minute early
    ((20, 0), 61, False),  # ends a minute late
    ((21, 0), 60, False),  # after the window
    ((15, 0), 120, False),  # before, back to back with it
])
def test_availability_inside_outside_and_edge_minutes(start, minutes, ok):
    m = match(volunteer(availability=TUE_EVENING), shift(start=start, minutes=minutes), TZ, TODAY)
    assert m.eligible is ok
    if ok:
        assert reason(m, "available") == Reason("available", True, "1:1020-1260")
    else:
        assert misses(m) == ["unavailable"] and m.score == 0


def test_availability_on_another_weekday_is_unavailable():
    m = match(volunteer(availability=TUE_EVENING), shift(day=WINTER_TUESDAY + timedelta(days=1)), TZ, TODAY)
    assert misses(m) == ["unavailable"]
    assert reason(m, "unavailable").value == "2:1020-1140"  # Wednesday 17-19, the shift's own time


def test_touching_windows_of_a_day_are_one_window():
    v = volunteer(availability=[(1, 17 * 60, 19 * 60), (1, 19 * 60, 21 * 60), (1, 8 * 60, 9 * 60)])
    m = match(v, shift(start=(18, 0), minutes=120), TZ, TODAY)
    assert m.eligible and reason(m, "available").value == "1:1020-1260"
    gap = volunteer(availability=[(1, 17 * 60, 19 * 60), (1, 19 * 60 + 1, 21 * 60)])
    assert not match(gap, shift(start=(18, 0), minutes=120), TZ, TODAY).eligible


@pytest.mark.parametrize("day", [WINTER_TUESDAY, SUMMER_TUESDAY, date(2027, 3, 30), date(2027, 11, 2)])
def test_a_tuesday_17_window_matches_17_local_shifts_in_winter_and_summer(day):
    s = shift(day=day, start=(17, 0), minutes=60)
    utc_hour = s.start.astimezone(timezone.utc).hour
    assert utc_hour == (15 if day.month in (1, 11) else 14)  # the same wall clock, another UTC hour
    v = volunteer(availability=(Window(1, 17 * 60, 18 * 60),))
    assert match(v, s, TZ, TODAY).eligible
    # An hour earlier in UTC terms than the window is not inside it, whatever the season.
    early = rules.ShiftFacts(2, s.start - timedelta(hours=1), s.end - timedelta(hours=1), "Kallio")
    assert misses(match(v, early, TZ, TODAY)) == ["unavailable"]


def test_a_shift_crossing_midnight_needs_both_days():
    fri = date(2027, 1, 15)
    s = shift(day=fri, start=(22, 0), minutes=180)  # Friday 22:00 - Saturday 01:00
    both = volunteer(availability=[(4, 20 * 60, 1440), (5, 0, 120)])
    m = match(both, s, TZ, TODAY)
    assert m.eligible and reason(m, "available").value == "4:1200-1440,5:0-120"
    assert misses(match(volunteer(availability=[(4, 20 * 60, 1440)]), s, TZ, TODAY)) == ["unavailable"]
    assert misses(match(volunteer(availability=[(5, 0, 120)]), s, TZ, TODAY)) == ["unavailable"]
    not_to_midnight = volunteer(availability=[(4, 20 * 60, 1439), (5, 0, 120)])
    assert not match(not_to_midnight, s, TZ, TODAY).eligible


def test_a_shift_ending_at_midnight_needs_only_its_own_day():
    s = shift(day=date(2027, 1, 15), start=(22, 0), minutes=120)
    m = match(volunteer(availability=[(4, 20 * 60, 1440)]), s, TZ, TODAY)
    assert m.eligible and reason(m, "available").value == "4:1200-1440"


def test_a_shift_longer_than_two_days_is_unavailable():
    s = shift(day=WINTER_TUESDAY, start=(20, 0), minutes=60 * 30)
    assert misses(match(volunteer(), s, TZ, TODAY)) == ["unavailable"]


def test_no_availability_is_never_available():
    assert misses(match(volunteer(availability=()), shift(), TZ, TODAY)) == ["unavailable"]


# --- age and consent ---

def test_age_on_the_exact_birthday_counts():
    s = shift(day=WINTER_TUESDAY, min_age=18)
    birthday = date(2009, 1, 12)  # 18 on the shift's date
    assert match(volunteer(date_of_birth=birthday), s, TZ, TODAY).eligible
    a_day_young = volunteer(date_of_birth=date(2009, 1, 13))
    m = match(a_day_young, s, TZ, TODAY)
    assert "too_young" in misses(m) and reason(m, "too_young").value == "18"


def test_age_is_taken_on_the_shifts_local_date():
    # 00:30 on the birthday in Helsinki is still the day before in UTC.
    s = rules.ShiftFacts(1, at(WINTER_TUESDAY, 0, 30), at(WINTER_TUESDAY, 2, 0), "Kallio", min_age=15)
    assert s.start.astimezone(timezone.utc).date() == WINTER_TUESDAY - timedelta(days=1)
    assert match(volunteer(date_of_birth=date(2012, 1, 12), guardian_consent=True), s, TZ, TODAY).eligible
    assert misses(match(volunteer(date_of_birth=date(2012, 1, 13), guardian_consent=True), s, TZ, TODAY)) == ["too_young"]


def test_leap_day_birthdays_turn_on_the_first_of_march():
    v = volunteer(date_of_birth=date(2012, 2, 29), guardian_consent=True)
    assert not match(v, shift(day=date(2027, 2, 28), min_age=15), TZ, TODAY).eligible
    assert match(v, shift(day=date(2027, 3, 1), min_age=15), TZ, TODAY).eligible


def test_a_minimum_age_needs_a_date_of_birth():
    m = match(volunteer(), shift(min_age=16), TZ, TODAY)
    assert misses(m) == ["age_unknown"]
    assert match(volunteer(), shift(min_age=None), TZ, TODAY).eligible
    assert match(volunteer(), shift(min_age=0), TZ, TODAY).eligible


def test_a_minor_needs_a_guardians_consent():
    sixteen = date(2010, 6, 1)
    m = match(volunteer(date_of_birth=sixteen), shift(), TZ, TODAY)
    assert misses(m) == ["needs_consent"] and m.score == 0
    assert match(volunteer(date_of_birth=sixteen, guardian_consent=True), shift(), TZ, TODAY).eligible
    # 18 on the shift's date: an adult, no consent needed; unknown birth date: taken as an adult.
    assert match(volunteer(date_of_birth=date(2009, 1, 12)), shift(), TZ, TODAY).eligible
    assert not match(volunteer(date_of_birth=date(2009, 1, 13)), shift(), TZ, TODAY).eligible
    assert match(volunteer(date_of_birth=None), shift(), TZ, TODAY).eligible


def test_a_minor_below_the_minimum_age_gets_both_misses():
    m = match(volunteer(date_of_birth=date(2013, 1, 1)), shift(min_age=15), TZ, TODAY)
    assert misses(m) == ["too_young", "needs_consent"]


def test_organisers_take_ages_on_an_earlier_day_whatever_the_shifts_date():
    """ages_on (the organisers' first of the month): someone who turns 16 after it is too young for every
    shift with that limit, before or after their birthday, so the shift's date tells nothing; a later
    ages_on than the shift's date is not used (the shift's date is the rule)."""
    v = volunteer(date_of_birth=date(2011, 2, 10), guardian_consent=True)  # 16 on 10 February 2027
    first_of_month = date(2027, 1, 1)
    for day in (date(2027, 2, 9), date(2027, 2, 10), date(2027, 6, 15)):
        s = shift(day=day, min_age=16)
        assert misses(match(v, s, TZ, TODAY, ages_on=first_of_month)) == ["too_young"], day
    assert not match(v, shift(day=date(2027, 2, 9), min_age=16), TZ, TODAY).eligible
    assert match(v, shift(day=date(2027, 2, 10), min_age=16), TZ, TODAY).eligible
    assert match(v, shift(day=date(2027, 2, 10), min_age=16), TZ, TODAY, ages_on=date(2027, 3, 1)).eligible
    # the guardian's consent alike: a minor on ages_on needs it, whatever the shift's date
    turning_18 = volunteer(date_of_birth=date(2009, 1, 20))
    assert match(turning_18, shift(day=date(2027, 1, 26)), TZ, TODAY).eligible
    assert misses(match(turning_18, shift(day=date(2027, 1, 26)), TZ, TODAY, ages_on=first_of_month)) == ["needs_consent"]


def test_the_organiser_view_holds_what_the_shift_needs_only():
    v = volunteer(languages={"sv"}, districts={"Kallio"}, availability=((1, 16 * 60, 22 * 60),), max_minutes_per_week=300,
                  recent_shifts=3)
    s = shift(languages=frozenset({"sv", "fi"}), skills=frozenset({"cooking"}))
    full = match(v, s, TZ, TODAY)
    seen = rules.organiser_view(full)
    assert set(codes(full)) - set(codes(seen)) == {"spare_hours", "fairness"}
    assert set(codes(seen)) <= set(rules.ORGANISER_CODES)
    assert reason(seen, "available").value == "" and reason(full, "available").value == "1:960-1320"
    assert seen.score == rules.whole_points(full.score) == round(full.score) and seen.score != full.score
    assert (seen.volunteer_id, seen.shift_id, seen.eligible) == (full.volunteer_id, full.shift_id, True)
    # a miss is one "not_eligible", whichever rule (age, hours, time) said no
    for who, on in ((volunteer(date_of_birth=date(2015, 1, 1)), shift(min_age=15)), (volunteer(max_minutes_per_week=60), shift()),
                    (volunteer(availability=()), shift())):
        m = rules.organiser_view(match(who, on, TZ, TODAY))
        assert not m.eligible and m.score == 0 and codes(m)[0] == "not_eligible"
        assert not set(codes(m)) & set(rules.HARD_CODES) and all(r.value in ("", "Kallio") for r in m.reasons if r.code != "language")


# --- overlap ---

@pytest.mark.parametrize("busy, ok", [
    (((15, 0), (17, 0)), True),  # ends as the shift starts
    (((19, 0), (20, 0)), True),  # starts as the shift ends
    (((15, 0), (17, 1)), False),  # one minute into the shift
    (((18, 59), (22, 0)), False),
    (((17, 30), (18, 0)), False),  # inside
    (((16, 0), (20, 0)), False),  # around
])
def test_overlap_is_half_open(busy, ok):
    (h0, m0), (h1, m1) = busy
    v = volunteer(busy=((at(WINTER_TUESDAY, h0, m0), at(WINTER_TUESDAY, h1, m1)),))
    m = match(v, shift(start=(17, 0), minutes=120), TZ, TODAY)
    assert m.eligible is ok
    if not ok:
        assert misses(m) == ["overlap"]


# --- weekly hours (local ISO weeks) ---

def test_weekly_hours_exactly_at_the_limit_is_fine_one_minute_over_is_not():
    held = ((at(WINTER_TUESDAY - timedelta(days=1), 10), at(WINTER_TUESDAY - timedelta(days=1), 12)),)  # Monday 2 h
    v = volunteer(max_minutes_per_week=240, busy=held)
    at_limit = match(v, shift(minutes=120), TZ, TODAY)
    assert at_limit.eligible
    assert reason(at_limit, "spare_hours") == Reason("spare_hours", False, "0", 0.0)
    over = match(v, shift(minutes=121), TZ, TODAY)
    assert misses(over) == ["over_hours"] and reason(over, "over_hours").value == "240"


def test_weeks_are_local_iso_weeks():
    monday = date(2027, 1, 11)
    # Monday 00:30-02:30 in Helsinki is Sunday evening in UTC (the previous UTC ISO week): it counts here.
    early_monday = (at(monday, 0, 30), at(monday, 2, 30))
    assert early_monday[0].astimezone(timezone.utc).isocalendar().week == 1
    assert early_monday[0].astimezone(TZ).isocalendar().week == 2
    v = volunteer(max_minutes_per_week=240, busy=(early_monday,))
    assert match(v, shift(minutes=120), TZ, TODAY).eligible
    assert misses(match(v, shift(minutes=121), TZ, TODAY)) == ["over_hours"]
    # Sunday 22:00-24:00 local belongs to the week before: it does not count.
    sunday = (at(monday - timedelta(days=1), 22), at(monday, 0))
    v2 = volunteer(max_minutes_per_week=240, busy=(sunday,))
    assert reason(match(v2, shift(minutes=240), TZ, TODAY), "spare_hours").value == "0"
    assert match(v2, shift(minutes=240), TZ, TODAY).eligible


def test_a_shift_crossing_into_a_new_week_counts_in_both():
    sunday = date(2027, 1, 17)
    s = shift(day=sunday, start=(23, 0), minutes=120)  # Sunday 23:00 - Monday 01:00: 60 min in each week
    held_monday = ((at(sunday + timedelta(days=1), 10), at(sunday + timedelta(days=1), 13)),)  # 180 min
    v = volunteer(max_minutes_per_week=240, busy=held_monday)
    m = match(v, s, TZ, TODAY)
    assert m.eligible and reason(m, "spare_hours").value == "0"
    held_more = ((at(sunday + timedelta(days=1), 10), at(sunday + timedelta(days=1), 13, 1)),)
    assert misses(match(volunteer(max_minutes_per_week=240, busy=held_more), s, TZ, TODAY)) == ["over_hours"]


def test_busy_in_another_week_does_not_count():
    far = ((at(WINTER_TUESDAY + timedelta(days=7), 10), at(WINTER_TUESDAY + timedelta(days=7), 14)),)
    m = match(volunteer(max_minutes_per_week=240, busy=far), shift(minutes=240), TZ, TODAY)
    assert m.eligible


# --- weighted parts and their reasons ---

def test_a_perfect_match_scores_100_and_its_points_add_up():
    v = volunteer(skills={"first_aid", "cooking"}, languages={"fi", "sv"}, districts={"Kallio"})
    s = shift(skills=frozenset({"first_aid", "cooking"}), languages=frozenset({"sv"}))
    m = match(v, s, TZ, TODAY)
    assert m.eligible and m.score == 100.0
    assert sum(r.points for r in m.reasons) == pytest.approx(100.0)
    assert codes(m) == ["available", "skill", "skill", "language", "district", "spare_hours", "fairness"]


def test_each_required_skill_is_its_own_reason_and_tags_count():
    v = volunteer(skills={"first_aid"}, tags={"Sign language", "chess"})
    s = shift(skills=frozenset({"first_aid", "sign_language", "cooking", "chess"}))
    m = match(v, s, TZ, TODAY)
    skills = {r.value: r for r in m.reasons if r.code == "skill"}
    assert {k: r.met for k, r in skills.items()} == {"first_aid": True, "sign_language": True, "chess": True,
                                                     "cooking": False}
    assert skills["first_aid"].points == pytest.approx(35 / 4) and skills["cooking"].points == 0
    # held ones first, then the misses
    assert [r.value for r in m.reasons if r.code == "skill"] == ["chess", "first_aid", "sign_language", "cooking"]


def test_skill_share_scales_the_points():
    s = shift(skills=frozenset({"first_aid", "cooking"}))
    none_ = match(volunteer(), s, TZ, TODAY).score
    half = match(volunteer(skills={"cooking"}), s, TZ, TODAY).score
    full = match(volunteer(skills={"cooking", "first_aid"}), s, TZ, TODAY).score
    assert half - none_ == pytest.approx(17.5) and full - half == pytest.approx(17.5)


def test_no_required_skills_or_languages_give_full_points_with_a_neutral_reason():
    m = match(volunteer(), shift(), TZ, TODAY)
    assert reason(m, "no_skills_needed") == Reason("no_skills_needed", True, "", 35.0)
    assert reason(m, "no_languages_needed") == Reason("no_languages_needed", True, "", 25.0)
    assert "skill" not in codes(m) and "language" not in codes(m)


def test_each_required_language_is_its_own_reason():
    m = match(volunteer(languages={"fi"}), shift(languages=frozenset({"fi", "sv"})), TZ, TODAY)
    assert reason(m, "language", "fi") == Reason("language", True, "fi", 12.5)
    assert reason(m, "language", "sv") == Reason("language", False, "sv", 0.0)


def test_district_met_case_insensitively_or_not():
    m = match(volunteer(districts={"kallio"}), shift(district="Kallio"), TZ, TODAY)
    assert reason(m, "district") == Reason("district", True, "Kallio", 15.0)
    m2 = match(volunteer(districts={"Vallila"}), shift(district="Kallio"), TZ, TODAY)
    assert reason(m2, "district") == Reason("district", False, "Kallio", 0.0)
    assert m.score - m2.score == pytest.approx(15.0)
    assert reason(match(volunteer(), shift(), TZ, TODAY), "district").met is False


def test_more_spare_hours_rank_up_until_ten_hours():
    s = shift(minutes=120)
    spare = {limit: match(volunteer(max_minutes_per_week=limit), s, TZ, TODAY) for limit in (150, 180, 420, 720, 900)}
    assert reason(spare[150], "spare_hours") == Reason("spare_hours", False, "30", 0.75)
    assert reason(spare[180], "spare_hours") == Reason("spare_hours", True, "60", 1.5)
    assert reason(spare[420], "spare_hours").points == pytest.approx(7.5)
    assert reason(spare[720], "spare_hours").points == 15.0 and reason(spare[900], "spare_hours").points == 15.0
    scores = [spare[k].score for k in (150, 180, 420, 720)]
    assert scores == sorted(scores) and len(set(scores)) == 4


def test_fairness_fewer_recent_shifts_rank_up():
    s = shift()
    pts = {n: reason(match(volunteer(recent_shifts=n), s, TZ, TODAY), "fairness") for n in (0, 2, 3, 4, 12)}
    assert pts[0] == Reason("fairness", True, "0", 10.0)
    assert pts[2].met and not pts[3].met
    assert pts[4].points == 5.0 and pts[12].points == 2.5
    ranked = rank_candidates(s, [volunteer(1, recent_shifts=5), volunteer(2, recent_shifts=0),
                                 volunteer(3, recent_shifts=1)], TZ, TODAY)
    assert [m.volunteer_id for m in ranked] == [2, 3, 1]
    assert ranked[0].score > ranked[1].score > ranked[2].score


def test_not_eligible_scores_zero_but_keeps_the_reasons():
    m = match(volunteer(availability=(), languages={"sv"}), shift(languages=frozenset({"sv"})), TZ, TODAY)
    assert not m.eligible and m.score == 0
    assert codes(m)[0] == "unavailable" and reason(m, "language").met


def test_scores_stay_within_0_and_100():
    worst = match(volunteer(recent_shifts=10_000, max_minutes_per_week=120),
                  shift(skills=frozenset({"cooking"}), languages=frozenset({"so"}), minutes=120), TZ, TODAY)
    assert worst.eligible and 0 <= worst.score < 1


def test_reasons_have_known_codes():
    m = match(volunteer(date_of_birth=date(2015, 1, 1), availability=()), shift(min_age=18, skills=frozenset({"x"}),
                                                                                 languages=frozenset({"fi"})), TZ, TODAY)
    assert set(codes(m)) <= set(rules.HARD_CODES) | set(rules.PART_CODES)


# --- ranking, ties, both directions ---

def test_rank_candidates_only_eligible_best_first_ties_by_recent_then_id():
    s = shift(languages=frozenset({"sv"}))
    vs = [volunteer(5), volunteer(3), volunteer(4, languages={"sv"}), volunteer(2, recent_shifts=1),
          volunteer(1, availability=())]
    ranked = rank_candidates(s, vs, TZ, TODAY)
    assert [m.volunteer_id for m in ranked] == [4, 3, 5, 2]
    assert all(m.eligible for m in ranked)
    assert [m.volunteer_id for m in rank_candidates(s, vs, TZ, TODAY, limit=2)] == [4, 3]
    assert rank_candidates(s, vs, TZ, TODAY, limit=0) == []
    assert rank_candidates(s, [], TZ, TODAY) == []


def test_equal_scores_with_equal_recent_shifts_go_by_id():
    s = shift(languages=frozenset({"fi", "sv"}))
    twins = [volunteer(9), volunteer(8), volunteer(10)]
    assert [m.volunteer_id for m in rank_candidates(s, twins, TZ, TODAY)] == [8, 9, 10]
    # A higher score goes first whatever the ids.
    a = volunteer(7, districts={"Kallio"}, languages={"fi"})  # 35 + 12.5 + 15 + 15 + 10 = 87.5
    b = volunteer(6, languages={"fi", "sv"})  # 35 + 25 + 0 + 15 + 10 = 85
    assert (match(a, s, TZ, TODAY).score, match(b, s, TZ, TODAY).score) == (87.5, 85.0)
    assert [m.volunteer_id for m in rank_candidates(s, [b, a], TZ, TODAY)] == [7, 6]
    # Same score, different recent shifts cannot happen (fairness is in the score) unless rounding
    # makes them equal: 9999 and 10000 recent shifts both round to the same score; fewer goes first.
    c, d = volunteer(3, recent_shifts=10_000), volunteer(2, recent_shifts=10_001)
    assert match(c, s, TZ, TODAY).score == match(d, s, TZ, TODAY).score
    assert [m.volunteer_id for m in rank_candidates(s, [d, c], TZ, TODAY)] == [3, 2]


def test_rank_shifts_best_first_ties_by_start_then_id():
    v = volunteer(languages={"sv"}, districts={"Kallio"})
    shifts = [shift(3, start=(18, 0), district="Vallila"), shift(2, start=(18, 0)), shift(1, start=(19, 0)),
              shift(4, start=(17, 0)), shift(5, start=(17, 0), languages=frozenset({"ru"})),
              shift(6, start=(17, 0), min_age=18)]  # no date of birth: not eligible
    ranked = rank_shifts(v, shifts, TZ, TODAY)
    assert [m.shift_id for m in ranked] == [4, 2, 1, 3, 5]
    assert [m.shift_id for m in rank_shifts(v, shifts, TZ, TODAY, limit=1)] == [4]
    assert rank_shifts(v, [], TZ, TODAY) == []


def test_both_directions_give_the_same_match_for_a_pair():
    vs = [volunteer(i, languages={"fi", "sv"} if i % 2 else {"fi"}, districts={"Kallio"} if i % 3 else set(),
                    recent_shifts=i % 4, skills={"cooking"} if i % 5 else set()) for i in range(1, 12)]
    ss = [shift(10 + k, start=(17 + k % 3, 0), skills=frozenset({"cooking"}) if k % 2 else frozenset(),
                languages=frozenset({"sv"}) if k % 3 else frozenset()) for k in range(6)]
    by_shift = {(m.shift_id, m.volunteer_id): m for s in ss for m in rank_candidates(s, vs, TZ, TODAY)}
    by_volunteer = {(m.shift_id, m.volunteer_id): m for v in vs for m in rank_shifts(v, ss, TZ, TODAY)}
    assert by_shift == by_volunteer and len(by_shift) == len(vs) * len(ss)


def test_timestamps_in_any_zone_give_the_same_match():
    s = shift()
    utc = rules.ShiftFacts(1, s.start.astimezone(timezone.utc), s.end.astimezone(timezone.utc), "Kallio")
    v = volunteer(availability=TUE_EVENING)
    assert match(v, s, TZ, TODAY) == match(v, utc, TZ, TODAY)


def test_helpers():
    assert rules.skill_code(" Sign-Language ") == "sign_language"
    assert rules.round_score(72.25) == 72.3 and rules.round_score(72.24999) == 72.2
    assert rules.age_reached(date(2000, 5, 5), date(2018, 5, 5), 18)
    assert not rules.age_reached(date(2000, 5, 5), date(2018, 5, 4), 18)
    assert rules.ts(datetime(1970, 1, 1, 0, 1, tzinfo=timezone.utc)) == 60
    assert set(EVERY_DAY) == {Window(d, 0, 1440) for d in range(7)}


# --- the nights the clocks change ---

def test_the_spring_change_night_reads_the_wall_clock_and_counts_real_minutes():
    sunday = date(2027, 3, 28)  # 03:00 EET -> 04:00 EEST
    s = rules.ShiftFacts(1, at(sunday, 2), at(sunday, 5), "Kallio")
    assert rules.ts(s.end) - rules.ts(s.start) == 2 * 3600  # (s.end - s.start is wall-clock: 3 h)
    assert rules.local_segments(s.start, s.end, TZ) == [(6, 120, 300)]
    v = volunteer(availability=[(6, 120, 300)], max_minutes_per_week=120)
    m = match(v, s, TZ, TODAY)
    assert m.eligible and reason(m, "spare_hours").value == "0"  # two real hours, not three
    assert not match(volunteer(availability=[(6, 120, 299)]), s, TZ, TODAY).eligible


def test_the_autumn_change_night_covers_the_repeated_hour():
    sunday = date(2027, 10, 31)  # 04:00 EEST -> 03:00 EET
    first_three = datetime(2027, 10, 31, 0, 0, tzinfo=timezone.utc)  # 03:00 EEST
    s = rules.ShiftFacts(1, first_three, first_three + timedelta(hours=1), "Kallio")  # to 03:00 EET
    assert s.end.astimezone(TZ).hour == 3 and s.start.astimezone(TZ).hour == 3
    assert rules.local_segments(s.start, s.end, TZ) == [(6, 180, 240)]
    assert match(volunteer(availability=[(6, 180, 240)]), s, TZ, TODAY).eligible
    assert not match(volunteer(availability=[(6, 180, 239)]), s, TZ, TODAY).eligible
    # Crossing midnight and the change at once: Saturday 22:00 to Sunday 05:00 (eight real hours).
    night = rules.ShiftFacts(2, at(sunday - timedelta(days=1), 22), at(sunday, 5), "Kallio")
    assert rules.local_segments(night.start, night.end, TZ) == [(5, 1320, 1440), (6, 0, 300)]
    assert rules.local_segments(night.start, night.start, TZ) is None
