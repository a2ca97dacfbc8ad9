"""The SQLAlchemy unit of work: one transaction, its repositories, and the outbox written with the change.

It fits services/unit_of_work.py's UnitOfWork protocol; the wiring (bootstrap) builds it for the bus.
"""
from __future__ import annotations

from typing import Callable

from sqlalchemy import event
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from ..domain.errors import ConcurrentUpdate, DuplicateRow
from ..domain.events import DomainEvent
from ..domain.exception_queue import RaisedException
from .account_repository import AccountRepository
from .channel_repository import ChannelRepository
from .catalogue_repository import CatalogueRepository, IdempotencyRepository
from .data_mapper import DataMapper
from .delivery_repository import DeliveryRepository
from .exception_queue import ExceptionRepository, open_exceptions
from .import_repository import ImportRepository
from .mappings import MAPPINGS
from .order_repository import OrderRepository
from .payment_repository import PaymentRepository
from .outbox import with_aggregate_id, write_events
from .precompiled import transaction_driver
from .picking_repository import PickingRepository
from .push_repository import PushRepository
from .shipping_repository import ShippingRepository
from .stock_repository import StockRepository
from .sqlite import fresh_write
from .bank_repository import BankStatementRepository
from .sync_log import SyncLogRepository
from .webhook_repository import WebhookRepository


class SqlAlchemyUnitOfWork:
    """Open with `with uow:`; nothing is kept unless `commit()` is called."""

    def __init__(self, session):
        self.session = session
        self.mapper = mapper = DataMapper(session, MAPPINGS)  # every aggregate is read and written through it
        self.orders = OrderRepository(session, mapper)
        self.stock = StockRepository(session, mapper)
        self.catalogue = CatalogueRepository(session, mapper)
        self.idempotency = IdempotencyRepository(session)
        self.shipping = ShippingRepository(session, mapper)
        self.picking = PickingRepository(session, mapper)
        self.delivery = DeliveryRepository(session, mapper)
        self.exception_queue = ExceptionRepository(session)
        self.channels = ChannelRepository(session)
        self.push = PushRepository(session)
        self.webhooks = WebhookRepository(session)
        self.sync_log = SyncLogRepository(session)
        self.accounts = AccountRepository(session)
        self.payments = PaymentRepository(session)
        self.bank = BankStatementRepository(session)
        self.imports = ImportRepository(session)
        self._before_commit: list[Callable[[list[DomainEvent]], None]] = []
        self._seen = []
        self._loose_events = []
        self.exceptions = []  # RaisedException: facts that clashed with the plan, for the office
        self.command_id = None  # set by the offline replay: the command that caused what follows
        self.exceptions_opened = []  # what the last commit opened
        self.actor_id = None  # set by the bus: who is acting, for the exceptions they raise
        self._in_step = False  # a batch step is running (see begin_step)
        self._batched = False  # a batch began (see begin_batch)
        self._batch_events: list[DomainEvent] = []  # events of the steps kept so far, written at the commit
        self.step_events: list[DomainEvent] | None = None  # what the step committed (None: it did not)

    def __enter__(self):
        # End any read transaction this request opened (e.g. the token lookup): the change starts on
        # fresh data, and on SQLite as a write transaction from its first statement.
        self._write = fresh_write(self.session)
        self._write.__enter__()
        self.mapper.attach()
        return self

    def __exit__(self, *exc):
        try:
            self.rollback()
        finally:
            self.mapper.detach()
            self._write.__exit__(*exc)
        translated = _translated(exc[1])
        if translated is not None:
            raise translated from exc[1]

    def track(self, aggregate):
        """Remember an aggregate whose recorded events must reach the outbox on commit."""
        if aggregate is not None and all(a is not aggregate for a in self._seen):
            self._seen.append(aggregate)
        return aggregate

    def publish(self, event) -> None:
        """Queue an event that belongs to no tracked aggregate (stock, catalogue)."""
        self._loose_events.append(event)

    def open_exception(self, code: str, message: str, *, order_id: int | None = None,
                       data: dict | None = None, conflict: bool = True) -> None:
        """Open an exception in the office's queue, written with the fact in this transaction."""
        self.exceptions.append(RaisedException(code, message, order_id, dict(data or {}), conflict))

    def before_commit(self, callback: Callable[[list[DomainEvent]], None]) -> None:
        """Run `callback(events)` inside this transaction just before it commits (the outbox events it writes)."""
        self._before_commit.append(callback)

    def flush(self) -> None:
        """Send pending inserts so new rows get their ids."""
        self.mapper.flush()

    def commit(self) -> None:
        """Write the collected events to the outbox and audit trail, then commit all in one go.

        Within a batch step (begin_step) this ends the step instead: see _commit_step.
        """
        if self._in_step:
            self._commit_step()
            return
        self.mapper.flush(grouped_updates=self._batched)  # a batch's levels: one statement
        events = self._batch_events + self._collect_events()
        self._batch_events = []
        self.stock.write_pending()  # the ledger's movements, in one statement
        callbacks, self._before_commit = self._before_commit, []
        for callback in callbacks:
            callback(events)
        write_events(self.session, events)
        if callbacks:
            self.mapper.flush()  # what a before-commit step changed
        self.session.commit()
        self.mapper.forget()
        self.stock.forget_locks()
        self.session.info.pop(_BATCH_ROWS, None)
        self._batched = False
        self.exceptions_opened, self.exceptions = self.exceptions, []

    def _collect_events(self) -> list[DomainEvent]:
        """The events recorded since the last commit (or step), exceptions opened with their rows."""
        events = list(self._loose_events)
        self._loose_events.clear()
        for aggregate in self._seen:
            events.extend(with_aggregate_id(e, aggregate.id) for e in aggregate.pending_events())
            aggregate.pending_events().clear()
        events.extend(open_exceptions(self.session, self.exceptions, self.actor_id, self.command_id))
        return events

    def rollback(self) -> None:
        """Throw away everything not committed."""
        self._in_step = self._batched = False
        self.session.info.pop(_BATCH_ROWS, None)
        self.session.rollback()
        self.mapper.forget()
        self.stock.discard_pending()
        self.stock.forget_locks()
        self._batch_events = []
        self._forget_step_state()

    def _forget_step_state(self) -> None:
        self._loose_events.clear()
        self._before_commit.clear()
        self.exceptions = []
        for aggregate in self._seen:
            aggregate.pending_events().clear()

    # -- batches: many commands in this one transaction ------------------------------------------------
    # One SAVEPOINT marks where the batch's commands start. A step's commit() only stages its changes:
    # the stock levels it changed are written by the final commit() (one UPDATE each, not one per step),
    # with the ledger movements, outbox rows and log rows of every step in one statement each. The identity
    # map and the stock levels locked so far stay valid from step to step (the same transaction holds the
    # locks), so what the batch needs is read once. Nothing is written per step, so a step cannot be undone
    # alone: undo_batch goes back to the savepoint and the caller runs the batch again without the refused
    # command (refusals are rare; a step that writes nothing costs no round trip to the database).

    def begin_batch(self) -> None:
        """Mark where a batch's commands start (after the locks it took up front): undo_batch returns here."""
        _run(self.session, "SAVEPOINT waybill_batch")
        self.session.info[_BATCH_ROWS] = []
        self._batched = True

    def begin_step(self) -> None:
        """Start one command of a batch: until end_step, commit() ends the step, not the transaction."""
        self._in_step = True
        self.step_events = None

    def _commit_step(self) -> None:
        """Keep the step's changes in the batch: events and movements staged, written at the commit."""
        if self.mapper.has_new():
            self.mapper.flush()  # new rows take their ids, which their events carry
        events = self._collect_events()
        callbacks, self._before_commit = self._before_commit, []
        for callback in callbacks:
            callback(events)
        self._batch_events.extend(events)
        self.step_events = events
        self.exceptions_opened, self.exceptions = self.exceptions, []

    def end_step(self) -> list[DomainEvent] | None:
        """Finish the step: its events if its handler committed, None if it did not (undo the batch then)."""
        self._in_step = False
        return self.step_events

    def checkpoint(self) -> None:
        """Write what the batch's steps kept so far into the open transaction and forget it in memory.

        A long batch (a CSV import of many orders) keeps flat memory: levels, ledger movements and outbox
        rows go out in one statement each, the identity map and the level locks are dropped (the rows stay
        locked by the transaction, so reading them again is cheap). Nothing commits: the final commit() or
        rollback still decides for the whole batch.
        """
        self.mapper.flush(grouped_updates=True)
        events = self._batch_events + self._collect_events()
        self._batch_events = []
        self.stock.write_pending()
        write_events(self.session, events)
        self.mapper.forget()
        self.stock.forget_locks()
        self.session.info[_BATCH_ROWS] = []
        self.session.flush()
        self.session.expunge_all()  # ORM records (idempotency keys, customers) are written; let them go
        self._seen = []

    def undo_batch(self) -> None:
        """Undo every step since begin_batch (the locks taken before it are kept); the batch may run again."""
        self._in_step = False
        self.step_events = None
        _run(self.session, "ROLLBACK TO SAVEPOINT waybill_batch")
        # The ORM's share: rows the steps inserted are gone, pending ones never written, the others are
        # read again on next use (as the ORM does when its own nested transaction rolls back).
        session = self.session
        for record in session.info.get(_BATCH_ROWS, []) + list(session.new):
            if record in session:
                session.expunge(record)
        session.info[_BATCH_ROWS] = []
        session.expire_all()
        self.mapper.forget()  # objects hold the undone steps' changes: read them again
        self.stock.forget_locks()
        self.stock.discard_pending()
        self._batch_events = []
        self._forget_step_state()
        self._seen = []  # forgotten with the identity map


_BATCH_ROWS = "waybill.batch_rows"  # Session.info key: ORM records the running batch inserted


@event.listens_for(Session, "pending_to_persistent")
def _note_row_of_step(session, record) -> None:
    """Remember the records a batch inserts: undoing it must take them out of the session."""
    rows = session.info.get(_BATCH_ROWS)
    if rows is not None:
        rows.append(record)


def _run(session, sql: str) -> None:
    """A statement without parameters on the transaction's connection (the savepoint of a batch)."""
    cursor = transaction_driver(session)[0].dbapi_connection.cursor()
    try:
        cursor.execute(sql)
    finally:
        cursor.close()


# PostgreSQL's deadlock_detected and serialization_failure: the transaction was chosen to give way, and
# running the command again from the start is safe.
RETRYABLE_SQLSTATES = ("40P01", "40001")


def _translated(error: BaseException | None) -> Exception | None:
    """The domain's word for a database error that ended a unit of work, or None to let it through as it is."""
    if isinstance(error, IntegrityError):
        return DuplicateRow("Someone else saved the same thing at the same moment.")
    if isinstance(error, OperationalError) and getattr(error.orig, "sqlstate", None) in RETRYABLE_SQLSTATES:
        return ConcurrentUpdate("Another change got in the way; the command can run again.")
    return None
