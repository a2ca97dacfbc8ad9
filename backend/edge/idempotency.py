"""Idempotency-Key of order intake: the key's shape and the fingerprint a retried request is compared by."""
from __future__ import annotations

import hashlib
import json


def key_problem(key: str | None) -> str | None:
    """Why an Idempotency-Key cannot be used (None: it can, or there is none)."""
    if key is not None and not (1 <= len(key) <= 255 and key.isprintable()):
        return "Must be 1-255 printable characters."
    return None


def request_fingerprint(data: dict, key: str | None) -> str | None:
    """The hash a retry with the same key must match; without a key there is nothing to compare."""
    if key is None:
        return None
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()
