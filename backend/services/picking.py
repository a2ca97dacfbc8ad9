"""Picking handlers: batch allocated orders into pick lists, claim, pick (scan or tap), short pick.

A pick does not move stock (the units are still in the building and reserved; shipping writes the
SHIPPED movement). A short pick does: the missing units are not on the shelf, so an ADJUSTMENT takes
them off on hand, their reservation is released, and the units are reallocated in another warehouse
or the order is backordered; the office gets an exception either way.
"""
from __future__ import annotations

from ..domain import commands, sync_rules
from ..domain.access import Actor, Role, require_role, require_warehouse
from ..domain.allocation import Destination, LineRequest, allocate
from ..domain.errors import DomainError, NotFound
from ..domain.events import DomainEvent
from ..domain.orders import HOLDS_STOCK, Order, OrderStatus
from ..domain.picking import PickingError, PickLine, PickList, uncovered_units
from ..domain.stock import MovementReason, StockLevel
from .reservations import reserve_for_line, stock_event
from .unit_of_work import UnitOfWork
from .settings import Settings

FLOOR_ROLES = (Role.OWNER, Role.MANAGER, Role.FLOOR)
# Statuses in which a pick line's units are still wanted (a cancelled order's picks are put back).
PICKABLE = frozenset({OrderStatus.ALLOCATED.value, OrderStatus.PICKING.value, OrderStatus.BACKORDERED.value})


def refuse(verdict: sync_rules.Verdict, error=DomainError):
    """Outcome.REJECT of a sync rule: refuse with the rule's code and words."""
    raise error(verdict.message, code=verdict.code)


def pick_list_event(name: str, pick_list: PickList, **data) -> DomainEvent:
    """A change of a pick list (for live floor pages and the phones' pull)."""
    return DomainEvent(name=name, aggregate_type="pick_list", aggregate_id=pick_list.id,
                       aggregate_version=pick_list.version,
                       data={"warehouse_id": pick_list.warehouse_id, "status": pick_list.status, **data})


def _locked_list(pick_list_id: int, actor: Actor, uow: UnitOfWork) -> PickList:
    require_role(actor, *FLOOR_ROLES)
    pick_list = uow.picking.get(pick_list_id, for_update=True)
    if pick_list is None:
        raise NotFound("No such pick list.", field="pick_list_id")
    require_warehouse(actor, pick_list.warehouse_id)
    return pick_list


def _locked_line(pick_line_id: int, actor: Actor, uow: UnitOfWork) -> tuple[PickList, PickLine]:
    require_role(actor, *FLOOR_ROLES)
    pick_list = uow.picking.list_of_line(pick_line_id, for_update=True)
    if pick_list is None:
        raise NotFound("No such pick line.", field="pick_line_id")
    require_warehouse(actor, pick_list.warehouse_id)
    return pick_list, next(line for line in pick_list.lines if line.id == pick_line_id)


def _start_picking(order_ids, actor: Actor, uow: UnitOfWork) -> None:
    """Allocated orders become picking (claiming a list or its first pick); any other status stays."""
    for order_id in sorted(set(order_ids)):
        order = uow.orders.get(order_id, for_update=True)
        if order is None:
            continue
        uow.track(order)
        if order.status == OrderStatus.ALLOCATED.value and \
                sync_rules.reach_status(current=order.status, target=OrderStatus.PICKING.value).applies:
            order.transition(OrderStatus.PICKING, actor_id=actor.user_id, reason="picking started")


# -- batching ------------------------------------------------------------------------------------------
def create_pick_list(cmd: commands.CreatePickList, actor: Actor, uow: UnitOfWork, settings: Settings) -> PickList:
    """Batch allocated orders of a warehouse (all waiting, or the ones named) into one bin-sorted walk."""
    require_role(actor, Role.OWNER, Role.MANAGER)
    if uow.catalogue.warehouse(cmd.warehouse_id) is None:
        raise NotFound("No such warehouse.", field="warehouse_id")
    waiting = {o.id: o for o in uow.picking.allocated_orders(cmd.warehouse_id)}
    wanted = list(dict.fromkeys(cmd.order_ids)) or list(waiting)
    not_waiting = [i for i in wanted if i not in waiting]
    if not_waiting:
        raise DomainError(f"Order {not_waiting[0]} is not allocated in this warehouse or is already on a pick "
                          "list.", code="pick_list.order_not_waiting", field="order_ids",
                          details={"order_ids": not_waiting})
    if not wanted:
        raise DomainError("No allocated orders are waiting in this warehouse.", code="pick_list.nothing_to_pick",
                          field="warehouse_id")
    orders = []
    for order_id in sorted(wanted):  # lock in id order: two managers batching at once cannot deadlock
        order = uow.orders.get(order_id, for_update=True)
        if order is None or order.status not in (OrderStatus.ALLOCATED.value, OrderStatus.PICKING.value):
            raise DomainError(f"Order {order_id} changed while batching; try again.", code="pick_list.order_changed",
                              field="order_ids")
        orders.append(order)
    # Read again under the order locks: another manager may have batched the same units a moment ago.
    covered = uow.picking.covered_units(wanted, cmd.warehouse_id)
    todo = {o.id: uncovered_units(o, cmd.warehouse_id, covered) for o in orders}
    if not all(todo.values()):
        raise DomainError("Some of these orders were just put on another pick list; reload and try again.",
                          code="pick_list.order_changed", field="order_ids")
    product_ids = [line.product_id for o in orders for line in o.lines]
    bins = uow.picking.bin_codes(cmd.warehouse_id, product_ids)
    products = uow.picking.products(product_ids)
    pick_list = PickList(cmd.warehouse_id, created_by_id=actor.user_id)
    for order in orders:
        for line in order.lines:
            units = todo[order.id].get(line.id, 0)
            if units:
                pick_list.add_line(PickLine(order.id, line.id, line.product_id, line.sku, bins.get(line.product_id),
                                            units, barcode=products[line.product_id].barcode))
    uow.picking.add(pick_list)
    uow.flush()
    uow.publish(pick_list_event("pick_list.created", pick_list, order_ids=[o.id for o in orders]))
    uow.commit()
    return pick_list


# -- claiming ------------------------------------------------------------------------------------------
def claim_pick_list(cmd: commands.ClaimPickList, actor: Actor, uow: UnitOfWork, settings: Settings) -> PickList:
    """A picker takes a list; refused (pick_list.claimed) when another picker has it, a no-op when it is theirs."""
    pick_list = _locked_list(cmd.pick_list_id, actor, uow)
    verdict = sync_rules.claim_pick_list(claimed_by=pick_list.claimed_by_id, actor_id=actor.user_id)
    if verdict.outcome == sync_rules.Outcome.REJECT:
        refuse(verdict)
    if verdict.outcome == sync_rules.Outcome.NOOP:
        return pick_list
    pick_list.claim(actor.user_id)
    _start_picking(pick_list.order_ids, actor, uow)
    uow.publish(pick_list_event("pick_list.claimed", pick_list, claimed_by_id=actor.user_id))
    uow.commit()
    return pick_list


# -- picking -------------------------------------------------------------------------------------------
def _wrong_item(scanned: str, line: PickLine) -> PickingError:
    where = f" from bin {line.bin_code}" if line.bin_code else ""
    return PickingError(f"Wrong item: {scanned} is not {line.sku}. Take {line.sku}{where}.",
                        code="pick.wrong_item", field="scanned")


def _apply_pick(pick_list: PickList, line: PickLine, quantity: int, scanned: str | None, actor: Actor,
                uow: UnitOfWork) -> sync_rules.Verdict:
    """Record a pick through the rule: what is still needed is applied, the rest is a put-back exception."""
    if not line.matches(scanned):
        raise _wrong_item(scanned, line)
    order = uow.orders.get(line.order_id, for_update=True)
    uow.track(order)
    still = line.remaining if order is not None and order.status in PICKABLE else 0
    claimed_by_other = pick_list.claimed_by_id not in (None, actor.user_id)
    verdict = sync_rules.record_pick(still_allocated=still, picked=quantity, claimed_by_other=claimed_by_other)
    line.pick(verdict.quantity)
    if pick_list.claimed_by_id is None:  # the first pick on an unclaimed list claims it
        pick_list.claim(actor.user_id)
    pick_list.touched()
    if order is not None and order.status == OrderStatus.ALLOCATED.value:
        order.transition(OrderStatus.PICKING, actor_id=actor.user_id, reason="picking started")
    data = {"pick_list_id": pick_list.id, "pick_line_id": line.id, "sku": line.sku, "bin": line.bin_code,
            "picked": quantity, "applied": verdict.quantity, "surplus": verdict.surplus}
    if verdict.outcome == sync_rules.Outcome.EXCEPTION:
        uow.open_exception(verdict.code, f"{line.sku} (bin {line.bin_code or 'none'}): {verdict.message}",
                           order_id=line.order_id, data=data)
    uow.publish(pick_list_event("pick.recorded", pick_list, **data))
    return verdict


def record_pick(cmd: commands.RecordPick, actor: Actor, uow: UnitOfWork, settings: Settings) -> PickList:
    """A picker took units for a line (tap, hardware scanner or camera): a fact, recorded even if late."""
    if cmd.quantity <= 0:
        raise PickingError("A pick is at least one unit.", code="pick.bad_quantity", field="quantity")
    pick_list, line = _locked_line(cmd.pick_line_id, actor, uow)
    _apply_pick(pick_list, line, cmd.quantity, cmd.scanned, actor, uow)
    uow.commit()
    return pick_list


def scan_pick(cmd: commands.ScanPick, actor: Actor, uow: UnitOfWork, settings: Settings) -> PickList:
    """A scanned barcode (or typed SKU) picks one unit for the first line of that product still to pick."""
    pick_list = _locked_list(cmd.pick_list_id, actor, uow)
    scanned = (cmd.scanned or "").strip()
    if not scanned:
        raise PickingError("Scan a barcode or type a SKU.", code="pick.nothing_scanned", field="scanned")
    matching = [line for line in pick_list.walk if line.matches(scanned)]
    if not matching:
        raise PickingError(f"Wrong item: {scanned} is not on this pick list. Put it back.", code="pick.wrong_item",
                           field="scanned")
    line = next((line for line in matching if line.remaining > 0), None)
    if line is None:
        raise PickingError(f"Every {matching[0].sku} on this list is already picked. Put it back.",
                           code="pick.already_picked", field="scanned")
    _apply_pick(pick_list, line, 1, scanned, actor, uow)
    uow.commit()
    return pick_list


# -- short picks ---------------------------------------------------------------------------------------
def reserve_elsewhere(order: Order, line, exclude_warehouse_id: int,
                      uow: UnitOfWork, settings: Settings, actor: Actor) -> dict:
    """Reserve a line's missing units in other warehouses (the allocation policy of domain/allocation.py).

    Returns {warehouse_id: units} reserved. The shelf that came up short is not asked again.
    """
    missing = line.missing_quantity
    if missing <= 0:
        return {}
    locked = [(lv, site) for lv, site in uow.stock.lock_levels_at_sites([line.product_id])
              if site.warehouse_id != exclude_warehouse_id]
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
    pick_list, line = _locked_line(cmd.pick_line_id, actor, uow)
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
            reallocated = reserve_elsewhere(order, order_line, pick_list.warehouse_id, uow, settings, actor)
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
                   "pick them there and send them on, or ship in two parcels. Count the shelf.") if reallocated else \
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


# -- bins ---------------------------------------------------------------------------------------------
def assign_bin(cmd: commands.AssignBin, actor: Actor, uow: UnitOfWork, settings: Settings) -> StockLevel:
    """Say where a product is shelved in a warehouse (pick lists walk bins in code order)."""
    require_role(actor, *FLOOR_ROLES)
    require_warehouse(actor, cmd.warehouse_id)
    bin_id = uow.picking.bin_id(cmd.warehouse_id, cmd.bin_code)
    if bin_id is None:
        raise NotFound(f"No bin {cmd.bin_code} in this warehouse.", field="bin_code")
    if uow.catalogue.product(cmd.product_id) is None:
        raise NotFound("No such product.", field="product_id")
    level = uow.stock.lock_level(cmd.warehouse_id, cmd.product_id)
    if level is None:
        level = StockLevel(cmd.warehouse_id, cmd.product_id)
        uow.stock.add_level(level)
    level.bin_id = bin_id
    uow.commit()
    return level
