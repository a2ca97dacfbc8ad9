"""What a push service's answer means for a notification: sent, gone, retried later (with backoff that honours
Retry-After) or given up, and how long it may still live. Pure rules; the push worker asks them after each try.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from .notifications import HOUR


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
