"""Sign-in and sign-out pages (cookie session with CSRF; the session itself is a row, backend/sessions.py)."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, logout_user
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Length

from ..bootstrap import bus
from ..domain import commands
from ..domain.access import Role
from ..identity import actor_for
from ..security_log import client_ip
from ..sessions import log_in, start_sign_in
from ..sign_in import SignInRefused, authenticate

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
    """Sign in with e-mail and password (paused for a while after too many wrong ones)."""
    if current_user.is_authenticated:
        return redirect(home_url(current_user))
    form = SignInForm()
    headers = {}
    if form.validate_on_submit():
        try:
            user = authenticate(form.email.data, form.password.data)
        except SignInRefused as refused:
            form.password.errors.append(refused.message)
            if refused.retry_after:
                headers["Retry-After"] = str(refused.retry_after)
        else:
            # Staff phones in the field (drivers, floor) are restarted or have the browser killed by the OS
            # while changes wait offline: a remembered sign-in lets the queue send without a new sign-in.
            remember = Role(user.role) in (Role.DRIVER, Role.FLOOR)
            log_in(user, bus().handle(start_sign_in(remember=remember), actor_for(user)), remember=remember)
            return redirect(_safe_next(request.args.get("next")))
    status = 429 if headers else 422 if form.errors else 200
    return render_template("auth/sign_in.html", form=form), status, headers


def _signed_out(message: str):
    """Forget this browser's sign-in and send it to the sign-in page with `message`."""
    logout_user()  # also has Flask-Login delete the remember cookie
    flash(message)
    response = redirect(url_for("auth.sign_in"))
    # Pages kept in the browser's caches belong to the person who just left (the worker's own caches
    # are emptied by app.js before this form is sent).
    response.headers["Clear-Site-Data"] = '"cache"'
    return response


@bp.post("/sign-out")
def sign_out():
    """Sign out: this sign-in ends on the server too, so a copy of its cookies stops working."""
    if current_user.is_authenticated:
        bus().handle(commands.EndSignIn(current_user.session_token), actor_for(current_user))
    return _signed_out("You are signed out.")


@bp.post("/sign-out/everywhere")
@login_required
def sign_out_everywhere():
    """Sign out on every phone and computer this account is signed in on (API tokens are kept)."""
    bus().handle(commands.EndAllSignIns(client_ip=client_ip()), actor_for(current_user))
    return _signed_out("You are signed out everywhere: on this device and on every other one.")


@bp.get("/")
def home():
    """The start URL: each role's home page for the signed-in, sign-in for everyone else."""
    return redirect(home_url(current_user))
