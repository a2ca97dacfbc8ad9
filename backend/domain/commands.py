"""Commands: what a user asks for, built alike by the API, pages, offline sync and the CLI."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class PlaceOrder:
    """Create an order for a customer from SKUs and quantities; prices come from the catalogue."""

    customer_id: int | None
    channel: str
    lines: tuple  # ((sku, quantity), ...)
    shipping_address: dict
    payment_method: str
    billing_address: dict | None = None
    channel_order_id: str | None = None
    card_fingerprint: str | None = None
    address_check: str = "not_checked"
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
