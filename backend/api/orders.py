"""Orders API: create (idempotent), list, read, and the decisions on an order."""
from __future__ import annotations

from flask import current_app, request
from flask.views import MethodView
from flask_smorest import abort

from ..bootstrap import bus
from ..domain import commands
from ..domain.access import OFFICE_ONLY_ORDER_FIELDS, can_read_audit, ensure_visible, sees_office_fields
from ..domain.errors import Forbidden
from ..domain.order_decisions import DECISIONS, command_for
from ..edge.authentication import authenticate
from ..edge.blueprint import Blueprint
from ..edge.errors import current_actor
from ..edge.idempotency import key_problem
from ..edge.order_schemas import build_place_order
from ..extensions import db
from ..queries.fulfilment import parts_json
from ..queries.orders import list_orders, order_for, order_history
from ..queries.payments import order_balance
from ..queries.tracking import customer_timeline
from .schemas import (AuditEventSchema, NoteSchema, OrderCreateSchema, OrderPageSchema, OrderQuerySchema,
                      OrderSchema, PaymentReceivedSchema, ReasonSchema, TimelineStepSchema)

blp = Blueprint("api_orders", __name__, url_prefix="/api/v1/orders", description="Orders")
blp.before_request(authenticate)


def _place_command(data: dict) -> commands.PlaceOrder:
    """Build the PlaceOrder command from a validated body and the Idempotency-Key header."""
    key = request.headers.get("Idempotency-Key")
    problem = key_problem(key)
    if problem:
        abort(400, message="Idempotency-Key must be 1-255 printable characters.", errors={"Idempotency-Key": [problem]})
    return build_place_order(data, key)


def _int(value):
    return None if value is None else int(value)


def _text(value):
    return None if value is None else str(value)


# `parts` and `balance_minor` are read with one order only (GET /orders/<id>): they are not attributes of the order.
_ORDER_FIELDS = tuple(name for name in OrderSchema().fields if name not in ("parts", "balance_minor"))
_CUSTOMER_FIELDS = tuple(name for name in _ORDER_FIELDS if name not in OFFICE_ONLY_ORDER_FIELDS)


def as_seen_by(actor, order):
    """The order for staff; for a customer, the same fields less the office's (the schema still dumps them)."""
    if order is None or sees_office_fields(actor):
        return order
    if isinstance(order, dict):
        return {key: value for key, value in order.items() if key not in OFFICE_ONLY_ORDER_FIELDS}
    return {name: getattr(order, name) for name in _CUSTOMER_FIELDS}


def order_json(order) -> dict:
    """What OrderSchema().dump(order) gives, built directly: order intake answers every call with it.

    OrderSchema stays the documented shape (and serves every other endpoint); a unit test checks the
    two agree on orders of every shape, so a field added to one and not the other fails there.
    """
    return {
        "id": _int(order.id), "number": _text(order.number), "status": _text(order.status),
        "version": _int(order.version), "customer_id": _int(order.customer_id), "channel": _text(order.channel),
        "channel_order_id": _text(order.channel_order_id), "currency": _text(order.currency),
        "subtotal_minor": _int(order.subtotal_minor), "shipping_minor": _int(order.shipping_minor),
        "tax_minor": _int(order.tax_minor), "total_minor": _int(order.total_minor),
        "payment_method": _text(order.payment_method), "payment_status": _text(order.payment_status),
        "paid_minor": _int(order.paid_minor),
        "shipping_address": None if order.shipping_address is None else dict(order.shipping_address),
        "billing_address": None if order.billing_address is None else dict(order.billing_address),
        "hold_reasons": None if order.hold_reasons is None else [dict(r) for r in order.hold_reasons],
        "shortages": None if order.shortages is None else [dict(s) for s in order.shortages],
        "notes": _text(order.notes),
        "lines": [{"id": _int(line.id), "product_id": _int(line.product_id), "sku": _text(line.sku),
                   "name": _text(line.name), "quantity": _int(line.quantity),
                   "unit_price_minor": _int(line.unit_price_minor), "net_minor": _int(line.net_minor),
                   "tax_minor": _int(line.tax_minor), "allocated_quantity": _int(line.allocated_quantity),
                   "allocations": [{"warehouse_id": _int(a.warehouse_id), "quantity": _int(a.quantity)}
                                   for a in line.allocations]}
                  for line in order.lines],
        "created_at": None if order.created_at is None else order.created_at.isoformat(),
        "updated_at": None if order.updated_at is None else order.updated_at.isoformat(),
    }


@blp.route("")
class Orders(MethodView):
    """The order collection."""

    @blp.arguments(OrderCreateSchema())
    @blp.response(201, OrderSchema)
    @blp.alt_response(200, schema=OrderSchema, description="A retried request (same Idempotency-Key): the first order")
    @blp.alt_response(402, description="The payment provider declined the payment_token: no order was made")
    @blp.doc(parameters=[{"in": "header", "name": "Idempotency-Key", "schema": {"type": "string", "maxLength": 255},
                          "description": "Retrying with the same key returns the first order instead of a new one"}])
    def post(self, data):
        """Place an order: prices, tax and shipping come from the catalogue; stock is reserved at once."""
        actor = current_actor()
        order, created = bus().handle(_place_command(data), actor)
        headers = {"Location": f"/api/v1/orders/{order.id}"}
        if not created:
            headers["Idempotent-Replayed"] = "true"
        # The OrderSchema representation, serialised without marshmallow's per-field machinery.
        return current_app.json.response(as_seen_by(actor, order_json(order))), (201 if created else 200), headers

    @blp.arguments(OrderQuerySchema(), location="query")
    @blp.response(200, OrderPageSchema)
    def get(self, filters):
        """List orders you may see, newest first, filtered and paged."""
        actor = current_actor()
        page = list_orders(db.session, actor, **filters)
        return {**page, "items": [as_seen_by(actor, order) for order in page["items"]]}


@blp.route("/<id:order_id>")
class OrderItem(MethodView):
    """One order."""

    @blp.response(200, OrderSchema)
    def get(self, order_id):
        """Read an order (customers only their own), with its parts: one per warehouse it ships from."""
        actor = current_actor()
        order = order_for(db.session, order_id)
        ensure_visible(actor, order)
        fields = {name: getattr(order, name) for name in _ORDER_FIELDS}
        return {**as_seen_by(actor, fields), "parts": parts_json(db.session, order),
                "balance_minor": order_balance(db.session, order)}


@blp.route("/<id:order_id>/history")
class OrderHistory(MethodView):
    """The audit trail of an order (staff)."""

    @blp.response(200, AuditEventSchema(many=True))
    def get(self, order_id):
        """Every change to the order: who, what, when and why (staff only; customers read /timeline)."""
        actor = current_actor()
        order = order_for(db.session, order_id)
        ensure_visible(actor, order)
        if not can_read_audit(actor):
            raise Forbidden("The change history is kept for the shop's staff; "
                            f"GET /api/v1/orders/{order_id}/timeline shows your order's progress.",
                            code="order.audit_staff_only")
        return order_history(db.session, order_id)


@blp.route("/<id:order_id>/timeline")
class OrderTimeline(MethodView):
    """An order's progress in a customer's words."""

    @blp.response(200, TimelineStepSchema(many=True))
    def get(self, order_id):
        """The steps the order went through and those still ahead (as on the tracking page)."""
        order = order_for(db.session, order_id)
        ensure_visible(current_actor(), order)
        return customer_timeline(db.session, order_id)


def _decision(path: str, decision: str, schema, summary: str):
    """Register POST /orders/<id>/<path> that takes one decision (its command from the domain's map) and returns
    the order; the body's field named like the command's text field carries the person's words."""
    text = DECISIONS[decision].text

    def view(data, order_id):
        actor = current_actor()
        command = command_for(decision, order_id, data.get(text, "") if text else "")
        return as_seen_by(actor, bus().handle(command, actor))
    view.__name__ = "order_" + path.replace("/", "_").replace("-", "_")
    view.__doc__ = summary
    blp.route(f"/<id:order_id>/{path}", methods=["POST"])(
        blp.arguments(schema())(blp.response(200, OrderSchema)(view)))


_decision("accept", "accept", ReasonSchema,
          "Accept a placed order (owner, manager); it becomes allocated or backordered.")
_decision("allocate", "retry_allocation", ReasonSchema,
          "Try again to reserve stock for a backordered order (owner, manager); allocated once nothing is missing.")
_decision("reject", "reject", ReasonSchema,
          "Reject a placed order (owner, manager); its stock is released.")
_decision("cancel", "cancel", ReasonSchema,
          "Cancel an order before it ships; customers may cancel their own until it is accepted.")
_decision("payment-hold/release", "release_hold", NoteSchema,
          "Release a payment hold after checking it (owner, manager).")
_decision("payment-hold/reject", "reject_hold", ReasonSchema,
          "Reject an order on payment hold (owner, manager); its stock is released.")
_decision("payment-received", "payment_received", PaymentReceivedSchema,
          "Record that a bank transfer arrived (owner, manager).")
