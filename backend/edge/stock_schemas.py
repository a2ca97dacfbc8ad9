"""One schema for a stock count, whichever way it comes: the sync replay (`stock.count` v1) and the API.

A count is its own command, not a new version of `stock.adjust`: an adjustment is a delta that holds whatever
the shelf showed (goods received add up in any order), while a count is a delta worked out from the on-hand
the counter saw, and is refused when that on-hand has moved since. So `expected_on_hand` is required here and
`stock.adjust` v1 keeps meaning what it always meant (never change what a command name means).
"""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from ..domain import commands
from ..domain.stock import MovementReason
from .fields import ID_RANGE
from .text import Text


class StockCountV1(Schema):
    """Floor staff counted a shelf: the difference from the on-hand they saw (a fact, as a delta)."""

    warehouse_id = fields.Integer(required=True, strict=True, validate=ID_RANGE)
    product_id = fields.Integer(required=True, strict=True, validate=ID_RANGE)
    on_hand_delta = fields.Integer(required=True, strict=True, validate=validate.Range(-10**6, 10**6),
                                   metadata={"description": "Counted minus expected_on_hand"})
    expected_on_hand = fields.Integer(required=True, strict=True, validate=validate.Range(0, 10**9),
                                      metadata={"description": "The on-hand the counter saw (0 where the warehouse "
                                                               "has no stock level for the product yet); the "
                                                               "count is refused (409 stock.count_stale) if it moved"})
    note = Text(load_default="", validate=validate.Length(0, 500))


def build_count(p: dict) -> commands.AdjustStock:
    """The domain command of a stock.count v1 payload: a count movement checked against the on-hand seen."""
    return commands.AdjustStock(p["warehouse_id"], p["product_id"], MovementReason.COUNT.value,
                                on_hand_delta=p["on_hand_delta"], note=p["note"],
                                expected_on_hand=p["expected_on_hand"])
