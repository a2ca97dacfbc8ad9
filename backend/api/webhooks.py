"""Outgoing webhooks over the API: an owner or manager subscribes a URL to order and stock events, lists and
deletes subscriptions, and reads each one's delivery log.

How a delivery is signed is in the blueprint's description (the OpenAPI document) and in the README.
"""
from __future__ import annotations

from flask.views import MethodView
from flask_smorest import abort
from marshmallow import Schema, fields, validate

from ..bootstrap import bus
from ..domain import commands
from ..domain.access import OFFICE, require_role
from ..domain.webhooks import EVENT_TYPES, MAX_URL_LENGTH
from ..edge.authentication import authenticate
from ..edge.blueprint import Blueprint
from ..edge.errors import current_actor
from ..edge.text import Text
from ..extensions import db
from ..queries.webhooks import delivery_log, list_subscriptions, subscription_for

SIGNING = (
    "Each delivery is a POST of JSON `{id, type, time, data}` (`id` the event id, `time` ISO 8601 UTC). "
    "Headers: `Waybill-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of \"<t>.<raw body>\">` keyed with the "
    "subscription's secret (shown once, when it is made); `Waybill-Delivery` (the same on every retry of one "
    "delivery: drop a second copy by it) and `Waybill-Event` (the type). Answer 2xx to accept. No answer, 408, "
    "429 and 5xx are retried with exponential backoff and jitter (Retry-After is honoured); any other answer "
    "fails the delivery at once. A subscription whose deliveries fail several times in a row is disabled, "
    "with the reason on it. Deliveries carry ids, numbers, statuses, money and stock figures, never a "
    "customer's name, e-mail, phone or address: read the order through the API for those.")

blp = Blueprint("webhooks", __name__, url_prefix="/api/v1/webhooks",
                description="Outgoing webhooks: signed deliveries of order and stock events. " + SIGNING)
blp.before_request(authenticate)


class WebhookSubscriptionInSchema(Schema):
    """A URL and the event types it should receive."""

    url = Text(required=True, validate=validate.Length(1, MAX_URL_LENGTH),
               metadata={"description": "http:// or https://; private and loopback addresses are refused"})
    events = fields.List(fields.String(validate=validate.OneOf(list(EVENT_TYPES))), required=True,
                         validate=validate.Length(1, len(EVENT_TYPES)),
                         metadata={"description": "; ".join(f"`{k}`: {v}" for k, v in EVENT_TYPES.items())})
    description = Text(load_default="", validate=validate.Length(0, 200))


class WebhookSubscriptionSchema(Schema):
    """A subscription as it is listed (its secret is never shown again)."""

    id = fields.Integer()
    url = fields.String()
    events = fields.List(fields.String())
    description = fields.String()
    created_at = fields.DateTime()
    created_by = fields.String(metadata={"description": "E-mail of the person who made it"})
    active = fields.Boolean()
    disabled_at = fields.DateTime(allow_none=True)
    disabled_reason = fields.String(allow_none=True)
    failures_in_a_row = fields.Integer()


class WebhookSubscriptionCreatedSchema(WebhookSubscriptionSchema):
    """The new subscription with its signing secret: shown this once, keep it."""

    secret = fields.String(metadata={"description": "Signs every delivery (HMAC-SHA256); never shown again"})


class WebhookAttemptSchema(Schema):
    """One HTTP request to the subscriber and its answer."""

    attempt = fields.Integer()
    status_code = fields.Integer(allow_none=True, metadata={"description": "None: no answer at all"})
    error = fields.String()
    sent_at = fields.DateTime()
    duration_ms = fields.Integer()
    next_retry_at = fields.DateTime(allow_none=True)


class WebhookDeliverySchema(Schema):
    """One event owed to the subscription: pending, delivered, failed or cancelled, with every attempt."""

    id = fields.String(metadata={"description": "The Waybill-Delivery header"})
    event_id = fields.String()
    event_type = fields.String()
    status = fields.String()
    attempts = fields.Integer()
    created_at = fields.DateTime()
    finished_at = fields.DateTime(allow_none=True)
    next_attempt_at = fields.DateTime(allow_none=True)
    last_status_code = fields.Integer(allow_none=True)
    last_error = fields.String()
    tries = fields.List(fields.Nested(WebhookAttemptSchema))


@blp.route("/subscriptions")
class Subscriptions(MethodView):
    """Webhook subscriptions (owner: all of the shop's; manager: their own)."""

    @blp.arguments(WebhookSubscriptionInSchema())
    @blp.response(201, WebhookSubscriptionCreatedSchema)
    @blp.alt_response(403, description="Only an owner or a manager subscribes to webhooks")
    def post(self, data):
        """Subscribe a URL to event types; the answer holds the signing secret, shown this once."""
        row, secret = bus().handle(commands.CreateWebhookSubscription(
            data["url"], tuple(data["events"]), data["description"]), current_actor())
        return {**subscription_for(db.session, current_actor(), row.id), "secret": secret}

    @blp.response(200, WebhookSubscriptionSchema(many=True))
    @blp.alt_response(403, description="Only an owner or a manager sees webhook subscriptions")
    def get(self):
        """List subscriptions, with why one was disabled (never their secrets)."""
        require_role(current_actor(), *OFFICE)
        return list_subscriptions(db.session, current_actor())


@blp.route("/subscriptions/<id:subscription_id>")
class SubscriptionItem(MethodView):
    """One subscription."""

    @blp.response(204)
    @blp.alt_response(403, description="Only an owner or a manager deletes webhook subscriptions")
    def delete(self, subscription_id):
        """Delete a subscription: nothing more is sent to it (its delivery log stays for the owner)."""
        bus().handle(commands.DeleteWebhookSubscription(subscription_id), current_actor())
        return ""


@blp.route("/subscriptions/<id:subscription_id>/deliveries")
class Deliveries(MethodView):
    """A subscription's delivery log."""

    @blp.response(200, WebhookDeliverySchema(many=True))
    @blp.alt_response(403, description="Only an owner or a manager reads delivery logs")
    def get(self, subscription_id):
        """The last 50 deliveries, newest first: each attempt's answer, time, error and the next retry."""
        require_role(current_actor(), *OFFICE)
        if subscription_for(db.session, current_actor(), subscription_id) is None:
            abort(404, message="No such webhook subscription.")
        return delivery_log(db.session, subscription_id)
