"""Browser test support: the app served over HTTP, Chromium driven by Playwright, and axe-core checks.

Fixtures here are loaded by tests/conftest.py (pytest_plugins), so any test module can ask for
`live_server`, `browser_page` and call `check_accessibility(page)`. Mark browser tests with
`pytestmark = pytest.mark.browser`.
"""
from __future__ import annotations

import os
import tempfile
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
# Screenshots for the README go to docs/screenshots when UPDATE_SCREENSHOTS=1 (then commit them);
# otherwise to a temporary folder, so that a test run leaves the working tree as it was.
SCREENSHOTS = (
    ROOT / "docs" / "screenshots"
    if os.environ.get("UPDATE_SCREENSHOTS") == "1"
    else Path(tempfile.gettempdir()) / "commons-screenshots"
)

@pytest.fixture
def live_server(app, database_url):
    """The app served over HTTP on a free port, on the same database as `app` (CSRF on)."""
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    from werkzeug.serving import make_server

    from commons import create_app
    from commons.extensions import db
    from tests.conftest import RELAXED_LIMITS

    served = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            # the test app's: signed values made in a test (the staff credentials page's token) hold here too
            "SECRET_KEY": app.config["SECRET_KEY"],
            "WTF_CSRF_ENABLED": True,
            **RELAXED_LIMITS,
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
            "PASSWORD_RESET_MIN_SECONDS": 0,
            "TESTING": True,
        }
    )
    server = make_server("127.0.0.1", 0, served, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        with served.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def browser_page(live_server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
            page = context.new_page()
            page.set_default_timeout(15000)
            # Assertions wait as long as actions: on a loaded 2-core CI machine 5 s (the default) is too short.
            from playwright.sync_api import expect

            expect.set_options(timeout=15000)
            yield page
            context.close()
        finally:
            browser.close()


def check_accessibility(page, *, context: str | None = None) -> list[dict]:
    """Run axe-core (WCAG 2.0/2.1 A and AA rules) on the page as it is now; fail on any serious or critical finding.

    axe-core is a test-only npm tool (package.json; scripts/test.sh runs `npm ci`). It is evaluated through Playwright,
    which the page's Content-Security-Policy (no inline script) does not apply to.
    Returns all findings (minor and moderate ones included) for tests that want to look at them.
    """
    if not AXE_JS.exists():
        pytest.fail(f"axe-core is not installed at {AXE_JS}: run `npm ci` in the project folder")
    # Evaluated through the DevTools protocol (not as a <script> tag), which the page's CSP rightly blocks.
    page.evaluate(AXE_JS.read_text(encoding="utf-8") + "\n;true")
    result = page.evaluate(
        """async () => await axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"""
    )
    violations = result["violations"]
    bad = [v for v in violations if v.get("impact") in ("serious", "critical")]
    if bad:
        where = context or page.url
        lines = [f"{v['impact']}: {v['id']} ({v['help']}) at {[n['target'] for n in v['nodes']][:5]}" for v in bad]
        pytest.fail(f"axe-core found {len(bad)} serious/critical problem(s) on {where}:\n" + "\n".join(lines))
    return violations


def check_small_screen(page, *, width: int = 375, context: str | None = None) -> None:
    """The page as on a phone (`width` CSS pixels): nothing wider than the screen (no sideways
    scrolling) and axe-core clean there too; then back to the viewport the page had."""
    before = page.viewport_size
    page.set_viewport_size({"width": width, "height": 800})
    try:
        overflow = page.evaluate(
            """() => { const w = document.documentElement.clientWidth;
                       const wide = [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > w + 1)
                         .map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.className ? '.' + e.className : ''));
                       return {scroll: document.documentElement.scrollWidth, width: w, wide: wide.slice(0, 5)}; }"""
        )
        where = context or page.url
        assert overflow["scroll"] <= overflow["width"], f"{where} scrolls sideways at {width}px: {overflow}"
        check_accessibility(page, context=f"{where} at {width}px")
    finally:
        if before:
            page.set_viewport_size(before)
