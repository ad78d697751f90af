"""Every page of the app in Chromium, in Finnish and in Swedish, as the person who meets it (anyone, a group's
representative, facility staff, an administrator): axe-core (WCAG 2.1 A/AA, failing on serious and
critical findings) at desktop width and at 375 px (no sideways scrolling), every field with a
visible <label>, a CSRF token in every POST form (the live server has CSRF on), one h1, a <title> in the
page's language, <html lang>, the landmarks (banner, main navigation, main, contentinfo), and the
main navigation marks the page it is on. A screenshot of the staff dashboard on a phone goes to
docs/screenshots/staff-dashboard-phone.png (with UPDATE_SCREENSHOTS=1). The inventory test fails when a page route is not listed in
tests/support/page_inventory.py, so a new page cannot escape these checks."""
from __future__ import annotations

import pytest

from tests.support.browser import SCREENSHOTS, check_accessibility, check_small_screen
from tests.conftest import PASSWORD
from tests.support.page_inventory import ROLES, endpoint_of, every_page, page_endpoints, seed_world


@pytest.fixture
def world(make_facility, make_space, make_group, make_user):
    return seed_world(make_facility, make_space, make_group, make_user)


def test_inventory_covers_every_page(app, world):
    """Every GET route serving HTML is visited by the page-wide tests (add new pages to page_inventory.py)."""
    covered = {endpoint_of(app, p.path) for p in every_page(world)}
    missing = page_endpoints(app) - covered
    assert not missing, f"pages not in tests/support/page_inventory.py: {sorted(missing)}"


def page_problems(page, where: str) -> list[str]:
    """What axe-core (serious/critical) and the 375 px check find on the page, as text, so that one
    run lists every page's problems instead of stopping at the first."""
    found = []
    for check in (lambda: check_accessibility(page, context=where), lambda: check_small_screen(page, context=where)):
        try:
            check()
        except (pytest.fail.Exception, AssertionError) as e:
            found.append(str(e))
    return found


def sign_in(page, base, email):
    page.goto(f"{base}/login")
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(lambda url: "/login" not in url)


@pytest.mark.browser
@pytest.mark.parametrize("lang", ["fi", "sv"])
@pytest.mark.parametrize("role", list(ROLES))
def test_every_page_is_accessible_on_desktop_and_phone(live_server, world, role, lang):
    """In Finnish, and in Swedish (whose longer words must not push a page wider than a phone either)."""
    from playwright.sync_api import sync_playwright

    from tests.support.browser import CHROMIUM, CHROMIUM_ARGS

    pages = [p for p in every_page(world) if p.role == role]
    problems: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 900}, locale=f"{lang}-FI")
            page = context.new_page()
            page.set_default_timeout(15000)
            if ROLES[role]:
                sign_in(page, live_server, ROLES[role])
            for p in pages:
                # the printed week is in the noticeboard's language (the facility's), chosen here as the reader's
                path = p.path + (f"&lang={lang}" if "/print?" in p.path else "")
                response = page.goto(live_server + path)
                where = f"{p.name} ({path}, {lang})"
                if response.status != p.status:
                    problems.append(f"{where}: status {response.status}, expected {p.status}")
                    continue
                facts = page.evaluate(
                    """() => ({
                        lang: document.documentElement.lang,
                        title: document.title,
                        h1: document.querySelectorAll('h1').length,
                        main: document.querySelectorAll('main').length,
                        banner: document.querySelectorAll('body > header').length,
                        footer: document.querySelectorAll('body > footer').length,
                        nav: document.querySelectorAll('nav[aria-label]').length,
                        current: [...document.querySelectorAll('header nav [aria-current=page]')].map(a => a.getAttribute('href')),
                        noCsrf: [...document.querySelectorAll('form')].filter(f => f.method === 'post'
                                   && !(f.querySelector('input[name=csrf_token]') || {}).value).map(f => f.action),
                        unlabelled: [...document.querySelectorAll('input:not([type=hidden]):not([type=submit]), select, textarea')]
                                   .filter(e => !(e.labels && e.labels.length && [...e.labels].every(l => l.offsetParent !== null
                                                  && !l.classList.contains('visually-hidden')))).map(e => e.name),
                    })"""
                )
                if facts["lang"] != lang:
                    problems.append(f"{where}: <html lang={facts['lang']!r}>")
                if facts["h1"] != 1:
                    problems.append(f"{where}: {facts['h1']} h1 elements")
                if not facts["title"].endswith(" · Commons") or facts["title"].startswith("Commons ·"):
                    problems.append(f"{where}: title {facts['title']!r} does not name the page")
                if (facts["main"], facts["banner"], facts["footer"]) != (1, 1, 1) or not facts["nav"]:
                    problems.append(f"{where}: landmarks {facts}")
                if facts["noCsrf"]:
                    problems.append(f"{where}: POST forms without a CSRF token: {facts['noCsrf']}")
                if facts["unlabelled"]:
                    problems.append(f"{where}: fields without a visible label: {facts['unlabelled']}")
                if len(facts["current"]) > 1:
                    problems.append(f"{where}: several nav links are aria-current: {facts['current']}")
                if p.name == "staff dashboard" and lang == "fi":  # for the Pages manual (docs/pages.md): the navigation on a phone, in Finnish
                    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
                    page.set_viewport_size({"width": 375, "height": 740})
                    page.screenshot(path=str(SCREENSHOTS / "staff-dashboard-phone.png"))
                    page.set_viewport_size({"width": 1280, "height": 900})
                problems.extend(page_problems(page, where))
            context.close()
        finally:
            browser.close()
    assert len(pages) >= 3
    assert not problems, "\n".join(problems)


# Pages below a section link back to it (a breadcrumb), or offer their own way back (cancel steps, the print page).
WAY_BACK = {
    "requests": "/staff", "calendar week": "/staff", "calendar day": "/staff", "new space": "/staff", "edit space": "/staff",
    "closures": "/staff", "import": "/staff", "reports": "/staff", "admin facility": "/admin", "group": "/groups/mine",
    "new group": "/groups/mine", "delete account": "/account", "cancel step": "/bookings", "space": "/spaces",
    "print week": "/spaces/",
    "volunteer profile": "/volunteering", "my shifts": "/volunteering", "activity": "/activities",
    "edit activity": "/activities/", "new shift": "/activities/", "candidates": "/activities/", "signups": "/activities/",
    "fill plan": "/activities/", "cancel shift": "/activities/",
}


def test_pages_below_a_section_have_a_way_back(app, world):
    from tests.support.page_inventory import ROLES

    clients = {}
    for p in every_page(world):
        if p.name not in WAY_BACK:
            continue
        if p.role not in clients:
            c = clients[p.role] = app.test_client()
            if ROLES[p.role]:
                assert c.post("/login", data={"email": ROLES[p.role], "password": PASSWORD}).status_code == 302
        main = clients[p.role].get(p.path).get_data(as_text=True).split('<main id="main"', 1)[1]
        before_h1 = main.split("<h1", 1)[0]
        target = WAY_BACK[p.name]
        assert f'href="{target}' in (before_h1 if p.name not in ("cancel step", "print week") else main), p.name


def forms_sent_empty(w: dict) -> list[tuple[str, str, str]]:
    """(role, page, form selector): the forms that take typed input, to send with every field emptied."""
    room = w["room"]
    return [
        ("anon", "/signup", "form[action='/signup']"),
        ("member", f"/spaces/{room}", "form.booking"),
        ("member", "/groups/new", "form[action='/groups/new']"),
        ("member", f"/groups/{w['group']}", "form[action$='/representatives']"),
        ("member", "/account", "form[action='/account/profile']"),
        ("member", "/account", "form[action='/account/password']"),
        ("member", "/account/delete", "form[action='/account/delete']"),
        ("staff", "/staff/spaces/new", "form.space-form"),
        ("staff", f"/staff/spaces/{room}/closures", "form[action$='/closures']"),
        ("staff", f"/staff/spaces/{room}/import", "form[enctype='multipart/form-data']"),
        ("admin", "/admin", "form[action='/admin/facilities']"),
        ("admin", f"/admin/facilities/{w['facility']}", "form[action$='/staff']"),
        ("volunteer", "/volunteering/profile", "form.profile-form"),
        ("member", f"/activities/new?group={w['group']}", "form.activity-form"),
        ("member", f"/activities/{w['activity']}/shifts/new", "form.shift-form"),
        ("member", f"/shifts/{w['shift']}/edit", "form.shift-form"),
    ]


ERRORS_NEXT_TO_FIELDS = """() => {
  const bad = [...document.querySelectorAll('[aria-invalid=true]')];
  const detached = bad.filter(f => {
    const ids = (f.getAttribute('aria-describedby') || '').split(/\\s+/).filter(Boolean);
    const errors = ids.map(i => document.getElementById(i)).filter(e => e && e.classList.contains('error') && e.offsetParent !== null);
    const box = f.closest('.field, fieldset');
    return !errors.length || !errors.every(e => box && box.contains(e));
  }).map(f => f.name);
  return {invalid: bad.length, detached, alert: document.querySelectorAll('[role=alert]').length};
}"""


@pytest.mark.browser
@pytest.mark.parametrize("role", list(ROLES))
def test_forms_sent_empty_say_what_to_fix_next_to_each_field(live_server, world, role):
    """Every form that takes typed input, sent with its fields emptied, in Finnish: a 4xx page with an
    error summary (role="alert"), each wrong field marked aria-invalid with its error shown next to it
    (inside the field's box, tied by aria-describedby), and axe-core clean at desktop width and 375 px."""
    from playwright.sync_api import sync_playwright

    from tests.support.browser import CHROMIUM, CHROMIUM_ARGS

    forms = [f for f in forms_sent_empty(world) if f[0] == role]
    problems: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fi-FI")
            page = context.new_page()
            page.set_default_timeout(15000)
            if ROLES[role]:
                sign_in(page, live_server, ROLES[role])
            for _, path, selector in forms:
                where = f"{selector} on {path}"
                page.goto(live_server + path)
                form = page.locator(selector)
                form.evaluate("""f => f.querySelectorAll('input:not([type=hidden]):not([type=checkbox]):not([type=radio]):not([type=file]), textarea')
                                    .forEach(i => { i.value = ''; })""")
                with page.expect_navigation() as nav:
                    form.locator("button[type=submit]").last.click()
                status = nav.value.status
                if not 400 <= status < 500:
                    problems.append(f"{where}: status {status}")
                    continue
                facts = page.evaluate(ERRORS_NEXT_TO_FIELDS)
                if not facts["invalid"]:
                    problems.append(f"{where}: no field marked aria-invalid")
                if not facts["alert"]:
                    problems.append(f"{where}: no error summary with role=alert")
                if facts["detached"]:
                    problems.append(f"{where}: errors not next to their fields: {facts['detached']}")
                problems.extend(page_problems(page, where))
            context.close()
        finally:
            browser.close()
    assert forms
    assert not problems, "\n".join(problems)
