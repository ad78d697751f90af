"""Account pages: sign up (a volunteer or a group representative), my account (password change,
the language, export my data, delete my account).

Thin: a form, a call to commons.services, a page. The services' refusals (codes with params) are
put back next to the fields in the page's language (commons.forms.put_back).
"""
from __future__ import annotations

import json
import time

from flask import Blueprint, Response, current_app, flash, redirect, render_template, url_for
from flask_babel import get_locale, gettext as _, lazy_gettext as _l
from flask_login import current_user, login_required, login_user

from commons import services
from commons.errors import ApiError
from commons.ratelimits import (account_lookups_per_account, account_lookups_per_ip, password_reset_per_address,
                                password_reset_per_ip, sign_up_per_ip, verification_resend_per_account)
from commons.forms import (DeleteAccountForm, ForgotForm, PasswordForm, ProfileForm, ResetForm, SignUpForm,
                           VerifyEmailForm, put_back)
from commons.views import sign_in, sign_out

bp = Blueprint("account", __name__)

ROLE_LABELS = {
    "member": _l("Group representative"),
    "volunteer": _l("Volunteer"),
    "staff": _l("Facility staff"),
    "admin": _l("Administrator"),
}


@bp.route("/signup", methods=["GET", "POST"])
@sign_up_per_ip
@account_lookups_per_ip  # a refused sign-up may say that the address has an account
def signup():
    if current_user.is_authenticated:
        return redirect(url_for("account.account"))
    form = SignUpForm()
    if form.validate_on_submit():
        try:
            user = services.sign_up(form.email.data, form.name.data, form.password.data, role=form.role.data,
                                    language=str(get_locale()))
        except ApiError as err:
            if not put_back(form, err):
                form.role.errors = [*form.role.errors, err.said()]
        else:
            sign_in(user)
            flash(_("We sent a link to %(email)s. Open it to confirm your address: until then you cannot book or represent a group, and we send no other e-mail there.", email=user.email))
            if user.role == "member":
                flash(_("Welcome, %(name)s! You are signed in. Now register your group: then you can book.", name=user.name))
                return redirect(url_for("groups.new_group"))
            if user.role == "volunteer":
                flash(_("Welcome, %(name)s! You are signed in. Now tell us what you can do and when you are free: then we suggest shifts that suit you.", name=user.name))
                return redirect(url_for("volunteers.profile"))
            flash(_("Welcome, %(name)s! You are signed in.", name=user.name))
            return redirect(url_for("account.account"))
    return render_template("commons/signup.html", form=form), (422 if form.errors else 200)


def _account_page(password_form: PasswordForm | None = None, status: int = 200, profile_form: ProfileForm | None = None):
    user = current_user
    groups = services.groups_of(user)
    return (
        render_template(
            "commons/account.html",
            user=user,
            role=ROLE_LABELS.get(user.role, user.role),
            groups=groups,
            password_form=password_form or PasswordForm(formdata=None),
            profile_form=profile_form or ProfileForm(formdata=None, obj=user),
        ),
        status,
    )


@bp.route("/account")
@login_required
def account():
    return _account_page()


@bp.route("/account/profile", methods=["POST"])
@login_required
@account_lookups_per_ip  # a refused change may say that another account has the address
@account_lookups_per_account
def change_profile():
    form = ProfileForm()
    if form.validate_on_submit():
        try:
            services.update_profile(current_user._get_current_object(), form.name.data, form.email.data)
        except ApiError as err:
            if not put_back(form, err):
                form.name.errors = [*form.name.errors, err.said()]
        else:
            if current_user.pending_email:
                flash(_("Your details are saved. We sent a link to %(email)s: your new address takes effect when you open it.", email=current_user.pending_email))
            else:
                flash(_("Your details are saved."))
            return redirect(url_for("account.account"))
    return _account_page(status=422, profile_form=form)


@bp.route("/account/password", methods=["POST"])
@login_required
def change_password():
    form = PasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            services.change_password(user, form.current_password.data, form.new_password.data)
        except ApiError as err:
            if not put_back(form, err):
                form.new_password.errors = [*form.new_password.errors, err.said()]
        else:
            # Other browsers are signed out (the session version grew); this one continues.
            login_user(user)
            flash(_("Your password is changed. Other browsers where you were signed in are now signed out."))
            return redirect(url_for("account.account"))
    return _account_page(form, 422)


@bp.route("/account/sign-out-elsewhere", methods=["POST"])
@login_required
def sign_out_elsewhere():
    """Every other browser's session ends (a lost phone); this one continues in a fresh session."""
    user = current_user._get_current_object()
    services.end_sessions(user)
    sign_in(user)
    flash(_("You are signed out in your other browsers and devices. You stay signed in here."))
    return redirect(url_for("account.account"))


@bp.route("/account/export")
@login_required
def export():
    """Everything stored about me, as a JSON file to download."""
    data = services.export_personal_data(current_user._get_current_object())
    body = json.dumps(data, ensure_ascii=False, indent=2)
    return Response(
        body,
        mimetype="application/json",
        headers={"Content-Disposition": 'attachment; filename="commons-my-data.json"', "Cache-Control": "no-store"},
    )


@bp.route("/account/delete", methods=["GET", "POST"])
@login_required
def delete():
    form = DeleteAccountForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        if not user.check_password(form.password.data):
            form.password.errors = [*form.password.errors, _("The password is not right.")]
        else:
            services.erase_account(user)
            sign_out()
            flash(_("Your account and your personal data are deleted. Your groups' bookings stay, without your name."))
            return redirect(url_for("commons.index"))
    return render_template("commons/delete_account.html", form=form), (422 if form.errors else 200)


# --- A forgotten password, and verified addresses ------------------------------------------------------


@bp.route("/account/forgot", methods=["GET", "POST"])
@password_reset_per_ip
@password_reset_per_address
def forgot():
    """Always the same answer, whether or not the address has an account (services.ask_password_reset),
    and not sooner than PASSWORD_RESET_MIN_SECONDS after the request came: storing and queueing the link
    for an account (a write transaction) takes longer than finding none, and the time must not tell."""
    form = ForgotForm()
    if form.validate_on_submit():
        started = time.monotonic()
        services.ask_password_reset(form.email.data)
        page = render_template("commons/forgot_sent.html", email=form.email.data)
        time.sleep(max(0.0, started + current_app.config["PASSWORD_RESET_MIN_SECONDS"] - time.monotonic()))
        return page
    return render_template("commons/forgot.html", form=form), (422 if form.errors else 200)


@bp.route("/account/reset/<token>", methods=["GET", "POST"])
@password_reset_per_ip
def reset(token: str):
    if not services.reset_link_works(token):
        return render_template("commons/link_refused.html", forgot=True), 404
    form = ResetForm()
    if form.validate_on_submit():
        try:
            services.reset_password(token, form.password.data)
        except ApiError as err:
            if err.reason in ("link_invalid", "link_expired"):
                return render_template("commons/link_refused.html", forgot=True), 404
            if not put_back(form, err):
                form.password.errors = [*form.password.errors, err.said()]
        else:
            if current_user.is_authenticated:
                sign_out()
            flash(_("Your new password is set, and you are signed out everywhere. Sign in with the new password."))
            return redirect(url_for("commons.login"))
    return render_template("commons/reset.html", form=form), (422 if form.errors else 200)


@bp.route("/account/verify/<token>", methods=["GET", "POST"])
def verify(token: str):
    """Opening the link shows the address and a button; pressing it confirms the address (the link works
    once). Not on the GET: mail scanners and link previews open links, and must not confirm anything."""
    form = VerifyEmailForm()
    try:
        if form.validate_on_submit():
            user = services.verify_email(token)
        else:
            email = services.verify_link_address(token)
            return render_template("commons/verify.html", form=form, email=email), (422 if form.errors else 200)
    except ApiError as err:
        return render_template("commons/link_refused.html", forgot=False, said=err.said()), 404
    flash(_("Thank you: your e-mail address %(email)s is confirmed.", email=user.email))
    return redirect(url_for("account.account") if current_user.is_authenticated else url_for("commons.login"))


@bp.route("/account/verify", methods=["POST"])
@login_required
@verification_resend_per_account
def resend_verification():
    if services.resend_verification(current_user._get_current_object()):
        flash(_("We sent the link again. It works for 48 hours."))
    else:
        flash(_("Your e-mail address is confirmed already."))
    return redirect(url_for("account.account"))
