"""Security headers on every response, and pages that never need inline script.

Walks every page of tests/support/page_inventory.py as each role, JSON answers of the API (errors 401,
404, 405, 413, 422, 429 included), the .ics feeds and downloads (304 too), static files, redirects
and the error pages (400, 403, 404, 405, 429, 500), and checks on each: a Content-Security-Policy
whose scripts come only from the site ('self', no 'unsafe-inline' or 'unsafe-eval') and that no
other site may frame (frame-ancestors 'none'), X-Frame-Options, X-Content-Type-Options and
Referrer-Policy. Every HTML page is parsed: no <script> without src, no on* attribute, no
javascript: URL, no inline style (style-src 'self' would block it too).
"""
from __future__ import annotations

from html.parser import HTMLParser

import pytest

from commons.extensions import limiter
from tests.conftest import PASSWORD
from tests.support.page_inventory import ROLES, every_page, seed_world

CHECKED: list[str] = []  # what was checked, for the figures in docs/security.md


def csp_directives(value: str) -> dict[str, list[str]]:
    out = {}
    for part in value.split(";"):
        words = part.split()
        if words:
            out[words[0].lower()] = [w.lower() for w in words[1:]]
    return out


def assert_security_headers(r, what: str) -> None:
    h = r.headers
    csp = h.get("Content-Security-Policy")
    assert csp, f"{what}: no Content-Security-Policy"
    d = csp_directives(csp)
    scripts = d.get("script-src", d.get("default-src"))
    assert scripts is not None, f"{what}: no script-src or default-src in {csp}"
    assert "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts and "*" not in scripts, (what, csp)
    assert "data:" not in scripts, (what, csp)
    assert d.get("default-src") == ["'self'"], (what, csp)
    assert d.get("frame-ancestors") == ["'none'"], (what, csp)
    assert h.get("X-Frame-Options") == "DENY", what
    assert h.get("X-Content-Type-Options") == "nosniff", what
    assert h.get("Referrer-Policy") in ("same-origin", "no-referrer", "strict-origin", "strict-origin-when-cross-origin"), what
    CHECKED.append(f"{r.status_code} {what}")


class InlineScriptFinder(HTMLParser):
    URL_ATTRIBUTES = {"href", "src", "action", "formaction", "data", "xlink:href", "poster"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.scripts = 0

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "script":
            self.scripts += 1
            if not attributes.get("src"):
                self.problems.append("<script> without src")
        if tag == "style":
            self.problems.append("<style> element")
        for name, value in attrs:
            if name.lower().startswith("on"):
                self.problems.append(f"<{tag} {name}=...>")
            if name.lower() == "style":
                self.problems.append(f"<{tag} style=...>")
            if name.lower() in self.URL_ATTRIBUTES and value and "".join(value.split()).lower().startswith(("javascript:", "vbscript:")):
                self.problems.append(f"<{tag} {name}={value!r}>")

    handle_startendtag = handle_starttag


def assert_no_inline_script(r, what: str) -> None:
    finder = InlineScriptFinder()
    finder.feed(r.get_data(as_text=True))
    assert not finder.problems, f"{what}: {finder.problems}"


@pytest.fixture
def world(make_facility, make_space, make_group, make_user):
    return seed_world(make_facility, make_space, make_group, make_user)


def signed_in_client(app, email):
    client = app.test_client()
    if email:
        r = client.post("/login", data={"email": email, "password": PASSWORD})
        assert r.status_code == 302, (email, r.status_code)
    return client


def test_every_response_has_the_security_headers_and_pages_have_no_inline_script(app, world, monkeypatch):
    CHECKED.clear()
    clients = {role: signed_in_client(app, email) for role, email in ROLES.items()}
    pages = 0

    def page(r, what):
        nonlocal pages
        assert r.mimetype == "text/html", (what, r.mimetype)
        assert_security_headers(r, what)
        assert_no_inline_script(r, what)
        pages += 1

    # Every page, as the role that sees it.
    for p in every_page(world):
        r = clients[p.role].get(p.path)
        assert r.status_code == p.status, (p, r.status_code)
        page(r, f"{p.role} {p.path}")
    # The same pages in Swedish and Finnish for one role each (the language changes the text, not the headers).
    for lang in ("sv", "fi"):
        r = clients["member"].get("/account", headers={"Accept-Language": lang})
        page(r, f"member /account ({lang})")

    # Error pages and refusals.
    anon, member = clients["anon"], clients["member"]
    page(anon.get("/no-such-page"), "404 page")
    page(anon.post("/spaces/print"), "404/405 page")
    r = anon.delete("/login")
    assert r.status_code == 405
    page(r, "405 page")
    r = anon.post("/language", data={"lang": "xx"})
    assert r.status_code == 400
    page(r, "400 page")
    r = member.get(f"/groups/{world['other']}")
    assert r.status_code == 403
    page(r, "403 page")
    r = anon.post("/login", data={"email": "nobody@example.fi", "password": "wrong password"})
    assert r.status_code == 422
    page(r, "422 sign-in page")
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    r = signed_in_client(app, None).post("/signup", data={"email": "a@example.fi"})
    assert r.status_code == 400
    page(r, "400 CSRF page")
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", False)

    def broken():
        raise RuntimeError("boom")

    with monkeypatch.context() as m:
        m.setitem(app.view_functions, "commons.index", broken)
        r = anon.get("/")
        assert r.status_code == 500
        page(r, "500 page")

    # Redirects.
    for what, r in (
        ("sign-in redirect", signed_in_client(app, None).post("/login", data={"email": ROLES["member"], "password": PASSWORD})),
        ("sign-out redirect", signed_in_client(app, ROLES["staff"]).post("/logout")),
        ("to sign-in", anon.get("/account")),
        ("language switch", anon.post("/language", data={"lang": "sv", "next": "/spaces"})),
        ("booking needs sign-in", anon.post(f"/spaces/{world['room']}")),
    ):
        assert r.status_code in (301, 302, 303), (what, r.status_code)
        assert_security_headers(r, what)

    # The JSON API, answers and errors.
    rep = world["rep"]
    bearer = {"Authorization": f"Bearer {rep.token}"}
    for what, r, status in (
        ("api groups", anon.get("/api/v1/groups"), 200),
        ("api openapi", anon.get("/api/v1/openapi.json"), 200),
        ("api me", anon.get("/api/v1/me", headers=bearer), 200),
        ("api bookings", anon.get("/api/v1/bookings", headers=bearer), 200),
        ("api 401", anon.get("/api/v1/me"), 401),
        ("api 401 bad token", anon.get("/api/v1/me", headers={"Authorization": "Bearer nope"}), 401),
        ("api 404", anon.get("/api/v1/bookings/999999", headers=bearer), 404),
        ("api 404 route", anon.get("/api/v1/nothing-here"), 404),
        ("api 405", anon.put("/api/v1/groups", json={}), 405),
        ("api 413", anon.post("/api/v1/bookings", data=b"x" * (1024 * 1024 + 1), headers=dict(bearer, **{"Content-Type": "application/json"})), 413),
        ("api 422", anon.post("/api/v1/bookings", json={"space_id": "x"}, headers=bearer), 422),
        ("api 403", anon.post(f"/api/v1/groups/{world['group']}/verify", headers=bearer), 403),
    ):
        assert r.status_code == status, (what, r.status_code, r.get_data(as_text=True)[:200])
        assert r.mimetype == "application/json", what
        assert_security_headers(r, what)

    # Feeds and downloads.
    feed = rep.get("/feeds").get_json()[0]["url"]
    feed_path = "/" + feed.split("//", 1)[1].split("/", 1)[1]
    space_feed = anon.get(f"/calendars/spaces/{world['room']}.ics")
    for what, r, status in (
        ("space feed", space_feed, 200),
        ("space feed 304", anon.get(f"/calendars/spaces/{world['room']}.ics", headers={"If-None-Match": space_feed.headers["ETag"]}), 304),
        ("personal feed", anon.get(feed_path), 200),
        ("personal feed 404", anon.get("/calendars/feeds/not-a-secret.ics"), 404),
        ("booking download", member.get(f"/bookings/{world['booking']}.ics"), 200),
        ("my data download", member.get("/account/export"), 200),
    ):
        assert r.status_code == status, (what, r.status_code)
        assert_security_headers(r, what)

    # Static files.
    for what, r, status in (
        ("static css", anon.get("/static/commons.css"), 200),
        ("static 404", anon.get("/static/nothing.js"), 404),
    ):
        assert r.status_code == status, (what, r.status_code)
        assert_security_headers(r, what)
        r.close()

    # 429s: a page and the API.
    limiter.reset()
    try:
        monkeypatch.setitem(app.config, "LOGIN_RATE_LIMIT", "1 per minute")
        monkeypatch.setitem(app.config, "TOKEN_FAILURE_RATE_LIMIT", "1 per minute")
        guesser = app.test_client()
        guesser.post("/login", data={"email": "x@example.fi", "password": "wrong one"})
        r = guesser.post("/login", data={"email": "x@example.fi", "password": "wrong one"})
        assert r.status_code == 429
        page(r, "429 page")
        guesser.get("/api/v1/me", headers={"Authorization": "Bearer nope"})
        r = guesser.get("/api/v1/me", headers={"Authorization": "Bearer nope"})
        assert r.status_code == 429 and r.mimetype == "application/json"
        assert_security_headers(r, "api 429")
    finally:
        limiter.reset()

    assert pages >= len(every_page(world)) + 10
    print(f"\nsecurity headers checked on {len(CHECKED)} responses ({pages} HTML pages parsed for inline script)")
    assert len(CHECKED) >= 90


def test_inline_script_finder_finds_what_it_looks_for():
    """The page check above can fail: each kind of inline script is found."""
    for html, found in (
        ("<script>alert(1)</script>", "<script> without src"),
        ('<button onclick="x()">', "onclick"),
        ('<a href=" JaVaScript:alert(1)">', "javascript"),
        ('<form action="javascript:x">', "javascript"),
        ('<p style="color:red">', "style"),
        ("<style>p{}</style>", "<style>"),
        ('<img src="x.png" onerror="x()">', "onerror"),
    ):
        finder = InlineScriptFinder()
        finder.feed(html)
        assert any(found.lower() in p.lower() for p in finder.problems), (html, finder.problems)
    finder = InlineScriptFinder()
    finder.feed('<script src="/static/app.js"></script><a href="/spaces">ok</a>')
    assert finder.problems == []


def test_production_adds_hsts_to_every_kind_of_response(database_url, monkeypatch):
    from commons import create_app
    from commons.extensions import db
    from tests.conftest import RELAXED_LIMITS

    monkeypatch.setenv("COMMONS_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "a production secret for the test")
    prod = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "TESTING": True, "SERVER_NAME": "commons.test", **RELAXED_LIMITS})
    try:
        client = prod.test_client()
        for path, status in (("/", 200), ("/login", 200), ("/nothing", 404), ("/api/v1/groups", 200), ("/api/v1/me", 401),
                             ("/static/commons.css", 200), ("/account", 302)):
            r = client.get(path, base_url="https://commons.test")
            assert r.status_code == status, (path, r.status_code)
            assert r.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains", path
            assert_security_headers(r, f"production {path}")
            r.close()
    finally:
        with prod.app_context():
            db.session.remove()
            db.engine.dispose()
