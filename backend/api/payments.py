"""Payments over the API: an order's balance and history, refunds, and the provider's signed webhooks."""
from __future__ import annotations

from flask import current_app, request
from flask.views import MethodView
from flask_smorest import abort
from marshmallow import Schema, ValidationError, fields, validate

from ..bootstrap import bus
from ..domain import commands
from ..domain.access import SYSTEM, ensure_visible
from ..domain.payment_webhooks import SIGNATURE_HEADER, signature_matches
from ..edge.authentication import authenticate
from ..edge.blueprint import Blueprint
from ..edge.errors import current_actor
from ..edge.text import Text
from ..extensions import db
from ..queries.orders import order_for
from ..queries.payments import order_payments

blp = Blueprint("api_payments", __name__, url_prefix="/api/v1/orders",
                description="Card and wallet payments: balance, history and refunds")
blp.before_request(authenticate)
webhooks = Blueprint("api_payment_webhooks", __name__, url_prefix="/api/v1/payments",
                     description="The payment provider's signed webhooks")


class PaymentEntrySchema(Schema):
    """One line of an order's payments ledger."""

    kind = Text(metadata={"description": "authorized, captured, capture_declined, voided, refunded, "
                                         "cod_collected, transfer_received, disputed, ..."})
    amount_minor = fields.Integer()
    currency = Text()
    reference = Text(metadata={"description": "The provider's id for it"})
    decline_code = Text()
    note = Text()
    by = Text(allow_none=True, metadata={"description": "Who asked for it; null for the provider or intake"})
    occurred_at = fields.DateTime()


class OrderPaymentsSchema(Schema):
    """An order's balance (captured - refunded + cash and transfers received) and its payments history."""

    order_id = fields.Integer()
    currency = Text()
    total_minor = fields.Integer()
    payment_method = Text()
    payment_status = Text()
    authorized_minor = fields.Integer()
    captured_minor = fields.Integer()
    refunded_minor = fields.Integer()
    received_minor = fields.Integer()
    balance_minor = fields.Integer()
    refundable_minor = fields.Integer()
    held = fields.Boolean(metadata={"description": "True while a declined capture holds the parcel (an open "
                                                   "payment.capture_declined exception)"})
    entries = fields.List(fields.Nested(PaymentEntrySchema))


class RefundSchema(Schema):
    """How much to give back, in minor units, and why."""

    amount_minor = fields.Integer(required=True, strict=True, validate=validate.Range(1, 10**12))
    reason = Text(load_default="", validate=validate.Length(max=500))


class WebhookEventSchema(Schema):
    """The provider's event: its id (each handled once), its type and what it is about."""

    id = Text(required=True, validate=validate.Length(1, 100))
    type = Text(required=True, validate=validate.Length(1, 64))
    data = fields.Dict(load_default=dict)


class WebhookAnswerSchema(Schema):
    """What became of the event: confirmed, unmatched, failed, disputed, noted, ignored or replayed."""

    outcome = Text()


def _payments_of(order_id: int) -> dict:
    order = order_for(db.session, order_id)
    ensure_visible(current_actor(), order)
    return order_payments(db.session, order)


@blp.route("/<id:order_id>/payments")
class OrderPayments(MethodView):
    """An order's payments."""

    @blp.response(200, OrderPaymentsSchema)
    def get(self, order_id):
        """The order's balance and every authorization, capture, void and refund (customers only their own)."""
        return _payments_of(order_id)


@blp.route("/<id:order_id>/refunds")
class OrderRefunds(MethodView):
    """Money given back."""

    @blp.arguments(RefundSchema())
    @blp.response(201, OrderPaymentsSchema)
    @blp.alt_response(402, description="The provider refused the refund (problem+json with its decline_code)")
    def post(self, data, order_id):
        """Refund through the provider (owner, manager); never more than was captured and not yet refunded."""
        bus().handle(commands.RefundPayment(order_id, data["amount_minor"], data["reason"]), current_actor())
        return _payments_of(order_id)


@webhooks.route("/webhook")
class ProviderWebhook(MethodView):
    """Events the payment provider posts: payment succeeded, failed, disputed."""

    @webhooks.doc(security=[], parameters=[{"in": "header", "name": SIGNATURE_HEADER, "required": True,
                                            "schema": {"type": "string"},
                                            "description": "sha256=<HMAC-SHA256 of the raw body, webhook secret>"}],
                  requestBody={"content": {"application/json": {"schema": WebhookEventSchema}}})
    @webhooks.response(200, WebhookAnswerSchema)
    @webhooks.alt_response(401, description="Missing or wrong signature: nothing was written")
    @webhooks.alt_response(400, description="Signed, but not an event")
    @webhooks.alt_response(422, description="Signed, but not an event")
    def post(self):
        """Apply a signed provider event once (a replayed event id changes nothing and answers 200)."""
        body = request.get_data(cache=True)
        if not signature_matches(current_app.config.get("PAYMENT_WEBHOOK_SECRET") or "", body,
                                 request.headers.get(SIGNATURE_HEADER)):
            abort(401, message="The webhook signature is missing or wrong; nothing was written.")
        payload = request.get_json(silent=True)
        if not isinstance(payload, dict):
            abort(400, message="The body is not a JSON object.")
        try:
            event = WebhookEventSchema().load(payload)
        except ValidationError as exc:
            abort(422, message="The event is not one we understand.", errors=exc.messages)
        outcome = bus().handle(commands.HandlePaymentWebhook(event["id"], event["type"], event["data"]), SYSTEM)
        return {"outcome": outcome}
