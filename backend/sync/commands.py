"""The offline command types a phone may send: name + version -> payload schema -> domain command.

Never change what a name and version mean once phones have them queued: add a new version instead.
"""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from ..domain import commands
from ..domain.stock import MovementReason
from ..edge.fields import ID_RANGE
from ..edge.text import Text
from .picking_commands import PICKING_COMMAND_TYPES
from ..edge.stock_schemas import StockCountV1, build_count
from ..edge.command_schemas import (DeliveryConfirmV1, DeliveryFailV1, RunReorderV1, RunSettleV1, build_confirm,
                                    build_fail, build_reorder, build_settle)


class StockAdjustV1(Schema):
    """Floor staff record a correction or a delivery on the shelf (a fact, as a delta).

    Phones with older code also sent their counts as this, with `expected_on_hand`; they are still accepted as
    before. Newer phones send a count as `stock.count` v1 (backend/edge/stock_schemas.py)."""

    warehouse_id = fields.Integer(required=True, strict=True, validate=ID_RANGE)
    product_id = fields.Integer(required=True, strict=True, validate=ID_RANGE)
    reason = Text(required=True, validate=validate.OneOf([MovementReason.RECEIVED.value,
                                                          MovementReason.ADJUSTMENT.value, MovementReason.COUNT.value]))
    on_hand_delta = fields.Integer(required=True, strict=True, validate=validate.Range(-10**6, 10**6))
    note = Text(load_default="", validate=validate.Length(0, 500))
    # Optional, so payloads queued before it existed keep their meaning: a count's on-hand the phone showed.
    expected_on_hand = fields.Integer(load_default=None, strict=True, validate=validate.Range(0, 10**9))


# (type, version) -> (payload schema, builder of the domain command)
COMMAND_TYPES = {
    ("stock.adjust", 1): (StockAdjustV1(), lambda p: commands.AdjustStock(
        p["warehouse_id"], p["product_id"], p["reason"], on_hand_delta=p["on_hand_delta"], note=p["note"],
        expected_on_hand=p["expected_on_hand"])),
    ("stock.count", 1): (StockCountV1(), build_count),
    # the driver (one schema per command, shared with the pages and the API: backend/edge/command_schemas.py)
    ("delivery.confirm", 1): (DeliveryConfirmV1(), build_confirm),
    ("delivery.fail", 1): (DeliveryFailV1(), build_fail),
    ("run.settle", 1): (RunSettleV1(), build_settle),
    # the floor: picking and packing (backend/sync/picking_commands.py)
    **PICKING_COMMAND_TYPES,
    # dispatch: the driver's own stop order (backend/edge/command_schemas.py)
    ("run.reorder", 1): (RunReorderV1(), build_reorder),
}
