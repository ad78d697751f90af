"""Links mailed to an account's address (commons.services.account_links), read from the outbox the way
the person would read them from their mail: for tests that sign up on the page and then book, change an
address, or reset a password."""
from __future__ import annotations

import json
import re

from sqlalchemy import select

from commons.extensions import db
from commons.models import OutboxMessage

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(html: str) -> str:
    """The form's CSRF token on a page (empty where the tests' app does not check CSRF)."""
    found = CSRF.search(html)
    return found.group(1) if found else ""


LINK = re.compile(r"https?://[^/\s]+(/account/(?:reset|verify)/[A-Za-z0-9_\-]+)")


def mailed_link(app, to: str, kind: str | None = None) -> str | None:
    """The path of the newest account link mailed to `to` (kind: reset, verify or email), or None."""
    with app.app_context():
        rows = db.session.execute(
            select(OutboxMessage).where(OutboxMessage.to_address == to.strip().lower()).order_by(OutboxMessage.id.desc())
        ).scalars().all()
        for row in rows:
            if row.payload:
                data = json.loads(row.payload)["data"]
                if kind not in (None, data.get("kind")) or "link" not in data:
                    continue
                found = LINK.search(data["link"])
            else:
                found = LINK.search(row.text_body)
            if found:
                return found.group(1)
    return None


def verify_address(app, client, email: str) -> None:
    """Open the verification link mailed to `email` with `client` (a signed-in browser or not)."""
    path = mailed_link(app, email)
    assert path and path.startswith("/account/verify/"), f"no verification link was mailed to {email}"
    r = client.get(path)  # opening the link confirms nothing: the page asks
    assert r.status_code == 200 and 'method="post"' in r.get_data(as_text=True), r.status_code
    r = client.post(path, data={"csrf_token": csrf_token(r.get_data(as_text=True))})
    assert r.status_code == 302, r.get_data(as_text=True)[:300]
