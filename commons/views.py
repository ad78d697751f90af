"""HTML pages of the application shell: front page, sign-in, sign-out, the language switch."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Length

from commons.oidc import SESSION_FLAG, button_label, configured, end_session_url
from commons.ratelimits import sign_in_per_account, sign_in_per_ip
from commons.auth import SIGN_IN_KEY
from commons.services import authenticate, end_sign_in, first_admin_email, remember_language, set_language, start_sign_in
from commons.urls import safe_next

bp = Blueprint("commons", __name__)


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])


@bp.route("/")
def index():
    return render_template("commons/index.html")


def privacy_contact() -> str:
    """Who answers questions about personal data: PRIVACY_CONTACT, else the first administrator's e-mail."""
    configured = (current_app.config.get("PRIVACY_CONTACT") or "").strip()
    return configured or first_admin_email()


@bp.route("/favicon.ico")
def favicon():
    """Browsers and feed readers ask for /favicon.ico whatever the page links (static/favicon.svg and .png)."""
    return redirect(url_for("static", filename="favicon.ico"))


@bp.route("/privacy")
def privacy():
    """The privacy notice: what is stored, why, how long (the real retention settings), who sees it, the
    person's rights and where to use them, and whom to contact."""
    cfg = current_app.config
    return render_template(
        "commons/privacy.html",
        contact=privacy_contact(),
        booker_days=cfg["RETENTION_BOOKER_DAYS"],
        mail_days=cfg["RETENTION_MAIL_DAYS"],
        audit_days=cfg["AUDIT_RETENTION_DAYS"],
    )


# Set by the language switch while nobody is signed in: this visitor chose the language, so signing in
# gives it to their account. Sign-out keeps the language for the page but not this mark: on a shared
# computer the next person who signs in reads the pages in their own saved language.
LANG_CHOSEN = "lang_chosen"


def _fresh_session() -> None:
    """Empty the session (at sign-in and sign-out) but keep the language the person chose."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang


def sign_in(user) -> None:
    """A fresh session (nothing of the one before but the language) that is signed in as `user`. The
    account's language follows the switch clicked before signing in (commons.services.remember_language;
    docs/accounts.md "The account's language")."""
    supported = current_app.config["LANGUAGES"]
    chosen = session.get("lang") if session.get(LANG_CHOSEN) else None
    if chosen is None and not current_user.is_authenticated:
        session.pop("lang", None)  # left by whoever signed out here before: the account's own language shows
    remember_language(user, chosen, supported)
    _fresh_session()
    session[SIGN_IN_KEY] = start_sign_in(user)
    login_user(user)


def sign_out() -> None:
    """This browser's session ends for good: a copy of its cookie is not signed in either."""
    end_sign_in(session.get(SIGN_IN_KEY))
    logout_user()
    _fresh_session()


@bp.route("/login", methods=["GET", "POST"])
@sign_in_per_ip
@sign_in_per_account
def login():
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(form.email.data, form.password.data)  # an unknown address takes as long as a wrong password
        if user is not None:
            sign_in(user)
            flash(_("Welcome, %(name)s! You are signed in.", name=user.name))
            return redirect(safe_next(request.args.get("next")))
        form.password.errors.append(_("The e-mail or the password is not right."))
    return render_template("commons/login.html", form=form, oidc_label=button_label()), (422 if form.errors else 200)


@bp.route("/logout", methods=["POST"])
def logout():
    through_provider = bool(session.get(SESSION_FLAG)) and configured()
    sign_out()
    if through_provider:  # signed in through the city's identity service: offer its sign-out too
        end_session = end_session_url()
        if end_session:
            return render_template("commons/signed_out.html", end_session=end_session)
    flash(_("You are signed out."))
    return redirect(url_for("commons.index"))


@bp.route("/language", methods=["POST"])
def change_language():
    """The language switch in every page's header: remembered in the session and, for a signed-in
    person, on their account; then back to the page they were on."""
    lang = request.form.get("lang", "")
    supported = current_app.config["LANGUAGES"]
    if lang not in supported:
        abort(400, description=_("Choose one of the languages: Suomi, Svenska, English."))
    session["lang"] = lang
    if current_user.is_authenticated:
        set_language(current_user._get_current_object(), lang, supported)
    else:
        session[LANG_CHOSEN] = True  # given to the account at sign-in (sign_in)
    target = safe_next(request.form.get("next"))
    if target.split("?")[0] == url_for("commons.change_language"):
        target = url_for("commons.index")
    return redirect(target)
