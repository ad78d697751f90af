"""E-mail about a person's place in a group: sent when someone else made them a group's
representative (add_representative), so that nothing happens to a person unseen: they learn who did
it, what it means, and how to leave (commons.services.leave_group, the group page's "Leave").

Queued in the use case's transaction (commons.mail), in the recipient's language, delivered by the
`send-mail` job.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from commons.mail import public_url, queue_templated, recipient_for
from commons.models import Group, User

TEMPLATE = "commons/mail/representative_added"


def representative_added(group: Group, user: User, actor: User, member_id: int) -> int:
    """Tell `user` that `actor` made them a representative of `group` (once per membership)."""
    r = recipient_for(user)
    return int(queue_templated(
        r,
        TEMPLATE,
        _l("You are now a representative of %(group)s", group=group.name),
        key=f"group:representative-added:{member_id}",
        group=group,
        actor_name=actor.name,
        group_link=public_url(f"/groups/{group.id}"),
        leave_link=public_url(f"/groups/{group.id}/leave"),
    ))
