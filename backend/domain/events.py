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


class RecordsEvents:
    """An aggregate that records events about itself; the unit of work collects them into the outbox on commit.

    Subclasses name their `aggregate_type` and may add facts every event of theirs carries
    (`_event_facts`, e.g. the run's driver so the driver's phone can pull it).
    """

    aggregate_type = ""

    def pending_events(self) -> list:
        """Events recorded and not yet collected (aggregates loaded from storage start with none)."""
        if getattr(self, "events", None) is None:
            self.events = []
        return self.events

    def record(self, name: str, *, actor_id: int | None, **data) -> DomainEvent:
        """Append an event about this aggregate (stamped with its id and current version)."""
        event = DomainEvent(name=name, aggregate_type=self.aggregate_type, aggregate_id=getattr(self, "id", None),
                            aggregate_version=self._event_version(),
                            data={"actor_id": actor_id, **self._event_facts(), **data})
        self.pending_events().append(event)
        return event

    def _event_version(self) -> int:
        return self.version

    def _event_facts(self) -> dict:
        return {}
