"""JSON API of volunteering (thin: parse, call a service, answer). API.md's volunteer rows, plus:
GET /volunteers/me, GET /volunteers/me/shifts, GET /activities, PATCH /activities/{id},
GET/PATCH /shifts/{id}, POST /shifts/{id}/cancel, /invite, GET /shifts/{id}/signups,
POST /signups/{id}/attendance, /remove, POST /fill-plan, /fill-plan/apply.

Reasons come twice: `reasons` as sentences in the request's language, `reason_codes` as data.
Candidates and sign-ups show names to organisers only; never an e-mail address; the contact a
volunteer chose to share only on their confirmed sign-ups. Organisers (the representatives of a
verified group, staff) read a candidate's match as rules.organiser_view: what the shift needs, the
score in whole points; never the volunteer's windows, spare hours, recent shifts or age."""
from __future__ import annotations

from flask import Blueprint

from commons.apispec import Page, api_route
from commons.schemas import Ok
from commons.auth import current_actor, require_user
from commons.errors import NotFound
from commons.ratelimits import invite_per_organiser
from commons.timezone import site_tz
from volunteers import services
from volunteers.rules import Match
from volunteers.ratelimits import certificate_lookups_per_ip, invite_per_fill_plan
from volunteers.schemas import (
    AttendedShiftOut,
    CertificateCreated,
    CertificateIn,
    CertificateOut,
    CounterSignupIn,
    CredentialIn,
    CredentialKindOut,
    HoursQuery,
    YearHoursOut,
    ActivityIn,
    ActivityOut,
    ActivityPatch,
    AssignmentIn,
    AttendanceIn,
    AttendanceOut,
    CandidateOut,
    Created,
    FillPlanApplied,
    FillPlanApplyIn,
    FillPlanIn,
    FillPlanOut,
    HoursOut,
    InviteIn,
    ListQuery,
    MatchOut,
    MyShiftOut,
    MyShiftsOut,
    PlanItemOut,
    ProfileIn,
    ProfileOut,
    ReasonCode,
    RefusedOut,
    ShiftIn,
    ShiftOut,
    ShiftPatch,
    SignupOut,
    StatusOut,
)

bp = Blueprint("volunteers_api", __name__, url_prefix="/api/v1")


def _describe(m: Match, audience: str = "volunteer", week: int | None = None) -> tuple[list[str], list[ReasonCode]]:
    from volunteers.reasons import describe

    return [describe(r, audience=audience, week=week) for r in m.reasons], [ReasonCode(code=r.code, met=r.met, value=str(r.value), points=float(r.points)) for r in m.reasons]


def shift_out(v: services.ShiftView) -> ShiftOut:
    tz = site_tz()
    s = v.shift
    return ShiftOut(
        id=s.id, activity_id=v.activity.id, activity=v.activity.title, start=s.start_at.astimezone(tz), end=s.end_at.astimezone(tz),
        needed=s.needed, confirmed=v.confirmed, waitlisted=v.waitlisted, skills=list(s.skills or []), languages=list(s.languages or []),
        min_age=s.min_age, requires=list(s.requires or []), status=s.status, district=v.district, place=v.place,
    )


def activity_out(a, views, actor, organised: set[int] | None = None) -> ActivityOut:
    return ActivityOut(
        id=a.id, title=a.title, description=a.description, district=a.district, place=a.place,
        group_id=a.group_id, group=a.group.name if a.group is not None else None,
        facility_id=a.facility_id, facility=a.facility.name if a.facility is not None else None,
        booking_id=a.booking_id, withdraw_hours_before=a.withdraw_hours_before, can_organise=(a.id in organised) if organised is not None else services.can_organise(actor, a),
        shifts=[shift_out(v) for v in views],
    )


# --- Volunteers --------------------------------------------------------------------------------


@api_route(bp, "/volunteers/me", summary="My volunteer profile", response=ProfileOut, auth=True, tag="volunteers", errors=(404,))
def get_me():
    profile = services.get_profile(require_user())
    if profile is None:
        raise NotFound(reason="profile_not_found")
    return ProfileOut(**services.profile_dict(profile))


@api_route(bp, "/volunteers/me", "PUT", summary="Create or replace my volunteer profile", body=ProfileIn, response=ProfileOut, auth=True, tag="volunteers")
def put_me(body: ProfileIn):
    """Skills from the shared vocabulary, free tags, languages (ISO 639-1), districts, weekly
    availability windows (local time; Monday 0), max_hours_per_week, and optionally date_of_birth,
    guardian consent (needed under 18) and the contact shared with organisers of my confirmed shifts."""
    user = require_user()
    services.save_profile(user, body)
    return ProfileOut(**services.profile_dict(services.get_profile(user)))


@api_route(bp, "/volunteers/me/matches", summary="Shifts recommended to me, best first", query=ListQuery, response=list[MatchOut], auth=True, tag="volunteers")
def my_matches(query: ListQuery):
    """Open shifts I am eligible for (available, old enough, no overlap, within my weekly hours),
    best first, each with the reasons (met and missed)."""
    out = []
    from volunteers.reasons import later_week

    for v, m in services.matches_for(require_user(), limit=query.offset + query.limit)[query.offset :]:
        reasons, codes = _describe(m, week=later_week(v.shift.start_at))
        s = shift_out(v)
        out.append(MatchOut(shift_id=s.id, activity_id=s.activity_id, activity=s.activity, start=s.start, end=s.end,
                            district=s.district, place=s.place, score=round(m.score, 2), reasons=reasons, reason_codes=codes))
    return Page(out, query.limit, query.offset)


@api_route(bp, "/volunteers/me/shifts", summary="My shifts and hours", response=MyShiftsOut, auth=True, tag="volunteers")
def my_shifts():
    """Upcoming and past sign-ups (confirmed, waiting with my place in line, invited, cancelled by
    the organisers) and my hours this week, this month and in total."""
    r = services.my_shifts(require_user())
    tz = site_tz()

    def item(ms: services.MyShift) -> MyShiftOut:
        su, v = ms.signup, ms.view
        return MyShiftOut(signup_id=su.id, shift_id=su.shift_id, activity_id=v.activity.id, activity=v.activity.title,
                          start=su.start_at.astimezone(tz), end=su.end_at.astimezone(tz), status=su.status,
                          waitlist_position=ms.waitlist_position, district=v.district, place=v.place, attended=su.attended,
                          minutes=ms.minutes)

    return MyShiftsOut(
        upcoming=[item(x) for x in r.upcoming], past=[item(x) for x in r.past],
        hours=HoursOut(week=round(r.minutes_week / 60, 2), month=round(r.minutes_month / 60, 2), total=round(r.minutes_total / 60, 2)),
    )


# --- Activities and shifts -------------------------------------------------------------------------


@api_route(bp, "/activities", summary="Activities with upcoming open shifts (counts only)", response=list[ActivityOut], tag="volunteers")
def list_activities():
    actor = current_actor()
    found = services.list_activities()
    organised = services.organised_ids(actor, [a for a, _ in found])
    return [activity_out(a, views, actor, organised) for a, views in found]


@api_route(bp, "/activities", "POST", summary="Create an activity", body=ActivityIn, response=Created, status=201, auth=True, tag="volunteers")
def create_activity(body: ActivityIn):
    """group_id (a group you represent) or facility_id (a facility you staff); booking_id optional:
    one of the group's own bookings, which gives the place and district, and shifts must lie within it."""
    return Created(id=services.create_activity(require_user(), body).id)


@api_route(bp, "/activities/<int:activity_id>", summary="One activity with its shifts (counts only)", response=ActivityOut, tag="volunteers")
def get_activity(activity_id: int):
    activity = services.get_activity(activity_id)
    return activity_out(activity, services.activity_shift_views(activity_id), current_actor())


@api_route(bp, "/activities/<int:activity_id>", "PATCH", summary="Edit an activity", body=ActivityPatch, response=ActivityOut, auth=True, tag="volunteers")
def update_activity(activity_id: int, body: ActivityPatch):
    actor = require_user()
    services.update_activity(actor, activity_id, body)
    return activity_out(services.get_activity(activity_id), services.activity_shift_views(activity_id), actor)


@api_route(bp, "/activities/<int:activity_id>/shifts", "POST", summary="Add a shift", body=ShiftIn, response=Created, status=201, auth=True, tag="volunteers")
def create_shift(activity_id: int, body: ShiftIn):
    """start, end (a time without an offset is Helsinki wall-clock time), needed, skills, languages,
    min_age. A shift of an activity linked to a booking must lie within the booking."""
    return Created(id=services.create_shift(require_user(), activity_id, body).id)


@api_route(bp, "/shifts/<int:shift_id>", summary="One shift (counts only)", response=ShiftOut, tag="volunteers")
def get_shift(shift_id: int):
    return shift_out(services.get_shift_view(shift_id))


@api_route(bp, "/shifts/<int:shift_id>", "PATCH", summary="Change a shift", body=ShiftPatch, response=ShiftOut, auth=True, tag="volunteers")
def update_shift(shift_id: int, body: ShiftPatch):
    """A new time tells everyone signed up (and moves people for whom it now overlaps another shift
    to the waiting list); raising `needed` gives the new places to the first in line."""
    services.update_shift(require_user(), shift_id, body)
    return shift_out(services.get_shift_view(shift_id))


@api_route(bp, "/shifts/<int:shift_id>/cancel", "POST", summary="Cancel a shift", response=ShiftOut, auth=True, tag="volunteers")
def cancel_shift(shift_id: int):
    services.cancel_shift(require_user(), shift_id)
    return shift_out(services.get_shift_view(shift_id))


# --- Organisers: candidates, invitations, sign-ups, attendance --------------------------------------


@api_route(bp, "/shifts/<int:shift_id>/candidates", summary="Ranked candidates for a shift", query=ListQuery, response=list[CandidateOut], auth=True, tag="volunteers")
def candidates(shift_id: int, query: ListQuery):
    """Organisers of the shift's activity only (representatives of its verified group, staff). Names,
    scores (whole points) and the reasons about what the shift needs; never contact details, the
    volunteer's availability windows, spare hours, recent shifts or age."""
    out = []
    for c, m in services.candidates_for(require_user(), shift_id, limit=query.offset + query.limit)[query.offset :]:
        reasons, codes = _describe(m, audience="organiser")
        out.append(CandidateOut(volunteer_id=c.volunteer_id, name=c.name, score=round(m.score, 2), eligible=m.eligible,
                                reasons=reasons, reason_codes=codes, signup_status=c.signup_status))
    return Page(out, query.limit, query.offset)


@api_route(bp, "/shifts/<int:shift_id>/invite", "POST", summary="Invite a volunteer", body=InviteIn, response=StatusOut, auth=True, tag="volunteers")
@invite_per_organiser
def invite(shift_id: int, body: InviteIn):
    """The volunteer gets an e-mail and accepts by signing up; the invitation holds no place. Only the
    shift's candidates can be invited (422 `not_eligible` otherwise, without the reason)."""
    su = services.invite(require_user(), shift_id, body.volunteer_id)
    return StatusOut(status="invited", signup_id=su.id)


@api_route(bp, "/shifts/<int:shift_id>/signups", summary="Sign-ups and the waiting list", response=list[SignupOut], auth=True, tag="volunteers")
def signups(shift_id: int):
    """Confirmed first, then the waiting list in order, then invited, then late withdrawals. The
    contact a volunteer chose to share appears on confirmed sign-ups only; a person without an
    account (`without_account`) with the name and phone the organiser wrote down."""
    return [
        SignupOut(id=v.signup.id, volunteer_id=v.signup.volunteer_id, name=v.name, status=v.signup.status,
                  waitlist_position=v.waitlist_position, shared_contact=v.shared_contact, attended=v.signup.attended,
                  minutes_worked=v.signup.minutes_worked, without_account=v.without_account,
                  late_withdrawal=v.signup.late_withdrawal_at is not None)
        for v in services.shift_signups(require_user(), shift_id)
    ]


@api_route(bp, "/shifts/<int:shift_id>/signups", "POST", summary="Sign up a person without an account", body=CounterSignupIn,
           response=Created, status=201, auth=True, tag="volunteers", errors=(403, 404, 409))
def counter_signup(shift_id: int, body: CounterSignupIn):
    """Organisers: a person signed up at the counter or by phone, by name and phone. They take a
    place (409 `shift_full` when there is none), appear on the organisers' list only (never on
    public pages or feeds), and their name and phone are erased by retention or by staff."""
    return Created(id=services.counter_signup(require_user(), shift_id, body).id)


@api_route(bp, "/signups/<int:signup_id>/erase", "POST", summary="Erase a person without an account", response=Ok, auth=True,
           tag="volunteers", errors=(403, 404))
def erase_guest(signup_id: int):
    """Staff and administrators: the name and phone of a person signed up without an account go;
    the place and the hours stay, without the person."""
    services.erase_guest(require_user(), signup_id)
    return Ok()


@api_route(bp, "/signups/<int:signup_id>/attendance", "POST", summary="Record attendance and hours", body=AttendanceIn, response=AttendanceOut, auth=True, tag="volunteers")
def attendance(signup_id: int, body: AttendanceIn):
    su = services.record_attendance(require_user(), signup_id, body.attended, body.minutes_worked)
    return AttendanceOut(id=su.id, attended=su.attended, minutes_worked=su.minutes_worked)


@api_route(bp, "/signups/<int:signup_id>/remove", "POST", summary="Take someone off a shift", response=StatusOut, auth=True, tag="volunteers")
def remove(signup_id: int):
    """Their place goes to the first eligible person in line."""
    su = services.remove_signup(require_user(), signup_id)
    return StatusOut(status="removed", signup_id=su.id)


# --- Volunteers: sign up, withdraw --------------------------------------------------------------


@api_route(bp, "/shifts/<int:shift_id>/signup", "POST", summary="Sign up for a shift", response=StatusOut, auth=True, tag="volunteers")
def signup(shift_id: int):
    """confirmed when a place is free, waitlisted when the shift is full. 409 when it overlaps a
    shift I hold; 422 (code rule, with `reason`) over my weekly hours, too young, no guardian consent;
    422 code `credential` (reason `credential_missing` or `credential_expires`, params `kind`,
    `problem`, `shift_date`) when a credential the shift requires is not valid on the shift's date."""
    r = services.signup(require_user(), shift_id)
    return StatusOut(status=r.status, signup_id=r.signup.id if r.signup else None, waitlist_position=r.waitlist_position)


@api_route(bp, "/shifts/<int:shift_id>/withdraw", "POST", summary="Withdraw from a shift or its waiting list", response=StatusOut, auth=True, tag="volunteers")
def withdraw(shift_id: int):
    """A freed place goes at once to the first eligible person in line, who is told."""
    r = services.withdraw(require_user(), shift_id)
    return StatusOut(status=r.status, signup_id=r.signup.id if r.signup else None)


# --- Fill plan ---------------------------------------------------------------------------------


@api_route(bp, "/fill-plan", "POST", summary="Propose who fills open shifts (not applied)", body=FillPlanIn, response=FillPlanOut, auth=True, tag="volunteers")
def fill_plan(body: FillPlanIn):
    """shift_ids, or activity_id, or district with from and to: the assignment with the highest
    total match score (capacity, no overlaps, weekly hours respected). Nothing changes until
    POST /fill-plan/apply."""
    plan, names, matches = services.propose_fill_plan(require_user(), body)
    items = []
    for s, v in plan.assignments:
        m = matches.get((s, v))
        reasons = _describe(m, audience="organiser")[0] if m else []
        items.append(PlanItemOut(shift_id=s, volunteer_id=v, name=names.get(v, ""), score=round(m.score, 2) if m else 0.0, reasons=reasons))
    return FillPlanOut(assignments=items, total_score=round(plan.total_score, 2), unfilled={str(k): v for k, v in plan.unfilled.items()},
                       optimal=plan.optimal)


@api_route(bp, "/fill-plan/apply", "POST", summary="Apply a fill plan", body=FillPlanApplyIn, response=FillPlanApplied, auth=True, tag="volunteers")
@invite_per_fill_plan
def fill_plan_apply(body: FillPlanApplyIn):
    """Each assignment becomes an invitation (as POST /shifts/{id}/invite): nobody gets a place until
    they accept it. `applied` lists the invitations sent. Each is re-checked in one transaction (the
    shift, a place neither taken nor invited for, the person one of its candidates); the refused ones
    come back with a reason that says nothing personal (`not_eligible`, never which rule)."""
    r = services.apply_fill_plan(require_user(), body.assignments)
    return FillPlanApplied(applied=[AssignmentIn(shift_id=s, volunteer_id=v) for s, v in r.applied],
                           refused=[RefusedOut(shift_id=x.shift_id, volunteer_id=x.volunteer_id, reason=x.reason, message=x.message) for x in r.refused])


# --- Credentials, hours and certificates -------------------------------------------------------


@api_route(bp, "/credential-kinds", summary="Credential kinds shifts may require", response=list[CredentialKindOut], tag="volunteers")
def credential_kinds():
    """The vocabulary, with names in the request's language."""
    from volunteers.reasons import credential_name
    from volunteers.rules import CREDENTIAL_KINDS

    return [CredentialKindOut(code=c, name=credential_name(c)) for c in CREDENTIAL_KINDS]


@api_route(bp, "/volunteers/<int:volunteer_id>/credentials", "POST", summary="Record that a credential was seen", body=CredentialIn,
           response=Created, status=201, auth=True, tag="volunteers", errors=(403, 404))
def record_credential(volunteer_id: int, body: CredentialIn):
    """Staff and administrators: the kind, its last valid day and a short note of what was seen
    (never the document). Recorded in the audit log."""
    return Created(id=services.record_credential(require_user(), volunteer_id, body).id)


@api_route(bp, "/volunteers/<int:volunteer_id>/credentials/<int:credential_id>", "DELETE", summary="Remove a credential",
           response=Ok, auth=True, tag="volunteers", errors=(403, 404))
def remove_credential(volunteer_id: int, credential_id: int):
    """Staff and administrators. Recorded in the audit log."""
    services.remove_credential(require_user(), volunteer_id, credential_id)
    return Ok()


def _year_hours_out(h) -> YearHoursOut:
    tz = site_tz()
    return YearHoursOut(year=h.year, minutes=h.minutes, hours=round(h.minutes / 60, 2), late_withdrawals=h.late_withdrawals, shifts=[
        AttendedShiftOut(signup_id=s.signup_id, shift_id=s.shift_id, activity=s.activity, organisation=s.organisation,
                         start=s.start.astimezone(tz), end=s.end.astimezone(tz), minutes=s.minutes) for s in h.shifts])


@api_route(bp, "/volunteers/me/hours", summary="My attended hours in a year", query=HoursQuery, response=YearHoursOut, auth=True, tag="volunteers")
def my_hours(query: HoursQuery):
    """Shifts the organisers marked attended that started in the (local) year, with their minutes."""
    return _year_hours_out(services.my_hours(require_user(), query.year))


def certificate_out(c) -> CertificateOut:
    return CertificateOut(code=c.code, name=c.name, year=c.year, period_start=c.period_start, period_end=c.period_end,
                          minutes=c.minutes, hours=round(c.minutes / 60, 2), organisations=list(c.organisations or []))


@api_route(bp, "/volunteers/me/certificates", "POST", summary="Make a certificate of a year's hours", body=CertificateIn,
           response=CertificateCreated, status=201, auth=True, tag="volunteers")
def make_certificate(body: CertificateIn):
    """The totals as they are now (name, period, hours, organisations); anyone with the code sees
    them at `url` until I withdraw it."""
    from commons.mail import public_url

    c = services.make_certificate(require_user(), body.year)
    return CertificateCreated(code=c.code, url=public_url(f"/certificates/{c.code}"))


@api_route(bp, "/volunteers/me/certificates/<string:code>", "DELETE", summary="Withdraw a certificate of hours", response=Ok,
           auth=True, tag="volunteers", errors=(404,))
def withdraw_certificate(code: str):
    services.withdraw_certificate(require_user(), code)
    return Ok()


@api_route(bp, "/certificates/<string:code>", summary="A certificate of hours, by its code", response=CertificateOut, tag="volunteers",
           errors=(404, 429))
@certificate_lookups_per_ip
def get_certificate(code: str):
    """Anyone with the code: name, period, hours, organisations; nothing else. 404 once withdrawn.
    Lookups that find nothing are rate limited per address."""
    return certificate_out(services.find_certificate(code))
