"""Administration pages: verify groups, create facilities, add and remove their staff.

Administrators only (everyone else gets the 403 page). Thin: each form calls a commons.services use case.
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import EmailField, StringField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from commons import services
from commons.pagination import paginate
from commons.errors import ApiError

bp = Blueprint("admin", __name__, url_prefix="/admin")

_strip = [lambda v: v.strip() if isinstance(v, str) else v]


class ButtonForm(FlaskForm):
    """A button's form: only the CSRF token."""


class FacilityForm(FlaskForm):
    name = StringField(
        _l("Name"),
        description=_l("e.g. Kallio Library"),
        validators=[DataRequired(message=_l("Give the facility a name.")), Length(max=120, message=_l("At most 120 characters."))],
        filters=_strip,
    )
    district = StringField(
        _l("District"),
        validators=[DataRequired(message=_l("Give the district, e.g. Kallio.")), Length(max=80, message=_l("At most 80 characters."))],
        filters=_strip,
    )
    address = StringField(
        _l("Address"),
        validators=[DataRequired(message=_l("Give the street address.")), Length(max=200, message=_l("At most 200 characters."))],
        filters=_strip,
    )
    phone = StringField(
        _l("Phone (optional)"),
        description=_l("The counter's number, for residents who book by phone."),
        validators=[Optional(), Length(max=40, message=_l("At most 40 characters."))],
        filters=_strip,
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
        filters=_strip,
    )


def _require_admin() -> None:
    if not current_user.is_admin:
        abort(403, description=_("This page is for administrators."))


def _put_back(form, err: ApiError) -> bool:
    placed = False
    for key in err.fields:
        target = getattr(form, key, None)
        if target is not None and hasattr(target, "errors"):
            target.errors = list(target.errors) + [err.message]
            placed = True
    return placed


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
        if not _put_back(form, err):
            form.form_errors.append(err.message)
        if err.fields.get("name") == "already taken":
            form.name.errors = [_("A facility with this name exists already.")]
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
        if "email" in err.fields:
            form.email.errors = [_("Nobody has an account with that e-mail. Ask them to sign up first.")]
        else:
            form.email.errors = [err.message]
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
