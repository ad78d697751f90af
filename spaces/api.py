"""JSON API for spaces, availability, closures and bookings (thin: parse, call a service, answer)."""
from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import Blueprint, url_for
from sqlalchemy import inspect

from commons.apispec import Page, api_route
from commons.auth import require_user
from commons.codes import english, jsonable
from commons.ratelimits import booking_per_group
from commons.schemas import Ok, minute_to_hhmm
from spaces import services
from spaces.models import Booking, Closure, Space
from spaces.schemas import (
    AvailabilityOut,
    AvailabilityQuery,
    BookingCreated,
    BookingIn,
    BookingOut,
    BookingQuery,
    BookingsChanged,
    CancelIn,
    CheckedIn,
    ClosureConflict,
    ClosureIn,
    ClosureOut,
    FacilityClosuresOut,
    DecisionIn,
    Occurrence,
    OpeningHoursOut,
    RulesOut,
    Skipped,
    SpaceIn,
    SpaceOut,
    SpacePatch,
    SpaceQuery,
    Span,
    WaitlistEntryOut,
    WaitlistIn,
    WaitlistDate,
    WaitlistJoined,
)
from spaces.services import waitlist

bp = Blueprint("spaces_api", __name__, url_prefix="/api/v1")


def space_out(s: Space) -> SpaceOut:
    return SpaceOut(
        id=s.id,
        name=s.name,
        facility=s.facility.name,
        facility_id=s.facility_id,
        district=s.facility.district,
        address=s.facility.address,
        capacity=s.capacity,
        description=s.description,
        timezone=s.timezone,
        accessibility=s.accessibility,
        equipment=s.equipment,
        opening_hours=[
            OpeningHoursOut(weekday=o.weekday, opens=minute_to_hhmm(o.opens_minute), closes=minute_to_hhmm(o.closes_minute))
            for o in s.opening_hours
        ],
        rules=RulesOut(
            buffer_minutes=s.buffer_minutes,
            min_minutes=s.min_minutes,
            max_minutes=s.max_minutes,
            slot_minutes=s.slot_minutes,
            horizon_days=s.horizon_days,
            weekly_quota_minutes=s.weekly_quota_minutes,
            requires_approval=s.requires_approval,
            check_in_required=s.check_in_required,
            check_in_grace_minutes=s.check_in_grace_minutes,
            offer_hours=s.offer_hours,
        ),
        url=url_for("spaces.space_page", space_id=s.id, _external=True),
        part_of=s.part_of,
        parts=[p.id for p in s.parts],
    )


def booking_out(b: Booking) -> BookingOut:
    tz = ZoneInfo(b.space.timezone)
    return BookingOut(
        id=b.id,
        space_id=b.space_id,
        space=b.space.name,
        group_id=b.group_id,
        group=b.group.name,
        series_id=b.series_id,
        title=b.title,
        public_title=b.public_title,
        attendees=b.attendees,
        start=b.start_at.astimezone(tz),
        end=b.end_at.astimezone(tz),
        status=b.status,
        on_behalf=b.on_behalf,
        decision_message=b.decision_message,
        created_at=b.created_at.astimezone(tz),
        no_show=b.no_show,
        original_start=b.original_start.astimezone(tz) if b.original_start else None,
        offer_expires_at=b.offer_expires_at.astimezone(tz) if b.offer_expires_at else None,
        checked_in_at=b.checked_in_at.astimezone(tz) if b.checked_in_at else None,
        purpose=b.purpose,
        age_groups=list(b.age_groups or []),
        contact_name=b.contact_name,  # who sees a booking at all sees its contact: the facility's staff (a counter group has no members)
        contact_phone=b.contact_phone,
    )


def changed_out(changed: list[Booking]) -> BookingsChanged:
    """The changed bookings, reloaded in one query (the commit expired them; no query per row)."""
    ids = [inspect(b).identity[0] for b in changed]  # without loading the expired objects one by one
    return BookingsChanged(bookings=[booking_out(b) for b in services.bookings_by_ids(ids)])


def closure_out(c: Closure, tz: ZoneInfo, affected: list[int] | None = None, conflicts: list[ClosureConflict] | None = None) -> ClosureOut:
    return ClosureOut(
        id=c.id,
        space_id=c.space_id,
        start=c.start_at.astimezone(tz),
        end=c.end_at.astimezone(tz),
        reason=c.reason,
        affected_bookings=affected or [],
        conflicts=conflicts or [],
    )


def conflicts_out(affected: list[int]) -> list[ClosureConflict]:
    """The bookings a closure falls on, with their times (one query)."""
    return [ClosureConflict(booking_id=b.id, space_id=b.space_id, start=b.start_at.astimezone(ZoneInfo(b.space.timezone)),
                            end=b.end_at.astimezone(ZoneInfo(b.space.timezone)), status=b.status)
            for b in services.bookings_by_ids(affected)] if affected else []


@api_route(bp, "/spaces", summary="Find spaces", query=SpaceQuery, response=list[SpaceOut], tag="spaces")
def list_spaces(query: SpaceQuery):
    """Filter by district, minimum capacity, accessibility features and equipment (each repeatable,
    all must match); with free_from and free_to, only spaces free (open, not booked, not closed)
    for that whole window."""
    return [space_out(s) for s in services.search_spaces(query)]


@api_route(bp, "/spaces/<int:space_id>", summary="One space", response=SpaceOut, tag="spaces")
def get_space(space_id: int):
    return space_out(services.get_space(space_id))


@api_route(bp, "/spaces", "POST", summary="Create a space", body=SpaceIn, response=SpaceOut, status=201, auth=True, tag="spaces")
def create_space(body: SpaceIn):
    space = services.create_space(require_user(), body)
    return space_out(services.get_space(space.id))


@api_route(bp, "/spaces/<int:space_id>", "PATCH", summary="Edit a space, its opening hours and rules", body=SpacePatch, response=SpaceOut, auth=True, tag="spaces")
def update_space(space_id: int, body: SpacePatch):
    """Only the fields given change; `opening_hours` replaces all opening hours when given."""
    space = services.update_space(require_user(), space_id, body)
    return space_out(services.get_space(space.id))


@api_route(
    bp, "/spaces/<int:space_id>/availability", summary="Busy and free times of a space", query=AvailabilityQuery, response=AvailabilityOut, tag="spaces"
)
def availability(space_id: int, query: AvailabilityQuery):
    """Busy: bookings and closures, time only. Free: opening hours minus bookings (widened by the
    changeover buffer) and closures. Default window: the next 7 days; at most 62 days."""
    space = services.get_space(space_id)
    lo, hi, busy, free = services.availability(space, query.from_, query.to)
    tz = ZoneInfo(space.timezone)
    span = lambda i: Span(start=i.start.astimezone(tz), end=i.end.astimezone(tz))  # noqa: E731
    return AvailabilityOut(
        space_id=space.id,
        timezone=space.timezone,
        start=lo.astimezone(tz),
        end=hi.astimezone(tz),
        busy=[span(i) for i in busy],
        free=[span(i) for i in free],
    )


@api_route(bp, "/spaces/<int:space_id>/closures", summary="Closures of a space", response=list[ClosureOut], tag="spaces")
def list_closures(space_id: int):
    space = services.get_space(space_id)
    tz = ZoneInfo(space.timezone)
    return [closure_out(c, tz) for c in services.list_closures(space.id)]


@api_route(
    bp, "/spaces/<int:space_id>/closures", "POST", summary="Close a space for a time", body=ClosureIn, response=ClosureOut, status=201, auth=True, tag="spaces"
)
def add_closure(space_id: int, body: ClosureIn):
    """Existing bookings in the closed time stay as they are and are listed in
    `affected_bookings`, so staff can contact the groups or cancel them."""
    closure, affected = services.add_closure(require_user(), space_id, body.start, body.end, body.reason)
    space = services.get_space(space_id)
    return closure_out(closure, ZoneInfo(space.timezone), affected, conflicts_out(affected))


@api_route(
    bp, "/facilities/<int:facility_id>/closures", "POST", summary="Close every space of a facility (a holiday)", body=ClosureIn,
    response=FacilityClosuresOut, status=201, auth=True, tag="spaces"
)
def add_facility_closure(facility_id: int, body: ClosureIn):
    """One closure per space of the facility, in one transaction (staff of the facility). A time
    without an offset is wall-clock time in the spaces' zone. Existing bookings in the closed time
    stay and are listed in `affected_bookings` and `conflicts`. 404 unknown facility, 403 not its
    staff, 422 invalid times or a facility without spaces (`facility_has_no_spaces`)."""
    closures, affected = services.add_facility_closure(require_user(), facility_id, body.start, body.end, body.reason)
    conflicts = conflicts_out(affected)
    return FacilityClosuresOut(
        facility_id=facility_id,
        closures=[closure_out(c, ZoneInfo(services.get_space(c.space_id).timezone), [k.booking_id for k in conflicts if k.space_id == c.space_id],
                              [k for k in conflicts if k.space_id == c.space_id]) for c in closures],
        affected_bookings=affected,
        conflicts=conflicts,
    )


@api_route(
    bp, "/spaces/<int:space_id>/closures/<int:closure_id>", "DELETE", summary="Remove a closure", response=Ok, auth=True, tag="spaces"
)
def delete_closure(space_id: int, closure_id: int):
    services.delete_closure(require_user(), space_id, closure_id)
    return Ok(message="Closure removed.")


@api_route(bp, "/bookings", "POST", summary="Book a space", body=BookingIn, response=BookingCreated, status=201, auth=True, tag="bookings")
@booking_per_group
def create_booking(body: BookingIn):
    """One date, or a series with an RFC 5545 `rrule` expanded in the space's local time.
    409 `conflict` lists what is in the way (time only); 422 `rule` says which rule said no.
    With on_conflict "skip", the good dates are booked and the others returned in `skipped`."""
    result = services.create_booking(require_user(), body)
    tz = result.tz
    return BookingCreated(
        id=result.booked[0][0],
        status=result.status,
        series_id=result.series_id,
        occurrences=[Occurrence(id=i, start=s.astimezone(tz), end=e.astimezone(tz)) for i, s, e in result.booked],
        skipped=skipped_out(result.skipped, tz),
    )


def skipped_out(problems, tz: ZoneInfo) -> list[Skipped]:
    """One entry per date that was not booked, with that date's own times (what was in the way,
    time only, is in the reason)."""
    by_date: dict = {}
    for p in problems:
        reason = english(p.code, p.params)
        if p.occurrence in by_date:
            by_date[p.occurrence].reason += " " + reason
        else:
            by_date[p.occurrence] = Skipped(
                start=p.occurrence.start.astimezone(tz), end=p.occurrence.end.astimezone(tz), reason=reason, code=p.code,
                params=jsonable(p.params),
            )
    return list(by_date.values())


@api_route(bp, "/bookings", summary="Bookings I may see", query=BookingQuery, response=list[BookingOut], auth=True, tag="bookings")
def list_bookings(query: BookingQuery):
    """Representatives see their groups' bookings; staff their facilities'; admins all."""
    found, total = services.bookings_page(require_user(), query, count=True)
    return Page([booking_out(b) for b in found], query.limit, query.offset, total)


@api_route(bp, "/bookings/<int:booking_id>", summary="One booking", response=BookingOut, auth=True, tag="bookings")
def get_booking(booking_id: int):
    return booking_out(services.get_booking(require_user(), booking_id))


@api_route(
    bp, "/bookings/<int:booking_id>/cancel", "POST", summary="Cancel a booking or the rest of its series", body=CancelIn, response=BookingsChanged, auth=True, tag="bookings"
)
def cancel_booking(booking_id: int, body: CancelIn):
    changed = services.cancel_booking(require_user(), booking_id, body.scope)
    return changed_out(changed)


@api_route(
    bp, "/bookings/<int:booking_id>/approve", "POST", summary="Approve a pending request (staff)", body=DecisionIn, response=BookingsChanged, auth=True, tag="bookings"
)
def approve_booking(booking_id: int, body: DecisionIn):
    changed = services.decide(require_user(), booking_id, True, body.message, body.scope)
    return changed_out(changed)


@api_route(
    bp, "/bookings/<int:booking_id>/reject", "POST", summary="Reject a pending request (staff)", body=DecisionIn, response=BookingsChanged, auth=True, tag="bookings"
)
def reject_booking(booking_id: int, body: DecisionIn):
    changed = services.decide(require_user(), booking_id, False, body.message, body.scope)
    return changed_out(changed)


# --- Waiting lists, offers and check-in (API.md "Waiting lists, offers and check-in") -------------------


@api_route(bp, "/spaces/<int:space_id>/waitlist", "POST", summary="Join the waiting list for a taken time", body=WaitlistIn,
           response=WaitlistJoined, status=201, auth=True, tag="waiting lists")
def join_waitlist(space_id: int, body: WaitlistIn):
    """For a group's representative. When the whole time frees, the first in line gets an offer
    that holds the time (a booking with status `offered`). 422 `free` when the time can simply be
    booked; 422 `rule` when a booking rule says no."""
    data = waitlist.WaitlistJoin(group_id=body.group_id, start=body.start, end=body.end, title=body.title, attendees=body.attendees,
                                 rrule=body.rrule)
    joined = waitlist.join_waitlist(require_user(), space_id, data)
    tz = ZoneInfo(joined.zone)
    return WaitlistJoined(id=joined.id, position=joined.position, entries=[
        WaitlistDate(id=i, start=s.astimezone(tz), end=e.astimezone(tz), position=p) for i, s, e, p in joined.entries])


@api_route(bp, "/series/<int:series_id>/confirm", "POST", summary="Confirm the rest of a series asked to be confirmed",
           response=Ok, auth=True, tag="bookings")
def confirm_series(series_id: int):
    """For a representative of the group, after two dates of the series in a row were released unused:
    its upcoming dates are kept (not released 7 days after asking). 422 `state` when it does not ask."""
    kept = waitlist.confirm_series(require_user(), series_id)
    return Ok(message=f"Confirmed: {kept} upcoming date(s) kept.")


def entry_out(entry, position, offer) -> WaitlistEntryOut:
    tz = ZoneInfo(entry.space.timezone)
    return WaitlistEntryOut(
        id=entry.id, space_id=entry.space_id, group_id=entry.group_id, start=entry.start_at.astimezone(tz),
        end=entry.end_at.astimezone(tz), position=position, status=entry.status,
        offer_booking_id=offer.id if offer else None,
        offer_expires_at=offer.offer_expires_at.astimezone(tz) if offer and offer.offer_expires_at else None,
    )


@api_route(bp, "/waitlist", summary="My groups' places in waiting lists", response=list[WaitlistEntryOut], auth=True, tag="waiting lists")
def my_waitlist():
    return [entry_out(*row) for row in waitlist.my_waitlist(require_user())]


@api_route(bp, "/waitlist/<int:entry_id>", "DELETE", summary="Leave a waiting list", response=Ok, auth=True, tag="waiting lists")
def leave_waitlist(entry_id: int):
    """An offer the entry holds is declined and passes on."""
    waitlist.leave_waitlist(require_user(), entry_id)
    return Ok(message="Left the waiting list.")


@api_route(bp, "/bookings/<int:booking_id>/accept", "POST", summary="Accept an offer", response=BookingsChanged, auth=True, tag="waiting lists")
def accept_offer(booking_id: int):
    """The offer becomes a booking: confirmed, or pending where the space needs approval."""
    return changed_out(waitlist.accept_offer(require_user(), booking_id))


@api_route(bp, "/bookings/<int:booking_id>/decline", "POST", summary="Decline an offer", response=BookingsChanged, auth=True, tag="waiting lists")
def decline_offer(booking_id: int):
    """The time passes on to the next in line at once."""
    return changed_out(waitlist.decline_offer(require_user(), booking_id))


@api_route(bp, "/bookings/<int:booking_id>/check-in", "POST", summary="Check in", response=CheckedIn, auth=True, tag="waiting lists")
def check_in(booking_id: int):
    """A representative of the group or the facility's staff, from 15 minutes before the start until
    the grace period ends (422 `rule` otherwise)."""
    return CheckedIn(checked_in_at=waitlist.check_in(require_user(), booking_id))
