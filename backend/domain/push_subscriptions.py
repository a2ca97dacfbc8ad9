"""Which browser subscriptions and push settings are acceptable: the push service's address, the browser's keys,
how many subscriptions one order may have, and a VAPID subject push services accept. Pure rules.
"""
from __future__ import annotations

import base64
from urllib.parse import urlsplit


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
