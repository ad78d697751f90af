"""A real OpenID Connect provider for the tests: a small Flask app served on a free local port in a thread
(werkzeug's server), with an RSA key (joserfc), that Commons' Authlib client talks to over HTTP exactly as
it would to Helsinki-profiili/Keycloak: discovery, the authorization endpoint (a page with a button, or a
redirect straight back when `auto_approve`), the token endpoint (client secret, PKCE S256 checked), the
JWKS, userinfo and end_session.

`provider.user` is whom it signs in; `provider.fault` makes the next ID tokens wrong in one way:
"signature" (signed by another key under the same key id), "nonce" (another nonce), "expired" (exp an
hour ago), "audience" (for another client), "issuer" (another issuer). `provider.requests` records the
authorization requests (to check state, nonce and the PKCE challenge were sent)."""
from __future__ import annotations

import base64
import hashlib
import secrets
import threading
import time
from urllib.parse import urlencode

from flask import Flask, abort, jsonify, redirect, request
from joserfc import jwt
from joserfc.jwk import RSAKey
from markupsafe import escape
from werkzeug.serving import WSGIRequestHandler, make_server

from tests.support.smtp import free_port

CLIENT_ID = "commons-test"
CLIENT_SECRET = "test-secret-0123456789"


class _Quiet(WSGIRequestHandler):
    def log_request(self, *args, **kwargs):  # no line per request in the test output
        pass


class Provider:
    def __init__(self):
        self.port = free_port()
        self.issuer = f"http://127.0.0.1:{self.port}/realms/helsinki"
        self.key = RSAKey.generate_key(2048, parameters={"kid": "k1", "use": "sig", "alg": "RS256"}, private=True)
        self.user = {"sub": "sub-1", "email": "city.person@example.fi", "email_verified": True, "name": "Kaupunki Henkilö"}
        self.fault: str | None = None
        self.auto_approve = True
        self.requests: list[dict] = []
        self.codes: dict[str, dict] = {}
        self.ended = 0
        self.app = self._make_app()
        self.server = make_server("127.0.0.1", self.port, self.app, threaded=True, request_handler=_Quiet)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> "Provider":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()

    # --- the ID token --------------------------------------------------------------------------------

    def id_token(self, nonce: str, access_token: str) -> str:
        now = int(time.time())
        claims = {"iss": self.issuer, "sub": self.user["sub"], "aud": CLIENT_ID, "iat": now, "exp": now + 300,
                  "nonce": nonce, "auth_time": now, **{k: v for k, v in self.user.items() if k != "sub"}}
        digest = hashlib.sha256(access_token.encode()).digest()
        claims["at_hash"] = base64.urlsafe_b64encode(digest[:16]).rstrip(b"=").decode()
        key = self.key
        if self.fault == "signature":
            key = RSAKey.generate_key(2048, parameters={"kid": "k1", "alg": "RS256"}, private=True)
        elif self.fault == "nonce":
            claims["nonce"] = "another-nonce"
        elif self.fault == "expired":
            claims["iat"], claims["exp"] = now - 7200, now - 3600
        elif self.fault == "audience":
            claims["aud"] = "another-client"
        elif self.fault == "issuer":
            claims["iss"] = "http://127.0.0.1:1/realms/evil"
        return jwt.encode({"alg": "RS256", "kid": "k1"}, claims, key)

    # --- the endpoints -------------------------------------------------------------------------------

    def _make_app(self) -> Flask:
        app = Flask("oidc-provider")
        base = "/realms/helsinki"
        p = self

        @app.get(base + "/.well-known/openid-configuration")
        def discovery():
            url = p.issuer + "/protocol/openid-connect"
            return jsonify({
                "issuer": p.issuer, "authorization_endpoint": url + "/auth", "token_endpoint": url + "/token",
                "userinfo_endpoint": url + "/userinfo", "jwks_uri": url + "/certs", "end_session_endpoint": url + "/logout",
                "response_types_supported": ["code"], "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"], "code_challenge_methods_supported": ["S256"],
                "scopes_supported": ["openid", "email", "profile"],
                "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            })

        @app.get(base + "/protocol/openid-connect/certs")
        def jwks():
            return jsonify({"keys": [p.key.as_dict(private=False)]})

        @app.route(base + "/protocol/openid-connect/auth", methods=["GET", "POST"])
        def authorize():
            args = request.values
            p.requests.append(dict(args))
            if args.get("client_id") != CLIENT_ID or args.get("response_type") != "code":
                abort(400)
            if request.method == "GET" and not p.auto_approve:
                hidden = "".join(f'<input type="hidden" name="{escape(k)}" value="{escape(v)}">' for k, v in args.items())
                return (f'<!doctype html><html lang="en"><head><title>City identity</title></head><body><main>'
                        f'<h1>City identity</h1><form method="post">{hidden}'
                        f'<button type="submit">Continue as {escape(p.user["name"])}</button></form></main></body></html>')
            code = secrets.token_urlsafe(16)
            p.codes[code] = {"nonce": args.get("nonce"), "challenge": args.get("code_challenge"),
                             "method": args.get("code_challenge_method"), "redirect_uri": args.get("redirect_uri")}
            return redirect(args["redirect_uri"] + "?" + urlencode({"code": code, "state": args.get("state", "")}))

        @app.post(base + "/protocol/openid-connect/token")
        def token():
            auth = request.authorization
            client_id = auth.username if auth else request.form.get("client_id")
            secret = auth.password if auth else request.form.get("client_secret")
            if client_id != CLIENT_ID or secret != CLIENT_SECRET:
                return jsonify({"error": "invalid_client"}), 401
            grant = p.codes.pop(request.form.get("code", ""), None)
            if grant is None or grant["redirect_uri"] != request.form.get("redirect_uri"):
                return jsonify({"error": "invalid_grant"}), 400
            verifier = request.form.get("code_verifier", "")
            expected = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
            if grant["method"] != "S256" or grant["challenge"] != expected:
                return jsonify({"error": "invalid_grant", "error_description": "PKCE"}), 400
            access = secrets.token_urlsafe(24)
            return jsonify({"access_token": access, "token_type": "Bearer", "expires_in": 300,
                            "id_token": p.id_token(grant["nonce"], access)})

        @app.get(base + "/protocol/openid-connect/userinfo")
        def userinfo():
            return jsonify(p.user)

        @app.get(base + "/protocol/openid-connect/logout")
        def logout():
            p.ended += 1
            target = request.args.get("post_logout_redirect_uri")
            return redirect(target) if target else "Signed out"

        return app


def oidc_settings(provider: Provider) -> dict:
    return {"OIDC_ISSUER": provider.issuer, "OIDC_CLIENT_ID": CLIENT_ID, "OIDC_CLIENT_SECRET": CLIENT_SECRET,
            "OIDC_BUTTON_LABEL": "Helsinki-profiili"}
