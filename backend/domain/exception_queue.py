"""The office's exception queue: facts recorded although they clashed with the plan.

An exception is opened by a service when a conflict rule says EXCEPTION, and it stays open until a
person resolves it with a note saying what they did: nothing leaves the queue by itself.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .errors import DomainError

OPEN, RESOLVED = "open", "resolved"
MAX_NOTE = 500


class ExceptionAlreadyResolved(DomainError):
    """Someone resolved this exception first."""

    code = "exception.already_resolved"
    status = 409


class InvalidResolution(DomainError):
    """The resolution's note is missing or too long."""

    code = "exception.invalid_resolution"
    status = 422


@dataclass(frozen=True)
class RaisedException:
    """What a service reports: a stable code, plain words, and what it is about."""

    code: str
    message: str
    order_id: int | None = None
    data: dict = field(default_factory=dict)
    # False for news the office must act on that is no clash with the command that raised it (a parcel sent
    # back after its last failed attempt): the phone that sent the command has nothing to look at.
    conflict: bool = True


def check_resolution(*, status: str, note: str) -> str:
    """The note a resolution keeps, or a domain error saying why it cannot be resolved."""
    if status != OPEN:
        raise ExceptionAlreadyResolved("This exception was already resolved by someone else.")
    note = (note or "").strip()
    if not note:
        raise InvalidResolution("Say what you did about it, so the next person knows.", field="note")
    if len(note) > MAX_NOTE:
        raise InvalidResolution(f"Keep the note under {MAX_NOTE} characters.", field="note")
    return note
