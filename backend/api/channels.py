"""Shop channels over the API: the webhook each configured shop calls, the channels, and the intake exceptions."""
from __future__ import annotations

from flask import current_app, request
from flask.views import MethodView
from marshmallow import Schema, fields, validate

from ..bootstrap import bus
from ..domain import commands
from ..domain.access import OFFICE, ensure_visible, require_role
from ..domain.channel_intake import ADDRESS_FIELDS, DISCARDED, MAX_REASON, OPEN, RELEASED, SHOP_ACTOR, ChannelKind
from ..domain.errors import NotFound
from ..edge.authentication import authenticate
from ..edge.blueprint import Blueprint
from ..edge.errors import current_actor
from ..edge.text import Text
from ..extensions import db
from ..queries.channel_intake import channel_totals_of, channel_view, list_channels, list_intake_exceptions
from ..queries.orders import order_for
from .channel_listings import ChannelOutboundSchema, ChannelOutboundSettingsSchema, outbound_settings

# The shops call this one: no bearer token, the body's HMAC signature is the proof (checked by the handler).
webhooks = Blueprint("channel_webhooks", __name__, url_prefix="/api/v1/channels",
                     description="Webhooks the configured shops (Shopify, WooCommerce) send orders to")
blp = Blueprint("channels", __name__, url_prefix="/api/v1",
                description="Shop channels and the intake exceptions of the orders they sent")
blp.before_request(authenticate)

SHOP_HEADER_PREFIXES = ("x-shopify-", "x-wc-webhook-")
_SHOP_HEADERS = [
    ("X-Shopify-Topic", "Shopify: orders/create or orders/cancelled"),
    ("X-Shopify-Hmac-Sha256", "Shopify: base64 HMAC-SHA256 of the raw body with the channel's secret"),
    ("X-Shopify-Webhook-Id", "Shopify: the delivery's id"), ("X-Shopify-Shop-Domain", "Shopify: the shop"),
    ("X-WC-Webhook-Topic", "WooCommerce: order.created"),
    ("X-WC-Webhook-Signature", "WooCommerce: base64 HMAC-SHA256 of the raw body with the channel's secret"),
    ("X-WC-Webhook-Delivery-ID", "WooCommerce: the delivery's id"), ("X-WC-Webhook-Source", "WooCommerce: the shop"),
]


class ShopTotalsSchema(Schema):
    """Amounts in minor units; null where the shop sent none."""

    subtotal = fields.Integer(allow_none=True)
    tax = fields.Integer(allow_none=True)
    shipping = fields.Integer(allow_none=True)
    total = fields.Integer(allow_none=True)


class TotalsComparisonSchema(Schema):
    """The shop's totals beside Waybill's recomputed ones; difference = shop minus Waybill."""

    currency = fields.String()
    channel = fields.Nested(ShopTotalsSchema)
    waybill = fields.Nested(ShopTotalsSchema)
    difference = fields.Nested(ShopTotalsSchema)


class IntakeReasonSchema(Schema):
    """Why a shop's order cannot be placed as sent."""

    code = fields.String()
    field = fields.String()
    message = fields.String()
    sku = fields.String()


class WebhookOutcomeSchema(Schema):
    """What the delivery did: placed, duplicate (a re-sent delivery: nothing changed), held (an intake exception),
    cancelled, discarded, refused (cancel after shipping: the office is told), unknown_order or ignored (topic)."""

    status = fields.String()
    order_id = fields.Integer(allow_none=True)
    order_number = fields.String(allow_none=True)
    intake_exception_id = fields.Integer(allow_none=True)
    totals = fields.Nested(TotalsComparisonSchema, allow_none=True)
    reasons = fields.List(fields.Nested(IntakeReasonSchema))


_OUTCOME_STATUS = {"placed": 201, "held": 202}
_OUTCOME = WebhookOutcomeSchema()  # built once: every delivery is answered with it


@webhooks.route("/<string(maxlength=40):slug>/webhooks")
class ChannelWebhook(MethodView):
    """A configured shop's webhook deliveries."""

    @webhooks.doc(security=[], parameters=[{"in": "header", "name": name, "schema": {"type": "string"},
                                            "required": False, "description": text} for name, text in _SHOP_HEADERS],
                  requestBody={"required": True, "description": "The shop's order, exactly as it signed it",
                               "content": {"application/json": {"schema": {"type": "object"}}}})
    @webhooks.response(200, WebhookOutcomeSchema)
    @webhooks.alt_response(201, schema=WebhookOutcomeSchema, description="A new order was placed")
    @webhooks.alt_response(202, schema=WebhookOutcomeSchema,
                           description="Kept as an intake exception until a manager fixes and releases it")
    @webhooks.alt_response(401, description="Forged, unsigned, or no such channel: nothing was saved")
    def post(self, slug):
        """Receive a shop's signed webhook (Shopify orders/create, orders/cancelled; WooCommerce order.created)."""
        headers = tuple((name.lower(), value) for name, value in request.headers.items()
                        if name.lower().startswith(SHOP_HEADER_PREFIXES))
        outcome = bus().handle(commands.ReceiveChannelWebhook(slug, headers, request.get_data(cache=True)),
                                 SHOP_ACTOR)
        body = _OUTCOME.dump(outcome)
        return current_app.json.response(body), _OUTCOME_STATUS.get(outcome.status, 200)


class ChannelSchema(ChannelOutboundSchema):
    """A configured shop channel (its secret and its API token are never read out)."""

    slug = fields.String()
    name = fields.String()
    kind = fields.String()
    currency = fields.String()
    active = fields.Boolean()
    webhook_path = fields.String(metadata={"description": "Where the shop sends its webhooks"})
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class ChannelSettingsSchema(ChannelOutboundSettingsSchema):
    """A channel's settings; the secret is the one the shop signs its webhooks with (Shopify: the app's client
    secret; WooCommerce: the webhook's secret). Leave it out to keep the current one."""

    name = Text(load_default="", validate=validate.Length(0, 200))
    kind = fields.String(required=True, validate=validate.OneOf([k.value for k in ChannelKind]))
    currency = fields.String(required=True, validate=validate.Regexp(r"^[A-Z]{3}$"))
    secret = Text(load_default=None, load_only=True, validate=validate.Length(16, 200))
    active = fields.Boolean(load_default=True)


@blp.route("/channels")
class Channels(MethodView):
    """The configured shop channels."""

    @blp.response(200, ChannelSchema(many=True))
    def get(self):
        """Every channel and the address its shop sends webhooks to (owner, managers)."""
        require_role(current_actor(), *OFFICE)
        return list_channels(db.session)


@blp.route("/channels/<string(maxlength=40):slug>")
class ChannelItem(MethodView):
    """One shop channel."""

    @blp.arguments(ChannelSettingsSchema())
    @blp.response(200, ChannelSchema)
    def put(self, data, slug):
        """Add or change a channel (owner): its kind, currency, webhook secret, and where stock and parcels go."""
        bus().handle(commands.ConfigureChannel(slug, data["kind"], data["currency"], name=data["name"],
                                               secret=data["secret"], active=data["active"],
                                               **outbound_settings(data)), current_actor())
        return channel_view(db.session, slug)


class IntakeQuerySchema(Schema):
    """Which intake exceptions to list."""

    status = fields.String(load_default=OPEN, validate=validate.OneOf([OPEN, RELEASED, DISCARDED, "all"]))
    limit = fields.Integer(load_default=100, validate=validate.Range(1, 500))


class IntakeExceptionSchema(Schema):
    """A shop's order that could not be placed as sent: the raw payload, why, and what became of it."""

    id = fields.Integer()
    channel = fields.String()
    channel_name = fields.String()
    channel_order_id = fields.String()
    number = fields.String()
    topic = fields.String()
    webhook_id = fields.String()
    source = fields.String()
    status = fields.String()
    reasons = fields.List(fields.Nested(IntakeReasonSchema))
    corrections = fields.Dict()
    unknown_skus = fields.List(fields.String())
    order_id = fields.Integer(allow_none=True)
    order_number = fields.String(allow_none=True)
    discard_reason = fields.String()
    received_at = fields.DateTime()
    closed_at = fields.DateTime(allow_none=True)
    closed_by = fields.String(allow_none=True)
    payload = fields.Raw(metadata={"description": "The shop's order as it sent it (text if it was not JSON)"})


class CorrectedAddressSchema(Schema):
    """The delivery address put right (fields left out keep the shop's)."""

    name = Text(validate=validate.Length(1, 200))
    line1 = Text(validate=validate.Length(1, 200))
    line2 = Text(validate=validate.Length(0, 200))
    city = Text(validate=validate.Length(1, 100))
    postcode = Text(validate=validate.Length(1, 20))
    country = Text(validate=validate.Regexp(r"^[A-Za-z]{2}$", error="Use a two-letter ISO 3166 country code."))
    phone = Text(validate=validate.Length(0, 40))


class IntakeReleaseSchema(Schema):
    """Corrections before the order is placed: the shop's SKUs mapped to ours, the address put right."""

    sku_map = fields.Dict(keys=Text(validate=validate.Length(0, 64)), values=Text(validate=validate.Length(1, 64)),
                          load_default=dict, metadata={"description": "shop SKU -> Waybill SKU"})
    shipping_address = fields.Nested(CorrectedAddressSchema, load_default=None)


class IntakeDiscardSchema(Schema):
    """Why the shop's order will not be placed."""

    reason = Text(required=True, validate=validate.Length(1, MAX_REASON))


@blp.route("/intake-exceptions")
class IntakeExceptions(MethodView):
    """Shop orders held for a person."""

    @blp.arguments(IntakeQuerySchema(), location="query")
    @blp.response(200, IntakeExceptionSchema(many=True))
    def get(self, query):
        """Open intake exceptions oldest first, or closed ones newest first (owner, managers)."""
        require_role(current_actor(), *OFFICE)
        status = None if query["status"] == "all" else query["status"]
        return list_intake_exceptions(db.session, status=status, limit=query["limit"])


def _intake(exception_id: int) -> dict:
    found = list_intake_exceptions(db.session, status=None, exception_id=exception_id)
    if not found:
        raise NotFound("No such intake exception.")
    return found[0]


@blp.route("/intake-exceptions/<id:exception_id>/release")
class ReleaseIntake(MethodView):
    """Place a held shop order."""

    @blp.arguments(IntakeReleaseSchema())
    @blp.response(200, IntakeExceptionSchema)
    def post(self, data, exception_id):
        """Correct and place the order (owner, managers); 422 with what is still wrong, 409 if already closed."""
        address = {k: v for k, v in (data["shipping_address"] or {}).items()
                   if k in (*ADDRESS_FIELDS, "line2", "phone")}
        bus().handle(commands.ReleaseIntakeException(exception_id, tuple(data["sku_map"].items()), address or None),
                     current_actor())
        return _intake(exception_id)


@blp.route("/intake-exceptions/<id:exception_id>/discard")
class DiscardIntake(MethodView):
    """Decide a held shop order will not be placed."""

    @blp.arguments(IntakeDiscardSchema())
    @blp.response(200, IntakeExceptionSchema)
    def post(self, data, exception_id):
        """Discard with a reason (owner, managers); the payload stays on record."""
        bus().handle(commands.DiscardIntakeException(exception_id, data["reason"]), current_actor())
        return _intake(exception_id)


class ChannelOrderSchema(Schema):
    """The shop's record of an order placed from it, its totals beside Waybill's (difference = shop - Waybill)."""

    order_id = fields.Integer()
    channel = fields.String()
    channel_name = fields.String()
    channel_order_id = fields.String()
    number = fields.String()
    currency = fields.String()
    channel_totals = fields.Nested(ShopTotalsSchema)
    waybill_totals = fields.Nested(ShopTotalsSchema)
    difference = fields.Nested(ShopTotalsSchema)
    total_difference_minor = fields.Integer(allow_none=True)
    differs = fields.Boolean()
    received_at = fields.DateTime()


@blp.route("/channels/orders/<id:order_id>")
class ChannelOrder(MethodView):
    """An order as its shop counted it."""

    @blp.response(200, ChannelOrderSchema)
    def get(self, order_id):
        """The shop's number and totals of an order placed from a channel, and how they differ from ours (staff)."""
        actor = current_actor()
        require_role(actor, *OFFICE)
        ensure_visible(actor, order_for(db.session, order_id))
        found = channel_totals_of(db.session, order_id)
        if found is None:
            raise NotFound("This order did not come from a shop channel.")
        return found
