"""The round's result by e-mail: when a round is published, each representative of each group that
applied is told (in their own language) what the group got and why a wish was not met. Queued in the
outbox with the publishing (commons.mail.queue_later) as the facts it must tell; `send-mail`
renders it (`render`) in the recipient's language."""
from __future__ import annotations

from datetime import datetime

from flask_babel import force_locale, lazy_gettext as _l
from sqlalchemy import select

from commons.codes import say
from commons.extensions import db
from commons.i18n import WEEKDAY_NAMES, format_clock
from commons.mail import Recipient, Rendered, public_url, queue_later, recipient_for, render_message
from commons.models import GroupMember, User
from rounds.models import Round, RoundApplication
from spaces.models import Space

TEMPLATE = "rounds/mail/result"
RENDERER = "rounds.result"


def result_published(r: Round, a: RoundApplication, now: datetime) -> None:
    """Queue the result for each representative of the application's group."""
    space_ids = {x["space_id"] for x in a.result["allocated"]}
    names = {s.id: s.name for s in db.session.execute(select(Space).where(Space.id.in_(space_ids))).scalars()} if space_ids else {}
    payload = {"round": r.name, "round_id": r.id, "group": a.group.name, "application_id": a.id,
               "allocated": [{**x, "space": names.get(x["space_id"], "")} for x in a.result["allocated"]],
               "unallocated": a.result["unallocated"], "wishes": len(a.wishes)}
    users = db.session.execute(select(User).join(GroupMember, GroupMember.user_id == User.id)
                               .where(GroupMember.group_id == a.group_id).order_by(User.id)).scalars()
    for user in users:
        queue_later(recipient_for(user), RENDERER, payload, key=f"round-result:{r.id}:{a.id}:{user.id}", now=now)


def render(data: dict, recipient: Recipient) -> Rendered:
    with force_locale(recipient.language):
        allocated = [{"space": x["space"], "day": str(WEEKDAY_NAMES[x["weekday"]]), "start": _clock(x["start"]),
                      "end": _clock(x["end"]), "wish": x["wish"] + 1, "occurrences": x.get("occurrences", 0),
                      "skipped": len(x.get("skipped", []))} for x in data["allocated"]]
        unallocated = [{"wish": u["wish"] + 1, "reason": say(u["code"], u.get("params", {}))} for u in data["unallocated"]]
    subject, text, html = render_message(
        TEMPLATE, recipient.language, _l("Seasonal round result: %(round)s", round=data["round"]), recipient=recipient,
        round=data["round"], group=data["group"], allocated=allocated, unallocated=unallocated,
        link=public_url(f"/rounds/{data['round_id']}/applications/{data['application_id']}"),
    )
    return Rendered(subject, text, html)


def _clock(hhmm: str) -> str:
    h, m = hhmm.split(":")
    return format_clock(int(h) * 60 + int(m))
