"""The parts of a split order as the API shows them (GET /api/v1/orders/<id>: `parts`)."""
from __future__ import annotations

from marshmallow import Schema, fields

from ..domain.fulfilment import PartStatus
from ..edge.text import Text


class PartWarehouseSchema(Schema):
    id = fields.Integer()
    code = Text()
    name = Text()


class PartLineSchema(Schema):
    order_line_id = fields.Integer()
    sku = Text()
    name = Text()
    quantity = fields.Integer(metadata={"description": "Units of the line this part carries"})


class PartTrackingSchema(Schema):
    carrier = Text(metadata={"description": "own_fleet for our own drivers, else the carrier's code"})
    tracking_number = Text()


class OrderPartSchema(Schema):
    shipment_id = fields.Integer(allow_none=True, metadata={"description": "Null until the part ships"})
    warehouse = fields.Nested(PartWarehouseSchema, allow_none=True,
                              metadata={"description": "Where the part is fulfilled from"})
    status = Text(metadata={"enum": [s.value for s in PartStatus],
                            "description": "Where this part is: derived from its picks, parcel and shipment"})
    units = fields.Integer()
    picked = fields.Integer()
    short = fields.Integer(metadata={"description": "Units found missing on this warehouse's shelf"})
    lines = fields.List(fields.Nested(PartLineSchema))
    tracking = fields.Nested(PartTrackingSchema, allow_none=True)
    attempts = fields.Integer(metadata={"description": "Failed delivery attempts of this part's shipment"})
