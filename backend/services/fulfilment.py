"""An order's parts as the handlers see them: read through the unit of work, chosen for the person acting."""
from __future__ import annotations

from ..domain.access import Actor, require_warehouse
from ..domain.errors import NotFound
from ..domain.fulfilment import FulfilmentPart, fulfilment_parts
from ..domain.orders import Order
from .unit_of_work import UnitOfWork


def parts_of(order: Order, uow: UnitOfWork) -> list[FulfilmentPart]:
    """The order's parts, one per warehouse, from its allocations, pick lines, parcels and shipments."""
    shipments = uow.shipping.shipments_of_order(order.id)
    return fulfilment_parts(order, uow.picking.lines_by_warehouse(order.id), uow.picking.packed_warehouses(order.id),
                            shipments, uow.delivery.failed_attempts_by_shipment(s.id for s in shipments))


def choose_part(parts, actor: Actor, warehouse_id: int | None, wanted, unfinished) -> FulfilmentPart:
    """The part the actor means: the named warehouse's, else the first of theirs for which `wanted(part)` holds,
    else the first `unfinished` one (so the caller's rule can say why it cannot be done). Checks the warehouse."""
    if warehouse_id is not None:
        part = next((p for p in parts if p.warehouse_id == warehouse_id), None)
        if part is None:
            raise NotFound("This order has nothing in that warehouse.", field="warehouse_id")
        require_warehouse(actor, part.warehouse_id)
        return part
    if not parts:
        raise NotFound("This order has no stock allocated in any warehouse.", field="order_id")
    mine = [p for p in parts if actor.is_office or p.warehouse_id in actor.warehouse_ids]
    if not mine:
        require_warehouse(actor, parts[0].warehouse_id)  # refuses: another warehouse's order
    part = next((p for p in mine if wanted(p)), None) or next((p for p in mine if unfinished(p)), mine[0])
    require_warehouse(actor, part.warehouse_id)
    return part
