"""Sign-in: a fresh session, wrong passwords refused without saying which part was wrong, rate limited."""
import pytest

from commons.extensions import limiter
from tests.conftest import PASSWORD


@pytest.fixture
def limits_on(app):
    limiter.reset()
    relaxed = app.config["LOGIN_RATE_LIMIT"]
    app.config["LOGIN_RATE_LIMIT"] = "10 per minute"  # the production default
    yield
    app.config["LOGIN_RATE_LIMIT"] = relaxed
    limiter.reset()


def test_sign_in_and_out(app, make_user):
    make_user(email="sari@example.fi")
    client = app.test_client()
    r = client.post("/login?next=/spaces", data={"email": "Sari@Example.fi ", "password": PASSWORD})
    assert r.status_code == 302 and r.headers["Location"].endswith("/spaces")
    assert client.get("/api/v1/me").get_json()["email"] == "sari@example.fi"
    assert client.post("/logout").status_code == 302
    assert client.get("/api/v1/me").status_code == 401


def test_next_cannot_leave_the_site(app, make_user):
    make_user(email="sari@example.fi")
    r = app.test_client().post("/login?next=//evil.example/x", data={"email": "sari@example.fi", "password": PASSWORD})
    assert r.status_code == 302 and "evil.example" not in r.headers["Location"]


def test_wrong_password_is_refused_without_telling_which(app, make_user):
    make_user(email="sari@example.fi")
    client = app.test_client()
    wrong = client.post("/login", data={"email": "sari@example.fi", "password": "nope nope"})
    unknown = client.post("/login", data={"email": "nobody@example.fi", "password": "nope nope"})
    assert wrong.status_code == unknown.status_code == 422
    assert "The e-mail or the password is not right." in wrong.get_data(as_text=True)
    assert "The e-mail or the password is not right." in unknown.get_data(as_text=True)
    assert client.get("/api/v1/me").status_code == 401


def test_password_guessing_is_rate_limited(app, make_user, limits_on):
    make_user(email="sari@example.fi")
    client = app.test_client()
    codes = [client.post("/login", data={"email": "sari@example.fi", "password": f"guess {i}"}).status_code for i in range(11)]
    assert codes[:10] == [422] * 10
    assert codes[10] == 429
    r = client.post("/login", data={"email": "sari@example.fi", "password": PASSWORD})
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0
    assert "Too many requests" in r.get_data(as_text=True)
