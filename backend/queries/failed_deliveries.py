"""What the office sees of parcels after a failed attempt, and how many attempts a parcel has had."""
from __future__ import annotations

import sqlalchemy as sa

from ..adapters.fulfilment_tables import delivery_attempts, run_stops, shipments
from ..adapters.tables import customers, orders
from ..domain.access import Actor
from ..domain.failed_delivery import choices, driver_next_step, staff_reason

# Shipments the office must decide about (failed) or is keeping for the customer (held).
NEEDS_A_DECISION = ("failed", "held_for_collection")


def failed_attempts_of(session, shipment_ids) -> dict[int, int]:
    """Failed stops per shipment: one visit is one attempt, whichever phone recorded it."""
    if not shipment_ids:
        return {}
    rows = session.execute(sa.select(run_stops.c.shipment_id, sa.func.count()).where(
        run_stops.c.shipment_id.in_(list(shipment_ids)), run_stops.c.status == "failed")
        .group_by(run_stops.c.shipment_id)).all()
    return {shipment_id: count for shipment_id, count in rows}


def last_attempts(session, order_ids) -> dict[int, dict]:
    """The latest counted failed attempt of each order: reason, note, when."""
    if not order_ids:
        return {}
    rows = session.execute(sa.select(delivery_attempts).where(
        delivery_attempts.c.order_id.in_(list(order_ids)), delivery_attempts.c.history_only.is_(False))
        .order_by(delivery_attempts.c.id)).mappings().all()
    return {row["order_id"]: dict(row) for row in rows}


def missed_deliveries(session, actor: Actor) -> list[dict]:
    """Own-fleet parcels after a failed attempt, oldest first, with what the office may decide (office only)."""
    if not actor.is_office:
        return []
    rows = session.execute(
        sa.select(shipments.c.id, shipments.c.status, shipments.c.tracking_number, shipments.c.order_id,
                  orders.c.shipping_address, customers.c.name.label("customer_name"))
        .join(orders, orders.c.id == shipments.c.order_id)
        .join(customers, customers.c.id == orders.c.customer_id)
        .where(shipments.c.carrier == "own_fleet", shipments.c.status.in_(NEEDS_A_DECISION))
        .order_by(shipments.c.id)).mappings().all()
    counts = failed_attempts_of(session, [r["id"] for r in rows])
    attempts = last_attempts(session, [r["order_id"] for r in rows])
    items = []
    for row in rows:
        address = row["shipping_address"] or {}
        last = attempts.get(row["order_id"])
        items.append({
            "shipment_id": row["id"], "status": row["status"], "tracking_number": row["tracking_number"],
            "order_id": row["order_id"], "number": f"WB-{row['order_id']:06d}",
            "recipient": address.get("name") or row["customer_name"],
            "place": " ".join(filter(None, (address.get("postcode"), address.get("city")))),
            "attempts": counts.get(row["id"], 0),
            "reason": staff_reason(last["reason"]) if last else "", "note": last["note"] if last else "",
            "at": last["occurred_at"] if last else None,
            "choices": [(d.key, d.label) for d in choices(row["status"])],
        })
    return items


def delivery_problem(session, order_id: int) -> dict | None:
    """For the staff's order page: the last failed attempt and the count, if the order had one."""
    last = last_attempts(session, [order_id]).get(order_id)
    if last is None:
        return None
    shipment_ids = session.execute(sa.select(shipments.c.id).where(shipments.c.order_id == order_id)).scalars().all()
    return {"reason": staff_reason(last["reason"]), "note": last["note"], "at": last["occurred_at"],
            "attempts": sum(failed_attempts_of(session, shipment_ids).values())}


def next_step_for_driver(session, stop: dict, *, max_attempts: int) -> str | None:
    """What the driver does with the parcel of a failed stop (which attempt it was decides), else None."""
    if stop["status"] != "failed":
        return None
    attempt = session.execute(sa.select(sa.func.count()).select_from(run_stops).where(
        run_stops.c.shipment_id == stop["shipment_id"], run_stops.c.status == "failed",
        run_stops.c.id <= stop["id"])).scalar_one()
    return driver_next_step(attempts=attempt, max_attempts=max_attempts)
