"""Commands of outgoing webhooks: an API client subscribes a URL to events, or stops a subscription."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CreateWebhookSubscription:
    """An owner or manager asks for signed deliveries of these event types to this URL."""

    url: str
    events: tuple[str, ...]
    description: str = ""


@dataclass(frozen=True)
class DeleteWebhookSubscription:
    """Stop a subscription: nothing more is sent to it, its delivery log stays."""

    subscription_id: int
