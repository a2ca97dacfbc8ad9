"""A split order's parcels as its customer sees them: on the tracking page and on their order page.

Each part of the order ("Part 1 of 2") with what it holds, where it is in a customer's words, its carrier or
the van's arrival time, and its missed visits. Nothing of the office's: no warehouse stock, no SKU.
"""
from __future__ import annotations

import sqlalchemy as sa

from ..adapters.fulfilment_tables import delivery_runs, run_stops
from ..domain.failed_delivery import CUSTOMER_WORDS
from ..domain.fulfilment import MISSED, PartStatus
from ..domain.orders import Order
from .fulfilment import parts_of_order

# Where a parcel is, in the words the customer's steps use (tracking.STEPS), per part.
CUSTOMER_PART_WORDS = {
    PartStatus.WAITING: "Being prepared", PartStatus.PICKING: "Being prepared", PartStatus.PICKED: "Being prepared",
    PartStatus.PACKED: "Packed", PartStatus.SHIPPED: "On its way",
    PartStatus.OUT_FOR_DELIVERY: "On its way: out for delivery today",
    PartStatus.DELIVERY_FAILED: CUSTOMER_WORDS["delivery_failed"][0],
    PartStatus.AWAITING_REDELIVERY: CUSTOMER_WORDS["awaiting_redelivery"][0],
    PartStatus.AWAITING_COLLECTION: CUSTOMER_WORDS["awaiting_collection"][0],
    PartStatus.DELIVERED: "Delivered", PartStatus.RETURNED: CUSTOMER_WORDS["returned"][0],
}
_ON_THE_ROAD = (PartStatus.SHIPPED, PartStatus.OUT_FOR_DELIVERY, PartStatus.AWAITING_REDELIVERY)


def _stop_of(session, shipment_id: int) -> dict | None:
    """The latest stop of a shipment: its ETA while it is still to visit, and the day of its run."""
    row = session.execute(sa.select(run_stops.c.eta, run_stops.c.status, delivery_runs.c.status.label("run_status"),
                                    delivery_runs.c.run_date)
                          .join(delivery_runs, delivery_runs.c.id == run_stops.c.run_id)
                          .where(run_stops.c.shipment_id == shipment_id).order_by(run_stops.c.id.desc())).first()
    if row is None or row.status != "pending":
        return None
    return {"eta": row.eta if row.run_status == "out" else None, "run_date": row.run_date}


def customer_parts(session, order: Order) -> list[dict]:
    """Every parcel of the order, in order ("Part 1 of 2"), as its customer reads it; [] for a single parcel."""
    parts = parts_of_order(session, order)
    if len(parts) < 2:
        return []
    names = {line.id: line.name for line in order.lines}
    items = []
    for number, part in enumerate(parts, start=1):
        shipment = part.shipment
        stop = _stop_of(session, shipment.id) if shipment is not None and part.status in _ON_THE_ROAD else None
        items.append({
            "number": number, "of": len(parts), "status": part.status.value,
            "words": CUSTOMER_PART_WORDS[part.status],
            "contents": [(units, names.get(line_id, "item")) for line_id, units in part.units_by_line.items()],
            "next_step": CUSTOMER_WORDS.get(part.status.value) if part.status in MISSED | {PartStatus.RETURNED}
            else None,
            "attempts": part.attempts,
            "own_fleet": shipment is not None and shipment.carrier == "own_fleet",
            "carrier": shipment.carrier if shipment is not None else None,
            "tracking_number": shipment.tracking_number if shipment is not None else None,
            "eta": stop["eta"] if stop else None,
            "run_date": stop["run_date"] if stop and part.status == PartStatus.AWAITING_REDELIVERY else None,
        })
    return items


def missed_parcel(parts: list[dict]) -> dict | None:
    """The parcel the customer must hear about: one missed (waiting again, to collect) before one returned."""
    return next((p for p in parts if p["next_step"] and p["status"] != "returned"), None) or \
        next((p for p in parts if p["next_step"]), None)
