"""The Order aggregate and THE status transition table: the one place an order's status changes."""
from __future__ import annotations

from enum import Enum

from .errors import IllegalTransition
from .events import DomainEvent, RecordsEvents, utcnow


class OrderStatus(str, Enum):
    """Every status an order can be in."""

    PLACED = "placed"
    PAYMENT_HOLD = "payment_hold"
    AWAITING_PAYMENT = "awaiting_payment"
    ACCEPTED = "accepted"
    BACKORDERED = "backordered"
    ALLOCATED = "allocated"
    PICKING = "picking"
    PACKED = "packed"
    SHIPPED = "shipped"
    OUT_FOR_DELIVERY = "out_for_delivery"
    DELIVERY_FAILED = "delivery_failed"          # the driver could not hand it over: the office decides
    AWAITING_REDELIVERY = "awaiting_redelivery"  # the office put it back for a later run
    AWAITING_COLLECTION = "awaiting_collection"  # held at the warehouse for the customer to collect
    DELIVERED = "delivered"
    COLLECTED = "collected"                      # sold at the counter: paid and handed over at once
    RETURNED = "returned"                        # back on the warehouse's shelf, not delivered
    CANCELLED = "cancelled"
    REJECTED = "rejected"


S = OrderStatus
# The whole life of an order. Anything not listed here is illegal.
TRANSITIONS: dict[OrderStatus, frozenset] = {
    # A counter sale is paid and handed over in the same moment: placed, then collected at the counter.
    S.PLACED: frozenset({S.PAYMENT_HOLD, S.AWAITING_PAYMENT, S.ACCEPTED, S.REJECTED, S.CANCELLED, S.COLLECTED}),
    S.PAYMENT_HOLD: frozenset({S.PLACED, S.REJECTED, S.CANCELLED}),
    S.AWAITING_PAYMENT: frozenset({S.PLACED, S.REJECTED, S.CANCELLED}),
    S.ACCEPTED: frozenset({S.ALLOCATED, S.BACKORDERED, S.CANCELLED}),
    S.BACKORDERED: frozenset({S.ALLOCATED, S.CANCELLED}),
    S.ALLOCATED: frozenset({S.PICKING, S.BACKORDERED, S.CANCELLED}),
    S.PICKING: frozenset({S.PACKED, S.ALLOCATED, S.BACKORDERED, S.CANCELLED}),  # backordered: a short pick
    S.PACKED: frozenset({S.SHIPPED, S.CANCELLED}),
    # A split order's status follows its parts (domain/fulfilment.py): with one parcel shipped and another missed
    # at the door (waiting again, or held), the order shows the missed one once the shipped one is on the van.
    S.SHIPPED: frozenset({S.OUT_FOR_DELIVERY, S.DELIVERED, S.DELIVERY_FAILED, S.AWAITING_REDELIVERY,
                          S.AWAITING_COLLECTION}),
    # The office may cancel an order already in the van (the customer called): the driver's phone may be
    # offline, so a hand-over can still arrive afterwards; it becomes an exception (sync_rules).
    S.OUT_FOR_DELIVERY: frozenset({S.DELIVERED, S.SHIPPED, S.CANCELLED, S.DELIVERY_FAILED}),
    # After a failed attempt the office re-attempts, holds for collection or returns it (or, at the limit of
    # attempts, it returns by itself). A hand-over recorded late by another phone still delivers it.
    S.DELIVERY_FAILED: frozenset({S.AWAITING_REDELIVERY, S.AWAITING_COLLECTION, S.RETURNED, S.DELIVERED}),
    # Delivery failed again from these: another parcel of a split order was missed meanwhile.
    S.AWAITING_REDELIVERY: frozenset({S.OUT_FOR_DELIVERY, S.AWAITING_COLLECTION, S.RETURNED, S.DELIVERED,
                                      S.DELIVERY_FAILED}),
    S.AWAITING_COLLECTION: frozenset({S.DELIVERED, S.AWAITING_REDELIVERY, S.RETURNED, S.DELIVERY_FAILED}),
    S.DELIVERED: frozenset(),
    S.COLLECTED: frozenset(),
    S.RETURNED: frozenset(),
    S.CANCELLED: frozenset(),
    S.REJECTED: frozenset(),
}

# Undoing a decision moments after it was taken (domain/order_undo.py): the statuses an ended order may go
# back to. Only orders whose goods never left the shelf: once the floor picks, packs or ships, the cancel
# has set people and parcels moving, and that is not put back by a tap.
REINSTATABLE: dict[OrderStatus, frozenset] = {
    S.CANCELLED: frozenset({S.PLACED, S.PAYMENT_HOLD, S.AWAITING_PAYMENT, S.ACCEPTED, S.BACKORDERED, S.ALLOCATED}),
    S.REJECTED: frozenset({S.PLACED, S.AWAITING_PAYMENT}),
}

# Statuses in which stock is still promised to the order and must be released if it ends.
HOLDS_STOCK = frozenset({S.PLACED, S.PAYMENT_HOLD, S.AWAITING_PAYMENT, S.ACCEPTED, S.BACKORDERED,
                         S.ALLOCATED, S.PICKING, S.PACKED})
# Statuses a customer may still cancel from without asking the shop.
CUSTOMER_CANCELLABLE = frozenset({S.PLACED, S.PAYMENT_HOLD, S.AWAITING_PAYMENT})


class LineAllocation:
    """Units of a line reserved in one warehouse."""

    id = None  # given when stored
    order_line_id = None

    def __init__(self, warehouse_id: int, quantity: int):
        self.warehouse_id = warehouse_id
        self.quantity = quantity


class OrderLine:
    """A product, quantity and the price charged, plus where its units are reserved."""

    id = None  # given when stored
    order_id = None

    def __init__(self, product_id: int, sku: str, name: str, quantity: int, unit_price_minor: int,
                 net_minor: int, tax_minor: int):
        self.product_id = product_id
        self.sku = sku
        self.name = name
        self.quantity = quantity
        self.unit_price_minor = unit_price_minor
        self.net_minor = net_minor
        self.tax_minor = tax_minor
        self.allocations = []

    @property
    def allocated_quantity(self) -> int:
        """Units of this line reserved in some warehouse."""
        return sum(a.quantity for a in self.allocations)

    @property
    def missing_quantity(self) -> int:
        """Units still without stock (backordered)."""
        return self.quantity - self.allocated_quantity

    def add_allocation(self, warehouse_id: int, quantity: int):
        """Note `quantity` more units reserved in a warehouse: one allocation per warehouse, grown or new."""
        for allocation in self.allocations:
            if allocation.warehouse_id == warehouse_id:
                allocation.quantity += quantity
                return allocation
        allocation = LineAllocation(warehouse_id, quantity)
        self.allocations.append(allocation)
        return allocation


class Order(RecordsEvents):
    """An order: its lines, money, addresses, payment and status, changed only by `transition`.

    A plain Python object: the repositories read and write it with Core statements (adapters/data_mapper.py).
    """

    aggregate_type = "order"

    id = None  # given when stored

    def __init__(self, *, customer_id: int, channel: str, currency: str, payment_method: str,
                 payment_status: str, shipping_address: dict, billing_address: dict,
                 subtotal_minor: int, shipping_minor: int, tax_minor: int, total_minor: int,
                 tracking_token: str, channel_order_id: str | None = None, notes: str = "",
                 card_fingerprint: str | None = None, created_by_id: int | None = None):
        self.customer_id = customer_id
        self.channel = channel
        self.channel_order_id = channel_order_id
        self.currency = currency
        self.payment_method = payment_method
        self.payment_status = payment_status
        self.paid_minor = None  # the amount staff recorded as received, when they have
        self.shipping_address = shipping_address
        self.billing_address = billing_address
        self.subtotal_minor = subtotal_minor
        self.shipping_minor = shipping_minor
        self.tax_minor = tax_minor
        self.total_minor = total_minor
        self.tracking_token = tracking_token
        self.notes = notes
        self.card_fingerprint = card_fingerprint
        self.created_by_id = created_by_id
        self.status = OrderStatus.PLACED.value
        self.hold_reasons = []
        self.shortages = []
        self.version = 1
        self.lines = []
        self.created_at = utcnow()
        self.updated_at = self.created_at
        self.events = []

    # -- queries ---------------------------------------------------------------------------
    @property
    def state(self) -> OrderStatus:
        """The status as an enum."""
        return OrderStatus(self.status)

    @property
    def number(self) -> str:
        """The human order number shown on pages and documents."""
        return f"WB-{self.id:06d}" if getattr(self, "id", None) else "WB-(new)"

    @property
    def fully_allocated(self) -> bool:
        """Every unit of every line has stock reserved."""
        return all(line.missing_quantity == 0 for line in self.lines)

    def can_transition(self, to: OrderStatus) -> bool:
        """True if the transition table allows moving to `to` from here."""
        return OrderStatus(to) in TRANSITIONS[self.state]

    # -- the one mutator of status -----------------------------------------------------------
    def transition(self, to: OrderStatus, *, actor_id: int | None, reason: str = "", **data) -> DomainEvent:
        """Move to `to` if the table allows it, bump the version and record the event."""
        return self._move(OrderStatus(to), TRANSITIONS, f"order.{OrderStatus(to).value}", actor_id=actor_id,
                          reason=reason, **data)

    def reinstate(self, to: OrderStatus, *, actor_id: int | None, **data) -> DomainEvent:
        """Undo the decision that ended the order: back to `to` if REINSTATABLE allows it (the caller checks
        the undo window and puts the stock back)."""
        undone = "order.cancel_undone" if self.state == OrderStatus.CANCELLED else "order.reject_undone"
        return self._move(OrderStatus(to), REINSTATABLE, undone, actor_id=actor_id, **data)

    def _move(self, to: OrderStatus, table: dict, event: str, *, actor_id: int | None, **data) -> DomainEvent:
        allowed = table.get(self.state, frozenset())
        if to not in allowed:
            raise IllegalTransition(
                f"Order {self.number} is {self.state.value.replace('_', ' ')} and cannot become "
                f"{to.value.replace('_', ' ')}.",
                details={"from": self.status, "to": to.value, "allowed": sorted(s.value for s in allowed)})
        previous = self.status
        self.status = to.value
        self.version += 1
        self.updated_at = utcnow()
        return self.record(event, actor_id=actor_id, from_status=previous, to_status=to.value, **data)

    def record(self, name: str, *, actor_id: int | None, changed: bool = False, **data) -> DomainEvent:
        """Append a domain event about this order; the unit of work writes it to the outbox.

        `changed=True` when the event reports a change other than a status (e.g. new reservations),
        so the version still moves and a phone holding the old version notices.
        """
        if changed:
            self.version += 1
            self.updated_at = utcnow()
        return super().record(name, actor_id=actor_id, **data)
