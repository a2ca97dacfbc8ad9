"""Undoing a cancel or a reject moments after it was taken: what may be undone, for how long, what it restores.

A decision that ends an order keeps, in its own event, what the order was before (`facts_before_ending`):
its status, its payment status, its shortages and where its units were reserved. An undo within the window
puts exactly that back. What cannot be put back by a tap is refused in words the office uses:
- a parcel that has left (shipped, out for delivery) or goods the floor already picked or packed;
- a rejected payment hold: the payment was judged bad, a fact the undo must not turn over.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from .errors import DomainError
from .orders import REINSTATABLE, Order, OrderStatus

S = OrderStatus
# The decisions whose ending of an order may be undone; a rejected payment hold is not among them.
UNDOABLE_DECISIONS = frozenset({"cancel", "reject"})


class UndoRefused(DomainError):
    """The undo cannot be done (too late, already undone, not undoable, stock gone): nothing changed."""

    code = "order.undo_refused"
    status = 409


@dataclass(frozen=True)
class StatusChange:
    """The latest status change of an order as its audit trail has it."""

    action: str
    from_status: str | None
    to_status: str | None
    data: dict
    at: datetime


def why_not_undoable(decision: str, status_before: OrderStatus) -> str | None:
    """The reason, in the office's words, that ending an order in `status_before` by `decision` cannot be
    undone; None when it can."""
    if decision == "reject_hold":
        return "A rejected payment stays rejected: the order cannot be brought back."
    ended = S.REJECTED if decision in ("reject", "reject_hold") else S.CANCELLED
    if status_before in (S.SHIPPED, S.OUT_FOR_DELIVERY, S.DELIVERED):
        return "The parcel has already left the warehouse, so this cannot be undone."
    if status_before in (S.PICKING, S.PACKED):
        return "The floor has started on this order, so this cannot be undone."
    if decision not in UNDOABLE_DECISIONS or status_before not in REINSTATABLE.get(ended, frozenset()):
        return "This cannot be undone."
    return None


def facts_before_ending(order: Order, decision: str) -> dict | None:
    """What an undo must restore, kept in the ending event; None when this ending cannot be undone."""
    if why_not_undoable(decision, order.state) is not None:
        return None
    return {"decision": decision, "status": order.status, "payment_status": order.payment_status,
            "shortages": list(order.shortages),
            "allocations": [{"line_id": line.id, "warehouse_id": a.warehouse_id, "quantity": a.quantity}
                            for line in order.lines for a in line.allocations]}


def undo_deadline(change: StatusChange, window_seconds: int) -> datetime:
    """Until when the change may be undone."""
    return change.at + timedelta(seconds=window_seconds)


def check_undo(order: Order, version: int, change: StatusChange | None, *, now: datetime,
               window_seconds: int) -> dict:
    """The facts to restore if the decision that left `order` at `version` may still be undone, else UndoRefused.

    `version` is the order's version right after the decision: any change since (a first undo included)
    makes a later undo of that decision stale.
    """
    if order.state not in REINSTATABLE or version != order.version or change is None \
            or change.to_status != order.status:
        raise UndoRefused(f"{order.number} has changed since: there is nothing to undo.",
                          code="order.undo_stale")
    facts = change.data.get("undo")
    if not facts:
        reason = why_not_undoable(_decision_of(change), OrderStatus(change.from_status or order.status))
        raise UndoRefused(f"{order.number}: {reason or 'This cannot be undone.'}", code="order.not_undoable")
    if now > undo_deadline(change, window_seconds):
        raise UndoRefused(f"Too late to undo: {order.number} stays {order.status}. Undo is possible for "
                          f"{window_seconds} seconds after the decision.", code="order.undo_expired")
    return facts


def _decision_of(change: StatusChange) -> str:
    if change.action == "order.rejected":
        return "reject_hold" if change.from_status == S.PAYMENT_HOLD.value else "reject"
    return "cancel"
