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
from ..domain.errors import DomainError
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


@dataclass(frozen=True)
class Logged:
    """A command's row of the sync log as a batch writes it (the fields a stored row is read by)."""

    command_id: str
    seq: int | None
    type: str
    version: int
    payload: dict
    status: str
    outcome: dict
    occurred_at: Any


def _logged(envelope: dict, status: str, outcome: dict) -> Logged:
    return Logged(envelope["id"], envelope["seq"], envelope["type"], envelope["v"], envelope["payload"], status,
                  outcome, envelope.get("occurred_at"))


def _levels_touched(items) -> list[tuple[int, int]]:
    """The stock levels a batch's stock counts change, to be locked up front in the global order."""
    return [(item.command.warehouse_id, item.command.product_id) for item in items
            if isinstance(item, commands.ReplayCommand) and isinstance(item.command, commands.AdjustStock)]


class _Undo(Exception):
    """A step of a batch that must not stay: the batch is undone and run again with this outcome for it."""

    def __init__(self, position: int, status: str, outcome: dict):
        super().__init__(status)
        self.position, self.status, self.outcome = position, status, outcome


def replay_batch(cmd: commands.ReplayBatch, actor: Actor, uow: UnitOfWork, settings: Settings,
                 handlers: Mapping[type, Callable]) -> list[Replayed]:
    """Replay a push in ONE transaction, each command through its own handler (the same as online).

    The device is locked once, the ids are looked up in the log in one query, the stock levels the batch
    counts are locked up front in primary-key order (two phones' pushes cannot deadlock), what the batch
    needs is read once, and the levels, log rows, ledger movements and outbox rows are written in bulk with
    one commit. A command its handler refuses (a DomainError) is logged as rejected: the batch is undone to
    the savepoint after the locks and run again without it, so the others still apply, each once. Any other
    error ends the whole batch with nothing saved (the caller replays it command by command). A command id
    already logged, or seen earlier in this batch, is a duplicate: never run twice.
    """
    device = uow.sync_log.lock_device(cmd.device_id)  # a twin push of this device waits for this one
    if device is None:
        raise LookupError(f"device {cmd.device_id} is not registered")
    logged_before = uow.sync_log.find_commands(cmd.device_id, [item.envelope["id"] for item in cmd.items])
    uow.stock.lock_levels_of(_levels_touched([i for i in cmd.items if i.envelope["id"] not in logged_before]))
    uow.begin_batch()
    settled: dict[int, tuple[str, dict]] = {}  # position -> outcome of a step that ran once and must not stay
    while True:
        try:
            results, logged = _run_batch(cmd, actor, uow, settings, handlers, dict(logged_before), settled)
            break
        except _Undo as undo:
            uow.undo_batch()
            settled[undo.position] = (undo.status, undo.outcome)
    uow.sync_log.record_commands(device, logged)
    uow.commit()
    return results


def _run_batch(cmd, actor, uow, settings, handlers, known: dict, settled: dict) -> tuple[list, list]:
    """One pass over the batch; raises _Undo when a step refuses (or changes nothing) and must be undone."""
    logged, results = [], []
    for position, item in enumerate(cmd.items):
        stored = known.get(item.envelope["id"])
        if stored is not None:
            results.append(Replayed(DUPLICATE, {}, stored))
            continue
        if isinstance(item, commands.RecordReplayOutcome):
            status, outcome = item.status, item.outcome
        elif position in settled:
            status, outcome = settled[position]
        else:
            status, outcome = _step(position, item, actor, uow, settings, handlers)
        known[item.envelope["id"]] = row = _logged(item.envelope, status, outcome)
        logged.append(row)
        results.append(Replayed(status, outcome))
    return results, logged


def _step(position: int, item: commands.ReplayCommand, actor: Actor, uow: UnitOfWork, settings: Settings,
          handlers: Mapping[type, Callable]) -> tuple[str, dict]:
    """One command of a batch through its handler: kept if the handler commits, else the batch is undone."""
    uow.command_id = item.envelope["id"]
    uow.begin_step()
    try:
        handlers[type(item.command)](item.command, actor, uow, settings)
    except DomainError as refused:
        raise _Undo(position, REJECTED, {"code": refused.code, "message": refused.message}) from None
    events = uow.end_step()
    if events is None:  # the handler changed nothing it kept; what it touched in memory is undone all the same
        raise _Undo(position, APPLIED, {"events": []})
    return _outcome(events, uow.exceptions_opened)
