"""A person's personal data: the export (GET /me/export) and the erasure of the account. Packages
that keep personal data register how to export and erase it (commons knows none of them)."""
from __future__ import annotations

from collections.abc import Callable

from commons import audit
from commons.db import write_transaction
from commons.extensions import db
from commons.models import User

PERSONAL_DATA_EXPORTERS: list[Callable[[User], dict]] = []
PERSONAL_DATA_ERASERS: list[Callable[[User], None]] = []


def export_personal_data(user: User) -> dict:
    data = {
        "user": {
            "id": user.id,
            "email": user.email,
            "name": user.name,
            "role": user.role,
            "language": user.language,
            "email_verified": bool(user.email_verified),
            "pending_email": user.pending_email,
            "linked_to_city_identity": user.oidc_subject is not None,
            "created_at": user.created_at.isoformat(),
        },
        "groups": [{"id": m.group.id, "name": m.group.name} for m in user.memberships],
        "facilities": [{"id": s.facility.id, "name": s.facility.name} for s in user.staff_of],
        "api_tokens": [{"id": t.id, "created_at": t.created_at.isoformat()} for t in user.tokens],
        # the browsers signed in now (when each signed in; never the cookie's secret)
        "signed_in_browsers": [{"id": s.id, "signed_in_at": s.created_at.isoformat()} for s in user.sign_ins],
        # the links mailed to the person's address (a new password, a verified address; never the link itself)
        "account_links": [
            {"id": link.id, "purpose": link.purpose, "email": link.email, "sent_at": link.created_at.isoformat(),
             "expires_at": link.expires_at.isoformat(), "used_at": link.used_at.isoformat() if link.used_at else None}
            for link in user.account_links
        ],
    }
    from commons.mail import export_messages

    data.update(export_messages(user))  # the e-mails kept for the person (RETENTION_MAIL_DAYS)
    data.update(audit.export_audit(user))  # their actions as staff or administrator, and those about them
    for exporter in PERSONAL_DATA_EXPORTERS:
        data.update(exporter(user))
    return data


@write_transaction
def erase_account(user: User) -> None:
    """Erase the account and personal data; the groups' bookings stay, without the person."""
    from commons.mail import forget_recipient

    forget_recipient(user)  # the e-mails queued to the person
    audit.forget_person(user)  # the audit log keeps its events, without the account
    for eraser in PERSONAL_DATA_ERASERS:
        eraser(user)
    db.session.delete(user)
