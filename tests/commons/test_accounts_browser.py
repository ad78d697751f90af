"""Issue 22 in a real Chromium: a forgotten password (ask, the mailed link, a new password, sign in), a
sign-up whose address waits for its link (the pages say so and offer it again), and sign-in through the
city's identity service: a real local OpenID provider (tests.support.oidc_provider) and back, then sign-out
offering the provider's. Every page on the way is checked with axe-core, in Finnish where the person reads it."""
from __future__ import annotations

import os
import threading

import pytest

from tests.conftest import PASSWORD
from tests.support.accounts import mailed_link
from tests.support.browser import CHROMIUM, CHROMIUM_ARGS, check_accessibility, check_small_screen
from tests.support.oidc_provider import Provider, oidc_settings
from tests.support.smtp import free_port

pytestmark = pytest.mark.browser


@pytest.fixture
def provider():
    p = Provider().start()
    p.auto_approve = False  # its own page with a button, as a real provider shows
    yield p
    p.stop()


@pytest.fixture
def served(app, database_url, provider):
    """The app on a real port with the OIDC_* settings pointing at the provider (PUBLIC_URL: this server)."""
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"Chromium is not installed at {CHROMIUM}")
    from werkzeug.serving import make_server

    from commons import create_app
    from commons.extensions import db
    from tests.conftest import RELAXED_LIMITS

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    served_app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "browser-test-secret",
                             "WTF_CSRF_ENABLED": True, **RELAXED_LIMITS, "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
                             "TESTING": True, "PASSWORD_RESET_MIN_SECONDS": 0, "PUBLIC_URL": base, **oidc_settings(provider)})
    server = make_server("127.0.0.1", port, served_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield base
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        with served_app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def page(served):
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fi-FI")
        page = context.new_page()
        page.set_default_timeout(15000)
        expect.set_options(timeout=15000)
        yield page
        context.close()
        browser.close()


def checked(page, where):
    check_accessibility(page, context=where)
    check_small_screen(page, context=where)


def test_forgotten_password_unverified_address_and_the_city_identity(app, served, page, provider, make_user):
    from playwright.sync_api import expect

    make_user(email="sari@example.fi", name="Sari")
    # --- a forgotten password
    page.goto(served + "/login")
    checked(page, "sign-in with the provider's button")
    page.get_by_role("link", name="Unohditko salasanasi?").click()
    checked(page, "forgot")
    page.get_by_label("Sähköposti").fill("sari@example.fi")
    page.get_by_role("button", name="Lähetä linkki").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Katso sähköpostisi")
    checked(page, "forgot: sent")
    page.goto(served + mailed_link(app, "sari@example.fi", "reset"))
    checked(page, "set a new password")
    page.get_by_label("Uusi salasana", exact=True).fill("uusi pitkä salasana")
    page.get_by_label("Uusi salasana uudelleen").fill("uusi pitkä salasana")
    page.get_by_role("button", name="Aseta uusi salasana").click()
    expect(page.get_by_role("status")).to_contain_text("Uusi salasanasi on asetettu")
    page.locator("input[name=email]").fill("sari@example.fi")
    page.locator("input[name=password]").fill("uusi pitkä salasana")
    page.locator("main form button[type=submit]").first.click()
    expect(page.locator(".who")).to_contain_text("Sari")
    page.get_by_role("button", name="Kirjaudu ulos", exact=True).click()
    # --- a sign-up waits for its link
    page.goto(served + "/signup")
    page.get_by_label("Ryhmän edustaja").check()
    page.locator("input[name=name]").fill("Uusi Asukas")
    page.locator("input[name=email]").fill("uusi@example.fi")
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("input[name=confirm]").fill(PASSWORD)
    page.locator("form[action='/signup'] button[type=submit]").click()
    page.goto(served + "/account")
    expect(page.get_by_role("heading", name="Vahvista sähköpostiosoitteesi")).to_be_visible()
    checked(page, "account, address not confirmed")
    page.get_by_role("button", name="Lähetä linkki uudelleen").click()
    expect(page.get_by_role("status")).to_contain_text("Lähetimme linkin uudelleen")
    page.goto(served + mailed_link(app, "uusi@example.fi", "verify"))
    checked(page, "confirm the address")
    page.get_by_role("button", name="Vahvista osoitteeni").click()  # opening the link confirms nothing
    expect(page.get_by_role("status")).to_contain_text("on vahvistettu")
    expect(page.get_by_role("heading", name="Vahvista sähköpostiosoitteesi")).to_have_count(0)
    page.get_by_role("button", name="Kirjaudu ulos", exact=True).click()
    # --- the city's identity service
    page.goto(served + "/login")
    page.get_by_role("button", name="Helsinki-profiili").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("City identity")  # the provider's own page
    page.get_by_role("button", name="Continue as Kaupunki Henkilö").click()
    page.wait_for_url(served + "/")
    expect(page.locator(".who")).to_contain_text("Kaupunki Henkilö")
    page.get_by_role("button", name="Kirjaudu ulos", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Olet kirjautunut ulos")
    checked(page, "signed out, the provider's sign-out offered")
    page.get_by_role("link", name="Kirjaudu ulos myös kaupungin tunnistuspalvelusta").click()
    page.wait_for_url(served + "/")
    assert provider.ended == 1
    expect(page.locator(".who")).to_have_count(0)
