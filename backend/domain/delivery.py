"""Proof of delivery, failed attempts, uploaded photos and the driver's end-of-day cash.

A hand-over is a *fact*: the driver confirms it with photos, a signature, the recipient's name and
(if allowed) the position. The photos travel separately from the small command (PUT /api/v1/sync/blobs/<id>),
so a proof can be recorded before its pictures arrive: it is "pending upload" until the last one is
stored, then "complete". Cash on delivery is recorded per stop and settled once per run.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from .errors import DomainError
from .events import utcnow
from .exception_queue import RaisedException
from .money import format_money

SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")
IMAGE_TYPES = ("image/jpeg", "image/png", "image/webp")

# Why a drop-off failed, in the order the form offers them (the phone sends the key).
FAIL_REASONS = {
    "no_one_home": "No one home",
    "refused": "Refused by the recipient",
    "address_not_found": "Address not found",
    "no_access": "No access (gate, building, dog)",
    "damaged": "Parcel damaged",
    "other": "Other (see note)",
}


class InvalidProof(DomainError):
    """A proof of delivery or failed attempt that cannot be recorded as given."""

    code = "delivery.invalid_proof"
    status = 422


class BlobConflict(DomainError):
    """A photo id already holds different bytes: ids are never reused for other content."""

    code = "blob.hash_conflict"
    status = 409


class BlobTooLarge(Exception):
    """An image's bytes run past the size cap (the blob storage raises it while it copies them)."""


class SettlementError(DomainError):
    """A cash settlement that cannot be made now."""

    code = "settlement.invalid"
    status = 409


class ProofStatus(str, Enum):
    """Whether every photo and signature of a proof has reached the server."""

    COMPLETE = "complete"
    PENDING_UPLOAD = "pending_upload"


class BlobRole(str, Enum):
    """What an uploaded image is evidence of."""

    PHOTO = "photo"
    SIGNATURE = "signature"


def image_type(head: bytes) -> str | None:
    """The image type named by a file's first bytes (its magic number), or None if it is no image we keep."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


class Blob:
    """An uploaded image's record: which bytes (by SHA-256), how big, what type, who sent it."""

    def __init__(self, id: str, sha256: str, size: int, content_type: str, storage_key: str,
                 uploaded_by_id: int | None):
        self.id = id
        self.sha256 = sha256
        self.size = size
        self.content_type = content_type
        self.storage_key = storage_key
        self.uploaded_by_id = uploaded_by_id
        self.created_at = utcnow()

    def same_bytes(self, sha256: str) -> bool:
        """True when a re-upload carries the very bytes already stored (an idempotent retry)."""
        return self.sha256 == sha256


def check_blob_refs(refs) -> tuple[list[str], list[str]]:
    """(photo ids, signature ids) of a command's blob refs; at least one photo or signature is needed."""
    photos = [r["id"] for r in refs if r["role"] == BlobRole.PHOTO.value]
    signatures = [r["id"] for r in refs if r["role"] == BlobRole.SIGNATURE.value]
    if len(set(photos + signatures)) != len(photos) + len(signatures):
        raise InvalidProof("The same photo is attached twice.", field="blob_refs")
    return photos, signatures


class DeliveryProof:
    """Evidence that a stop's parcel was handed over: who took it, where, when, photos and signature."""

    id = None  # given when stored

    def __init__(self, *, stop_id: int, order_id: int, driver_id: int | None, command_id: str | None,
                 recipient_name: str, occurred_at, photo_blob_ids, signature_blob_ids,
                 latitude: float | None = None, longitude: float | None = None,
                 cod_collected_minor: int = 0, currency: str = "GBP", extra_evidence: bool = False):
        if not recipient_name.strip():
            raise InvalidProof("Enter the name of the person who took the parcel.", field="recipient_name")
        if not photo_blob_ids and not signature_blob_ids:
            raise InvalidProof("Add a photo or the recipient's signature.", field="photos")
        if cod_collected_minor < 0:
            raise InvalidProof("Cash collected cannot be negative.", field="cod_collected_minor")
        if (latitude is None) != (longitude is None):
            raise InvalidProof("Send both latitude and longitude, or neither.", field="latitude")
        self.stop_id = stop_id
        self.order_id = order_id
        self.driver_id = driver_id
        self.command_id = command_id
        self.recipient_name = recipient_name.strip()
        self.occurred_at = occurred_at or utcnow()
        self.photo_blob_ids = list(photo_blob_ids)
        self.signature_blob_ids = list(signature_blob_ids)
        self.latitude = latitude
        self.longitude = longitude
        self.cod_collected_minor = cod_collected_minor
        self.currency = currency
        self.extra_evidence = extra_evidence
        self.status = ProofStatus.PENDING_UPLOAD.value
        self.created_at = utcnow()

    @property
    def blob_ids(self) -> list[str]:
        """Every image this proof needs, photos first."""
        return [*self.photo_blob_ids, *self.signature_blob_ids]

    def missing(self, present_ids) -> list[str]:
        """The images not yet on the server."""
        present = set(present_ids)
        return [b for b in self.blob_ids if b not in present]

    def complete_if_ready(self, present_ids) -> bool:
        """Mark the proof complete once every image is stored; True when this call completed it."""
        if self.status == ProofStatus.COMPLETE.value or self.missing(present_ids):
            return False
        self.status = ProofStatus.COMPLETE.value
        return True


class DeliveryAttempt:
    """A drop-off that did not happen, with the reason and (optionally) a photo of the door."""

    id = None  # given when stored

    def __init__(self, *, stop_id: int, order_id: int, driver_id: int | None, command_id: str | None,
                 reason: str, note: str = "", photo_blob_id: str | None = None, occurred_at=None,
                 history_only: bool = False):
        if reason not in FAIL_REASONS:
            raise InvalidProof("Choose why the delivery failed.", field="reason")
        if reason == "other" and not note.strip():
            raise InvalidProof("Say what happened in the note.", field="note")
        self.stop_id = stop_id
        self.order_id = order_id
        self.driver_id = driver_id
        self.command_id = command_id
        self.reason = reason
        self.note = note.strip()
        self.photo_blob_id = photo_blob_id
        self.occurred_at = occurred_at or utcnow()
        self.history_only = history_only
        self.created_at = utcnow()

    @property
    def reason_text(self) -> str:
        """The reason in words."""
        return FAIL_REASONS[self.reason]


@dataclass(frozen=True)
class CashLine:
    """One stop's cash: what the order asked for and what the driver says they took."""

    stop_id: int
    due_minor: int
    collected_minor: int


def expected_cash(lines) -> int:
    """Cash the driver must hand in: what they recorded as collected at each delivered stop."""
    return sum(line.collected_minor for line in lines)


def cash_shortfalls(lines) -> list[CashLine]:
    """Stops where the cash taken differs from the cash due (shown to the driver before settling)."""
    return [line for line in lines if line.collected_minor != line.due_minor]


class CashSettlement:
    """The end-of-day count of a run's cash against what the stops recorded."""

    id = None  # given when stored

    def __init__(self, *, run_id: int, expected_minor: int, counted_minor: int, currency: str,
                 settled_by_id: int | None, note: str = ""):
        if counted_minor < 0:
            raise SettlementError("The counted cash cannot be negative.", field="counted_minor")
        self.run_id = run_id
        self.expected_minor = expected_minor
        self.counted_minor = counted_minor
        self.difference_minor = counted_minor - expected_minor
        self.currency = currency
        self.settled_by_id = settled_by_id
        self.settled_at = utcnow()
        self.note = note.strip()
        if self.difference_minor and not self.note:
            raise SettlementError("The cash does not match: say why in the note.", field="note")

    @property
    def balanced(self) -> bool:
        """True when the counted cash is exactly what was recorded."""
        return self.difference_minor == 0


CASH_SHORT, CASH_OVER = "settlement.cash_short", "settlement.cash_over"


def cash_difference(settlement: CashSettlement, *, driver_id: int | None, driver_name: str,
                    run_date) -> RaisedException | None:
    """The office exception a settlement that does not balance opens: who, which run, how much; None if it balances.

    The stops' cash was taken at the doors and each order is paid with it, so the difference is between
    the driver and the shop, and a person has to decide what happens next.
    """
    if settlement.balanced:
        return None
    short = settlement.difference_minor < 0
    amount = format_money(abs(settlement.difference_minor), settlement.currency)
    message = (f"{driver_name} handed in {format_money(settlement.counted_minor, settlement.currency)} for run "
               f"{settlement.run_id} of {run_date:%d %b %Y}, {amount} {'short of' if short else 'more than'} the "
               f"{format_money(settlement.expected_minor, settlement.currency)} the stops collected.")
    if settlement.note:
        message += f" Driver's note: {settlement.note}"
    return RaisedException(CASH_SHORT if short else CASH_OVER, message, data={
        "run_id": settlement.run_id, "driver_id": driver_id, "driver_name": driver_name,
        "expected_minor": settlement.expected_minor, "counted_minor": settlement.counted_minor,
        "difference_minor": settlement.difference_minor, "currency": settlement.currency})
