"""Commands of the offline sync: a phone's device and the replay of its queued commands."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class RegisterDevice:
    """A phone sends its queue for the first time: it becomes the signed-in user's device."""

    device_id: str


@dataclass(frozen=True)
class ReplayCommand:
    """One queued offline command (`command`, built from its `envelope`), run with its log row."""

    device_id: str
    envelope: dict = field(hash=False)
    command: object = field(hash=False)


@dataclass(frozen=True)
class RecordReplayOutcome:
    """An offline command's outcome reached without running it (rejected, or nothing to change), logged."""

    device_id: str
    envelope: dict = field(hash=False)
    status: str
    outcome: dict = field(hash=False)


@dataclass(frozen=True)
class ReplayBatch:
    """A push of queued commands (ReplayCommand or RecordReplayOutcome, in seq order), replayed together."""

    device_id: str
    items: tuple = field(hash=False)
