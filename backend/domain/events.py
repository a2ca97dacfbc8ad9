"""Domain events: facts that happened to an aggregate, delivered later through the outbox."""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone


def utcnow() -> datetime:
    """The current time in UTC, timezone-aware."""
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class DomainEvent:
    """Something that happened: `name` is stable (e.g. 'order.accepted'), `data` is JSON-safe."""

    name: str
    aggregate_type: str
    aggregate_id: int | None
    aggregate_version: int
    data: dict = field(default_factory=dict)
    event_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    occurred_at: datetime = field(default_factory=utcnow)
