"""Channels out over the API: a channel's outbound settings (fields of PUT /channels/<slug>), the products each
shop lists (its ids, a buffer of their own), and the pushes to the shops with a "send again now"."""
from __future__ import annotations

from flask.views import MethodView
from marshmallow import Schema, fields, validate

from ..bootstrap import bus
from ..domain import commands
from ..domain.access import OFFICE, require_role
from ..domain.channels_out import FAILED, PENDING, SENT
from ..domain.errors import NotFound
from ..edge.authentication import authenticate
from ..edge.blueprint import Blueprint
from ..edge.channel_schemas import BUFFER, ChannelListingInSchema
from ..edge.errors import current_actor
from ..edge.text import Text
from ..extensions import db
from ..queries.channels_out import channel_exists, list_listings, list_pushes

PUSHING = ("After each change in stock, every channel that lists the product is sent its available quantity "
           "(on hand - reserved, over every active warehouse, less the product's buffer on the channel or else "
           "the channel's); after a parcel of a shop's order is booked, the shop gets a fulfilment with carrier "
           "and tracking number. Pushes leave from the outbox, are retried with backoff (no answer, 408, 429, 5xx) "
           "and otherwise fail with the shop's reason kept.")
blp = Blueprint("channel_listings", __name__, url_prefix="/api/v1/channels",
                description="Channels out: the products each shop lists, and stock and parcels pushed to it. "
                + PUSHING)
blp.before_request(authenticate)


class ChannelOutboundSchema(Schema):
    """Where a channel's shop API is and what it is sent (its token is read from the environment, never here)."""

    api_url = fields.String(metadata={"description": "The shop's base address; empty: nothing is pushed"})
    stock_buffer = fields.Integer(metadata={"description": "Units kept back from the shop, unless a listing says"})
    location_id = fields.String(allow_none=True, metadata={"description": "Shopify: the location whose stock is set"})
    push_stock = fields.Boolean()
    push_fulfilment = fields.Boolean()
    token_variable = fields.String(metadata={"description": "The environment variable holding the shop's API token"})


class ChannelOutboundSettingsSchema(Schema):
    """Outbound settings of PUT /channels/<slug>; each one left out keeps what the channel has."""

    api_url = Text(load_default=None, validate=validate.Length(0, 500),
                   metadata={"description": "The shop's base address (https://shop.example); empty stops pushes"})
    stock_buffer = fields.Integer(load_default=None, validate=BUFFER)
    location_id = Text(load_default=None, validate=validate.Length(0, 20),
                       metadata={"description": "Shopify location id (digits); empty clears it"})
    push_stock = fields.Boolean(load_default=None)
    push_fulfilment = fields.Boolean(load_default=None)


def outbound_settings(data: dict) -> dict:
    """The ConfigureChannel fields a PUT /channels/<slug> body gives for channels out."""
    return {name: data[name] for name in ChannelOutboundSettingsSchema().fields}


class ChannelListingSchema(Schema):
    """One of our products as a shop lists it."""

    sku = fields.String()
    product_name = fields.String()
    item_id = fields.String(metadata={"description": "Shopify inventory item id, or WooCommerce product/variation id"})
    parent_id = fields.String(allow_none=True, metadata={"description": "WooCommerce: the variation's parent"})
    buffer = fields.Integer(allow_none=True, metadata={"description": "Its own buffer; null: the channel's"})
    buffer_applied = fields.Integer()
    updated_at = fields.DateTime()


class ChannelPushSchema(Schema):
    """A push to a shop: a stock level (per listing, the newest quantity) or a parcel's fulfilment."""

    id = fields.Integer()
    channel = fields.String()
    kind = fields.String(metadata={"description": "stock or fulfilment"})
    sku = fields.String(allow_none=True)
    order_id = fields.Integer(allow_none=True)
    order_number = fields.String(allow_none=True)
    quantity = fields.Integer(allow_none=True)
    status = fields.String(metadata={"description": "pending, sent or failed"})
    attempts = fields.Integer()
    last_status_code = fields.Integer(allow_none=True)
    last_error = fields.String()
    next_attempt_at = fields.DateTime(allow_none=True)
    sent_at = fields.DateTime(allow_none=True)
    updated_at = fields.DateTime()


class ChannelPushQuerySchema(Schema):
    """Which pushes to list."""

    status = fields.String(load_default=None, validate=validate.OneOf([PENDING, SENT, FAILED]))
    limit = fields.Integer(load_default=50, validate=validate.Range(1, 500))


def _office_channel(slug: str) -> None:
    require_role(current_actor(), *OFFICE)
    if not channel_exists(db.session, slug):
        raise NotFound("No such channel.")


@blp.route("/<string(maxlength=40):slug>/listings")
class Listings(MethodView):
    """The products a channel lists."""

    @blp.response(200, ChannelListingSchema(many=True))
    def get(self, slug):
        """Every listing of the channel by SKU, with the buffer that applies (owner, managers)."""
        _office_channel(slug)
        return list_listings(db.session, slug)


@blp.route("/<string(maxlength=40):slug>/listings/<string(maxlength=64):sku>")
class Listing(MethodView):
    """One product on one channel."""

    @blp.arguments(ChannelListingInSchema())
    @blp.response(200, ChannelListingSchema)
    def put(self, data, slug, sku):
        """List a product on the shop under its ids (owner, managers); its quantity is sent at once."""
        require_role(current_actor(), *OFFICE)
        bus().handle(commands.SetChannelListing(slug, sku, data["item_id"], data["parent_id"], data["buffer"]),
                     current_actor())
        return list_listings(db.session, slug, sku=sku)[0]

    @blp.response(204)
    def delete(self, slug, sku):
        """Stop telling the shop about this product (owner, managers)."""
        require_role(current_actor(), *OFFICE)
        bus().handle(commands.RemoveChannelListing(slug, sku), current_actor())


@blp.route("/<string(maxlength=40):slug>/pushes")
class Pushes(MethodView):
    """What the channel's shop was sent, or is owed."""

    @blp.arguments(ChannelPushQuerySchema(), location="query")
    @blp.response(200, ChannelPushSchema(many=True))
    def get(self, query, slug):
        """Recent pushes, the latest change first (owner, managers)."""
        _office_channel(slug)
        statuses = (query["status"],) if query["status"] else None
        return list_pushes(db.session, slug=slug, statuses=statuses, limit=query["limit"])


@blp.route("/<string(maxlength=40):slug>/pushes/<id:push_id>/retry")
class RetryPush(MethodView):
    """Send one push again now."""

    @blp.response(200, ChannelPushSchema)
    @blp.alt_response(409, description="It reached its shop already")
    def post(self, slug, push_id):
        """Send a failed or waiting push again now, attempts counted afresh (owner, managers)."""
        _office_channel(slug)
        if not list_pushes(db.session, slug=slug, push_id=push_id):
            raise NotFound("No such push on this channel.")
        bus().handle(commands.RetryChannelPush(push_id), current_actor())
        return list_pushes(db.session, push_id=push_id)[0]
