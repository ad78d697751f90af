"""The volunteer's hours per year and certificates of them (pages), and a certificate's public
page: printable, in fi/sv/en, with its verification code, link and QR code; JSON for a client
that asks for it (Accept: application/json). Thin: services.certificates does the work."""
from __future__ import annotations

from datetime import datetime

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from commons.errors import ApiError
from commons.i18n import format_day
from commons.mail import public_url
from commons.timezone import site_tz, year_in_range
from volunteers import services
from volunteers.forms import ButtonForm
from volunteers.pages import bp, hours_text
from volunteers.ratelimits import certificate_lookups_per_ip


def _year() -> int:
    this_year = datetime.now(site_tz()).year
    raw = request.values.get("year", "")
    year = int(raw) if raw.isdigit() and len(raw) == 4 else this_year
    return year if year_in_range(year) else this_year


@bp.route("/volunteering/hours")
@login_required
def my_hours():
    user = current_user._get_current_object()
    if services.get_profile(user) is None:
        return redirect(url_for("volunteers.profile"))
    year = _year()
    h = services.my_hours(user, year)
    tz = site_tz()
    shifts = [{"activity": s.activity, "organisation": s.organisation, "day": format_day(s.start.astimezone(tz).date()),
               "hours": hours_text(s.minutes)} for s in h.shifts]
    certificates = [{"code": c.code, "year": c.year, "hours": hours_text(c.minutes), "url": url_for("volunteers.certificate", code=c.code)}
                    for c in services.my_certificates(user)]
    return render_template("volunteers/hours.html", year=year, total=hours_text(h.minutes), shifts=shifts,
                           certificates=certificates, late=h.late_withdrawals, button=ButtonForm(formdata=None), this_year=datetime.now(tz).year)


@bp.route("/volunteering/certificates", methods=["POST"])
@login_required
def make_certificate():
    if not ButtonForm().validate_on_submit():
        abort(400)
    try:
        c = services.make_certificate(current_user._get_current_object(), _year())
    except ApiError as err:
        if err.status in (401, 403):
            raise
        flash(err.said())
        return redirect(url_for("volunteers.my_hours"))
    flash(_("Your certificate is ready. Anyone with its code or link can check it until you withdraw it."))
    return redirect(url_for("volunteers.certificate", code=c.code))


@bp.route("/volunteering/certificates/<string:code>/withdraw", methods=["POST"])
@login_required
def withdraw_certificate(code: str):
    if not ButtonForm().validate_on_submit():
        abort(400)
    try:
        services.withdraw_certificate(current_user._get_current_object(), code)
    except ApiError as err:
        if err.status in (401, 403):
            raise
        flash(err.said())
        return redirect(url_for("volunteers.my_hours"))
    flash(_("The certificate is withdrawn: its code no longer shows anything."))
    return redirect(url_for("volunteers.my_hours"))


@bp.route("/certificates/<string:code>")
@certificate_lookups_per_ip
def certificate(code: str):
    c = services.find_certificate(code)  # NotFound: a 404 page (or JSON)
    if request.accept_mimetypes.best_match(["text/html", "application/json"]) == "application/json":
        from volunteers.api import certificate_out

        return jsonify(certificate_out(c).model_dump(mode="json"))
    from spaces.report_views import qr_svg

    url = public_url(url_for("volunteers.certificate", code=c.code))
    own = current_user.is_authenticated and (p := services.get_profile(current_user._get_current_object())) is not None \
        and p.id == c.volunteer_id
    return render_template(
        "volunteers/certificate.html", c=c, url=url, hours=hours_text(c.minutes),
        period_start=format_day(c.period_start), period_end=format_day(c.period_end),
        qr=qr_svg(url, _("QR code: the address of this certificate")), own=own, button=ButtonForm(formdata=None),
    )
