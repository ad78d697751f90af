"""Rate limits (commons.ratelimits): each limit counted on its own key (IP address, account, group,
organiser, feed link), shared by the API and the pages where both can do the thing, and every 429
with Retry-After: JSON `rate_limited` under /api/, the "wait N minutes" page elsewhere.

The session's app has every limit relaxed (tests/conftest.py RELAXED_LIMITS); each test here sets
the limits it is about to something tiny on the running app, and empties the counts before and after.
The counts are per window starting at the first hit, so nothing here depends on the clock.
"""
from __future__ import annotations

import re

import pytest

from commons.extensions import limiter
from tests.conftest import PASSWORD, local, next_weekday
from tests.volunteers.conftest import world  # noqa: F401 (fixture)


@pytest.fixture
def limits(app, monkeypatch):
    """limits(NAME="2 per minute", ...) on the running app, with fresh counts."""
    limiter.reset()

    def set_limits(**values):
        for name, value in values.items():
            monkeypatch.setitem(app.config, name, value)

    yield set_limits
    limiter.reset()


def from_ip(app, ip: str):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = ip
    return client


def assert_api_429(r):
    assert r.status_code == 429, (r.status_code, r.get_data(as_text=True)[:300])
    assert r.get_json()["error"]["code"] == "rate_limited"
    assert r.get_json()["error"]["message"]
    assert int(r.headers["Retry-After"]) > 0


def assert_page_429(r):
    assert r.status_code == 429, (r.status_code, r.get_data(as_text=True)[:300])
    seconds = int(r.headers["Retry-After"])
    assert seconds > 0
    page = r.get_data(as_text=True)
    assert "<h1>Too many requests</h1>" in page
    assert re.search(r"Too many tries in a short time\. Wait \d+ (seconds?|minutes?) and try again\.", page), page


# --- Signing in ----------------------------------------------------------------------------------------


def test_password_guessing_on_one_account_from_many_addresses_is_limited(app, make_user, limits):
    limits(LOGIN_ACCOUNT_RATE_LIMIT="3 per 15 minutes")  # per IP stays relaxed: only the account limit can stop this
    make_user(email="sari@example.fi")
    make_user(email="other@example.fi")
    for i in range(3):  # three addresses, one wrong guess each, the address typed differently each time
        r = from_ip(app, f"10.0.0.{i + 1}").post("/login", data={"email": [" Sari@example.fi", "SARI@EXAMPLE.FI", "sari@example.fi "][i], "password": f"guess {i}"})
        assert r.status_code == 422
    r = from_ip(app, "10.0.0.9").post("/login", data={"email": "sari@example.fi", "password": "guess 4"})
    assert_page_429(r)
    assert 60 < int(r.headers["Retry-After"]) <= 15 * 60
    assert "Wait 15 minutes" in r.get_data(as_text=True)
    # Once over, even the right password waits: the guesser cannot tell a hit.
    assert_page_429(from_ip(app, "10.0.0.10").post("/login", data={"email": "sari@example.fi", "password": PASSWORD}))
    # Another account, from the same addresses, is not affected.
    r = from_ip(app, "10.0.0.1").post("/login", data={"email": "other@example.fi", "password": PASSWORD})
    assert r.status_code == 302


def test_successful_sign_ins_do_not_count_against_the_account(app, make_user, limits):
    limits(LOGIN_ACCOUNT_RATE_LIMIT="2 per 15 minutes")
    make_user(email="sari@example.fi")
    for i in range(5):
        r = from_ip(app, f"10.0.1.{i}").post("/login", data={"email": "sari@example.fi", "password": PASSWORD})
        assert r.status_code == 302


def test_sign_in_per_address_counts_every_account(app, make_user, limits):
    limits(LOGIN_RATE_LIMIT="3 per minute")
    client = from_ip(app, "10.0.2.1")
    for i in range(3):
        assert client.post("/login", data={"email": f"person{i}@example.fi", "password": "x" * 9}).status_code == 422
    assert_page_429(client.post("/login", data={"email": "person9@example.fi", "password": "x" * 9}))
    assert from_ip(app, "10.0.2.2").post("/login", data={"email": "person9@example.fi", "password": "x" * 9}).status_code == 422


def test_sign_up_per_address(app, limits):
    limits(SIGNUP_RATE_LIMIT="2 per hour")
    client = from_ip(app, "10.0.3.1")
    for i in range(2):  # every attempt counts, whatever became of it
        r = client.post("/signup", data={"email": f"new{i}@example.fi", "name": "New", "password": "long enough", "role": "volunteer"})
        assert r.status_code in (302, 422)
    r = client.post("/signup", data={"email": "new9@example.fi", "name": "New", "password": "long enough", "role": "volunteer"})
    assert_page_429(r)
    assert "Wait 60 minutes" in r.get_data(as_text=True) or "Wait 59 minutes" in r.get_data(as_text=True)


# --- API tokens --------------------------------------------------------------------------------------------


def test_invalid_tokens_from_one_address_are_limited(app, make_user, limits):
    limits(TOKEN_FAILURE_RATE_LIMIT="3 per minute")
    valid = make_user()
    guesser = from_ip(app, "10.0.4.1")
    for i in range(3):
        r = guesser.get("/api/v1/me", headers={"Authorization": f"Bearer guess-{i}"})
        assert r.status_code == 401
    assert guesser.get("/api/v1/me", headers={"Authorization": "Basic abc"}).status_code == 429  # not Bearer: a failure too
    assert_api_429(guesser.get("/api/v1/me", headers={"Authorization": "Bearer guess-4"}))
    # Once over, even a valid token from that address waits (the guesser cannot tell a hit) ...
    assert_api_429(guesser.get("/api/v1/me", headers={"Authorization": f"Bearer {valid.token}"}))
    # ... while requests without a token from it, and the token from elsewhere, are served.
    assert guesser.get("/api/v1/groups").status_code == 200
    assert from_ip(app, "10.0.4.2").get("/api/v1/me", headers={"Authorization": f"Bearer {valid.token}"}).status_code == 200


def test_valid_token_use_does_not_count_as_failures(app, make_user, limits):
    limits(TOKEN_FAILURE_RATE_LIMIT="2 per minute")
    user = make_user()
    client = from_ip(app, "10.0.5.1")
    for _ in range(6):
        assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {user.token}"}).status_code == 200


def test_token_use_per_account_across_tokens_and_addresses(app, make_user, limits):
    limits(TOKEN_RATE_LIMIT="4 per minute")
    from commons.extensions import db
    from commons.models import ApiToken

    user, other = make_user(), make_user()
    second = ApiToken.generate()
    with app.app_context():
        db.session.add(ApiToken(user_id=user.user_id, token_hash=ApiToken.hash(second)))
        db.session.commit()
    for i, token in enumerate([user.token, second, user.token, second]):
        r = from_ip(app, f"10.0.6.{i}").get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 200
    r = from_ip(app, "10.0.6.9").post("/api/v1/groups", json={"name": "x"}, headers={"Authorization": f"Bearer {second}"})
    assert_api_429(r)
    assert from_ip(app, "10.0.6.9").get("/api/v1/me", headers={"Authorization": f"Bearer {other.token}"}).status_code == 200


# --- Bookings per group ------------------------------------------------------------------------------------


def test_booking_requests_per_group_counted_across_the_api_the_page_and_staff_on_behalf(
    app, make_user, make_group, make_facility, make_space, limits
):
    limits(BOOKING_RATE_LIMIT="3 per minute")
    facility = make_facility()
    space = make_space(facility)
    group, other_group = make_group(), make_group()
    first, second = make_user(groups=[group]), make_user(groups=[group])
    other = make_user(groups=[other_group])
    staff = make_user("staff", facilities=[facility])
    day = next_weekday(2)

    def api_booking(api, group_id, hour):
        body = {"space_id": space, "group_id": group_id, "title": "Choir", "attendees": 5,
                "start": local(day, f"{hour:02d}:00"), "end": local(day, f"{hour:02d}:30")}
        return api.post("/bookings", body)

    def page_booking(api, group_id, hour):
        client = app.test_client()
        assert client.post("/login", data={"email": api.email, "password": PASSWORD}).status_code == 302
        return client.post(f"/spaces/{space}", data={
            "group": group_id, "title": "Choir", "date": day.isoformat(), "start": f"{hour:02d}:00",
            "end": f"{hour:02d}:30", "attendees": 5, "on_conflict": "reject"})

    assert api_booking(first, group, 9).status_code == 201
    r = page_booking(staff, group, 10)  # staff booking on behalf of the group: the same count
    assert r.status_code in (200, 302) and r.status_code != 429
    assert api_booking(second, group, 11).status_code == 201
    assert_api_429(api_booking(first, group, 12))
    assert_page_429(page_booking(second, group, 13))
    # Another group is not held back, by the same staff member either.
    assert api_booking(other, other_group, 14).status_code == 201
    assert page_booking(staff, other_group, 15).status_code != 429
    from commons.extensions import db
    from spaces.models import Booking

    with app.app_context():
        assert db.session.query(Booking).filter_by(group_id=group).count() == 3  # none stored by a refused request


# --- Invitations per organiser -----------------------------------------------------------------------------


def test_invitations_per_organiser_across_the_api_and_the_page(app, world, make_user, limits):  # noqa: F811
    limits(INVITE_RATE_LIMIT="2 per hour")
    shift = world.shift(world.activity())
    other_shift = world.shift(world.activity(title="Chess club"))
    v1, v2, v3 = world.volunteer(), world.volunteer(), world.volunteer()
    assert world.organiser.post(f"/shifts/{shift}/invite", {"volunteer_id": v1.profile_id}).status_code == 200
    page = app.test_client()
    assert page.post("/login", data={"email": world.organiser.email, "password": PASSWORD}).status_code == 302
    r = page.post(f"/shifts/{other_shift}/invite", data={"volunteer_id": str(v2.profile_id)})
    assert r.status_code == 302
    assert_api_429(world.organiser.post(f"/shifts/{shift}/invite", {"volunteer_id": v3.profile_id}))
    assert_page_429(page.post(f"/shifts/{shift}/invite", data={"volunteer_id": str(v3.profile_id)}))
    # Another organiser is not held back.
    group2 = world.group
    organiser2 = make_user("member", groups=[group2])
    assert organiser2.post(f"/shifts/{shift}/invite", {"volunteer_id": v3.profile_id}).status_code == 200


def test_a_fill_plan_counts_each_of_its_invitations(app, world, make_user, limits):  # noqa: F811
    """Applying a plan sends one invitation per assignment: each counts, else a plan of 5 000 would be
    the way round the limit."""
    limits(INVITE_RATE_LIMIT="3 per hour")
    activity = world.activity()
    shift = world.shift(activity, needed=5)
    v1, v2, v3, v4 = (world.volunteer() for _ in range(4))
    assert world.organiser.post(f"/shifts/{shift}/invite", {"volunteer_id": v1.profile_id}).status_code == 200
    r = world.organiser.post("/fill-plan/apply", {"assignments": [{"shift_id": shift, "volunteer_id": v.profile_id}
                                                                  for v in (v2, v3)]})
    assert r.status_code == 200 and len(r.get_json()["applied"]) == 2
    assert_api_429(world.organiser.post(f"/shifts/{shift}/invite", {"volunteer_id": v4.profile_id}))
    # The page's form counts the same way.
    page = app.test_client()
    assert page.post("/login", data={"email": world.organiser.email, "password": PASSWORD}).status_code == 302
    assert_page_429(page.post(f"/activities/{activity}/fill-plan", data={"assignments": f"{shift}:{v4.profile_id}"}))
    # A plan larger than the whole allowance is refused whole: nothing is sent.
    organiser2 = make_user("member", groups=[world.group])
    four = [{"shift_id": shift, "volunteer_id": v.profile_id} for v in (v1, v2, v3, v4)]
    assert_api_429(organiser2.post("/fill-plan/apply", {"assignments": four}))
    assert len(world.organiser.get(f"/shifts/{shift}/signups").get_json()) == 3


# --- Feeds ------------------------------------------------------------------------------------------------


def test_fetches_per_personal_feed_link_and_the_secret_is_not_a_key(app, make_user, make_group, limits):
    limits(FEED_RATE_LIMIT="2 per hour")
    group = make_group()
    user = make_user(groups=[group])
    links = user.get("/feeds").get_json()
    assert links
    path = links[0]["url"].split("//", 1)[1].split("/", 1)[1]
    secret = path.rsplit("/", 1)[1].removesuffix(".ics")
    for i in range(2):
        assert from_ip(app, f"10.0.7.{i}").get("/" + path).status_code == 200
    r = from_ip(app, "10.0.7.9").get("/" + path)
    assert_page_429(r)
    assert r.headers["Content-Security-Policy"]  # an error page like any other
    # Another link is not held back.
    other = make_user(groups=[make_group()]).get("/feeds").get_json()[0]["url"]
    assert app.test_client().get("/" + other.split("//", 1)[1].split("/", 1)[1]).status_code == 200
    # The counts are kept under a hash of the secret (Redis keys, Flask-Limiter's log lines).
    keys = list(limiter.storage.storage.keys())
    assert keys and not any(secret in key for key in keys)


def test_space_feeds_per_address_all_spaces_together(app, make_space, limits):
    limits(SPACE_FEED_RATE_LIMIT="3 per hour")
    a, b = make_space(), make_space()
    client = from_ip(app, "10.0.8.1")
    assert [client.get(f"/calendars/spaces/{s}.ics").status_code for s in (a, b, a)] == [200, 200, 200]
    assert_page_429(client.get(f"/calendars/spaces/{b}.ics"))
    assert from_ip(app, "10.0.8.2").get(f"/calendars/spaces/{b}.ics").status_code == 200


# --- Settings ------------------------------------------------------------------------------------------


def test_a_limit_setting_that_is_not_a_limit_stops_the_start(monkeypatch, tmp_path):
    from commons.config import from_environment

    monkeypatch.setenv("BOOKING_RATE_LIMIT", "lots")
    with pytest.raises(RuntimeError, match="BOOKING_RATE_LIMIT='lots' is not a rate limit"):
        from_environment(str(tmp_path))
    monkeypatch.setenv("BOOKING_RATE_LIMIT", "5 per minute;100 per day")
    assert from_environment(str(tmp_path))["BOOKING_RATE_LIMIT"] == "5 per minute;100 per day"


def test_behind_a_trusted_proxy_each_client_address_counts(database_url, monkeypatch):
    from commons import create_app
    from commons.extensions import db
    from tests.conftest import RELAXED_LIMITS

    def served(proxies):
        app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "TESTING": True, "SECRET_KEY": "t", "WTF_CSRF_ENABLED": False,
                          "SERVER_NAME": "commons.test", **dict(RELAXED_LIMITS, LOGIN_RATE_LIMIT="2 per minute"),
                          "TRUSTED_PROXIES": proxies})
        limiter.reset()
        client = from_ip(app, "192.0.2.1")  # the proxy
        codes = [client.post("/login", data={"email": "x@example.fi", "password": "wrong one"},
                             headers={"X-Forwarded-For": f"10.9.0.{i}"}).status_code for i in range(4)]
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        limiter.reset()
        return codes

    assert served(1) == [422, 422, 422, 422]  # four clients behind the proxy, one try each
    assert served(0) == [422, 422, 429, 429]  # no proxy trusted: the header is ignored, one address
