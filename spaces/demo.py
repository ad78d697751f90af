"""A small, realistic Helsinki demo, and generated bookings in bulk for benchmarks: spaces' part
of `demo-data` (commons.demo; registered by spaces.register_hooks).

Safe to run twice: the demo is created once; generated bookings are replaced, not added to.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, insert, select, text

from commons.db import utcnow, write_transaction
from commons.extensions import db
from commons.models import Facility, FacilityStaff, Group, GroupMember, User
from commons.timezone import site_tz
from spaces.models import Booking, BookingSeries, Closure, OpeningHours, Space, SpaceFeature

DEMO_PASSWORD = "commons-demo"
GENERATED_GROUP = "Generated bookings (benchmark)"
GENERATED_FACILITY = "Generated facility (benchmark)"
GENERATED_SPACES = 40
LAST_DAY_AHEAD = 300  # generated bookings end this many days from today

FACILITIES = [
    # name, district, address, phone, spaces: (name, capacity, accessibility, equipment, rules, hours); the names
    # as a Helsinki demo has them (Finnish; a Swedish-speaking group's in Swedish), descriptions in Finnish and Swedish
    ("Keskustakirjasto Oodi", "Kluuvi", "Töölönlahdenkatu 4, 00100 Helsinki", "+358 9 3108 5000", [
        ("Kuutio", 12, ["step_free_access", "accessible_toilet", "induction_loop", "elevator"],
         ["screen", "whiteboard", "wifi"], dict(buffer_minutes=15, slot_minutes=30, weekly_quota_minutes=480), "library"),
        ("Maijansali", 80, ["step_free_access", "accessible_toilet", "induction_loop", "elevator"],
         ["projector", "sound system", "stage", "wifi"], dict(buffer_minutes=30, slot_minutes=60, requires_approval=True, max_minutes=480), "library"),
    ]),
    ("Kallion kirjasto", "Kallio", "Viides linja 11, 00530 Helsinki", "+358 9 3108 5010", [
        ("Lukupiirihuone", 10, ["step_free_access", "accessible_toilet"], ["whiteboard", "coffee maker"],
         dict(buffer_minutes=0, slot_minutes=30, weekly_quota_minutes=360), "library"),
    ]),
    ("Kontulan nuorisotalo", "Kontula", "Ostostie 4, 00940 Helsinki", "+358 9 3108 9070", [
        ("Bändikämppä", 6, ["step_free_access"], ["drum kit", "amplifiers", "piano"],
         dict(buffer_minutes=15, slot_minutes=60, max_minutes=180, weekly_quota_minutes=360), "youth"),
        ("Kerhohuone", 25, ["step_free_access", "accessible_toilet"], ["kitchenette", "board games", "projector"],
         dict(buffer_minutes=15, slot_minutes=30), "youth"),
    ]),
    ("Arabian peruskoulu", "Arabianranta", "Arabiankatu 6, 00560 Helsinki", "+358 9 3108 6600", [
        ("Liikuntasali", 60, ["step_free_access", "accessible_toilet"], ["floorball goals", "mats", "sound system"],
         dict(buffer_minutes=15, slot_minutes=60, min_minutes=60, max_minutes=180, weekly_quota_minutes=240), "school"),
        ("Kotitalousluokka", 16, ["step_free_access"], ["kitchen", "oven", "dishwasher"],
         dict(buffer_minutes=30, slot_minutes=30, requires_approval=True), "school"),
    ]),
    ("Malmitalo", "Malmi", "Ala-Malmin tori 1, 00700 Helsinki", "+358 9 3108 0800", [
        ("Työpajatila", 20, ["step_free_access", "accessible_toilet", "induction_loop", "elevator"],
         ["sewing machines", "large tables", "sink"], dict(buffer_minutes=15, slot_minutes=30), "culture"),
    ]),
]

HOURS = {  # weekday -> (opens, closes) local time
    "library": {0: ("08:00", "21:00"), 1: ("08:00", "21:00"), 2: ("08:00", "21:00"), 3: ("08:00", "21:00"),
                4: ("08:00", "19:00"), 5: ("10:00", "18:00"), 6: ("10:00", "18:00")},
    "youth": {0: ("14:00", "21:00"), 1: ("14:00", "21:00"), 2: ("14:00", "21:00"), 3: ("14:00", "21:00"),
              4: ("14:00", "22:00"), 5: ("12:00", "18:00")},
    "school": {0: ("17:00", "21:30"), 1: ("17:00", "21:30"), 2: ("17:00", "21:30"), 3: ("17:00", "21:30"),
               4: ("17:00", "21:30"), 5: ("09:00", "16:00"), 6: ("09:00", "16:00")},
    "culture": {0: ("09:00", "21:00"), 1: ("09:00", "21:00"), 2: ("09:00", "21:00"), 3: ("09:00", "21:00"),
                4: ("09:00", "20:00"), 5: ("10:00", "16:00")},
}

GROUPS = [
    ("Kallion asukasyhdistys ry", "association", "Kallio", "123.456", True),
    ("Kontulan Shakkikerho ry", "association", "Kontula", "210.877", True),
    ("Arabiastrandens föräldranätverk", "resident_group", "Arabiastranden", None, True),  # a Swedish-speaking group, its district in Swedish
    ("Malmin neulepiiri", "resident_group", "Malmi", None, False),
]

USERS = [
    # email, name, role, groups, facilities
    ("admin@commons.localhost", "Aino Admin", "admin", [], []),
    ("staff@commons.localhost", "Sami Staff", "staff", [], ["Keskustakirjasto Oodi", "Kallion kirjasto"]),
    ("youth.staff@commons.localhost", "Jenni Youthworker", "staff", [], ["Kontulan nuorisotalo"]),
    ("rep@commons.localhost", "Riikka Representative", "member", ["Kallion asukasyhdistys ry", "Arabiastrandens föräldranätverk"], []),
    ("chess@commons.localhost", "Kalle Chess", "member", ["Kontulan Shakkikerho ry"], []),
    ("knit@commons.localhost", "Maija Knitter", "member", ["Malmin neulepiiri"], []),
    ("volunteer@commons.localhost", "Ville Volunteer", "volunteer", [], []),
]


def _minute(hhmm: str) -> int:
    h, m = hhmm.split(":")
    return int(h) * 60 + int(m)


def _at(day: date, hhmm: str, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time.fromisoformat(hhmm), tzinfo=tz)


@write_transaction
def load_demo_spaces() -> str:
    """The facilities, spaces, groups, users and a few weeks of bookings (commons.demo runs it first)."""
    if db.session.execute(select(Facility).where(Facility.name == FACILITIES[0][0])).first():
        return "Demo data is there already."
    tz = site_tz()
    spaces: dict[str, Space] = {}
    facilities: dict[str, Facility] = {}
    for fname, district, address, phone, space_specs in FACILITIES:
        facility = Facility(name=fname, district=district, address=address, phone=phone)
        db.session.add(facility)
        db.session.flush()
        facilities[fname] = facility
        for sname, capacity, access, equipment, rules, hours in space_specs:
            space = Space(facility_id=facility.id, name=sname, capacity=capacity, timezone=tz.key,
                          description=f"{sname}, {fname}. Maksuton asukasryhmille. – {sname}, {fname}. Avgiftsfri för invånargrupper.",
                          **rules)
            space.opening_hours = [OpeningHours(weekday=d, opens_minute=_minute(o), closes_minute=_minute(c))
                                   for d, (o, c) in HOURS[hours].items()]
            space.features = [SpaceFeature(kind="accessibility", code=c) for c in access] + [
                SpaceFeature(kind="equipment", code=c) for c in equipment]
            db.session.add(space)
            spaces[sname] = space
    groups: dict[str, Group] = {}
    for name, kind, district, reg, verified in GROUPS:
        group = Group(name=name, kind=kind, district=district, registration_number=reg, verified=verified,
                      verified_at=utcnow() if verified else None,
                      description=f"{name}: avoin kaikille alueen asukkaille. – Öppen för alla invånare i området.")
        db.session.add(group)
        groups[name] = group
    db.session.flush()
    for email, name, role, group_names, facility_names in USERS:
        user = User(email=email, name=name, role=role)
        user.set_password(DEMO_PASSWORD)
        db.session.add(user)
        db.session.flush()
        for g in group_names:
            db.session.add(GroupMember(group_id=groups[g].id, user_id=user.id))
        for f in facility_names:
            db.session.add(FacilityStaff(facility_id=facilities[f].id, user_id=user.id))
    db.session.flush()

    # Holiday closures: Independence Day and Christmas, the next ones to come.
    today = utcnow().astimezone(tz).date()
    year = today.year if today <= date(today.year, 12, 26) else today.year + 1
    for space in spaces.values():
        db.session.add(Closure(space_id=space.id, start_at=_at(date(year, 12, 6), "00:00", tz),
                               end_at=_at(date(year, 12, 7), "00:00", tz), reason="Itsenäisyyspäivä – Självständighetsdagen"))
        db.session.add(Closure(space_id=space.id, start_at=_at(date(year, 12, 24), "00:00", tz),
                               end_at=_at(date(year, 12, 27), "00:00", tz), reason="Joulunpyhät – Julhelgerna"))

    # Some bookings in the coming weeks (confirmed and pending), and a weekly series.
    rep = {u.email: u for u in db.session.execute(select(User)).scalars()}
    monday = today + timedelta(days=7 - today.weekday())
    plan = [
        ("Kuutio", "Kallion asukasyhdistys ry", "Hallituksen kokous", 1, "18:00", "20:00", True, "confirmed", "rep@commons.localhost"),
        ("Lukupiirihuone", "Kallion asukasyhdistys ry", "Lukupiiri", 2, "17:00", "18:30", True, "confirmed", "rep@commons.localhost"),
        ("Kerhohuone", "Arabiastrandens föräldranätverk", "Föräldrakväll", 3, "18:00", "20:00", False, "confirmed", "rep@commons.localhost"),
        ("Työpajatila", "Malmin neulepiiri", "Neulotaan joulumyyjäisiin", 1, "10:00", "12:00", True, "pending", "knit@commons.localhost"),
        ("Maijansali", "Kallion asukasyhdistys ry", "Asukasilta", 5, "12:00", "15:00", True, "pending", "rep@commons.localhost"),
    ]
    for space_name, group_name, title, day_offset, s, e, public, status, email in plan:
        day = monday + timedelta(days=day_offset)
        start = _at(day, s, tz)
        end = _at(day, e, tz)
        space = spaces[space_name]
        db.session.add(Booking(space_id=space.id, group_id=groups[group_name].id, title=title, public_title=public,
                               attendees=8, start_at=start, end_at=end,
                               blocked_until=end + timedelta(minutes=space.buffer_minutes),
                               status=status, booked_by_id=rep[email].id))
    chess = groups["Kontulan Shakkikerho ry"]
    studio = spaces["Kerhohuone"]
    series = BookingSeries(space_id=studio.id, group_id=chess.id, rrule="FREQ=WEEKLY;COUNT=8")
    db.session.add(series)
    db.session.flush()
    for week in range(8):
        day = monday + timedelta(days=7 * week + 2)  # Wednesdays
        if date(year, 12, 24) <= day <= date(year, 12, 26) or day == date(year, 12, 6):
            continue
        start, end = _at(day, "17:00", tz), _at(day, "19:00", tz)
        db.session.add(Booking(space_id=studio.id, group_id=chess.id, series_id=series.id, title="Shakki-ilta",
                               public_title=True, attendees=14, start_at=start, end_at=end,
                               blocked_until=end + timedelta(minutes=studio.buffer_minutes),
                               status="confirmed", booked_by_id=rep["chess@commons.localhost"].id))
    return (f"Loaded the Helsinki demo: {len(facilities)} facilities, {len(spaces)} spaces, {len(groups)} groups, "
            f"{len(USERS)} users (password '{DEMO_PASSWORD}', e.g. rep@commons.localhost, staff@commons.localhost, "
            "admin@commons.localhost).")


@write_transaction
def generate_bookings(n: int) -> int:
    """n bookings on GENERATED_SPACES spaces of a generated facility, 4 a day per space (09-11,
    12-14, 15-17, 18-20 local) on consecutive days ending LAST_DAY_AHEAD days from today, inserted
    in bulk (executemany in chunks). Replaces earlier generated bookings."""
    tz = site_tz()
    facility = db.session.execute(select(Facility).where(Facility.name == GENERATED_FACILITY)).scalar_one_or_none()
    if facility is None:
        facility = Facility(name=GENERATED_FACILITY, district="Pasila", address="Generated street 1, 00520 Helsinki")
        db.session.add(facility)
        db.session.flush()
    group = db.session.execute(select(Group).where(Group.name == GENERATED_GROUP)).scalar_one_or_none()
    if group is None:
        group = Group(name=GENERATED_GROUP, kind="association", district="Pasila", verified=True, verified_at=utcnow())
        db.session.add(group)
        db.session.flush()
    space_ids = list(db.session.execute(select(Space.id).where(Space.facility_id == facility.id).order_by(Space.id)).scalars())
    for k in range(len(space_ids), GENERATED_SPACES):
        space = Space(facility_id=facility.id, name=f"Generated room {k + 1:02d}", capacity=10 + k, timezone=tz.key,
                      buffer_minutes=0, slot_minutes=60, min_minutes=60, max_minutes=180, horizon_days=365)
        space.opening_hours = [OpeningHours(weekday=d, opens_minute=8 * 60, closes_minute=22 * 60) for d in range(7)]
        space.features = [SpaceFeature(kind="accessibility", code="step_free_access")]
        db.session.add(space)
        db.session.flush()
        space_ids.append(space.id)
    db.session.execute(delete(Booking).where(Booking.group_id == group.id))
    slots = [("09:00", "11:00"), ("12:00", "14:00"), ("15:00", "17:00"), ("18:00", "20:00")]
    per_space = -(-n // len(space_ids))
    # The newest day is LAST_DAY_AHEAD days ahead (inside the generated spaces' 365-day horizon), so
    # feeds, availability and searches of the coming months meet generated bookings at any n; a
    # larger n reaches further into the past, as a city's history does.
    first_day = utcnow().astimezone(tz).date() + timedelta(days=LAST_DAY_AHEAD) - timedelta(days=-(-per_space // len(slots)) - 1)
    now = utcnow()
    # Local wall-clock times computed once per (day, slot); the same for every space.
    rows: list[dict] = []
    made = 0
    for i in range(per_space):
        day = first_day + timedelta(days=i // len(slots))
        s, e = slots[i % len(slots)]
        start, end = _at(day, s, tz), _at(day, e, tz)
        for sid in space_ids:
            if made >= n:
                break
            rows.append(dict(space_id=sid, group_id=group.id, title="Generated booking", public_title=False,
                             attendees=5, start_at=start, end_at=end, blocked_until=end, status="confirmed",
                             on_behalf=False, sequence=0, created_at=now, updated_at=now))
            made += 1
            if len(rows) >= 10000:
                db.session.execute(insert(Booking), rows)
                rows = []
    if rows:
        db.session.execute(insert(Booking), rows)
    # Fresh planner statistics: right after a bulk load PostgreSQL still believes the table is
    # small and answered a week's availability by walking every booking of the space through the
    # exclusion constraint's GiST index (5 472 rows filtered at N=220k, EXPLAIN ANALYZE) instead of
    # the (space_id, start_at, blocked_until) range; autovacuum would fix it only later.
    db.session.execute(text("ANALYZE bookings"))
    return made
