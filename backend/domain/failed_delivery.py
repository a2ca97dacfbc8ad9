"""After a failed delivery attempt: what the office may decide, when it goes back by itself, and the words.

A failed attempt leaves the order "delivery failed" and its shipment "failed". The office then puts it on a
later run (re-attempt), holds it at the warehouse for collection, or returns it to the shelf; once the
customer collects a held parcel the office records that too. After `max_attempts` failed attempts the
parcel goes back to the sender by itself and the office is told. Pure rules: the services apply them.
"""
from __future__ import annotations

from dataclasses import dataclass

from .delivery import FAIL_REASONS
from .errors import DomainError
from .orders import OrderStatus
from .shipping import ShipmentStatus


class FailedDeliveryError(DomainError):
    """A decision that does not fit where the shipment is now."""

    code = "failed_delivery.not_decidable"
    status = 409


@dataclass(frozen=True)
class Decision:
    """One office decision: the order's and the shipment's next status, the statuses it applies from, words."""

    key: str
    label: str        # the button
    done: str         # the message after it, "{number}" is the order's number
    order_to: OrderStatus
    shipment_to: ShipmentStatus
    from_shipment: frozenset
    restock: bool = False


_AFTER_FAILURE = frozenset({ShipmentStatus.FAILED.value})
_HELD = frozenset({ShipmentStatus.HELD_FOR_COLLECTION.value})

DECISIONS: dict[str, Decision] = {
    "reattempt": Decision("reattempt", "Try again on a later run",
                          "{number} is waiting for a run again: put it on a driver's run below.",
                          OrderStatus.AWAITING_REDELIVERY, ShipmentStatus.AWAITING_DISPATCH, _AFTER_FAILURE | _HELD),
    "hold": Decision("hold", "Hold for collection",
                     "{number} is held at the warehouse for the customer to collect.",
                     OrderStatus.AWAITING_COLLECTION, ShipmentStatus.HELD_FOR_COLLECTION, _AFTER_FAILURE),
    "return": Decision("return", "Return to the warehouse",
                       "{number} is returned: its stock is back on the shelf.",
                       OrderStatus.RETURNED, ShipmentStatus.RETURNED, _AFTER_FAILURE | _HELD, restock=True),
    "collected": Decision("collected", "Collected by the customer",
                          "{number} was collected: it is delivered.",
                          OrderStatus.DELIVERED, ShipmentStatus.DELIVERED, _HELD),
}


def decide(key: str, *, shipment_status: str, own_fleet: bool) -> Decision:
    """The decision `key` if it may be taken on a shipment in `shipment_status`, else a domain error."""
    decision = DECISIONS.get(key)
    if decision is None:
        raise FailedDeliveryError("Choose what to do with the parcel.", code="failed_delivery.unknown_decision",
                                  field="decision")
    if not own_fleet or shipment_status not in decision.from_shipment:
        raise FailedDeliveryError(
            f"This shipment is {shipment_status.replace('_', ' ')}: \"{decision.label}\" is not possible now.",
            details={"status": shipment_status, "decision": key})
    return decision


def choices(shipment_status: str) -> list[Decision]:
    """The decisions the office can take on a shipment in this status, in the order the page offers them."""
    return [d for d in DECISIONS.values() if shipment_status in d.from_shipment]


def limit_reached(failed_attempts: int, max_attempts: int) -> bool:
    """True once the parcel has failed as often as the shop allows: it goes back to the sender."""
    return failed_attempts >= max(1, max_attempts)


RETURNED_TO_SENDER = "delivery.returned_to_sender"


def returned_message(number: str, failed_attempts: int, *, part: bool = False) -> str:
    """What the office's exception says when a parcel went back by itself (`part`: one parcel of a split order)."""
    what = f"One parcel of {number}" if part else number
    stock = "its units are" if part else "its stock is"
    return (f"{what} could not be delivered after {failed_attempts} attempts, so it goes back to the "
            f"warehouse: {stock} counted back on the shelf. Check that the driver hands the parcel in, and "
            "contact the customer about a refund or a new order" + (" for that part." if part else "."))


def staff_reason(reason: str) -> str:
    """The staff's line for a failed attempt: "Delivery attempt failed: no one home"."""
    return f"Delivery attempt failed: {FAIL_REASONS.get(reason, reason).lower()}"


# What the customer reads on the tracking page in each status after a failed attempt: headline, next step.
CUSTOMER_WORDS: dict[str, tuple[str, str]] = {
    "delivery_failed": ("We missed you",
                        "We tried to deliver your parcel but could not hand it over. It is safe with us: we "
                        "will try again on another day, or keep it for you to collect. Get in touch below if "
                        "you would like to choose."),
    "awaiting_redelivery": ("We will try again",
                            "We missed you last time, so your parcel is going out again on one of our next "
                            "deliveries. We will let you know when it is on its way."),
    "awaiting_collection": ("Ready to collect",
                            "We are keeping your parcel for you. Bring your order number when you collect it."),
    "returned": ("Returned to us",
                 "We could not deliver your parcel, so it has come back to us. We will contact you about a "
                 "refund or a new delivery."),
}


def driver_next_step(*, attempts: int, max_attempts: int) -> str:
    """What the driver does with a parcel they could not deliver (shown on the failed stop)."""
    if limit_reached(attempts, max_attempts):
        return (f"That was the last attempt ({attempts} of {max_attempts}). Keep the parcel in the van and hand "
                "it in at the warehouse: it goes back to the sender.")
    return (f"Attempt {attempts} of {max_attempts}. Keep the parcel in the van and hand it in at the warehouse "
            "at the end of the run: the office will decide whether it goes out again or is kept for collection.")
