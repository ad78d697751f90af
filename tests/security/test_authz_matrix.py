"""Who may do what: every endpoint of the app (every rule and method in `app.url_map`: the API under
/api/v1, the pages, the feeds and the forms' POST routes) against every role.

Roles: anonymous, a volunteer, a representative of group A, of group B, staff of facility X, staff of
facility Y, an administrator. Group A books in facility X's room, group B in facility Y's; every object in
a URL (booking, group, space, facility, closure, activity, shift, sign-up, user) belongs to group A or
facility X, so the B and Y roles exercise the object-level checks.

For each (method, rule, role) the table gives the exact answer: the success status when allowed, the exact
401/403/404 (or the sign-in redirect, `LOGIN`, for pages) when refused. A refusal (anything but a success)
must change nothing in the database. `test_every_rule_has_a_row` fails when a rule of `app.url_map` has no
row, so a new endpoint cannot be added without deciding who may use it.

Speed: the world is built once per module and saved; after each request that changed the database it is
put back as saved (rows deleted and inserted again), so each role meets the same world.
"""
from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from types import SimpleNamespace
from typing import Any, Callable
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import insert, select, text

from commons.extensions import db
from commons.models import ApiToken, Facility, FacilityStaff, Group, GroupMember, SchedulerHeartbeat, User
from spaces.models import Booking, BookingSeries, Closure, OpeningHours, Space, WaitlistEntry
from tests.conftest import PASSWORD, Api, EnglishClient
from volunteers.models import HoursCertificate, Shift, ShiftSignup, VolunteerCredential

HEL = ZoneInfo("Europe/Helsinki")
ROLES = ("anon", "volunteer", "member_a", "member_b", "staff_x", "staff_y", "admin")
SIGNED_IN = ROLES[1:]
EMAILS = {
    "volunteer": "vilja@example.fi", "member_a": "aili@example.fi", "member_b": "bertil@example.fi",
    "staff_x": "xenia@example.fi", "staff_y": "yrjo@example.fi", "admin": "ada@example.fi",
}
SPARE = "spare@example.fi"  # a signed-up member without a group: the one made representative or staff
SECRETS = ("Alpha secret plan", "Alpha pending plan", "X pipes", "Cecilia Counter")  # group A's / facility X's private text
LOGIN = "login"  # a page answered with the redirect to sign in


# The same check over every route, page, code or role: clock-independent, so CI's clock lanes leave it out.
pytestmark = pytest.mark.sweep


class Same(int):
    """A success status (usually a redirect back with a message) that must change nothing."""


# --- The world -----------------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _clean_database():
    """Overrides conftest's (which empties every table after each test): this module keeps one world,
    put back after each change by `World.restore`, and empties the tables once at the end."""
    yield


@pytest.fixture(autouse=True)
def _saved_world(request):
    """Each test starts from the saved world (a test that changed it and stopped early leaves it changed)."""
    if "w" in request.fixturenames:
        w = request.getfixturevalue("w")
        if w.snapshot() != w.saved:
            w.restore()
    yield


def _tables():
    return list(db.metadata.sorted_tables)


def _truncate(app):
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(text("TRUNCATE " + ", ".join(t.name for t in _tables()) + " RESTART IDENTITY CASCADE"))
            else:
                for t in reversed(_tables()):
                    conn.execute(t.delete())


def _ics(day: date) -> bytes:
    end = day + timedelta(days=1)
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nBEGIN:VEVENT\r\nUID:matrix-1@t\r\n"
        f"DTSTAMP:20260101T000000Z\r\nDTSTART;VALUE=DATE:{day:%Y%m%d}\r\nDTEND;VALUE=DATE:{end:%Y%m%d}\r\n"
        "SUMMARY:Painting\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    ).encode()


class World(SimpleNamespace):
    app: Any

    def snapshot(self) -> dict[str, str]:
        """Every row of every table (ordered by primary key) as JSON text, in one query; the column that only
        says when a token was last used is left out."""
        with self.app.app_context():
            with db.engine.connect() as conn:
                if conn.dialect.name == "postgresql":  # one round trip: every table as one JSON text
                    parts = [
                        f"(SELECT coalesce(jsonb_agg(to_jsonb(t) - 'last_used_at' ORDER BY "
                        + ", ".join(f"t.{c.name}" for c in t.primary_key.columns) + f")::text, '') FROM {t.name} t)"
                        for t in _tables()
                    ]
                else:
                    parts = [
                        "(SELECT coalesce(json_group_array(json_array("
                        + ", ".join(f'"{c.name}"' for c in t.columns if c.name != "last_used_at")
                        + f')), \'\') FROM (SELECT * FROM "{t.name}" ORDER BY '
                        + ", ".join(f'"{c.name}"' for c in t.primary_key.columns) + "))"
                        for t in _tables()
                    ]
                row = conn.execute(text("SELECT " + ", ".join(parts))).one()
            db.session.remove()
            return {t.name: v for t, v in zip(_tables(), row)}

    def saved_rows(self) -> None:
        with self.app.app_context():
            with db.engine.connect() as conn:
                self.rows = {t.name: [dict(r._mapping) for r in conn.execute(select(t).order_by(*t.primary_key.columns))]
                             for t in _tables()}
            db.session.remove()
        self.saved = self.snapshot()

    def restore(self) -> None:
        with self.app.app_context():
            db.session.remove()
            with db.engine.begin() as conn:
                for t in reversed(_tables()):
                    conn.execute(t.delete())
                for t in _tables():
                    if self.rows[t.name]:
                        conn.execute(insert(t), self.rows[t.name])
            db.session.remove()
        limiter = self.app.extensions.get("limiter")
        for one in limiter if isinstance(limiter, (set, list, tuple)) else [limiter] if limiter else []:
            one.reset()


def _user(role, email, name, groups=(), facilities=()):
    user = User(email=email, name=name, role=role)
    user.set_password(PASSWORD)
    db.session.add(user)
    db.session.flush()
    for g in groups:
        db.session.add(GroupMember(group_id=g, user_id=user.id))
    for f in facilities:
        db.session.add(FacilityStaff(facility_id=f, user_id=user.id))
    token = ApiToken.generate()
    db.session.add(ApiToken(user_id=user.id, token_hash=ApiToken.hash(token)))
    db.session.flush()
    return user.id, token


def _booking(space, group, start, hours, title, status="confirmed"):
    b = Booking(space_id=space, group_id=group, title=title, public_title=False, attendees=5, start_at=start,
                end_at=start + timedelta(hours=hours), blocked_until=start + timedelta(hours=hours), status=status)
    db.session.add(b)
    db.session.flush()
    return b.id


@pytest.fixture(scope="module")
def w(app):
    _truncate(app)
    ns = World(app=app)
    today = datetime.now(HEL).date()
    # a day ten days ahead at 10:00 local time: group A's booking 10-14, its activity's shift 11-12
    ns.day = today + timedelta(days=10)
    start = datetime.combine(ns.day, datetime.min.time().replace(hour=10), HEL).astimezone(timezone.utc)
    now = datetime.now(timezone.utc).replace(second=0, microsecond=0)
    with app.app_context():
        fx, fy = Facility(name="X House", district="Kallio", address="X street 1"), Facility(name="Y House", district="Vallila", address="Y street 1")
        ga, gb = Group(name="Alpha Knitters", kind="association", district="Kallio", verified=True), \
            Group(name="Beta Chess", kind="association", district="Vallila", verified=True)
        gn = Group(name="Alpha Juniors", kind="resident_group", district="Kallio", verified=False)
        db.session.add_all([fx, fy, ga, gb, gn])
        db.session.flush()
        ns.fx, ns.fy, ns.ga, ns.gb, ns.gn = fx.id, fy.id, ga.id, gb.id, gn.id
        for key, fac, name in (("sx", fx, "X room"), ("sy", fy, "Y room")):
            s = Space(facility_id=fac.id, name=name, capacity=20, timezone="Europe/Helsinki", buffer_minutes=0, min_minutes=30,
                      max_minutes=480, slot_minutes=30, horizon_days=400, weekly_quota_minutes=None, requires_approval=False)
            s.opening_hours = [OpeningHours(weekday=d, opens_minute=0, closes_minute=1440) for d in range(7)]
            db.session.add(s)
            db.session.flush()
            setattr(ns, key, s.id)
        ns.users, ns.tokens = {}, {}
        for role, kind, name, groups, facilities in (
            ("volunteer", "volunteer", "Vilja Volunteer", (), ()),
            ("member_a", "member", "Aili Alpha", (ns.ga, ns.gn), ()),
            ("member_b", "member", "Bertil Beta", (ns.gb,), ()),
            ("staff_x", "staff", "Xenia Staff", (), (ns.fx,)),
            ("staff_y", "staff", "Yrjö Staff", (), (ns.fy,)),
            ("admin", "admin", "Ada Admin", (), ()),
        ):
            ns.users[role], ns.tokens[role] = _user(kind, EMAILS[role], name, groups, facilities)
        ns.spare, _t = _user("member", SPARE, "Spare Person")
        ns.ba = _booking(ns.sx, ns.ga, start, 4, "Alpha secret plan")
        ns.pend_a = _booking(ns.sx, ns.ga, start + timedelta(days=1), 2, "Alpha pending plan", status="pending")
        ns.past_a = _booking(ns.sx, ns.ga, now.replace(minute=0) - timedelta(days=1), 2, "Alpha past")
        ns.bb = _booking(ns.sy, ns.gb, start, 2, "Beta secret plan")
        # waiting lists and check-in: an offer to group A, group A in line, a booking of A starting in 5 minutes
        ns.offer_a = _booking(ns.sx, ns.ga, start + timedelta(days=2, hours=5), 2, "Alpha offer", status="offered")
        db.session.get(Booking, ns.offer_a).offer_expires_at = start + timedelta(days=1)
        entry = WaitlistEntry(space_id=ns.sx, group_id=ns.ga, title="Alpha waits", attendees=3, status="waiting",
                              start_at=start + timedelta(days=3), end_at=start + timedelta(days=3, hours=2))
        db.session.add(entry)
        db.session.flush()
        ns.wl_a = entry.id
        ns.now_a = _booking(ns.sx, ns.ga, now + timedelta(minutes=5), 1, "Alpha now")
        # a series of group A asked to confirm the rest (two dates in a row released)
        series = BookingSeries(space_id=ns.sx, group_id=ns.ga, rrule="FREQ=WEEKLY;COUNT=2", confirm_asked_at=now)
        db.session.add(series)
        db.session.flush()
        ns.ser_a = series.id
        # a booking staff of X made for a person at the counter (X's counter group; the contact is X's staff's only)
        counter = Group(name="Counter X", kind="counter", district="Kallio", verified=True, counter_facility_id=ns.fx)
        db.session.add(counter)
        db.session.flush()
        ns.counter_x = _booking(ns.sx, counter.id, start + timedelta(days=8), 1, "Counter booking")
        booking = db.session.get(Booking, ns.counter_x)
        booking.contact_name, booking.contact_phone, booking.on_behalf = "Cecilia Counter", "040 111 2222", True
        c = Closure(space_id=ns.sx, start_at=start + timedelta(days=5), end_at=start + timedelta(days=6), reason="X pipes")
        db.session.add(c)
        db.session.commit()
        ns.cx = c.id
    api = {role: Api(app.test_client(), ns.tokens[role]) for role in SIGNED_IN}
    vol = api["volunteer"]
    r = vol.client.put("/api/v1/volunteers/me", headers=vol._headers(), json={
        "skills": ["cooking"], "languages": ["fi"], "districts": ["Kallio"], "max_hours_per_week": 10,
        "availability": [{"weekday": ns.day.weekday(), "start": "08:00", "end": "22:00"}], "shared_contact": "040 1234"})
    assert r.status_code == 200, r.get_json()
    ns.vp = r.get_json()["id"]
    r = api["member_a"].post("/activities", {"group_id": ns.ga, "title": "Alpha café", "description": "Coffee", "booking_id": ns.ba})
    assert r.status_code == 201, r.get_json()
    ns.act = r.get_json()["id"]
    for key, (a, b) in (("a1", ("11:00", "12:00")), ("a2", ("12:00", "13:00"))):
        r = api["member_a"].post(f"/activities/{ns.act}/shifts", {"start": f"{ns.day}T{a}", "end": f"{ns.day}T{b}", "needed": 3})
        assert r.status_code == 201, r.get_json()
        setattr(ns, key, r.get_json()["id"])
    r = vol.post(f"/shifts/{ns.a1}/signup")
    assert r.status_code == 200 and r.get_json()["status"] == "confirmed", r.get_json()
    with app.app_context():
        ns.su = db.session.execute(select(ShiftSignup.id).where(ShiftSignup.shift_id == ns.a1)).scalar_one()
        # a shift of activity A that started an hour ago, the volunteer confirmed on it (for attendance)
        sh = Shift(activity_id=ns.act, start_at=now - timedelta(hours=1), end_at=now + timedelta(hours=1), needed=2,
                   skills=[], languages=[], status="open")
        db.session.add(sh)
        db.session.flush()
        su = ShiftSignup(shift_id=sh.id, volunteer_id=ns.vp, status="confirmed", start_at=sh.start_at, end_at=sh.end_at)
        db.session.add(su)
        # a running scheduler (its heartbeat ahead of the clock, so that it stays recent while the module
        # runs): /readyz answers 200
        db.session.add(SchedulerHeartbeat(id=1, holder="matrix:1", started_at=now, beat_at=now + timedelta(days=1)))
        db.session.commit()
        ns.pa, ns.su_pa = sh.id, su.id
        # the volunteer's credential (seen by staff) and certificate of hours
        cred = VolunteerCredential(volunteer_id=ns.vp, kind="first_aid", valid_until=ns.day + timedelta(days=400), note="")
        cert = HoursCertificate(volunteer_id=ns.vp, code="authzcertificatecode0123", year=ns.day.year, name="Vilja Volunteer",
                                period_start=ns.day, period_end=ns.day, minutes=60, shifts=1, organisations=["Alpha"])
        # a person without an account on shift a1 (signed up by group A's representative)
        a1 = db.session.get(Shift, ns.a1)
        guest = ShiftSignup(shift_id=ns.a1, volunteer_id=None, status="confirmed", start_at=a1.start_at, end_at=a1.end_at,
                            guest_name="Eino Esimerkki", guest_phone="040 555 0101")
        db.session.add_all([cred, cert, guest])
        db.session.commit()
        ns.cred, ns.cert, ns.year, ns.guest = cred.id, cert.code, ns.day.year, guest.id
        # the staff credentials page's signed token naming the volunteer found (each staff member's own)
        from volunteers.credential_views import found_token

        ns.cred_v = {role: found_token(ns.users[role], ns.vp) for role in SIGNED_IN}
        ns.cred_v_x = ns.cred_v["staff_x"]
    with app.app_context():  # seasonal rounds over X's room: one open (group A applied), one closed with an allocation
        from rounds.models import Round, RoundAllocation, RoundApplication, RoundSpace

        season = ns.day + timedelta(days=30)
        wish = [{"slots_per_week": 1, "minutes": 120, "windows": [{"weekday": 1, "start": 1020, "end": 1260}], "space_ids": [ns.sx]}]
        classes = [{"code": "a", "name": "A class"}, {"code": "b", "name": "B class"}]
        made = {}
        for key, opens, closes in (("ro", now - timedelta(days=1), now + timedelta(days=5)), ("rc", now - timedelta(days=5), now - timedelta(days=1))):
            r = Round(name=f"Round {key}", season_start=season, season_end=season + timedelta(days=69), applications_open=opens,
                      applications_close=closes, priority_classes=classes, unallocated=[])
            r.spaces = [RoundSpace(space_id=ns.sx, position=0)]
            db.session.add(r)
            db.session.flush()
            a = RoundApplication(round_id=r.id, group_id=ns.ga, priority_class="a", purpose="music", age_groups=[], attendees=5,
                                 wishes=wish, status="submitted")
            db.session.add(a)
            db.session.flush()
            made[key], made["app_" + key] = r.id, a.id
        al = RoundAllocation(round_id=made["rc"], application_id=made["app_rc"], wish=0, space_id=ns.sx, weekday=1, start_minute=1080,
                             end_minute=1200, locked=False)
        db.session.add(al)
        db.session.commit()
        ns.ro, ns.rc, ns.app_ro, ns.app_rc, ns.al = made["ro"], made["rc"], made["app_ro"], made["app_rc"], al.id
    feeds = api["member_a"].get("/feeds").get_json()
    ns.feed_url = next(f["url"] for f in feeds if f["kind"] == "group_bookings")
    ns.feed_path = ns.feed_url.split("commons.test", 1)[1]
    ns.feed_token = ns.feed_path.rsplit("/", 1)[1][: -len(".ics")]
    # a signed-in browser session per role (the cookie, copied into a fresh client for each request)
    ns.cookies = {}
    for role in SIGNED_IN:
        c = app.test_client()
        r = c.post("/login", data={"email": EMAILS[role], "password": PASSWORD})
        assert r.status_code == 302, r.get_data(as_text=True)[:300]
        ns.cookies[role] = [(ck.key, ck.value, ck.domain) for ck in c._cookies.values()]
    ns.saved_rows()
    yield ns
    _truncate(app)


def client_for(w, role) -> EnglishClient:
    c = w.app.test_client()
    for key, value, domain in w.cookies.get(role, ()):
        c.set_cookie(key, value, domain=domain)
    return c


# --- Bodies --------------------------------------------------------------------------------------------------


def _local(w, days=0, hhmm="10:00"):
    return f"{w.day + timedelta(days=days)}T{hhmm}"


def shift_form(w):
    return {"date": str(w.day), "start": "12:30", "end": "13:30", "needed": "2", "min_age": ""}


def space_form(w, facility=True):
    form = {"name": "X room renamed", "description": "", "capacity": "25", "equipment": "", "buffer_minutes": "0",
            "min_minutes": "30", "max_minutes": "480", "slot_minutes": "30", "horizon_days": "400", "weekly_quota_minutes": ""}
    for d in range(7):
        form[f"opens_{d}"], form[f"closes_{d}"] = "08:00", "22:00"
    if facility:
        form["facility"] = str(w.fx)
    return form


# --- The table -----------------------------------------------------------------------------------------------


@dataclass
class Row:
    method: str
    rule: str  # exactly as in app.url_map
    path: str  # with {placeholders} from the world
    expected: dict[str, int | str]
    body: Any = None  # json (API) or form (pages); a callable(w, role) gives one built for the world/role
    kind: str = "json"  # json, form, ics (text/calendar body), multipart (an .ics file in a form)
    note: str = ""
    writes: bool = True  # a success of a POST/PUT/PATCH/DELETE must change the database (False: session only)

    @property
    def id(self):
        return f"{self.method} {self.path}" + (f" [{self.note}]" if self.note else "")


def roles(default, anon=None, **given) -> dict[str, int | str]:
    """Every role answers `default`, anonymous `anon` (401 for the API, the sign-in redirect for pages),
    the roles named answer what is given."""
    out = {r: default for r in SIGNED_IN}
    out.update(given)
    out["anon"] = anon if anon is not None else default
    return out


def api_only(success, allowed, refused=403, **given):
    """API: the roles in `allowed` succeed, anonymous 401, the others `refused` (or as given)."""
    out = {r: (success if r in allowed else refused) for r in SIGNED_IN}
    out.update(given)
    out["anon"] = 401
    return out


def page_only(success, allowed, refused=403, **given):
    out = api_only(success, allowed, refused, **given)
    out["anon"] = LOGIN
    return out


EVERYONE = set(SIGNED_IN)
ADMIN = {"admin"}
STAFF_X = {"staff_x", "admin"}
REP_A = {"member_a", "admin"}
A_SIDE = {"member_a", "staff_x", "admin"}  # group A's representative, staff of X (A books there), admin
ORG_A = A_SIDE  # who organises activity A (linked to A's booking in X's room)
NOT_VOLUNTEER = EVERYONE - {"volunteer"}

ROWS: list[Row] = [
    # --- Pages anyone may read ------------------------------------------------------------------------------
    Row("GET", "/", "/", roles(200)),
    Row("GET", "/login", "/login", roles(200)),
    Row("GET", "/signup", "/signup", roles(302, anon=200)),
    Row("GET", "/spaces", "/spaces", roles(200)),
    Row("GET", "/spaces/<int:space_id>", "/spaces/{sx}", roles(200)),
    Row("GET", "/spaces/<int:space_id>/print", "/spaces/{sx}/print", roles(200)),
    Row("GET", "/activities", "/activities", roles(200)),
    Row("GET", "/activities/<int:activity_id>", "/activities/{act}", roles(200)),
    Row("GET", "/static/<path:filename>", "/static/commons.css", roles(200)),
    Row("GET", "/favicon.ico", "/favicon.ico", roles(302)),  # to /static/favicon.ico
    # --- Operations: health for the load balancer; /metrics for the configured addresses or a token
    # (METRICS_TOKEN, an admin's API token: tests/commons/test_operations.py), never a browser session ---------
    Row("GET", "/healthz", "/healthz", roles(200)),
    Row("GET", "/readyz", "/readyz", roles(200)),
    Row("GET", "/metrics", "/metrics", roles(403)),
    Row("GET", "/calendars/spaces/<int:space_id>.ics", "/calendars/spaces/{sx}.ics", roles(200)),
    # the feed's secret URL is the key: whoever has it reads it; a wrong one is 404 for everyone
    Row("GET", "/calendars/feeds/<token>.ics", "/calendars/feeds/{feed_token}.ics", roles(200)),
    Row("GET", "/calendars/feeds/<token>.ics", "/calendars/feeds/{feed_token}x.ics", roles(404), note="wrong secret"),
    # --- Signing in and out, language ------------------------------------------------------------------------
    Row("POST", "/login", "/login", roles(302), {"email": SPARE, "password": PASSWORD}, "form", writes=False),
    Row("POST", "/logout", "/logout", roles(302), {}, "form", writes=False),
    Row("POST", "/language", "/language", roles(302), {"lang": "sv"}, "form", writes=False),
    Row("POST", "/signup", "/signup", roles(Same(302), anon=302),
        {"role": "member", "name": "New Person", "email": "new@example.fi", "password": "long enough pw", "confirm": "long enough pw"}, "form"),
    # --- The account ------------------------------------------------------------------------------------------
    Row("GET", "/account", "/account", roles(200, anon=LOGIN)),
    Row("GET", "/account/export", "/account/export", roles(200, anon=LOGIN)),
    Row("POST", "/account/sign-out-elsewhere", "/account/sign-out-elsewhere", roles(302, anon=LOGIN), {}, "form"),
    Row("GET", "/privacy", "/privacy", roles(200)),
    # the audit log: administrators all of it, staff their own facilities' events (tests/commons/test_audit_log.py)
    Row("GET", "/admin/audit", "/admin/audit", page_only(200, {"staff_x", "staff_y", "admin"})),
    Row("GET", "/api/v1/audit", "/api/v1/audit", api_only(200, {"staff_x", "staff_y", "admin"})),
    Row("GET", "/account/delete", "/account/delete", roles(200, anon=LOGIN)),
    Row("POST", "/account/delete", "/account/delete", roles(302, anon=LOGIN), {"password": PASSWORD}, "form"),
    Row("POST", "/account/profile", "/account/profile", roles(302, anon=LOGIN),
        lambda w, role: {"name": "Renamed Person", "email": EMAILS.get(role, "x@example.fi")}, "form"),
    Row("POST", "/account/password", "/account/password", roles(302, anon=LOGIN),
        {"current_password": PASSWORD, "new_password": "another long one", "confirm": "another long one"}, "form"),
    # --- A forgotten password, verified addresses, the city's identity (issue 22) --------------------------------
    # asking for a link answers the same to everyone (SPARE has an account: a link is stored and mailed)
    Row("GET", "/account/forgot", "/account/forgot", roles(200)),
    Row("POST", "/account/forgot", "/account/forgot", roles(200), {"email": SPARE}, "form"),
    # a link's secret is the key: a wrong one is 404 for everyone (tests/commons/test_account_links.py uses right ones)
    Row("GET", "/account/reset/<token>", "/account/reset/" + "x" * 43, roles(404), note="wrong secret"),
    Row("POST", "/account/reset/<token>", "/account/reset/" + "x" * 43, roles(404),
        {"password": "long enough pw", "confirm": "long enough pw"}, "form", note="wrong secret"),
    Row("GET", "/account/verify/<token>", "/account/verify/" + "x" * 43, roles(404), note="wrong secret"),
    Row("POST", "/account/verify/<token>", "/account/verify/" + "x" * 43, roles(404), {}, "form", note="wrong secret"),
    # "send the link again": every account of the world is verified, so there is nothing to send
    Row("POST", "/account/verify", "/account/verify", roles(Same(302), anon=LOGIN), {}, "form", writes=False),
    # without the OIDC_* settings sign-in through the provider does not exist (tests/commons/test_oidc.py with them)
    Row("POST", "/login/oidc", "/login/oidc", roles(404), {}, "form"),
    Row("GET", "/login/oidc/callback", "/login/oidc/callback?code=x&state=y", roles(404)),
    # --- Bookings and groups (pages) ----------------------------------------------------------------------------
    # the booking form offers only the groups one may book for: another group's id is an invalid choice (422)
    Row("POST", "/spaces/<int:space_id>", "/spaces/{sx}", page_only(302, {"member_a", "staff_x", "admin"}, 422),
        lambda w, role: {"group": str(w.ga), "title": "New meeting", "date": str(w.day + timedelta(days=2)), "start": "10:00",
                         "end": "11:00", "attendees": "5", "on_conflict": "reject"}, "form"),
    Row("GET", "/bookings", "/bookings", roles(200, anon=LOGIN)),
    Row("GET", "/bookings/<int:booking_id>/cancel", "/bookings/{ba}/cancel", page_only(200, A_SIDE, 404)),
    Row("POST", "/bookings/<int:booking_id>/cancel", "/bookings/{ba}/cancel", page_only(302, A_SIDE, 404), {"scope": "one"}, "form"),
    # waiting lists, offers and check-in (pages): a refusal of the form comes back as a message (Same(302))
    Row("POST", "/spaces/<int:space_id>/waitlist", "/spaces/{sx}/waitlist", roles(Same(302), anon=LOGIN, member_a=302),
        lambda w, role: {"group": str(w.ga), "title": "Waiting", "date": str(w.day), "start": "10:00", "end": "11:00",
                         "attendees": "3"}, "form"),
    Row("GET", "/waitlist", "/waitlist", roles(200, anon=LOGIN)),
    Row("POST", "/waitlist/<int:entry_id>/leave", "/waitlist/{wl_a}/leave", page_only(302, {"member_a"}, 404), {}, "form"),
    Row("POST", "/bookings/<int:booking_id>/accept", "/bookings/{offer_a}/accept",
        page_only(302, {"member_a"}, 404, staff_x=403, admin=403), {}, "form"),
    Row("POST", "/bookings/<int:booking_id>/decline", "/bookings/{offer_a}/decline",
        page_only(302, {"member_a"}, 404, staff_x=403, admin=403), {}, "form"),
    Row("POST", "/bookings/<int:booking_id>/check-in", "/bookings/{now_a}/check-in", page_only(302, A_SIDE, 404), {}, "form"),
    Row("GET", "/spaces/<int:space_id>/check-in", "/spaces/{sx}/check-in", roles(200, anon=LOGIN)),
    Row("POST", "/series/<int:series_id>/confirm", "/series/{ser_a}/confirm", page_only(302, {"member_a"}, 404), {}, "form"),
    Row("GET", "/staff/check-ins", "/staff/check-ins", page_only(200, {"staff_x", "staff_y", "admin"})),
    Row("GET", "/bookings/<int:booking_id>.ics", "/bookings/{ba}.ics", page_only(200, A_SIDE, 404)),
    Row("GET", "/groups/mine", "/groups/mine", roles(200, anon=LOGIN)),
    Row("GET", "/groups/new", "/groups/new", roles(200, anon=LOGIN)),
    Row("POST", "/groups/new", "/groups/new", roles(302, anon=LOGIN),
        {"name": "Brand new group", "kind": "association", "district": "Kallio", "description": "We knit."}, "form"),
    Row("GET", "/groups/<int:group_id>", "/groups/{ga}", page_only(200, REP_A)),
    Row("POST", "/groups/<int:group_id>/representatives", "/groups/{ga}/representatives", page_only(302, REP_A), {"email": SPARE}, "form"),
    # leaving: only one's own groups; A's only representative is refused (422 last_representative)
    Row("GET", "/groups/<int:group_id>/leave", "/groups/{ga}/leave", page_only(200, {"member_a"})),
    Row("POST", "/groups/<int:group_id>/leave", "/groups/{ga}/leave", page_only(422, {"member_a"}), {}, "form"),
    Row("GET", "/calendars", "/calendars", roles(200, anon=LOGIN)),
    Row("POST", "/calendars/rotate", "/calendars/rotate", page_only(302, {"member_a"}, 404),
        lambda w, role: {"kind": "group_bookings", "group_id": str(w.ga)}, "form"),
    # --- Staff pages ------------------------------------------------------------------------------------------
    Row("GET", "/staff", "/staff", page_only(200, {"staff_x", "staff_y", "admin"})),
    Row("GET", "/staff/requests", "/staff/requests", page_only(200, {"staff_x", "staff_y", "admin"})),
    Row("POST", "/staff/requests/<int:booking_id>", "/staff/requests/{pend_a}", page_only(302, STAFF_X, staff_y=404),
        {"decision": "approve", "scope": "one", "message": "Welcome"}, "form"),
    Row("GET", "/staff/calendar", "/staff/calendar", page_only(200, {"staff_x", "staff_y", "admin"})),
    # volunteers' credentials: staff of any facility and admins; the found volunteer is a token bound to the staff member
    Row("GET", "/staff/credentials", "/staff/credentials", page_only(200, {"staff_x", "staff_y", "admin"})),
    Row("POST", "/staff/credentials", "/staff/credentials", page_only(302, {"staff_x", "staff_y", "admin"}),
        {"email": "vilja@example.fi"}, "form", writes=False, note="finds, changes nothing"),
    Row("POST", "/staff/credentials/new", "/staff/credentials/new", page_only(302, {"staff_x", "staff_y", "admin"}),
        lambda w, role: {"kind": "hygiene_passport", "valid_until": "2030-01-31", "note": "seen", "v": w.cred_v.get(role, "")}, "form"),
    Row("GET", "/staff/credentials/<int:credential_id>/remove", "/staff/credentials/{cred}/remove?v={cred_v_x}",
        page_only(200, STAFF_X, staff_y=404, admin=404), note="staff_x's token"),
    Row("POST", "/staff/credentials/<int:credential_id>/remove", "/staff/credentials/{cred}/remove",
        page_only(302, {"staff_x", "staff_y", "admin"}), lambda w, role: {"v": w.cred_v.get(role, "")}, "form"),
    Row("GET", "/staff/reports", "/staff/reports", page_only(200, {"staff_x", "staff_y", "admin"})),
    Row("POST", "/staff/reports/no-show/<int:booking_id>", "/staff/reports/no-show/{past_a}",
        page_only(302, STAFF_X, 404, member_a=403), {"no_show": "true"}, "form"),
    Row("GET", "/staff/spaces/new", "/staff/spaces/new", page_only(200, {"staff_x", "staff_y", "admin"})),
    Row("POST", "/staff/spaces/new", "/staff/spaces/new", page_only(302, STAFF_X, staff_y=422), space_form, "form",
        note="in facility X"),
    Row("GET", "/staff/spaces/<int:space_id>/edit", "/staff/spaces/{sx}/edit", page_only(200, STAFF_X)),
    Row("POST", "/staff/spaces/<int:space_id>/edit", "/staff/spaces/{sx}/edit", page_only(302, STAFF_X),
        lambda w, role: space_form(w, facility=False), "form"),
    Row("GET", "/staff/spaces/<int:space_id>/closures", "/staff/spaces/{sx}/closures", page_only(200, STAFF_X)),
    Row("POST", "/staff/spaces/<int:space_id>/closures", "/staff/spaces/{sx}/closures", page_only(302, STAFF_X),
        lambda w, role: {"first_day": str(w.day + timedelta(days=30)), "last_day": str(w.day + timedelta(days=31)), "reason": "Paint"}, "form"),
    Row("POST", "/staff/spaces/<int:space_id>/closures/<int:closure_id>/delete", "/staff/spaces/{sx}/closures/{cx}/delete",
        page_only(302, STAFF_X), {}, "form"),
    Row("GET", "/staff/spaces/<int:space_id>/closures/<int:closure_id>/delete", "/staff/spaces/{sx}/closures/{cx}/delete",
        page_only(200, STAFF_X), note="the question before removing"),
    Row("POST", "/staff/closures/cancel", "/staff/closures/cancel", page_only(Same(302), STAFF_X),
        lambda w, role: {"closure": str(w.cx), "booking": str(w.ba), "confirm": "yes"}, "form",
        note="a booking the closure does not fall on: refused with a message, nothing changes"),
    Row("GET", "/staff/facilities/<int:facility_id>/closures", "/staff/facilities/{fx}/closures", page_only(200, STAFF_X)),
    Row("POST", "/staff/facilities/<int:facility_id>/closures", "/staff/facilities/{fx}/closures", page_only(302, STAFF_X),
        lambda w, role: {"first_day": str(w.day + timedelta(days=30)), "reason": "Holiday"}, "form"),
    Row("POST", "/staff/facilities/<int:facility_id>/language", "/staff/facilities/{fx}/language", page_only(302, STAFF_X),
        {"language": "sv"}, "form"),
    Row("GET", "/staff/spaces/<int:space_id>/import", "/staff/spaces/{sx}/import", page_only(200, STAFF_X)),
    # booking for a person at the counter (issue 21): staff of the space's facility only; the contact never elsewhere
    Row("GET", "/staff/spaces/<int:space_id>/counter", "/staff/spaces/{sx}/counter", page_only(200, STAFF_X)),
    Row("POST", "/staff/spaces/<int:space_id>/counter", "/staff/spaces/{sx}/counter", page_only(302, STAFF_X),
        lambda w, role: {"contact_name": "Dora Desk", "contact_phone": "040 333 4444", "date": str(w.day + timedelta(days=40)),
                         "start": "10:00", "end": "11:00", "attendees": "2"}, "form"),
    Row("POST", "/staff/spaces/<int:space_id>/counter/<int:booking_id>/erase", "/staff/spaces/{sx}/counter/{counter_x}/erase",
        page_only(302, STAFF_X), {}, "form"),
    Row("POST", "/staff/spaces/<int:space_id>/import", "/staff/spaces/{sx}/import", page_only(200, STAFF_X), None, "multipart"),
    # --- Admin pages --------------------------------------------------------------------------------------------
    Row("GET", "/admin", "/admin", page_only(200, ADMIN)),
    Row("POST", "/admin/facilities", "/admin/facilities", page_only(302, ADMIN),
        {"name": "Z House", "district": "Kallio", "address": "Z street 1"}, "form"),
    Row("GET", "/admin/facilities/<int:facility_id>", "/admin/facilities/{fx}", page_only(200, ADMIN)),
    Row("POST", "/admin/facilities/<int:facility_id>/staff", "/admin/facilities/{fx}/staff", page_only(302, ADMIN), {"email": SPARE}, "form"),
    Row("POST", "/admin/facilities/<int:facility_id>/staff/<int:user_id>/remove", "/admin/facilities/{fx}/staff/{staff_x_id}/remove",
        page_only(302, ADMIN), {}, "form"),
    Row("POST", "/admin/groups/<int:group_id>/verify", "/admin/groups/{gn}/verify", page_only(302, ADMIN), {}, "form"),
    # --- Volunteering pages -------------------------------------------------------------------------------------
    Row("GET", "/volunteering", "/volunteering", roles(200, anon=LOGIN)),
    Row("GET", "/volunteering/profile", "/volunteering/profile", roles(200, anon=LOGIN)),
    Row("POST", "/volunteering/profile", "/volunteering/profile", roles(302, anon=LOGIN),
        {"skills": "cooking", "languages": "fi", "max_hours_per_week": "3", "active": "y"}, "form"),
    Row("GET", "/volunteering/shifts", "/volunteering/shifts", roles(200, anon=LOGIN)),
    Row("POST", "/volunteering/shifts/<int:shift_id>/signup", "/volunteering/shifts/{a2}/signup",
        roles(Same(302), anon=LOGIN, volunteer=302), {}, "form"),
    Row("POST", "/volunteering/shifts/<int:shift_id>/withdraw", "/volunteering/shifts/{a1}/withdraw",
        roles(Same(302), anon=LOGIN, volunteer=302), {"confirm": "yes"}, "form"),
    Row("GET", "/volunteering/hours", "/volunteering/hours", roles(302, anon=LOGIN, volunteer=200)),
    Row("POST", "/volunteering/certificates", "/volunteering/certificates", roles(Same(302), anon=LOGIN, volunteer=302),
        lambda w, role: {"year": str(w.year)}, "form"),
    Row("POST", "/volunteering/certificates/<string:code>/withdraw", "/volunteering/certificates/{cert}/withdraw",
        roles(Same(302), anon=LOGIN, volunteer=302), {}, "form"),
    Row("GET", "/certificates/<string:code>", "/certificates/{cert}", roles(200)),
    Row("GET", "/activities/new", "/activities/new", page_only(200, NOT_VOLUNTEER)),
    # the organiser field offers only one's own groups (and facilities): group A for anyone else is an invalid choice
    Row("POST", "/activities/new", "/activities/new", page_only(302, {"member_a"}, 422, volunteer=403),
        lambda w, role: {"organiser": f"group:{w.ga}", "title": "New one", "district": "Kallio", "description": "",
                         "place": "", "booking": ""}, "form"),
    Row("GET", "/activities/<int:activity_id>/manage", "/activities/{act}/manage", page_only(200, ORG_A)),
    Row("GET", "/activities/<int:activity_id>/edit", "/activities/{act}/edit", page_only(200, ORG_A)),
    Row("POST", "/activities/<int:activity_id>/edit", "/activities/{act}/edit", page_only(302, ORG_A),
        lambda w, role: {"organiser": f"group:{w.ga}", "title": "Renamed", "description": "", "place": "",
                         "booking": str(w.ba)}, "form"),
    Row("GET", "/activities/<int:activity_id>/shifts/new", "/activities/{act}/shifts/new", page_only(200, ORG_A)),
    Row("POST", "/activities/<int:activity_id>/shifts/new", "/activities/{act}/shifts/new", page_only(302, ORG_A),
        lambda w, role: shift_form(w), "form"),
    Row("GET", "/activities/<int:activity_id>/fill-plan", "/activities/{act}/fill-plan", page_only(200, ORG_A)),
    Row("POST", "/activities/<int:activity_id>/fill-plan", "/activities/{act}/fill-plan", page_only(302, ORG_A),
        lambda w, role: {"assignments": f"{w.a2}:{w.vp}"}, "form"),
    Row("GET", "/shifts/<int:shift_id>/edit", "/shifts/{a1}/edit", page_only(200, ORG_A)),
    Row("POST", "/shifts/<int:shift_id>/edit", "/shifts/{a2}/edit", page_only(302, ORG_A), lambda w, role: shift_form(w), "form"),
    Row("GET", "/shifts/<int:shift_id>/cancel", "/shifts/{a1}/cancel", page_only(200, ORG_A)),
    Row("POST", "/shifts/<int:shift_id>/cancel", "/shifts/{a1}/cancel", page_only(302, ORG_A), {}, "form"),
    Row("GET", "/shifts/<int:shift_id>/candidates", "/shifts/{a1}/candidates", page_only(200, ORG_A)),
    Row("GET", "/shifts/<int:shift_id>/signups", "/shifts/{a1}/signups", page_only(200, ORG_A)),
    Row("POST", "/shifts/<int:shift_id>/invite", "/shifts/{a2}/invite", page_only(302, ORG_A),
        lambda w, role: {"volunteer_id": str(w.vp)}, "form"),
    Row("POST", "/shifts/<int:shift_id>/attendance", "/shifts/{pa}/attendance", page_only(302, ORG_A),
        lambda w, role: {"rows-0-signup_id": str(w.su_pa), "rows-0-attended": "yes"}, "form"),
    Row("POST", "/signups/<int:signup_id>/remove", "/signups/{su}/remove", page_only(302, ORG_A, 404), {}, "form"),
    Row("POST", "/shifts/<int:shift_id>/counter-signup", "/shifts/{a2}/counter-signup", page_only(302, ORG_A),
        {"name": "Eino Esimerkki", "phone": "040 555 0101"}, "form"),
    # erasing a person without an account: staff and admins (the guest is on group A's shift; staff of any facility)
    Row("POST", "/signups/<int:signup_id>/erase", "/signups/{guest}/erase", page_only(302, {"staff_x", "staff_y", "admin"}),
        {}, "form"),
    # --- API: meta, account ----------------------------------------------------------------------------------
    Row("GET", "/api/v1/openapi.json", "/api/v1/openapi.json", roles(200)),
    Row("GET", "/api/v1/me", "/api/v1/me", roles(200, anon=401)),
    Row("GET", "/api/v1/me/export", "/api/v1/me/export", roles(200, anon=401)),
    Row("DELETE", "/api/v1/me", "/api/v1/me", roles(200, anon=401)),
    # --- API: groups and facilities ----------------------------------------------------------------------------
    Row("GET", "/api/v1/groups", "/api/v1/groups", roles(200)),
    Row("GET", "/api/v1/groups/<int:group_id>", "/api/v1/groups/{ga}", roles(200)),
    Row("POST", "/api/v1/groups", "/api/v1/groups", roles(201, anon=401),
        {"name": "Brand new group", "kind": "association", "district": "Kallio", "description": "We knit."}),
    Row("POST", "/api/v1/groups/<int:group_id>/verify", "/api/v1/groups/{gn}/verify", api_only(200, ADMIN)),
    Row("POST", "/api/v1/groups/<int:group_id>/members", "/api/v1/groups/{ga}/members", api_only(201, REP_A), {"email": SPARE}),
    Row("DELETE", "/api/v1/groups/<int:group_id>/members/me", "/api/v1/groups/{ga}/members/me", api_only(422, {"member_a"})),
    Row("GET", "/api/v1/facilities", "/api/v1/facilities", roles(200)),
    Row("POST", "/api/v1/facilities", "/api/v1/facilities", api_only(201, ADMIN), {"name": "Z House", "district": "Kallio", "address": "Z street 1"}),
    Row("POST", "/api/v1/facilities/<int:facility_id>/staff", "/api/v1/facilities/{fx}/staff", api_only(201, ADMIN), {"email": SPARE}),
    Row("DELETE", "/api/v1/facilities/<int:facility_id>/staff/<int:user_id>", "/api/v1/facilities/{fx}/staff/{staff_x_id}",
        api_only(200, ADMIN)),
    # --- API: spaces and closures --------------------------------------------------------------------------------
    Row("GET", "/api/v1/spaces", "/api/v1/spaces", roles(200)),
    Row("GET", "/api/v1/spaces/<int:space_id>", "/api/v1/spaces/{sx}", roles(200)),
    Row("GET", "/api/v1/spaces/<int:space_id>/availability", "/api/v1/spaces/{sx}/availability", roles(200)),
    Row("GET", "/api/v1/spaces/<int:space_id>/closures", "/api/v1/spaces/{sx}/closures", roles(200)),
    Row("POST", "/api/v1/spaces", "/api/v1/spaces", api_only(201, STAFF_X),
        lambda w, role: {"facility_id": w.fx, "name": "X hall", "capacity": 30,
                         "opening_hours": [{"weekday": 0, "opens": "08:00", "closes": "20:00"}]}),
    Row("PATCH", "/api/v1/spaces/<int:space_id>", "/api/v1/spaces/{sx}", api_only(200, STAFF_X), {"capacity": 22}),
    Row("POST", "/api/v1/spaces/<int:space_id>/closures", "/api/v1/spaces/{sx}/closures", api_only(201, STAFF_X),
        lambda w, role: {"start": _local(w, 40, "08:00"), "end": _local(w, 40, "16:00"), "reason": "Paint"}),
    Row("DELETE", "/api/v1/spaces/<int:space_id>/closures/<int:closure_id>", "/api/v1/spaces/{sx}/closures/{cx}", api_only(200, STAFF_X)),
    Row("POST", "/api/v1/facilities/<int:facility_id>/closures", "/api/v1/facilities/{fx}/closures", api_only(201, STAFF_X),
        lambda w, role: {"start": _local(w, 40, "08:00"), "end": _local(w, 40, "16:00"), "reason": "Holiday"}),
    Row("POST", "/api/v1/spaces/<int:space_id>/import", "/api/v1/spaces/{sx}/import", api_only(200, STAFF_X), None, "ics"),
    # --- API: bookings ----------------------------------------------------------------------------------------
    Row("POST", "/api/v1/bookings", "/api/v1/bookings", api_only(201, {"member_a", "staff_x", "admin"}),
        lambda w, role: {"space_id": w.sx, "group_id": w.ga, "title": "New meeting", "start": _local(w, 2, "10:00"),
                         "end": _local(w, 2, "11:00"), "attendees": 5}),
    Row("GET", "/api/v1/bookings", "/api/v1/bookings", roles(200, anon=401)),
    Row("GET", "/api/v1/bookings/<int:booking_id>", "/api/v1/bookings/{ba}", api_only(200, A_SIDE, 404)),
    Row("PATCH", "/api/v1/bookings/<int:booking_id>", "/api/v1/bookings/{ba}", api_only(200, A_SIDE, 404),
        lambda w, role: {"start": _local(w, 0, "15:00"), "end": _local(w, 0, "19:00")}),
    Row("POST", "/api/v1/bookings/<int:booking_id>/cancel", "/api/v1/bookings/{ba}/cancel", api_only(200, A_SIDE, 404), {"scope": "one"}),
    Row("POST", "/api/v1/bookings/<int:booking_id>/approve", "/api/v1/bookings/{pend_a}/approve",
        api_only(200, STAFF_X, 404, member_a=403), {"message": "Welcome"}),
    Row("POST", "/api/v1/bookings/<int:booking_id>/reject", "/api/v1/bookings/{pend_a}/reject",
        api_only(200, STAFF_X, 404, member_a=403), {"message": "Sorry"}),
    Row("POST", "/api/v1/spaces/<int:space_id>/waitlist", "/api/v1/spaces/{sx}/waitlist", api_only(201, {"member_a"}),
        lambda w, role: {"group_id": w.ga, "title": "Waiting", "start": _local(w, 0, "10:00"), "end": _local(w, 0, "11:00")}),
    Row("GET", "/api/v1/waitlist", "/api/v1/waitlist", roles(200, anon=401)),
    Row("DELETE", "/api/v1/waitlist/<int:entry_id>", "/api/v1/waitlist/{wl_a}", api_only(200, {"member_a"}, 404)),
    Row("POST", "/api/v1/bookings/<int:booking_id>/accept", "/api/v1/bookings/{offer_a}/accept",
        api_only(200, {"member_a"}, 404, staff_x=403, admin=403)),
    Row("POST", "/api/v1/bookings/<int:booking_id>/decline", "/api/v1/bookings/{offer_a}/decline",
        api_only(200, {"member_a"}, 404, staff_x=403, admin=403)),
    Row("POST", "/api/v1/bookings/<int:booking_id>/check-in", "/api/v1/bookings/{now_a}/check-in", api_only(200, A_SIDE, 404)),
    Row("POST", "/api/v1/series/<int:series_id>/confirm", "/api/v1/series/{ser_a}/confirm", api_only(200, {"member_a"}, 404)),
    Row("POST", "/api/v1/bookings/<int:booking_id>/no-show", "/api/v1/bookings/{past_a}/no-show",
        api_only(200, STAFF_X, 404, member_a=403), {"no_show": True}),
    # --- API: reports and feeds -------------------------------------------------------------------------------
    Row("GET", "/api/v1/reports/usage", "/api/v1/reports/usage?{period}", api_only(200, {"staff_x", "staff_y", "admin"})),
    Row("GET", "/api/v1/reports/usage", "/api/v1/reports/usage?{period}&facility_id={fx}", api_only(200, STAFF_X), note="facility X"),
    Row("GET", "/api/v1/reports/open-data", "/api/v1/reports/open-data?{period}", roles(200)),
    Row("GET", "/api/v1/feeds", "/api/v1/feeds", roles(200, anon=401)),
    Row("POST", "/api/v1/feeds/rotate", "/api/v1/feeds/rotate", api_only(200, {"member_a"}, 404),
        lambda w, role: {"url": w.feed_url}),
    # --- API: volunteering ------------------------------------------------------------------------------------
    Row("GET", "/api/v1/activities", "/api/v1/activities", roles(200)),
    Row("GET", "/api/v1/activities/<int:activity_id>", "/api/v1/activities/{act}", roles(200)),
    Row("POST", "/api/v1/activities", "/api/v1/activities", api_only(201, REP_A),
        lambda w, role: {"group_id": w.ga, "title": "Another", "district": "Kallio"}),
    Row("PATCH", "/api/v1/activities/<int:activity_id>", "/api/v1/activities/{act}", api_only(200, ORG_A), {"title": "Renamed"}),
    Row("POST", "/api/v1/activities/<int:activity_id>/shifts", "/api/v1/activities/{act}/shifts", api_only(201, ORG_A),
        lambda w, role: {"start": _local(w, 0, "12:30"), "end": _local(w, 0, "13:30"), "needed": 1}),
    Row("GET", "/api/v1/shifts/<int:shift_id>", "/api/v1/shifts/{a1}", roles(200)),
    Row("PATCH", "/api/v1/shifts/<int:shift_id>", "/api/v1/shifts/{a1}", api_only(200, ORG_A), {"needed": 4}),
    Row("POST", "/api/v1/shifts/<int:shift_id>/cancel", "/api/v1/shifts/{a1}/cancel", api_only(200, ORG_A), {}),
    Row("GET", "/api/v1/shifts/<int:shift_id>/candidates", "/api/v1/shifts/{a1}/candidates", api_only(200, ORG_A)),
    Row("POST", "/api/v1/shifts/<int:shift_id>/invite", "/api/v1/shifts/{a2}/invite", api_only(200, ORG_A),
        lambda w, role: {"volunteer_id": w.vp}),
    Row("GET", "/api/v1/shifts/<int:shift_id>/signups", "/api/v1/shifts/{a1}/signups", api_only(200, ORG_A)),
    Row("POST", "/api/v1/shifts/<int:shift_id>/signup", "/api/v1/shifts/{a2}/signup", api_only(200, {"volunteer"}, 422), {}),
    Row("POST", "/api/v1/shifts/<int:shift_id>/withdraw", "/api/v1/shifts/{a1}/withdraw", api_only(200, {"volunteer"}, 422), {}),
    Row("POST", "/api/v1/signups/<int:signup_id>/attendance", "/api/v1/signups/{su_pa}/attendance", api_only(200, ORG_A, 404),
        {"attended": True, "minutes_worked": 60}),
    Row("POST", "/api/v1/signups/<int:signup_id>/remove", "/api/v1/signups/{su}/remove", api_only(200, ORG_A, 404), {}),
    Row("POST", "/api/v1/fill-plan", "/api/v1/fill-plan", api_only(200, ORG_A), lambda w, role: {"activity_id": w.act},
        writes=False, note="a plan, not applied"),
    Row("POST", "/api/v1/fill-plan/apply", "/api/v1/fill-plan/apply", roles(Same(200), anon=401, member_a=200, staff_x=200, admin=200),
        lambda w, role: {"assignments": [{"shift_id": w.a2, "volunteer_id": w.vp}]}, note="refused per assignment"),
    Row("GET", "/api/v1/volunteers/me", "/api/v1/volunteers/me", api_only(200, {"volunteer"}, 404)),
    Row("PUT", "/api/v1/volunteers/me", "/api/v1/volunteers/me", roles(200, anon=401),
        {"skills": ["cooking"], "languages": ["fi"], "districts": ["Kallio"], "max_hours_per_week": 5,
         "availability": [{"weekday": 1, "start": "17:00", "end": "21:00"}]}),
    Row("GET", "/api/v1/volunteers/me/matches", "/api/v1/volunteers/me/matches", roles(200, anon=401)),
    Row("GET", "/api/v1/volunteers/me/shifts", "/api/v1/volunteers/me/shifts", roles(200, anon=401)),
    # --- API: credentials, hours, certificates ---------------------------------------------------------------
    Row("GET", "/api/v1/credential-kinds", "/api/v1/credential-kinds", roles(200)),
    Row("POST", "/api/v1/volunteers/<int:volunteer_id>/credentials", "/api/v1/volunteers/{vp}/credentials",
        api_only(201, {"staff_x", "staff_y", "admin"}), {"kind": "hygiene_passport", "valid_until": "2030-01-31", "note": "seen"}),
    Row("DELETE", "/api/v1/volunteers/<int:volunteer_id>/credentials/<int:credential_id>", "/api/v1/volunteers/{vp}/credentials/{cred}",
        api_only(200, {"staff_x", "staff_y", "admin"})),
    Row("GET", "/api/v1/volunteers/me/hours", "/api/v1/volunteers/me/hours?year={year}", api_only(200, {"volunteer"}, 422)),
    Row("POST", "/api/v1/volunteers/me/certificates", "/api/v1/volunteers/me/certificates", api_only(201, {"volunteer"}, 422),
        lambda w, role: {"year": w.year}),
    Row("DELETE", "/api/v1/volunteers/me/certificates/<string:code>", "/api/v1/volunteers/me/certificates/{cert}",
        api_only(200, {"volunteer"}, 422)),
    Row("GET", "/api/v1/certificates/<string:code>", "/api/v1/certificates/{cert}", roles(200)),
    Row("POST", "/api/v1/shifts/<int:shift_id>/signups", "/api/v1/shifts/{a2}/signups", api_only(201, ORG_A),
        {"name": "Eino Esimerkki", "phone": "040 555 0101"}),
    Row("POST", "/api/v1/signups/<int:signup_id>/erase", "/api/v1/signups/{guest}/erase", api_only(200, {"staff_x", "staff_y", "admin"})),
    # Seasonal rounds: pages
    Row("GET", "/rounds", "/rounds", roles(200)),
    Row("GET", "/rounds/<int:round_id>", "/rounds/{ro}", roles(200)),
    Row("GET", "/rounds/<int:round_id>/apply", "/rounds/{ro}/apply", roles(200, anon=LOGIN)),
    Row("POST", "/rounds/<int:round_id>/apply", "/rounds/{ro}/apply", roles(422, anon=LOGIN, member_a=302),
        lambda w, role: {"group_id": str(w.ga), "purpose": "sports", "attendees": "8", "priority_class": "b", "slots_per_week": "1",
                         "minutes": "60", "weekday_1": "2", "start_1": "17:00", "end_1": "20:00", "space_1": str(w.sx)}, kind="form"),
    Row("GET", "/rounds/<int:round_id>/applications/<int:application_id>", "/rounds/{ro}/applications/{app_ro}",
        roles(404, anon=LOGIN, member_a=200, staff_x=200, admin=200)),
    Row("GET", "/rounds/<int:round_id>/staff", "/rounds/{rc}/staff", page_only(200, STAFF_X)),
    Row("POST", "/rounds/<int:round_id>/staff/allocate", "/rounds/{rc}/staff/allocate", page_only(302, STAFF_X), {}, kind="form"),
    Row("POST", "/rounds/<int:round_id>/staff/allocations", "/rounds/{rc}/staff/allocations", page_only(302, STAFF_X),
        lambda w, role: {"application_id": str(w.app_rc), "wish": "0", "space_id": str(w.sx), "weekday": "2", "start": "10:00",
                         "end": "12:00"}, kind="form"),
    Row("POST", "/rounds/<int:round_id>/staff/allocations/<int:allocation_id>/move", "/rounds/{rc}/staff/allocations/{al}/move",
        page_only(302, STAFF_X),
        lambda w, role: {"application_id": str(w.app_rc), "wish": "0", "space_id": str(w.sx), "weekday": "3", "start": "10:00",
                         "end": "12:00"}, kind="form"),
    Row("POST", "/rounds/<int:round_id>/staff/allocations/<int:allocation_id>/lock", "/rounds/{rc}/staff/allocations/{al}/lock",
        page_only(302, STAFF_X), {"locked": "1"}, kind="form"),
    Row("POST", "/rounds/<int:round_id>/staff/allocations/<int:allocation_id>/remove", "/rounds/{rc}/staff/allocations/{al}/remove",
        page_only(302, STAFF_X), {}, kind="form"),
    Row("GET", "/rounds/<int:round_id>/staff/publish", "/rounds/{rc}/staff/publish", page_only(200, STAFF_X)),
    Row("POST", "/rounds/<int:round_id>/staff/publish", "/rounds/{rc}/staff/publish", page_only(302, STAFF_X), {}, kind="form"),
    # Seasonal rounds: API
    Row("GET", "/api/v1/purposes", "/api/v1/purposes", roles(200)),
    Row("GET", "/api/v1/age-groups", "/api/v1/age-groups", roles(200)),
    Row("GET", "/api/v1/rounds", "/api/v1/rounds", roles(200)),
    Row("GET", "/api/v1/rounds/<int:round_id>", "/api/v1/rounds/{ro}", roles(200)),
    Row("POST", "/api/v1/rounds", "/api/v1/rounds", api_only(201, STAFF_X),
        lambda w, role: {"name": "New round", "space_ids": [w.sx], "season_start": str(w.day + timedelta(days=40)),
                         "season_end": str(w.day + timedelta(days=100)), "applications_open": _local(w, 1), "applications_close": _local(w, 20)}),
    Row("POST", "/api/v1/rounds/<int:round_id>/applications", "/api/v1/rounds/{ro}/applications", api_only(201, {"member_a"}),
        lambda w, role: {"group_id": w.ga, "purpose": "sports", "attendees": 8, "priority_class": "b", "wishes": [
            {"slots_per_week": 1, "minutes": 60, "windows": [{"weekday": 2, "start": "17:00", "end": "20:00"}], "space_ids": [w.sx]}]}),
    Row("GET", "/api/v1/rounds/<int:round_id>/applications", "/api/v1/rounds/{ro}/applications", roles(200, anon=401)),
    Row("PUT", "/api/v1/rounds/<int:round_id>/applications/<int:application_id>", "/api/v1/rounds/{ro}/applications/{app_ro}",
        api_only(200, {"member_a"}),
        lambda w, role: {"group_id": w.ga, "purpose": "sports", "attendees": 8, "wishes": [
            {"slots_per_week": 1, "minutes": 60, "windows": [{"weekday": 2, "start": "17:00", "end": "20:00"}], "space_ids": [w.sx]}]}),
    Row("DELETE", "/api/v1/rounds/<int:round_id>/applications/<int:application_id>", "/api/v1/rounds/{ro}/applications/{app_ro}",
        api_only(200, {"member_a"})),
    Row("PATCH", "/api/v1/rounds/<int:round_id>/applications/<int:application_id>", "/api/v1/rounds/{ro}/applications/{app_ro}",
        api_only(200, STAFF_X), {"priority_class": "b"}),
    Row("POST", "/api/v1/rounds/<int:round_id>/allocate", "/api/v1/rounds/{rc}/allocate", api_only(200, STAFF_X), {}),
    Row("GET", "/api/v1/rounds/<int:round_id>/allocations", "/api/v1/rounds/{rc}/allocations", api_only(200, STAFF_X)),
    Row("POST", "/api/v1/rounds/<int:round_id>/allocations", "/api/v1/rounds/{rc}/allocations", api_only(201, STAFF_X),
        lambda w, role: {"application_id": w.app_rc, "wish": 0, "space_id": w.sx, "weekday": 2, "start": "10:00", "end": "12:00"}),
    Row("PATCH", "/api/v1/rounds/<int:round_id>/allocations/<int:allocation_id>", "/api/v1/rounds/{rc}/allocations/{al}",
        api_only(200, STAFF_X),
        lambda w, role: {"application_id": w.app_rc, "wish": 0, "space_id": w.sx, "weekday": 3, "start": "10:00", "end": "12:00"}),
    Row("DELETE", "/api/v1/rounds/<int:round_id>/allocations/<int:allocation_id>", "/api/v1/rounds/{rc}/allocations/{al}",
        api_only(200, STAFF_X)),
    Row("POST", "/api/v1/rounds/<int:round_id>/publish", "/api/v1/rounds/{rc}/publish", api_only(200, STAFF_X), {}),
]


# --- Running a row -------------------------------------------------------------------------------------------


def _values(w) -> dict:
    vals = {k: v for k, v in vars(w).items() if isinstance(v, (int, str)) and not isinstance(v, bool)}
    vals["staff_x_id"] = w.users["staff_x"]
    vals["period"] = f"from={w.day - timedelta(days=20)}&to={w.day + timedelta(days=20)}"
    return vals


def _body_kwargs(w, row: Row, role: str) -> dict:
    """The request body of a row, as the test client takes it."""
    body = row.body(w, role) if callable(row.body) else row.body
    if row.kind == "ics":
        return {"data": _ics(w.day + timedelta(days=60)), "content_type": "text/calendar"}
    if row.kind == "multipart":
        return {"data": {"file": (io.BytesIO(_ics(w.day + timedelta(days=60))), "closures.ics")}, "content_type": "multipart/form-data"}
    if row.kind == "form":
        return {"data": body}
    if body is not None:
        return {"json": body}
    return {"json": {}} if row.method != "GET" else {}


def call(w, row: Row, role: str):
    url = row.path.format(**_values(w))
    api = url.startswith("/api/")
    c = w.app.test_client() if api else client_for(w, role)
    headers = {"Authorization": f"Bearer {w.tokens[role]}"} if api and role != "anon" else {}
    return c.open(url, method=row.method, headers=headers, **_body_kwargs(w, row, role))


def outcome(r) -> int | str:
    if r.status_code in (301, 302, 303) and "/login" in r.headers.get("Location", "").split("?")[0]:
        return LOGIN
    return r.status_code


def _is_success(expected) -> bool:
    return isinstance(expected, int) and not isinstance(expected, Same) and expected < 400


@pytest.mark.parametrize("row", ROWS, ids=[r.id for r in ROWS])
def test_who_may(w, row):
    got, problems = {}, []
    for role in ROLES:
        r = call(w, row, role)
        body = r.get_data(as_text=True)
        r.close()
        got[role] = outcome(r)
        expected = row.expected[role]
        changed = w.snapshot() != w.saved
        if not _is_success(expected) and changed:
            problems.append(f"{role}: answered {r.status_code} but changed the database")
        if _is_success(expected) and row.method != "GET" and row.writes and not changed:
            problems.append(f"{role}: answered {r.status_code} (allowed) but changed nothing")
        if r.status_code >= 400 and not (role == "admin"):
            leaked = [s for s in SECRETS if s in body]
            if leaked and role not in ("member_a", "staff_x"):
                problems.append(f"{role}: the refusal shows {leaked}")
        if r.status_code >= 500:
            problems.append(f"{role}: {r.status_code} {r.get_data(as_text=True)[:300]}")
        if changed:
            w.restore()
    expected = {k: (int(v) if isinstance(v, int) else v) for k, v in row.expected.items()}
    assert got == expected, f"{row.id}: got {got}"
    assert not problems, problems


def test_every_rule_has_a_row(app):
    """A new endpoint fails here until the table says who may use it (HEAD and OPTIONS come with GET)."""
    in_app = {(m, rule.rule) for rule in app.url_map.iter_rules() for m in rule.methods - {"HEAD", "OPTIONS"}}
    in_table = {(row.method, row.rule) for row in ROWS}
    assert in_app - in_table == set(), "no row in the matrix for: " + ", ".join(sorted(f"{m} {r}" for m, r in in_app - in_table))
    assert in_table - in_app == set(), "rows for rules that are gone: " + ", ".join(sorted(f"{m} {r}" for m, r in in_table - in_app))
    for row in ROWS:
        assert set(row.expected) == set(ROLES), row.id
        assert row.path.split("?")[0].startswith(row.rule.split("<")[0]), row.id


def test_the_matrix_size():
    """The figure docs/security.md gives: roles x (method, rule) pairs checked, and the rows (some rules have two)."""
    pairs = {(row.method, row.rule) for row in ROWS}
    assert len(ROLES) == 7
    assert len(pairs) >= 133 and len(ROWS) >= len(pairs)


# --- A refused role cannot tell group A's object from one that does not exist ----------------------------------

MISSING = 2**31 - 1
HIDDEN = [row for row in ROWS if 404 in row.expected.values() and "{" in row.path and "feed_token" not in row.path]


def _bad_bodies(w, row, role):
    """The row's own body, an empty one, and one with every field wrong: none may answer differently for
    A's object than for a missing one (validation that looked at the object would say it exists)."""
    good = row.body(w, role) if callable(row.body) else row.body
    bad = {"scope": "everything", "start": _local(w, 0, "14:00"), "end": _local(w, 0, "09:00"), "needed": -1,
           "message": 5, "no_show": "maybe", "attended": "x", "volunteer_id": MISSING, "group_id": MISSING, "title": ""}
    return [good, {}, bad] if row.kind == "json" else [good, {}]


@pytest.mark.parametrize("row", HIDDEN, ids=[r.id for r in HIDDEN])
def test_refused_roles_cannot_tell_an_object_from_a_missing_one(w, row):
    values = _values(w)
    missing = {k: (MISSING if isinstance(v, int) else v) for k, v in values.items()}
    for role in (r for r, e in row.expected.items() if e == 404):
        for body in _bad_bodies(w, row, role):
            answers = []
            for vals in (values, missing):
                probe = Row(row.method, row.rule, row.path.format(**vals).replace("{", "{{").replace("}", "}}"), row.expected,
                            (lambda _w, _r, b=body: b), row.kind)
                r = call(w, probe, role)
                err = r.get_json(silent=True) or {}
                message = re.sub(r"\d+", "N", str(err.get("error", {}).get("message")))  # the id asked for is named
                answers.append((outcome(r), err.get("error", {}).get("code"), message))
                r.close()
                if w.snapshot() != w.saved:
                    w.restore()
                    pytest.fail(f"{role} changed the database with {body}")
            assert answers[0] == answers[1], (role, body, answers)
            assert answers[0][0] in (404, 400, 422), (role, body, answers)


# --- Lists and filters show nothing of group A to the others ----------------------------------------------------

LISTS = [
    "/api/v1/bookings", "/api/v1/bookings?group_id={ga}", "/api/v1/bookings?space_id={sx}", "/api/v1/bookings?status=pending",
    "/bookings", "/bookings?when=past", "/staff/calendar?facility={fx}", "/staff/calendar?facility={fx}&view=day&date={day}",
    "/staff/requests?facility={fx}", "/staff/reports?facility={fx}", "/staff", "/groups/mine", "/calendars", "/volunteering",
    "/api/v1/shifts/{a1}", "/api/v1/activities/{act}", "/activities/{act}", "/api/v1/spaces/{sx}/availability",
    "/calendars/spaces/{sx}.ics", "/spaces/{sx}", "/spaces/{sx}/print", "/api/v1/me/export", "/account/export",
    "/api/v1/volunteers/me/matches", "/api/v1/volunteers/me/shifts", "/api/v1/feeds", "/admin", "/api/v1/reports/open-data?{period}",
]
A_PRIVATE = {"Alpha secret plan": "title", "Alpha pending plan": "title", "Aili Alpha": "member_a", "aili@": "member_a",
             "Vilja Volunteer": "volunteer", "vilja@": "volunteer", "040 1234": "volunteer"}


@pytest.mark.parametrize("path", LISTS)
def test_lists_and_filters_show_nothing_of_a_to_others(w, path):
    """Group A's private titles, its representative and the volunteer on its shift, asked for by id in a filter
    or listed: only A's side (and the person themself) may see them."""
    vals = dict(_values(w), day=str(w.day))
    probe = Row("GET", path, path.format(**vals).replace("{", "{{").replace("}", "}}"), {}, None)
    for role in ("anon", "volunteer", "member_b", "staff_y"):
        r = call(w, probe, role)
        body = r.get_data(as_text=True)
        r.close()
        if w.snapshot() != w.saved:
            w.restore()  # e.g. one's own feed links, made when first listed
        assert r.status_code < 500
        leaked = [s for s, owner in A_PRIVATE.items() if s in body and owner != role]
        assert not leaked, (role, r.status_code, leaked)


# --- Group A's ids inside the bodies of the others' requests ------------------------------------------------------

BODY_IDS = [
    # (role, method, path, body, expected status; nothing may change)
    ("member_b", "POST", "/api/v1/activities", lambda w: {"group_id": w.gb, "title": "x", "booking_id": w.ba}, 422),
    ("staff_y", "POST", "/api/v1/activities", lambda w: {"facility_id": w.fy, "title": "x", "booking_id": w.ba}, 422),
    ("staff_y", "POST", "/api/v1/bookings", lambda w: {"space_id": w.sx, "group_id": w.gb, "title": "x",
                                                      "start": _local(w, 2, "10:00"), "end": _local(w, 2, "11:00")}, 403),
    ("member_b", "POST", "/api/v1/bookings", lambda w: {"space_id": w.sy, "group_id": w.ga, "title": "x",
                                                       "start": _local(w, 2, "10:00"), "end": _local(w, 2, "11:00")}, 403),
    ("member_b", "POST", "/api/v1/feeds/rotate", lambda w: {"kind": "group_bookings", "name": "Alpha Knitters"}, 404),
    ("volunteer", "POST", "/api/v1/feeds/rotate", lambda w: {"url": w.feed_url}, 404),
    # group A's representative also represents the unverified Alpha Juniors: an unverified group organises no volunteers
    ("member_a", "POST", "/api/v1/activities", lambda w: {"group_id": w.gn, "title": "x", "district": "Kallio"}, 403),
    ("member_b", "POST", "/api/v1/fill-plan", lambda w: {"shift_ids": [w.a1]}, 403),
    ("staff_y", "POST", "/api/v1/fill-plan/apply", lambda w: {"assignments": [{"shift_id": w.a1, "volunteer_id": w.vp}]}, 200),
    ("member_a", "POST", "/account/profile", lambda w: {"name": "x", "email": EMAILS["member_b"]}, 422),
]


@pytest.mark.parametrize("role,method,path,body,expected", BODY_IDS, ids=[f"{r} {m} {p} {i}" for i, (r, m, p, _b, _e) in enumerate(BODY_IDS)])
def test_ids_of_a_in_bodies_are_refused(w, role, method, path, body, expected):
    row = Row(method, path, path, {}, (lambda _w, _r: body(w)), "json" if path.startswith("/api/") else "form")
    r = call(w, row, role)
    r.close()
    changed = w.snapshot() != w.saved
    if changed:
        w.restore()
    assert (r.status_code, changed) == (expected, False)


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/x", "/\\evil.example", "javascript:alert(1)"])
def test_sign_in_and_language_do_not_send_people_elsewhere(w, target):
    r = w.app.test_client().post("/login", query_string={"next": target}, data={"email": SPARE, "password": PASSWORD})
    assert r.status_code == 302 and r.headers["Location"] in ("/", "http://commons.test/"), r.headers["Location"]
    r = client_for(w, "member_b").post("/language", data={"lang": "fi", "next": target})
    assert r.status_code == 302 and r.headers["Location"] in ("/", "http://commons.test/"), r.headers["Location"]
    w.restore()


# --- CSRF: every state-changing route refuses a browser session's request without the token -------------------

WRITES = [row for row in ROWS if row.method not in ("GET", "HEAD")]


def _csrf_role(row) -> str:
    """Whom to send as: the first role allowed (anonymous for sign-in, sign-up and the language switch),
    else a group representative (the token is checked before who may do what)."""
    return next((r for r in ROLES if _is_success(row.expected[r])), "member_a")


@pytest.mark.parametrize("row", WRITES, ids=[r.id for r in WRITES])
def test_session_writes_need_the_csrf_token(w, row):
    """A browser session (cookies only, as a forged cross-site form or fetch would send) without the CSRF
    token: pages answer 400 and the API 400 `csrf`; nothing changes. Bearer-token API calls need no token
    (test_who_may runs them with CSRF on for the API: `authenticate_and_check_csrf` always checks sessions)."""
    role = _csrf_role(row)
    url = row.path.format(**_values(w))
    api = url.startswith("/api/")
    c = client_for(w, role)
    w.app.config["WTF_CSRF_ENABLED"] = True
    try:
        r = c.open(url, method=row.method, **_body_kwargs(w, row, role))
    finally:
        w.app.config["WTF_CSRF_ENABLED"] = False
    changed = w.snapshot() != w.saved
    if changed:
        w.restore()
    assert not changed, f"{row.id} as {role}: answered {r.status_code} without a CSRF token and changed the database"
    if api and role == "anon":
        assert r.status_code == 401, r.status_code  # no session to forge: nothing to check
    elif api:
        assert r.status_code == 400 and r.get_json()["error"]["code"] == "csrf", (r.status_code, r.get_data(as_text=True)[:200])
    else:
        assert r.status_code == 400, (row.id, role, r.status_code)
