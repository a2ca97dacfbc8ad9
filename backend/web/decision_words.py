"""The office's words around a decision on an order: what a cancel or reject will do before it is confirmed,
and what happened after any decision ("WB-000003 accepted, allocated to London")."""
from __future__ import annotations

from datetime import date

from ..domain.money import format_money
from ..domain.order_undo import why_not_undoable
from ..domain.orders import HOLDS_STOCK, OrderStatus
from .wording import counted

S = OrderStatus
# Decisions that end an order: they are confirmed on a page of their own before anything changes.
DESTRUCTIVE = ("reject", "cancel", "reject_hold")

_VERBS = {"cancel": "cancelled", "reject": "rejected", "reject_hold": "rejected"}
_CONFIRM_BUTTONS = {"cancel": "Yes, cancel {number}", "reject": "Yes, reject {number}",
                    "reject_hold": "Yes, reject the payment of {number}"}


def _listed(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _where(units_by_warehouse: dict[str, int]) -> str:
    """' in London', or ': 2 in London and 1 in Manchester' when the units are in more than one place."""
    if len(units_by_warehouse) == 1:
        return f" in {next(iter(units_by_warehouse))}"
    return ": " + _listed([f"{n} in {name}" for name, n in units_by_warehouse.items()])


def reserved_by_warehouse(order, names: dict[int, str]) -> dict[str, int]:
    """Reserved units of the order per warehouse name, in a steady order."""
    units: dict[str, int] = {}
    for line in order.lines:
        for allocation in line.allocations:
            name = names.get(allocation.warehouse_id, "the warehouse")
            units[name] = units.get(name, 0) + allocation.quantity
    return dict(sorted(units.items()))


def confirm_button(decision: str, order) -> str:
    """The words on the button that carries the decision out."""
    return _CONFIRM_BUTTONS[decision].format(number=order.number)


def consequences(decision: str, order, names: dict[int, str], run, today: date, undo_seconds: int,
                 *, for_customer: bool = False) -> list[str]:
    """Sentences saying what confirming `decision` will do to the order, its stock, its run and its payment
    (a customer cancelling their own order hears about their order and their money only)."""
    number, state = order.number, order.state
    if for_customer:
        return [f"{number} will be cancelled.",
                *(["Nothing will be taken for it."] if order.payment_status not in ("paid", "partly_paid") else
                  ["You have paid for it: the shop will refund you."]),
                f"You can undo this for {counted(undo_seconds, 'second')} afterwards."]
    said = [f"{number}'s payment will be rejected and the order rejected with it." if decision == "reject_hold"
            else f"{number} will be {_VERBS[decision]}."]
    units = reserved_by_warehouse(order, names)
    total = sum(units.values())
    if state in (S.PICKING, S.PACKED) and total:
        said.append(f"Its {counted(total, 'reserved unit')} {_go(total)} back into stock{_where(units)}. "
                    "The floor must put what it has picked back on the shelf.")
    elif state in HOLDS_STOCK and total:
        said.append(f"Its {counted(total, 'reserved unit')} {_go(total)} back on the shelf{_where(units)}.")
    elif state in HOLDS_STOCK:
        said.append("No stock is reserved for it, so no stock changes.")
    else:
        said.append("Its parcel has already left the warehouse: no stock comes back by this.")
    if run is not None:
        day = "today" if run.run_date == today else run.run_date.strftime("%d %b")
        said.append(f"It is stop {run.position} on {run.driver}'s run {day}: the stop stays on the run, so "
                    f"tell {run.driver} to bring the parcel back. If it is handed over anyway, it shows under "
                    "Exceptions.")
    if order.payment_status == "authorized":
        method = "PayPal" if order.payment_method == "paypal" else order.payment_method.replace("_", " ")
        said.append(f"The {method} payment is voided, so nothing is taken from the customer.")
    elif order.payment_status == "paid":
        said.append(f"It is paid ({format_money(order.total_minor, order.currency)}): refund the customer "
                    "separately.")
    elif order.payment_status == "partly_paid" and order.payment_method in ("card", "paypal"):
        said.append("Part of it was already taken for a parcel that left: the rest of the card hold is released; "
                    "refund what was taken separately.")
    reason = why_not_undoable(decision, state)
    said.append(reason or f"You can undo this for {counted(undo_seconds, 'second')} afterwards.")
    return said


def _go(n: int) -> str:
    return "goes" if n == 1 else "go"


def outcome(decision: str, before_units: dict[str, int], order, names_after: dict[int, str],
            *, for_customer: bool = False) -> str:
    """What happened, in the office's words (or a customer's), after `decision` left the order as it is now."""
    number, state = order.number, order.state
    if for_customer:
        return f"{number} cancelled." if state == S.CANCELLED else f"{number} is now {state.value.replace('_', ' ')}."
    if decision in _VERBS:
        back = sum(before_units.values())
        lead = f"{number}'s payment rejected, order rejected" if decision == "reject_hold" \
            else f"{number} {_VERBS[decision]}"
        if back:
            return f"{lead}: {counted(back, 'unit')} back in stock{_where(before_units)}."
        return f"{lead}."
    now = reserved_by_warehouse(order, names_after)
    if state == S.ALLOCATED:
        verb = {"accept": "accepted, allocated", "retry_allocation": "allocated"}.get(decision, "allocated")
        return f"{number} {verb} to {_listed(list(now))}." if now else f"{number} {verb}."
    if state == S.BACKORDERED:
        missing = ", ".join(f"{s['sku']} {s['missing']} missing" for s in order.shortages)
        lead = f"{number} accepted but backordered" if decision == "accept" else f"{number} still backordered"
        return f"{lead}: {missing}." if missing else f"{lead}."
    if state == S.AWAITING_PAYMENT:
        return f"{number} released from payment hold: waiting for the bank transfer."
    if state == S.PLACED:
        lead = f"{number} paid" if decision == "payment_received" else f"{number} released from payment hold"
        return f"{lead}: ready to accept."
    return f"{number} is now {state.value.replace('_', ' ')}."


def undone(order, names: dict[int, str], *, for_customer: bool = False) -> str:
    """What an undo put back."""
    if for_customer:
        return f"Undone: {order.number} goes ahead as before."
    units = reserved_by_warehouse(order, names)
    total = sum(units.values())
    status = order.state.value.replace("_", " ")
    if total:
        return f"Undone: {order.number} is {status} again, {counted(total, 'unit')} reserved{_where(units)}."
    return f"Undone: {order.number} is {status} again."
