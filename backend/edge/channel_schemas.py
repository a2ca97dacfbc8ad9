"""The body of "list a product on a shop", shared by the API (PUT /channels/<slug>/listings/<sku>) and the office's
Shop channels page: one validation whatever the entry point."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from ..domain.channels_out import MAX_BUFFER

SHOP_ID = validate.Regexp(r"^[0-9]{1,20}$", error="Use the shop's numeric id.")
BUFFER = validate.Range(0, MAX_BUFFER, error=f"Use a whole number from 0 to {MAX_BUFFER}.")


class ChannelListingInSchema(Schema):
    """The shop's ids for a product, and (optionally) how many units to keep back from that shop."""

    item_id = fields.String(required=True, validate=SHOP_ID)
    parent_id = fields.String(load_default=None, validate=SHOP_ID)
    buffer = fields.Integer(load_default=None, validate=BUFFER)
