"""The seasonal rounds' pages (thin: read, call a service, show): the round list and a round's page,
the application form (a wish at a time; what was typed stays on an error), the applicant's result,
and the staff's page: applications, the allocation grid per space and weekday, allocate, lock, move,
remove, add by hand, and publish after a confirmation step."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from pydantic import ValidationError

from commons.apispec import invalid
from commons.codes import say
from commons.db import utcnow
from commons.errors import ApiError
from commons.i18n import WEEKDAY_NAMES, format_clock, format_day, format_moment
from commons.timezone import site_tz
from commons.models import Group, GroupMember
from commons.extensions import db
from commons.schemas import minute_to_hhmm
from rounds import services
from rounds.schemas import AllocationIn, ApplicationIn
from spaces.models import Space
from spaces.purposes import AGE_GROUPS, PURPOSES
from sqlalchemy import select

bp = Blueprint("rounds", __name__)

STATUS = {"upcoming": lambda: _("Opens later"), "open": lambda: _("Open for applications"), "closed": lambda: _("Closed, being allocated"),
          "published": lambda: _("Results published")}


def _actor():
    return current_user._get_current_object() if current_user.is_authenticated else None


def _space_names(ids) -> dict[int, str]:
    return {s.id: s.name for s in db.session.execute(select(Space).where(Space.id.in_(list(ids)))).scalars()} if ids else {}


def _clock(minute: int) -> str:
    return format_clock(minute)


@bp.app_template_global("round_day")
def round_day(day) -> str:
    return format_day(day, "date")


@bp.app_template_global("round_moment")
def round_moment(moment) -> str:
    return format_moment(moment, site_tz())


@bp.app_template_global("round_status")
def round_status(code: str) -> str:
    return STATUS[code]()


@bp.route("/rounds")
def round_list():
    now = utcnow()
    rows = [(r, r.status_at(now)) for r in services.list_rounds()]
    return render_template("rounds/list.html", rows=rows)


def _my_groups() -> list[Group]:
    actor = _actor()
    if actor is None:
        return []
    return list(db.session.execute(select(Group).join(GroupMember, GroupMember.group_id == Group.id)
                                   .where(GroupMember.user_id == actor.id, Group.verified.is_(True)).order_by(Group.name)).scalars())


@bp.route("/rounds/<int:round_id>")
def round_page(round_id: int):
    r = services.get_round(round_id)
    actor = _actor()
    apps = services.visible_applications(actor, r) if actor else []
    staff = services.is_round_staff(actor, r)
    return render_template("rounds/round.html", r=r, status=r.status_at(utcnow()), spaces=_space_names(r.space_ids),
                           apps=[] if staff else apps, staff=staff, can_apply=bool(_my_groups()), purposes=PURPOSES)


def _form_values(form) -> dict:
    return {k: form.getlist(k) if k in ("age_groups",) else form.get(k, "") for k in form}


def _application_from(form, existing=None) -> ApplicationIn:
    """The form as the API's request: one wish from the form, after the application's earlier wishes."""
    def intval(name, default=None):
        try:
            return int(form.get(name, ""))
        except ValueError:
            return default

    windows = []
    for i in (1, 2):
        day = form.get(f"weekday_{i}", "")
        if day != "":
            windows.append({"weekday": intval(f"weekday_{i}", -1), "start": form.get(f"start_{i}", ""), "end": form.get(f"end_{i}", "")})
    space_ids = [intval(f"space_{i}") for i in (1, 2, 3) if form.get(f"space_{i}")]
    wish = {"slots_per_week": intval("slots_per_week", 0), "minutes": intval("minutes", 0), "windows": windows, "space_ids": space_ids}
    earlier = []
    if existing is not None:
        earlier = [{"slots_per_week": w["slots_per_week"], "minutes": w["minutes"], "space_ids": w["space_ids"],
                    "windows": [{"weekday": x["weekday"], "start": minute_to_hhmm(x["start"]), "end": minute_to_hhmm(x["end"])}
                                for x in w["windows"]]} for w in existing.wishes]
    body = {"group_id": intval("group_id", 0), "purpose": form.get("purpose", ""), "age_groups": form.getlist("age_groups"),
            "attendees": intval("attendees", 0), "wishes": earlier + [wish]}
    if form.get("priority_class"):
        body["priority_class"] = form["priority_class"]
    try:
        return ApplicationIn.model_validate(body)
    except ValidationError as exc:
        raise invalid(exc) from None


@bp.route("/rounds/<int:round_id>/apply", methods=["GET", "POST"])
@login_required
def apply_page(round_id: int):
    """A new application with its first wish, or (?application=ID) one more wish for an application."""
    r = services.get_round(round_id)
    existing = None
    if request.args.get("application"):
        try:
            existing = services.get_application(r.id, int(request.args["application"]))
        except ValueError:
            abort(404)
        if existing.group_id not in {g.id for g in _my_groups()}:
            abort(404)
    values, errors, status = {}, [], 200
    if request.method == "POST":
        values = _form_values(request.form)
        try:
            data = _application_from(request.form, existing)
            if existing is not None:
                a = services.update_application(_actor(), r.id, existing.id, data)
            else:
                a = services.apply(_actor(), r.id, data)
        except ApiError as err:
            errors = [err.said()] + [err.field_text(k) for k in err.fields]
            status = 422
        else:
            flash(_("Your application is saved. You can add another wish or change it until the applications close."))
            return redirect(url_for("rounds.application_page", round_id=r.id, application_id=a.id))
    elif existing is not None:
        values = {"group_id": str(existing.group_id), "purpose": existing.purpose, "age_groups": existing.age_groups,
                  "attendees": str(existing.attendees), "priority_class": existing.priority_class or ""}
    return render_template("rounds/apply.html", r=r, groups=_my_groups(), spaces=_space_names(r.space_ids), purposes=PURPOSES,
                           ages=AGE_GROUPS, values=values, errors=[e for e in errors if e], existing=existing,
                           weekdays=WEEKDAY_NAMES, status=r.status_at(utcnow())), status


@bp.route("/rounds/<int:round_id>/applications/<int:application_id>")
@login_required
def application_page(round_id: int, application_id: int):
    r = services.get_round(round_id)
    a = services.get_application(r.id, application_id)
    if a not in services.visible_applications(_actor(), r):
        abort(404)
    return render_template("rounds/application.html", r=r, a=a, result=services.result_view(a), spaces=_space_names(r.space_ids),
                           purposes=PURPOSES, ages=AGE_GROUPS, weekdays=WEEKDAY_NAMES, clock=_clock,
                           status=r.status_at(utcnow()))


def _staff_round(round_id: int):
    r = services.get_round(round_id)
    if not services.is_round_staff(_actor(), r):
        abort(403)
    return r


@bp.route("/rounds/<int:round_id>/staff")
@login_required
def staff_page(round_id: int):
    r = _staff_round(round_id)
    apps = services.visible_applications(_actor(), r)
    allocations = services.round_allocations(_actor(), r.id)[1]
    grid: dict[int, dict[int, list]] = {sid: {d: [] for d in range(7)} for sid in r.space_ids}
    for x in allocations:
        grid.setdefault(x.space_id, {d: [] for d in range(7)})[x.weekday].append(x)
    names = {a.id: a.group.name for a in apps}
    reasons = [{**u, "group": names.get(u["application_id"], ""), "reason": say(u["code"], u.get("params", {}))} for u in r.unallocated or []]
    return render_template("rounds/staff.html", r=r, apps=apps, grid=grid, spaces=_space_names(r.space_ids), names=names,
                           reasons=reasons, weekdays=WEEKDAY_NAMES, clock=_clock, status=r.status_at(utcnow()),
                           classes=services.class_names(r), purposes=PURPOSES, allocations=allocations)


def _after(r, work, done: str):
    try:
        work()
    except ApiError as err:
        if err.status in (401, 403, 404):
            raise
        flash(err.said())
    else:
        flash(done)
    return redirect(url_for("rounds.staff_page", round_id=r.id))


@bp.route("/rounds/<int:round_id>/staff/allocate", methods=["POST"])
@login_required
def allocate_action(round_id: int):
    r = _staff_round(round_id)
    return _after(r, lambda: services.allocate(_actor(), r.id), _("The time is allocated. Check the proposal below; locked slots were kept."))


def _slot_from_form(form) -> AllocationIn:
    try:
        return AllocationIn.model_validate({"application_id": int(form.get("application_id") or 0), "wish": int(form.get("wish") or 0),
                                            "space_id": int(form.get("space_id") or 0), "weekday": int(form.get("weekday") or 0),
                                            "start": form.get("start", ""), "end": form.get("end", "")})
    except (ValueError, ValidationError) as exc:
        if isinstance(exc, ValidationError):
            raise invalid(exc) from None
        raise ApiError(status=422, code="invalid", reason="allocation_rule", params={"rule": "off_grid"}) from None


@bp.route("/rounds/<int:round_id>/staff/allocations", methods=["POST"])
@login_required
def add_allocation_action(round_id: int):
    r = _staff_round(round_id)
    return _after(r, lambda: services.add_allocation(_actor(), r.id, _slot_from_form(request.form)), _("The slot is added and locked."))


@bp.route("/rounds/<int:round_id>/staff/allocations/<int:allocation_id>/move", methods=["POST"])
@login_required
def move_allocation_action(round_id: int, allocation_id: int):
    r = _staff_round(round_id)
    return _after(r, lambda: services.move_allocation(_actor(), r.id, allocation_id, _slot_from_form(request.form)),
                  _("The slot is moved and locked."))


@bp.route("/rounds/<int:round_id>/staff/allocations/<int:allocation_id>/lock", methods=["POST"])
@login_required
def lock_allocation_action(round_id: int, allocation_id: int):
    r = _staff_round(round_id)
    locked = request.form.get("locked") == "1"
    return _after(r, lambda: services.set_locked(_actor(), r.id, allocation_id, locked),
                  _("The slot is locked.") if locked else _("The slot is unlocked."))


@bp.route("/rounds/<int:round_id>/staff/allocations/<int:allocation_id>/remove", methods=["POST"])
@login_required
def remove_allocation_action(round_id: int, allocation_id: int):
    r = _staff_round(round_id)
    return _after(r, lambda: services.delete_allocation(_actor(), r.id, allocation_id), _("The slot is removed."))


@bp.route("/rounds/<int:round_id>/staff/publish", methods=["GET", "POST"])
@login_required
def publish_page(round_id: int):
    r = _staff_round(round_id)
    allocations = services.round_allocations(_actor(), r.id)[1]
    if request.method == "POST":
        try:
            done = services.publish(_actor(), r.id)
        except ApiError as err:
            if err.status in (401, 403, 404):
                raise
            flash(err.said())
            return redirect(url_for("rounds.staff_page", round_id=r.id))
        skipped = sum(len(p.skipped) for p in done)
        flash(_("The round is published: %(series)s weekly series booked, %(skipped)s dates skipped. Every group is told by e-mail.",
                series=sum(1 for p in done if p.series_id), skipped=skipped))
        return redirect(url_for("rounds.staff_page", round_id=r.id))
    return render_template("rounds/publish.html", r=r, count=len(allocations), status=r.status_at(utcnow()))
