"""Reads of the shipping pages: packed orders waiting for a carrier, and what a shipment's slip and label show."""
from __future__ import annotations

import sqlalchemy as sa

from ..adapters.mappings import ORDER, reader
from ..adapters.shipping_repository import ShippingRepository
from ..adapters.fulfilment_tables import parcels
from ..adapters.tables import orders
from ..domain.access import Actor, can_view_order
from ..domain.catalogue import Warehouse
from ..domain.orders import Order, OrderStatus
from ..domain.shipping import Shipment
from .fulfilment import parts_of_order


def packed_parts(session, actor: Actor, *, limit: int = 100) -> list[dict]:
    """Packed parts waiting for a carrier that the actor may ship, longest waiting first: a whole packed order
    is one part; a split order's warehouse that packed its part ships it while the other is still picking."""
    with_parcel = sa.select(parcels.c.order_id).where(parcels.c.order_id == orders.c.id).exists()
    candidates = reader(session).load(ORDER, sa.select(orders).where(sa.or_(
        orders.c.status == OrderStatus.PACKED.value,
        sa.and_(orders.c.status.in_((OrderStatus.PICKING.value, OrderStatus.BACKORDERED.value)), with_parcel)))
        .order_by(orders.c.updated_at).limit(limit))
    read = reader(session)
    waiting = []
    for order in candidates:
        if not can_view_order(actor, order):
            continue
        parts = parts_of_order(session, order)
        for part in parts:
            if part.packed and not part.shipped and (actor.is_office or part.warehouse_id in actor.warehouse_ids):
                waiting.append({"order": order, "part": part, "split": len(parts) > 1,
                                "warehouse": read.get(Warehouse, part.warehouse_id)})
    return waiting


def slip_of(session, shipment: Shipment) -> dict:
    """What a shipment's packing slip shows beside it: its order, the order's parcels and the sending warehouse."""
    read = reader(session)
    order = read.get(Order, shipment.order_id)
    return {"order": order, "parcels": ShippingRepository(session, read).parcels_for(order.id, shipment.warehouse_id),
            "warehouse": read.get(Warehouse, shipment.warehouse_id)}
