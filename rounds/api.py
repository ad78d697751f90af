"""JSON API of the seasonal rounds (thin: parse, call a service, answer): API.md's "Seasonal rounds"
rows, plus GET /age-groups, PUT/DELETE/PATCH of an application (edit and withdraw while open;
staff change the priority class), GET /rounds/{id}/allocations and PATCH of an allocation (move)."""
from __future__ import annotations

from commons.apispec import api_route
from commons.auth import require_user
from commons.codes import say
from commons.db import utcnow
from commons.schemas import Ok, minute_to_hhmm
from flask import Blueprint

from rounds import services
from rounds.schemas import (AllocateOut, AllocationIn, AllocationOut, ApplicationIn, ApplicationOut, ApplicationPatch, Created,
                            PublishOut, RoundCreated, RoundIn, RoundOut, RoundUnallocatedOut, SeriesOut, SkippedOut, VocabularyOut,
                            WindowOut, WishOut)
from spaces.purposes import AGE_GROUPS, PURPOSES

bp = Blueprint("rounds_api", __name__, url_prefix="/api/v1")


def round_out(r) -> RoundOut:
    return RoundOut(id=r.id, name=r.name, status=r.status_at(utcnow()), space_ids=r.space_ids, season_start=r.season_start,
                    season_end=r.season_end, applications_open=r.applications_open, applications_close=r.applications_close,
                    priority_classes=r.priority_classes or [], daytime_classes=r.daytime_classes)


def wishes_out(a) -> list[WishOut]:
    return [WishOut(slots_per_week=w["slots_per_week"], minutes=w["minutes"], space_ids=w["space_ids"],
                    windows=[WindowOut(weekday=x["weekday"], start=minute_to_hhmm(x["start"]), end=minute_to_hhmm(x["end"])) for x in w["windows"]])
            for w in a.wishes]


def application_out(a) -> ApplicationOut:
    return ApplicationOut(id=a.id, group_id=a.group_id, group=a.group.name, priority_class=a.priority_class, purpose=a.purpose,
                          age_groups=a.age_groups or [], attendees=a.attendees, status=a.status, wishes=wishes_out(a),
                          result=services.result_view(a))


def allocation_out(x) -> AllocationOut:
    return AllocationOut(id=x.id, application_id=x.application_id, wish=x.wish, group_id=x.application.group_id, space_id=x.space_id,
                         weekday=x.weekday, start=minute_to_hhmm(x.start_minute), end=minute_to_hhmm(x.end_minute), locked=x.locked)


@api_route(bp, "/purposes", summary="What a booking or an application may be for", response=list[VocabularyOut], tag="rounds")
def purposes():
    return [VocabularyOut(code=c, name=str(n)) for c, n in PURPOSES.items()]


@api_route(bp, "/age-groups", summary="The age groups a booking or an application may name", response=list[VocabularyOut], tag="rounds")
def age_groups():
    return [VocabularyOut(code=c, name=str(n)) for c, n in AGE_GROUPS.items()]


@api_route(bp, "/rounds", summary="Seasonal rounds", response=list[RoundOut], tag="rounds")
def list_rounds():
    return [round_out(r) for r in services.list_rounds()]


@api_route(bp, "/rounds", "POST", summary="Create a seasonal round", body=RoundIn, response=RoundCreated, status=201, auth=True, tag="rounds",
           errors=(403, 404))
def create_round(body: RoundIn):
    """Admins, and staff of the facilities of all its spaces. Open/close times without an offset are Helsinki time."""
    r = services.create_round(require_user(), body)
    return RoundCreated(id=r.id, status=r.status_at(utcnow()))


@api_route(bp, "/rounds/<int:round_id>", summary="One seasonal round", response=RoundOut, tag="rounds", errors=(404,))
def get_round(round_id: int):
    return round_out(services.get_round(round_id))


@api_route(bp, "/rounds/<int:round_id>/applications", "POST", summary="Apply for weekly slots", body=ApplicationIn, response=Created,
           status=201, auth=True, tag="rounds", errors=(403, 404))
def apply(round_id: int, body: ApplicationIn):
    """A representative of a verified group, while the round is open (else 422 `closed`)."""
    return Created(id=services.apply(require_user(), round_id, body).id)


@api_route(bp, "/rounds/<int:round_id>/applications", summary="Applications: all (staff of the round) or my groups'",
           response=list[ApplicationOut], auth=True, tag="rounds", errors=(404,))
def list_applications(round_id: int):
    r = services.get_round(round_id)
    return [application_out(a) for a in services.visible_applications(require_user(), r)]


@api_route(bp, "/rounds/<int:round_id>/applications/<int:application_id>", "PUT", summary="Change an application while the round is open",
           body=ApplicationIn, response=ApplicationOut, auth=True, tag="rounds", errors=(403, 404))
def update_application(round_id: int, application_id: int, body: ApplicationIn):
    a = services.update_application(require_user(), round_id, application_id, body)
    return application_out(services.get_application(round_id, a.id))


@api_route(bp, "/rounds/<int:round_id>/applications/<int:application_id>", "DELETE", summary="Withdraw an application while the round is open",
           response=Ok, auth=True, tag="rounds", errors=(403, 404))
def withdraw_application(round_id: int, application_id: int):
    services.withdraw_application(require_user(), round_id, application_id)
    return Ok()


@api_route(bp, "/rounds/<int:round_id>/applications/<int:application_id>", "PATCH", summary="Change an application's priority class (staff)",
           body=ApplicationPatch, response=ApplicationOut, auth=True, tag="rounds", errors=(403, 404))
def set_priority_class(round_id: int, application_id: int, body: ApplicationPatch):
    a = services.set_priority_class(require_user(), round_id, application_id, body)
    return application_out(services.get_application(round_id, a.id))


def _unallocated(items) -> list[RoundUnallocatedOut]:
    return [RoundUnallocatedOut(application_id=u["application_id"], wish=u["wish"], code=u["code"], params=u.get("params", {}),
                                reason=say(u["code"], u.get("params", {}))) for u in items]


@api_route(bp, "/rounds/<int:round_id>/allocate", "POST", summary="Allocate the round (a proposal; locked allocations are kept)",
           response=AllocateOut, auth=True, tag="rounds", errors=(403, 404))
def allocate(round_id: int):
    """Staff of the round, after the applications closed. The same input gives the same answer."""
    run = services.allocate(require_user(), round_id)
    return AllocateOut(allocations=[allocation_out(x) for x in run.allocations], unallocated=_unallocated(run.unallocated),
                       optimal=run.optimal, gap=run.gap, seconds=run.seconds)


@api_route(bp, "/rounds/<int:round_id>/allocations", summary="The round's allocations (staff)", response=AllocateOut, auth=True,
           tag="rounds", errors=(403, 404))
def list_allocations(round_id: int):
    r, allocations = services.round_allocations(require_user(), round_id)
    return AllocateOut(allocations=[allocation_out(x) for x in allocations], unallocated=_unallocated(r.unallocated or []),
                       optimal=bool(r.optimal), gap=r.gap)


@api_route(bp, "/rounds/<int:round_id>/allocations", "POST", summary="Allocate a slot by hand (locked)", body=AllocationIn,
           response=AllocationOut, status=201, auth=True, tag="rounds", errors=(403, 404, 409))
def add_allocation(round_id: int, body: AllocationIn):
    x = services.add_allocation(require_user(), round_id, body)
    return allocation_out(services.round_allocation(round_id, x.id))


@api_route(bp, "/rounds/<int:round_id>/allocations/<int:allocation_id>", "PATCH", summary="Move an allocation (it becomes locked)",
           body=AllocationIn, response=AllocationOut, auth=True, tag="rounds", errors=(403, 404, 409))
def move_allocation(round_id: int, allocation_id: int, body: AllocationIn):
    services.move_allocation(require_user(), round_id, allocation_id, body)
    return allocation_out(services.round_allocation(round_id, allocation_id))


@api_route(bp, "/rounds/<int:round_id>/allocations/<int:allocation_id>", "DELETE", summary="Remove an allocation", response=Ok,
           auth=True, tag="rounds", errors=(403, 404))
def delete_allocation(round_id: int, allocation_id: int):
    services.delete_allocation(require_user(), round_id, allocation_id)
    return Ok()


@api_route(bp, "/rounds/<int:round_id>/publish", "POST", summary="Publish: each allocation a weekly series; each group told",
           response=PublishOut, auth=True, tag="rounds", errors=(403, 404))
def publish(round_id: int):
    done = services.publish(require_user(), round_id)
    return PublishOut(series=[SeriesOut(allocation_id=p.allocation_id, booking_id=p.booking_id, series_id=p.series_id, occurrences=p.occurrences,
                                        skipped=[SkippedOut(start=s["start"], end=s["end"], code=s["code"], reason=say(s["code"], s.get("params", {})))
                                                 for s in p.skipped]) for p in done])

