"""Offline command types of the driver: delivery.confirm v1, delivery.fail v1, run.settle v1.

The same schemas check the online forms (backend/web/driver.py), so a drop-off confirmed with or
without a signal is held to the same limits.
"""
from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from ..domain import commands
from ..domain.delivery import FAIL_REASONS, IMAGE_TYPES
from ..edge.fields import ID_RANGE
from ..edge.text import Text

MAX_PHOTOS = 6
MAX_CASH_MINOR = 10**9


class BlobRefV1(Schema):
    """An image the command refers to; its bytes follow via PUT /api/v1/sync/blobs/<id>."""

    id = fields.UUID(required=True)
    sha256 = Text(required=True, validate=validate.Regexp(r"^[0-9a-f]{64}$", error="Use 64 lower-case hex digits."))
    size = fields.Integer(required=True, strict=True, validate=validate.Range(1, 50 * 1024 * 1024))
    type = Text(required=True, validate=validate.OneOf(IMAGE_TYPES))
    role = Text(required=True, validate=validate.OneOf(["photo", "signature"]))


def _ref(data: dict) -> commands.BlobRef:
    return commands.BlobRef(str(data["id"]), data["sha256"], data["size"], data["type"], data["role"])


class DeliveryConfirmV1(Schema):
    """A hand-over (a fact): who took it, photos and signature, cash taken, where and when."""

    stop_id = fields.Integer(required=True, strict=True, validate=ID_RANGE)
    recipient_name = Text(required=True, validate=validate.Length(1, 200))
    cod_collected_minor = fields.Integer(load_default=0, strict=True, validate=validate.Range(0, MAX_CASH_MINOR))
    latitude = fields.Float(load_default=None, allow_none=True, validate=validate.Range(-90, 90))
    longitude = fields.Float(load_default=None, allow_none=True, validate=validate.Range(-180, 180))
    occurred_at = fields.AwareDateTime(load_default=None, allow_none=True)
    blob_refs = fields.List(fields.Nested(BlobRefV1), required=True, validate=validate.Length(1, MAX_PHOTOS + 1))

    @validates_schema
    def _evidence(self, data, **kwargs):
        if not data.get("recipient_name", "x").strip():
            raise ValidationError("Enter the name of the person who took the parcel.", "recipient_name")


class DeliveryFailV1(Schema):
    """A drop-off that did not happen (a fact), with a reason from the fixed list and a photo."""

    stop_id = fields.Integer(required=True, strict=True, validate=ID_RANGE)
    reason = Text(required=True, validate=validate.OneOf(list(FAIL_REASONS)))
    note = Text(load_default="", validate=validate.Length(0, 500))
    photo = fields.Nested(BlobRefV1, load_default=None, allow_none=True)
    occurred_at = fields.AwareDateTime(load_default=None, allow_none=True)


class RunSettleV1(Schema):
    """The driver's count of the run's cash (a request: refused if the run is still open)."""

    run_id = fields.Integer(required=True, strict=True, validate=ID_RANGE)
    counted_minor = fields.Integer(required=True, strict=True, validate=validate.Range(0, MAX_CASH_MINOR))
    note = Text(load_default="", validate=validate.Length(0, 500))


def build_confirm(p: dict) -> commands.ConfirmDelivery:
    """The domain command of a delivery.confirm v1 payload."""
    return commands.ConfirmDelivery(p["stop_id"], p["recipient_name"], tuple(_ref(r) for r in p["blob_refs"]),
                                    p["cod_collected_minor"], p["latitude"], p["longitude"], p["occurred_at"])


def build_fail(p: dict) -> commands.RecordFailedAttempt:
    """The domain command of a delivery.fail v1 payload."""
    return commands.RecordFailedAttempt(p["stop_id"], p["reason"], p["note"],
                                        _ref(p["photo"]) if p["photo"] else None, p["occurred_at"])


def build_settle(p: dict) -> commands.SettleRunCash:
    """The domain command of a run.settle v1 payload."""
    return commands.SettleRunCash(p["run_id"], p["counted_minor"], p["note"])

