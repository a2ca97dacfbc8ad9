"""One schema per command a driver sends, whichever way it comes: the page's form, the API or the sync replay.

delivery.confirm v1, delivery.fail v1, run.settle v1 and run.reorder v1. A page may word an error its own way
(`worded`) and map its form's field names onto these, but the rules (limits, required fields, choices) are
only here, so a drop-off confirmed with or without a signal is held to the same limits. Never change what a
schema of a queued command type accepts once phones hold it: add a new version instead.
"""
from __future__ import annotations

import copy

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from ..domain import commands
from ..domain.delivery import FAIL_REASONS, IMAGE_TYPES
from ..domain.failed_delivery import DECISIONS as FAILED_DELIVERY_DECISIONS
from .fields import ID_RANGE
from .text import Text

MAX_PHOTOS = 6
MAX_CASH_MINOR = 10**9


def worded(schema: Schema, wording: dict[str, dict[str, str]]) -> Schema:
    """`schema` with a page's own messages: field -> {"required": ..., "choice": ...}; its rules stay as they are.

    Each schema instance holds its own shallow copy of each field: the field's messages and validators are
    replaced here, never changed in place, so one page's wording never reaches the API's or the replay's.
    """
    for name, messages in wording.items():
        field = schema.fields[name]
        for key, message in messages.items():
            if key == "choice":
                field.validators = [_reworded(v, message) if isinstance(v, validate.OneOf) else v
                                    for v in field.validators]
            else:
                field.error_messages = {**field.error_messages, key: message}
    return schema


def _reworded(validator: validate.OneOf, message: str) -> validate.OneOf:
    reworded = copy.copy(validator)
    reworded.error = message
    return reworded


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


class RunReorderV1(Schema):
    """Visit the run's stops in this order; `base_version` is the run version the driver saw.

    The API takes the run from its URL and lets a caller leave `base_version` out (no staleness check then):
    it loads this schema without `run_id` and with `base_version` partial.
    """

    run_id = fields.Integer(required=True, strict=True, validate=ID_RANGE)
    stop_ids = fields.List(fields.Integer(strict=True, validate=ID_RANGE), required=True,
                           validate=validate.Length(1, 1000))
    base_version = fields.Integer(required=True, strict=True, validate=ID_RANGE,
                                  metadata={"description": "The run version you saw; refused if it changed"})

    @validates_schema
    def _each_stop_once(self, data, **_kwargs):
        stop_ids = data.get("stop_ids") or []
        if len(set(stop_ids)) != len(stop_ids):
            raise ValidationError("List each stop once.", "stop_ids")


class FailedDeliveryDecisionV1(Schema):
    """The office's decision on a parcel after a failed attempt (the dispatch page's buttons and the API)."""

    shipment_id = fields.Integer(required=True, strict=True, validate=ID_RANGE)
    decision = Text(required=True, validate=validate.OneOf(list(FAILED_DELIVERY_DECISIONS)),
                    metadata={"description": "reattempt (a later run), hold (for collection), return (to the "
                                             "shelf) or collected (a held parcel was picked up)"})
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


def build_decision(p: dict) -> commands.DecideFailedDelivery:
    """The domain command of the office's failed-delivery decision."""
    return commands.DecideFailedDelivery(p["shipment_id"], p["decision"], p.get("note", ""))


def build_reorder(p: dict) -> commands.ReorderRun:
    """The domain command of a run.reorder v1 payload (`base_version` None: not checked)."""
    return commands.ReorderRun(p["run_id"], tuple(p["stop_ids"]), p.get("base_version"))
