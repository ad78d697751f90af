"""Demo volunteers, activities and shifts (part of `flask --app commons demo-data`), and generated
volunteers in bulk for benchmarks (`demo-data --volunteers N`). Safe to run twice: the small demo
is created once; generated volunteers are replaced, not added to."""
from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, insert, select

from commons.db import utcnow, write_transaction
from commons.extensions import db
from commons.models import Facility, Group, User
from commons.timezone import site_tz
from spaces.models import Booking, Space
from volunteers.models import Activity, Shift, ShiftSignup, VolunteerProfile
from volunteers.rules import SKILLS

GENERATED_DOMAIN = "generated.commons.localhost"
DISTRICTS = ["Kallio", "Vallila", "Sörnäinen", "Kontula", "Malmi", "Arabianranta", "Pasila", "Kluuvi", "Herttoniemi", "Vuosaari"]

# email, name, profile (user created when missing; volunteer@commons.localhost comes with the base demo)
VOLUNTEERS = [
    ("volunteer@commons.localhost", "Ville Volunteer", dict(
        skills=["cooking", "language_teaching", "event_setup"], tags=["board games"], languages=["sv", "fi"],
        districts=["Kallio", "Vallila"], availability=[(1, 17 * 60, 21 * 60), (2, 16 * 60, 20 * 60)], max_minutes_per_week=360,
        shared_contact="+358 40 123 4567")),
    ("aada.volunteer@commons.localhost", "Aada Apuna", dict(
        skills=["tutoring", "it_help"], tags=["chess"], languages=["fi", "en"], districts=["Kontula", "Malmi"],
        availability=[(2, 16 * 60, 21 * 60), (5, 10 * 60, 16 * 60)], max_minutes_per_week=240)),
    ("bjorn.volunteer@commons.localhost", "Björn Hjälpare", dict(
        skills=["repair", "cooking"], tags=[], languages=["sv", "en"], districts=["Berghäll", "Sörnäs"],
        availability=[(1, 17 * 60, 22 * 60), (3, 17 * 60, 22 * 60)], max_minutes_per_week=300,
        shared_contact="bjorn.volunteer@commons.localhost")),
    ("leo.volunteer@commons.localhost", "Leo Nuori", dict(
        skills=["sports", "music"], tags=["floorball"], languages=["fi"], districts=["Arabianranta", "Kallio"],
        availability=[(1, 16 * 60, 20 * 60), (5, 9 * 60, 15 * 60)], max_minutes_per_week=180, minor=True)),
]


def _at(day: date, minute: int, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(minute // 60, minute % 60), tzinfo=tz)


def _profile(user_id: int, spec: dict, today: date) -> VolunteerProfile:
    spec = dict(spec)
    minor = spec.pop("minor", False)
    p = VolunteerProfile(
        user_id=user_id, skills=spec["skills"], tags=spec["tags"], languages=spec["languages"], districts=spec["districts"],
        availability=[{"weekday": d, "start": s, "end": e} for d, s, e in spec["availability"]],
        max_minutes_per_week=spec["max_minutes_per_week"], shared_contact=spec.get("shared_contact"), active=True,
    )
    if minor:
        p.date_of_birth = date(today.year - 16, 3, 14)
        p.guardian_name, p.guardian_contact, p.guardian_consent_at = "Liisa Nuori", "+358 50 765 4321", utcnow()
    return p


@write_transaction
def load_demo_volunteers() -> str:
    """A few volunteers with profiles and two activities linked to demo bookings, plus a facility's
    weekly language café: shifts in the coming weeks."""
    from spaces.demo import DEMO_PASSWORD

    if db.session.execute(select(Activity.id).where(Activity.title == "Language café")).first():
        return "Demo volunteers are there already."
    tz = site_tz()
    today = utcnow().astimezone(tz).date()
    users = {u.email: u for u in db.session.execute(select(User).where(User.email.in_([v[0] for v in VOLUNTEERS]))).scalars()}
    profiles = {}
    for email, name, spec in VOLUNTEERS:
        user = users.get(email)
        if user is None:
            user = User(email=email, name=name, role="volunteer")
            user.set_password(DEMO_PASSWORD)
            db.session.add(user)
            db.session.flush()
        existing = db.session.execute(select(VolunteerProfile).where(VolunteerProfile.user_id == user.id)).scalar_one_or_none()
        if existing is None:
            existing = _profile(user.id, spec, today)
            db.session.add(existing)
        profiles[email] = existing
    db.session.flush()

    groups = {g.name: g for g in db.session.execute(select(Group)).scalars()}
    creator = db.session.execute(select(User).where(User.email == "rep@commons.localhost")).scalar_one_or_none()
    made = 0

    def booking(title: str) -> Booking | None:
        return db.session.execute(
            select(Booking).where(Booking.title == title, Booking.start_at > utcnow()).order_by(Booking.start_at).limit(1)
        ).scalar_one_or_none()

    def linked(group_name: str, booking_title: str, title: str, description: str, needed: int, **needs) -> None:
        nonlocal made
        b, g = booking(booking_title), groups.get(group_name)
        if b is None or g is None:
            return
        space = db.session.get(Space, b.space_id)
        facility = db.session.get(Facility, space.facility_id)
        a = Activity(group_id=g.id, booking_id=b.id, title=title, description=description, district=facility.district,
                     place=f"{space.name}, {facility.name}, {facility.address}", created_by_id=creator.id if creator else None)
        a.shifts = [Shift(start_at=b.start_at, end_at=b.end_at, needed=needed, status="open", sequence=0, **needs)]
        db.session.add(a)
        made += 1

    linked("Kallion asukasyhdistys ry", "Lukupiiri", "Reading circle helpers",
           "Help newcomers join the reading circle: welcome people, make coffee, read aloud in easy Finnish.", 2,
           skills=[], languages=["fi"])
    linked("Kontulan Shakkikerho ry", "Shakki-ilta", "Chess for beginners",
           "Teach the basics of chess to children and adults who are new to the game.", 2, skills=["tutoring"], languages=["fi"])

    library = db.session.execute(select(Facility).where(Facility.name == "Kallion kirjasto")).scalar_one_or_none()
    if library is not None:
        cafe = Activity(facility_id=library.id, title="Language café", district=library.district,
                        description="Practise Finnish and Swedish over coffee. Volunteers lead the table talk.",
                        place=f"{library.name}, {library.address}")
        first = today + timedelta(days=(1 - today.weekday()) % 7 or 7)  # next Tuesday
        cafe.shifts = [
            Shift(start_at=_at(first + timedelta(days=7 * w), 17 * 60 + 30, tz), end_at=_at(first + timedelta(days=7 * w), 19 * 60 + 30, tz),
                  needed=2, skills=["language_teaching"], languages=["sv", "fi"], status="open", sequence=0)
            for w in range(4)
        ]
        db.session.add(cafe)
        db.session.flush()
        made += 1
        bjorn = profiles["bjorn.volunteer@commons.localhost"]
        s = cafe.shifts[0]
        db.session.add(ShiftSignup(shift_id=s.id, volunteer_id=bjorn.id, status="confirmed", start_at=s.start_at, end_at=s.end_at))
    return f"Loaded the volunteering demo: {len(VOLUNTEERS)} volunteers (e.g. volunteer@commons.localhost), {made} activities with shifts."


@write_transaction
def generate_volunteers(n: int, seed: int = 7) -> int:
    """n volunteers with varied profiles (users volunteer-N@generated.commons.localhost), inserted in
    bulk (executemany in chunks). Replaces earlier generated volunteers."""
    rng = random.Random(seed)
    now = utcnow()
    old = select(User.id).where(User.email.like(f"%@{GENERATED_DOMAIN}"))
    db.session.execute(delete(VolunteerProfile).where(VolunteerProfile.user_id.in_(old)))
    db.session.execute(delete(User).where(User.email.like(f"%@{GENERATED_DOMAIN}")))
    first = ["Aino", "Eetu", "Helmi", "Onni", "Sofia", "Leo", "Ella", "Elias", "Linnea", "Oliver", "Saga", "Noah", "Ida", "Väinö"]
    last = ["Virtanen", "Korhonen", "Nieminen", "Mäkinen", "Lindholm", "Hämäläinen", "Laine", "Nyström", "Koskinen", "Berg"]
    for lo in range(0, n, 5000):
        rows = [dict(email=f"volunteer-{i + 1}@{GENERATED_DOMAIN}", name=f"{rng.choice(first)} {rng.choice(last)}", role="volunteer",
                     password_hash=None, session_version=1, created_at=now) for i in range(lo, min(n, lo + 5000))]
        db.session.execute(insert(User), rows)
    ids = list(db.session.execute(select(User.id).where(User.email.like(f"%@{GENERATED_DOMAIN}")).order_by(User.id)).scalars())
    languages = ["fi", "sv", "en", "ru", "et", "so", "ar", "fa"]
    rows = []
    for uid in ids:
        windows = []
        for d in rng.sample(range(7), rng.randint(1, 3)):
            s = rng.choice([8, 10, 12, 14, 16, 17, 18]) * 60
            windows.append({"weekday": d, "start": s, "end": min(1440, s + rng.choice([2, 3, 4, 5]) * 60)})
        rows.append(dict(
            user_id=uid, skills=rng.sample(SKILLS, rng.randint(0, 4)), tags=[], languages=["fi"] + rng.sample(languages[1:], rng.randint(0, 2)),
            districts=rng.sample(DISTRICTS, rng.randint(1, 3)), availability=sorted(windows, key=lambda w: (w["weekday"], w["start"])),
            max_minutes_per_week=rng.choice([120, 180, 240, 360, 480]), active=True, created_at=now, updated_at=now,
        ))
        if len(rows) >= 5000:
            db.session.execute(insert(VolunteerProfile), rows)
            rows = []
    if rows:
        db.session.execute(insert(VolunteerProfile), rows)
    return len(ids)
