"""Order e-mails, on and off: the unsubscribe link in every e-mail (no sign-in: the link is the key) and the
switch on a customer's account page.

The link follows RFC 8058: opening it (GET) only shows a page with one button, because mail scanners open
links by themselves; a POST turns e-mails off, which is also what a mail program's own "Unsubscribe" button
sends (with the List-Unsubscribe-Post header). That POST carries no CSRF token, so this route is exempt:
the 192-bit token in its URL is the proof, and all it can do is change this one customer's e-mails.
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.exceptions import TooManyRequests

from .. import throttle
from ..bootstrap import bus
from ..domain import commands
from ..domain.access import VISITOR, Role, require_role
from ..domain.errors import NotFound
from ..extensions import csrf, db
from ..identity import actor_for
from ..queries.order_emails import order_emails_by_link

bp = Blueprint("order_emails", __name__)


def _limit_each_client():
    wait = throttle.take("track", "WAYBILL_TRACKING_CLIENT_LIMIT")
    if wait is None:
        return None
    error = TooManyRequests(f"This page was asked for too often from your device. Please try again in {wait} seconds.")
    return render_template("error.html", error=error), 429, {"Retry-After": str(wait)}


@bp.after_request
def keep_the_link_private(response):
    """The key is in the URL: never pass it on as a Referer, never index it, never cache it."""
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/mail/unsubscribe/<token>")
def unsubscribe(token: str):
    """The page an e-mail's unsubscribe link opens: one button to stop (or restart) order e-mails."""
    limited = _limit_each_client()
    if limited is not None:
        return limited
    on = order_emails_by_link(db.session, token)
    if on is None:
        abort(404)
    return render_template("tracking/unsubscribe.html", token=token, on=on, done=False,
                           customer_facing=True)


@bp.post("/mail/unsubscribe/<token>")
@csrf.exempt
def unsubscribe_now(token: str):
    """Turn order e-mails off (or back on with on=1): the page's button, or a mail program's one click."""
    limited = _limit_each_client()
    if limited is not None:
        return limited
    turn_on = request.form.get("on") == "1"
    try:
        bus().handle(commands.SetOrderEmailsByLink(token, on=turn_on), VISITOR)
    except NotFound:
        abort(404)
    return render_template("tracking/unsubscribe.html", token=token, on=turn_on, done=True,
                           customer_facing=True)


@bp.post("/account/order-emails")
@login_required
def switch():
    """A signed-in customer turns e-mails about their orders on or off (their account page's switch)."""
    actor = actor_for(current_user)
    require_role(actor, Role.CUSTOMER)
    turn_on = request.form.get("on") == "1"
    bus().handle(commands.SetOrderEmails(on=turn_on), actor)
    flash("E-mails about your orders are on." if turn_on else
          "E-mails about your orders are off. Your tracking pages still show everything.")
    return redirect(url_for("account.show"))
