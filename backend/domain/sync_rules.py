"""Conflict rules for offline commands (README, "Offline sync"): pure functions, one per command kind.

A phone may act on what it saw an hour ago. Each rule compares what the command says happened (or asks
for) with the state now, and returns a `Verdict`:

- APPLY: go ahead as the online form would;
- NOOP: the target is already reached (the same status twice) or the fact is kept only as history;
- EXCEPTION: a *fact* clashes with the current state: record it anyway, and open an exception for a
  person in the office (its `code` and `message` say what happened and what to do);
- REJECT: a *request* no longer makes sense: refuse it with a stable code and plain words.

Facts are never rejected for being late: the goods really moved. Requests are checked against the
version the person saw (`base`).
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Outcome(str, Enum):
    """What the service does with a command after its rule has looked at it."""

    APPLY = "apply"
    NOOP = "noop"
    EXCEPTION = "exception"
    REJECT = "reject"


@dataclass(frozen=True)
class Verdict:
    """A rule's answer; `quantity` and `surplus` are set by the pick rule only."""

    outcome: Outcome
    code: str = ""
    message: str = ""
    quantity: int | None = None
    surplus: int = 0

    @property
    def applies(self) -> bool:
        """True when the command's effect is recorded (with or without an exception)."""
        return self.outcome in (Outcome.APPLY, Outcome.EXCEPTION)


APPLY = Verdict(Outcome.APPLY)

# Order statuses in which a driver's hand-over is the expected next step.
# After a failed attempt the parcel may still change hands (the neighbour came out, the customer collected).
_DELIVERABLE = frozenset({"shipped", "out_for_delivery", "delivery_failed", "awaiting_redelivery",
                          "awaiting_collection"})
_SPLIT_DELIVERABLE = frozenset({"picking", "packed", "backordered"})


def confirm_delivery(*, order_status: str, stop_delivered: bool, split: bool = False) -> Verdict:
    """A driver handed the parcel over (a fact). Ownership of the stop is checked before this rule.

    `split`: the parcel is one part of an order fulfilled from several warehouses, so the order may
    still be picking or packed (or wait for a backorder) while this part travels.
    """
    if stop_delivered:
        return Verdict(Outcome.EXCEPTION, "delivery.already_confirmed",
                       "This stop was already confirmed as delivered from another phone. The first "
                       "confirmation stands; this proof is kept as extra evidence. Check which is right.")
    if order_status == "cancelled":
        return Verdict(Outcome.EXCEPTION, "delivery.after_cancel",
                       "The order was cancelled while the driver was offline, but the parcel was handed "
                       "over. Contact the customer: collect it back or reinstate the order.")
    if order_status == "delivered":
        return Verdict(Outcome.NOOP, "delivery.already_delivered", "The order is already delivered.")
    if order_status not in _DELIVERABLE and not (split and order_status in _SPLIT_DELIVERABLE):
        return Verdict(Outcome.EXCEPTION, "delivery.unexpected_state",
                       f"The parcel was handed over while the order was {order_status.replace('_', ' ')}. "
                       "Check the order and put it right.")
    return APPLY


def failed_attempt(*, stop_status: str) -> Verdict:
    """A driver could not deliver (a fact). One visit is one attempt: after a delivery, or a second
    "not delivered" for the same stop (another phone, or a tap queued twice offline), it is history only."""
    if stop_status == "delivered":
        return Verdict(Outcome.NOOP, "attempt.after_delivery",
                       "The stop is already delivered; this attempt is kept in its history.")
    if stop_status == "failed":
        return Verdict(Outcome.NOOP, "attempt.already_recorded",
                       "A failed attempt was already recorded for this stop; this one is kept in its history.")
    return APPLY


def record_pick(*, still_allocated: int, picked: int, claimed_by_other: bool = False) -> Verdict:
    """A picker took `picked` units for a line that now needs only `still_allocated` more (a fact).

    What is still allocated is applied; the rest becomes a put-back. A pick made on a list another
    phone claimed first is still recorded, and flagged.
    """
    if picked <= 0:
        raise ValueError("a pick is at least one unit")
    still_allocated = max(still_allocated, 0)
    applied = min(picked, still_allocated)
    surplus = picked - applied
    if surplus:
        return Verdict(Outcome.EXCEPTION, "pick.allocation_shrank",
                       f"{picked} picked but only {applied} still needed: put {surplus} back on the shelf.",
                       quantity=applied, surplus=surplus)
    if claimed_by_other:
        return Verdict(Outcome.EXCEPTION, "pick.list_claimed_by_other",
                       "Picked on a list another picker claimed first. The pick is recorded; check "
                       "with them that nothing is picked twice.", quantity=applied)
    return Verdict(Outcome.APPLY, quantity=applied)


def short_pick() -> Verdict:
    """A picker found fewer units than expected (a fact): always accepted."""
    return APPLY


def claim_pick_list(*, claimed_by: int | None, actor_id: int) -> Verdict:
    """A picker asks for a list (a request): free or already theirs, else refused."""
    if claimed_by is None:
        return APPLY
    if claimed_by == actor_id:
        return Verdict(Outcome.NOOP, "pick_list.already_yours", "You already have this pick list.")
    return Verdict(Outcome.REJECT, "pick_list.claimed",
                   "Another picker claimed this list first. Pick another list.")


def close_pack(*, all_lines_picked: bool, order_status: str, order_version: int,
               base_version: int | None) -> Verdict:
    """A packer asks to close the parcel(s) of an order (a request)."""
    if order_status == "packed":
        return Verdict(Outcome.NOOP, "pack.already_closed", "This order is already packed.")
    if order_status == "cancelled":
        return Verdict(Outcome.REJECT, "pack.order_cancelled",
                       "The order was cancelled: unpack it and put the items back.")
    if order_status in ("payment_hold", "placed", "awaiting_payment"):
        return Verdict(Outcome.REJECT, "pack.order_held",
                       "The order is on hold: keep the parcel aside until the office releases it.")
    if base_version is not None and base_version != order_version:
        return Verdict(Outcome.REJECT, "pack.order_changed",
                       "The order changed since you started packing: open it again, re-pick what "
                       "changed, then pack.")
    if not all_lines_picked:
        return Verdict(Outcome.REJECT, "pack.not_fully_picked",
                       "Not every line is picked yet: finish picking or report a short pick first.")
    return APPLY


# What moves a split order's version without changing a part's content: the parts' own progress (a claim, another
# warehouse's parcel or shipment, the order following its parts) and news to the customer.
_PARTS_PROGRESS = frozenset({"order.picking", "order.packed", "order.shipped", "order.out_for_delivery",
                             "order.delivered", "order.delivery_failed", "order.awaiting_redelivery",
                             "order.awaiting_collection", "order.arriving_soon"})
_OTHER_PART = frozenset({"order.part_packed", "order.part_shipped", "order.part_delivered",
                         "order.part_delivery_failed", "order.part_returned", "order.part_awaiting_redelivery",
                         "order.part_awaiting_collection"})


def part_changed(changes, warehouse_id: int) -> bool:
    """True if anything after the version a packer saw concerns their part of a split order.

    `changes`: (event name, data) of the order after that version. Another warehouse's progress is no change
    to this part; a short pick elsewhere is one only if its units were moved here. Anything else (a reduced
    line, a hold, a cancel, a reallocation) is: the packer must look again.
    """
    for name, data in changes:
        if name in _PARTS_PROGRESS:
            continue
        if name in _OTHER_PART and data.get("warehouse_id") != warehouse_id:
            continue
        if name == "order.short_picked" and str(warehouse_id) not in (data.get("reallocated") or {}):
            continue
        return True
    return False


def reach_status(*, current: str, target: str) -> Verdict:
    """Reaching a status the order is already in is a no-op, not a conflict."""
    if current == target:
        return Verdict(Outcome.NOOP, "status.already_reached", f"Already {target.replace('_', ' ')}.")
    return APPLY


# -- shipping & dispatch --------------------------------------------------------------------------
def reorder_run(*, run_status: str, run_version: int, base_version: int | None, same_order: bool) -> Verdict:
    """A driver asks to visit the stops in another order (a request, checked against what they saw)."""
    if run_status == "done":
        return Verdict(Outcome.REJECT, "run.done", "This run is finished: its stops cannot be reordered.")
    if same_order:
        return Verdict(Outcome.NOOP, "run.same_order", "The stops are already in this order.")
    if base_version is not None and base_version != run_version:
        return Verdict(Outcome.REJECT, "run.changed",
                       "The office changed this run since you opened it: reload the run and reorder again.")
    return APPLY
