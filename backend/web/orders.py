"""Order pages: a list and an order page with the decisions the user may take."""
from __future__ import annotations

from flask import Blueprint, render_template, request, url_for
from flask_login import current_user, login_required
from marshmallow import Schema, ValidationError, fields, validate

from ..bootstrap import bus
from ..domain.access import ensure_visible, sees_office_fields
from ..domain.events import utcnow
from ..domain.order_decisions import STATUS_GROUPS, decisions_for
from ..extensions import db
from ..identity import actor_for
from ..queries.order_decisions import undo_offer
from ..queries.orders import list_orders, order_for, order_history
from .decision_words import DESTRUCTIVE
from .outcome import take_outcome

bp = Blueprint("orders", __name__, url_prefix="/orders")


class ListArgs(Schema):
    """Query string of the order list."""

    view = fields.String(load_default="open", validate=validate.OneOf(["all", *STATUS_GROUPS]))
    page = fields.Integer(load_default=1, validate=validate.Range(1, 100000))


@bp.get("/")
@login_required
def index():
    """Orders the user may see, newest first, filtered by a tab."""
    try:
        args = ListArgs().load(request.args.to_dict())
    except ValidationError:
        args = ListArgs().load({})
    status = None if args["view"] == "all" else STATUS_GROUPS[args["view"]]
    page = list_orders(db.session, actor_for(current_user), status=status, page=args["page"], page_size=20)
    template = "orders/_list.html" if request.headers.get("HX-Request") else "orders/index.html"
    return render_template(template, page=page, view=args["view"], views=["open", "to_accept", "attention",
                                                                           "shipping", "done", "all"])


def _visible_order(order_id: int):
    order = order_for(db.session, order_id)
    ensure_visible(actor_for(current_user), order)
    return order


@bp.get("/<id:order_id>")
@login_required
def show(order_id: int):
    """One order: lines, money, addresses, payment, stock and its history."""
    return render_order(_visible_order(order_id))


def render_order(order, *, error: str = "", status: int = 200):
    """The order page, with the message of a decision just taken (once) and its undo while it lasts."""
    actor = actor_for(current_user)
    # The customer's tracking link: for the office to send on, and for the customer it belongs to.
    tracking_url = (url_for("tracking.show", token=order.tracking_token, _external=True)
                    if actor.is_office or (actor.customer_id is not None and actor.customer_id == order.customer_id)
                    else None)
    outcome = take_outcome(f"order-{order.id}")
    if error:
        outcome = {"error": error}
    undo = undo_offer(db.session, order, user_id=actor.user_id, is_office=actor.is_office, now=utcnow(),
                      window_seconds=bus().settings.undo_seconds)
    return render_template("orders/show.html", order=order, actions=decisions_for(actor, order),
                           history=order_history(db.session, order.id) if actor.is_office else [],
                           tracking_url=tracking_url, office_fields=sees_office_fields(actor),
                           outcome=outcome, undo=undo, destructive=DESTRUCTIVE), status

