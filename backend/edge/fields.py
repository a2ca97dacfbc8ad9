"""Ids and the shapes the API and the sync endpoints share: an id in a URL or a body, a stock level."""
from __future__ import annotations

from marshmallow import Schema, fields, validate
from werkzeug.routing import IntegerConverter

MAX_ID = 2**31 - 1  # ids are 32-bit integers in the database; larger values cannot exist
ID_RANGE = validate.Range(1, MAX_ID, error="Not a valid id.")


class IdConverter(IntegerConverter):
    """`<id:name>` in URLs: a positive 32-bit integer, so an absurd id is a 404, not a database error."""

    def __init__(self, url_map):
        super().__init__(url_map, min=1, max=MAX_ID)


class StockLevelSchema(Schema):
    """One product's stock in one warehouse, as the API lists it and a phone's sync snapshot carries it."""

    id = fields.Integer()
    warehouse_id = fields.Integer()
    product_id = fields.Integer()
    on_hand = fields.Integer()
    reserved = fields.Integer()
    available = fields.Integer()
    incoming = fields.Integer()
    version = fields.Integer()
