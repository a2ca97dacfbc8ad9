"""Offline command types of the floor (v1): claim a pick list, record a pick, report a short pick, close a pack."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from ..domain import commands
from ..edge.fields import ID_RANGE
from ..edge.text import Text

UNITS = validate.Range(1, 10_000, error="Enter a whole number of units from 1 to 10000.")


class PickListClaimV1(Schema):
    """A picker asks for a pick list (a request)."""

    pick_list_id = fields.Integer(required=True, strict=True, validate=ID_RANGE)


class PickRecordV1(Schema):
    """A picker took units for a line (a fact, as a delta); `scanned` is the barcode or SKU read, if any."""

    pick_line_id = fields.Integer(required=True, strict=True, validate=ID_RANGE)
    quantity = fields.Integer(required=True, strict=True, validate=UNITS)
    scanned = Text(load_default=None, allow_none=True, validate=validate.Length(0, 64))


class PickShortV1(Schema):
    """A picker found fewer units on the shelf than the line needs (a fact)."""

    pick_line_id = fields.Integer(required=True, strict=True, validate=ID_RANGE)
    missing = fields.Integer(required=True, strict=True, validate=UNITS)


class ParcelV1(Schema):
    box_code = Text(required=True, validate=validate.Length(1, 32))
    weight_grams = fields.Integer(required=True, strict=True, validate=validate.Range(1, 70_000))


class PackCloseV1(Schema):
    """A packer closes an order's parcel(s) (a request, checked against the order version they saw)."""

    order_id = fields.Integer(required=True, strict=True, validate=ID_RANGE)
    parcels = fields.List(fields.Nested(ParcelV1), required=True, validate=validate.Length(1, 20))
    # The version and status of the order the packer saw (also sent in the envelope's base).
    order_version = fields.Integer(load_default=None, allow_none=True, strict=True, validate=ID_RANGE)
    order_status = Text(load_default=None, allow_none=True, validate=validate.Length(0, 20))
    # The warehouse whose part of a split order is packed (none: the packer's own).
    warehouse_id = fields.Integer(load_default=None, allow_none=True, strict=True, validate=ID_RANGE)


PICKING_COMMAND_TYPES = {
    ("pick_list.claim", 1): (PickListClaimV1(), lambda p: commands.ClaimPickList(p["pick_list_id"])),
    ("pick.record", 1): (PickRecordV1(), lambda p: commands.RecordPick(p["pick_line_id"], p["quantity"],
                                                                       p["scanned"] or None)),
    ("pick.short", 1): (PickShortV1(), lambda p: commands.ShortPick(p["pick_line_id"], p["missing"])),
    ("pack.close", 1): (PackCloseV1(), lambda p: commands.ClosePack(
        p["order_id"], tuple((x["box_code"], x["weight_grams"]) for x in p["parcels"]),
        base_version=p["order_version"], base_status=p["order_status"], warehouse_id=p["warehouse_id"])),
}
