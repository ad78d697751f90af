"""Administration pages: verify groups, create facilities, add and remove their staff.

Administrators only (everyone else gets the 403 page). Thin: each form calls a commons.services use case.
"""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import DateField, EmailField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError

from commons import audit, services
from commons.errors import ApiError, Forbidden
from commons.forms import no_bidi_controls, put_back, strip_text
from commons.i18n import format_clock, format_day
from commons.pagination import Pager, paginate, requested_page
from commons.timezone import site_tz

bp = Blueprint("admin", __name__, url_prefix="/admin")


class ButtonForm(FlaskForm):
    """A button's form: only the CSRF token."""


class FacilityForm(FlaskForm):
    name = StringField(
        _l("Name"),
        description=_l("e.g. Kallio Library"),
        validators=[DataRequired(message=_l("Give the facility a name.")), Length(max=120, message=_l("At most 120 characters.")),
                    no_bidi_controls],
        filters=[strip_text],
    )
    district = StringField(
        _l("District"),
        validators=[DataRequired(message=_l("Give the district, e.g. Kallio.")), Length(max=80, message=_l("At most 80 characters.")),
                    no_bidi_controls],
        filters=[strip_text],
    )
    address = StringField(
        _l("Address"),
        validators=[DataRequired(message=_l("Give the street address.")), Length(max=200, message=_l("At most 200 characters.")),
                    no_bidi_controls],
        filters=[strip_text],
    )
    phone = StringField(
        _l("Phone (optional)"),
        description=_l("The counter's number, for residents who book by phone."),
        validators=[Optional(), Length(max=40, message=_l("At most 40 characters."))],
        filters=[strip_text],
    )


class StaffForm(FlaskForm):
    email = EmailField(
        _l("E-mail of the new staff member"),
        description=_l("They need an account first."),
        validators=[
            DataRequired(message=_l("Give an e-mail address.")),
            Regexp(r"^[^@\s]+@[^@\s]+$", message=_l("Give an e-mail address, e.g. name@hel.fi.")),
            Length(max=254),
        ],
        filters=[strip_text],
    )


def _require_admin() -> None:
    if not current_user.is_admin:
        abort(403, description=_("This page is for administrators."))


def _overview(facility_form: FacilityForm | None = None, status: int = 200):
    groups = services.groups_for_review()
    return (
        render_template(
            "commons/admin.html",
            unverified=[g for g in groups if not g.verified],
            verified=(pager := paginate([g for g in groups if g.verified])).items,
            verified_pager=pager,
            facilities=services.list_facilities_with_staff(),
            facility_form=facility_form or FacilityForm(formdata=None),
            button=ButtonForm(formdata=None),
        ),
        status,
    )


@bp.route("")
@login_required
def overview():
    _require_admin()
    return _overview()


@bp.route("/groups/<int:group_id>/verify", methods=["POST"])
@login_required
def verify(group_id: int):
    _require_admin()
    if not ButtonForm().validate_on_submit():
        abort(400)
    group = services.verify_group(current_user, group_id)
    flash(_("Verified: %(name)s. The group's bookings can now be confirmed at once.", name=group.name))
    return redirect(url_for("admin.overview") + "#groups-title")


@bp.route("/facilities", methods=["POST"])
@login_required
def facility_create():
    _require_admin()
    form = FacilityForm()
    if not form.validate_on_submit():
        return _overview(form, 422)
    try:
        facility = services.create_facility(current_user, form.name.data, form.district.data, form.address.data, form.phone.data or None)
    except ApiError as err:
        if not put_back(form, err):
            form.form_errors.append(err.said())
        return _overview(form, err.status)
    flash(_("Facility created: %(name)s. Now add its staff.", name=facility.name))
    return redirect(url_for("admin.facility", facility_id=facility.id))


def _facility_page(facility_id: int, form: StaffForm | None = None, status: int = 200):
    facility = services.get_facility(facility_id)
    staff = sorted(facility.staff, key=lambda s: s.user.name.lower())
    return (
        render_template(
            "commons/admin_facility.html",
            facility=facility,
            staff=staff,
            form=form or StaffForm(formdata=None),
            button=ButtonForm(formdata=None),
        ),
        status,
    )


@bp.route("/facilities/<int:facility_id>")
@login_required
def facility(facility_id: int):
    _require_admin()
    return _facility_page(facility_id)


@bp.route("/facilities/<int:facility_id>/staff", methods=["POST"])
@login_required
def staff_add(facility_id: int):
    _require_admin()
    form = StaffForm()
    if not form.validate_on_submit():
        return _facility_page(facility_id, form, 422)
    try:
        row = services.add_staff(current_user, facility_id, form.email.data)
    except ApiError as err:
        if err.status == 404:
            raise
        if not put_back(form, err):
            form.email.errors = [*form.email.errors, err.said()]
        return _facility_page(facility_id, form, err.status)
    flash(_("%(name)s is now staff of %(facility)s.", name=row.user.name, facility=row.facility.name))
    return redirect(url_for("admin.facility", facility_id=facility_id))


@bp.route("/facilities/<int:facility_id>/staff/<int:user_id>/remove", methods=["POST"])
@login_required
def staff_remove(facility_id: int, user_id: int):
    _require_admin()
    if not ButtonForm().validate_on_submit():
        abort(400)
    facility = services.get_facility(facility_id)
    services.remove_staff(current_user, facility_id, user_id)
    flash(_("Removed from the staff of %(facility)s.", facility=facility.name))
    return redirect(url_for("admin.facility", facility_id=facility_id))


# --- The audit log -------------------------------------------------------------------------------------

ACTION_LABELS = {
    "booking.create_on_behalf": _l("Booked on behalf of a group"),
    "booking.create_for_contact": _l("Booked for a person at the counter"),
    "booking.contact_erase": _l("Erased the contact of a counter booking"),
    "booking.approve": _l("Approved a booking request"),
    "booking.reject": _l("Rejected a booking request"),
    "booking.cancel": _l("Cancelled a group's booking"),
    "booking.move": _l("Moved a group's booking"),
    "booking.no_show": _l("Recorded whether the group came"),
    "booking.check_in": _l("Checked a group in at the counter"),
    "closure.create": _l("Closed a space"),
    "closure.delete": _l("Removed a closure"),
    "closure.import": _l("Imported closures from a calendar file"),
    "space.create": _l("Added a space"),
    "space.update": _l("Changed a space"),
    "group.verify": _l("Verified a group"),
    "group.member_add": _l("Added a representative to a group"),
    "facility.create": _l("Created a facility"),
    "staff.assign": _l("Made someone staff of a facility"),
    "staff.remove": _l("Removed someone from a facility's staff"),
    "user.role": _l("Changed a person's role"),
    "credential.record": _l("Recorded a volunteer's credential as seen"),
    "credential.remove": _l("Removed a volunteer's credential"),
    "user.password_reset": _l("Set a new password with a link"),
    "user.email_verify": _l("Verified their e-mail address"),
    "user.email_change": _l("Changed their e-mail address"),
    "user.oidc_link": _l("Linked their account to the city's identity service"),
}
ROLE_NAMES = {"admin": _l("Administrator"), "staff": _l("Facility staff"), "cli": _l("Command line"),
              "self": _l("The person themselves")}
OBJECT_NAMES = {
    "booking": _l("Booking %(id)s"),
    "closure": _l("Closure %(id)s"),
    "space": _l("Space %(id)s"),
    "group": _l("Group %(id)s"),
    "facility": _l("Facility %(id)s"),
    "user": _l("Account %(id)s"),
    "credential": _l("Credential %(id)s"),
}


class AuditFilterForm(FlaskForm):
    """The audit log's filters (GET; no CSRF token: it changes nothing)."""

    actor = SelectField(_l("Who"), choices=[], default="")
    action = SelectField(_l("Action"), choices=[], default="")
    facility = SelectField(_l("Facility"), choices=[], default="")
    group = SelectField(_l("Group"), choices=[], default="")
    first_day = DateField(_l("First day"), format=["%Y-%m-%d", "%d.%m.%Y"], validators=[Optional()])
    last_day = DateField(_l("Last day"), format=["%Y-%m-%d", "%d.%m.%Y"], validators=[Optional()])

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("meta", {"csrf": False})
        super().__init__(*args, **kwargs)

    def validate_last_day(self, field):
        if field.data and self.first_day.data and field.data < self.first_day.data:
            raise ValidationError(_("The last day must not be before the first day."))


def _id_or_none(value: str) -> int | None:
    return int(value) if value and value.isdigit() and int(value) < 2**31 else None


@bp.route("/audit")
@login_required
def audit_log():
    """Administrators see every event; facility staff the events of their own facilities."""
    try:
        visible = audit.visible_facility_ids(current_user)
    except Forbidden:
        abort(403, description=_("This page is for administrators and facility staff."))
    form = AuditFilterForm(formdata=request.args if request.args else None)
    form.actor.choices = [("", _("Anyone"))] + [(str(i), n) for i, n in audit.actors_for_filter(current_user)]
    form.action.choices = [("", _("Any action"))] + [(code, str(label)) for code, label in ACTION_LABELS.items()]
    facilities = audit.facilities_for_filter(visible)
    form.facility.choices = [("", _("Any facility"))] + [(str(i), n) for i, n in facilities.items()]
    groups = audit.groups_for_filter(visible)
    form.group.choices = [("", _("Any group"))] + [(str(i), n) for i, n in groups.items()]
    status = 200
    f = audit.AuditFilter()
    if request.args:
        if form.validate():
            try:
                f = audit.make_filter(
                    _id_or_none(form.actor.data), form.action.data or None, _id_or_none(form.facility.data),
                    _id_or_none(form.group.data), form.first_day.data, form.last_day.data,
                )
            except ApiError as err:
                if not put_back(form, err, {"from": "first_day", "to": "last_day"}):
                    form.first_day.errors = [*form.first_day.errors, err.said()]
                status = 422
        else:
            status = 422
    total = audit.count_events(current_user, f)
    pages = max(1, -(-total // audit.PAGE_SIZE))
    page = min(requested_page(), pages)  # paged in SQL; the pager macro is the one every list uses
    events = audit.list_events(current_user, f, audit.PAGE_SIZE, (page - 1) * audit.PAGE_SIZE)
    names = audit.actor_names(events)
    tz = site_tz()
    rows = []
    for e in events:
        local = e.at.astimezone(tz)
        if e.actor_id is not None:
            who = names.get(e.actor_id, "")
        elif e.actor_role == "cli":
            who = _("Command line")
        else:
            who = _("Erased account")
        rows.append({
            "event": e,
            "when": f"{format_day(local.date(), 'short')} {format_clock(local.hour * 60 + local.minute)}",
            "who": who,
            "role": str(ROLE_NAMES.get(e.actor_role, e.actor_role)),
            "action": str(ACTION_LABELS.get(e.action, e.action)),
            "object": str(OBJECT_NAMES.get(e.object_type, "%(id)s")) % {"id": e.object_id if e.object_id is not None else "–"},
            "facility": facilities.get(e.facility_id, e.facility_id or ""),
            "group": groups.get(e.group_id, e.group_id or ""),
            "details": ", ".join(f"{k}: {v}" for k, v in sorted((e.details or {}).items())),
        })
    return (
        render_template(
            "commons/admin_audit.html",
            form=form,
            rows=rows,
            total=total,
            pager=Pager(rows, page, pages, total, audit.PAGE_SIZE),
            retention_days=current_app.config["AUDIT_RETENTION_DAYS"],
        ),
        status,
    )
