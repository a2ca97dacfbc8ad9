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
from .catalogue_repository import CatalogueRepository, IdempotencyRepository
from .data_mapper import DataMapper
from .delivery_repository import DeliveryRepository
from .exception_queue import ExceptionRepository, open_exceptions
from .mappings import MAPPINGS
from .order_repository import OrderRepository
from .outbox import with_aggregate_id, write_events
from .precompiled import transaction_connection
from .picking_repository import PickingRepository
from .push_repository import PushRepository
from .shipping_repository import ShippingRepository
from .stock_repository import StockRepository
from .sqlite import fresh_write
from .sync_log import SyncLogRepository


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
        self.push = PushRepository(session)
        self.sync_log = SyncLogRepository(session)
        self.accounts = AccountRepository(session)
        self._before_commit: list[Callable[[list[DomainEvent]], None]] = []
        self._seen = []
        self._loose_events = []
        self.exceptions = []  # RaisedException: facts that clashed with the plan, for the office
        self.command_id = None  # set by the offline replay: the command that caused what follows
        self.exceptions_opened = []  # what the last commit opened
        self.actor_id = None  # set by the bus: who is acting, for the exceptions they raise
        self._in_step = False  # a batch step is running (see begin_step)
        self._kept = (0, 0)  # (ledger movements, events) staged by the steps before the running one
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
                       data: dict | None = None) -> None:
        """Open an exception in the office's queue, written with the fact in this transaction."""
        self.exceptions.append(RaisedException(code, message, order_id, dict(data or {})))

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
        self.mapper.flush()
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
        self._kept = (0, 0)
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
        self._in_step = False
        self.session.info.pop(_STEP_ROWS, None)
        self.session.rollback()
        self.mapper.forget()
        self.stock.discard_pending()
        self.stock.forget_locks()
        self._kept = (0, 0)
        self._batch_events = []
        self._forget_step_state()

    def _forget_step_state(self) -> None:
        self._loose_events.clear()
        self._before_commit.clear()
        self.exceptions = []
        for aggregate in self._seen:
            aggregate.pending_events().clear()

    # -- batches: many commands in this one transaction, each behind its own savepoint -----------------
    # A step's commit() keeps its changes in the transaction; the final commit() writes the ledger
    # movements and outbox rows of every kept step in one statement each and commits them together.
    # The identity map and the stock levels locked so far stay valid from step to step (the same
    # transaction holds the locks), so what the batch needs is read once. PostgreSQL keeps up to 64
    # subtransactions of a transaction in memory; a batch must stay below that (the push caps it at 50).

    def begin_step(self) -> None:
        """Start one command of a batch: until end_step, commit() ends the step, not the transaction."""
        # A plain SAVEPOINT on the transaction's connection, not the ORM's nested transaction (which costs
        # more than the command itself); _undo does the ORM's share by hand. Savepoints of kept steps are
        # not released one by one: the commit releases them all.
        _run(self.session, "SAVEPOINT waybill_step")
        self.session.info[_STEP_ROWS] = []
        self._in_step = True
        self._kept = (self.stock.pending_count(), len(self._batch_events))
        self.step_events = None

    def _commit_step(self) -> None:
        """Keep the step's changes: rows written behind its savepoint, movements and events staged."""
        self.mapper.flush()
        events = self._collect_events()
        callbacks, self._before_commit = self._before_commit, []
        for callback in callbacks:
            callback(events)
        if callbacks:
            self.mapper.flush()  # what a before-commit step changed
        self._batch_events.extend(events)
        self.step_events = events
        self.exceptions_opened, self.exceptions = self.exceptions, []

    def end_step(self) -> list[DomainEvent] | None:
        """Finish the step: kept if its handler committed (its events are returned), undone if not."""
        self._in_step = False
        if self.step_events is None:
            self._undo()
            return None
        self.session.info.pop(_STEP_ROWS, None)
        return self.step_events

    def rollback_step(self) -> None:
        """Undo the running step alone (its handler refused); the steps before it stay."""
        self._in_step = False
        self.step_events = None
        self._undo()

    def _undo(self) -> None:
        _run(self.session, "ROLLBACK TO SAVEPOINT waybill_step")
        # The ORM's share: rows the step inserted are gone, pending ones never written, the others are
        # read again on next use (as the ORM does when its own nested transaction rolls back).
        session = self.session
        for record in session.info.pop(_STEP_ROWS, []) + list(session.new):
            if record in session:
                session.expunge(record)
        session.expire_all()
        self.mapper.forget()  # objects may hold the undone step's changes: read them again
        self.stock.forget_locks()
        movements, events = self._kept
        self.stock.discard_pending(keep=movements)
        del self._batch_events[events:]
        self._forget_step_state()
        self._seen = []  # forgotten with the identity map


_STEP_ROWS = "waybill.step_rows"  # Session.info key: ORM records the running batch step inserted


@event.listens_for(Session, "pending_to_persistent")
def _note_row_of_step(session, record) -> None:
    """Remember the records a batch step inserts: undoing the step must take them out of the session."""
    rows = session.info.get(_STEP_ROWS)
    if rows is not None:
        rows.append(record)


def _run(session, sql: str) -> None:
    """A statement without parameters on the transaction's connection (savepoints of batch steps)."""
    cursor = transaction_connection(session).connection.dbapi_connection.cursor()
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
