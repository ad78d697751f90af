"""HTML pages of the application shell: front page, sign-in, sign-out."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Length

from commons.extensions import limiter
from commons.services import find_user

bp = Blueprint("commons", __name__)


class LoginForm(FlaskForm):
    email = EmailField("E-mail", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)])


@bp.route("/")
def index():
    return render_template("commons/index.html")


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("commons.index")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        user = find_user(form.email.data)
        if user is not None and user.check_password(form.password.data):
            session.clear()  # a fresh session at sign-in
            login_user(user)
            return redirect(_safe_next(request.args.get("next")))
        form.password.errors.append("The e-mail or the password is not right.")
    return render_template("commons/login.html", form=form), (422 if form.errors else 200)


@bp.route("/logout", methods=["POST"])
def logout():
    if current_user.is_authenticated:
        logout_user()
    session.clear()
    flash("You are signed out.")
    return redirect(url_for("commons.index"))
