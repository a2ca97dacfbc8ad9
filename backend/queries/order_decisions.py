"""What a decision on an order touches, for the page that asks to confirm it and the message after it:
warehouse names, the delivery run the order is on, and whether its last decision may still be undone."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa

from ..adapters.fulfilment_tables import delivery_runs, run_stops
from ..adapters.order_repository import last_status_change
from ..adapters.records import User
from ..adapters.tables import warehouses
from ..domain.order_undo import undo_deadline
from ..domain.orders import Order


@dataclass(frozen=True)
class RunPlace:
    """Where an order waits on a delivery run: the driver, the day, and its stop number."""

    driver: str
    run_date: date
    position: int
    run_status: str


@dataclass(frozen=True)
class UndoOffer:
    """The order's last decision may be undone until `until` by posting `version` back.

    `seconds` is what is left of the window by the server's clock (the page counts it down, never trusting the
    phone's own clock); `number` and `ended` ("cancelled") word the message once the window is over."""

    decision: str
    version: int
    until: datetime
    seconds: int
    number: str = ""
    ended: str = ""


def warehouse_names(session, order: Order) -> dict[int, str]:
    """Names of the warehouses where the order has units reserved."""
    ids = {a.warehouse_id for line in order.lines for a in line.allocations}
    if not ids:
        return {}
    return dict(session.execute(sa.select(warehouses.c.id, warehouses.c.name).where(warehouses.c.id.in_(ids))).all())


def run_place(session, order_id: int) -> RunPlace | None:
    """The run on which the order still waits to be delivered, if any."""
    row = session.execute(
        sa.select(User.name, delivery_runs.c.run_date, run_stops.c.position, delivery_runs.c.status)
        .select_from(run_stops.join(delivery_runs, delivery_runs.c.id == run_stops.c.run_id)
                     .join(User.__table__, User.__table__.c.id == delivery_runs.c.driver_id))
        .where(run_stops.c.order_id == order_id, run_stops.c.status == "pending")
        .order_by(delivery_runs.c.run_date.desc()).limit(1)).first()
    return RunPlace(row[0], row[1], row[2], row[3]) if row else None


def undo_offer(session, order: Order, *, user_id: int | None, is_office: bool, now: datetime,
               window_seconds: int) -> UndoOffer | None:
    """The undo the page may offer this user now: the office's, or the person who took the decision."""
    change = last_status_change(session, order.id)
    if change is None or change.to_status != order.status or not change.data.get("undo"):
        return None
    if not (is_office or change.data.get("actor_id") == user_id):
        return None
    until = undo_deadline(change, window_seconds)
    if now >= until:
        return None
    # Whole seconds, rounded down: the button goes a moment before the server would refuse, never after.
    return UndoOffer(change.data["undo"]["decision"], order.version, until, int((until - now).total_seconds()),
                     order.number, order.status.replace("_", " "))
