"""JSON API: the account, groups and facilities part, and the OpenAPI document."""
from __future__ import annotations

from flask import Blueprint, request
from flask_wtf.csrf import CSRFError, validate_csrf
from wtforms import ValidationError as WTFValidationError

from commons import services
from commons.apispec import Page, api_route, openapi_document
from commons.auth import current_actor, require_user
from commons.errors import ApiError
from commons.ratelimits import account_lookups_per_account, account_lookups_per_ip
from commons.models import Facility, Group
from commons.schemas import (
    AuditEventOut,
    AuditQuery,
    FacilityIn,
    FacilityOut,
    GroupCreated,
    GroupIn,
    GroupOut,
    MemberIn,
    MemberOut,
    MeOut,
    Ok,
    Ref,
    StaffIn,
)

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def authenticate_and_check_csrf():
    """Resolve the caller once; browser sessions must send the CSRF token on writes
    (Bearer tokens are not sent by browsers on their own, so they need none)."""
    if not request.path.startswith("/api/"):
        return
    actor = current_actor()
    if request.method not in ("GET", "HEAD", "OPTIONS") and actor is not None:
        from flask import g

        if g.auth_method == "session":
            try:
                validate_csrf(request.headers.get("X-CSRFToken"))
            except (CSRFError, WTFValidationError):
                raise ApiError(reason="csrf_header", code="csrf", status=400) from None


@api_route(bp, "/openapi.json", summary="This OpenAPI 3.1 document", tag="meta")
def openapi():
    return openapi_document()


def me_out(user) -> MeOut:
    return MeOut(
        id=user.id,
        email=user.email,
        email_verified=bool(user.email_verified),
        name=user.name,
        role=user.role,
        groups=[Ref(id=m.group.id, name=m.group.name) for m in sorted(user.memberships, key=lambda m: m.group_id)],
        facilities=[Ref(id=s.facility.id, name=s.facility.name) for s in sorted(user.staff_of, key=lambda s: s.facility_id)],
    )


@api_route(bp, "/me", summary="Who am I", response=MeOut, auth=True, tag="accounts")
def me():
    return me_out(require_user())


@api_route(bp, "/me/export", summary="Everything stored about me", auth=True, tag="accounts")
def me_export():
    return services.export_personal_data(require_user())


@api_route(bp, "/me", "DELETE", summary="Erase my account", response=Ok, auth=True, tag="accounts")
def me_delete():
    services.erase_account(require_user())
    return Ok(message="Your account and personal data were erased.")


@api_route(bp, "/audit", summary="The audit log (staff: their facilities; admin: all)", query=AuditQuery,
           response=list[AuditEventOut], auth=True, tag="accounts")
def audit_log(query: AuditQuery):
    """Staff and administrator actions on bookings, groups, facilities and roles, newest first.
    Facility staff see the events of their own facilities; everyone else but administrators gets 403."""
    from commons import audit

    actor = require_user()
    audit.visible_facility_ids(actor)  # 403 before any filter is looked at
    f = audit.make_filter(query.actor_id, query.action, query.facility_id, query.group_id, query.from_, query.to)
    events = [AuditEventOut(**audit.event_dict(e)) for e in audit.list_events(actor, f, query.limit, query.offset)]
    return Page(events, query.limit, query.offset, audit.count_events(actor, f))  # paged in SQL: not sliced again


def group_out(g: Group) -> GroupOut:
    return GroupOut(
        id=g.id,
        name=g.name,
        kind=g.kind,
        district=g.district,
        verified=g.verified,
        description=g.description,
        registration_number=g.registration_number,
    )


@api_route(bp, "/groups", summary="List groups", response=list[GroupOut], tag="groups")
def list_groups():
    return [group_out(g) for g in services.list_groups()]


@api_route(bp, "/groups/<int:group_id>", summary="One group", response=GroupOut, tag="groups")
def get_group(group_id: int):
    return group_out(services.get_group(group_id))


@api_route(
    bp, "/groups", "POST", summary="Register a group", body=GroupIn, response=GroupCreated, status=201, auth=True, tag="groups"
)
def create_group(body: GroupIn):
    """The creator becomes the group's representative. Until an admin verifies the group,
    its bookings wait for staff approval."""
    group = services.register_group(require_user(), **body.model_dump())
    return GroupCreated(id=group.id, verified=group.verified)


@api_route(bp, "/groups/<int:group_id>/verify", "POST", summary="Verify a group (admin)", response=GroupOut, auth=True, tag="groups")
def verify_group(group_id: int):
    return group_out(services.verify_group(require_user(), group_id))


@api_route(
    bp,
    "/groups/<int:group_id>/members",
    "POST",
    summary="Add a representative",
    body=MemberIn,
    response=MemberOut,
    status=201,
    auth=True,
    tag="groups",
)
@account_lookups_per_ip  # a 422 says that nobody has an account with the address: counted (docs/security.md "Rate limits")
@account_lookups_per_account
def add_member(group_id: int, body: MemberIn):
    member = services.add_representative(require_user(), group_id, body.email)
    return MemberOut(group_id=member.group_id, user_id=member.user_id, email=member.user.email)


@api_route(bp, "/groups/<int:group_id>/members/me", "DELETE", summary="Leave a group (stop representing it)", response=Ok,
           auth=True, tag="groups")
def leave_group(group_id: int):
    """The caller stops representing the group. 403 `not_a_representative` when they do not; 422
    `last_representative` when nobody else would be left (add another first)."""
    services.leave_group(require_user(), group_id)
    return Ok()


def facility_out(f: Facility) -> FacilityOut:
    return FacilityOut(id=f.id, name=f.name, district=f.district, address=f.address, phone=f.phone)


@api_route(bp, "/facilities", summary="List facilities", response=list[FacilityOut], tag="facilities")
def list_facilities():
    return [facility_out(f) for f in services.list_facilities()]


@api_route(
    bp, "/facilities", "POST", summary="Create a facility (admin)", body=FacilityIn, response=FacilityOut, status=201, auth=True, tag="facilities"
)
def create_facility(body: FacilityIn):
    return facility_out(services.create_facility(require_user(), **body.model_dump()))


@api_route(
    bp,
    "/facilities/<int:facility_id>/staff",
    "POST",
    summary="Make a user staff of a facility (admin)",
    body=StaffIn,
    response=Ok,
    status=201,
    auth=True,
    tag="facilities",
)
def add_staff(facility_id: int, body: StaffIn):
    services.add_staff(require_user(), facility_id, body.email)
    return Ok(message="Added.")


@api_route(
    bp,
    "/facilities/<int:facility_id>/staff/<int:user_id>",
    "DELETE",
    summary="Remove a staff member from a facility (admin)",
    response=Ok,
    auth=True,
    tag="facilities",
)
def remove_staff(facility_id: int, user_id: int):
    services.remove_staff(require_user(), facility_id, user_id)
    return Ok(message="Removed.")
