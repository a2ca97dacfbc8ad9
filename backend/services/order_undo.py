"""Undo of a cancel or reject within the undo window: the order's status, payment and reserved stock come back."""
from __future__ import annotations

from ..domain import commands
from ..domain.access import Actor, Role, ensure_visible
from ..domain.errors import Forbidden
from ..domain.events import utcnow
from ..domain.order_undo import UndoRefused, check_undo
from ..domain.orders import Order, OrderStatus
from .reservations import reserve_for_line
from .settings import Settings
from .payments import ledger_of
from .unit_of_work import UnitOfWork


def undo_order_decision(cmd: commands.UndoOrderDecision, actor: Actor, uow: UnitOfWork, settings: Settings) -> Order:
    """Put the order back as the decision found it, re-reserving the same units in the same warehouses.

    All or nothing: if any of those units has been promised to another order meanwhile, the undo is refused
    and the order stays ended.
    """
    order = uow.orders.get(cmd.order_id, for_update=True)
    ensure_visible(actor, order)
    uow.track(order)
    change = uow.orders.last_status_change(order.id)
    if not (actor.role in (Role.OWNER, Role.MANAGER)
            or (actor.user_id is not None and change is not None and change.data.get("actor_id") == actor.user_id)):
        raise Forbidden("Only the shop, or whoever took this decision, can undo it.", code="order.undo_forbidden")
    facts = check_undo(order, cmd.version, change, now=utcnow(), window_seconds=settings.undo_seconds)
    _reserve_again(order, facts["allocations"], uow, actor)
    previous = OrderStatus(facts["status"])
    order.reinstate(previous, actor_id=actor.user_id, payment_status=facts["payment_status"])
    # A hold the provider already released stays released: the ledger says so, not the facts before the end.
    ledger = ledger_of(order, uow)
    order.payment_status = (ledger.status(method=order.payment_method, total_minor=order.total_minor,
                                          current=facts["payment_status"]) if ledger.entries
                            else facts["payment_status"])
    order.shortages = list(facts["shortages"])
    uow.commit()
    return order


def _reserve_again(order: Order, allocations: list[dict], uow: UnitOfWork, actor: Actor) -> None:
    lines = {line.id: line for line in order.lines}
    wanted = [(lines[a["line_id"]], a["warehouse_id"], a["quantity"]) for a in allocations if a["line_id"] in lines]
    levels = {(lv.warehouse_id, lv.product_id): lv
              for lv in uow.stock.lock_levels({line.product_id for line, _, _ in wanted})}
    # Two lines of one product in one warehouse draw on the same free units: count them down as we go.
    free = {key: level.available for key, level in levels.items()}
    missing = []
    for line, warehouse_id, quantity in wanted:
        available = free.get((warehouse_id, line.product_id), 0)
        free[(warehouse_id, line.product_id)] = available - quantity
        if available < quantity:
            warehouse = uow.catalogue.warehouse(warehouse_id)
            missing.append(f"{line.sku}: {quantity} needed, {max(available, 0)} free in "
                           f"{warehouse.name if warehouse else 'the warehouse'}")
    if missing:
        raise UndoRefused(f"Cannot undo: the stock has gone to other orders meanwhile ({'; '.join(missing)}). "
                          f"{order.number} stays {order.status}.", code="order.undo_stock_gone",
                          details={"missing": missing})
    for line, warehouse_id, quantity in wanted:
        reserve_for_line(order, line, levels[(warehouse_id, line.product_id)], quantity, uow, actor)
