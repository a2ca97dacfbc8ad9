"""The unit of work handlers are given: one transaction, its repositories, and the outbox written on commit.

A protocol: the SQLAlchemy one lives in adapters/unit_of_work.py (built by the wiring); the service tests
use an in-memory one (tests/fakes.py). Open with `with uow:`; nothing is kept unless `commit()` is called.
A store's own errors leave the block as the domain's ConcurrentUpdate (safe to run again) or DuplicateRow
(domain/errors.py), so the bus decides about retries without knowing the database.
"""
from __future__ import annotations

from typing import Any, Callable, Protocol

from ..domain.events import DomainEvent
from ..domain.exception_queue import RaisedException
from . import ports


class UnitOfWork(Protocol):
    """One transaction of one command, with the repositories the handlers use."""

    orders: ports.OrderRepository
    stock: ports.StockRepository
    catalogue: ports.CatalogueRepository
    idempotency: ports.IdempotencyRepository
    shipping: ports.ShippingRepository
    picking: ports.PickingRepository
    delivery: ports.DeliveryRepository
    exception_queue: ports.ExceptionRepository
    channels: ports.ChannelRepository
    push: ports.PushRepository
    webhooks: ports.WebhookRepository
    sync_log: ports.SyncLog
    accounts: ports.AccountRepository
    payments: ports.PaymentRepository
    bank: ports.BankStatementRepository
    imports: ports.ImportRepository
    exceptions: list[RaisedException]  # opened in this transaction, for the office
    exceptions_opened: list[RaisedException]  # what the last commit (or batch step) opened
    command_id: str | None  # the offline command that caused what follows (set by the replay)
    actor_id: int | None  # who is acting (set by the bus)

    def __enter__(self) -> "UnitOfWork": ...
    def __exit__(self, *exc: Any) -> None: ...

    def track(self, aggregate: Any) -> Any:
        """Remember an aggregate whose recorded events must reach the outbox on commit."""

    def publish(self, event: DomainEvent) -> None:
        """Queue an event that belongs to no tracked aggregate (stock, catalogue)."""

    def open_exception(self, code: str, message: str, *, order_id: int | None = None,
                       data: dict | None = None, conflict: bool = True) -> None:
        """Open an exception in the office's queue, written with the fact in this transaction."""

    def before_commit(self, callback: Callable[[list[DomainEvent]], None]) -> None:
        """Run `callback(events)` in this transaction just before it commits, with the events it writes."""

    def flush(self) -> None:
        """Give new rows their ids."""

    def commit(self) -> None:
        """Write the collected events to the outbox, then commit everything in one go."""

    def rollback(self) -> None:
        """Throw away everything not committed."""

    # A batch (the offline replay of a push): many commands in one transaction, each one a step.
    def begin_batch(self) -> None:
        """Mark where a batch's commands start (after the locks it took up front): undo_batch returns here."""

    def begin_step(self) -> None:
        """Start one command of a batch: until end_step, commit() ends the step, not the transaction."""

    def end_step(self) -> list[DomainEvent] | None:
        """Finish the step: its events if its handler committed, None if it did not (undo the batch then)."""

    def checkpoint(self) -> None:
        """Write the batch's steps so far into the open transaction and forget them in memory (nothing commits)."""

    def undo_batch(self) -> None:
        """Undo every step since begin_batch (the locks taken before it are kept); the batch may run again."""
