"""The decisions people take on an order: which command each one is, which an order offers now, and the
status groups of the order list.

One map serves every entry point: the order page's decision form and the API's decision endpoints name a
decision here and get the same command, so a new decision is added in one place.
"""
from __future__ import annotations

from dataclasses import dataclass

from . import commands
from .access import Actor
from .orders import CUSTOMER_CANCELLABLE, OrderStatus


@dataclass(frozen=True)
class Decision:
    """A decision on an order: the command it runs, the words on its button, and where its free text goes.

    `text` names the command's field that takes the person's words (a reason, a note, a bank reference);
    None for decisions that take none.
    """

    name: str
    label: str
    command: type
    text: str | None = None

    def command_for(self, order_id: int, text: str = ""):
        """The command that carries out this decision on the order."""
        return self.command(order_id, **({self.text: text} if self.text else {}))


DECISIONS: dict[str, Decision] = {d.name: d for d in (
    Decision("accept", "Accept", commands.AcceptOrder),
    Decision("reject", "Reject", commands.RejectOrder, "reason"),
    Decision("cancel", "Cancel order", commands.CancelOrder, "reason"),
    Decision("release_hold", "Release payment hold", commands.ReleasePaymentHold, "note"),
    Decision("reject_hold", "Reject payment", commands.RejectPaymentHold, "reason"),
    Decision("payment_received", "Funds received", commands.RecordPaymentReceived, "reference"),
    Decision("retry_allocation", "Try to allocate again", commands.RetryAllocation),
)}


def command_for(decision: str, order_id: int, text: str = ""):
    """The command of a named decision on an order (KeyError for a name that is no decision)."""
    return DECISIONS[decision].command_for(order_id, text)


# What the office decides in each status, in the order the buttons appear (cancelling comes last).
_OFFICE_DECISIONS = {
    OrderStatus.PLACED: ("accept", "reject"),
    OrderStatus.PAYMENT_HOLD: ("release_hold", "reject_hold"),
    OrderStatus.AWAITING_PAYMENT: ("payment_received",),
    OrderStatus.BACKORDERED: ("retry_allocation",),
}


def decisions_for(actor: Actor, order) -> list[tuple[str, str]]:
    """(decision, label) pairs `actor` may take on `order` now: the office by the order's status (and cancel
    while it can still be cancelled), a customer only cancelling their own order before it is accepted."""
    state = order.state
    if actor.is_office:
        names = list(_OFFICE_DECISIONS.get(state, ()))
        if order.can_transition(OrderStatus.CANCELLED):
            names.append("cancel")
        return [(name, DECISIONS[name].label) for name in names]
    if actor.customer_id == order.customer_id and state in CUSTOMER_CANCELLABLE:
        return [("cancel", DECISIONS["cancel"].label)]
    return []


# The tabs of the order list: the statuses each one shows ("all" shows every status).
STATUS_GROUPS: dict[str, list[str]] = {
    "open": ["placed", "payment_hold", "awaiting_payment", "accepted", "backordered", "allocated", "picking",
             "packed"],
    "to_accept": ["placed"],
    "attention": ["payment_hold", "backordered"],
    "shipping": ["shipped", "out_for_delivery", "delivery_failed", "awaiting_redelivery", "awaiting_collection"],
    "done": ["delivered", "collected", "returned", "cancelled", "rejected"],
}
