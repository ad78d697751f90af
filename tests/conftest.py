"""Fixtures: one migrated database per test run (SQLite by default, PostgreSQL when DATABASE_URL
points at one), emptied after every test; the app, clients, and factories for the things tests need."""
from __future__ import annotations

import os
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from flask.testing import FlaskClient
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from sqlalchemy import text

from commons import create_app
from commons.extensions import db as _db
from commons.models import ApiToken, Facility, FacilityStaff, Group, GroupMember, User
from spaces.models import OpeningHours, Space, SpaceFeature
from tests.support import clock

# live_server, browser_page (Playwright + system Chromium) and check_accessibility (axe-core); smtp_server
# (aiosmtpd); saved_world (a module's world built once, put back before each test).
pytest_plugins = ["tests.support.browser", "tests.support.smtp", "tests.support.saved_world"]

HELSINKI = ZoneInfo("Europe/Helsinki")
_CLOCK = pytest.StashKey()
PASSWORD = "correct horse battery"
# Every rate limit out of the way: one app (and one memory store of counts) serves the whole run,
# from one address. Tests of a limit set it tight on `app.config` and call limiter.reset()
# (tests/security/test_rate_limits.py).
RELAXED_LIMITS = {
    name: "1000000 per minute"
    for name in ("LOGIN_RATE_LIMIT", "LOGIN_ACCOUNT_RATE_LIMIT", "SIGNUP_RATE_LIMIT", "ACCOUNT_LOOKUP_RATE_LIMIT", "TOKEN_FAILURE_RATE_LIMIT",
                 "TOKEN_RATE_LIMIT", "BOOKING_RATE_LIMIT", "INVITE_RATE_LIMIT", "FEED_RATE_LIMIT", "SPACE_FEED_RATE_LIMIT",
                 "PASSWORD_RESET_RATE_LIMIT", "PASSWORD_RESET_ADDRESS_RATE_LIMIT", "VERIFY_RESEND_RATE_LIMIT")
}


# Property tests never fail because the machine is busy: no per-example deadline, no "too slow" health
# check (both measure time). In CI (CI=true) the examples are derandomized, so that a run does not depend
# on luck either; elsewhere they are random, and a failure prints how to reproduce it.
hypothesis_settings.register_profile("commons", deadline=None, suppress_health_check=[HealthCheck.too_slow])
hypothesis_settings.register_profile("commons-ci", parent=hypothesis_settings.get_profile("commons"), derandomize=True,
                                     database=None)
hypothesis_settings.load_profile("commons-ci" if os.environ.get("CI") else "commons")


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items):
    # A fuzz test is a slow one too, so that the fast lane (-m "not slow and not browser") leaves it out.
    for item in items:
        if item.get_closest_marker("fuzz") and not item.get_closest_marker("slow"):
            item.add_marker(pytest.mark.slow)


def pytest_addoption(parser):
    parser.addoption("--clock", default=os.environ.get(clock.ENV) or None, metavar="WHEN",
                     help="run the session with the wall clock moved to WHEN (ISO 8601; Helsinki time without "
                          "an offset) and ticking on from there; default: $COMMONS_TEST_CLOCK (tests/support/clock.py)")


def pytest_configure(config):
    # Before collection: parameters computed from today at import time see the moved clock too.
    when = config.getoption("--clock")
    if when:
        config.stash[_CLOCK] = clock.start(when)


def pytest_unconfigure(config):
    clock.stop()


def pytest_report_header(config):
    moment = config.stash.get(_CLOCK, None)
    return f"clock: moved to {clock.describe(moment)}" if moment else None


def _database_url(tmp_path_factory) -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        return url
    return "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.db")


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    return _database_url(tmp_path_factory)


@pytest.fixture(scope="session")
def is_postgres(database_url) -> bool:
    return database_url.startswith("postgres")


class EnglishClient(FlaskClient):
    """A test client whose requests ask for English pages (Accept-Language: en) unless a test gives
    another Accept-Language: the pages default to Finnish, and most tests read English texts.
    tests/i18n/test_languages_and_catalogs.py checks the other languages and the default."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.environ_base.setdefault("HTTP_ACCEPT_LANGUAGE", "en")


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    os.environ.setdefault("COMMONS_INSTANCE", str(tmp_path_factory.mktemp("instance")))
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SECRET_KEY": "test-secret",
            "WTF_CSRF_ENABLED": False,
            **RELAXED_LIMITS,  # tests sign in often; test_login and test_rate_limits set real ones
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",  # fast in tests; production uses scrypt
            "SERVER_NAME": "commons.test",
            "OPEN_DATA_CACHE_SECONDS": 0,  # fresh figures in every test (one app for the session)
            "PASSWORD_RESET_MIN_SECONDS": 0,  # "Forgot your password?" answers at once (test_account_links sets it)
        }
    )
    app.test_client_class = EnglishClient
    from flask_migrate import upgrade

    with app.app_context():
        if database_url.startswith("postgres"):
            with _db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        else:
            _db.drop_all()
            with _db.engine.begin() as conn:
                conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
        upgrade()
    yield app
    with app.app_context():
        _db.session.remove()
        _db.engine.dispose()


@pytest.fixture(autouse=True)
def _clean_database(request):
    """Empty every table after each test that used the database."""
    yield
    if "app" not in request.fixturenames:
        return
    app = request.getfixturevalue("app")
    with app.app_context():
        _db.session.remove()
        tables = [t.name for t in _db.metadata.sorted_tables]
        with _db.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                # DELETE and rewinding the sequences: ~4 ms where TRUNCATE ... RESTART IDENTITY takes ~45 ms
                # (it makes new files for 21 tables), which is minutes over the suite.
                conn.execute(text("; ".join(f"DELETE FROM {name}" for name in reversed(tables))))
                conn.execute(text("SELECT setval(c.oid, 1, false) FROM pg_class c "
                                  "WHERE c.relkind = 'S' AND c.relnamespace = current_schema()::regnamespace"))
            else:
                for name in reversed(tables):
                    conn.execute(text(f"DELETE FROM {name}"))


@pytest.fixture
def no_server_error_logged(caplog):
    """Nothing a client sends leaves a traceback in the server log (the 500 handler logs one)."""
    caplog.set_level("ERROR", logger="commons")
    yield
    errors = [r for r in caplog.get_records("call") if r.levelno >= 40]
    assert not errors, "server logged: " + "; ".join(r.getMessage() for r in errors)


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield
        _db.session.remove()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


# --- Factories -------------------------------------------------------------------------------------


class Api:
    """A JSON client acting as one user (or anonymously)."""

    def __init__(self, client, token: str | None):
        self.client = client
        self.token = token

    def _headers(self):
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def get(self, path, **params):
        return self.client.get("/api/v1" + path, query_string=params, headers=self._headers())

    def post(self, path, json=None, **kw):
        return self.client.post("/api/v1" + path, json=json if json is not None else {}, headers=self._headers(), **kw)

    def patch(self, path, json=None):
        return self.client.patch("/api/v1" + path, json=json or {}, headers=self._headers())

    def delete(self, path):
        return self.client.delete("/api/v1" + path, headers=self._headers())


@pytest.fixture
def anon(client):
    return Api(client, None)


@pytest.fixture
def make_user(app, client):
    """make_user(role, groups=[group], facilities=[facility]) -> (User id, Api acting as them)."""
    counter = {"n": 0}

    def make(role="member", groups=(), facilities=(), email=None, name=None):
        counter["n"] += 1
        with app.app_context():
            user = User(email=email or f"user{counter['n']}@example.fi", name=name or f"User {counter['n']}", role=role)
            user.set_password(PASSWORD)
            _db.session.add(user)
            _db.session.flush()
            for g in groups:
                _db.session.add(GroupMember(group_id=g, user_id=user.id))
            for f in facilities:
                _db.session.add(FacilityStaff(facility_id=f, user_id=user.id))
            token = ApiToken.generate()
            _db.session.add(ApiToken(user_id=user.id, token_hash=ApiToken.hash(token)))
            _db.session.commit()
            uid = user.id
        api = Api(app.test_client(), token)
        api.user_id = uid
        api.email = email or f"user{counter['n']}@example.fi"
        return api

    return make


@pytest.fixture
def make_group(app):
    def make(name=None, verified=True, kind="association", district="Kallio"):
        with app.app_context():
            n = _db.session.query(Group).count() + 1
            group = Group(name=name or f"Group {n}", kind=kind, district=district, verified=verified)
            _db.session.add(group)
            _db.session.commit()
            return group.id

    return make


@pytest.fixture
def make_facility(app):
    def make(name=None, district="Kallio"):
        with app.app_context():
            n = _db.session.query(Facility).count() + 1
            facility = Facility(name=name or f"Facility {n}", district=district, address=f"Street {n}, Helsinki")
            _db.session.add(facility)
            _db.session.commit()
            return facility.id

    return make


ALL_WEEK = {d: [("08:00", "22:00")] for d in range(7)}


@pytest.fixture
def make_space(app, make_facility):
    """make_space(facility_id=None, hours=ALL_WEEK, **rules) -> space id. Defaults: open 08-22 every
    day, 30-minute grid, 30..240 minutes, 400-day horizon, no buffer, no quota, no approval."""

    def make(facility_id=None, hours=None, name=None, capacity=20, accessibility=(), equipment=(), **rules):
        facility_id = facility_id or make_facility()
        defaults = dict(buffer_minutes=0, min_minutes=30, max_minutes=240, slot_minutes=30, horizon_days=400,
                        weekly_quota_minutes=None, requires_approval=False)
        defaults.update(rules)
        with app.app_context():
            space = Space(facility_id=facility_id, name=name or "Room", capacity=capacity, timezone="Europe/Helsinki", **defaults)
            space.opening_hours = [
                OpeningHours(weekday=d, opens_minute=_m(o), closes_minute=_m(c))
                for d, spans in (hours or ALL_WEEK).items()
                for o, c in spans
            ]
            space.features = [SpaceFeature(kind="accessibility", code=c) for c in accessibility] + [
                SpaceFeature(kind="equipment", code=c) for c in equipment
            ]
            _db.session.add(space)
            _db.session.commit()
            return space.id

    return make


def _m(hhmm: str) -> int:
    h, m = hhmm.split(":")
    return int(h) * 60 + int(m)


def sign_in_without_form(app, client, user_id: int) -> None:
    """Make `client`'s session signed in as the user, as the sign-in form would (a SignIn row and
    its secret in the session), for tests that must not post the form (e.g. with CSRF on)."""
    from commons.auth import SIGN_IN_KEY
    from commons.services import start_sign_in

    with app.app_context():
        user = _db.session.get(User, user_id)
        secret = start_sign_in(user)
        with client.session_transaction() as sess:
            sess["_user_id"] = user.get_id()
            sess["_fresh"] = True
            sess[SIGN_IN_KEY] = secret


# --- Time helpers -----------------------------------------------------------------------------------


def next_weekday(weekday: int, weeks_ahead: int = 1) -> date:
    """A date on `weekday` (Monday 0) at least `weeks_ahead` weeks from today (Helsinki).

    Two calls are not in weekday order: on a Wednesday next_weekday(1) is 13 days ahead and
    next_weekday(3) 8. For several days of one week, count from next_monday()."""
    today = datetime.now(HELSINKI).date()
    return today + timedelta(days=(weekday - today.weekday()) % 7 + 7 * weeks_ahead)


def next_monday(weeks_ahead: int = 1) -> date:
    """The first Monday at least `weeks_ahead` weeks from today (Helsinki): `next_monday() + timedelta(days=k)`
    are the days of one week, in order, each at least `weeks_ahead` weeks ahead."""
    base = datetime.now(HELSINKI).date() + timedelta(days=7 * weeks_ahead)
    return base + timedelta(days=-base.weekday() % 7)


def local(day: date, hhmm: str) -> str:
    """Naive local ISO text, as a client would send it."""
    return datetime.combine(day, time.fromisoformat(hhmm)).isoformat(timespec="minutes")


def _next_last_sunday(month: int, after: date | None) -> date:
    after = after or datetime.now(HELSINKI).date()
    year = after.year
    while True:
        d = date(year, month, 31)
        d -= timedelta(days=(d.weekday() - 6) % 7)
        if d > after:
            return d
        year += 1


def next_dst_start(after: date | None = None) -> date:
    """The next last Sunday of March (EU clocks go forward: 03:00 -> 04:00 in Helsinki)."""
    return _next_last_sunday(3, after)


def next_dst_end(after: date | None = None) -> date:
    """The next last Sunday of October (clocks go back: 04:00 -> 03:00 in Helsinki)."""
    return _next_last_sunday(10, after)
