"""Commands of the point of sale: a sale paid and handed over at the counter."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SellAtCounter:
    """Sell SKUs from the store's shelf, paid at once by card (terminal reference) or cash (tendered)."""

    lines: tuple  # ((sku, quantity), ...)
    tender: str  # card | cash
    terminal_reference: str = ""
    tendered_minor: int | None = None
    customer_id: int | None = None  # None: the walk-in customer
    notes: str = ""
    idempotency_key: str | None = None
    request_fingerprint: str | None = None
