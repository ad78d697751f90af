"""Commons: the city's facilities opened to resident groups, free of charge.

`create_app()` is the WSGI entry (gunicorn 'commons:create_app()') and the `flask --app commons` app.
"""
from __future__ import annotations

import os

from flask import Flask
from werkzeug.routing import IntegerConverter

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def _at_most(limit: int) -> str:
    """A regex for the decimal numbers 0..limit (no sign): shorter numbers, then for each digit of
    `limit` the same prefix with a smaller digit there and anything after, then `limit` itself."""
    text = str(limit)
    parts = [rf"\d{{1,{len(text) - 1}}}"] if len(text) > 1 else []
    for i, digit in enumerate(text):
        low = 1 if i == 0 and len(text) > 1 else 0  # no leading zero in a full-length number
        if int(digit) > low:
            rest = len(text) - i - 1
            parts.append(text[:i] + f"[{low}-{int(digit) - 1}]" + (rf"\d{{{rest}}}" if rest else ""))
    parts.append(text)
    return "(?:" + "|".join(parts) + ")"


class IdConverter(IntegerConverter):
    """`<int:...>` in URLs: ids are 32-bit database integers, so a larger number matches no
    route (404) instead of overflowing the database driver (a 500). The limit is in the regex
    itself: a number that matched the pattern and failed only the converter's range check made
    werkzeug answer 405 for the methods of the other routes on that path (PATCH /spaces/<huge>)."""

    regex = _at_most(2**31 - 1)

    def __init__(self, map, fixed_digits=0, min=None, max=2**31 - 1, signed=False):
        super().__init__(map, fixed_digits, min, max, signed)


def create_app(overrides: dict | None = None) -> Flask:
    from commons.config import from_environment
    from commons.errors import register_error_handlers
    from flask_babel import lazy_gettext

    from commons.extensions import babel, csrf, db, limiter, login_manager, migrate
    from commons.i18n import LANGUAGE_NAMES, install_form_translations, page_language, select_locale

    app = Flask(
        __name__,
        template_folder=os.path.join(ROOT, "templates"),
        static_folder=os.path.join(ROOT, "static"),
        instance_path=os.environ.get("COMMONS_INSTANCE") or os.path.join(ROOT, "instance"),
    )
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.update(from_environment(app.instance_path))
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = os.path.join(ROOT, "translations")  # from any working directory
    if overrides:
        app.config.update(overrides)
    from commons.request_ids import configure_logging

    configure_logging(app)  # INFO and up to stderr with the request id, as text or JSON (LOG_FORMAT)
    from commons.config import connection_options

    connection_options(app.config)  # e.g. the connect timeout, for the database finally chosen

    if app.config.get("TRUSTED_PROXIES"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = int(app.config["TRUSTED_PROXIES"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]
    from commons.request_ids import RequestIds

    # Outermost: every answer carries X-Request-ID, the proxies' own only behind trusted proxies.
    app.wsgi_app = RequestIds(app.wsgi_app, trust_header=bool(app.config.get("TRUSTED_PROXIES")))  # type: ignore[method-assign]
    app.json.ensure_ascii = False  # Finnish and Swedish text as is, not \u escapes
    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(ROOT, "migrations"))
    login_manager.init_app(app)
    login_manager.login_view = "commons.login"
    login_manager.session_protection = "basic"
    login_manager.login_message = lazy_gettext("Please sign in to see this page.")
    login_manager.localize_callback = str  # the lazy text, translated when flashed (the session stores text)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    install_form_translations()  # WTForms' own messages in the page language too

    # base.html: <html lang="{{ current_locale() }}"> and the language switch
    app.jinja_env.globals["current_locale"] = page_language
    from commons.request_ids import current_id

    app.jinja_env.globals["request_id"] = current_id  # on the error pages, for people to quote
    from commons.districts import display as district_display

    # a district in the page's language: Kallio, Berghäll on Swedish pages
    app.jinja_env.globals["district_name"] = lambda name: district_display(name, page_language())
    app.jinja_env.globals["language_names"] = lambda: [(code, LANGUAGE_NAMES.get(code, code)) for code in app.config["LANGUAGES"]]
    limiter.init_app(app)

    # Models and the user loader must be imported before the first request.
    import commons.auth  # noqa: F401
    import commons.models  # noqa: F401
    import spaces.models  # noqa: F401
    import calendars.models  # noqa: F401
    import volunteers.models  # noqa: F401
    import rounds.models  # noqa: F401
    # The words of each package's refusal codes (commons.codes), per language.
    import commons.messages  # noqa: F401
    import spaces.messages  # noqa: F401
    import calendars.messages  # noqa: F401
    import volunteers.messages  # noqa: F401
    import rounds.messages  # noqa: F401
    import volunteers.reasons  # noqa: F401  (the match reasons' words)

    from commons.admin_views import bp as admin_pages
    from commons.operations import bp as operations
    from calendars.api import bp as calendars_api
    from calendars.views import bp as calendars_pages
    from commons.api import authenticate_and_check_csrf, bp as commons_api
    from commons.cli import register_cli
    from commons.account_views import bp as account_pages
    from commons.oidc_views import bp as oidc_pages
    from commons.views import bp as commons_pages
    from spaces.api import bp as spaces_api
    from spaces.report_api import bp as reports_api
    from spaces.report_views import bp as report_pages
    from spaces.group_views import bp as group_pages
    from spaces.staff_views import bp as staff_pages
    from spaces.views import bp as spaces_pages
    from spaces.waitlist_views import bp as waitlist_pages
    from volunteers.api import bp as volunteers_api
    from rounds.api import bp as rounds_api
    from volunteers.views import bp as volunteer_pages
    from rounds.views import bp as round_pages

    app.url_map.converters["int"] = IdConverter  # before any rule with <int:...> is added
    # The one visible list of blueprints. JSON APIs check CSRF themselves for browser-session
    # callers (commons.api.authenticate_and_check_csrf); Bearer-token callers need none.
    for blueprint in (commons_api, spaces_api, reports_api, calendars_api, volunteers_api, rounds_api):
        csrf.exempt(blueprint)
        app.register_blueprint(blueprint)
    app.register_blueprint(operations)  # /healthz, /readyz, /metrics (commons.operations)
    for blueprint in (commons_pages, spaces_pages, staff_pages, admin_pages, report_pages, account_pages, oidc_pages, group_pages, calendars_pages, volunteer_pages,
                      waitlist_pages, round_pages):
        app.register_blueprint(blueprint)
    app.before_request(authenticate_and_check_csrf)

    # Each package tells commons (and the packages below it) what it adds, in layer order: personal
    # data exporters and erasers, jobs, demo parts, e-mail attachments, report figures, feeds.
    from calendars import register_hooks as register_calendar_hooks
    from spaces import register_hooks as register_space_hooks
    from volunteers import register_hooks as register_volunteer_hooks
    from rounds import register_hooks as register_round_hooks

    for register_hooks in (register_space_hooks, register_calendar_hooks, register_volunteer_hooks, register_round_hooks):
        register_hooks()
    register_error_handlers(app)
    with app.app_context():  # the unknown-address sign-in's hash, ready before the first sign-in (commons.models)
        from commons.models import dummy_password_hash

        dummy_password_hash()
    from commons import limits

    limits.install(app)  # first of the before_request functions: chunked bodies over 1 MB are a 413
    from commons import metrics

    metrics.install(app)  # every answer counted by route template and status (/metrics)
    register_cli(app)

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'",
        )
        if app.config["PRODUCTION"]:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        return response

    return app

