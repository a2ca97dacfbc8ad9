"""Reserving and releasing an order's stock: the policy decides, locked rows make it safe."""
from __future__ import annotations

from ..domain.access import Actor
from ..domain.allocation import Destination, LineRequest, allocate
from ..domain.events import DomainEvent
from ..domain.orders import Order
from .unit_of_work import UnitOfWork
from .settings import Settings


def stock_event(name: str, level, movement, order_id: int | None) -> DomainEvent:
    """A nudge that one stock level changed (for live stock pages)."""
    return DomainEvent(name=name, aggregate_type="stock_level", aggregate_id=level.id,
                       aggregate_version=level.version,
                       data={"warehouse_id": level.warehouse_id, "product_id": level.product_id,
                             "on_hand": level.on_hand, "reserved": level.reserved, "incoming": level.incoming,
                             "reason": movement.reason, "order_id": order_id})


def reserve_order(order: Order, uow: UnitOfWork, settings: Settings, actor: Actor) -> None:
    """Reserve every unit of the order still missing stock; record what cannot be had as shortages."""
    open_lines = [(i, line) for i, line in enumerate(order.lines) if line.missing_quantity > 0]
    if not open_lines:
        order.shortages = []
        return
    # Lock first, then decide: the policy sees values no other transaction can change under it.
    locked = uow.stock.lock_levels_at_sites([line.product_id for _, line in open_lines])
    by_slot = {(lv.warehouse_id, lv.product_id): lv for lv, _ in locked}
    sites = list({site.warehouse_id: site for _, site in locked}.values())
    address = order.shipping_address
    destination = Destination(address.get("country", ""), address.get("latitude"), address.get("longitude"))
    requests = [LineRequest(i, line.product_id, line.missing_quantity, line.unit_price_minor * line.missing_quantity)
                for i, line in open_lines]
    plan = allocate(requests, sites, {slot: lv.available for slot, lv in by_slot.items()}, destination,
                    strategy=settings.allocation_strategy, min_split_line_minor=settings.split_min_line_minor)
    for pick in plan.picks:
        line = order.lines[pick.key]
        reserve_for_line(order, line, by_slot[(pick.warehouse_id, line.product_id)], pick.quantity, uow, actor)
    order.shortages = [dict(s.as_dict(), sku=order.lines[s.key].sku) for s in plan.shortages]


def reserve_for_line(order: Order, line, level, quantity: int, uow: UnitOfWork, actor: Actor) -> None:
    """Reserve `quantity` units of `level` for `line`: the ledger movement, its event, the line's allocation."""
    movement = level.reserve(quantity, order.id, actor.user_id)
    uow.stock.add_movement(movement)
    uow.publish(stock_event("stock.reserved", level, movement, order.id))
    line.add_allocation(level.warehouse_id, quantity)


def release_order(order: Order, uow: UnitOfWork, actor: Actor, keep_warehouses=frozenset()) -> None:
    """Give back every reserved unit of the order (cancel, reject), except in `keep_warehouses` (parts
    already shipped: their units left the building and hold no reservation any more)."""
    product_ids = {line.product_id for line in order.lines if line.allocations}
    levels = {(lv.warehouse_id, lv.product_id): lv for lv in uow.stock.lock_levels(product_ids)}
    for line in order.lines:
        for allocation in list(line.allocations):
            if allocation.warehouse_id in keep_warehouses:
                continue
            level = levels[(allocation.warehouse_id, line.product_id)]
            movement = level.release(allocation.quantity, order.id, actor.user_id)
            uow.stock.add_movement(movement)
            uow.publish(stock_event("stock.released", level, movement, order.id))
        line.allocations[:] = [a for a in line.allocations if a.warehouse_id in keep_warehouses]
    order.shortages = []
