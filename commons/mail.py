"""E-mail that is never lost: the outbox.

Every message is written to the `outbox_messages` table in the same transaction as the change
that causes it (`queue_message`, `queue_templated`, `queue_later`), so a booking and its message
commit or roll back together. `queue_later` writes only what the message must say (a JSON payload:
the facts as they were at the change) and the name of a renderer (`register_renderer`); the
`send-mail` job renders it (`render_waiting`, outside any write lock) before delivering it, so the
request that made the change pays for neither the templates nor the attachment. The `send-mail`
job (`send_mail(now)`) delivers what is due over SMTP:

- it first *claims* a batch (a lease: `claimed_until` + `claim_token`, with `FOR UPDATE SKIP
  LOCKED` on PostgreSQL, BEGIN IMMEDIATE on SQLite), so two concurrent runs never take the same row;
- it marks each message sent in its own short transaction right after the server accepted it;
- when the server is down or refuses, the message waits 1, 2, 4 ... 60 minutes and is tried again,
  and after MAIL_MAX_ATTEMPTS tries it is marked `failed` (listed by `flask --app commons mail list`).

Each row has a stable Message-ID, so in the one case where a message could go out twice (the
process dies between the server's "250 OK" and our commit, and the lease runs out) the receiving
side can recognise the copy.
"""
from __future__ import annotations

import json
import re
import smtplib
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel.speaklater import LazyString
from sqlalchemy import bindparam, delete, func, or_, select, update

from commons.db import utcnow, write_transaction
from commons.extensions import db
from commons.models import OutboxMessage, User

LEASE = timedelta(minutes=10)
BATCH = 200
MAX_BACKOFF_MINUTES = 60


@dataclass(frozen=True)
class Recipient:
    email: str
    language: str
    user_id: int | None = None
    name: str = ""


@dataclass(frozen=True)
class Attachment:
    content: str
    filename: str
    mime: str  # e.g. "text/calendar; method=PUBLISH"


@dataclass(frozen=True)
class Rendered:
    """A message as the recipient reads it."""

    subject: str
    text: str
    html: str
    attachment: Attachment | None = None


#: Renderers of the messages queued with `queue_later`, by name: fn(payload, recipient) -> Rendered.
#: The domain packages register theirs (commons knows none of them), e.g. spaces' booking notices.
RENDERERS: dict[str, Callable[[dict, Recipient], Rendered]] = {}


def register_renderer(name: str, render: Callable[[dict, Recipient], Rendered]) -> None:
    RENDERERS[name] = render


def recipient_for(user: User) -> Recipient:
    languages = current_app.config["LANGUAGES"]
    language = user.language if user.language in languages else current_app.config["BABEL_DEFAULT_LOCALE"]
    return Recipient(email=user.email, language=language, user_id=user.id, name=user.name)


def public_url(path: str = "/") -> str:
    """An absolute link for an e-mail (PUBLIC_URL + path): mail is rendered outside requests too."""
    return current_app.config["PUBLIC_URL"] + path


# --- Queueing (inside the causing transaction) -----------------------------------------------------


def queue_message(
    *,
    to: str,
    subject: str,
    text: str,
    html: str,
    key: str | None = None,
    user_id: int | None = None,
    language: str = "fi",
    attachment: Attachment | None = None,
    now: datetime | None = None,
    account: bool = False,
) -> bool:
    """Add one message to the outbox in the current transaction (the caller's use case commits).

    `key` makes it unique: a message whose key is already in the outbox is not queued again
    (returns False). Without a key every call queues a new message. A message to an account whose
    address is not verified yet is not queued (returns False) unless it is `account` mail (the links
    that verify the address or set a new password: commons.services.account_links)."""
    if not account and not may_mail(user_id):
        return False
    return _insert(
        key, now,
        to_address=to,
        user_id=user_id,
        language=language,
        subject=one_line(subject),
        text_body=text,
        html_body=html,
        attachment=attachment.content if attachment else None,
        attachment_filename=attachment.filename if attachment else None,
        attachment_mime=attachment.mime if attachment else None,
    )


def may_mail(user_id: int | None) -> bool:
    """Whether mail other than the account's own links may go to this account: not before its address is
    verified (someone may have signed up with another person's address). The user is usually loaded
    already (the session's identity map), else one small query."""
    if user_id is None:
        return True
    user = db.session.get(User, user_id)
    return user is None or bool(user.email_verified)


def queue_later(recipient: Recipient, renderer: str, payload: dict, *, key: str | None = None, now: datetime | None = None,
                account: bool = False) -> bool:
    """Add one message to the outbox in the current transaction, to be rendered by `send-mail`
    (`render_waiting`) with the renderer registered as `renderer`. `payload` (JSON) is everything
    the message says, as it was at the change: rendering reads nothing else, so the message is the
    same whenever it is rendered, and what happens to the data meanwhile does not change it.
    `key` and `account` as in `queue_message`."""
    if not account and not may_mail(recipient.user_id):
        return False
    return _insert(
        key, now,
        to_address=recipient.email,
        user_id=recipient.user_id,
        language=recipient.language,
        subject="",
        text_body="",
        html_body="",
        renderer=renderer,
        payload=json.dumps({"recipient_name": recipient.name, "data": payload}, ensure_ascii=False, separators=(",", ":")),
    )


def one_line(subject: str) -> str:
    """A subject on one line: no header injection, no folding surprises."""
    return " ".join(subject.split())[:300]


def _insert(key: str | None, now: datetime | None, **values) -> bool:
    now = now or utcnow()
    values.update(
        dedupe_key=(key or f"message:{uuid.uuid4().hex}")[:200],
        status="queued",
        attempts=0,
        next_attempt_at=now,
        created_at=now,
    )
    for name in _COLUMNS:
        values.setdefault(name, None)
    stmt = _insert_statement(db.session.get_bind().dialect.name)
    return db.session.execute(stmt, values).scalar_one_or_none() is not None


_COLUMNS = ("attachment", "attachment_filename", "attachment_mime", "renderer", "payload")
_INSERTS: dict[str, object] = {}


def _insert_statement(dialect: str):
    """INSERT ... ON CONFLICT (dedupe_key) DO NOTHING RETURNING id, built once per dialect (the
    values are parameters). ON CONFLICT DO NOTHING: two runs racing to queue the same reminder
    cannot both succeed, and neither fails (a unique violation would abort the caller's whole
    transaction on PostgreSQL). No row back: the key was there already (rowcount is -1 on psycopg)."""
    stmt = _INSERTS.get(dialect)
    if stmt is None:
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        table = OutboxMessage.__table__
        names = ("dedupe_key", "to_address", "user_id", "language", "subject", "text_body", "html_body", "status",
                 "attempts", "next_attempt_at", "created_at") + _COLUMNS
        stmt = _INSERTS[dialect] = (
            insert(table)
            .values({name: bindparam(name, type_=table.c[name].type) for name in names})
            .on_conflict_do_nothing(index_elements=["dedupe_key"])
            .returning(table.c.id)
        )
    return stmt


def render_message(template: str, language: str, subject, **context) -> tuple[str, str, str]:
    """(subject, text, html) in the recipient's language: `template`.txt and `template`.html, and
    `subject` (a lazy_gettext string) translated under that locale."""
    with force_locale(language):
        subject_text = str(subject)
        # A lazy text (lazy_gettext with values, e.g. an intro naming the group) says it is safe HTML
        # (__html__), so the HTML part would take a group's name as markup: make it plain text first.
        context = {k: str(v) if isinstance(v, LazyString) else v for k, v in context.items()}
        text = render_template(template + ".txt", subject=subject_text, language=language, **context)
        html = render_template(template + ".html", subject=subject_text, language=language, **context)
    return subject_text, text, html


def queue_templated(
    recipient: Recipient,
    template: str,
    subject,
    *,
    key: str | None = None,
    attachment: Attachment | None = None,
    now: datetime | None = None,
    **context,
) -> bool:
    """Render `template` for the recipient (their language) and queue it. `subject` is lazy text."""
    subject_text, text, html = render_message(template, recipient.language, subject, recipient=recipient, **context)
    return queue_message(
        to=recipient.email,
        subject=subject_text,
        text=text,
        html=html,
        key=key,
        user_id=recipient.user_id,
        language=recipient.language,
        attachment=attachment,
        now=now,
    )


def existing_keys(keys: list[str]) -> set[str]:
    """Which of these dedupe keys are in the outbox already (in chunks: one query per 500 keys)."""
    found: set[str] = set()
    for i in range(0, len(keys), 500):
        chunk = keys[i : i + 500]
        found.update(db.session.execute(select(OutboxMessage.dedupe_key).where(OutboxMessage.dedupe_key.in_(chunk))).scalars())
    return found


def discard_unsent(keys_like: list[str]) -> int:
    """Drop queued (not yet sent) messages whose key starts with one of these prefixes, e.g. the
    reminder of a booking that was just cancelled. Runs in the caller's transaction."""
    if not keys_like:
        return 0
    return db.session.execute(
        delete(OutboxMessage)
        .where(OutboxMessage.status == "queued", or_(*[OutboxMessage.dedupe_key.startswith(k) for k in keys_like]))
        .execution_options(synchronize_session=False)
    ).rowcount


# --- Rendering (the send-mail job, before delivery) ------------------------------------------------


def render_stored(row) -> Rendered:
    """What a `queue_later` message says (row: its to_address, language, user_id, renderer, payload)."""
    stored = json.loads(row.payload)
    recipient = Recipient(email=row.to_address, language=row.language, user_id=row.user_id, name=stored.get("recipient_name", ""))
    render = RENDERERS.get(row.renderer)
    if render is None:
        raise LookupError(f"no renderer {row.renderer!r} is registered")
    return render(stored["data"], recipient)


@dataclass
class RenderRun:
    rendered: int = 0
    retried: int = 0  # could not be rendered, tried again later
    gave_up: int = 0  # could not be rendered MAIL_MAX_ATTEMPTS times: failed


def render_waiting(now: datetime, limit: int = BATCH) -> RenderRun:
    """Render the queued messages that wait for it (`queue_later`; up to `limit`, oldest first) and
    store their text. The rows are read, the read transaction ends, they are
    rendered with no transaction open (no lock is held while templates and attachments are made),
    and one short write stores them. Two runs rendering the same message store the same text once
    (the payload is all a renderer reads). A message whose renderer fails waits like one the server
    refused (backoff; `failed` after MAIL_MAX_ATTEMPTS, with the error) and holds up no other."""
    rows = db.session.execute(
        select(OutboxMessage.id, OutboxMessage.to_address, OutboxMessage.language, OutboxMessage.user_id,
               OutboxMessage.renderer, OutboxMessage.payload, OutboxMessage.attempts)
        .where(OutboxMessage.renderer.is_not(None), OutboxMessage.status == "queued", OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.id)
        .limit(limit)
    ).all()
    db.session.commit()  # a read only: ends the transaction before the rendering
    done, broken = [], []
    for row in rows:
        try:
            done.append((row.id, render_stored(row)))
        except Exception as exc:  # one message's fault (a bug, a renderer gone) must not stop the others
            current_app.logger.exception("send-mail: cannot render message %s", row.id)
            broken.append((row.id, row.attempts, f"cannot render: {_describe(exc)}"))
    run = RenderRun(rendered=len(done))
    if done:
        _store_rendered(done)
    if broken:
        run.gave_up = _render_failed(broken, now)
        run.retried = len(broken) - run.gave_up
    return run


_table = OutboxMessage.__table__


@write_transaction
def _store_rendered(done: list[tuple[int, Rendered]]) -> None:
    stmt = (
        _table.update()
        .where(_table.c.id == bindparam("m_id"), _table.c.renderer.is_not(None))
        .values(subject=bindparam("m_subject"), text_body=bindparam("m_text"), html_body=bindparam("m_html"),
                attachment=bindparam("m_attachment"), attachment_filename=bindparam("m_filename"),
                attachment_mime=bindparam("m_mime"), renderer=None, payload=None)
    )
    db.session.execute(stmt, [
        {"m_id": mid, "m_subject": one_line(r.subject), "m_text": r.text, "m_html": r.html,
         "m_attachment": r.attachment.content if r.attachment else None,
         "m_filename": r.attachment.filename if r.attachment else None,
         "m_mime": r.attachment.mime if r.attachment else None}
        for mid, r in done
    ])


@write_transaction
def _render_failed(broken: list[tuple[int, int, str]], now: datetime) -> int:
    """Record a failed rendering as a failed attempt; returns how many were given up for good."""
    max_attempts = current_app.config["MAIL_MAX_ATTEMPTS"]
    gave_up = 0
    for mid, attempts, error in broken:
        attempts += 1
        gave_up += attempts >= max_attempts
        db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == mid, OutboxMessage.renderer.is_not(None), OutboxMessage.status == "queued")
            .values(attempts=attempts, last_error=error[:1000], status="failed" if attempts >= max_attempts else "queued",
                    next_attempt_at=now + backoff(attempts))
            .execution_options(synchronize_session=False)
        )
    return gave_up


# --- Delivery (the send-mail job) ------------------------------------------------------------------


@dataclass(frozen=True)
class _Outgoing:
    id: int
    to: str
    language: str
    subject: str
    text: str
    html: str
    attachment: str | None
    attachment_filename: str | None
    attachment_mime: str | None
    created_at: datetime
    attempts: int


def build_email(m: _Outgoing, sender: str) -> EmailMessage:
    msg = EmailMessage()
    domain = parseaddr(sender)[1].rpartition("@")[2] or "commons.localhost"
    msg["Subject"] = m.subject
    msg["From"] = sender
    msg["To"] = m.to
    msg["Date"] = format_datetime(m.created_at)
    # Stable per outbox row: a retried or (after a crash) repeated delivery carries the same id.
    msg["Message-ID"] = f"<outbox-{m.id}-{m.created_at:%Y%m%d%H%M%S}@{domain}>"
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(m.text)
    msg.add_alternative(m.html, subtype="html")
    if m.attachment is not None:
        mime, _, param_text = (m.attachment_mime or "text/plain").partition(";")
        maintype, _, subtype = mime.strip().partition("/")
        params = {}
        for part in param_text.split(";"):
            name, eq, value = part.strip().partition("=")
            if eq:
                params[name.strip()] = value.strip()
        if maintype == "text":
            msg.add_attachment(m.attachment, subtype=subtype, filename=m.attachment_filename, params=params)
        else:
            msg.add_attachment(m.attachment.encode(), maintype=maintype, subtype=subtype, filename=m.attachment_filename, params=params)
    msg["Content-Language"] = m.language  # after the body: set_content clears the Content-* headers
    return msg


@write_transaction
def _claim(now: datetime, token: str, limit: int) -> list[_Outgoing]:
    stmt = (
        select(OutboxMessage)
        .where(
            OutboxMessage.status == "queued",
            OutboxMessage.next_attempt_at <= now,
            OutboxMessage.renderer.is_(None),  # rendered (render_waiting) before it can be sent
            or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until <= now),
        )
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
    )
    if db.session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    rows = list(db.session.execute(stmt).scalars())
    if not rows:
        return []
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_([r.id for r in rows]))
        .values(claimed_until=now + LEASE, claim_token=token)
        .execution_options(synchronize_session=False)
    )
    return [
        _Outgoing(r.id, r.to_address, r.language, r.subject, r.text_body, r.html_body, r.attachment,
                  r.attachment_filename, r.attachment_mime, r.created_at, r.attempts)
        for r in rows
    ]


@write_transaction
def _mark_sent(message_id: int, token: str, now: datetime) -> None:
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.claim_token == token)
        .values(status="sent", sent_at=now, attempts=OutboxMessage.attempts + 1, claimed_until=None, claim_token=None, last_error=None)
        .execution_options(synchronize_session=False)
    )


def backoff(attempts: int) -> timedelta:
    """Wait after the n-th failed attempt: 1, 2, 4, 8 ... minutes, at most an hour."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), MAX_BACKOFF_MINUTES))


@write_transaction
def _mark_failed(messages: list[_Outgoing], token: str, now: datetime, error: str) -> int:
    """Record a failed attempt; returns how many messages were given up for good."""
    max_attempts = current_app.config["MAIL_MAX_ATTEMPTS"]
    gave_up = 0
    for m in messages:
        attempts = m.attempts + 1
        final = attempts >= max_attempts
        gave_up += final
        db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == m.id, OutboxMessage.claim_token == token)
            .values(
                attempts=attempts,
                last_error=error[:1000],
                status="failed" if final else "queued",
                next_attempt_at=now + backoff(attempts),
                claimed_until=None,
                claim_token=None,
            )
            .execution_options(synchronize_session=False)
        )
    return gave_up


def _connect() -> smtplib.SMTP:
    cfg = current_app.config
    cls = smtplib.SMTP_SSL if cfg.get("MAIL_USE_SSL") else smtplib.SMTP
    smtp = cls(cfg["MAIL_SERVER"], cfg["MAIL_PORT"], timeout=cfg.get("MAIL_TIMEOUT", 30))
    try:
        if cfg.get("MAIL_USE_TLS") and not cfg.get("MAIL_USE_SSL"):
            smtp.starttls()
        if cfg.get("MAIL_USERNAME"):
            smtp.login(cfg["MAIL_USERNAME"], cfg.get("MAIL_PASSWORD") or "")
    except BaseException:
        smtp.close()
        raise
    return smtp


def _describe(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "; ".join(f"{addr}: {code} {msg.decode(errors='replace') if isinstance(msg, bytes) else msg}" for addr, (code, msg) in exc.recipients.items())
    if isinstance(exc, smtplib.SMTPResponseException):
        msg = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
        return f"{exc.smtp_code} {msg}"
    return f"{type(exc).__name__}: {exc}"


def count_waiting() -> int:
    return db.session.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == "queued")) or 0


def send_mail(now: datetime) -> str:
    """The send-mail job: deliver the queued messages that are due at `now`."""
    cfg = current_app.config
    if not cfg.get("MAIL_SERVER"):
        waiting = count_waiting()
        db.session.rollback()
        return f"MAIL_SERVER is not set: nothing sent; {waiting} message(s) wait in the outbox."
    sender = cfg["MAIL_DEFAULT_SENDER"]
    token = uuid.uuid4().hex
    sent = retried = gave_up = 0
    unrendered = RenderRun()
    while True:
        rendering = render_waiting(now)
        unrendered.retried += rendering.retried
        unrendered.gave_up += rendering.gave_up
        batch = _claim(now, token, BATCH)
        if not batch:
            if rendering.rendered:
                continue  # taken meanwhile by another run: there may be more to render
            break
        try:
            smtp = _connect()
        except (OSError, smtplib.SMTPException) as exc:
            error = f"cannot connect to {cfg['MAIL_SERVER']}:{cfg['MAIL_PORT']}: {_describe(exc)}"
            current_app.logger.warning("send-mail: %s", error)
            lost = _mark_failed(batch, token, now, error)
            gave_up += lost
            retried += len(batch) - lost
            break
        with smtp:
            for i, m in enumerate(batch):
                try:
                    smtp.send_message(build_email(m, sender), from_addr=parseaddr(sender)[1] or None, to_addrs=[m.to])
                except (smtplib.SMTPServerDisconnected, OSError) as exc:
                    # The connection is gone: this and the rest of the batch wait for the next run.
                    lost = _mark_failed(batch[i:], token, now, _describe(exc))
                    gave_up += lost
                    retried += len(batch) - i - lost
                    break
                except smtplib.SMTPException as exc:  # refused (4xx/5xx) this one message
                    current_app.logger.warning("send-mail: message %s refused: %s", m.id, _describe(exc))
                    lost = _mark_failed([m], token, now, _describe(exc))
                    gave_up += lost
                    retried += 1 - lost
                    try:
                        smtp.rset()
                    except (smtplib.SMTPException, OSError):
                        lost = _mark_failed(batch[i + 1 :], token, now, "connection lost")
                        gave_up += lost
                        retried += len(batch) - i - 1 - lost
                        break
                else:
                    _mark_sent(m.id, token, now)
                    sent += 1
            else:
                continue
            break  # the connection failed: stop this run
    parts = [f"sent {sent}"]
    if retried:
        parts.append(f"{retried} will be retried")
    if gave_up:
        parts.append(f"{gave_up} failed for good")
    if unrendered.retried:
        parts.append(f"{unrendered.retried} could not be rendered (will be retried)")
    if unrendered.gave_up:
        parts.append(f"{unrendered.gave_up} could not be rendered (given up)")
    return "send-mail: " + ", ".join(parts) + "."


# --- Housekeeping ----------------------------------------------------------------------------------


@write_transaction
def purge_old_mail(now: datetime) -> str:
    """Retention: messages (sent, failed, or never sent) older than RETENTION_MAIL_DAYS are deleted."""
    cutoff = now - timedelta(days=current_app.config["RETENTION_MAIL_DAYS"])
    n = db.session.execute(
        delete(OutboxMessage).where(OutboxMessage.created_at < cutoff).execution_options(synchronize_session=False)
    ).rowcount
    return f"deleted {n} e-mail(s) older than {current_app.config['RETENTION_MAIL_DAYS']} days"


def forget_recipient(user: User) -> None:
    """Account erasure: the messages to this person go too (called inside erase_account)."""
    db.session.execute(
        delete(OutboxMessage)
        .where(or_(OutboxMessage.user_id == user.id, OutboxMessage.to_address == user.email))
        .execution_options(synchronize_session=False)
    )


_ACCOUNT_LINK = re.compile(r"(/account/(?:reset|verify)/)[A-Za-z0-9_\-]+")


def export_messages(user: User) -> dict:
    """The e-mails kept for this person (for GET /me/export)."""
    rows = db.session.execute(
        select(OutboxMessage)
        .where(or_(OutboxMessage.user_id == user.id, OutboxMessage.to_address == user.email))
        .order_by(OutboxMessage.created_at, OutboxMessage.id)
    ).scalars()
    emails = []
    for m in rows:
        subject, text = m.subject, m.text_body
        if m.renderer is not None:  # not rendered yet: as it will be sent
            try:
                r = render_stored(m)
                subject, text = one_line(r.subject), r.text
            except Exception:  # a renderer's fault: the stored facts, as they are
                current_app.logger.exception("export: cannot render message %s", m.id)
                text = m.payload
        text = _ACCOUNT_LINK.sub(r"\1…", text or "")  # a link that sets a password or verifies an address is a secret
        emails.append({"subject": subject, "to": m.to_address, "status": m.status, "created_at": m.created_at.isoformat(),
                       "sent_at": m.sent_at.isoformat() if m.sent_at else None, "text": text})
    return {"emails": emails}


def list_messages(status: str | None = None, limit: int = 50) -> list[OutboxMessage]:
    stmt = select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(limit)
    if status:
        stmt = stmt.where(OutboxMessage.status == status)
    return list(db.session.execute(stmt).scalars())
