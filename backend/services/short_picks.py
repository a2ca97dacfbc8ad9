"""A short pick: units missing on the shelf leave the stock, and the order is reallocated or backordered."""
from __future__ import annotations

from ..domain import commands, sync_rules
from ..domain.access import Actor
from ..domain.allocation import Destination, LineRequest, allocate
from ..domain.errors import NotFound
from ..domain.orders import HOLDS_STOCK, Order, OrderStatus
from ..domain.picking import PickingError, PickList
from ..domain.stock import MovementReason, StockLevel
from .fulfilment import parts_of
from .picking import locked_line, pick_list_event
from .reservations import reserve_for_line, stock_event
from .settings import Settings
from .unit_of_work import UnitOfWork


def reserve_elsewhere(order: Order, line, exclude_warehouse_ids,
                      uow: UnitOfWork, settings: Settings, actor: Actor) -> dict:
    """Reserve a line's missing units in other warehouses (the allocation policy of domain/allocation.py).

    Returns {warehouse_id: units} reserved. The shelf that came up short is not asked again, nor a warehouse
    whose part of the order is already packed or gone (units added there would never be picked).
    """
    missing = line.missing_quantity
    if missing <= 0:
        return {}
    locked = [(lv, site) for lv, site in uow.stock.lock_levels_at_sites([line.product_id])
              if site.warehouse_id not in exclude_warehouse_ids]
    by_slot = {(lv.warehouse_id, lv.product_id): lv for lv, _ in locked}
    sites = list({site.warehouse_id: site for _, site in locked}.values())
    address = order.shipping_address
    destination = Destination(address.get("country", ""), address.get("latitude"), address.get("longitude"))
    plan = allocate([LineRequest(0, line.product_id, missing, line.unit_price_minor * missing)], sites,
                    {slot: lv.available for slot, lv in by_slot.items()}, destination,
                    strategy=settings.allocation_strategy, min_split_line_minor=settings.split_min_line_minor)
    reserved = {}
    for pick in plan.picks:
        reserve_for_line(order, line, by_slot[(pick.warehouse_id, line.product_id)], pick.quantity, uow, actor)
        reserved[pick.warehouse_id] = reserved.get(pick.warehouse_id, 0) + pick.quantity
    return reserved


def _level(uow: UnitOfWork, warehouse_id: int, product_id: int) -> StockLevel:
    """The level of a product in a warehouse, locked together with its other warehouses' (PK order)."""
    for level, _site in uow.stock.lock_levels_at_sites([product_id]):
        if level.warehouse_id == warehouse_id:
            return level
    level = uow.stock.lock_level(warehouse_id, product_id)
    if level is None:
        raise NotFound("This product has no stock level in the warehouse.")
    return level


def short_pick(cmd: commands.ShortPick, actor: Actor, uow: UnitOfWork, settings: Settings) -> PickList:
    """Units missing on the shelf: off on hand, reservation released, reallocated or backordered, and flagged."""
    if cmd.missing <= 0:
        raise PickingError("Say how many units are missing (at least one).", code="pick.bad_quantity",
                           field="missing")
    pick_list, line = locked_line(cmd.pick_line_id, actor, uow)
    verdict = sync_rules.short_pick()
    assert verdict.applies
    counted = line.report_short(cmd.missing)
    if counted == 0:  # every unit was already picked or reported: kept only as history
        return pick_list
    pick_list.touched()
    order = uow.orders.get(line.order_id, for_update=True)
    uow.track(order)
    order_line = next(l for l in order.lines if l.id == line.order_line_id)
    allocation = next((a for a in order_line.allocations if a.warehouse_id == pick_list.warehouse_id), None)
    units = min(counted, allocation.quantity if allocation else 0)
    where = f"bin {line.bin_code}" if line.bin_code else "its shelf"
    reallocated = {}
    if units:
        level = _level(uow, pick_list.warehouse_id, line.product_id)
        released = level.release(units, order.id, actor.user_id)
        uow.stock.add_movement(released)
        uow.publish(stock_event("stock.released", level, released, order.id))
        adjusted = level.apply(MovementReason.ADJUSTMENT, on_hand_delta=-units, order_id=order.id,
                               actor_id=actor.user_id,
                               note=f"short pick: {units} missing from {where} (pick list {pick_list.id})")
        uow.stock.add_movement(adjusted)
        uow.publish(stock_event("stock.adjusted", level, adjusted, order.id))
        allocation.quantity -= units
        if allocation.quantity == 0:
            order_line.allocations.remove(allocation)
        if order.status in HOLDS_STOCK:
            closed = {p.warehouse_id for p in parts_of(order, uow) if p.packed}
            reallocated = reserve_elsewhere(order, order_line, closed | {pick_list.warehouse_id}, uow, settings,
                                            actor)
    data = {"pick_list_id": pick_list.id, "pick_line_id": line.id, "sku": line.sku, "bin": line.bin_code,
            "missing": counted, "reallocated": {str(k): v for k, v in reallocated.items()}}
    if not units:  # nothing of the order was reserved here any more (cancelled, reduced): the shelf is the news
        uow.open_exception("pick.short", f"{line.sku}: {counted} missing from {where} ({order.number} no longer "
                           "holds them). Count the shelf.", order_id=order.id, data=data)
        uow.publish(pick_list_event("pick.short", pick_list, **data))
        uow.commit()
        return pick_list
    order.shortages = [{"sku": l.sku, "missing": l.missing_quantity} for l in order.lines if l.missing_quantity]
    if order.fully_allocated:
        names = ", ".join(f"{uow.catalogue.warehouse(w).code} ({n})" for w, n in reallocated.items())
        message = (f"{line.sku}: {counted} missing from {where} in {order.number}. Reallocated to {names}: "
                   "the order now ships in parts, one per warehouse; they wait in that queue to be picked. Count the shelf.") if reallocated else \
                  (f"{line.sku}: {counted} missing from {where} in {order.number}. Count the shelf.")
        order.record("order.short_picked", actor_id=actor.user_id, changed=True, **data)
        code = "pick.short_reallocated" if reallocated else "pick.short"
    else:
        message = (f"{line.sku}: {counted} missing from {where} in {order.number} and no other warehouse has "
                   "them: the order is backordered. Count the shelf; reorder or tell the customer.")
        code = "pick.short_backordered"
        if order.can_transition(OrderStatus.BACKORDERED):
            order.transition(OrderStatus.BACKORDERED, actor_id=actor.user_id, reason="short pick",
                             shortages=order.shortages, **data)
        else:
            order.record("order.short_picked", actor_id=actor.user_id, changed=True, **data)
    uow.open_exception(code, message, order_id=order.id, data=data)
    uow.publish(pick_list_event("pick.short", pick_list, **data))
    uow.commit()
    return pick_list
