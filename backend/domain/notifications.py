"""Web push for customers (and staff alerts about new orders), as pure rules: which events notify, what they say, and how they are sent.

Nothing here talks to a push service. The dispatcher (services/push.py) asks these rules which
published events become a notification, builds the payload with `build_payload` (small, and never an
address), sends it with the `Delivery` headers, and asks `after_response` what a push service's answer
means: sent, subscription gone, retry later (with backoff that honours Retry-After) or give up.
"""
from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from urllib.parse import urlsplit

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
    "order.delivery_failed": Kind("failed_attempt", "We missed you",
                                  "We could not deliver order {number} today. Open the tracking page "
                                  "to see what happens next.", ttl=24 * HOUR),
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
                  occurred_at: datetime, eta: datetime | None = None) -> bytes:
    """The JSON the service worker shows: title, body, tag (the Topic) and the tracking page's URL.

    It is built from named facts only (never from an event's data), so no address, name or phone
    number can slip in. At most MAX_PAYLOAD_BYTES of UTF-8.
    """
    body = kind.body.format(number=order_number)
    if eta is not None and kind.key in ("out_for_delivery", "arriving_soon"):
        body += f" Expected around {eta.strftime('%H:%M')} UTC."
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


def staff_kind_of(event_name: str, aggregate: str) -> StaffKind | None:
    """The staff alert an outbox event becomes, or None if staff are not alerted about it."""
    if aggregate != "order":
        return None
    return STAFF_KINDS.get(event_name)


CURRENCY_SYMBOLS = {"GBP": "£", "EUR": "€", "USD": "$"}


def format_money(amount_minor: int, currency: str) -> str:
    """1234, 'GBP' -> '£12.34' (symbol for common currencies, code otherwise); as the pages show it."""
    sign = "-" if amount_minor < 0 else ""
    value = f"{abs(amount_minor) // 100:,}.{abs(amount_minor) % 100:02d}"
    symbol = CURRENCY_SYMBOLS.get(currency)
    return f"{sign}{symbol}{value}" if symbol else f"{sign}{value} {currency}"


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


# -- what a push service's answer means ---------------------------------------------------------------
class Verdict(str, Enum):
    """What to do after one attempt."""

    SENT = "sent"  # 201 (or 200/202): the push service has it
    GONE = "gone"  # 404/410: the subscription expired or was removed; stop using it
    RETRY = "retry"  # 429, 5xx or no answer: try again later
    FAILED = "failed"  # anything else (400, 401, 403, 413...): our request is wrong; trying again won't help


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff: base * 2**(attempt-1), at most `cap`, never sooner than Retry-After."""

    base_seconds: int = 30
    cap_seconds: int = HOUR
    max_attempts: int = 6

    def delay(self, attempt: int, retry_after_seconds: int | None = None) -> int:
        """Seconds to wait after failed attempt number `attempt` (1 = the first try)."""
        backoff = min(self.cap_seconds, self.base_seconds * 2 ** max(0, attempt - 1))
        if retry_after_seconds is not None:
            return max(backoff, int(retry_after_seconds)) if retry_after_seconds > 0 else backoff
        return backoff


def classify(status_code: int | None) -> Verdict:
    """The verdict for an HTTP status (None: no answer at all, e.g. a connection refused or a timeout)."""
    if status_code is None or status_code == 429 or status_code >= 500:
        return Verdict.RETRY
    if 200 <= status_code < 300:
        return Verdict.SENT
    if status_code in (404, 410):
        return Verdict.GONE
    return Verdict.FAILED


@dataclass(frozen=True)
class Next:
    """After an attempt: the message's new status and, for a retry, when."""

    status: str  # "sent" | "gone" | "failed" | "expired" | "pending"
    retry_at: datetime | None = None


def after_response(status_code: int | None, *, attempt: int, now: datetime, expires_at: datetime,
                   retry_after_seconds: int | None = None, policy: RetryPolicy = RetryPolicy()) -> Next:
    """The message's fate after attempt number `attempt` got `status_code`.

    A retry that would land after the message's TTL has run out is pointless (the push service would
    drop it anyway), and so is one past `max_attempts`: both end the message.
    """
    verdict = classify(status_code)
    if verdict != Verdict.RETRY:
        return Next(verdict.value)
    if attempt >= policy.max_attempts:
        return Next("failed")
    retry_at = now + timedelta(seconds=policy.delay(attempt, retry_after_seconds))
    if retry_at >= expires_at:
        return Next("expired")
    return Next("pending", retry_at)


def remaining_ttl(kind_ttl: int, created_at: datetime, now: datetime) -> int:
    """What is left of a message's life at `now` (a late send or retry must not outlive the news it carries)."""
    return max(0, min(kind_ttl, kind_ttl - int((now - created_at).total_seconds())))


class PushNotConfigured(RuntimeError):
    """No VAPID key: push is off until one is set in the environment or made with `push vapid-keys`."""


# -- subscriptions ----------------------------------------------------------------------------------------
# A browser follows an order from one endpoint; a family may follow it from a few phones. More than this
# many live subscriptions on one order is someone misusing a tracking link.
MAX_SUBSCRIPTIONS_PER_ORDER = 10
MAX_ENDPOINT_LENGTH = 1024

# The push services of the browsers that support Web Push (Chrome/Edge/Samsung, Firefox, Safari, Windows).
# Only these receive our requests, so a subscription cannot turn the server into a client of any URL.
KNOWN_PUSH_SERVICES = ("fcm.googleapis.com", "android.googleapis.com", "push.services.mozilla.com",
                       "push.apple.com", "notify.windows.com")
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


def endpoint_problem(endpoint: str, *, allow_loopback_http: bool = False,
                     extra_hosts: tuple = ()) -> str | None:
    """Why a subscription's endpoint is refused, or None if it is fine.

    https to a known push service (or a host in `extra_hosts`, or a subdomain of one); plain http only to
    the loopback interface, and only when `allow_loopback_http` (tests, a local push service in development).
    """
    if len(endpoint) > MAX_ENDPOINT_LENGTH:
        return f"The endpoint is longer than {MAX_ENDPOINT_LENGTH} characters."
    try:
        parts = urlsplit(endpoint)
        host, port = (parts.hostname or "").lower(), parts.port
    except ValueError:
        return "The endpoint is not a URL."
    del port  # only validated (a malformed port raises above)
    if parts.username is not None or parts.password is not None or not host or not endpoint.isprintable():
        return "The endpoint is not a push service URL."
    if allow_loopback_http and host in LOOPBACK_HOSTS and parts.scheme in ("http", "https"):
        return None
    if parts.scheme != "https":
        return "The endpoint must be an https URL."
    for known in KNOWN_PUSH_SERVICES + tuple(h.lower() for h in extra_hosts):
        if host == known or host.endswith("." + known):
            return None
    return "The endpoint is not a push service this shop sends to."


def _b64url_decode(value: str) -> bytes | None:
    try:
        return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (ValueError, TypeError):
        return None


def keys_problem(p256dh: str, auth: str) -> dict[str, str]:
    """Field errors of a subscription's keys: p256dh an uncompressed P-256 point (65 bytes), auth 16 bytes."""
    errors = {}
    alphabet = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=")
    raw = _b64url_decode(p256dh) if set(p256dh) <= alphabet else None
    if raw is None or len(raw) != 65 or raw[0] != 4:
        errors["keys.p256dh"] = "Must be the browser's P-256 public key (65 bytes, base64url)."
    raw = _b64url_decode(auth) if set(auth) <= alphabet else None
    if raw is None or len(raw) != 16:
        errors["keys.auth"] = "Must be the browser's 16-byte auth secret (base64url)."
    return errors


def valid_browser_key(p256dh: str) -> bool:
    """The browser's p256dh is a point on P-256 (a well-formed 65 bytes can still be off the curve)."""
    from cryptography.hazmat.primitives.asymmetric import ec
    try:
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(),
                                                     base64.urlsafe_b64decode(p256dh + "=" * (-len(p256dh) % 4)))
    except (ValueError, TypeError):
        return False
    return True


def vapid_subject_problem(subject: str | None) -> str | None:
    """Why a VAPID subject would be refused by push services (Apple's rejects placeholders), or None."""
    if not subject:
        return "VAPID_SUBJECT is not set: it must be a mailto: or https: address people can reach."
    lowered = subject.lower()
    if lowered.startswith("mailto:"):
        address = lowered[len("mailto:"):]
        local, _, host = address.partition("@")
        if not local or "." not in host:
            return f"VAPID_SUBJECT {subject!r} is not a mailto: address."
    elif lowered.startswith("https://"):
        host = lowered[len("https://"):].split("/")[0].split(":")[0]
        if "." not in host:
            return f"VAPID_SUBJECT {subject!r} is not a public https: address."
    else:
        return f"VAPID_SUBJECT {subject!r} must start with mailto: or https:."
    if host in ("localhost",) or host.endswith((".localhost", ".local", ".test", ".invalid", ".example")) \
            or host in ("example.com", "example.org", "example.net"):
        return f"VAPID_SUBJECT {subject!r} is a placeholder; push services (Apple's) refuse it."
    return None
