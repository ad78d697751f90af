"""Use cases of calendars: feeds (public per space, personal per group), their secret links,
and the .ics import that turns a file's events into closures. Writing use cases are one
transaction each (commons.db.write_transaction)."""
from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import force_locale, gettext as _
from sqlalchemy import and_, delete, or_, select
from sqlalchemy.orm import joinedload

from calendars import ics, imports
from calendars.cache import feed_cache
from calendars.domain import calendar_domain
from calendars.changes import PLACES
from calendars.models import CalendarChange, FeedToken
from commons import audit
from commons.auth import is_representative, is_staff_of
from commons.db import utcnow, write_transaction
import calendars.messages  # noqa: F401  (the words of the codes said here)
from commons.codes import Said
from commons.errors import ApiError, Forbidden, Invalid, NotFound
from commons.extensions import db
from commons.models import Group, GroupMember, User
from commons.timezone import site_tz
from spaces.models import ACTIVE_STATUSES, HOLDING_STATUSES, Booking, BookingSeries, Closure, Space
from spaces.services import LOOKBACK, family_select, get_space
from spaces.series import series_rows

WINDOW_BACK = timedelta(days=90)
WINDOW_AHEAD = timedelta(days=548)  # 18 months
MAX_IMPORT_BYTES = 512 * 1024  # the default of ICS_IMPORT_MAX_BYTES (docs/security.md "Limits")


def import_limits() -> tuple[int, int, int]:
    """The configured limits of one .ics import: bytes, events, closures."""
    config = current_app.config
    return (
        int(config.get("ICS_IMPORT_MAX_BYTES", MAX_IMPORT_BYTES)),
        int(config.get("ICS_IMPORT_MAX_EVENTS", imports.MAX_EVENTS)),
        int(config.get("ICS_IMPORT_MAX_CLOSURES", imports.MAX_CLOSURES)),
    )


def max_import_bytes() -> int:
    return import_limits()[0]


def window(now: datetime) -> tuple[datetime, datetime]:
    """90 days back to 18 months ahead, on whole UTC days (so a feed is byte-identical all day)."""
    day = datetime.combine(now.astimezone(timezone.utc).date(), time(0), tzinfo=timezone.utc)
    return day - WINDOW_BACK, day + WINDOW_AHEAD


@dataclass
class Feed:
    body: bytes
    last_modified: datetime
    name: str
    etag: str = ""  # a hash of the body: the same bytes, the same ETag

    def __post_init__(self):
        if not self.etag:
            self.etag = hashlib.sha256(self.body).hexdigest()[:40]


# --- The cache: built once per change (see calendars.cache) -----------------------------------------


def _revisions(scopes: list[tuple[str, int]]) -> tuple | None:
    """The current revision of each scope, one query; None when one has none yet (not cached)."""
    conds = [and_(CalendarChange.scope == s, CalendarChange.scope_id == i) for s, i in scopes]
    found = {
        (s, i): r
        for s, i, r in db.session.execute(
            select(CalendarChange.scope, CalendarChange.scope_id, CalendarChange.revision).where(or_(*conds))
        )
    }
    revisions = tuple(found.get(scope) for scope in scopes)
    return None if any(r is None for r in revisions) else revisions


def cached_feed(name: tuple, scopes: list[tuple[str, int]], build: Callable[[datetime | None], Feed], now: datetime | None) -> Feed:
    """The feed `name` (e.g. ("space", 12, "fi")) from this process's cache while the revisions of
    `scopes` (everything it shows) and the window are those it was built with; else built and kept.
    A feed for a given `now` (tests, jobs) is always built."""
    cache = feed_cache() if now is None else None
    revisions = _revisions(scopes) if cache is not None else None
    if revisions is None:
        return build(now)
    now = utcnow()
    key = (*name, window(now)[0], calendar_domain(), revisions)
    feed = cache.get(key)
    if feed is None:
        feed = build(now)
        cache.put(key, feed, len(feed.body))
    return feed


# --- Loading what a feed shows (a fixed number of queries) -----------------------------------------


def _feed_bookings(where, lo: datetime, hi: datetime) -> tuple[list[Booking], dict[int, str]]:
    """Active bookings in [lo, hi), plus every row of the series that reach into the window (so a
    series' master can list its cancelled dates), and the series' rules: three queries."""
    opts = (joinedload(Booking.space).joinedload(Space.facility), joinedload(Booking.group))
    rows = list(
        db.session.execute(
            select(Booking)
            .where(where, Booking.start_at < hi, Booking.start_at > lo - LOOKBACK, Booking.end_at > lo)
            .where(or_(Booking.status.in_(HOLDING_STATUSES), Booking.series_id.is_not(None)))
            .options(*opts)
        ).scalars()
    )
    series_ids = sorted({b.series_id for b in rows if b.series_id is not None})
    rules: dict[int, str] = {}
    if series_ids:
        seen = {b.id for b in rows}
        rows += [
            b
            for b in db.session.execute(
                select(Booking).where(Booking.series_id.in_(series_ids)).options(*opts)
            ).scalars()
            if b.id not in seen
        ]
        rules = dict(db.session.execute(select(BookingSeries.id, BookingSeries.rrule).where(BookingSeries.id.in_(series_ids))).all())
    return rows, rules


def _stamp(scope: str, scope_id: int) -> datetime | None:
    return db.session.execute(
        select(CalendarChange.changed_at).where(CalendarChange.scope == scope, CalendarChange.scope_id == scope_id)
    ).scalar_one_or_none()


def _last_modified(stamp: datetime | None, moments: list[datetime], now: datetime) -> datetime:
    """The calendar's change stamp (bumped with every change, deletions included); for data older
    than the stamps, its items' own newest time. Never later than now."""
    latest = stamp or max((m for m in moments if m is not None), default=datetime(2000, 1, 1, tzinfo=timezone.utc))
    return min(latest, max(now, utcnow()))


def space_feed(space_id: int, lang: str, now: datetime | None = None) -> Feed:
    """The public feed of a space, built once per change of its calendar (or of the places)."""
    # (a change in the space's family bumps the space's own stamp too: calendars.changes.touch)
    return cached_feed(("space", space_id, lang), [("space", space_id), PLACES], lambda n: build_space_feed(space_id, lang, n), now)


def build_space_feed(space_id: int, lang: str, now: datetime | None = None) -> Feed:
    """The public feed of a space: bookings (the title only where the group made it public,
    otherwise "Reserved") and closures; never who booked. The time taken through the space's family
    (the hall it is part of, its parts) is there too, always as "Reserved". A fixed number of queries,
    whatever it holds."""
    now = now or utcnow()
    space = get_space(space_id)
    lo, hi = window(now)
    family = family_select([space.id])  # in the same statements: no query more
    rows, rules = _feed_bookings(Booking.space_id.in_(family), lo, hi)
    closures = list(
        db.session.execute(
            select(Closure).where(Closure.space_id.in_(family), Closure.start_at < hi, Closure.end_at > lo)
        ).scalars()
    )
    with force_locale(lang):
        name = f"{space.name}, {space.facility.name}"
        location = ics.space_location(space)
        # Public: the title only where the group made it public; never the group or a person.
        items = [ics.booking_item(b, summary=b.title if b.public_title and b.space_id == space.id else _("Reserved"),
                                  description="") for b in rows]
        citems = [
            ics.ClosureItem(
                id=c.id,
                summary=_("Closed: %(reason)s", reason=c.reason),
                start=c.start_at,
                end=c.end_at,
                tz=space.timezone,
                created=c.created_at,
                location=location,
            )
            for c in closures
        ]
        info = ics.CalendarInfo(
            name=name,
            domain=calendar_domain(),
            description=_("When %(space)s is booked or closed. Free of charge for resident groups.", space=name),
            timezone=space.timezone,
        )
    body = ics.build_calendar(info, items, rules, citems)
    moments = [b.updated_at for b in rows] + [c.created_at for c in closures]
    return Feed(body, _last_modified(_stamp("space", space.id), moments, now), name)




def group_feed(group: Group, lang: str, now: datetime | None = None) -> Feed:
    """A group's feed, built once per change of its calendar (or of the places)."""
    return cached_feed(("group", group.id, lang), [("group", group.id), PLACES], lambda n: build_group_feed(group, lang, n), now)


def build_group_feed(group: Group, lang: str, now: datetime | None = None) -> Feed:
    """A group's own bookings with their real titles and status (pending as TENTATIVE)."""
    now = now or utcnow()
    lo, hi = window(now)
    rows, rules = _feed_bookings(Booking.group_id == group.id, lo, hi)
    with force_locale(lang):
        status_words = {"pending": _("Status: waiting for the staff's approval"), "confirmed": _("Status: confirmed")}
        items = []
        for b in rows:
            text = [_("Group: %(group)s", group=group.name), status_words.get(b.status, "")]
            if b.decision_message:
                text.append(_("Message from the staff: %(message)s", message=b.decision_message))
            items.append(ics.booking_item(b, description="\n".join(t for t in text if t)))
        name = _("%(group)s: bookings", group=group.name)
        info = ics.CalendarInfo(
            name=name,
            domain=calendar_domain(),
            description=_("The bookings of %(group)s. This link is private: share it only with your group.", group=group.name),
            timezone=site_tz().key,
        )
    body = ics.build_calendar(info, items, rules)
    return Feed(body, _last_modified(_stamp("group", group.id), [b.updated_at for b in rows], now), name)


# --- One booking's (or series') events, for downloads and e-mails ------------------------------------


def booking_calendars(batches: list[list[Booking]], domain: str | None = None,
                      series: dict[int, tuple[str, list]] | None = None) -> list[tuple[bytes, str]]:
    """(.ics bytes, file name) for each batch of bookings (one booking, or dates of one series),
    with the same events, UIDs and SEQUENCE as the feeds: a date of a series comes as the whole
    series' event (series-N@domain with its RRULE, EXDATEs and moved dates), never as an event of
    its own that a calendar would show twice. `series` gives each series' rule and every one of its
    rows when the caller has them (an e-mail rendered from what was stored at the change: no query);
    otherwise two queries for all batches together (every row of the series involved, and their rules)."""
    if series is None:
        series = series_rows((b.series_id for batch in batches for b in batch),
                             joinedload(Booking.space).joinedload(Space.facility), joinedload(Booking.group))
    by_series = {sid: rows for sid, (_, rows) in series.items()}
    rules = {sid: rule for sid, (rule, _) in series.items()}
    domain = domain or calendar_domain()
    out = []
    for batch in batches:
        rows: list[Booking] = []
        seen: set[int] = set()
        for b in batch:
            group = by_series.get(b.series_id, [b]) if b.series_id in rules else [b]
            rows += [r for r in group if r.id not in seen]
            seen |= {r.id for r in group}
        sids = sorted({b.series_id for b in batch if b.series_id in rules})
        one_series = len(sids) == 1 and all(b.series_id == sids[0] for b in batch)
        filename = f"series-{sids[0]}.ics" if one_series else f"booking-{batch[0].id}.ics"
        out.append((ics.booking_ics(rows, domain, series_rules={sid: rules[sid] for sid in sids}), filename))
    return out


def booking_calendar(bookings: list[Booking]) -> tuple[bytes, str]:
    return booking_calendars([bookings])[0]


# --- Personal feed links ------------------------------------------------------------------------------


@dataclass
class FeedKind:
    """A kind of personal feed. `subjects(user)` lists (group_id or None, name) the user has one
    of; `build(user, group_id, lang, now)` makes the feed (None: no longer theirs, a 404).
    The volunteers package registers its kinds ("volunteer_shifts", "volunteer_matches") here."""

    kind: str
    subjects: Callable[[User], list[tuple[int | None, str]]]
    build: Callable[[User, int | None, str, datetime], Feed | None]
    # True: build accepts now=None (a real request) and keeps its feeds in the cache itself
    # (cached_feed); False: it is always given a time.
    cached: bool = False


FEED_KINDS: dict[str, FeedKind] = {}


def register_feed_kind(kind: FeedKind) -> None:
    FEED_KINDS[kind.kind] = kind


def _group_subjects(user: User) -> list[tuple[int | None, str]]:
    return [
        (gid, name)
        for gid, name in db.session.execute(
            select(Group.id, Group.name).join(GroupMember, GroupMember.group_id == Group.id).where(GroupMember.user_id == user.id).order_by(Group.name)
        )
    ]


def _group_build(user: User, group_id: int | None, lang: str, now: datetime | None) -> Feed | None:
    if group_id is None or not is_representative(user, group_id):
        return None
    group = db.session.get(Group, group_id)
    return group_feed(group, lang, now) if group else None


register_feed_kind(FeedKind("group_bookings", _group_subjects, _group_build, cached=True))


@dataclass
class FeedLink:
    kind: str
    name: str
    group_id: int | None
    token: str
    created_at: datetime = field(default_factory=utcnow)


def _secret() -> str:
    return current_app.config["SECRET_KEY"]


def _issue(user: User, kind: str, group_id: int | None) -> FeedToken:
    seed = FeedToken.new_seed()
    row = FeedToken(
        user_id=user.id,
        kind=kind,
        group_id=group_id,
        slot=FeedToken.slot_of(kind, group_id),
        seed=seed,
        token_hash=FeedToken.hash(FeedToken.derive(seed, _secret())),
    )
    db.session.add(row)
    return row


@write_transaction
def feed_links(user: User) -> list[FeedLink]:
    """The user's personal feed links, one per kind and subject (created when first asked for).
    A link whose token cannot be shown again (the SECRET_KEY changed) is replaced."""
    existing = {
        (t.kind, t.group_id): t for t in db.session.execute(select(FeedToken).where(FeedToken.user_id == user.id)).scalars()
    }
    links = []
    for kind in FEED_KINDS.values():
        for group_id, name in kind.subjects(user):
            row = existing.get((kind.kind, group_id))
            if row is not None and FeedToken.hash(FeedToken.derive(row.seed, _secret())) != row.token_hash:
                db.session.delete(row)
                db.session.flush()
                row = None
            if row is None:
                row = _issue(user, kind.kind, group_id)
                db.session.flush()
            links.append(FeedLink(kind.kind, name, group_id, FeedToken.derive(row.seed, _secret()), row.created_at))
    return links


def token_from_url(url: str) -> str:
    path = url.strip().split("?", 1)[0].rstrip("/")
    last = path.rsplit("/", 1)[-1]
    return last[: -len(".ics")] if last.endswith(".ics") else last


@write_transaction
def rotate_feed(user: User, kind: str | None = None, name: str | None = None, url: str | None = None) -> FeedLink:
    """Replace one personal feed link: the old one answers 404 from this commit on."""
    row = None
    link_name = None
    if url:
        row = db.session.execute(
            select(FeedToken).where(FeedToken.token_hash == FeedToken.hash(token_from_url(url)), FeedToken.user_id == user.id)
        ).scalar_one_or_none()
        if row is None:
            raise NotFound(reason="feed_url_unknown")
        kind = row.kind
    if kind not in FEED_KINDS:
        params = {"known": sorted(FEED_KINDS)}
        raise Invalid(reason="feed_kind_unknown", params=params, fields={"kind": Said("feed_kind_unknown", params)})
    subjects = FEED_KINDS[kind].subjects(user)
    if row is not None:
        match = [(g, n) for g, n in subjects if g == row.group_id]
    else:
        wanted = (name or "").strip().casefold()
        match = [(g, n) for g, n in subjects if n.casefold() == wanted]
        if not match and len(subjects) == 1 and not wanted:
            match = subjects
    if not match:
        raise NotFound(reason="feed_not_yours")
    group_id, link_name = match[0]
    db.session.execute(delete(FeedToken).where(FeedToken.user_id == user.id, FeedToken.slot == FeedToken.slot_of(kind, group_id)))
    new = _issue(user, kind, group_id)
    db.session.flush()
    return FeedLink(kind, link_name, group_id, FeedToken.derive(new.seed, _secret()), new.created_at)


def personal_feed(token: str, lang: str | None, now: datetime | None = None) -> Feed:
    """The feed behind a secret link; 404 for an unknown, replaced or no longer permitted one."""
    if not token or len(token) > 100:
        raise NotFound(reason="feed_not_found")
    row = db.session.execute(
        select(FeedToken, User).join(User, User.id == FeedToken.user_id).where(FeedToken.token_hash == FeedToken.hash(token))
    ).first()
    if row is None or row[0].kind not in FEED_KINDS:
        raise NotFound(reason="feed_replaced")
    feed_token, user = row
    language = lang or user.language or current_app.config["BABEL_DEFAULT_LOCALE"]
    kind = FEED_KINDS[feed_token.kind]
    feed = kind.build(user, feed_token.group_id, language, now if kind.cached else (now or utcnow()))
    if feed is None:
        raise NotFound(reason="feed_not_found")
    return feed


# --- Personal data -------------------------------------------------------------------------------------


def export_feed_links(user: User) -> dict:
    rows = db.session.execute(select(FeedToken).where(FeedToken.user_id == user.id).order_by(FeedToken.id)).scalars()
    return {"calendar_feeds": [{"kind": t.kind, "group_id": t.group_id, "created_at": t.created_at.isoformat()} for t in rows]}


def erase_feed_links(user: User) -> None:
    """Called inside erase_account: the person's feed links stop working with the account."""
    db.session.execute(delete(FeedToken).where(FeedToken.user_id == user.id))


# --- Import ----------------------------------------------------------------------------------------------


@dataclass
class ImportResult:
    imported: int
    updated: int
    already_present: int
    skipped: list[imports.Skipped]
    affected: list[Booking]
    tz: ZoneInfo
    window_start: datetime
    window_end: datetime


def import_window(space: Space, now: datetime) -> tuple[datetime, datetime]:
    """From the start of today (local) to the booking horizon, but at least a year ahead."""
    tz = ZoneInfo(space.timezone)
    today = now.astimezone(tz).date()
    lo = datetime.combine(today, time(0), tzinfo=tz).astimezone(timezone.utc)
    days = max(space.horizon_days, 365)
    return lo, lo + timedelta(days=days)


def import_closures(actor: User, space_id: int, data: bytes, now: datetime | None = None) -> ImportResult:
    """The events of an .ics file become closures of the space (each event, or each date of a
    recurring one, once: a second import of the same file adds nothing). Bookings that a new
    closure hits are listed, not cancelled. The file is read and its dates worked out before the
    write transaction opens (bounded, but it may take a second: nobody else's write waits for it);
    the transaction only stores the closures."""
    now = now or utcnow()
    space = get_space(space_id)
    if not is_staff_of(actor, space.facility_id):
        raise Forbidden(reason="import_staff_only")
    max_bytes, max_events, max_closures = import_limits()
    if len(data) > max_bytes:
        raise ApiError(reason="file_too_large", params={"max_kb": max_bytes // 1024}, code="too_large", status=413,
                       extra={"limit": max_bytes})
    zone = space.timezone
    lo, hi = import_window(space, now)
    try:
        parsed = imports.parse(data, ZoneInfo(zone), lo, hi, max_events=max_events, max_closures=max_closures)
    except imports.NotACalendar as exc:
        raise ApiError(reason=exc.code, params=exc.params, code="bad_calendar", status=400) from None
    except imports.TooMany as exc:
        raise ApiError(reason=exc.code, params=exc.params, code=f"too_many_{exc.what}", status=422,
                       extra={"found": exc.found, "limit": exc.limit}) from None
    except imports.BadTimezone as exc:
        raise ApiError(reason=exc.code, params=exc.params, code="bad_timezone", status=422, extra=exc.params) from None
    except imports.TooComplex as exc:
        raise ApiError(reason=exc.code, params=exc.params, code="too_complex", status=422, extra=exc.params) from None
    return _store_closures(actor, space_id, zone, parsed, lo, hi)


@write_transaction
def _store_closures(actor: User, space_id: int, zone: str, parsed: imports.Parsed, lo: datetime, hi: datetime) -> ImportResult:
    """The one transaction of an import: the closures of a file already read (import_closures)."""
    space = get_space(space_id)
    if not is_staff_of(actor, space.facility_id):  # checked again: the rights of now, not of before the reading
        raise Forbidden(reason="import_staff_only")
    if space.timezone != zone:  # floating times and all-day events were read in the old zone
        raise ApiError(reason="import_space_changed", code="space_changed", status=409)
    tz = ZoneInfo(zone)
    existing = {
        c.source_uid: c
        for c in db.session.execute(
            select(Closure).where(Closure.space_id == space.id, Closure.source_uid.is_not(None))
        ).scalars()
    }
    imported = updated = present = 0
    changed: list[Closure] = []
    for cand in parsed.closures:
        old = existing.get(cand.key)
        if old is not None:
            if (old.start_at, old.end_at, old.reason) == (cand.start, cand.end, cand.summary):
                present += 1
                continue
            old.start_at, old.end_at, old.reason = cand.start, cand.end, cand.summary
            updated += 1
            changed.append(old)
            continue
        closure = Closure(space_id=space.id, start_at=cand.start, end_at=cand.end, reason=cand.summary, source_uid=cand.key)
        db.session.add(closure)
        existing[cand.key] = closure
        changed.append(closure)
        imported += 1
    db.session.flush()
    affected: list[Booking] = []
    if changed:
        first = min(c.start_at for c in changed)
        last = max(c.end_at for c in changed)
        spans = sorted((c.start_at, c.end_at) for c in changed)
        for b in db.session.execute(
            select(Booking)
            .where(
                Booking.space_id == space.id,
                Booking.status.in_(ACTIVE_STATUSES),
                Booking.start_at < last,
                Booking.start_at > first - LOOKBACK,
                Booking.end_at > first,
            )
            .options(joinedload(Booking.group))
            .order_by(Booking.start_at, Booking.id)
        ).scalars():
            if any(s < b.end_at and b.start_at < e for s, e in spans):
                affected.append(b)
    if imported or updated:
        audit.record(actor, "closure.import", space.id, facility_id=space.facility_id,
                     details={"imported": imported, "updated": updated, "already_present": present,
                              "affected_booking_ids": [b.id for b in affected]})
    return ImportResult(imported, updated, present, parsed.skipped, affected, tz, lo, hi)
