"""Shipments: an order's parcels handed to a carrier (our own fleet or an external one)."""
from __future__ import annotations

from enum import Enum

from .errors import DomainError, IllegalTransition
from .events import RecordsEvents, utcnow

OWN_FLEET = "own_fleet"


class ShipmentStatus(str, Enum):
    """Where a shipment is in its life."""

    CREATED = "created"                      # external carrier: label printed, waiting for pickup
    AWAITING_DISPATCH = "awaiting_dispatch"  # own fleet: not on a run yet
    ASSIGNED = "assigned"                    # own fleet: on a driver's planned run
    OUT_FOR_DELIVERY = "out_for_delivery"    # own fleet: the run started
    DELIVERED = "delivered"
    FAILED = "failed"                            # own fleet: an attempt failed, the office decides next
    HELD_FOR_COLLECTION = "held_for_collection"  # kept at the warehouse for the customer to collect
    RETURNED = "returned"                        # back on the warehouse's shelf


T = ShipmentStatus
# THE shipment's life: `Shipment.set_status` refuses anything not listed here.
SHIPMENT_TRANSITIONS: dict[ShipmentStatus, frozenset] = {
    T.CREATED: frozenset({T.DELIVERED, T.FAILED, T.RETURNED}),
    T.AWAITING_DISPATCH: frozenset({T.ASSIGNED, T.HELD_FOR_COLLECTION, T.RETURNED}),
    T.ASSIGNED: frozenset({T.OUT_FOR_DELIVERY, T.AWAITING_DISPATCH, T.DELIVERED, T.FAILED}),
    T.OUT_FOR_DELIVERY: frozenset({T.DELIVERED, T.FAILED}),
    # After a failed attempt: back to dispatch for a later run, held for collection, or returned; a late
    # hand-over recorded by another phone still counts.
    T.FAILED: frozenset({T.AWAITING_DISPATCH, T.HELD_FOR_COLLECTION, T.RETURNED, T.DELIVERED}),
    T.HELD_FOR_COLLECTION: frozenset({T.DELIVERED, T.AWAITING_DISPATCH, T.RETURNED}),
    T.DELIVERED: frozenset(),
    T.RETURNED: frozenset(),
}


class ShippingError(DomainError):
    """A shipment cannot be made as asked."""

    code = "shipment.invalid"
    status = 409

    def __init__(self, message: str, *, status: int | None = None, **kwargs):
        super().__init__(message, **kwargs)
        if status is not None:
            self.status = status


class CarrierError(DomainError):
    """The carrier refused, failed or did not answer in time; nothing was written."""

    code = "carrier.unavailable"
    status = 502

    def __init__(self, message: str, *, status: int | None = None, **kwargs):
        super().__init__(message, **kwargs)
        if status is not None:
            self.status = status


class Parcel:
    """A box of an order as packed (read from the floor's parcel table when it exists)."""

    def __init__(self, box_code: str, weight_grams: int, length_mm: int = 0, width_mm: int = 0,
                 height_mm: int = 0):
        self.box_code = box_code
        self.weight_grams = weight_grams
        self.length_mm = length_mm
        self.width_mm = width_mm
        self.height_mm = height_mm

    def as_dict(self) -> dict:
        """JSON-safe form sent to a carrier."""
        return {"box_code": self.box_code, "weight_grams": self.weight_grams, "length_mm": self.length_mm,
                "width_mm": self.width_mm, "height_mm": self.height_mm}


class Shipment(RecordsEvents):
    """One order's shipment with one carrier: tracking number and label (bytes, PDF/PNG/ZPL/HTML)."""

    id = None  # given when stored

    aggregate_type = "shipment"

    def __init__(self, *, order_id: int, warehouse_id: int, carrier: str, service: str,
                 tracking_number: str, label_format: str, label_data: bytes,
                 created_by_id: int | None = None):
        if not tracking_number:
            raise ShippingError("The carrier gave no tracking number.", code="carrier.no_tracking")
        self.order_id = order_id
        self.warehouse_id = warehouse_id
        self.carrier = carrier
        self.service = service
        self.tracking_number = tracking_number
        self.label_format = label_format
        self.label_data = label_data
        self.status = (ShipmentStatus.AWAITING_DISPATCH if carrier == OWN_FLEET
                       else ShipmentStatus.CREATED).value
        self.created_at = utcnow()
        self.created_by_id = created_by_id
        self.events = []

    @property
    def own_fleet(self) -> bool:
        """True when our drivers deliver it (it goes to dispatch)."""
        return self.carrier == OWN_FLEET

    @property
    def label_media_type(self) -> str:
        """The HTTP content type of the stored label."""
        return LABEL_MEDIA_TYPES.get(self.label_format, "application/octet-stream")

    def can_become(self, status: ShipmentStatus) -> bool:
        """True if the transition table allows `status` from here (staying put is always allowed)."""
        status = ShipmentStatus(status)
        return status.value == self.status or status in SHIPMENT_TRANSITIONS[ShipmentStatus(self.status)]

    def set_status(self, status: ShipmentStatus) -> None:
        """Move along the table: assigned, out for delivery, delivered, failed, held, returned."""
        status = ShipmentStatus(status)
        if not self.can_become(status):
            raise IllegalTransition(
                f"Shipment {self.tracking_number} is {self.status.replace('_', ' ')} and cannot become "
                f"{status.value.replace('_', ' ')}.", code="shipment.illegal_transition",
                details={"from": self.status, "to": status.value})
        self.status = status.value

    def _event_version(self) -> int:
        return 1  # a shipment carries no version: its events are ordered by the outbox alone

    def _event_facts(self) -> dict:
        return {"order_id": self.order_id, "carrier": self.carrier}


LABEL_MEDIA_TYPES = {"pdf": "application/pdf", "png": "image/png", "zpl": "text/plain; charset=utf-8",
                     "html": "text/html; charset=utf-8", "svg": "image/svg+xml"}

# What a label really is, told by its first bytes (a carrier's word for the format is not trusted).
_MAGIC = ((b"%PDF-", "pdf"), (b"\x89PNG\r\n\x1a\n", "png"), (b"^XA", "zpl"))


def sniff_label_format(data: bytes) -> str | None:
    """The label format from its magic bytes, or None if it is none we can print."""
    head = data.lstrip()[:16]
    for magic, fmt in _MAGIC:
        if head.startswith(magic):
            return fmt
    return None


class CarrierRequest:
    """What a carrier needs to make a label: who, where from, where to, and the boxes."""

    def __init__(self, *, reference: str, service: str, ship_from: dict, ship_to: dict, parcels: list[Parcel]):
        self.reference = reference
        self.service = service
        self.ship_from = ship_from
        self.ship_to = ship_to
        self.parcels = parcels

    def as_dict(self) -> dict:
        """The JSON body sent to an external carrier."""
        return {"reference": self.reference, "service": self.service, "from": self.ship_from,
                "to": self.ship_to, "parcels": [p.as_dict() for p in self.parcels]}


class CarrierLabel:
    """A carrier's answer: the tracking number and the label's bytes and format."""

    def __init__(self, tracking_number: str, label_data: bytes, label_format: str):
        self.tracking_number = tracking_number
        self.label_data = label_data
        self.label_format = label_format
