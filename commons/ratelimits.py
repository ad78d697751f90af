"""Rate limits (Flask-Limiter): how often one IP address, one account, one group or one feed link
may do a thing. The figures are settings (commons.config, docs/security.md "Rate limits, headers and
sessions"); each limit reads its setting at request time, so tests can tighten one on a running app.

Counts live in RATELIMIT_STORAGE_URI: memory (per process) by default, Redis when several gunicorn
workers must share them. Keys never hold a secret or an e-mail address as such: a feed link's
secret and a typed e-mail are hashed first (Redis keys and Flask-Limiter's log lines show keys).

Every limit breached answers 429 with Retry-After (commons.errors): JSON `rate_limited` under
/api/, else the page that says how long to wait.
"""
from __future__ import annotations

import hashlib
from typing import Callable

from flask import current_app, g, request
from flask_login import current_user
from flask_limiter.util import get_remote_address

from commons.extensions import limiter


def _setting(name: str) -> Callable[[], str]:
    return lambda: current_app.config[name]


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


# --- Signing in and signing up ------------------------------------------------------------------------


def typed_email() -> str:
    """The e-mail address typed into the sign-in form, as accounts are looked up (commons.services.find_user)."""
    return (request.form.get("email") or "").strip().lower()[:254]


def _sign_in_failed(response) -> bool:
    return response.status_code == 422  # the form is shown again: wrong e-mail or password


#: Every sign-in attempt from one IP address.
sign_in_per_ip = limiter.limit(_setting("LOGIN_RATE_LIMIT"), methods=["POST"])
#: Failed sign-ins to one account (the e-mail typed), from any number of IP addresses: guessing one
#: person's password from many machines. Counted when the attempt failed; once over, even the right
#: password waits (the page says how long).
sign_in_per_account = limiter.limit(
    _setting("LOGIN_ACCOUNT_RATE_LIMIT"),
    key_func=lambda: "account:" + _digest(typed_email()),
    methods=["POST"],
    exempt_when=lambda: not typed_email(),
    deduct_when=_sign_in_failed,
)
#: Asking for a link to set a new password (a forgotten one), from one IP address.
password_reset_per_ip = limiter.limit(_setting("PASSWORD_RESET_RATE_LIMIT"), methods=["POST"])
#: ... and for one address (the e-mail typed), from any number of IP addresses: nobody fills a
#: person's mailbox with links. Counted whether or not the address has an account (the same answer).
password_reset_per_address = limiter.limit(
    _setting("PASSWORD_RESET_ADDRESS_RATE_LIMIT"),
    key_func=lambda: "reset:" + _digest(typed_email()),
    methods=["POST"],
    exempt_when=lambda: not typed_email(),
)
#: "Send the link again" (verifying one's address), per signed-in account.
verification_resend_per_account = limiter.limit(
    _setting("VERIFY_RESEND_RATE_LIMIT"), key_func=lambda: "verify:" + _signed_in_account(), methods=["POST"],
)
#: Sign-ins through the OpenID Connect provider started from one IP address.
oidc_per_ip = limiter.limit(_setting("LOGIN_RATE_LIMIT"), scope="oidc")
#: Sign-ups from one IP address.
sign_up_per_ip = limiter.limit(_setting("SIGNUP_RATE_LIMIT"), methods=["POST"])


# --- Answers that tell whether an e-mail address has an account ----------------------------------------
# Sign-in answers the same for an unknown address as for a wrong password, in the same time
# (commons.services.authenticate). Some answers must still say it: signing up with an address that has
# an account, adding a representative who has none, changing one's address to another account's. Those
# refusals (a 422 from these forms and the API) share one count, per IP address and per signed-in
# account, so that nobody learns who has an account by trying addresses one after another.


def _lookup_refused(response) -> bool:
    return response.status_code == 422


def _signed_in_account() -> str:
    actor = g.get("actor")
    if actor is None and current_user.is_authenticated:
        actor = current_user
    return f"user:{actor.id}" if actor is not None else ""


#: Refused account look-ups from one IP address.
account_lookups_per_ip = limiter.shared_limit(
    _setting("ACCOUNT_LOOKUP_RATE_LIMIT"), scope="account-lookups-ip", key_func=get_remote_address,
    methods=["POST"], deduct_when=_lookup_refused,
)
#: Refused account look-ups by one signed-in account, from any IP address.
account_lookups_per_account = limiter.shared_limit(
    _setting("ACCOUNT_LOOKUP_RATE_LIMIT"), scope="account-lookups-account", key_func=_signed_in_account,
    methods=["POST"], deduct_when=_lookup_refused, exempt_when=lambda: not _signed_in_account(),
)


# --- API tokens (checked in commons.auth.current_actor, where the token is read) -----------------------


def _token_refused(_response) -> bool:
    return bool(g.get("token_refused"))


#: Requests with a token that is not valid (unknown, revoked, mistyped), per IP address: guessing
#: tokens. Counted when the token was refused; once over, that address waits, whatever token it sends.
token_failures_per_ip = limiter.shared_limit(
    _setting("TOKEN_FAILURE_RATE_LIMIT"), scope="api-token-failures", deduct_when=_token_refused
)
#: Requests with a valid token, per account (all its tokens, from any IP address).
token_use_per_account = limiter.shared_limit(
    _setting("TOKEN_RATE_LIMIT"), scope="api-token-account", key_func=lambda: f"user:{g.token_user_id}"
)


# --- Bookings, invitations, feeds -----------------------------------------------------------------------


def requested_group() -> str:
    """The group a booking request is for: `group_id` in the API's JSON, `group` in the page's form.
    Empty when the request names none (it is then refused as invalid anyway)."""
    if request.is_json:
        body = request.get_json(silent=True)
        value = body.get("group_id") if isinstance(body, dict) else None
    else:
        value = request.form.get("group")
    text = str(value).strip() if isinstance(value, (int, str)) and not isinstance(value, bool) else ""
    return text if text.isdigit() and len(text) <= 10 else ""


#: Booking requests for one group, whoever sends them (its representatives, or staff booking on its
#: behalf) and however (the API or the space page's form): one count.
booking_per_group = limiter.shared_limit(
    _setting("BOOKING_RATE_LIMIT"),
    scope="booking-creation",
    key_func=lambda: "group:" + requested_group(),
    methods=["POST"],
    exempt_when=lambda: not requested_group(),
)


def _organiser() -> str:
    actor = g.get("actor")
    if actor is None and current_user.is_authenticated:
        actor = current_user
    return f"user:{actor.id}" if actor is not None else ""


def invitations_per_organiser(cost: int | Callable[[], int] = 1):
    """The count of volunteer invitations one organiser sends (API and page, whatever the shift), as a
    decorator; every decorator made here shares the one count. `cost`: how many invitations a request
    sends (volunteers' fill plan sends one per assignment)."""
    return limiter.shared_limit(
        _setting("INVITE_RATE_LIMIT"),
        scope="invitations",
        key_func=_organiser,
        methods=["POST"],
        cost=cost,
        exempt_when=lambda: not _organiser(),
    )


#: One invitation per request (POST /shifts/{id}/invite and its page).
invite_per_organiser = invitations_per_organiser()

#: Fetches of one personal feed link (its secret, hashed), from anywhere.
feed_per_link = limiter.limit(
    _setting("FEED_RATE_LIMIT"), key_func=lambda: "feed:" + _digest((request.view_args or {}).get("token", ""))
)
#: Fetches of the public space feeds from one IP address, all spaces together.
space_feeds_per_ip = limiter.shared_limit(_setting("SPACE_FEED_RATE_LIMIT"), scope="space-feeds", key_func=get_remote_address)
