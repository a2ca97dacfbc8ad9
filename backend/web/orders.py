"""Order pages: a list and an order page with the decisions the user may take."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from marshmallow import Schema, ValidationError, fields, validate

from ..bootstrap import bus
from ..domain.access import ensure_visible, sees_office_fields
from ..domain.errors import DomainError
from ..domain.order_decisions import DECISIONS, STATUS_GROUPS, command_for, decisions_for
from ..extensions import db
from ..identity import actor_for
from ..queries.failed_deliveries import delivery_problem
from ..queries.orders import list_orders, order_for, order_history

bp = Blueprint("orders", __name__, url_prefix="/orders")


class ListArgs(Schema):
    """Query string of the order list."""

    view = fields.String(load_default="open", validate=validate.OneOf(["all", *STATUS_GROUPS]))
    page = fields.Integer(load_default=1, validate=validate.Range(1, 100000))


class DecisionForm(Schema):
    """A decision on an order from the order page."""

    action = fields.String(required=True, validate=validate.OneOf(list(DECISIONS)))
    reason = fields.String(load_default="", validate=validate.Length(0, 500))
    csrf_token = fields.String(load_default="")


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
    order = _visible_order(order_id)
    actor = actor_for(current_user)
    # The customer's tracking link: for the office to send on, and for the customer it belongs to.
    tracking_url = (url_for("tracking.show", token=order.tracking_token, _external=True)
                    if actor.is_office or (actor.customer_id is not None and actor.customer_id == order.customer_id)
                    else None)
    return render_template("orders/show.html", order=order, actions=decisions_for(actor, order),
                           history=order_history(db.session, order.id) if actor.is_office else [],
                           tracking_url=tracking_url, office_fields=sees_office_fields(actor),
                           missed=delivery_problem(db.session, order.id) if actor.is_office else None)


@bp.post("/<id:order_id>/decision")
@login_required
def decide(order_id: int):
    """Apply a decision from the order page; errors are shown on the page, never a crash."""
    try:
        form = DecisionForm().load(request.form.to_dict())
        bus().handle(command_for(form["action"], order_id, form["reason"]), actor_for(current_user))
        flash("Done.")
    except ValidationError as exc:
        flash("; ".join(f"{k}: {' '.join(v)}" for k, v in exc.messages.items()), "error")
    except DomainError as exc:
        if exc.status == 404:
            raise
        flash(exc.message, "error")
    return redirect(url_for("orders.show", order_id=order_id))
