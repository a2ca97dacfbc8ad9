"""A schema's load run by a loader compiled from the schema's own fields, for input that is plainly valid.

marshmallow checks a field through several calls (missing, null, type, each validator) and fills an error
store on the way, about as much work per field as the rest of order intake spends on a SQL statement; an
order body has some thirty fields. `CompiledLoadSchema.load` runs a loader built once per schema from the
same definitions (each field's type, required, load_default, allow_none and validators, then the schema's
own @validates and @validates_schema methods) that makes the same checks with none of the bookkeeping.

It decides only what it fully understands. At the first doubt (a value of another type, a validator that
refuses, a key the schema does not know, a field kind it was not taught, a pre_load or post_load step) it
stops, and marshmallow's own load runs on the untouched input, so every refusal and every message is
marshmallow's. The rules stay in one place, the schema; tests/unit/test_compiled_load.py checks that both
loads give the same result or the same errors on valid and invalid bodies.
"""
from __future__ import annotations

import math
from typing import Any, Callable

from marshmallow import RAISE, Schema, ValidationError, fields, missing
from marshmallow.decorators import POST_LOAD, PRE_LOAD, VALIDATES, VALIDATES_SCHEMA
from marshmallow.error_store import ErrorStore

from .text import Text, text_problem


class _Doubt(Exception):
    """The compiled loader met something it does not decide: marshmallow's load decides instead."""


_DOUBT = _Doubt()
_UNCOMPILED = object()
# What the loader may meet that means "let marshmallow say it": a refused value, or one of a surprising type.
_HAND_OVER = (_Doubt, ValidationError, TypeError, ValueError, OverflowError)


class CompiledLoadSchema(Schema):
    """A Schema whose plain `load(data)` is served by its compiled loader when the input is valid."""

    def load(self, data, *, many=None, partial=None, unknown=None):
        if many is None and partial is None and unknown in (None, self.unknown):
            loader = self.__dict__.get("_compiled_loader", _UNCOMPILED)
            if loader is _UNCOMPILED:
                loader = self._compiled_loader = compile_schema(self)
            if loader is not None:
                try:
                    return loader(data)
                except _HAND_OVER:
                    pass
        return super().load(data, many=many, partial=partial, unknown=unknown)


def compile_schema(schema: Schema) -> Callable[[Any], dict] | None:
    """The loader of `schema` (raises on any doubt), or None when the schema uses something it does not know."""
    if schema.many or schema.partial or schema.unknown != RAISE:
        return None
    hooks = schema._hooks  # marshmallow's resolved decorators, by kind
    if hooks[PRE_LOAD] or hooks[POST_LOAD]:
        return None
    plan = []
    for name, field in schema.load_fields.items():
        attribute = field.attribute or name
        present = _present_value_loader(field)
        if present is None or "." in attribute:
            return None
        plan.append((field.data_key if field.data_key is not None else name, attribute, field.required,
                     field.load_default, present))
    known = frozenset(key for key, *_ in plan)
    validated_by_methods = bool(hooks[VALIDATES] or hooks[VALIDATES_SCHEMA])

    def load(data):
        if type(data) is not dict or not known.issuperset(data):  # unknown keys are refused (RAISE)
            raise _DOUBT
        result = {}
        for key, attribute, required, default, present in plan:
            value = data.get(key, missing)
            if value is missing:
                if required:
                    raise _DOUBT
                if default is not missing:
                    result[attribute] = default() if callable(default) else default
            else:
                result[attribute] = present(value)
        if validated_by_methods:
            _run_validation_methods(schema, result, data)
        return result
    return load


def _present_value_loader(field: fields.Field) -> Callable[[Any], Any] | None:
    """What Field.deserialize does with a value that is there: null, type, validators; None if not taught."""
    convert = _converter(field)
    if convert is None:
        return None
    allow_none, validators = field.allow_none, tuple(field.validators)

    def present(value):
        if value is None:
            if allow_none:
                return None
            raise _DOUBT
        value = convert(value)
        for validator in validators:
            if validator(value) is False:  # a plain function may answer False; Validator objects raise
                raise _DOUBT
        return value
    return present


def _converter(field: fields.Field) -> Callable[[Any], Any] | None:
    """The field's own _deserialize for the value types JSON gives, or None for a kind not taught here."""
    kind = type(field)
    if kind is Text:
        return _text
    if kind is fields.String:
        return _string
    if kind is fields.Integer and not field.as_string:
        return _integer
    if kind is fields.Float and not field.as_string:
        return _float
    if kind is fields.Nested and not (field.many or field.only or field.exclude) and field.unknown in (None, RAISE):
        return compile_schema(field.schema)
    if kind is fields.List:
        return _list_converter(field.inner)
    return None


def _list_converter(inner: fields.Field) -> Callable[[list], list] | None:
    if type(inner) is fields.Nested:
        # marshmallow loads a list of Nested as the nested schema with many=True (no null items, no per-item
        # defaults), then runs the inner field's validators on the list: none are taught here.
        item = None if inner.validators else _converter(inner)
    else:
        item = _present_value_loader(inner)
    if item is None:
        return None

    def items(value):
        if type(value) is not list:  # marshmallow takes other collections too: it decides those
            raise _DOUBT
        return [item(each) for each in value]
    return items


def _string(value):
    if type(value) is not str:
        raise _DOUBT
    return value


def _text(value):
    if type(value) is not str or text_problem(value) is not None:
        raise _DOUBT
    return value


def _integer(value):
    if type(value) is not int:  # bool is refused by marshmallow; strings and integral floats it converts itself
        raise _DOUBT
    return value


def _float(value):
    if type(value) is float:
        number = value
    elif type(value) is int:
        number = float(value)  # OverflowError for a huge int: handed over
    else:
        raise _DOUBT
    if not math.isfinite(number):
        raise _DOUBT
    return number


def _run_validation_methods(schema: Schema, result: dict, data: dict) -> None:
    """The schema's @validates and @validates_schema methods, as marshmallow's _do_load runs them."""
    errors = ErrorStore()
    schema._invoke_field_validators(error_store=errors, data=result, many=False)
    for pass_collection in (True, False):
        schema._invoke_schema_validators(error_store=errors, pass_collection=pass_collection, data=result,
                                         original_data=data, many=False, partial=schema.partial,
                                         unknown=schema.unknown, field_errors=False)
    if errors.errors:
        raise _DOUBT
