"""The allocation as a pure function: the space's rules, buffers, strict classes, fairness, locked
slots, existing bookings, the reasons, and the same answer every time."""
from __future__ import annotations

from rounds.allocation import ApplicationFacts, SpaceFacts, Slot, Window, WishFacts, allocate, class_rank

EVENINGS = {1: [(16 * 60, 21 * 60)], 3: [(16 * 60, 21 * 60)]}


def hall(**more):
    base = dict(id=1, opening=EVENINGS, dates={d: 10 for d in range(7)}, buffer_minutes=30)
    base.update(more)
    return {1: SpaceFacts(**base)}


def app(i, windows=((1, 17, 21),), minutes=120, slots=1, cls=None, ages=(), people=10, group=None):
    wish = WishFacts(0, slots, minutes, tuple(Window(d, s * 60, e * 60) for d, s, e in windows), (1,))
    return ApplicationFacts(i, group or 100 + i, cls, (wish,), ages, people)


def test_fairness_first_slots_before_second_ones_and_buffers_respected():
    apps = [app(1, windows=((1, 17, 21), (3, 17, 21)), slots=2), app(2), app(3, windows=((3, 17, 21),))]
    r = allocate(apps, hall())
    # each weekday holds one 2-hour slot only (17-21 with a 30-minute buffer): two groups get one each,
    # nobody two; among equal ways the earlier application (1) comes first
    assert {(s.application_id, s.weekday) for s in r.slots} == {(1, 1), (3, 3)}
    assert [(u.application_id, u.code) for u in r.unallocated] == [(1, "partly_met"), (2, "lost_fairness")]


def test_strict_classes_and_the_reason_names_the_class():
    apps = [app(1, cls="others", people=300), app(2, cls="youth", people=3)]
    r = allocate(apps, hall(), ["youth", "others"])
    assert [s.application_id for s in r.slots] == [2]
    assert r.unallocated[0].code == "lost_priority_class" and r.unallocated[0].params["other_class"] == "youth"


def test_daytime_order_of_classes():
    assert class_rank(["a", "b"], ["b", "a"], "a", 1, 10 * 60) == 1
    assert class_rank(["a", "b"], ["b", "a"], "a", 1, 17 * 60) == 0
    assert class_rank(["a", "b"], ["b", "a"], "a", 5, 10 * 60) == 0  # Saturday: the evening order
    assert class_rank(["a", "b"], None, None, 1, 10 * 60) == 2


def test_children_early_adults_later():
    apps = [app(1, minutes=60, ages=("adults_30_64",)), app(2, minutes=60, ages=("children_7_12",))]
    r = allocate(apps, hall(buffer_minutes=0))
    start = {s.application_id: s.start for s in r.slots}
    assert start[2] < start[1]


def test_reasons_when_no_slot_is_possible():
    apps = [app(1, minutes=300), app(2, windows=((5, 17, 21),)), app(3, minutes=45)]
    r = allocate(apps, hall())
    assert [(u.application_id, u.code) for u in r.unallocated] == [(1, "wish_too_long"), (2, "space_closed_then"), (3, "wish_off_grid")]


def test_a_space_too_small_for_the_application_is_never_given():
    """The booking's capacity rule would refuse the series at publishing: the allocation leaves such spaces out."""
    small = {**hall(capacity=20), 2: SpaceFacts(id=2, opening=EVENINGS, dates={d: 10 for d in range(7)}, capacity=60)}
    big_wish = WishFacts(0, 1, 120, (Window(1, 17 * 60, 21 * 60),), (1, 2))
    r = allocate([ApplicationFacts(1, 101, None, (big_wish,), (), 50), app(2, people=20)], small)
    assert {(s.application_id, s.space_id) for s in r.slots} == {(1, 2), (2, 1)}
    r = allocate([app(3, people=21)], hall(capacity=20))
    assert r.slots == [] and [(u.code, u.params) for u in r.unallocated] == [("wish_spaces_too_small", {"attendees": 21, "capacity": 20})]


def test_locked_slots_and_existing_bookings_block():
    locked = [Slot(9, 0, 1, 1, 17 * 60, 19 * 60, True)]
    apps = [app(1), app(9, group=900)]
    r = allocate(apps, hall(), locked=locked)
    assert [s for s in r.slots if s.application_id == 9] == locked
    assert r.unallocated[0].code == "time_taken"
    # a booking on most Tuesdays of the season blocks the evening; one on a single date does not
    busy = {1: [(17 * 60, 21 * 60, d) for d in range(6)]}
    assert allocate([app(1)], hall(taken=busy)).unallocated[0].code == "time_taken"
    assert allocate([app(1)], hall(taken={1: [(17 * 60, 21 * 60, 1)]})).slots


def test_the_same_input_gives_the_same_answer():
    apps = [app(i, windows=((1, 16, 21), (3, 16, 21)), minutes=60, slots=2, people=i) for i in range(1, 9)]
    first = allocate(apps, hall(buffer_minutes=0))
    for _ in range(3):
        again = allocate(list(reversed(apps)), hall(buffer_minutes=0))
        assert again.slots == first.slots and again.unallocated == first.unallocated
    assert first.optimal


def family(buffers=(30, 30, 30)):
    """A hall (1) made of two halves (2, 3): the hall shares time with each half, the halves not with each other."""
    return {sid: SpaceFacts(id=sid, opening=EVENINGS, dates={d: 10 for d in range(7)}, buffer_minutes=b)
            for sid, b in zip((1, 2, 3), buffers)}, [(1, 2), (1, 3)]


def wish_in(i, space, windows=((1, 17, 21),), minutes=120):
    return ApplicationFacts(i, 100 + i, None, (WishFacts(0, 1, minutes, tuple(Window(d, s * 60, e * 60) for d, s, e in windows), (space,)),))


def no_family_overlap(slots, spaces, shares):
    related = {frozenset(p) for p in shares}
    for a in slots:
        for b in slots:
            if a is not b and a.weekday == b.weekday and (a.space_id == b.space_id or frozenset((a.space_id, b.space_id)) in related):
                buf = max(spaces[a.space_id].buffer_minutes, spaces[b.space_id].buffer_minutes)
                assert not (a.start < b.end + buf and b.start < a.end + buf), (a, b)


def test_a_hall_and_its_halves_never_overlap():
    spaces, shares = family()
    # the hall 17-19 and each half 17-19 cannot all be: the two halves together, or the hall alone
    apps = [wish_in(1, 1, minutes=120), wish_in(2, 2, minutes=120), wish_in(3, 3, minutes=120)]
    r = allocate(apps, spaces, shares=shares)
    no_family_overlap(r.slots, spaces, shares)
    assert len(r.slots) == 2 and {s.space_id for s in r.slots} == {2, 3}  # 17-19 + buffer + 19:30-21:30 does not fit
    assert r.unallocated[0].application_id == 1 and r.unallocated[0].code.startswith("lost_")
    # without the relation all three are placed over each other
    assert len(allocate(apps, spaces).slots) == 3
    # the two halves do not share time with each other: both get the same evening
    r2 = allocate([wish_in(2, 2), wish_in(3, 3)], spaces, shares=shares)
    assert {(s.space_id, s.start) for s in r2.slots} == {(2, 17 * 60), (3, 17 * 60)}


def test_family_with_unequal_buffers_and_groups_of_ids():
    spaces, _ = family(buffers=(60, 0, 0))
    apps = [wish_in(i, 1 if i % 2 else 2, windows=((1, 16, 21),), minutes=60) for i in range(1, 7)]
    r = allocate(apps, spaces, shares=[(1, 2)])
    no_family_overlap(r.slots, spaces, [(1, 2)])
    # a group of ids that all share time (a half and its court under the hall) works the same as its pairs
    r3 = allocate(apps, spaces, shares=[(1, 2, 3)])
    no_family_overlap(r3.slots, spaces, [(1, 2), (1, 3), (2, 3)])


def test_locked_slot_in_the_hall_blocks_its_half_and_the_reason_is_the_taken_time():
    spaces, shares = family()
    locked = [Slot(9, 0, 1, 1, 17 * 60, 21 * 60, True)]
    apps = [wish_in(1, 2), ApplicationFacts(9, 900, None, (WishFacts(0, 1, 240, (Window(1, 17 * 60, 21 * 60),), (1,)),))]
    r = allocate(apps, spaces, locked=locked, shares=shares)
    assert [s for s in r.slots if s.application_id == 1] == []
    assert r.unallocated[0].code == "time_taken"
    # a free half-evening in the half is still found once the hall's locked slot is shorter
    locked2 = [Slot(9, 0, 1, 1, 17 * 60, 18 * 60, True)]
    r2 = allocate(apps, spaces, locked=locked2, shares=shares)
    r2.slots = [s for s in r2.slots if not s.locked]
    assert [(s.space_id, s.start) for s in r2.slots] == [(2, 18 * 60 + 30)]
