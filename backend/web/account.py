"""Your account (sign-ins, change password) and, for the office, setting a staff member's password."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import PasswordField
from wtforms.validators import DataRequired, EqualTo, Length

from .. import throttle
from ..accounts import can_reset, confirm_current_password, resettable_member, staff_members
from ..bootstrap import bus
from ..domain import commands
from ..domain.access import OFFICE, Role, require_role
from ..domain.accounts import MIN_PASSWORD_LENGTH, PasswordRefused
from ..extensions import db
from ..identity import actor_for
from ..queries.order_emails import order_emails_of
from ..security_log import client_ip
from ..sessions import current_remember, is_current, live_sessions, log_in, start_sign_in
from ..sign_in import SignInRefused

bp = Blueprint("account", __name__)

_LONG_ENOUGH = Length(min=MIN_PASSWORD_LENGTH, max=200,
                      message=f"Use at least {MIN_PASSWORD_LENGTH} characters.")
_SAME = EqualTo("new_password", message="The two new passwords are not the same.")


class ChangePasswordForm(FlaskForm):
    """The current password (proof it is you), and the new one twice."""

    current_password = PasswordField("Current password", validators=[DataRequired(), Length(max=200)])
    new_password = PasswordField("New password", validators=[DataRequired(), _LONG_ENOUGH])
    confirm = PasswordField("New password again", validators=[DataRequired(), _SAME])


class ResetPasswordForm(FlaskForm):
    """The staff member's new password, twice (the office tells them in person)."""

    new_password = PasswordField("New password", validators=[DataRequired(), _LONG_ENOUGH])
    confirm = PasswordField("New password again", validators=[DataRequired(), _SAME])


@bp.get("/account")
@login_required
def show():
    """Who you are signed in as, where else you are signed in, and the ways out."""
    token = current_user.session_token
    sessions = [(row, is_current(row, token)) for row in live_sessions(current_user.id)]
    emails = (order_emails_of(db.session, current_user.customer_id)
              if current_user.role == Role.CUSTOMER.value and current_user.customer_id else None)
    return render_template("account/show.html", sessions=sessions, order_emails=emails)


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def password():
    """Change your password; every other sign-in of yours ends, this one carries on with a new key."""
    form = ChangePasswordForm()
    headers = {}
    if form.validate_on_submit():
        remember = current_remember(current_user.session_token)
        user = current_user._get_current_object()
        try:
            confirm_current_password(user, form.current_password.data)
            actor = actor_for(user)
            bus().handle(commands.ChangePassword(form.new_password.data, client_ip=client_ip()), actor)
        except PasswordRefused as refused:
            getattr(form, refused.field or "new_password").errors.append(refused.message)
        except SignInRefused as refused:  # too many wrong current passwords: paused like sign-in
            form.current_password.errors.append(refused.message)
            headers["Retry-After"] = str(refused.retry_after or 60)
        else:
            # The old key of this browser ended with the others: it gets a new sign-in.
            log_in(user, bus().handle(start_sign_in(remember=remember), actor), remember=remember)
            flash("Your password is changed. You are signed out on your other devices.")
            return redirect(url_for("account.show"))
    status = 429 if headers else 422 if form.errors else 200
    return render_template("account/password.html", form=form), status, headers


@bp.get("/staff")
@login_required
def staff():
    """The shop's staff, with a way to set a new password for those you may."""
    require_role(actor_for(current_user), *OFFICE)
    members = [(member, can_reset(current_user, member)) for member in staff_members()]
    return render_template("account/staff.html", members=members)


@bp.route("/staff/<id:user_id>/password", methods=["GET", "POST"])
@login_required
def reset(user_id: int):
    """Set a new password for a staff member who forgot theirs; all their sign-ins and API tokens end."""
    require_role(actor_for(current_user), *OFFICE)
    member = resettable_member(current_user, user_id)
    if member is None:
        abort(404)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            bus().handle(commands.ResetPassword(user_id, form.new_password.data, client_ip=client_ip()),
                         actor_for(current_user))
        except PasswordRefused as refused:
            form.new_password.errors.append(refused.message)
        else:
            throttle.forget_account_failures(member.email)  # a lockout of theirs ends with the new password
            flash(f"New password set for {member.email}. Tell them in person; they are signed out everywhere.")
            return redirect(url_for("account.staff"))
    status = 422 if form.errors else 200
    return render_template("account/reset.html", form=form, member=member), status


@bp.app_template_filter("device_name")
def device_name(user_agent: str) -> str:
    """'Mozilla/5.0 (Linux; Android 14) ... Chrome/...' -> 'Chrome on Android': enough to recognise a device."""
    agent = user_agent or ""
    browser = next((name for key, name in (("Edg/", "Edge"), ("Firefox/", "Firefox"), ("Chrome/", "Chrome"),
                                           ("Safari/", "Safari")) if key in agent), "A browser")
    system = next((name for key, name in (("Android", "Android"), ("iPhone", "iPhone"), ("iPad", "iPad"),
                                          ("Windows", "Windows"), ("Mac OS", "Mac"), ("Linux", "Linux"))
                   if key in agent), "")
    return f"{browser} on {system}" if system else browser
