"""Stock per warehouse and product, changed only through movements of an append-only ledger."""
from __future__ import annotations

from enum import Enum

from .errors import StockError
from .events import utcnow


class MovementReason(str, Enum):
    """Why stock changed; every movement names one."""

    RECEIVED = "received"          # goods arrived on the shelf
    ADJUSTMENT = "adjustment"      # a person corrected the count (damage, found, lost)
    COUNT = "count"                # a stock count set the level
    RESERVED = "reserved"          # an order claimed units
    RELEASED = "released"          # an order gave claimed units back (cancel, reject)
    EXPECTED = "expected"          # a purchase order announced incoming units
    SHIPPED = "shipped"            # reserved units left the building
    COLLECTED = "collected"        # reserved units handed over at the counter (a point-of-sale sale)
    RETURNED = "returned"          # shipped units came back undelivered and are on the shelf again


class StockMovement:
    """One immutable row of the ledger: the deltas it applied and why."""

    def __init__(self, warehouse_id: int, product_id: int, reason: MovementReason, *,
                 on_hand_delta: int = 0, reserved_delta: int = 0, incoming_delta: int = 0,
                 note: str = "", order_id: int | None = None, actor_id: int | None = None):
        self.warehouse_id = warehouse_id
        self.product_id = product_id
        self.reason = MovementReason(reason).value
        self.on_hand_delta = on_hand_delta
        self.reserved_delta = reserved_delta
        self.incoming_delta = incoming_delta
        self.note = note
        self.order_id = order_id
        self.actor_id = actor_id
        self.created_at = utcnow()


class StockLevel:
    """On hand, reserved and incoming units of one product in one warehouse.

    Invariants: 0 <= reserved <= on_hand and incoming >= 0. The counters are a cache of the
    ledger: every change goes through `apply`, which returns the movement to append.
    """

    id = None  # given when stored
    bin_id = None

    def __init__(self, warehouse_id: int, product_id: int, on_hand: int = 0, reserved: int = 0,
                 incoming: int = 0):
        self.warehouse_id = warehouse_id
        self.product_id = product_id
        self.on_hand = on_hand
        self.reserved = reserved
        self.incoming = incoming
        self.version = 1

    @property
    def available(self) -> int:
        """Units that can still be promised to a new order."""
        return self.on_hand - self.reserved

    def apply(self, reason: MovementReason, *, on_hand_delta: int = 0, reserved_delta: int = 0,
              incoming_delta: int = 0, note: str = "", order_id: int | None = None,
              actor_id: int | None = None) -> StockMovement:
        """Apply deltas if they keep the invariants, and return the ledger movement."""
        on_hand = self.on_hand + on_hand_delta
        reserved = self.reserved + reserved_delta
        incoming = self.incoming + incoming_delta
        if on_hand < 0:
            raise StockError(f"on hand would go below zero ({on_hand})", code="stock.negative_on_hand",
                             details={"on_hand": self.on_hand, "delta": on_hand_delta})
        if reserved < 0:
            raise StockError("cannot release more than is reserved", code="stock.negative_reserved")
        if reserved > on_hand:
            raise StockError(f"only {self.available} available", code="stock.insufficient",
                             details={"available": self.available})
        if incoming < 0:
            raise StockError("incoming would go below zero", code="stock.negative_incoming")
        self.on_hand, self.reserved, self.incoming = on_hand, reserved, incoming
        self.version += 1
        return StockMovement(self.warehouse_id, self.product_id, reason, on_hand_delta=on_hand_delta,
                             reserved_delta=reserved_delta, incoming_delta=incoming_delta, note=note,
                             order_id=order_id, actor_id=actor_id)

    def reserve(self, quantity: int, order_id: int | None, actor_id: int | None = None) -> StockMovement:
        """Claim units for an order; refuses to promise more than is available."""
        if quantity <= 0:
            raise StockError("quantity to reserve must be positive", code="stock.bad_quantity")
        return self.apply(MovementReason.RESERVED, reserved_delta=quantity, order_id=order_id,
                          actor_id=actor_id)

    def release(self, quantity: int, order_id: int | None, actor_id: int | None = None) -> StockMovement:
        """Give reserved units back (order cancelled or rejected)."""
        return self.apply(MovementReason.RELEASED, reserved_delta=-quantity, order_id=order_id,
                          actor_id=actor_id)


def replay_ledger(movements) -> tuple[int, int, int]:
    """Sum a ledger into (on_hand, reserved, incoming); levels must always equal this."""
    on_hand = reserved = incoming = 0
    for m in movements:
        on_hand += m.on_hand_delta
        reserved += m.reserved_delta
        incoming += m.incoming_delta
    return on_hand, reserved, incoming
