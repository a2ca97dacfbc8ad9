"""Reads of split fulfilment: an order's parts per warehouse, as the floor, the office and the customer see them."""
from __future__ import annotations

from ..adapters.delivery_repository import DeliveryRepository
from ..adapters.mappings import reader
from ..adapters.picking_repository import PickingRepository
from ..adapters.shipping_repository import ShippingRepository
from ..domain.access import Actor
from ..domain.catalogue import Warehouse
from ..domain.fulfilment import MISSED, FulfilmentPart, PartStatus, describe_parts, fulfilment_parts
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
    # The parcel of a split order that was missed or came back, for the office's "missed" card.
    missed = next((r for r in rows if r["part"].status in MISSED | {PartStatus.RETURNED}), None)
    return {"parts": rows, "summary": describe_parts(parts), "split": len(parts) > 1,
            "missed_part": missed if len(parts) > 1 else None}


def parts_json(session, order: Order) -> list[dict]:
    """The order's parts as the API shows them: one per warehouse, with its units, shipment and attempts."""
    read = reader(session)
    lines = {line.id: line for line in order.lines}
    parts = []
    for part in parts_of_order(session, order):
        warehouse = read.get(Warehouse, part.warehouse_id) if part.warehouse_id is not None else None
        shipment = part.shipment
        parts.append({
            "shipment_id": getattr(shipment, "id", None),
            "warehouse": None if warehouse is None else {"id": warehouse.id, "code": warehouse.code,
                                                         "name": warehouse.name},
            "status": part.status.value, "units": part.units, "picked": part.picked, "short": part.short,
            "lines": [{"order_line_id": line_id, "sku": lines[line_id].sku, "name": lines[line_id].name,
                       "quantity": units} for line_id, units in part.units_by_line.items() if line_id in lines],
            "tracking": None if shipment is None else {"carrier": shipment.carrier,
                                                       "tracking_number": shipment.tracking_number},
            "attempts": part.attempts})
    return parts


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
