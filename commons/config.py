"""Configuration from environment variables (see API.md, "Running")."""
from __future__ import annotations

import os
import secrets


def _development_secret(instance_path: str) -> str:
    """Development without SECRET_KEY: a random key kept in the instance folder, made on first start.

    Kept rather than random per start, because sessions and the private calendar feed links are
    derived from it: a restart, or a second gunicorn worker, must not sign everyone out or
    change every feed link."""
    path = os.path.join(instance_path, "secret_key")
    try:
        with open(path, encoding="ascii") as f:
            secret = f.read().strip()
        if secret:
            return secret
    except FileNotFoundError:
        pass
    os.makedirs(instance_path, exist_ok=True)
    secret = secrets.token_hex(32)
    # Written under a temporary name and linked into place: two workers starting at once both end
    # up with the one key that was linked first, never with an empty or half-written file.
    tmp = f"{path}.{os.getpid()}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(secret)
    try:
        os.link(tmp, path)
    except FileExistsError:
        with open(path, encoding="ascii") as f:
            secret = f.read().strip()
    finally:
        os.unlink(tmp)
    return secret


def _limit(env, name: str, default: str) -> str:
    """A rate limit setting, refused at start when Flask-Limiter could not read it (it would
    otherwise log an error and not limit at all)."""
    from limits import parse_many

    value = env.get(name, default).strip()
    try:
        parse_many(value)
    except ValueError:
        raise RuntimeError(f'{name}={value!r} is not a rate limit: write e.g. "10 per minute" or "10 per minute;100 per day".') from None
    return value


def from_environment(instance_path: str) -> dict:
    env = os.environ
    production = env.get("COMMONS_ENV", env.get("FLASK_ENV", "development")) == "production"
    secret = env.get("SECRET_KEY")
    if not secret:
        if production:
            raise RuntimeError("SECRET_KEY must be set in production (COMMONS_ENV=production).")
        secret = _development_secret(instance_path)
    database_url = env.get("DATABASE_URL") or "sqlite:///" + os.path.join(instance_path, "commons.db")
    if database_url.startswith("postgres://"):
        database_url = "postgresql+psycopg://" + database_url[len("postgres://") :]
    elif database_url.startswith("postgresql://"):
        database_url = "postgresql+psycopg://" + database_url[len("postgresql://") :]
    return {
        "SECRET_KEY": secret,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        # Seconds to wait for a new database connection (PostgreSQL; see connection_options): an
        # unreachable database then gives a 503 after this long instead of a request that hangs.
        "DATABASE_CONNECT_TIMEOUT": int(env.get("DATABASE_CONNECT_TIMEOUT", "5")),
        "TIMEZONE": env.get("TIMEZONE", "Europe/Helsinki"),
        "MAIL_SERVER": env.get("MAIL_SERVER"),
        "MAIL_PORT": int(env.get("MAIL_PORT", "25")),
        "MAIL_DEFAULT_SENDER": env.get("MAIL_DEFAULT_SENDER", "Commons <noreply@commons.localhost>"),
        # Jobs and mail (commons.mail, commons.jobs; docs/operations.md "Operations")
        "MAIL_USERNAME": env.get("MAIL_USERNAME"),
        "MAIL_PASSWORD": env.get("MAIL_PASSWORD"),
        "MAIL_USE_TLS": env.get("MAIL_USE_TLS", "").lower() in ("1", "true", "yes"),  # STARTTLS
        "MAIL_USE_SSL": env.get("MAIL_USE_SSL", "").lower() in ("1", "true", "yes"),  # SMTP over TLS (port 465)
        "MAIL_TIMEOUT": float(env.get("MAIL_TIMEOUT", "30")),
        "MAIL_MAX_ATTEMPTS": int(env.get("MAIL_MAX_ATTEMPTS", "10")),
        # Sign-in with the city's identity service (OpenID Connect; docs/accounts.md): all three set, or none.
        "OIDC_ISSUER": (env.get("OIDC_ISSUER") or "").rstrip("/") or None,
        "OIDC_CLIENT_ID": env.get("OIDC_CLIENT_ID") or None,
        "OIDC_CLIENT_SECRET": env.get("OIDC_CLIENT_SECRET") or None,
        "OIDC_BUTTON_LABEL": env.get("OIDC_BUTTON_LABEL") or None,  # e.g. "Helsinki-profiili"; else a sentence in the page's language
        "OIDC_SCOPES": env.get("OIDC_SCOPES", "openid email profile"),
        "PUBLIC_URL": env.get("PUBLIC_URL", "http://127.0.0.1:5000").rstrip("/"),  # links in e-mails
        "COMMONS_DOMAIN": env.get("COMMONS_DOMAIN"),  # calendar UIDs; else PUBLIC_URL's host (calendars.domain.calendar_domain)
        "EXPIRE_REQUESTS_HOURS": float(env.get("EXPIRE_REQUESTS_HOURS", "2")),
        "RETENTION_BOOKER_DAYS": int(env.get("RETENTION_BOOKER_DAYS", "365")),
        "RETENTION_GUEST_DAYS": int(env.get("RETENTION_GUEST_DAYS", "30")),  # people signed up without an account
        "RETENTION_MAIL_DAYS": int(env.get("RETENTION_MAIL_DAYS", "90")),
        "AUDIT_RETENTION_DAYS": int(env.get("AUDIT_RETENTION_DAYS", "730")),  # the audit log (commons.audit)
        # Who answers questions about personal data (the privacy page /privacy); empty: the first administrator's e-mail
        "PRIVACY_CONTACT": env.get("PRIVACY_CONTACT", ""),
        "OPEN_DATA_CACHE_SECONDS": float(env.get("OPEN_DATA_CACHE_SECONDS", "300")),  # public open data, per worker
        "FEED_CACHE_BYTES": int(env.get("FEED_CACHE_BYTES", str(32 * 1024 * 1024))),  # built feeds, per worker (calendars.cache)
        "SCHEDULER_LOCK_POLL_SECONDS": float(env.get("SCHEDULER_LOCK_POLL_SECONDS", "30")),
        # Operations (docs/operations.md "Health, metrics, request ids"): the scheduler's heartbeat and
        # how old it may be before /readyz answers 503; who may read /metrics; JSON log lines.
        "SCHEDULER_HEARTBEAT_SECONDS": float(env.get("SCHEDULER_HEARTBEAT_SECONDS", "15")),
        "SCHEDULER_HEARTBEAT_MAX_AGE": float(env.get("SCHEDULER_HEARTBEAT_MAX_AGE", "60")),
        "METRICS_ALLOWED_IPS": [a.strip() for a in env.get("METRICS_ALLOWED_IPS", "").split(",") if a.strip()],
        "METRICS_TOKEN": env.get("METRICS_TOKEN") or None,
        "LOG_FORMAT": env.get("LOG_FORMAT", "text").strip().lower(),  # text or json
        "RATELIMIT_STORAGE_URI": env.get("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_HEADERS_ENABLED": True,
        # Redis out of reach: each worker counts in its own memory until Redis answers again,
        # rather than every limited request failing.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "RATELIMIT_SWALLOW_ERRORS": True,
        # Reverse proxies in front that set X-Forwarded-For and X-Forwarded-Proto (1 behind one nginx):
        # then the client's address, not the proxy's, is what per-IP limits count.
        "TRUSTED_PROXIES": int(env.get("TRUSTED_PROXIES", "0")),
        "RATELIMIT_KEY_PREFIX": env.get("RATELIMIT_KEY_PREFIX", "commons"),  # several sites on one Redis: one prefix each
        # Rate limits (commons.ratelimits; docs/security.md "Rate limits, headers and sessions"): Flask-Limiter
        # strings such as "10 per minute" or "10 per minute;100 per day".
        "LOGIN_RATE_LIMIT": _limit(env, "LOGIN_RATE_LIMIT", "10 per minute"),  # sign-in attempts per IP
        "LOGIN_ACCOUNT_RATE_LIMIT": _limit(env, "LOGIN_ACCOUNT_RATE_LIMIT", "10 per 15 minutes;50 per day"),  # failed sign-ins per account
        "SIGNUP_RATE_LIMIT": _limit(env, "SIGNUP_RATE_LIMIT", "20 per hour"),  # sign-ups per IP
        # links to set a new password asked for, per IP and per address typed; "send the link again" per account
        "PASSWORD_RESET_RATE_LIMIT": _limit(env, "PASSWORD_RESET_RATE_LIMIT", "10 per hour;50 per day"),
        "PASSWORD_RESET_ADDRESS_RATE_LIMIT": _limit(env, "PASSWORD_RESET_ADDRESS_RATE_LIMIT", "3 per hour;10 per day"),
        # the least time "Forgot your password?" takes to answer, for an address with an account or without
        "PASSWORD_RESET_MIN_SECONDS": float(env.get("PASSWORD_RESET_MIN_SECONDS", "0.25")),
        "VERIFY_RESEND_RATE_LIMIT": _limit(env, "VERIFY_RESEND_RATE_LIMIT", "3 per hour;10 per day"),
        # refused answers that could tell whether an e-mail address has an account (sign-up, adding a
        # representative, changing one's address), per IP and per signed-in account
        "ACCOUNT_LOOKUP_RATE_LIMIT": _limit(env, "ACCOUNT_LOOKUP_RATE_LIMIT", "20 per hour;100 per day"),
        "TOKEN_FAILURE_RATE_LIMIT": _limit(env, "TOKEN_FAILURE_RATE_LIMIT", "20 per minute;200 per day"),  # invalid API tokens per IP
        "TOKEN_RATE_LIMIT": _limit(env, "TOKEN_RATE_LIMIT", "600 per minute"),  # API requests per account (valid token)
        "BOOKING_RATE_LIMIT": _limit(env, "BOOKING_RATE_LIMIT", "60 per minute;600 per day"),  # booking requests per group
        "INVITE_RATE_LIMIT": _limit(env, "INVITE_RATE_LIMIT", "60 per hour;300 per day"),  # volunteer invitations per organiser
        "FEED_RATE_LIMIT": _limit(env, "FEED_RATE_LIMIT", "600 per hour"),  # fetches per personal feed link
        "SPACE_FEED_RATE_LIMIT": _limit(env, "SPACE_FEED_RATE_LIMIT", "1200 per hour"),  # public space feed fetches per IP
        "MAX_CONTENT_LENGTH": 1024 * 1024,
        # .ics imports (calendars.services.import_limits; docs/security.md "Limits")
        "ICS_IMPORT_MAX_BYTES": int(env.get("ICS_IMPORT_MAX_BYTES", str(512 * 1024))),
        "ICS_IMPORT_MAX_EVENTS": int(env.get("ICS_IMPORT_MAX_EVENTS", "1000")),
        "ICS_IMPORT_MAX_CLOSURES": int(env.get("ICS_IMPORT_MAX_CLOSURES", "2000")),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the session
        # Pages in Finnish, Swedish and English (translations/); Finnish when the browser asks for none
        # of them. The JSON API speaks English.
        "BABEL_DEFAULT_LOCALE": "fi",
        "LANGUAGES": ["fi", "sv", "en"],
        "PRODUCTION": production,
    }


def connection_options(config: dict) -> None:
    """Driver options that depend on the database finally chosen (after any overrides): on
    PostgreSQL, psycopg's connect_timeout (libpq takes whole seconds, at least 2)."""
    if not str(config.get("SQLALCHEMY_DATABASE_URI", "")).startswith("postgresql"):
        return
    options = dict(config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    connect_args = dict(options.get("connect_args") or {})
    connect_args.setdefault("connect_timeout", max(2, int(config.get("DATABASE_CONNECT_TIMEOUT") or 5)))
    options["connect_args"] = connect_args
    config["SQLALCHEMY_ENGINE_OPTIONS"] = options
