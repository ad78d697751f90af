"""The staff page for credentials (HTML): staff of any facility and administrators find a volunteer
by the e-mail address the person gives at the counter (an exact match only: no list, no partial
search), see the credentials recorded for them, record one they saw (kind, last valid day, note;
never the document) and remove one after a confirmation. The API does the same
(`POST/DELETE /api/v1/volunteers/{id}/credentials`); both call volunteers.services (audited there).

The volunteer found is remembered in the signed session (not in the address), so that the pages
never take a volunteer id someone could count through.
"""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from commons.errors import ApiError, NotFound
from commons.forms import put_back
from commons.i18n import format_day
from volunteers import rules, services
from volunteers.forms import ButtonForm, CredentialForm, FindVolunteerForm
from volunteers.models import VolunteerCredential, VolunteerProfile
from volunteers.pages import bp
from volunteers.reasons import credential_name
from volunteers.services.common import local_today

SESSION_KEY = "staff_credentials_volunteer"


def _staff():
    user = current_user._get_current_object()
    if not services.can_record_credentials(user):
        abort(403, description=_("This page is for facility staff."))
    return user


def _found(user) -> tuple[VolunteerProfile, list[VolunteerCredential]] | None:
    """The volunteer found last in this session and their credentials (None: nobody, or gone)."""
    volunteer_id = session.get(SESSION_KEY)
    if not isinstance(volunteer_id, int):
        return None
    try:
        return services.volunteer_credentials(user, volunteer_id)
    except NotFound:
        session.pop(SESSION_KEY, None)
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
        session.pop(SESSION_KEY, None)
        return _page(user, find=form, not_found=True, status=422)
    hit = services.find_volunteer(user, form.email.data)
    if hit is None:
        session.pop(SESSION_KEY, None)
        return _page(user, find=form, not_found=True)
    session[SESSION_KEY] = hit[0].id
    return redirect(url_for("volunteers.staff_credentials"))


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
    return redirect(url_for("volunteers.staff_credentials"))


@bp.route("/staff/credentials/<int:credential_id>/remove", methods=["GET", "POST"])
@login_required
def staff_credentials_remove(credential_id: int):
    """GET: ask to confirm; POST: remove. Only a credential of the volunteer found in this session."""
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
        return redirect(url_for("volunteers.staff_credentials"))
    return render_template("volunteers/staff_credential_remove.html", profile=profile, row=_rows([credential])[0],
                           button=ButtonForm(formdata=None)), (400 if form.is_submitted() else 200)
