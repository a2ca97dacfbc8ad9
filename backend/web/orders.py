"""Order pages: a list and an order page with the decisions the user may take."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from marshmallow import Schema, ValidationError, fields, validate

from ..bootstrap import bus
from ..domain import commands
from ..domain.access import ensure_visible, sees_office_fields
from ..domain.errors import DomainError
from ..domain.orders import CUSTOMER_CANCELLABLE, OrderStatus
from ..extensions import db
from ..identity import actor_for
from ..queries.orders import list_orders, order_history
from ..adapters.unit_of_work import SqlAlchemyUnitOfWork

bp = Blueprint("orders", __name__, url_prefix="/orders")

FILTERS = {"open": ["placed", "payment_hold", "awaiting_payment", "accepted", "backordered", "allocated",
                    "picking", "packed"],
           "to_accept": ["placed"], "attention": ["payment_hold", "backordered"],
           "shipping": ["shipped", "out_for_delivery"], "done": ["delivered", "cancelled", "rejected"]}


class ListArgs(Schema):
    """Query string of the order list."""

    view = fields.String(load_default="open", validate=validate.OneOf(["all", *FILTERS]))
    page = fields.Integer(load_default=1, validate=validate.Range(1, 100000))


class DecisionForm(Schema):
    """A decision on an order from the order page."""

    action = fields.String(required=True, validate=validate.OneOf(
        ["accept", "reject", "cancel", "release_hold", "reject_hold", "payment_received", "retry_allocation"]))
    reason = fields.String(load_default="", validate=validate.Length(0, 500))
    csrf_token = fields.String(load_default="")


ACTIONS = {
    "accept": lambda oid, reason: commands.AcceptOrder(oid),
    "reject": lambda oid, reason: commands.RejectOrder(oid, reason),
    "cancel": lambda oid, reason: commands.CancelOrder(oid, reason),
    "release_hold": lambda oid, reason: commands.ReleasePaymentHold(oid, reason),
    "reject_hold": lambda oid, reason: commands.RejectPaymentHold(oid, reason),
    "payment_received": lambda oid, reason: commands.RecordPaymentReceived(oid, reason),
    "retry_allocation": lambda oid, reason: commands.RetryAllocation(oid),
}


def available_actions(actor, order) -> list[tuple[str, str]]:
    """(action, label) pairs the user may take on this order now, for the buttons."""
    state = order.state
    if actor.is_office:
        options = []
        if state == OrderStatus.PLACED:
            options += [("accept", "Accept"), ("reject", "Reject")]
        if state == OrderStatus.PAYMENT_HOLD:
            options += [("release_hold", "Release payment hold"), ("reject_hold", "Reject payment")]
        if state == OrderStatus.AWAITING_PAYMENT:
            options += [("payment_received", "Funds received")]
        if state == OrderStatus.BACKORDERED:
            options += [("retry_allocation", "Try to allocate again")]
        if order.can_transition(OrderStatus.CANCELLED):
            options.append(("cancel", "Cancel order"))
        return options
    if actor.customer_id == order.customer_id and state in CUSTOMER_CANCELLABLE:
        return [("cancel", "Cancel order")]
    return []


@bp.get("/")
@login_required
def index():
    """Orders the user may see, newest first, filtered by a tab."""
    try:
        args = ListArgs().load(request.args.to_dict())
    except ValidationError:
        args = ListArgs().load({})
    status = None if args["view"] == "all" else FILTERS[args["view"]]
    page = list_orders(db.session, actor_for(current_user), status=status, page=args["page"], page_size=20)
    template = "orders/_list.html" if request.headers.get("HX-Request") else "orders/index.html"
    return render_template(template, page=page, view=args["view"], views=["open", "to_accept", "attention",
                                                                           "shipping", "done", "all"])


def _visible_order(order_id: int):
    order = SqlAlchemyUnitOfWork(db.session).orders.get(order_id)
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
    return render_template("orders/show.html", order=order, actions=available_actions(actor, order),
                           history=order_history(db.session, order.id) if actor.is_office else [],
                           tracking_url=tracking_url, office_fields=sees_office_fields(actor))


@bp.post("/<id:order_id>/decision")
@login_required
def decide(order_id: int):
    """Apply a decision from the order page; errors are shown on the page, never a crash."""
    try:
        form = DecisionForm().load(request.form.to_dict())
        bus().handle(ACTIONS[form["action"]](order_id, form["reason"]), actor_for(current_user))
        flash("Done.")
    except ValidationError as exc:
        flash("; ".join(f"{k}: {' '.join(v)}" for k, v in exc.messages.items()), "error")
    except DomainError as exc:
        if exc.status == 404:
            raise
        flash(exc.message, "error")
    return redirect(url_for("orders.show", order_id=order_id))
