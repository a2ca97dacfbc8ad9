"""The customer's tracking page at /track/<token>: no account, nothing reachable from it but this order.

The token (192 random bits, sent in the order confirmation) is the only key. A wrong, malformed or
unknown token gets the same plain 404, so the link cannot be used to probe for orders.
"""
from __future__ import annotations

from flask import Blueprint, Response, abort, render_template
from werkzeug.exceptions import TooManyRequests

from .. import throttle
from ..bootstrap import blob_storage
from ..extensions import db
from ..queries.tracking import proof_photo_key, tracking_view

bp = Blueprint("tracking", __name__, url_prefix="/track")


@bp.before_request
def limit_each_client():
    """A page per second or so is plenty for a customer; more is scraping or guessing links: 429."""
    wait = throttle.take("track", "WAYBILL_TRACKING_CLIENT_LIMIT")
    if wait is None:
        return None
    error = TooManyRequests(f"This page was asked for too often from your device. Please try again in {wait} seconds.")
    return render_template("error.html", error=error), 429, {"Retry-After": str(wait)}


@bp.after_request
def keep_the_link_private(response):
    """The token is in the URL: never send it on as a Referer, never index it, never share a cached copy."""
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/<token>")
def show(token: str):
    """Where the order is: its steps, the carrier's number or the van's ETA, and the proof once delivered."""
    view = tracking_view(db.session, token)
    if view is None:
        abort(404)
    return render_template("tracking/show.html", view=view, token=token, customer_facing=True)


@bp.get("/<token>/photos/<blob_id>")
def proof_photo(token: str, blob_id: str):
    """A delivery photo of this order only; any other blob id (even a real one) is a 404."""
    found = proof_photo_key(db.session, token, blob_id)
    if found is None:
        abort(404)
    key, content_type = found
    return Response(blob_storage().read(key), mimetype=content_type)
