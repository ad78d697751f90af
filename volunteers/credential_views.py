"""The staff page for credentials (HTML): staff of any facility and administrators find a volunteer
by the e-mail address the person gives at the counter (an exact match only: no list, no partial
search), see the credentials recorded for them, record one they saw (kind, last valid day, note;
never the document) and remove one after a confirmation. The API does the same
(`POST/DELETE /api/v1/volunteers/{id}/credentials`); both call volunteers.services (audited there).

The volunteer found is carried in the address as a signed token (`v`: the staff member's and the
volunteer's ids, signed with the app's secret, valid FOUND_HOURS), never as a bare volunteer id
someone could count through, and never as the e-mail address (it would sit in access logs).
"""
from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from itsdangerous import BadSignature, URLSafeTimedSerializer

from commons.errors import ApiError, NotFound
from commons.forms import put_back
from commons.i18n import format_day
from volunteers import rules, services
from volunteers.forms import ButtonForm, CredentialForm, FindVolunteerForm
from volunteers.models import VolunteerCredential, VolunteerProfile
from volunteers.pages import bp
from volunteers.reasons import credential_name
from volunteers.services.common import local_today

FOUND_HOURS = 8  # a working day at the counter


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="staff-credentials")


def found_token(staff_id: int, volunteer_id: int) -> str:
    """The `v` of the page's address for this staff member and volunteer."""
    return _serializer().dumps([staff_id, volunteer_id])


def _found_id(user) -> int | None:
    token = request.values.get("v") or ""
    try:
        staff_id, volunteer_id = _serializer().loads(token, max_age=FOUND_HOURS * 3600)
    except (BadSignature, ValueError, TypeError):
        return None
    return volunteer_id if staff_id == user.id and isinstance(volunteer_id, int) else None


def _staff():
    user = current_user._get_current_object()
    if not services.can_record_credentials(user):
        abort(403, description=_("This page is for facility staff."))
    return user


def _found(user) -> tuple[VolunteerProfile, list[VolunteerCredential]] | None:
    """The volunteer the address's `v` names for this staff member, with their credentials (None:
    none, a token not theirs or too old, or the volunteer gone)."""
    volunteer_id = _found_id(user)
    if volunteer_id is None:
        return None
    try:
        return services.volunteer_credentials(user, volunteer_id)
    except NotFound:
        return None


def _rows(credentials: list[VolunteerCredential]) -> list[dict]:
    from commons.db import utcnow
    from commons.timezone import site_tz

    today = local_today(utcnow(), site_tz())
    return [{
        "credential": c,
        "kind": credential_name(c.kind),
        "until": format_day(c.valid_until),
        "expired": rules.credential_status(c.valid_until, today) == "expires",
    } for c in credentials]


def _page(user, find: FindVolunteerForm | None = None, add: CredentialForm | None = None, not_found: bool = False,
          status: int = 200):
    found = None if not_found else _found(user)
    profile, credentials = found if found else (None, [])
    return render_template(
        "volunteers/staff_credentials.html",
        find=find or FindVolunteerForm(formdata=None),
        add=add or CredentialForm(formdata=None),
        profile=profile,
        rows=_rows(credentials),
        not_found=not_found,
        v=found_token(user.id, profile.id) if profile else "",
    ), status


@bp.route("/staff/credentials")
@login_required
def staff_credentials():
    return _page(_staff())


@bp.route("/staff/credentials", methods=["POST"])
@login_required
def staff_credentials_find():
    user = _staff()
    form = FindVolunteerForm()
    if not form.validate_on_submit():
        return _page(user, find=form, not_found=True, status=422)
    hit = services.find_volunteer(user, form.email.data)
    if hit is None:
        return _page(user, find=form, not_found=True)
    return redirect(url_for("volunteers.staff_credentials", v=found_token(user.id, hit[0].id)))


@bp.route("/staff/credentials/new", methods=["POST"])
@login_required
def staff_credentials_add():
    user = _staff()
    found = _found(user)
    if found is None:
        flash(_("Find the volunteer first."))
        return redirect(url_for("volunteers.staff_credentials"))
    profile, _credentials = found
    form = CredentialForm()
    if not form.validate_on_submit():
        return _page(user, add=form, status=422)
    try:
        services.record_credential(user, profile.id, {"kind": form.kind.data, "valid_until": form.valid_until.data,
                                                      "note": form.note.data or ""})
    except ApiError as err:
        if err.status in (401, 403, 404):
            raise
        if not put_back(form, err):
            form.kind.errors = [*form.kind.errors, err.said()]
        return _page(user, add=form, status=422)
    flash(_("Recorded: %(kind)s, valid until %(day)s.", kind=credential_name(form.kind.data),
            day=format_day(form.valid_until.data)))
    return redirect(url_for("volunteers.staff_credentials", v=found_token(user.id, profile.id)))


@bp.route("/staff/credentials/<int:credential_id>/remove", methods=["GET", "POST"])
@login_required
def staff_credentials_remove(credential_id: int):
    """GET: ask to confirm; POST: remove. Only a credential of the volunteer found (the address's `v`)."""
    user = _staff()
    found = _found(user)
    if found is None:
        abort(404)
    profile, credentials = found
    credential = next((c for c in credentials if c.id == credential_id), None)
    if credential is None:
        abort(404)
    form = ButtonForm()
    if form.validate_on_submit():
        services.remove_credential(user, profile.id, credential_id)
        flash(_("Removed: %(kind)s.", kind=credential_name(credential.kind)))
        return redirect(url_for("volunteers.staff_credentials", v=found_token(user.id, profile.id)))
    return render_template("volunteers/staff_credential_remove.html", profile=profile, row=_rows([credential])[0],
                           v=found_token(user.id, profile.id)), (400 if form.is_submitted() else 200)
