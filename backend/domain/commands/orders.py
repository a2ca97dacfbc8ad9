"""Commands about an order: placing it, the office's decisions on it, and its payment."""
from __future__ import annotations

from dataclasses import dataclass


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
    # The card or wallet provider's one-use token from checkout: authorized at intake (no payment fact by itself).
    payment_token: str | None = None


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
class UndoOrderDecision:
    """Take back a cancel or reject within the undo window: the order returns to where it was, stock and all.

    `version` is the order's version the decision left it at, so only that decision is undone, once.
    """

    order_id: int
    version: int


@dataclass(frozen=True)
class RefundPayment:
    """Give money back to the buyer's card or wallet (owner or manager), never more than was captured."""

    order_id: int
    amount_minor: int
    reason: str = ""


@dataclass(frozen=True)
class HandlePaymentWebhook:
    """An event the payment provider sent (its signature already checked at the edge)."""

    event_id: str
    event_type: str
    data: dict
