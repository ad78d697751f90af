"""A Hypothesis state machine over the booking use cases (spaces.services) on the real database.

Random sequences of: booking once or as a weekly/daily series (on_conflict reject or skip), by a
verified group's representative, an unverified group's (pending requests), the facility's staff
(on behalf) or an outsider; cancelling one date or the rest of a series; moving a date; approving
and rejecting requests; closing a space for a time. The dates lie around the clock changes (the
last Sundays of March and October 2027) and the times lean towards the skipped/repeated hour.

After every step, read back from the database:
- no two active bookings of a space overlap, changeover buffer included;
- every active booking lies within the opening hours, by the local wall clock;
- all dates of a series start and end at the same local wall-clock time (a moved date: its original);
and for every step: a refused request (ApiError) changed nothing at all, and an accepted one
changed exactly what it said (the other rows are as they were); a new booking never overlaps a
closure that existed when it was made.

Bounded: STATE_MACHINE_EXAMPLES runs (default 20) of up to 25 steps, derandomized.
"""
from __future__ import annotations

import os
from collections import Counter
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, initialize, invariant, multiple, rule, run_state_machine_as_test
from sqlalchemy import select, text

from commons.errors import ApiError
from commons.extensions import db
from commons.models import Facility, FacilityStaff, Group, GroupMember, User
from spaces import services
from spaces.models import ACTIVE_STATUSES, Booking, BookingSeries, Closure, OpeningHours, Space
from spaces.schemas import BookingIn

HEL = ZoneInfo("Europe/Helsinki")
UTC = timezone.utc
NOW = datetime(2027, 3, 1, 8, 0, tzinfo=UTC)  # services take `now`: a fixed clock
EXAMPLES = int(os.environ.get("STATE_MACHINE_EXAMPLES", "20"))

# Days around the spring change (Sun 28 Mar 2027: 03:00 -> 04:00) and the autumn one
# (Sun 31 Oct 2027: 04:00 -> 03:00), starting a week before so that series cross them.
DAYS = [date(2027, 3, 21) + timedelta(days=i) for i in range(10)] + [date(2027, 10, 24) + timedelta(days=i) for i in range(10)]
# Minutes of the day, half-hourly, with extra weight on 02:00-05:00 (around the changing hour).
START_MINUTE = st.one_of(st.integers(0, 47).map(lambda n: 30 * n), st.integers(4, 10).map(lambda n: 30 * n))

# Space "hall": open on weekdays 08-22, Saturdays 10-18, Sundays 02:00-06:00 (across the changing
# hour) and 17-22; 30 min grid, 30 min changeover. Space "studio": open round the clock, 15 min
# grid, no buffer, every booking is a request that staff approve.
SPACES = {
    "hall": dict(
        hours={**{d: [(8 * 60, 22 * 60)] for d in range(5)}, 5: [(10 * 60, 18 * 60)], 6: [(2 * 60, 6 * 60), (17 * 60, 22 * 60)]},
        buffer_minutes=30, slot_minutes=30, min_minutes=30, max_minutes=240, requires_approval=False,
    ),
    "studio": dict(
        hours={d: [(0, 1440)] for d in range(7)},
        buffer_minutes=0, slot_minutes=15, min_minutes=15, max_minutes=300, requires_approval=True,
    ),
}
# Mostly people who may act (the representative, staff), sometimes those who may not.
WHO = st.sampled_from(["rep", "rep", "staff", "staff", "unverified_rep", "outsider"])
OUTCOMES: Counter = Counter()  # (use case, "accepted" or "refused") over the whole run


def _wipe() -> None:
    db.session.remove()
    with db.engine.begin() as conn:
        for table in reversed(db.metadata.sorted_tables):
            conn.execute(table.delete())


def _seed() -> dict:
    facility = Facility(name="Hall house", district="Kallio", address="Street 1, Helsinki")
    db.session.add(facility)
    db.session.flush()
    spaces = {}
    for name, spec in SPACES.items():
        spec = dict(spec)
        hours = spec.pop("hours")
        space = Space(facility_id=facility.id, name=name, capacity=20, timezone="Europe/Helsinki", horizon_days=400,
                      weekly_quota_minutes=None, **spec)
        space.opening_hours = [OpeningHours(weekday=d, opens_minute=o, closes_minute=c) for d, spans in hours.items() for o, c in spans]
        space.features = []
        db.session.add(space)
        db.session.flush()
        spaces[name] = space.id
    verified = Group(name="Verified", kind="association", district="Kallio", verified=True)
    unverified = Group(name="Unverified", kind="resident_group", district="Kallio", verified=False)
    db.session.add_all([verified, unverified])
    db.session.flush()
    users = {}
    for who, role in (("rep", "member"), ("unverified_rep", "member"), ("staff", "staff"), ("outsider", "member")):
        user = User(email=f"{who}@example.fi", name=who, role=role)
        db.session.add(user)
        db.session.flush()
        users[who] = user.id
    db.session.add_all([
        GroupMember(group_id=verified.id, user_id=users["rep"]),
        GroupMember(group_id=unverified.id, user_id=users["unverified_rep"]),
        FacilityStaff(facility_id=facility.id, user_id=users["staff"]),
    ])
    db.session.commit()
    return {"spaces": spaces, "groups": {"verified": verified.id, "unverified": unverified.id}, "users": users}


def _snapshot() -> dict:
    """Everything a booking use case may write, as plain values."""
    db.session.expire_all()
    bookings = {
        b.id: (b.space_id, b.group_id, b.series_id, b.status, _utc(b.start_at), _utc(b.end_at), _utc(b.blocked_until), b.sequence,
               b.original_start and _utc(b.original_start))
        for b in db.session.execute(select(Booking)).scalars()
    }
    series = set(db.session.execute(select(BookingSeries.id)).scalars())
    closures = {c.id: (c.space_id, _utc(c.start_at), _utc(c.end_at)) for c in db.session.execute(select(Closure)).scalars()}
    names = sorted(db.metadata.tables)
    counts = dict(zip(names, db.session.execute(text("SELECT " + ", ".join(f"(SELECT count(*) FROM {n})" for n in names))).one()))
    db.session.rollback()  # end the read transaction: the next use case starts its own
    return {"bookings": bookings, "series": series, "closures": closures, "rows": counts}


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def rules_localize(naive: datetime) -> datetime | None:
    from spaces.rules import localize

    return localize(naive, HEL)


def _local_naive(day: date, minute: int) -> datetime:
    return datetime.combine(day, time(0)) + timedelta(minutes=minute)


class BookingMachine(RuleBasedStateMachine):
    bookings = Bundle("bookings")

    def __init__(self, app):
        super().__init__()
        self._ctx = app.app_context()
        self._ctx.push()
        _wipe()
        self.world = _seed()
        self._last: dict | None = None  # the database as last read (only this machine writes to it)

    def teardown(self):
        db.session.remove()
        self._ctx.pop()

    # --- helpers ------------------------------------------------------------------------------

    def state(self) -> dict:
        if self._last is None:
            self._last = _snapshot()
        return self._last

    def actor(self, who: str) -> User:
        return db.session.get(User, self.world["users"][who])

    def attempt(self, name, call, *, allowed_changes):
        """Run a use case. Refused: nothing changed. Accepted: only `allowed_changes(before, result)`
        booking ids changed, and nothing else but new rows the use case names."""
        before = self.state()
        try:
            result = call()
        except ApiError as exc:
            assert 400 <= exc.status < 500
            OUTCOMES[(name, "refused")] += 1
            after = self._last = _snapshot()
            assert after == before, f"a refused request ({exc.code}: {exc.message}) changed the database"
            return None
        OUTCOMES[(name, "accepted")] += 1
        after = self._last = _snapshot()
        changed = set(allowed_changes(before, result))
        for bid, row in before["bookings"].items():
            if bid not in changed:
                assert after["bookings"][bid] == row, f"booking {bid} changed though the use case did not touch it"
        return before, after, result

    # --- rules --------------------------------------------------------------------------------

    @initialize(target=bookings)
    def some_bookings(self):
        """A weekly series in the hall across the spring change (Tuesdays 18-20, from 23 March),
        and a request in the studio, so that cancel, move and decide have something from step one."""
        rep, tuesday = self.actor("rep"), date(2027, 3, 23)
        hall = services.create_booking(rep, BookingIn(
            space_id=self.world["spaces"]["hall"], group_id=self.world["groups"]["verified"], title="Weekly",
            start=_local_naive(tuesday, 18 * 60), end=_local_naive(tuesday, 20 * 60), rrule="FREQ=WEEKLY;COUNT=4"), now=NOW)
        studio = services.create_booking(rep, BookingIn(
            space_id=self.world["spaces"]["studio"], group_id=self.world["groups"]["verified"], title="Request",
            start=_local_naive(date(2027, 3, 28), 2 * 60), end=_local_naive(date(2027, 3, 28), 5 * 60)), now=NOW)
        assert hall.status == "confirmed" and len(hall.booked) == 4 and studio.status == "pending"
        self._last = None
        return multiple(*[i for i, _, _ in hall.booked + studio.booked])

    SERIES = st.one_of(st.none(), st.none(), st.tuples(st.sampled_from(["WEEKLY", "DAILY"]), st.integers(2, 6)))

    @rule(
        target=bookings,
        space=st.sampled_from(sorted(SPACES)),
        who=WHO,
        group=st.sampled_from(["verified", "unverified"]),
        day=st.sampled_from(DAYS),
        start_minute=START_MINUTE,
        slots=st.integers(1, 8),
        series=SERIES,
        on_conflict=st.sampled_from(["reject", "skip"]),
    )
    def book(self, space, who, group, day, start_minute, slots, series, on_conflict):
        start = _local_naive(day, start_minute)
        return self._book(space, who, group, start, start + timedelta(minutes=SPACES[space]["slot_minutes"] * slots), series, on_conflict)

    @rule(
        target=bookings,
        near=bookings,
        who=WHO,
        group=st.sampled_from(["verified", "unverified"]),
        after=st.booleans(),
        gap_slots=st.sampled_from([0, 0, 0, 1, -1, 2]),  # mostly touching: the buffer decides
        slots=st.integers(1, 4),
        series=SERIES,
        on_conflict=st.sampled_from(["reject", "skip"]),
    )
    def book_next_to(self, near, who, group, after, gap_slots, slots, series, on_conflict):
        """Right before or after another booking: where the changeover buffer decides."""
        row = self.state()["bookings"][near]
        space = self._space_name(row[0])
        slot = timedelta(minutes=SPACES[space]["slot_minutes"])
        if after:
            start = row[5].astimezone(HEL).replace(tzinfo=None) + gap_slots * slot
            end = start + slots * slot
        else:
            end = row[4].astimezone(HEL).replace(tzinfo=None) - gap_slots * slot
            start = end - slots * slot
        if rules_localize(start) is None or rules_localize(end) is None:
            return multiple()  # a time the clocks skip: the refusal is tested elsewhere
        return self._book(space, who, group, start, end, series, on_conflict, name="book_next_to")

    def _book(self, space, who, group, start, end, series, on_conflict, name="book"):
        # A representative books for their own group; staff and the outsider for either.
        group = {"rep": "verified", "unverified_rep": "unverified"}.get(who, group)
        space_id = self.world["spaces"][space]
        rrule = f"FREQ={series[0]};COUNT={series[1]}" if series else None
        data = BookingIn(space_id=space_id, group_id=self.world["groups"][group], title="Meeting", start=start, end=end,
                         rrule=rrule, on_conflict=on_conflict)
        closures_before = [(s, e) for sid, s, e in self.state()["closures"].values() if sid == space_id]
        outcome = self.attempt(name, lambda: services.create_booking(self.actor(who), data, now=NOW),
                               allowed_changes=lambda before, result: [])
        if outcome is None:
            return multiple()
        before, after, result = outcome
        new_ids = set(after["bookings"]) - set(before["bookings"])
        assert new_ids == {i for i, _, _ in result.booked} and new_ids
        expected_status = "confirmed" if who == "staff" or (group == "verified" and not SPACES[space]["requires_approval"]) else "pending"
        for bid in new_ids:
            row = after["bookings"][bid]
            assert row[3] == expected_status == result.status
            for c_start, c_end in closures_before:  # never booked over a closure
                assert not (row[4] < c_end and c_start < row[5]), (row, c_start, c_end)
            # every date at the local wall-clock time asked for
            assert row[4].astimezone(HEL).time() == start.time() and row[5].astimezone(HEL).time() == end.time()
        if rrule is None:
            assert len(new_ids) == 1 and not result.skipped
        else:
            assert len(new_ids) + len(result.skipped) == series[1]
            if on_conflict == "reject":
                assert not result.skipped
        return multiple(*sorted(new_ids))

    @rule(booking=bookings, who=WHO, scope=st.sampled_from(["one", "series"]))
    def cancel(self, booking, who, scope):
        outcome = self.attempt("cancel", lambda: services.cancel_booking(self.actor(who), booking, scope=scope, now=NOW),
                               allowed_changes=lambda before, result: [b.id for b in result])
        if outcome:
            _before, after, result = outcome
            assert result and all(after["bookings"][b.id][3] == "cancelled" for b in result)
            assert booking in {b.id for b in result} or scope == "series"

    @rule(booking=bookings, who=WHO, approve=st.booleans(), scope=st.sampled_from(["one", "series"]))
    def decide(self, booking, who, approve, scope):
        outcome = self.attempt("decide", lambda: services.decide(self.actor(who), booking, approve, "ok", scope=scope, now=NOW),
                               allowed_changes=lambda before, result: [b.id for b in result])
        if outcome:
            before, after, result = outcome
            assert who == "staff"
            for b in result:
                assert before["bookings"][b.id][3] == "pending"
                assert after["bookings"][b.id][3] == ("confirmed" if approve else "rejected")

    @rule(booking=bookings, who=WHO, day=st.sampled_from(DAYS), start_minute=START_MINUTE, slots=st.integers(1, 8))
    def move(self, booking, who, day, start_minute, slots):
        row = self.state()["bookings"][booking]
        space = next(name for name, sid in self.world["spaces"].items() if sid == row[0])
        start = _local_naive(day, start_minute)
        end = start + timedelta(minutes=SPACES[space]["slot_minutes"] * slots)
        closures_before = [(s, e) for sid, s, e in self.state()["closures"].values() if sid == row[0]]
        outcome = self.attempt("move", lambda: services.move_booking(self.actor(who), booking, start, end, now=NOW),
                               allowed_changes=lambda before, result: [booking])
        if outcome:
            before, after, _result = outcome
            new = after["bookings"][booking]
            assert new[7] == before["bookings"][booking][7] + 1  # SEQUENCE grows
            assert new[8] == (before["bookings"][booking][8] or before["bookings"][booking][4])  # first original start kept
            local = new[4].astimezone(HEL)
            assert (local.date(), local.hour * 60 + local.minute) == (day, start_minute)
            for c_start, c_end in closures_before:
                assert not (new[4] < c_end and c_start < new[5])

    @rule(space=st.sampled_from(sorted(SPACES)), who=WHO, day=st.sampled_from(DAYS),
          start_minute=START_MINUTE, hours=st.integers(1, 6))
    def close(self, space, who, day, start_minute, hours):
        start = _local_naive(day, start_minute)
        end = start + timedelta(hours=hours)
        outcome = self.attempt(
            "close",
            lambda: services.add_closure(self.actor(who), self.world["spaces"][space], start, end, "Repairs"),
            allowed_changes=lambda before, result: [],
        )
        if outcome:
            before, after, (closure, affected) = outcome
            assert who == "staff"
            assert set(after["closures"]) - set(before["closures"]) == {closure.id}

    # --- invariants ---------------------------------------------------------------------------

    @invariant()
    def database_invariants(self):
        rows = self.state()["bookings"].values()
        self.no_active_bookings_overlap(rows)
        self.active_bookings_lie_in_opening_hours(rows)
        self.a_series_keeps_its_local_wall_clock_time(rows)

    def no_active_bookings_overlap(self, rows):
        active = sorted(
            (space_id, start, end, blocked)
            for space_id, _g, _s, status, start, end, blocked, _seq, _orig in rows
            if status in ACTIVE_STATUSES
        )
        for (sa, a_start, a_end, a_blocked), (sb, b_start, b_end, _b_blocked) in zip(active, active[1:]):
            if sa != sb:
                continue
            buffer = timedelta(minutes=SPACES[self._space_name(sa)]["buffer_minutes"])
            assert a_blocked == a_end + buffer
            assert b_start >= a_end + buffer, ("overlap", a_start, a_end, b_start, b_end)

    def active_bookings_lie_in_opening_hours(self, rows):
        for space_id, _g, _s, status, start, end, _b, _seq, _orig in rows:
            if status not in ACTIVE_STATUSES:
                continue
            ls, le = start.astimezone(HEL), end.astimezone(HEL)
            s_min = ls.hour * 60 + ls.minute
            e_min = (le.date() - ls.date()).days * 1440 + le.hour * 60 + le.minute
            spans = SPACES[self._space_name(space_id)]["hours"].get(ls.weekday(), [])
            assert any(o <= s_min and e_min <= c for o, c in spans), ("outside opening hours", ls, le, spans)

    def a_series_keeps_its_local_wall_clock_time(self, rows):
        starts: dict[int, set] = {}
        ends: dict[int, set] = {}
        for _sp, _g, series_id, _st, start, end, _b, _seq, original in rows:
            if series_id is None:
                continue
            # a moved date has its own time now; its original start still belongs to the series
            starts.setdefault(series_id, set()).add((original or start).astimezone(HEL).time())
            if original is None:
                ls, le = start.astimezone(HEL), end.astimezone(HEL)
                ends.setdefault(series_id, set()).add((le.time(), (le.date() - ls.date()).days))
        for series_id in starts:
            assert len(starts[series_id]) == 1 and len(ends.get(series_id, [None])) == 1, (
                "series left its local time", series_id, starts[series_id], ends.get(series_id))

    def _space_name(self, space_id: int) -> str:
        return next(name for name, sid in self.world["spaces"].items() if sid == space_id)


@pytest.mark.fuzz
def test_booking_use_cases_keep_their_invariants(app):
    OUTCOMES.clear()
    run_state_machine_as_test(
        lambda: BookingMachine(app),
        settings=settings(
            max_examples=EXAMPLES,
            stateful_step_count=25,
            derandomize=True,
            database=None,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        ),
    )
    # The runs reached every use case both ways (not only refusals, not only the happy path).
    for name in ("book", "book_next_to", "cancel", "decide", "move", "close"):
        assert OUTCOMES[(name, "accepted")] and OUTCOMES[(name, "refused")], OUTCOMES
    print(f"state machine: {dict(sorted(OUTCOMES.items()))}")
