"""The payment provider's webhook signature: HMAC-SHA256 of the raw body with the shared webhook secret."""
from __future__ import annotations

import hashlib
import hmac

SIGNATURE_HEADER = "Provider-Signature"  # "sha256=<hex digest of the raw body>"


def sign(secret: str, body: bytes) -> str:
    """The header value the provider sends with `body` (tests and the provider's side use it)."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def signature_matches(secret: str, body: bytes, header: str | None) -> bool:
    """True only for the secret's signature of exactly these bytes (constant-time compare).

    No secret configured means no webhook is trusted: every call is refused.
    """
    if not secret or not header:
        return False
    return hmac.compare_digest(sign(secret, body).encode(), header.strip().encode("utf-8", "replace"))
