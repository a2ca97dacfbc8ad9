"""Split fulfilment: an order is fulfilled in parts, one per warehouse its units are allocated in.

Nothing here is stored. A part's units come from the line allocations of its warehouse; its progress
from that warehouse's pick lines, parcels and shipment. The order's own status follows its parts:
it is packed, shipped or delivered only when every part is, and its status still changes only
through the transition table of orders.py (`follow_parts` walks it).
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from enum import Enum

from .errors import DomainError
from .orders import TRANSITIONS, Order, OrderStatus
from .picking import order_fully_picked
from .shipping import ShipmentStatus


class PartStatus(str, Enum):
    """Where one warehouse's part of an order is, in the order it gets there."""

    WAITING = "waiting"                    # reserved here, nothing picked yet
    PICKING = "picking"                    # some units picked or reported short
    PICKED = "picked"                      # every unit picked: ready to pack
    PACKED = "packed"
    SHIPPED = "shipped"
    # After a failed attempt the part is behind one still in the van: the order shows the missed parcel.
    DELIVERY_FAILED = "delivery_failed"
    AWAITING_REDELIVERY = "awaiting_redelivery"
    AWAITING_COLLECTION = "awaiting_collection"
    OUT_FOR_DELIVERY = "out_for_delivery"
    DELIVERED = "delivered"
    RETURNED = "returned"                  # came back to its warehouse undelivered: ended, like delivered


RANK = {status: i for i, status in enumerate(PartStatus)}
RANK[PartStatus.RETURNED] = RANK[PartStatus.DELIVERED]  # both are the end of a part's road
ENDED = frozenset({PartStatus.DELIVERED, PartStatus.RETURNED})
MISSED = frozenset({PartStatus.DELIVERY_FAILED, PartStatus.AWAITING_REDELIVERY, PartStatus.AWAITING_COLLECTION})
_FROM_SHIPMENT = {ShipmentStatus.OUT_FOR_DELIVERY.value: PartStatus.OUT_FOR_DELIVERY,
                  ShipmentStatus.DELIVERED.value: PartStatus.DELIVERED,
                  ShipmentStatus.FAILED.value: PartStatus.DELIVERY_FAILED,
                  ShipmentStatus.HELD_FOR_COLLECTION.value: PartStatus.AWAITING_COLLECTION,
                  ShipmentStatus.RETURNED.value: PartStatus.RETURNED}
# A shipment waiting for (or planned on) a run after a missed visit is going out again, not newly shipped.
_WAITING_AGAIN = frozenset({ShipmentStatus.AWAITING_DISPATCH.value, ShipmentStatus.ASSIGNED.value})
# Statuses of an order whose parts move it (before: intake and payment; after: ended).
FULFILMENT = (OrderStatus.ALLOCATED, OrderStatus.PICKING, OrderStatus.PACKED, OrderStatus.SHIPPED,
              OrderStatus.OUT_FOR_DELIVERY, OrderStatus.DELIVERY_FAILED, OrderStatus.AWAITING_REDELIVERY,
              OrderStatus.AWAITING_COLLECTION, OrderStatus.DELIVERED, OrderStatus.RETURNED)
_ON_THE_WAY = (OrderStatus.SHIPPED, OrderStatus.OUT_FOR_DELIVERY, OrderStatus.DELIVERY_FAILED,
               OrderStatus.AWAITING_REDELIVERY, OrderStatus.AWAITING_COLLECTION, OrderStatus.DELIVERED)


class FulfilmentError(DomainError):
    """A part of an order cannot do what was asked (pack twice, ship before packing)."""

    code = "part.invalid"
    status = 409


@dataclass
class FulfilmentPart:
    """One warehouse's share of an order: its units, what was picked and short there, and its shipment."""

    warehouse_id: int
    units: int
    picked: int = 0
    short: int = 0
    status: PartStatus = PartStatus.WAITING
    shipment: object | None = None
    units_by_line: dict = field(default_factory=dict)
    attempts: int = 0  # failed delivery attempts of its shipment

    @property
    def shipped(self) -> bool:
        """The part has left its warehouse."""
        return RANK[self.status] >= RANK[PartStatus.SHIPPED]

    @property
    def packed(self) -> bool:
        """The part's parcel is closed (or it has already left)."""
        return RANK[self.status] >= RANK[PartStatus.PACKED]


def fulfilment_parts(order: Order, pick_lines_by_warehouse: dict, packed_warehouses, shipments,
                     attempts_by_shipment: dict | None = None) -> list:
    """The order's parts, by warehouse id.

    `pick_lines_by_warehouse`: warehouse_id -> the order's pick lines on that warehouse's lists;
    `packed_warehouses`: warehouses that closed a parcel of the order (None in it: a parcel closed before
    orders were split, i.e. the whole order); `shipments`: the order's shipments, oldest first;
    `attempts_by_shipment`: shipment id -> failed delivery attempts (none given: none failed).
    """
    attempts_by_shipment = attempts_by_shipment or {}
    allocated: dict = {}
    for line in order.lines:
        for allocation in line.allocations:
            if allocation.quantity > 0:
                by_line = allocated.setdefault(allocation.warehouse_id, {})
                by_line[line.id] = by_line.get(line.id, 0) + allocation.quantity
    shipment_of = {s.warehouse_id: s for s in shipments}  # the latest shipment of each warehouse
    whole_order_packed = None in packed_warehouses or order.state == OrderStatus.PACKED
    parts = []
    for warehouse_id in sorted(set(allocated) | set(shipment_of)):
        by_line = allocated.get(warehouse_id, {})
        lines = pick_lines_by_warehouse.get(warehouse_id, [])
        picked_by_line: dict = {}
        for line in lines:
            picked_by_line[line.order_line_id] = picked_by_line.get(line.order_line_id, 0) + line.picked_quantity
        part = FulfilmentPart(warehouse_id, sum(by_line.values()),
                              picked=sum(min(picked_by_line.get(i, 0), n) for i, n in by_line.items()),
                              short=sum(line.short_quantity for line in lines),
                              shipment=shipment_of.get(warehouse_id), units_by_line=by_line)
        if part.shipment is not None:
            part.attempts = attempts_by_shipment.get(getattr(part.shipment, "id", None), 0)
            part.status = _shipment_part_status(part.shipment.status, part.attempts)
        elif warehouse_id in packed_warehouses or whole_order_packed:
            part.status = PartStatus.PACKED
        elif order_fully_picked(lines, by_line):
            part.status = PartStatus.PICKED
        elif any(line.picked_quantity or line.short_quantity for line in lines):
            part.status = PartStatus.PICKING
        parts.append(part)
    return parts


def _shipment_part_status(shipment_status: str, attempts: int) -> PartStatus:
    if attempts and shipment_status in _WAITING_AGAIN:
        return PartStatus.AWAITING_REDELIVERY
    return _FROM_SHIPMENT.get(shipment_status, PartStatus.SHIPPED)


def part_in(parts, warehouse_id: int) -> FulfilmentPart | None:
    """The part of a warehouse, if the order has one there."""
    return next((p for p in parts if p.warehouse_id == warehouse_id), None)


def status_for_parts(parts) -> OrderStatus | None:
    """The order's status its parts add up to: where its least advanced part is (None: no part).

    A missed parcel counts as behind one still in the van, so the order shows it; once every part has
    ended, the order is delivered if any part was, else returned.
    """
    if not parts:
        return None
    lowest = min(parts, key=lambda p: RANK[p.status]).status
    if lowest in ENDED:
        return OrderStatus.DELIVERED if any(p.status == PartStatus.DELIVERED for p in parts) else OrderStatus.RETURNED
    if RANK[lowest] >= RANK[PartStatus.PACKED]:
        return OrderStatus(lowest.value)
    if any(p.status != PartStatus.WAITING for p in parts):
        return OrderStatus.PICKING
    return OrderStatus.ALLOCATED


def _path(start: OrderStatus, target: OrderStatus) -> list | None:
    """The shortest walk through the transition table from `start` to `target`, by fulfilment statuses only."""
    seen = {start: None}
    queue = deque([start])
    while queue:
        here = queue.popleft()
        if here == target:
            steps = []
            while here != start:
                steps.append(here)
                here = seen[here]
            return steps[::-1]
        for step in TRANSITIONS[here]:
            if step in FULFILMENT and step not in seen:
                seen[step] = here
                queue.append(step)
    return None


def follow_parts(order: Order, parts, *, actor_id, reason: str = "", **data) -> list:
    """Move the order to the status its parts add up to, through the transition table; returns the events.

    Once the order is on its way (shipped or later) every part had left (or, before orders were split,
    its one shipment carried everything): only the shipments count then. Picking starts by claiming a
    list (services/picking.py), so allocated and picking are not moved here.
    """
    if order.state not in FULFILMENT:
        return []
    if order.state in _ON_THE_WAY:
        parts = [p for p in parts if p.shipment is not None]
    target = status_for_parts(parts)
    if target is None or target == order.state:
        return []
    if target in (OrderStatus.ALLOCATED, OrderStatus.PICKING) and order.state in (OrderStatus.ALLOCATED,
                                                                                  OrderStatus.PICKING):
        return []
    return [order.transition(step, actor_id=actor_id, reason=reason, **data)
            for step in (_path(order.state, target) or [])]


def describe_parts(parts) -> str:
    """Plain words for a split order's progress, e.g. "1 of 2 parts shipped" ("" for a single part)."""
    if len(parts) < 2:
        return ""
    total = len(parts)
    delivered = sum(1 for p in parts if p.status == PartStatus.DELIVERED)
    returned = sum(1 for p in parts if p.status == PartStatus.RETURNED)
    missed = sum(1 for p in parts if p.status in MISSED)
    if returned or missed:
        said = [f"{n} {words}" for n, words in ((delivered, "delivered"), (missed, "missed at the door"),
                                                 (returned, "returned to the warehouse")) if n]
        return f"{total} parts: " + ", ".join(said)
    for status, words in ((PartStatus.DELIVERED, "delivered"), (PartStatus.SHIPPED, "shipped"),
                          (PartStatus.PACKED, "packed"), (PartStatus.PICKED, "picked")):
        done = sum(1 for p in parts if RANK[p.status] >= RANK[status])
        if done:
            return f"{done} of {total} parts {words}"
    started = sum(1 for p in parts if p.status != PartStatus.WAITING)
    return f"{started} of {total} parts being picked" if started else f"{total} parts waiting to be picked"
