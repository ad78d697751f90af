"""Volunteer notices: e-mail to volunteers when their place on a shift changes.

Called from the use cases in volunteers.services inside their transaction: messages go into the
outbox (commons.mail) with the change and are delivered by the `send-mail` job, in each
recipient's language. Kinds: confirmed, waitlisted, promoted (a place freed up and is theirs),
invited (an organiser asks them), changed (time or needs), cancelled, reminder (24 h before,
once per sign-up and start time: the `reminders` job via commons.jobs.REMINDER_SOURCES).
"""
from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import force_locale, lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from commons.db import utcnow, write_transaction
from commons.extensions import db
from commons.i18n import format_span
from commons.mail import discard_unsent, existing_keys, public_url, queue_templated, recipient_for
from commons.models import User
from commons.timezone import site_tz
from volunteers.models import Activity, Shift, ShiftSignup, VolunteerProfile

TEMPLATE = "volunteers/mail/shift"
REMIND_AHEAD = timedelta(hours=24)

SUBJECTS = {
    "confirmed": lambda **v: _l("You are signed up: %(activity)s, %(when)s", **v),
    "waitlisted": lambda **v: _l("You are on the waiting list: %(activity)s, %(when)s", **v),
    "promoted": lambda **v: _l("A place opened up for you: %(activity)s, %(when)s", **v),
    "invited": lambda **v: _l("You are invited to volunteer: %(activity)s, %(when)s", **v),
    "changed": lambda **v: _l("Shift changed: %(activity)s, %(when)s", **v),
    "cancelled": lambda **v: _l("Shift cancelled: %(activity)s, %(when)s", **v),
    "reminder": lambda **v: _l("Reminder: %(activity)s, %(when)s", **v),
}

INTROS = {
    "confirmed": lambda **v: _l("Thank you! You have a place on this shift."),
    "waitlisted": lambda **v: _l("The shift is full, so you are on the waiting list (number %(position)s). If a place frees up, it is yours at once and we tell you.", **v),
    "bumped": lambda **v: _l("The shift's time changed and no longer fits your other shifts or your weekly hours, so you are now on its waiting list."),
    "promoted": lambda **v: _l("Good news: a place freed up and it is now yours. If you cannot come after all, please withdraw so that the next person can take it."),
    "invited": lambda **v: _l("The organisers think you would be a good fit for this shift and invite you to sign up."),
    "changed": lambda **v: _l("This shift has been changed. Below are the new details."),
    "cancelled": lambda **v: _l("This shift has been cancelled. Thank you for being ready to help."),
    "reminder": lambda **v: _l("A reminder: your volunteer shift is soon."),
}


def _people(volunteer_ids: set[int]) -> dict[int, User]:
    ids = {i for i in volunteer_ids if i is not None}
    if not ids:
        return {}
    return {
        pid: user
        for pid, user in db.session.execute(
            select(VolunteerProfile.id, User).join(User, User.id == VolunteerProfile.user_id).where(VolunteerProfile.id.in_(ids))
        )
    }


def _shift(shift_id: int) -> Shift:
    return db.session.execute(
        select(Shift).where(Shift.id == shift_id).options(joinedload(Shift.activity).joinedload(Activity.group))
    ).scalar_one()


def _queue(kind: str, su: ShiftSignup, user: User, shift: Shift, now: datetime, key: str | None = None,
           intro: str | None = None, position: int | None = None) -> int:
    tz = site_tz()
    r = recipient_for(user)
    activity = shift.activity
    with force_locale(r.language):
        when = format_span(shift.start_at, shift.end_at, tz)
    subject = SUBJECTS[kind](activity=activity.title, when=when)
    organiser = activity.group.name if activity.group is not None else (activity.facility.name if activity.facility else "")
    return int(queue_templated(
        r,
        TEMPLATE,
        subject,
        key=key,
        now=now,
        kind=kind,
        intro=INTROS[intro or kind](position=position or ""),
        activity=activity,
        shift=shift,
        organiser=organiser,
        tz=tz,
        span=format_span,
        link=public_url(f"/activities/{activity.id}"),
        my_link=public_url("/volunteering/shifts"),
    ))


def _one(kind: str, su: ShiftSignup, now: datetime | None, **kw) -> int:
    user = _people({su.volunteer_id}).get(su.volunteer_id)
    if user is None:
        return 0
    return _queue(kind, su, user, _shift(su.shift_id), now or utcnow(), **kw)


def confirmed(su: ShiftSignup, now: datetime | None = None) -> int:
    """The person took a place themselves (signed up, or accepted an invitation): organisers never give one."""
    return _one("confirmed", su, now)


def waitlisted(su: ShiftSignup, position: int | None, now: datetime | None = None, bumped: bool = False) -> int:
    """On the waitlist, number `position` in line (the caller counts it: volunteers.services.places)."""
    return _one("waitlisted", su, now, intro="bumped" if bumped else None, position=position)


def promoted(su: ShiftSignup, now: datetime | None = None) -> int:
    return _one("promoted", su, now)


def invited(su: ShiftSignup, activity: Activity, actor: User, now: datetime | None = None) -> int:
    # once per shift and person: inviting again does not send the same message twice
    return _one("invited", su, now, key=f"volunteer:invited:{su.shift_id}:{su.volunteer_id}")


def forget_reminders(signups: list[ShiftSignup]) -> None:
    discard_unsent([f"reminder:shift:{su.id}:" for su in signups])


def _many(kind: str, shift: Shift, signups: list[ShiftSignup], now: datetime | None) -> int:
    now = now or utcnow()
    people = _people({su.volunteer_id for su in signups})
    loaded = _shift(shift.id)
    return sum(_queue(kind, su, people[su.volunteer_id], loaded, now) for su in signups if su.volunteer_id in people)


def shift_changed(shift: Shift, signups: list[ShiftSignup], now: datetime | None = None, moved: bool = True) -> int:
    """Everyone confirmed, waiting or invited hears of the change; unsent reminders are dropped
    (the reminders job queues one for the new time)."""
    forget_reminders(signups)
    return _many("changed", shift, [su for su in signups if su.status in ("confirmed", "waitlisted", "invited")], now)


def shift_cancelled(shift: Shift, signups: list[ShiftSignup], now: datetime | None = None) -> int:
    forget_reminders(signups)
    return _many("cancelled", shift, signups, now)


@write_transaction
def queue_shift_reminders(now: datetime) -> int:
    """Confirmed sign-ups of open shifts starting within 24 hours get one reminder each, once
    (dedupe key reminder:shift:SIGNUP:START)."""
    rows = list(db.session.execute(
        select(ShiftSignup).join(Shift, Shift.id == ShiftSignup.shift_id)
        .where(ShiftSignup.status == "confirmed", ShiftSignup.volunteer_id.is_not(None), Shift.status == "open",
               Shift.start_at > now, Shift.start_at <= now + REMIND_AHEAD)
        .options(joinedload(ShiftSignup.shift).joinedload(Shift.activity).joinedload(Activity.group))
    ).scalars())
    if not rows:
        return 0
    keys = {su.id: f"reminder:shift:{su.id}:{int(su.start_at.timestamp())}" for su in rows}
    done = existing_keys(list(keys.values()))
    todo = [su for su in rows if keys[su.id] not in done]
    people = _people({su.volunteer_id for su in todo})
    return sum(_queue("reminder", su, people[su.volunteer_id], su.shift, now, key=keys[su.id]) for su in todo if su.volunteer_id in people)


CREDENTIAL_TEMPLATE = "volunteers/mail/credential"


def credential_expiring(profile: VolunteerProfile, cred, now: datetime | None = None) -> int:
    """The holder of a credential hears once that it runs out soon (key credential:expiry:ID)."""
    from babel.dates import format_date

    from volunteers.reasons import credential_name

    user = db.session.get(User, profile.user_id)
    if user is None:
        return 0
    r = recipient_for(user)
    with force_locale(r.language):
        kind = credential_name(cred.kind, in_sentence=True)
        until = format_date(cred.valid_until, format="long", locale=r.language)
    subject = _l("Your %(kind)s is valid until %(date)s", kind=kind, date=until)
    return int(queue_templated(
        r, CREDENTIAL_TEMPLATE, subject, key=f"credential:expiry:{cred.id}", now=now or utcnow(),
        kind=kind, until=until, link=public_url("/volunteering/profile"),
    ))
