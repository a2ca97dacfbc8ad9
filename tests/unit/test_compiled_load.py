"""The compiled load of a schema gives what marshmallow's own load gives: the same data, or the same errors."""
from __future__ import annotations

import copy
import json
import math

import pytest
from marshmallow import Schema, ValidationError, fields, validate, validates, validates_schema

from backend.edge.compiled_load import CompiledLoadSchema, compile_schema
from backend.edge.order_schemas import AddressSchema, CounterSaleSchema, OrderCreateSchema
from backend.edge.text import Text

ADDRESS = {"name": "Casey", "line1": "12 Elm Street", "city": "Leeds", "postcode": "LS1 4AP", "country": "GB",
           "latitude": 53.8, "longitude": -1.55}
ORDER = {"customer_id": 7, "channel": "api", "lines": [{"sku": "MUG", "quantity": 2}, {"sku": "LAMP-1", "quantity": 1}],
         "shipping_address": ADDRESS, "payment_method": "card"}
SALE = {"lines": [{"sku": "MUG", "quantity": 1}], "tender": "cash", "tendered_minor": 2000}
# Values of every JSON type and a few edges, put in place of each field in turn.
ODD_VALUES = [None, True, False, 0, -1, 10**400, 1.5, 1e308 * 10, math.nan, "", "x" * 300, "GB", "12", "a\x00b",
              "\ud83d", [], [1], {}, {"sku": "MUG"}]


def _marshmallow(schema, data):
    """marshmallow's own load of `data` (what the compiled load must agree with): ('ok', data) or ('errors', ...)."""
    try:
        return "ok", Schema.load(schema, copy.deepcopy(data))
    except ValidationError as error:
        return "errors", error.messages


def _compiled(schema, data):
    try:
        return "ok", schema.load(copy.deepcopy(data))
    except ValidationError as error:
        return "errors", error.messages


def _variants(body: dict):
    """The body with each field (nested ones too) removed, and replaced by each odd value; plus extra keys."""
    yield body
    yield {**body, "unknown_field": 1}
    for key, value in body.items():
        yield {k: v for k, v in body.items() if k != key}
        for odd in ODD_VALUES:
            yield {**body, key: odd}
        if isinstance(value, dict):
            for inner in _variants(value):
                yield {**body, key: inner}
        if isinstance(value, list) and value and isinstance(value[0], dict):
            for inner in _variants(value[0]):
                yield {**body, key: [inner, *value[1:]]}
            yield {**body, key: value + value}  # the same SKU twice (a schema validator refuses it)
            yield {**body, key: [value[0]] * 201}


@pytest.mark.parametrize("schema, body", [(OrderCreateSchema(), ORDER), (CounterSaleSchema(), SALE),
                                          (OrderCreateSchema(), {**ORDER, "billing_address": ADDRESS, "notes": "x",
                                                                 "channel_order_id": "A-1", "card_fingerprint": "f"})])
def test_every_variant_of_a_body_loads_as_marshmallow_loads_it(schema, body):
    variants = list(_variants(body))
    assert len(variants) > 100  # every field, nested ones too, each way it can be wrong
    for data in variants:
        assert _compiled(schema, data) == _marshmallow(schema, data), json.dumps(data, default=str)[:300]


def test_a_valid_order_is_loaded_by_the_compiled_loader_not_handed_to_marshmallow():
    loader = compile_schema(OrderCreateSchema())
    assert loader is not None
    loaded = loader(copy.deepcopy(ORDER))  # raises on any doubt: here it decided alone
    assert loaded == Schema.load(OrderCreateSchema(), copy.deepcopy(ORDER))
    assert loaded["shipping_address"]["line2"] == "" and loaded["billing_address"] is None


class _Hooked(CompiledLoadSchema):
    amount = fields.Integer(required=True, validate=validate.Range(0, 100))
    label = Text(load_default="none", validate=validate.Length(1, 10))
    ratio = fields.Float(load_default=None, allow_none=True)
    tags = fields.List(fields.String(validate=validate.Length(max=3)), load_default=list)
    address = fields.Nested(AddressSchema, load_default=None, allow_none=True)

    @validates("label")
    def _not_bad(self, value, **kwargs):
        if value == "bad":
            raise ValidationError("No bad labels.")

    @validates_schema
    def _even_with_tags(self, data, **kwargs):
        if data.get("tags") and data["amount"] % 2:
            raise ValidationError("Tagged amounts are even.", "amount")


@pytest.mark.parametrize("data", [{"amount": 4}, {"amount": 3, "tags": ["a"]}, {"amount": 4, "tags": ["a", "bb"]},
                                  {"amount": 4, "label": "bad"}, {"amount": 4, "tags": ["long"]},
                                  {"amount": 4, "tags": [None]}, {"amount": 4, "ratio": 2},
                                  {"amount": 4, "address": ADDRESS}, {"amount": 4, "address": {**ADDRESS, "x": 1}},
                                  {"amount": 101}, {"amount": 4, "tags": "abc"}, [], "text"])
def test_field_validators_schema_validators_lists_and_defaults_agree(data):
    schema = _Hooked()
    assert compile_schema(schema) is not None
    assert _compiled(schema, data) == _marshmallow(schema, data)


def test_a_schema_with_a_field_kind_it_was_not_taught_is_left_to_marshmallow():
    class WithDate(CompiledLoadSchema):
        when = fields.DateTime(required=True)

    assert compile_schema(WithDate()) is None
    assert WithDate().load({"when": "2026-12-03T10:00:00+00:00"})["when"].year == 2026
