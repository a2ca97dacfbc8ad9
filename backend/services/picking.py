"""Picking handlers: batch allocated orders into pick lists, claim, pick (scan or tap), short pick.

A pick does not move stock (the units are still in the building and reserved; shipping writes the
SHIPPED movement). A short pick does: the missing units are not on the shelf, so an ADJUSTMENT takes
them off on hand, their reservation is released, and the units are reallocated in another warehouse
or the order is backordered; the office gets an exception either way.
"""
from __future__ import annotations

from ..domain import commands, sync_rules
from ..domain.access import Actor, Role, require_role, require_warehouse
from ..domain.errors import DomainError, NotFound
from ..domain.events import DomainEvent
from ..domain.orders import OrderStatus
from ..domain.picking import PickingError, PickLine, PickList, uncovered_units
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


def locked_line(pick_line_id: int, actor: Actor, uow: UnitOfWork) -> tuple[PickList, PickLine]:
    """A pick line and its list, locked for a change by floor staff of its warehouse."""
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
    """Batch allocated orders of a warehouse (all waiting, or the ones named) into one bin-sorted walk.

    The office batches for any warehouse; a picker starts a list from what waits in their own (the floor
    should not stand idle waiting for a manager to batch).
    """
    require_role(actor, *FLOOR_ROLES)
    require_warehouse(actor, cmd.warehouse_id)
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
    pick_list, line = locked_line(cmd.pick_line_id, actor, uow)
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
