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
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import get_locale, gettext as _
from joserfc.errors import JoseError

from commons import services
from commons.errors import ApiError
from commons.oidc import NEXT_KEY, SESSION_FLAG, client, configured
from commons.ratelimits import oidc_per_ip
from commons.urls import safe_next
from commons.views import sign_in

bp = Blueprint("oidc", __name__)


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
            language=str(get_locale()),  # a new account's e-mail in the language the person reads
        )
    except ApiError as err:
        return _refused(err.said(), 403)
    target = session.pop(NEXT_KEY, None) or url_for("commons.index")
    sign_in(user)
    session[SESSION_FLAG] = True
    flash(_("Welcome, %(name)s! You are signed in.", name=user.name))
    return redirect(safe_next(target))


def _refused(said: str, status: int):
    return render_template("commons/oidc_refused.html", said=said), status
