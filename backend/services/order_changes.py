"""Changes the office makes to an order's contents before it ships (reduce a line)."""
from __future__ import annotations

from ..domain import commands
from ..domain.access import Actor, Role, ensure_visible, require_role
from ..domain.errors import DomainError, InvalidOrder, NotFound
from ..domain.orders import Order, OrderStatus
from .picking import pick_list_event
from .reservations import stock_event
from .unit_of_work import UnitOfWork
from .settings import Settings

# Before packing: once packed the parcel is closed (unpack first, a later issue).
REDUCIBLE = frozenset({OrderStatus.PLACED.value, OrderStatus.PAYMENT_HOLD.value, OrderStatus.AWAITING_PAYMENT.value,
                       OrderStatus.ACCEPTED.value, OrderStatus.BACKORDERED.value, OrderStatus.ALLOCATED.value,
                       OrderStatus.PICKING.value})


def _scaled(amount: int, new: int, old: int) -> int:
    """amount * new / old in integer minor units, rounded half up."""
    return (2 * amount * new + old) // (2 * old)


def reduce_order_line(cmd: commands.ReduceOrderLine, actor: Actor, uow: UnitOfWork, settings: Settings) -> Order:
    """Fewer units of a line: release their stock, shrink the allocation and the pick lines, rescale the money.

    Units the picker has already taken beyond the new quantity become a put-back exception; a picker who
    is offline finds out when their pick arrives (the record_pick rule applies only what is still needed).
    """
    require_role(actor, Role.OWNER, Role.MANAGER)
    order = uow.orders.get(cmd.order_id, for_update=True)
    ensure_visible(actor, order)
    uow.track(order)
    line = next((l for l in order.lines if l.id == cmd.order_line_id), None)
    if line is None:
        raise NotFound("No such line on this order.", field="order_line_id")
    if order.status not in REDUCIBLE:
        raise DomainError(f"Order {order.number} is {order.status.replace('_', ' ')}: it can no longer be reduced.",
                          code="order.not_reducible")
    if not 1 <= cmd.quantity < line.quantity:
        raise InvalidOrder(f"Enter a quantity from 1 to {line.quantity - 1} (cancel the order to remove "
                           "everything).", field="quantity")
    old = line.quantity
    to_release = max(old - cmd.quantity - line.missing_quantity, 0)  # unreserved units go first
    released = {}
    if to_release:
        levels = {lv.warehouse_id: lv for lv in uow.stock.lock_levels([line.product_id])}
        for allocation in sorted(line.allocations, key=lambda a: -a.warehouse_id):
            take = min(to_release, allocation.quantity)
            if not take:
                continue
            level = levels[allocation.warehouse_id]
            movement = level.release(take, order.id, actor.user_id)
            uow.stock.add_movement(movement)
            uow.publish(stock_event("stock.released", level, movement, order.id))
            allocation.quantity -= take
            released[allocation.warehouse_id] = take
            to_release -= take
        line.allocations[:] = [a for a in line.allocations if a.quantity > 0]
    # Shrink the pick lines of this order line in the warehouses that gave units back.
    for pick_list in uow.picking.lists_of_order(order.id):
        units = released.get(pick_list.warehouse_id, 0)
        for pick_line in [pl for pl in pick_list.lines if pl.order_line_id == line.id]:
            if not units:
                break
            take = min(units, pick_line.quantity)
            units -= take
            released[pick_list.warehouse_id] -= take
            extra = pick_line.shrink(take)
            pick_list.touched()
            uow.publish(pick_list_event("pick_line.reduced", pick_list, pick_line_id=pick_line.id, by=take))
            if extra:
                uow.open_exception("pick.allocation_shrank",
                                   f"{pick_line.sku}: {extra} already picked but no longer needed for "
                                   f"{order.number}: put {extra} back on the shelf.",
                                   order_id=order.id, data={"pick_line_id": pick_line.id, "surplus": extra})
    net, tax = _scaled(line.net_minor, cmd.quantity, old), _scaled(line.tax_minor, cmd.quantity, old)
    order.subtotal_minor += net - line.net_minor
    order.tax_minor += tax - line.tax_minor
    order.total_minor += (net - line.net_minor) + (tax - line.tax_minor)
    line.net_minor, line.tax_minor, line.quantity = net, tax, cmd.quantity
    order.shortages = [{"sku": l.sku, "missing": l.missing_quantity} for l in order.lines if l.missing_quantity]
    order.record("order.line_reduced", actor_id=actor.user_id, changed=True, order_line_id=line.id, sku=line.sku,
                 from_quantity=old, to_quantity=cmd.quantity, reason=cmd.reason)
    if order.status == OrderStatus.BACKORDERED.value and order.fully_allocated:
        order.transition(OrderStatus.ALLOCATED, actor_id=actor.user_id, reason="reduced to the stock there is")
    uow.commit()
    return order
