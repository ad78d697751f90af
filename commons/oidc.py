"""The OpenID Connect client (Authlib) for sign-in with the city's identity service: whether it is
configured, the client made from the settings, the button's words and the provider's sign-out page. The
pages are in commons.oidc_views; the sign-in and sign-out pages (commons.views) read this module."""
from __future__ import annotations

from authlib.integrations.flask_client import OAuth
from flask import current_app
from flask_babel import gettext as _

SESSION_FLAG = "oidc"  # this browser signed in through the provider (sign-out offers the provider's too)
NEXT_KEY = "oidc_next"


def configured() -> bool:
    cfg = current_app.config
    return bool(cfg.get("OIDC_ISSUER") and cfg.get("OIDC_CLIENT_ID") and cfg.get("OIDC_CLIENT_SECRET"))


def button_label() -> str | None:
    """The sign-in button's words, or None when sign-in through the provider is not configured."""
    if not configured():
        return None
    return current_app.config.get("OIDC_BUTTON_LABEL") or _("Sign in with the city's identity service")


def client():
    """Authlib's client for the configured provider, one per app and settings (tests change them)."""
    cfg = current_app.config
    key = (cfg["OIDC_ISSUER"], cfg["OIDC_CLIENT_ID"], cfg["OIDC_CLIENT_SECRET"], cfg["OIDC_SCOPES"])
    clients = current_app.extensions.setdefault("commons_oidc", {})
    if key not in clients:
        oauth = OAuth()
        oauth.init_app(current_app)
        clients[key] = oauth.register(
            "city",
            client_id=cfg["OIDC_CLIENT_ID"],
            client_secret=cfg["OIDC_CLIENT_SECRET"],
            server_metadata_url=cfg["OIDC_ISSUER"] + "/.well-known/openid-configuration",
            client_kwargs={"scope": cfg["OIDC_SCOPES"], "code_challenge_method": "S256", "timeout": 10},
        )
    return clients[key]


def end_session_url() -> str | None:
    """The provider's sign-out page (its end_session_endpoint), when it has one."""
    try:
        metadata = client().load_server_metadata()
    except Exception:  # the provider out of reach: sign-out here still works
        current_app.logger.warning("OpenID Connect: cannot read the provider's metadata for sign-out")
        return None
    if not metadata.get("end_session_endpoint"):
        return None
    return client().create_logout_url(
        post_logout_redirect_uri=current_app.config["PUBLIC_URL"] + "/", client_id=current_app.config["OIDC_CLIENT_ID"]
    )["url"]
