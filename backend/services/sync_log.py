"""The offline replay's side of the bus: each queued command runs with its log row, in one transaction.

The log row (the idempotency store of the sync protocol) is written through `uow.sync_log` just before
the command's own changes commit, so a retried push finds the stored outcome instead of applying the
command twice, and a command is never applied without its row (or logged without being applied).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping

from ..domain import commands
from ..domain.access import Actor
from ..domain.events import DomainEvent
from .settings import Settings
from .unit_of_work import UnitOfWork

APPLIED, DUPLICATE, REJECTED = "applied", "duplicate", "rejected"
# Applied, and a person in the office must look at it (a fact that clashed with the plan).
APPLIED_WITH_EXCEPTION = "applied_with_exception"


@dataclass(frozen=True)
class Replayed:
    """What became of a command: its status and outcome, or the log row of its earlier run (`stored`)."""

    status: str
    outcome: dict
    stored: Any = None


def register_device(cmd: commands.RegisterDevice, actor: Actor, uow: UnitOfWork, settings: Settings) -> bool:
    """Register the phone on its first push; is it this user's? (A device belongs to one user.)

    Two tabs of one phone registering at once: the loser's unique-key clash is retried by the bus and
    then finds the winner's row.
    """
    device = uow.sync_log.lock_device(cmd.device_id)
    if device is not None:
        return device.user_id == actor.user_id
    uow.sync_log.add_device(cmd.device_id, actor.user_id)
    uow.commit()
    return True


def _outcome(events: list[DomainEvent], raised) -> tuple[str, dict]:
    """The stored outcome of an applied command: its events, and the exceptions it opened for the office."""
    outcome: dict = {"events": [{"name": e.name, "aggregate": e.aggregate_type, "id": e.aggregate_id,
                                 "version": e.aggregate_version} for e in events]}
    opened = [(r, e) for r, e in zip(raised, [e for e in events if e.name == "exception.opened"]) if r.conflict]
    if not opened:
        return APPLIED, outcome
    outcome["exceptions"] = [{"id": e.aggregate_id, "code": r.code, "message": r.message} for r, e in opened]
    return APPLIED_WITH_EXCEPTION, outcome


def replay_command(cmd: commands.ReplayCommand, actor: Actor, uow: UnitOfWork, settings: Settings,
                   handlers: Mapping[type, Callable]) -> Replayed:
    """Run the queued command's own handler (from the bus's `handlers`) in this unit of work, its log row with it."""
    uow.command_id = cmd.envelope["id"]
    device = uow.sync_log.lock_device(cmd.device_id)  # one device's commands run one at a time
    stored = uow.sync_log.find_command(cmd.device_id, cmd.envelope["id"])
    if stored is not None:
        return Replayed(DUPLICATE, {}, stored)
    done: list[Replayed] = []

    def log_with_the_change(events: list[DomainEvent]) -> None:
        status, outcome = _outcome(events, uow.exceptions)
        uow.sync_log.record_command(device, cmd.envelope, status, outcome)
        done.append(Replayed(status, outcome))

    uow.before_commit(log_with_the_change)
    handlers[type(cmd.command)](cmd.command, actor, uow, settings)
    if done:
        return done[0]
    # The handler changed nothing and so never committed: log it as applied, on its own.
    uow.rollback()
    return record_replay_outcome(commands.RecordReplayOutcome(cmd.device_id, cmd.envelope, APPLIED,
                                                              {"events": []}), actor, uow, settings)


def record_replay_outcome(cmd: commands.RecordReplayOutcome, actor: Actor, uow: UnitOfWork,
                          settings: Settings) -> Replayed:
    """Log an outcome reached without the command's own transaction, unless a twin push logged one first."""
    device = uow.sync_log.lock_device(cmd.device_id)
    stored = uow.sync_log.find_command(cmd.device_id, cmd.envelope["id"])
    if stored is not None:
        return Replayed(DUPLICATE, {}, stored)
    uow.sync_log.record_command(device, cmd.envelope, cmd.status, cmd.outcome)
    uow.commit()
    return Replayed(cmd.status, cmd.outcome)
