"""Commands about the catalogue, stock counts, customers and the office's exception queue."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class AdjustStock:
    """Change stock on hand or incoming in one warehouse, with a reason for the ledger."""

    warehouse_id: int
    product_id: int
    reason: str
    on_hand_delta: int = 0
    incoming_delta: int = 0
    note: str = ""
    # A count's on-hand as the counter saw it: the change is refused if stock moved since (None: not checked).
    expected_on_hand: int | None = None


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


@dataclass(frozen=True)
class ResolveException:
    """A manager closes an exception from the queue, saying what was done about it."""

    exception_id: int
    note: str
