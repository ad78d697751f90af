"""Sign-in with the city's identity service (OpenID Connect: Helsinki-profiili/Keycloak, Tunnistamo),
through Authlib's Flask client.

Configured by OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET (and OIDC_BUTTON_LABEL); without them
none of it shows and its routes answer 404. The provider's endpoints and keys come from its discovery
document (`<issuer>/.well-known/openid-configuration`). The flow is the authorization code flow with
PKCE (S256), `state` and `nonce` (Authlib makes them, keeps them in the session and checks them); the
ID token's signature (the provider's JWKS) and its claims (iss, aud, exp, iat, nonce) are checked by
Authlib before anything is read from it.

Who signs in (commons.services.oidc_account): the account already linked to the provider's subject
(`sub`); else the account of the e-mail address when the provider says the address is verified
(`email_verified` true); else a new account. An address the provider has not verified is never linked
nor used.
"""
from __future__ import annotations

from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.flask_client import OAuth
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from joserfc.errors import JoseError

from commons import services
from commons.errors import ApiError
from commons.ratelimits import oidc_per_ip
from commons.urls import safe_next

bp = Blueprint("oidc", __name__)

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


@bp.route("/login/oidc", methods=["POST"])
@oidc_per_ip
def start():
    if not configured():
        abort(404)
    session[NEXT_KEY] = safe_next(request.args.get("next"))
    redirect_uri = current_app.config["PUBLIC_URL"] + url_for("oidc.callback")
    try:
        return client().authorize_redirect(redirect_uri)
    except Exception:
        current_app.logger.exception("OpenID Connect: cannot start the sign-in")
        return _refused(_("The city's identity service cannot be reached just now. Try again later, or sign in with your password."), 503)


@bp.route("/login/oidc/callback")
@oidc_per_ip
def callback():
    if not configured():
        abort(404)
    try:
        token = client().authorize_access_token(leeway=30)
    except (OAuthError, JoseError, KeyError, ValueError) as exc:
        current_app.logger.warning("OpenID Connect: sign-in refused: %s", type(exc).__name__)
        return _refused(_("The sign-in through the city's identity service did not succeed. Try again."), 400)
    except Exception:
        current_app.logger.exception("OpenID Connect: sign-in failed")
        return _refused(_("The city's identity service cannot be reached just now. Try again later, or sign in with your password."), 503)
    claims = token.get("userinfo")
    if not claims or not claims.get("sub"):
        return _refused(_("The sign-in through the city's identity service did not succeed. Try again."), 400)
    try:
        user = services.oidc_account(
            subject=str(claims["sub"]),
            email=claims.get("email"),
            email_verified=claims.get("email_verified") is True,
            name=claims.get("name") or " ".join(filter(None, [claims.get("given_name"), claims.get("family_name")])),
        )
    except ApiError as err:
        return _refused(err.said(), 403)
    target = session.pop(NEXT_KEY, None) or url_for("commons.index")
    from commons.views import sign_in

    sign_in(user)
    session[SESSION_FLAG] = True
    flash(_("Welcome, %(name)s! You are signed in.", name=user.name))
    return redirect(safe_next(target))


def _refused(said: str, status: int):
    return render_template("commons/oidc_refused.html", said=said), status
