"""One schema per order intake command, whichever way it comes: the API's JSON body or the office's page form.

PlaceOrder (phone orders and the API) and SellAtCounter (the point of sale). A page maps its form's fields onto
these and may word a message its own way (command_schemas.worded), but the rules are only here.
"""
from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from ..domain import commands
from ..domain.catalogue import Channel
from ..domain.counter import Tender
from ..domain.payments import AddressCheck, PaymentMethod
from .compiled_load import CompiledLoadSchema
from .fields import ID_RANGE
from .idempotency import request_fingerprint
from .text import Email, Text

SKU = Text(required=True, validate=validate.Regexp(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$",
                                                   error="Use 1-64 letters, digits, '.', '_' or '-'."))
COUNTRY = validate.Regexp(r"^[A-Za-z]{2}$", error="Use a two-letter ISO 3166 country code.")
MAX_CASH_MINOR = 10**9
# Cash changes hands at the counter only: an order that is sent is never paid in cash up front.
ORDER_PAYMENT_METHODS = [m.value for m in PaymentMethod if m != PaymentMethod.CASH]


def _enum(enum_cls):
    return validate.OneOf([e.value for e in enum_cls])


class AddressSchema(Schema):
    """A postal address; coordinates are optional and improve warehouse choice."""

    name = Text(required=True, validate=validate.Length(1, 200))
    line1 = Text(required=True, validate=validate.Length(1, 200))
    line2 = Text(load_default="", validate=validate.Length(0, 200))
    city = Text(required=True, validate=validate.Length(1, 100))
    postcode = Text(required=True, validate=validate.Length(1, 20))
    country = Text(required=True, validate=COUNTRY)
    phone = Text(load_default="", validate=validate.Length(0, 40))
    latitude = fields.Float(load_default=None, allow_none=True, validate=validate.Range(-90, 90))
    longitude = fields.Float(load_default=None, allow_none=True, validate=validate.Range(-180, 180))


class CustomerCreateSchema(Schema):
    email = Email(required=True)
    name = Text(required=True, validate=validate.Length(1, 200))
    phone = Text(load_default="", validate=validate.Length(0, 40))
    addresses = fields.List(fields.Nested(AddressSchema), load_default=list, validate=validate.Length(max=20))


class OrderLineInSchema(Schema):
    sku = SKU
    quantity = fields.Integer(required=True, strict=True, validate=validate.Range(1, 10000))


def _one_line_per_sku(data: dict) -> None:
    skus = [line["sku"] for line in data.get("lines", [])]
    if len(skus) != len(set(skus)):
        raise ValidationError("Each SKU may appear once; add up the quantities.", "lines")


class OrderCreateSchema(CompiledLoadSchema):  # every order intake loads it: compiled (compiled_load.py)
    customer_id = fields.Integer(strict=True, validate=ID_RANGE,
                                 metadata={"description": "Required for staff; customers order for themselves"})
    channel = Text(load_default=None, validate=_enum(Channel), metadata={
        "description": "Office only (default api); customers' orders are always web_shop"})
    channel_order_id = Text(load_default=None, allow_none=True, validate=validate.Length(1, 100), metadata={
        "description": "Office only: the channel's own order number; a second order with it returns the first"})
    lines = fields.List(fields.Nested(OrderLineInSchema), required=True, validate=validate.Length(1, 200))
    shipping_address = fields.Nested(AddressSchema, required=True)
    billing_address = fields.Nested(AddressSchema, load_default=None, allow_none=True)
    payment_method = Text(required=True, validate=validate.OneOf(ORDER_PAYMENT_METHODS))
    card_fingerprint = Text(load_default=None, allow_none=True, validate=validate.Length(1, 64), metadata={
        "description": "Office only: reported by the payment provider"})
    address_check = Text(load_default=None, validate=_enum(AddressCheck), metadata={
        "description": "Office only: the payment provider's address check (default not_checked)"})
    notes = Text(load_default="", validate=validate.Length(0, 2000))
    payment_token = Text(load_default=None, allow_none=True, validate=validate.Length(1, 200), metadata={
        "description": "Card or PayPal: the payment provider's one-use token from checkout; the order is "
                       "authorized with the provider at once (a decline is a 402 and no order is made)"})

    @validates_schema
    def _one_line_per_sku(self, data, **kwargs):
        _one_line_per_sku(data)


class CounterSaleSchema(CompiledLoadSchema):
    """A sale at the counter: what leaves the store's shelf and how it was paid."""

    lines = fields.List(fields.Nested(OrderLineInSchema), required=True, validate=validate.Length(1, 200))
    tender = Text(required=True, validate=_enum(Tender),
                  metadata={"description": "card (the card terminal) or cash"})
    terminal_reference = Text(load_default="", validate=validate.Length(0, 64), metadata={
        "description": "Card: the reference the card terminal printed (required for card)"})
    tendered_minor = fields.Integer(load_default=None, allow_none=True, strict=True,
                                    validate=validate.Range(0, MAX_CASH_MINOR), metadata={
                                        "description": "Cash: what the customer handed over, minor units "
                                                       "(required for cash; must cover the total)"})
    customer_id = fields.Integer(load_default=None, allow_none=True, strict=True, validate=ID_RANGE,
                                 metadata={"description": "A known customer; left out: the walk-in customer"})
    notes = Text(load_default="", validate=validate.Length(0, 2000))

    @validates_schema
    def _tender_facts(self, data, **kwargs):
        _one_line_per_sku(data)
        if data.get("tender") == Tender.CARD.value and not data.get("terminal_reference", "").strip():
            raise ValidationError("Enter the reference the card terminal printed.", "terminal_reference")
        if data.get("tender") == Tender.CASH.value and data.get("tendered_minor") is None:
            raise ValidationError("Enter the cash the customer handed over.", "tendered_minor")


def build_place_order(data: dict, key: str | None) -> commands.PlaceOrder:
    """The PlaceOrder of a loaded OrderCreateSchema body (the API's and the phone order form's), keyed so a
    retry with the same Idempotency-Key places one order."""
    billing = data.get("billing_address")
    return commands.PlaceOrder(
        customer_id=data.get("customer_id"), channel=data["channel"],
        lines=tuple((line["sku"], line["quantity"]) for line in data["lines"]),
        shipping_address=dict(data["shipping_address"]), billing_address=dict(billing) if billing else None,
        payment_method=data["payment_method"], channel_order_id=data["channel_order_id"],
        card_fingerprint=data["card_fingerprint"], address_check=data["address_check"], notes=data["notes"],
        idempotency_key=key, request_fingerprint=request_fingerprint(data, key),
        payment_token=data.get("payment_token"))


def build_sale(data: dict, key: str | None) -> commands.SellAtCounter:
    """The SellAtCounter of a loaded CounterSaleSchema body (the API's and the counter page's)."""
    return commands.SellAtCounter(
        lines=tuple((line["sku"], line["quantity"]) for line in data["lines"]), tender=data["tender"],
        terminal_reference=data["terminal_reference"], tendered_minor=data["tendered_minor"],
        customer_id=data["customer_id"], notes=data["notes"], idempotency_key=key,
        request_fingerprint=request_fingerprint(data, key))
