"""Marshmallow schemas of the API: validation in, representation out (and the OpenAPI document)."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from ..domain.catalogue import Channel
from ..domain.orders import OrderStatus
from ..domain.stock import MovementReason
from ..edge.fields import ID_RANGE
from ..edge.order_schemas import (SKU, AddressSchema, CounterSaleSchema, CustomerCreateSchema,  # noqa: F401
                                  OrderCreateSchema, OrderLineInSchema)
from ..edge.text import Email, Text
from .part_schemas import OrderPartSchema


CURRENCY = validate.Regexp(r"^[A-Z]{3}$", error="Use a three-letter ISO 4217 currency code.")


def _enum(enum_cls):
    return validate.OneOf([e.value for e in enum_cls])


# -- auth ------------------------------------------------------------------------------------
class TokenRequestSchema(Schema):
    email = Email(required=True)
    password = Text(required=True, validate=validate.Length(1, 200), load_only=True)
    name = Text(load_default="", validate=validate.Length(0, 100))


class PasswordChangeSchema(Schema):
    current_password = Text(required=True, validate=validate.Length(1, 200), load_only=True)
    new_password = Text(required=True, validate=validate.Length(10, 200, error="Use at least 10 characters."),
                        load_only=True)


class UserBriefSchema(Schema):
    id = fields.Integer()
    email = Text()
    role = Text()


class TokenSchema(Schema):
    id = fields.Integer()
    name = Text()
    created_at = fields.DateTime()
    last_used_at = fields.DateTime(allow_none=True)
    revoked_at = fields.DateTime(allow_none=True)


class TokenCreatedSchema(TokenSchema):
    token = Text(metadata={"description": "The bearer token; shown only once"})
    user = fields.Nested(UserBriefSchema)


# -- catalogue -------------------------------------------------------------------------------
class ProductFields(Schema):
    name = Text(validate=validate.Length(1, 200))
    brand = Text(validate=validate.Length(0, 100))
    category = Text(validate=validate.Length(0, 100))
    price_minor = fields.Integer(strict=True, validate=validate.Range(0, 10**12),
                                 metadata={"description": "Unit price before tax, minor units"})
    weight_g = fields.Integer(strict=True, validate=validate.Range(0, 10**7))
    length_mm = fields.Integer(strict=True, validate=validate.Range(0, 10**5))
    width_mm = fields.Integer(strict=True, validate=validate.Range(0, 10**5))
    height_mm = fields.Integer(strict=True, validate=validate.Range(0, 10**5))
    barcode = Text(allow_none=True, validate=validate.Length(1, 64))
    active = fields.Boolean()


class ProductCreateSchema(ProductFields):
    sku = SKU
    name = Text(required=True, validate=validate.Length(1, 200))
    price_minor = fields.Integer(required=True, strict=True, validate=validate.Range(0, 10**12))
    currency = Text(required=True, validate=CURRENCY)


class ProductSchema(ProductCreateSchema):
    id = fields.Integer(dump_only=True)
    created_at = fields.DateTime(dump_only=True)


class ProductQuerySchema(Schema):
    q = Text(validate=validate.Length(1, 100), metadata={"description": "SKU or name contains"})
    active = fields.Boolean()


class WarehouseCreateSchema(Schema):
    code = Text(required=True, validate=validate.Regexp(r"^[A-Z0-9-]{1,32}$"))
    name = Text(required=True, validate=validate.Length(1, 200))
    address = fields.Nested(AddressSchema, required=True)
    latitude = fields.Float(required=True, validate=validate.Range(-90, 90))
    longitude = fields.Float(required=True, validate=validate.Range(-180, 180))
    bins = fields.List(Text(validate=validate.Length(1, 32)), load_default=list,
                       validate=validate.Length(max=10000))


class BinSchema(Schema):
    id = fields.Integer()
    code = Text()


class WarehouseSchema(Schema):
    id = fields.Integer()
    code = Text()
    name = Text()
    address = fields.Dict()
    latitude = fields.Float()
    longitude = fields.Float()
    active = fields.Boolean()


class CustomerSchema(CustomerCreateSchema):
    id = fields.Integer()
    created_at = fields.DateTime()
    # Whether the customer gets order e-mails (they turn them off on their account page or by the link in one).
    order_emails = fields.Boolean(dump_only=True)
    order_emails_changed_at = fields.DateTime(dump_only=True, allow_none=True)


# -- stock -----------------------------------------------------------------------------------
class StockQuerySchema(Schema):
    warehouse_id = fields.Integer(validate=ID_RANGE)
    product_id = fields.Integer(validate=ID_RANGE)


class MovementQuerySchema(StockQuerySchema):
    page = fields.Integer(load_default=1, validate=validate.Range(1, 100000))
    page_size = fields.Integer(load_default=50, validate=validate.Range(1, 200))


class MovementSchema(Schema):
    id = fields.Integer()
    warehouse_id = fields.Integer()
    product_id = fields.Integer()
    reason = Text()
    on_hand_delta = fields.Integer()
    reserved_delta = fields.Integer()
    incoming_delta = fields.Integer()
    note = Text()
    order_id = fields.Integer(allow_none=True)
    actor_id = fields.Integer(allow_none=True)
    created_at = fields.DateTime()


class MovementPageSchema(Schema):
    items = fields.List(fields.Nested(MovementSchema))
    page = fields.Integer()
    page_size = fields.Integer()
    total = fields.Integer()


class AdjustmentSchema(Schema):
    warehouse_id = fields.Integer(required=True, strict=True, validate=ID_RANGE)
    product_id = fields.Integer(required=True, strict=True, validate=ID_RANGE)
    reason = Text(required=True, validate=validate.OneOf(
        [MovementReason.RECEIVED.value, MovementReason.ADJUSTMENT.value, MovementReason.COUNT.value,
         MovementReason.EXPECTED.value]))
    on_hand_delta = fields.Integer(load_default=0, strict=True, validate=validate.Range(-10**6, 10**6))
    incoming_delta = fields.Integer(load_default=0, strict=True, validate=validate.Range(-10**6, 10**6))
    note = Text(load_default="", validate=validate.Length(0, 500))


# -- orders ----------------------------------------------------------------------------------
class AllocationSchema(Schema):
    warehouse_id = fields.Integer()
    quantity = fields.Integer()


class OrderLineSchema(Schema):
    id = fields.Integer()
    product_id = fields.Integer()
    sku = Text()
    name = Text()
    quantity = fields.Integer()
    unit_price_minor = fields.Integer()
    net_minor = fields.Integer()
    tax_minor = fields.Integer()
    allocated_quantity = fields.Integer()
    allocations = fields.List(fields.Nested(AllocationSchema))


class OrderSchema(Schema):
    id = fields.Integer()
    number = Text()
    status = Text(metadata={"enum": [s.value for s in OrderStatus]})
    version = fields.Integer()
    customer_id = fields.Integer()
    channel = Text()
    channel_order_id = Text(allow_none=True)
    currency = Text()
    subtotal_minor = fields.Integer()
    shipping_minor = fields.Integer()
    tax_minor = fields.Integer()
    total_minor = fields.Integer()
    payment_method = Text()
    payment_status = Text()
    paid_minor = fields.Integer(allow_none=True, metadata={"description": "What staff recorded as received, "
                                                           "minor units; null until then"})
    shipping_address = fields.Dict()
    billing_address = fields.Dict()
    hold_reasons = fields.List(fields.Dict())
    shortages = fields.List(fields.Dict())
    notes = Text()
    lines = fields.List(fields.Nested(OrderLineSchema))
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    balance_minor = fields.Integer(metadata={
        "description": "What has been paid, net, in minor units: captured - refunded + cash on delivery collected + "
                       "transfers received (payment_status follows it; GET /orders/{order_id}/payments has each "
                       "line). Given when one order is read; not in lists or in the answer to placing an order."})
    parts = fields.List(fields.Nested(OrderPartSchema), metadata={
        "description": "One part per warehouse the order is fulfilled from (two or more: it arrives as several "
                       "parcels), each with its shipment, status and failed attempts. Given when one order is "
                       "read (GET /orders/{order_id}); not in lists or in the answer to placing an order."})


class OrderQuerySchema(Schema):
    status = fields.List(Text(validate=_enum(OrderStatus)), metadata={"description": "Repeatable"})
    customer_id = fields.Integer(validate=ID_RANGE)
    channel = Text(validate=_enum(Channel))
    created_from = fields.AwareDateTime(default_timezone=None)
    created_to = fields.AwareDateTime(default_timezone=None)
    page = fields.Integer(load_default=1, validate=validate.Range(1, 100000))
    page_size = fields.Integer(load_default=25, validate=validate.Range(1, 100))


class OrderPageSchema(Schema):
    items = fields.List(fields.Nested(OrderSchema))
    page = fields.Integer()
    page_size = fields.Integer()
    total = fields.Integer()


class ReasonSchema(Schema):
    reason = Text(load_default="", validate=validate.Length(0, 500))


class NoteSchema(Schema):
    note = Text(load_default="", validate=validate.Length(0, 500))


class PaymentReceivedSchema(Schema):
    reference = Text(load_default="", validate=validate.Length(0, 100))


class AuditEventSchema(Schema):
    id = fields.Integer()
    action = Text()
    from_status = Text(allow_none=True)
    to_status = Text(allow_none=True)
    actor_id = fields.Integer(allow_none=True)
    data = fields.Dict()
    created_at = fields.DateTime()


class TimelineStepSchema(Schema):
    step = Text(metadata={"description": "The status this step stands for (placed, accepted, ..., delivered)"})
    label = Text(metadata={"description": "The step in a customer's words"})
    at = fields.DateTime(allow_none=True, metadata={"description": "When it was reached (UTC); null if not yet"})
    done = fields.Boolean()
