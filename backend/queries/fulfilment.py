"""Reads of split fulfilment: an order's parts per warehouse, as the floor, the office and the customer see them."""
from __future__ import annotations

from ..adapters.delivery_repository import DeliveryRepository
from ..adapters.mappings import reader
from ..adapters.picking_repository import PickingRepository
from ..adapters.shipping_repository import ShippingRepository
from ..domain.access import Actor
from ..domain.catalogue import Warehouse
from ..domain.fulfilment import FulfilmentPart, PartStatus, describe_parts, fulfilment_parts
from ..domain.orders import Order
from .orders import work_queue

# What each part's status means to a person, in words (the status chip also carries the word, not only a colour).
PART_WORDS = {PartStatus.WAITING: "Waiting to be picked", PartStatus.PICKING: "Being picked",
              PartStatus.PICKED: "Picked, ready to pack", PartStatus.PACKED: "Packed, waiting for the carrier",
              PartStatus.SHIPPED: "Shipped", PartStatus.OUT_FOR_DELIVERY: "Out for delivery",
              PartStatus.DELIVERY_FAILED: "Missed at the door: the office decides what happens next",
              PartStatus.AWAITING_REDELIVERY: "Missed, waiting for a later run",
              PartStatus.AWAITING_COLLECTION: "Missed, held for the customer to collect",
              PartStatus.DELIVERED: "Delivered",
              PartStatus.RETURNED: "Returned to the warehouse, stock back on the shelf"}


def parts_of_order(session, order: Order) -> list[FulfilmentPart]:
    """The order's parts, one per warehouse its units are allocated in (derived, never stored)."""
    read = reader(session)
    picking = PickingRepository(session, read)
    shipments = ShippingRepository(session, read).shipments_of_order(order.id)
    attempts = DeliveryRepository(session, read).failed_attempts_by_shipment(s.id for s in shipments)
    return fulfilment_parts(order, picking.lines_by_warehouse(order.id), picking.packed_warehouses(order.id),
                            shipments, attempts)


def parts_view(session, order: Order) -> dict:
    """What an order page shows of its parts: each with its warehouse and words, and a one-line summary."""
    parts = parts_of_order(session, order)
    read = reader(session)
    rows = [{"part": p, "warehouse": read.get(Warehouse, p.warehouse_id), "words": PART_WORDS[p.status]}
            for p in parts]
    return {"parts": rows, "summary": describe_parts(parts), "split": len(parts) > 1}


def floor_queue(session, actor: Actor, warehouse_ids, statuses, *, limit: int = 100) -> dict:
    """Orders with a part still to pick or pack in these warehouses, oldest first, each with those parts.

    A split order stays in the queue of the warehouse whose part is not packed yet (units reallocated there
    after a short pick elsewhere), and leaves the queue of the warehouse that already packed its part.
    """
    wanted = set(warehouse_ids)
    read = reader(session)
    items = []
    for order in work_queue(session, actor, statuses, limit=limit)["items"]:
        parts = [p for p in parts_of_order(session, order) if p.warehouse_id in wanted and not p.packed]
        if parts:
            rows = [{"part": p, "warehouse": read.get(Warehouse, p.warehouse_id), "words": PART_WORDS[p.status]}
                    for p in parts]
            items.append({"order": order, "parts": rows})
    return {"items": items, "total": len(items)}
