"""Offline command type of dispatch: run.reorder v1 (the driver's own stop order, a request).

The same schema checks the online reorder form (backend/web/dispatch.py).
"""
from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from ..domain import commands
from ..edge.fields import ID_RANGE


class RunReorderV1(Schema):
    """Visit the run's stops in this order; `base_version` is the run version the driver saw."""

    run_id = fields.Integer(required=True, strict=True, validate=ID_RANGE)
    stop_ids = fields.List(fields.Integer(strict=True, validate=ID_RANGE), required=True,
                           validate=validate.Length(1, 1000))
    base_version = fields.Integer(required=True, strict=True, validate=ID_RANGE)

    @validates_schema
    def _each_stop_once(self, data, **_kwargs):
        stop_ids = data.get("stop_ids") or []
        if len(set(stop_ids)) != len(stop_ids):
            raise ValidationError("List each stop once.", "stop_ids")


def build_reorder(p: dict) -> commands.ReorderRun:
    return commands.ReorderRun(p["run_id"], tuple(p["stop_ids"]), p["base_version"])
