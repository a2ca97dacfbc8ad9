"""Reads of the shipping pages: packed orders waiting for a carrier, and what a shipment's slip and label show."""
from __future__ import annotations

import sqlalchemy as sa

from ..adapters.mappings import ORDER, reader
from ..adapters.shipping_repository import ShippingRepository
from ..adapters.tables import orders
from ..domain.access import Actor, can_view_order
from ..domain.catalogue import Warehouse
from ..domain.orders import Order, OrderStatus
from ..domain.shipping import Shipment


def packed_orders(session, actor: Actor, *, limit: int = 100) -> list[Order]:
    """Packed orders the actor may see, longest waiting first (the first `limit` packed ones)."""
    rows = reader(session).load(ORDER, sa.select(orders).where(orders.c.status == OrderStatus.PACKED.value)
                                .order_by(orders.c.updated_at).limit(limit))
    return [o for o in rows if can_view_order(actor, o)]


def slip_of(session, shipment: Shipment) -> dict:
    """What a shipment's packing slip shows beside it: its order, the order's parcels and the sending warehouse."""
    read = reader(session)
    order = read.get(Order, shipment.order_id)
    return {"order": order, "parcels": ShippingRepository(session, read).parcels_for(order.id),
            "warehouse": read.get(Warehouse, shipment.warehouse_id)}
