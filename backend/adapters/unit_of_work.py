"""The SQLAlchemy unit of work: one transaction, its repositories, and the outbox written with the change.

It fits services/unit_of_work.py's UnitOfWork protocol; the wiring (bootstrap) builds it for the bus.
"""
from __future__ import annotations

from typing import Callable

from sqlalchemy.exc import IntegrityError, OperationalError

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
        """Write the collected events to the outbox and audit trail, then commit all in one go."""
        self.mapper.flush()
        events = list(self._loose_events)
        for aggregate in self._seen:
            events.extend(with_aggregate_id(e, aggregate.id) for e in aggregate.pending_events())
            aggregate.pending_events().clear()
        self.stock.write_pending()  # the ledger's movements, in one statement
        events.extend(open_exceptions(self.session, self.exceptions, self.actor_id, self.command_id))
        callbacks, self._before_commit = self._before_commit, []
        for callback in callbacks:
            callback(events)
        write_events(self.session, events)
        self._loose_events.clear()
        if callbacks:
            self.mapper.flush()  # what a before-commit step changed
        self.session.commit()
        self.mapper.forget()
        self.exceptions_opened, self.exceptions = self.exceptions, []

    def rollback(self) -> None:
        """Throw away everything not committed."""
        self.session.rollback()
        self.mapper.forget()
        self.stock.discard_pending()
        self._loose_events.clear()
        self._before_commit.clear()
        self.exceptions = []
        for aggregate in self._seen:
            aggregate.pending_events().clear()


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
