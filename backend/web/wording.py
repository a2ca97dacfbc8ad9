"""Words the pages share: counts with the right plural ("1 stop", "2 stops"), never "stop(s)"."""
from __future__ import annotations


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """`n` and the noun in the number it needs: counted(1, "line") -> "1 line", counted(3, "box", "boxes")."""
    return f"{n} {noun if n == 1 else (plural or noun + 's')}"


# An order's status as its customer would say it, matching the steps of their tracking page: the office's
# allocation steps are "confirmed" to them, and a hold is the shop confirming the payment, not a risk rule.
_CUSTOMER_STATUS = {
    "placed": "Received", "payment_hold": "Confirming payment", "awaiting_payment": "Awaiting payment",
    "accepted": "Confirmed", "backordered": "Confirmed", "allocated": "Confirmed",
    "picking": "Being prepared", "packed": "Packed", "shipped": "On its way",
    "out_for_delivery": "Out for delivery", "delivered": "Delivered", "cancelled": "Cancelled",
    "rejected": "Cancelled by the shop", "collected": "Collected at the counter",
}


def customer_status(status: str) -> str:
    """The words a customer reads for an order's status."""
    return _CUSTOMER_STATUS.get(status, status.replace("_", " ").capitalize())


_PAYMENT_METHOD = {"card": "Card", "paypal": "PayPal", "bank_transfer": "Bank transfer",
                   "cash_on_delivery": "Cash on delivery", "cash": "Cash"}
_PAYMENT_STATUS = {"unpaid": "being confirmed", "authorized": "approved", "awaiting_funds": "waiting for your transfer",
                   "partly_paid": "part paid, the rest to transfer",
                   "paid": "paid", "collect_on_delivery": "pay the driver", "voided": "not charged",
                   "partly_refunded": "partly refunded", "refunded": "refunded"}
# A card or PayPal order is taken part by part as its parcels leave: the buyer transfers nothing.
_CARD_PAYMENT_STATUS = {"partly_paid": "part taken as parcels leave"}


def customer_payment(method: str, status: str) -> str:
    """How a customer reads their payment: "Card · paid", "Cash on delivery · to pay the driver"."""
    said_method = _PAYMENT_METHOD.get(method, method.replace("_", " ").capitalize())
    said = (_CARD_PAYMENT_STATUS.get(status) if method in ("card", "paypal") else None) or \
        _PAYMENT_STATUS.get(status, status.replace("_", " "))
    return f"{said_method} · {said}"
