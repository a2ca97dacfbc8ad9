"""Sign-in and sign-out pages (cookie session with CSRF)."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Length

from ..adapters.records import User
from ..domain.access import Role
from ..extensions import db
from ..passwords import verify_password

bp = Blueprint("auth", __name__)


class SignInForm(FlaskForm):
    """E-mail and password."""

    # No Email() validator: it needs the email_validator package, and a malformed address simply
    # matches no account, which the password check already answers with "Wrong e-mail or password".
    email = EmailField("E-mail", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)])


def _safe_next(target: str | None) -> str:
    """Only same-site paths are followed after sign-in (no open redirects)."""
    # Browsers drop tabs and newlines from URLs ("/\t/evil.example" becomes "//evil.example"), and a
    # newline cannot go into a header at all, so any whitespace or control character is refused.
    if (target and target.startswith("/") and not target.startswith("//") and "\\" not in target
            and not any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in target)):
        return target
    return home_url(current_user)


def home_url(user) -> str:
    """Where a person starts: floor staff their pick queue, drivers their run, everyone else the orders.

    The one place that decides it, for sign-in and the start URL alike.
    """
    if not user.is_authenticated:
        return url_for("auth.sign_in")
    role = Role(user.role)
    if role == Role.FLOOR:
        return url_for("home.floor")
    if role == Role.DRIVER:
        return url_for("driver.run_page")
    return url_for("orders.index")


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in():
    """Sign in with e-mail and password."""
    if current_user.is_authenticated:
        return redirect(home_url(current_user))
    form = SignInForm()
    if form.validate_on_submit():
        user = db.session.execute(sa.select(User).where(User.email == form.email.data.lower())).scalar_one_or_none()
        if verify_password(user, form.password.data) and user.active:
            db.session.commit()  # keeps a transparent rehash, if any
            # Staff phones in the field (drivers, floor) are restarted or have the browser killed by the OS
            # while changes wait offline: a remembered sign-in lets the queue send without a new sign-in.
            login_user(user, remember=Role(user.role) in (Role.DRIVER, Role.FLOOR))
            return redirect(_safe_next(request.args.get("next")))
        form.password.errors.append("Wrong e-mail or password.")
    status = 422 if form.errors else 200
    return render_template("auth/sign_in.html", form=form), status


@bp.post("/sign-out")
def sign_out():
    """Sign out and forget the session."""
    logout_user()
    flash("You are signed out.")
    response = redirect(url_for("auth.sign_in"))
    # Pages kept in the browser's caches belong to the person who just left (the worker's own caches
    # are emptied by app.js before this form is sent).
    response.headers["Clear-Site-Data"] = '"cache"'
    return response


@bp.get("/")
def home():
    """The start URL: each role's home page for the signed-in, sign-in for everyone else."""
    return redirect(home_url(current_user))
