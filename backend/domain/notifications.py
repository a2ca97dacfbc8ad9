"""Web push for customers (and staff alerts about new orders) as pure rules: which events notify, what they say.

Nothing here talks to a push service. The dispatcher (adapters/push_worker.py) asks these rules which
published events become a notification, builds the payload with `build_payload` (small, and never an
address), sends it with the `Delivery` headers, and asks `push_delivery.after_response` what a push service's
answer means; `push_subscriptions` says which subscriptions and settings are acceptable.
"""
from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

from .access import Role
from .catalogue import Channel
from .money import format_money
from .timefmt import ShopClock

MINUTE = 60
HOUR = 60 * MINUTE

# Push services accept about 4 KB of encrypted body; we promise much less so headers and padding fit.
MAX_PAYLOAD_BYTES = 3000
# RFC 8030 section 5.4: a Topic is at most 32 characters of the URL-safe base64 alphabet.
MAX_TOPIC_LENGTH = 32
URGENCIES = ("very-low", "low", "normal", "high")


@dataclass(frozen=True)
class Kind:
    """One kind of customer notification: its words, how long a push service keeps it, and its urgency.

    `ttl` is in seconds: a push service drops the message if the phone is not reachable for that long
    (pywebpush's default of 0 would drop every message to a sleeping phone). Only an imminent arrival
    is `high` urgency: it wakes a phone that saves battery, which nothing else deserves.
    """

    key: str
    title: str
    body: str  # may contain {number}
    ttl: int
    urgency: str = "normal"


# The events that reach a customer's phone, by outbox event name. Nothing else is sent.
KINDS: dict[str, Kind] = {
    "order.accepted": Kind("accepted", "Order confirmed",
                           "We have your order {number} and are getting it ready.", ttl=24 * HOUR),
    "order.shipped": Kind("shipped", "Your order has shipped",
                          "Order {number} has left our warehouse.", ttl=24 * HOUR),
    "order.out_for_delivery": Kind("out_for_delivery", "Out for delivery",
                                   "Order {number} is on the van and arrives today.", ttl=8 * HOUR),
    "order.arriving_soon": Kind("arriving_soon", "Arriving soon",
                                "The driver is nearly with you with order {number}.", ttl=15 * MINUTE,
                                urgency="high"),
    "order.delivered": Kind("delivered", "Delivered", "Order {number} has been delivered.", ttl=24 * HOUR),
    # A split order (stock in two warehouses) travels as two parcels: the customer hears about each.
    "order.part_shipped": Kind("part_shipped", "Part of your order has shipped",
                               "One parcel of order {number} has left us; the rest follows separately.",
                               ttl=24 * HOUR),
    "order.part_delivered": Kind("part_delivered", "One parcel delivered",
                                 "One parcel of order {number} has been delivered; the rest is on its way.",
                                 ttl=24 * HOUR),
    # One parcel of a split order missed while the rest is elsewhere: the customer still hears about it.
    "order.part_delivery_failed": Kind("part_failed_attempt", "We missed you",
                                       "We could not deliver one parcel of order {number} today. Open the "
                                       "tracking page to see what happens next.", ttl=24 * HOUR),
    "order.part_awaiting_redelivery": Kind("part_redelivery", "We will try again",
                                           "One parcel of order {number} goes out again on one of our next "
                                           "deliveries.", ttl=24 * HOUR),
    "order.part_awaiting_collection": Kind("part_awaiting_collection", "Ready to collect",
                                           "One parcel of order {number} is waiting for you to collect it.",
                                           ttl=3 * 24 * HOUR),
    "order.part_returned": Kind("part_returned", "One parcel returned to us",
                                "We could not deliver one parcel of order {number}, so it came back to us. We "
                                "will be in touch about a refund or a new delivery.", ttl=3 * 24 * HOUR),
    "order.delivery_failed": Kind("failed_attempt", "We missed you",
                                  "We could not deliver order {number} today. Open the tracking page "
                                  "to see what happens next.", ttl=24 * HOUR),
    "order.awaiting_redelivery": Kind("redelivery", "We will try again",
                                      "Order {number} goes out again on one of our next deliveries.",
                                      ttl=24 * HOUR),
    "order.awaiting_collection": Kind("awaiting_collection", "Ready to collect",
                                      "Order {number} is waiting for you to collect it. Open the tracking page "
                                      "for where and how.", ttl=3 * 24 * HOUR),
    "order.returned": Kind("returned", "Returned to us",
                           "We could not deliver order {number}, so it came back to us. We will be in touch "
                           "about a refund or a new delivery.", ttl=3 * 24 * HOUR),
    "order.return_received": Kind("return_received", "Return received",
                                  "We have received the return for order {number}.", ttl=3 * 24 * HOUR,
                                  urgency="low"),
    "order.refund_issued": Kind("refund_issued", "Refund issued",
                                "Your refund for order {number} is on its way to you.", ttl=3 * 24 * HOUR,
                                urgency="low"),
}


def kind_of(event_name: str, aggregate: str) -> Kind | None:
    """The notification an outbox event becomes, or None if customers are not told about it."""
    if aggregate != "order":
        return None
    return KINDS.get(event_name)


def topic_for(tracking_token: str) -> str:
    """The Topic of every push about one order, so a newer status replaces one not yet delivered.

    Derived from the order's secret tracking token (not its id), so the push service learns nothing
    about how many orders the shop has: 22 URL-safe base64 characters of a SHA-256.
    """
    digest = hashlib.sha256(b"waybill-push-topic:" + tracking_token.encode()).digest()
    return base64.urlsafe_b64encode(digest).decode()[:22]


def tracking_url(tracking_token: str) -> str:
    """The page a notification opens (a path: the service worker opens it on its own origin)."""
    return f"/track/{tracking_token}"


class PayloadTooLarge(ValueError):
    """A payload would not fit in MAX_PAYLOAD_BYTES even with its body shortened."""


def build_payload(kind: Kind, *, order_number: str, tracking_token: str, event_id: str, sequence: int,
                  occurred_at: datetime, eta: datetime | None = None, clock: ShopClock = ShopClock()) -> bytes:
    """The JSON the service worker shows: title, body, tag (the Topic) and the tracking page's URL.

    It is built from named facts only (never from an event's data), so no address, name or phone
    number can slip in. At most MAX_PAYLOAD_BYTES of UTF-8. The ETA is read on the shop's `clock`.
    """
    body = kind.body.format(number=order_number)
    if eta is not None and kind.key in ("out_for_delivery", "arriving_soon"):
        body += f" Expected around {clock.time(eta)}."
    data = {"v": 1, "kind": kind.key, "title": kind.title, "body": body, "tag": topic_for(tracking_token),
            "url": tracking_url(tracking_token), "order": order_number, "event_id": event_id,
            "sequence": sequence, "at": occurred_at.isoformat()}
    if eta is not None:
        data["eta"] = eta.isoformat()
    encoded = json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode()
    while len(encoded) > MAX_PAYLOAD_BYTES and len(data["body"]) > 1:
        data["body"] = data["body"][: max(1, len(data["body"]) - (len(encoded) - MAX_PAYLOAD_BYTES) - 1)] + "…"
        encoded = json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode()
    if len(encoded) > MAX_PAYLOAD_BYTES:
        raise PayloadTooLarge(f"push payload of {len(encoded)} bytes exceeds {MAX_PAYLOAD_BYTES}")
    return encoded


# -- staff alerts (owners and managers) ---------------------------------------------------------------------
# A shop's owner or manager may ask their own browser to be told about new orders even when the app is closed.
# Same push machinery, a different audience: these never go to customers, and customers' news never to staff.
AUDIENCE_CUSTOMER = "customer"
AUDIENCE_STAFF = "staff"
# Who may ask for (and keeps getting) new-order alerts: the office.
STAFF_ALERT_ROLES = (Role.OWNER, Role.MANAGER)


@dataclass(frozen=True)
class StaffKind:
    """One kind of staff alert: words (`{number}`, `{total}`), life at the push service, urgency."""

    key: str
    title: str
    body: str
    ttl: int
    urgency: str = "normal"


# Staff hear only about work arriving: an order placed, and one held for a payment check. Nothing else.
STAFF_KINDS: dict[str, StaffKind] = {
    "order.placed": StaffKind("staff_new_order", "New order", "New order {number} — {total}", ttl=HOUR),
    "order.payment_hold": StaffKind("staff_payment_hold", "Payment check needed",
                                    "Order {number} — {total} is held for a payment check.", ttl=HOUR),
}


def staff_kind_of(event_name: str, aggregate: str, payload: dict | None = None) -> StaffKind | None:
    """The staff alert an outbox event becomes, or None if staff are not alerted about it.

    A counter sale is placed, paid and handed over in one go by someone already at the till: it is no work
    arriving, so it alerts no one.
    """
    if aggregate != "order":
        return None
    if event_name == "order.placed" and (payload or {}).get("channel") == Channel.POS.value:
        return None
    return STAFF_KINDS.get(event_name)


def staff_topic_for(order_id: int) -> str:
    """The Topic of staff alerts about one order (a held order's alert replaces its 'new order' if unsent).

    A hash, not the id, so the push service does not learn how many orders the shop takes.
    """
    digest = hashlib.sha256(b"waybill-staff-push-topic:" + str(int(order_id)).encode()).digest()
    return base64.urlsafe_b64encode(digest).decode()[:22]


def order_url(order_id: int) -> str:
    """The office page a staff alert opens."""
    return f"/orders/{int(order_id)}"


def build_staff_payload(kind: StaffKind, *, order_id: int, order_number: str, total_minor: int, currency: str,
                        event_id: str, sequence: int, occurred_at: datetime) -> bytes:
    """The JSON the service worker shows to staff: the order's number and total only (no name, no address)."""
    data = {"v": 1, "kind": kind.key, "title": kind.title,
            "body": kind.body.format(number=order_number, total=format_money(total_minor, currency)),
            "tag": staff_topic_for(order_id), "url": order_url(order_id), "order": order_number,
            "event_id": event_id, "sequence": sequence, "at": occurred_at.isoformat()}
    encoded = json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode()
    if len(encoded) > MAX_PAYLOAD_BYTES:
        raise PayloadTooLarge(f"push payload of {len(encoded)} bytes exceeds {MAX_PAYLOAD_BYTES}")
    return encoded
