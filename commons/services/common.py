"""What the accounts', groups' and facilities' use cases share: the administrator check, and the
refusal of names and titles with bidirectional control characters, finding the account of an address."""
from __future__ import annotations

from sqlalchemy import select

from commons.codes import Said
from commons.errors import Forbidden, Invalid
from commons.extensions import db
import commons.messages  # noqa: F401  (the words of the codes said here)
from commons.models import User
from commons.text import has_bidi_control


def admin_only(actor: User) -> None:
    """Forbidden unless the actor is an administrator."""
    if not actor.is_admin:
        raise Forbidden(reason="admin_only")


def refuse_bidi_controls(**texts: str | None) -> None:
    """Names and titles: no bidirectional control characters (commons.text.BIDI_CONTROLS), which make
    a name show as something else than it is. A refusal with code `bidi_control` and the fields."""
    fields = {name: Said("bidi_control") for name, value in texts.items() if has_bidi_control(value)}
    if fields:
        raise Invalid(code="bidi_control", reason="bidi_control", params={"fields": sorted(fields)}, fields=fields)


def find_user(email: str) -> User | None:
    """The account of an e-mail address (as stored: trimmed, in small letters), or None."""
    if "\x00" in email:  # no stored address has one (and PostgreSQL text cannot even compare with one)
        return None
    return db.session.execute(select(User).where(User.email == email.strip().lower())).scalar_one_or_none()
