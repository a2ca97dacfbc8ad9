"""Query-string schemas shared by a page and its API read, so both accept and refuse the same input."""
from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from .fields import ID_RANGE


class SettlementQuery(Schema):
    """Which cash settlements to read: runs dated from/to (inclusive), one driver's only."""

    date_from = fields.Date(data_key="from", load_default=None,
                            error_messages={"invalid": "Enter a date like 2026-12-03."},
                            metadata={"description": "First run date (YYYY-MM-DD)"})
    date_to = fields.Date(data_key="to", load_default=None,
                          error_messages={"invalid": "Enter a date like 2026-12-03."},
                          metadata={"description": "Last run date (YYYY-MM-DD)"})
    driver_id = fields.Integer(load_default=None, validate=ID_RANGE)
    limit = fields.Integer(load_default=200, validate=validate.Range(1, 1000))

    @validates_schema
    def _from_before_to(self, data, **_kwargs):
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise ValidationError("The first date must not be after the last.", "from")
