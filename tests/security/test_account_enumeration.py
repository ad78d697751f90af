"""Whether an e-mail address has an account is not told by sign-in's answer nor by its time, and the
answers that must tell it (sign-up, adding a representative, changing one's address) share a rate limit
(issue 23 item 4; docs/security.md "Security and privacy").

Timing is tested without a clock: an unknown address must cost the same password-hash check, with a hash
of the same method and cost, as a wrong password does (the measured times are in docs/security.md)."""
from __future__ import annotations

import pytest

import commons.models
from commons.extensions import db, limiter
from commons.services import create_user
from tests.conftest import PASSWORD


@pytest.fixture
def hash_checks(monkeypatch):
    """Every password-hash check made: the stored hash it compared with."""
    seen: list[str] = []
    real = commons.models.check_password_hash

    def spy(pwhash: str, password: str) -> bool:
        seen.append(pwhash)
        return real(pwhash, password)

    monkeypatch.setattr(commons.models, "check_password_hash", spy)
    return seen


def method_of(pwhash: str) -> str:
    return pwhash.split("$", 1)[0]  # e.g. "scrypt:32768:8:1" or "pbkdf2:sha256:1000": the method and its cost


@pytest.fixture
def limits(app, monkeypatch):
    limiter.reset()

    def set_limits(**values):
        for name, value in values.items():
            monkeypatch.setitem(app.config, name, value)

    yield set_limits
    limiter.reset()


def test_an_unknown_address_costs_the_same_hash_check_as_a_wrong_password(app, make_user, hash_checks):
    make_user(email="sari@example.fi")
    with app.app_context():
        stored = db.session.execute(db.select(commons.models.User.password_hash)).scalar_one()
    client = app.test_client()

    wrong = client.post("/login", data={"email": "sari@example.fi", "password": "wrong guess"})
    assert wrong.status_code == 422 and len(hash_checks) == 1 and hash_checks[0] == stored
    unknown = client.post("/login", data={"email": "nobody@example.fi", "password": "wrong guess"})
    assert unknown.status_code == 422
    assert len(hash_checks) == 2, "an unknown address was answered without a password-hash check: faster than a wrong password"
    assert hash_checks[1] != stored and method_of(hash_checks[1]) == method_of(stored) == app.config["PASSWORD_HASH_METHOD"]
    assert wrong.get_data(as_text=True).count("The e-mail or the password is not right.") == 1
    assert unknown.get_data(as_text=True).count("The e-mail or the password is not right.") == 1


def test_the_dummy_hash_follows_the_configured_method(app, monkeypatch, hash_checks):
    monkeypatch.setitem(app.config, "PASSWORD_HASH_METHOD", "pbkdf2:sha256:2000")
    assert app.test_client().post("/login", data={"email": "nobody@example.fi", "password": "x" * 10}).status_code == 422
    assert [method_of(h) for h in hash_checks] == ["pbkdf2:sha256:2000"]


def test_an_account_without_a_password_costs_a_hash_check_too(app, hash_checks):
    with app.app_context():
        create_user("nopw@example.fi", "No Password", "member")  # the command line, without --password
    r = app.test_client().post("/login", data={"email": "nopw@example.fi", "password": "anything at all"})
    assert r.status_code == 422
    assert len(hash_checks) == 1 and method_of(hash_checks[0]) == app.config["PASSWORD_HASH_METHOD"]


def test_the_right_password_still_signs_in(app, make_user, hash_checks):
    make_user(email="sari@example.fi")
    client = app.test_client()
    assert client.post("/login", data={"email": "sari@example.fi", "password": PASSWORD}).status_code == 302
    assert client.get("/api/v1/me").get_json()["email"] == "sari@example.fi"
    assert len(hash_checks) == 1


# --- Answers that must tell: one limit -----------------------------------------------------------------


def test_probing_addresses_by_adding_representatives_is_limited(app, make_user, limits):
    """A signed-in person registers a group, then tries addresses as co-representatives: each "nobody
    has an account" is counted, and the API and the page count together."""
    limits(ACCOUNT_LOOKUP_RATE_LIMIT="3 per hour")
    make_user(email="known@example.fi")
    rep = make_user()
    group_id = rep.post("/groups", {"name": "Probe Club", "kind": "association", "district": "Kallio"}).get_json()["id"]
    codes = [rep.post(f"/groups/{group_id}/members", {"email": f"guess{i}@example.fi"}).status_code for i in range(2)]
    page = app.test_client()
    page.post("/login", data={"email": rep.email, "password": PASSWORD})
    codes.append(page.post(f"/groups/{group_id}/representatives", data={"email": "guess9@example.fi"}).status_code)
    assert codes == [422, 422, 422]
    over = rep.post(f"/groups/{group_id}/members", {"email": "known@example.fi"})
    assert over.status_code == 429, over.get_json()
    assert over.get_json()["error"]["code"] == "rate_limited" and int(over.headers["Retry-After"]) > 0


def test_adding_representatives_who_have_accounts_is_not_counted(app, make_user, limits):
    limits(ACCOUNT_LOOKUP_RATE_LIMIT="1 per hour")
    rep = make_user()
    group_id = rep.post("/groups", {"name": "Busy Club", "kind": "association", "district": "Kallio"}).get_json()["id"]
    for i in range(3):
        other = make_user()
        assert rep.post(f"/groups/{group_id}/members", {"email": other.email}).status_code == 201


def test_probing_addresses_from_many_accounts_on_one_address_is_limited(app, make_user, limits):
    limits(ACCOUNT_LOOKUP_RATE_LIMIT="2 per hour")
    answers = []
    for i in range(3):
        rep = make_user()
        group_id = rep.post("/groups", {"name": f"Probe Club {i}", "kind": "association", "district": "Kallio"}).get_json()["id"]
        answers.append(rep.post(f"/groups/{group_id}/members", {"email": f"guess{i}@example.fi"}).status_code)
    assert answers == [422, 422, 429]


def test_probing_addresses_by_changing_ones_own_is_limited(app, make_user, limits):
    limits(ACCOUNT_LOOKUP_RATE_LIMIT="2 per hour")
    for i in range(3):
        make_user(email=f"taken{i}@example.fi")
    me = make_user(email="me@example.fi")
    page = app.test_client()
    page.post("/login", data={"email": me.email, "password": PASSWORD})
    codes = [page.post("/account/profile", data={"name": "Me", "email": f"taken{i}@example.fi"}).status_code for i in range(3)]
    assert codes == [422, 422, 429]


def test_sign_up_with_a_taken_address_counts_in_the_same_limit(app, make_user, limits):
    """Sign-up must say that the address has an account (it signs the new account in at once); the
    refusals count with the other answers of the kind, per IP address."""
    limits(ACCOUNT_LOOKUP_RATE_LIMIT="2 per hour")  # SIGNUP_RATE_LIMIT stays relaxed: only this limit can stop it
    for i in range(3):
        make_user(email=f"taken{i}@example.fi")
    client = app.test_client()
    form = {"role": "member", "name": "Prober", "password": "long enough 1", "confirm": "long enough 1"}
    codes = [client.post("/signup", data={**form, "email": f"taken{i}@example.fi"}).status_code for i in range(3)]
    assert codes == [422, 422, 429]


def test_the_first_unknown_address_makes_no_hash_of_its_own(app, monkeypatch):
    """The hash unknown addresses are checked against is made when the app starts (each gunicorn
    worker): made at the first unknown address, that sign-in cost two hashes, twice a wrong password's
    time (found replaying the attack against four fresh workers: 177 ms against 94 ms)."""
    made = []
    real = commons.models.generate_password_hash
    monkeypatch.setattr(commons.models, "generate_password_hash", lambda *a, **kw: made.append(a) or real(*a, **kw))
    assert app.config["PASSWORD_HASH_METHOD"] in commons.models._DUMMY_HASHES
    r = app.test_client().post("/login", data={"email": "first-unknown@example.fi", "password": "wrong guess"})
    assert r.status_code == 422 and made == []


def test_create_app_makes_the_dummy_hash(monkeypatch):
    from commons import create_app

    monkeypatch.setattr(commons.models, "_DUMMY_HASHES", {})
    create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://", "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1234"})
    assert list(commons.models._DUMMY_HASHES) == ["pbkdf2:sha256:1234"]
