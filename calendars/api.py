"""JSON API of calendars: personal feed links, rotating them, .ics import, and moving a booking
(a moved occurrence is what RECURRENCE-ID is for)."""
from __future__ import annotations

from flask import Blueprint, request, url_for

from calendars import services
from calendars.schemas import AffectedBooking, FeedLinkOut, ImportOut, MoveIn, RotateIn, SkippedEvent
from commons.apispec import api_route
from commons.auth import require_user
from commons.codes import jsonable
from commons.errors import ApiError
from spaces import services as space_services
from spaces.api import booking_out
from spaces.schemas import BookingOut

bp = Blueprint("calendars_api", __name__, url_prefix="/api/v1")


def link_out(link: services.FeedLink) -> FeedLinkOut:
    url = url_for("calendars.personal_feed", token=link.token, _external=True)
    return FeedLinkOut(
        kind=link.kind, name=link.name, group_id=link.group_id, url=url, webcal_url="webcal://" + url.split("://", 1)[1]
    )


@api_route(bp, "/feeds", summary="My personal calendar feed links", response=list[FeedLinkOut], auth=True, tag="calendars")
def list_feeds():
    """One secret link per feed: each group you represent (its bookings, real titles and status).
    Anyone with a link can read that feed, so share it only with your group; rotate it if it leaks."""
    return [link_out(link) for link in services.feed_links(require_user())]


@api_route(bp, "/feeds/rotate", "POST", summary="Replace a feed link", body=RotateIn, response=FeedLinkOut, auth=True, tag="calendars")
def rotate_feed(body: RotateIn):
    """Give `{kind, name}` (as GET /feeds lists them) or `{url}`. The old link answers 404 from now on."""
    return link_out(services.rotate_feed(require_user(), kind=body.kind, name=body.name, url=body.url))


def uploaded_file() -> bytes:
    """The .ics from a multipart field `file`, or the request body itself (text/calendar)."""
    if request.mimetype == "multipart/form-data":
        upload = request.files.get("file")
        if upload is None:
            raise ApiError(reason="ics_file_field_missing", code="bad_request", status=400)
        data = upload.read(services.max_import_bytes() + 1)
    else:
        data = request.get_data(cache=False)
    if not data.strip():
        raise ApiError(reason="ics_file_empty", code="bad_request", status=400)
    return data


def import_out(result: services.ImportResult) -> ImportOut:
    tz = result.tz
    return ImportOut(
        imported=result.imported,
        updated=result.updated,
        already_present=result.already_present,
        skipped=[SkippedEvent(uid=s.uid, reason=s.reason, code=s.code, params=jsonable(s.params)) for s in result.skipped],
        affected_bookings=[
            AffectedBooking(id=b.id, start=b.start_at.astimezone(tz), end=b.end_at.astimezone(tz), title=b.title, group=b.group.name, status=b.status)
            for b in result.affected
        ],
        window_start=result.window_start.astimezone(tz),
        window_end=result.window_end.astimezone(tz),
    )


@api_route(
    bp,
    "/spaces/<int:space_id>/import",
    "POST",
    summary="Import an .ics file as closures",
    response=ImportOut,
    auth=True,
    raw_body="text/calendar",
    tag="calendars",
)
def import_ics(space_id: int):
    """Each event of the file (each date of a recurring one, within the import window: today until the
    booking horizon, at least a year) becomes a closure of the space. All-day events close whole
    local days. Importing the same file again adds nothing. Bookings the closures overlap are listed
    in `affected_bookings`, not cancelled. 400: not an iCalendar file; 413 `too_large`: larger than
    512 KB (ICS_IMPORT_MAX_BYTES); 422 `too_many_events` (over 1000 VEVENTs), `too_many_closures` (over
    2000 dates in the window) or `too_many_timezones` (over 50 VTIMEZONEs), with `found` and `limit`;
    422 `bad_timezone` with a `reason` code and its `params` (always `tzid`, also at the top level): a
    VTIMEZONE rule that is not FREQ=YEARLY (`ics_timezone_not_yearly`, with `freq`), unreadable
    (`ics_timezone_unreadable`), a zone the file defines with over 50 parts (`ics_timezone_too_many_parts`),
    or the file's own zones with over 10 000 changes up to a year after the window
    (`ics_timezone_too_many_changes`; both with `found` and `limit`); 422 `too_complex` (`ics_too_complex`,
    with `found` and `limit`): the recurring events together walk over 500 000 steps; 409 `space_changed`
    (`import_space_changed`): the space's time zone changed while the file was read. An event repeating
    too often over too long a time is skipped with the reason."""
    actor = require_user()
    data = uploaded_file()
    return import_out(services.import_closures(actor, space_id, data))


@api_route(
    bp, "/bookings/<int:booking_id>", "PATCH", summary="Move a booking (one date)", body=MoveIn, response=BookingOut, auth=True, tag="bookings"
)
def move_booking(booking_id: int, body: MoveIn):
    """Checked like a new booking (rules, conflicts, quota). A date of a series keeps its place in
    the series (calendar feeds show it as a moved occurrence). A representative's move of a booking
    that needs approval makes it pending again."""
    booking = space_services.move_booking(require_user(), booking_id, body.start, body.end)
    return booking_out(space_services.get_booking(require_user(), booking.id))
