"""Commands of the driver: proof of delivery, failed attempts, photos and the cash of a run."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class BlobRef:
    """An image a command refers to; its bytes are uploaded separately (PUT /api/v1/sync/blobs/<id>)."""

    id: str
    sha256: str
    size: int
    content_type: str
    role: str  # photo | signature


@dataclass(frozen=True)
class ConfirmDelivery:
    """A driver handed a stop's parcel over (a fact): recipient, photos/signature, cash taken, position."""

    stop_id: int
    recipient_name: str
    blob_refs: tuple = ()  # BlobRef, ...
    cod_collected_minor: int = 0
    latitude: float | None = None
    longitude: float | None = None
    occurred_at: object = None  # aware datetime from the phone; now if missing


@dataclass(frozen=True)
class RecordFailedAttempt:
    """A driver could not deliver a stop (a fact), with a reason and optionally a photo."""

    stop_id: int
    reason: str
    note: str = ""
    photo: BlobRef | None = None
    occurred_at: object = None


@dataclass(frozen=True)
class DecideFailedDelivery:
    """The office decides what happens to a parcel after a failed attempt (a request).

    `decision` is one of domain/failed_delivery.py's DECISIONS: reattempt, hold, return, collected.
    """

    shipment_id: int
    decision: str
    note: str = ""


@dataclass(frozen=True)
class SettleRunCash:
    """At the end of the day the driver hands in the run's cash: counted against what the stops recorded."""

    run_id: int
    counted_minor: int
    note: str = ""


@dataclass(frozen=True)
class RecordBlobUpload:
    """An image's bytes arrived and are stored under `storage_key`; proofs waiting for it may complete."""

    blob_id: str
    sha256: str
    size: int
    content_type: str
    storage_key: str
