"""What a tracking link shows: one order's progress, never anything else (no address, no other stop)."""
from __future__ import annotations

import re

import sqlalchemy as sa

from ..adapters.fulfilment_tables import delivery_proofs, delivery_runs, run_stops, shipments
from ..adapters.tables import orders
from ..adapters.records import AuditEvent
from ..domain.failed_delivery import CUSTOMER_WORDS
from .customer_parts import customer_parts, missed_parcel
from .orders import order_for

# Tokens are secrets.token_urlsafe(24): 32 URL-safe characters. Anything else is not worth a query.
TOKEN = re.compile(r"^[A-Za-z0-9_-]{32}$")

# The steps a customer recognises, in order; internal steps (allocated, backordered) are not news to them.
STEPS = [("placed", "Order received"), ("accepted", "Confirmed"), ("picking", "Being prepared"),
         ("packed", "Packed"), ("shipped", "Shipped"), ("out_for_delivery", "Out for delivery"),
         ("delivered", "Delivered")]
ENDINGS = {"cancelled": "Cancelled", "rejected": "Cancelled by the shop", "returned": "Returned to us",
           "collected": "Collected at the counter"}
# After a failed attempt the order is between "out for delivery" and "delivered": a step of its own.
MISSED = ("delivery_failed", "awaiting_redelivery", "awaiting_collection")


def find_order(session, token: str):
    """(id, status, currency) of the order behind a well-formed, known token; None otherwise."""
    if not TOKEN.match(token or ""):
        return None
    return session.execute(sa.select(orders.c.id, orders.c.status, orders.c.created_at)
                           .where(orders.c.tracking_token == token)).first()


def _timeline(session, order_id: int, status: str, placed_at) -> list[dict]:
    reached = {"placed": placed_at}
    for to_status, at in session.execute(sa.select(AuditEvent.to_status, AuditEvent.created_at)
                                         .where(AuditEvent.order_id == order_id, AuditEvent.to_status.isnot(None))
                                         .order_by(AuditEvent.id)):
        reached.setdefault(to_status, at)
    if status in ENDINGS:
        ending = {"step": status, "label": ENDINGS[status], "at": reached.get(status), "done": True}
        return [{"step": key, "label": label, "at": reached[key], "done": True} for key, label in STEPS
                if key in reached] + [ending]
    steps = [{"step": key, "label": label, "at": reached.get(key), "done": key in reached} for key, label in STEPS]
    if status in MISSED:
        missed = {"step": status, "label": CUSTOMER_WORDS[status][0], "at": reached.get(status), "done": True}
        if status != "awaiting_collection":
            # Out for delivery again is still to come, not the old "out for delivery" of the missed visit.
            steps[-2] = {**steps[-2], "done": False, "at": None}
        steps.insert(len(steps) - 1 if status == "awaiting_collection" else len(steps) - 2, missed)
    return steps


def customer_timeline(session, order_id: int) -> list[dict]:
    """The steps of one order in a customer's words (the tracking page's): no reasons, no staff, no risk rules."""
    row = session.execute(sa.select(orders.c.status, orders.c.created_at).where(orders.c.id == order_id)).first()
    return [] if row is None else _timeline(session, order_id, row.status, row.created_at)


def _delivery(session, order_id: int, status: str) -> dict | None:
    """Own fleet: the stop's ETA and how many stops come first on a run that is out; carrier: its number."""
    shipment = session.execute(sa.select(shipments.c.carrier, shipments.c.tracking_number)
                               .where(shipments.c.order_id == order_id).order_by(shipments.c.id.desc())).first()
    if shipment is None:
        return None
    stop = session.execute(sa.select(run_stops.c.run_id, run_stops.c.position, run_stops.c.eta,
                                     run_stops.c.status, delivery_runs.c.status.label("run_status"),
                                     delivery_runs.c.run_date)
                           .join(delivery_runs, delivery_runs.c.id == run_stops.c.run_id)
                           .where(run_stops.c.order_id == order_id).order_by(run_stops.c.id.desc())).first()
    before = None
    if stop is not None and stop.run_status == "out" and stop.status == "pending":
        before = session.execute(sa.select(sa.func.count()).where(
            run_stops.c.run_id == stop.run_id, run_stops.c.status == "pending",
            run_stops.c.position < stop.position)).scalar_one()
    return {"own_fleet": shipment.carrier == "own_fleet", "carrier": shipment.carrier,
            "tracking_number": shipment.tracking_number,
            # Only a stop still to visit on the way has an arrival time: a missed visit's old ETA, or one on
            # a later run planned after a missed visit (its day is shown instead), is no promise for today.
            "eta": stop.eta if stop is not None and stop.status == "pending" and status in ("shipped", "out_for_delivery")
            else None,
            "run_date": stop.run_date if stop is not None and stop.status == "pending" else None,
            "stops_before": before}


def _proof(session, order_id: int) -> dict | None:
    proof = session.execute(sa.select(delivery_proofs.c.recipient_name, delivery_proofs.c.occurred_at,
                                      delivery_proofs.c.photo_blob_ids)
                            .where(delivery_proofs.c.order_id == order_id, delivery_proofs.c.extra_evidence.is_(False))
                            .order_by(delivery_proofs.c.id)).first()
    if proof is None:
        return None
    return {"recipient_name": proof.recipient_name, "at": proof.occurred_at, "photo_ids": list(proof.photo_blob_ids)}


def customer_news(session, order) -> dict:
    """What both customer pages say of the delivery: each parcel of a split order, else the one delivery, and
    "We missed you" with the next step (for the order, or the one parcel it is about) and a planned day."""
    parts = customer_parts(session, order)
    missed = missed_parcel(parts)
    delivery = _delivery(session, order.id, order.status)
    if missed:
        run_date = missed["run_date"]
    else:
        run_date = delivery["run_date"] if delivery and order.status == "awaiting_redelivery" else None
    return {"parts": parts, "missed_part": missed, "next_step": CUSTOMER_WORDS.get(order.status),
            "run_date": run_date, "delivery": delivery}


def tracking_view(session, token: str) -> dict | None:
    """Everything the tracking page shows for `token`, or None (the page answers 404, whatever the reason)."""
    found = find_order(session, token)
    if found is None:
        return None
    order_id, status, placed_at = found
    news = customer_news(session, order_for(session, order_id))
    return {"number": f"WB-{order_id:06d}", "status": status, "timeline": _timeline(session, order_id, status, placed_at),
            **news,
            "proof": _proof(session, order_id) if status == "delivered" else None}


def proof_photo_key(session, token: str, blob_id: str) -> tuple[str, str] | None:
    """(storage key, content type) of a delivery photo of the token's order; None for anything else."""
    from ..adapters.fulfilment_tables import blobs
    found = find_order(session, token)
    if found is None or found.status != "delivered":
        return None
    proof = _proof(session, found.id)
    if proof is None or blob_id not in proof["photo_ids"]:
        return None
    row = session.execute(sa.select(blobs.c.storage_key, blobs.c.content_type).where(blobs.c.id == blob_id)).first()
    return (row.storage_key, row.content_type) if row is not None else None
