"""Commands: what a user asks for, built alike by the API, pages, offline sync and the CLI."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class PlaceOrder:
    """Create an order for a customer from SKUs and quantities; prices come from the catalogue."""

    customer_id: int | None
    channel: str | None  # None: the web shop for a customer, the API for an office client
    lines: tuple  # ((sku, quantity), ...)
    shipping_address: dict
    payment_method: str
    billing_address: dict | None = None
    channel_order_id: str | None = None
    card_fingerprint: str | None = None
    address_check: str | None = None  # None: not checked
    notes: str = ""
    idempotency_key: str | None = None
    request_fingerprint: str | None = None


@dataclass(frozen=True)
class AcceptOrder:
    """The owner or a manager accepts a placed order."""

    order_id: int


@dataclass(frozen=True)
class RetryAllocation:
    """Try again to find stock for a backordered order (after a delivery, a transfer, a correction)."""

    order_id: int


@dataclass(frozen=True)
class RejectOrder:
    """The owner or a manager refuses a placed order; its stock goes back."""

    order_id: int
    reason: str = ""


@dataclass(frozen=True)
class CancelOrder:
    """Cancel an order before it ships; its stock goes back."""

    order_id: int
    reason: str = ""


@dataclass(frozen=True)
class ReleasePaymentHold:
    """A manager clears a payment hold after checking it."""

    order_id: int
    note: str = ""


@dataclass(frozen=True)
class RejectPaymentHold:
    """A manager decides a held payment is fraud or unpaid: the order is rejected."""

    order_id: int
    reason: str = ""


@dataclass(frozen=True)
class RecordPaymentReceived:
    """Funds for a bank transfer order arrived (matched by its reference)."""

    order_id: int
    reference: str = ""


@dataclass(frozen=True)
class AdjustStock:
    """Change stock on hand or incoming in one warehouse, with a reason for the ledger."""

    warehouse_id: int
    product_id: int
    reason: str
    on_hand_delta: int = 0
    incoming_delta: int = 0
    note: str = ""


@dataclass(frozen=True)
class CreateProduct:
    """Add a product to the catalogue."""

    sku: str
    name: str
    price_minor: int
    currency: str
    attributes: dict = field(default_factory=dict)


@dataclass(frozen=True)
class UpdateProduct:
    """Change a product's details; SKU and currency stay."""

    product_id: int
    changes: dict


@dataclass(frozen=True)
class CreateWarehouse:
    """Open a warehouse."""

    code: str
    name: str
    address: dict
    latitude: float
    longitude: float
    bins: tuple = ()


@dataclass(frozen=True)
class CreateCustomer:
    """Register a customer."""

    email: str
    name: str
    phone: str = ""
    addresses: tuple = ()


# -- the office's exception queue -----------------------------------------------------------------
@dataclass(frozen=True)
class ResolveException:
    """A manager closes an exception from the queue, saying what was done about it."""

    exception_id: int
    note: str


# -- shipping & dispatch (issue 3) ----------------------------------------------------------------
@dataclass(frozen=True)
class CreateShipment:
    """Hand a packed order to a carrier ('own_fleet' or an external carrier's code): label and tracking."""

    order_id: int
    carrier: str
    service: str = "standard"


@dataclass(frozen=True)
class AssignToRun:
    """The office puts own-fleet shipments on a driver's run for a day (stops ordered nearest first)."""

    driver_id: int
    run_date: object  # datetime.date
    shipment_ids: tuple


@dataclass(frozen=True)
class MoveStop:
    """Move one stop of a run to another position (1..n)."""

    run_id: int
    stop_id: int
    position: int
    base_version: int | None = None


@dataclass(frozen=True)
class ReorderRun:
    """Put a run's stops in this order (the driver's own order); `base_version` is the run they saw."""

    run_id: int
    stop_ids: tuple
    base_version: int | None = None


@dataclass(frozen=True)
class StartRun:
    """The driver leaves with the run (or the office dispatches it): its orders go out for delivery."""

    run_id: int


# -- delivery: proof of delivery, failed attempts, photos, cash (driver area) -----------------------
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


# -- picking and packing (floor) -------------------------------------------------------------------
@dataclass(frozen=True)
class CreatePickList:
    """A manager batches allocated orders of one warehouse into a pick list (no order ids: all waiting)."""

    warehouse_id: int
    order_ids: tuple = ()


@dataclass(frozen=True)
class ClaimPickList:
    """A picker asks for a pick list (a request: refused if another picker has it)."""

    pick_list_id: int


@dataclass(frozen=True)
class RecordPick:
    """A picker took `quantity` units for a pick line (a fact, as a delta); `scanned` is the barcode or SKU."""

    pick_line_id: int
    quantity: int = 1
    scanned: str | None = None


@dataclass(frozen=True)
class ScanPick:
    """A picker scanned a barcode on a pick list: one unit for the next line of that product."""

    pick_list_id: int
    scanned: str


@dataclass(frozen=True)
class ShortPick:
    """A picker found `missing` units fewer on the shelf than the line needs (a fact)."""

    pick_line_id: int
    missing: int


@dataclass(frozen=True)
class ClosePack:
    """A packer closes an order's parcel(s): ((box_code, weight_grams), ...) (a request, checked against base)."""

    order_id: int
    parcels: tuple
    base_version: int | None = None
    base_status: str | None = None


@dataclass(frozen=True)
class ReduceOrderLine:
    """The office reduces an order line's quantity before it ships (stock released, pick lines shrunk)."""

    order_id: int
    order_line_id: int
    quantity: int
    reason: str = ""


@dataclass(frozen=True)
class AssignBin:
    """Say which bin of a warehouse a product is kept in (pick lists walk the bins in order)."""

    warehouse_id: int
    product_id: int
    bin_code: str


@dataclass(frozen=True)
class CreateBox:
    """Add a box to the packing catalogue."""

    code: str
    name: str
    inner_length_mm: int
    inner_width_mm: int
    inner_height_mm: int
    max_weight_grams: int
    tare_grams: int = 0


# -- web push (customers' notifications) ------------------------------------------------------------------
@dataclass(frozen=True)
class SubscribeToPush:
    """A browser asks for notifications about the order behind a tracking link (the token is the key)."""

    tracking_token: str
    endpoint: str
    p256dh: str
    auth: str


@dataclass(frozen=True)
class UnsubscribeFromPush:
    """A browser turns notifications about an order off."""

    tracking_token: str
    endpoint: str


# -- staff web push (owners' and managers' new-order alerts) ------------------------------------------------
@dataclass(frozen=True)
class SubscribeToStaffPush:
    """A signed-in owner or manager asks for new-order alerts on this browser, even when the app is closed."""

    endpoint: str
    p256dh: str
    auth: str


@dataclass(frozen=True)
class UnsubscribeFromStaffPush:
    """An owner or manager turns this browser's new-order alerts off."""

    endpoint: str


# -- offline sync (each phone's command log, replayed on the server) ----------------------------------------
@dataclass(frozen=True)
class RegisterDevice:
    """A phone sends its queue for the first time: it becomes the signed-in user's device."""

    device_id: str


@dataclass(frozen=True)
class ReplayCommand:
    """One queued offline command (`command`, built from its `envelope`), run with its log row."""

    device_id: str
    envelope: dict = field(hash=False)
    command: object = field(hash=False)


@dataclass(frozen=True)
class RecordReplayOutcome:
    """An offline command's outcome reached without running it (rejected, or nothing to change), logged."""

    device_id: str
    envelope: dict = field(hash=False)
    status: str
    outcome: dict = field(hash=False)
