"""Outgoing webhooks: which outbox events an API client may subscribe to, what each delivery says (and never
says), how it is signed, which addresses are refused, and what an answer means for the next try. Pure rules;
the webhook worker (adapters/webhook_worker.py) asks them.
"""
from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit

from .errors import DomainError

# The event types a subscription may name, and what each means to the receiver.
EVENT_TYPES: dict[str, str] = {
    "order.placed": "A new order was taken (any channel).",
    "order.status_changed": "An order moved from one status to another (accepted, shipped, delivered...).",
    "order.cancelled": "An order was cancelled.",
    "shipment.created": "A parcel was booked with a carrier for an order.",
    "shipment.attempt_failed": "A delivery attempt failed at the door.",
    "shipment.returned": "A parcel went back to the sender.",
    "stock.changed": "A stock level changed (reserved, released, shipped, adjusted, returned).",
}

# What a receiver is told, per outbox field: ids, numbers, statuses, money and stock figures only. Customers'
# names, e-mail, phone and addresses never leave in a webhook (whoever needs them reads the order through the
# API, where its role checks apply), nor do the office's notes (hold reasons, who acted).
_ORDER_FIELDS = ("number", "status", "from_status", "to_status", "total_minor", "currency", "channel",
                 "customer_id", "reason")
_SHIPMENT_FIELDS = ("carrier", "tracking_number", "status", "attempts", "warehouse_id")
_STOCK_FIELDS = ("warehouse_id", "product_id", "on_hand", "reserved", "incoming", "reason", "order_id")
MAX_URL_LENGTH = 1000
SIGNATURE_HEADER = "Waybill-Signature"
DELIVERY_HEADER = "Waybill-Delivery"
EVENT_HEADER = "Waybill-Event"
DISABLE_AFTER_FAILED_DELIVERIES = 5  # deliveries in a row that failed for good before the subscription stops


class InvalidWebhook(DomainError):
    """A subscription that cannot be made as asked (a URL we refuse to call, an unknown event type)."""

    code = "webhook.invalid"
    status = 422


def webhook_types_of(event_name: str, aggregate_type: str, payload: dict) -> tuple[str, ...]:
    """The webhook types an outbox event is, most specific first (a cancel is also a status change).

    An order event is a status change when it says which status the order moved to (the transition table's
    events, undoing a cancel included); news about an order that leaves its status alone is not.
    """
    if aggregate_type == "stock_level" and event_name.startswith("stock."):
        return ("stock.changed",)
    if aggregate_type == "shipment" and event_name in ("shipment.created", "shipment.attempt_failed",
                                                       "shipment.returned"):
        return (event_name,)
    if aggregate_type != "order":
        return ()
    moved = bool(payload.get("to_status")) and payload.get("to_status") != payload.get("from_status")
    kinds = (event_name,) if event_name in ("order.placed", "order.cancelled") else ()
    return kinds + (("order.status_changed",) if moved else ())


def type_for(event_name: str, aggregate_type: str, payload: dict, subscribed) -> str | None:
    """The one webhook type a subscription receives this event as (None: it did not ask for it)."""
    return next((kind for kind in webhook_types_of(event_name, aggregate_type, payload) if kind in subscribed),
                None)


def delivery_body(*, event_id: str, webhook_type: str, event_name: str, aggregate_id: int | None,
                  occurred_at: datetime, payload: dict, facts: dict | None = None) -> str:
    """The JSON a receiver gets: id, type, time (ISO 8601 UTC) and data from an allow-list of fields.

    `facts` are what the worker looked up beside the event (a shipment's order and carrier).
    """
    merged = {**payload, **(facts or {})}
    if webhook_type == "stock.changed":
        allowed, key = _STOCK_FIELDS, "stock_level_id"
    elif webhook_type.startswith("shipment."):
        allowed, key = (*_SHIPMENT_FIELDS, "order_id"), "shipment_id"
    else:
        allowed, key = _ORDER_FIELDS, "order_id"
    data = {name: merged[name] for name in allowed if name in merged}
    data[key] = aggregate_id
    data["event"] = event_name
    return json.dumps({"id": event_id, "type": webhook_type,
                       "time": occurred_at.astimezone(timezone.utc).isoformat().replace("+00:00", "Z"),
                       "data": data}, sort_keys=True, separators=(",", ":"))


# -- subscribing ---------------------------------------------------------------------------------------
def new_secret() -> str:
    """A signing secret: 32 random bytes, shown to the subscriber once."""
    return "whsec_" + secrets.token_urlsafe(32)


def events_problem(events) -> str | None:
    """Why a list of event types cannot be subscribed to, or None."""
    if not events:
        return "Name at least one event type."
    unknown = sorted(set(events) - set(EVENT_TYPES))
    if unknown:
        return f"Unknown event type(s): {', '.join(unknown)}. Known: {', '.join(EVENT_TYPES)}."
    return None


def url_problem(url: str, *, allow_private: bool) -> str | None:
    """Why Waybill refuses to call `url`, or None: http(s) only, a host, no credentials, and (unless
    `allow_private`) no loopback, private, link-local or otherwise internal address written into it.

    Names are resolved and checked again at every send (the sender), since DNS may change its answer.
    """
    if len(url) > MAX_URL_LENGTH:
        return f"At most {MAX_URL_LENGTH} characters."
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (raises on a port that is not a number)
    except ValueError:
        return "Not a valid URL."
    if parts.scheme not in ("http", "https"):
        return "Must be an http:// or https:// URL."
    if not parts.hostname:
        return "Must name a host."
    if parts.username or parts.password:
        return "Must not carry a user name or password; authenticate with the signature instead."
    if not allow_private and host_is_internal(parts.hostname):
        return "Must be a public address: loopback, private and link-local addresses are refused."
    return None


def host_is_internal(host: str) -> bool:
    """True for localhost names and for IP literals that are not public (the SSRF guard)."""
    name = host.strip("[]").rstrip(".").lower()
    if name == "localhost" or name.endswith(".localhost") or name.endswith(".internal") or name.endswith(".local"):
        return True
    try:
        return address_is_internal(ipaddress.ip_address(name))
    except ValueError:
        return False


def address_is_internal(address) -> bool:
    """True for any address that is not plainly public (loopback, private, link-local, reserved...)."""
    if getattr(address, "ipv4_mapped", None):
        address = address.ipv4_mapped
    return not address.is_global or address.is_multicast


# -- signing -------------------------------------------------------------------------------------------
def signature(secret: str, timestamp: int, body: str) -> str:
    """Hex HMAC-SHA256 of "<timestamp>.<body>" with the subscription's secret."""
    return hmac.new(secret.encode(), f"{timestamp}.{body}".encode(), hashlib.sha256).hexdigest()


def signature_header(secret: str, timestamp: int, body: str) -> str:
    """The Waybill-Signature header: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">`."""
    return f"t={timestamp},v1={signature(secret, timestamp, body)}"


# -- after an attempt ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with jitter: base * 2**(attempt-1) capped, plus up to `jitter` of it at random."""

    base_seconds: float = 30
    cap_seconds: float = 6 * 3600
    max_attempts: int = 8
    jitter: float = 0.25

    def delay(self, attempt: int, random_fraction: float, retry_after_seconds: int | None = None) -> float:
        """Seconds to wait after failed attempt `attempt` (1 = the first); `random_fraction` in [0, 1)."""
        backoff = min(self.cap_seconds, self.base_seconds * 2 ** max(0, attempt - 1))
        backoff += backoff * self.jitter * random_fraction  # spread receivers' retries apart after an outage
        return max(backoff, retry_after_seconds or 0)


def retryable(status_code: int | None) -> bool:
    """No answer, 408, 429 and 5xx are worth another try; any other 4xx (and 3xx) is not."""
    return status_code is None or status_code in (408, 429) or status_code >= 500


@dataclass(frozen=True)
class Next:
    """A delivery's status after an attempt ('delivered', 'pending' with `retry_at`, or 'failed')."""

    status: str
    retry_at: datetime | None = None


def after_attempt(status_code: int | None, *, attempt: int, now: datetime, random_fraction: float,
                  policy: RetryPolicy, retry_after_seconds: int | None = None, permanent: bool = False) -> Next:
    """What becomes of a delivery after attempt number `attempt` got `status_code`."""
    if status_code is not None and 200 <= status_code < 300:
        return Next("delivered")
    if permanent or not retryable(status_code) or attempt >= policy.max_attempts:
        return Next("failed")
    return Next("pending", now + timedelta(seconds=policy.delay(attempt, random_fraction, retry_after_seconds)))
