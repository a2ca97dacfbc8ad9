"""SQLite as the embedded default: WAL, foreign keys, and write transactions that queue instead of failing."""
from __future__ import annotations

import contextlib
import contextvars
import threading
import weakref

from sqlalchemy import event
from sqlalchemy.orm import Session

_write_intent = contextvars.ContextVar("waybill_sqlite_write_intent", default=False)
_WRITE_TRANSACTION = "waybill.write_transaction"


@contextlib.contextmanager
def write_intent():
    """Transactions begun inside this block will write: on SQLite they take the write lock at BEGIN.

    A deferred transaction that reads first and writes later must upgrade its lock, and two of them
    doing so at once fail with SQLITE_BUSY whatever the timeout. BEGIN IMMEDIATE makes writers queue
    on busy_timeout instead; reads keep plain BEGIN, so pages and GETs never wait for a writer (WAL).
    """
    token = _write_intent.set(True)
    try:
        yield
    finally:
        _write_intent.reset(token)


def begin_write(session) -> None:
    """Start the session's write transaction now (BEGIN IMMEDIATE on SQLite), before the request's reads.

    An API write reads its token first; beginning the write transaction before that read lets the
    change that follows run in the same transaction (`fresh_write` keeps it) instead of rolling back
    and beginning again: one transaction and one connection checkout per write request, not two.
    """
    actual = session if isinstance(session, Session) else session()  # every API write comes here: one look-up
    if actual.get_transaction() is not None:  # nothing to end at the start of a request
        actual.rollback()
    intent = _write_intent.set(True)
    try:
        actual.connection()  # BEGIN happens here, while the intent is set
    finally:
        _write_intent.reset(intent)
    actual.info[_WRITE_TRANSACTION] = weakref.ref(actual.get_transaction())


def _transaction(session):
    """The session's current SessionTransaction (through a scoped_session too), or None."""
    actual = session if isinstance(session, Session) else session()
    return actual.get_transaction()


def _in_begun_write(session) -> bool:
    marked = session.info.get(_WRITE_TRANSACTION)
    current = _transaction(session)
    return marked is not None and current is not None and marked() is current


@contextlib.contextmanager
def fresh_write(session):
    """Run the block as one write transaction, committed by the caller.

    A read transaction the request opened is ended first, so the change starts on fresh data; a write
    transaction begun for this request by `begin_write` is kept (it already holds the write lock).
    """
    if not _in_begun_write(session):
        session.rollback()
    with write_intent():
        yield session


def tune(engine) -> None:
    """Connection settings and transaction handling for a SQLite engine.

    SQLAlchemy's pysqlite recipe: the driver's own implicit transactions are off and we emit BEGIN,
    deferred for reads and IMMEDIATE for writes (see write_intent). It is done in the dialect's
    do_begin, next to do_commit and do_rollback, which also hand writers their turns (WriterQueue).
    The statements go straight to the driver: a BEGIN needs none of SQLAlchemy's execution machinery,
    and an error in it still reaches the caller as SQLAlchemy's own (do_begin runs in its handler).
    """
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves, below
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={_BUSY_TIMEOUT_S * 1000}")
        cursor.close()

    writers = WriterQueue(timeout_s=_BUSY_TIMEOUT_S)
    dialect = engine.dialect
    plain_commit, plain_rollback = dialect.do_commit, dialect.do_rollback

    def do_begin(dbapi_connection):
        if not _write_intent.get():
            dbapi_connection.execute("BEGIN")
            return
        writers.enter(dbapi_connection)
        try:
            dbapi_connection.execute("BEGIN IMMEDIATE")
        except BaseException:
            writers.leave(dbapi_connection)
            raise

    def do_commit(dbapi_connection):
        try:
            plain_commit(dbapi_connection)
        finally:
            writers.leave(dbapi_connection)

    def do_rollback(dbapi_connection):
        try:
            plain_rollback(dbapi_connection)
        finally:
            writers.leave(dbapi_connection)

    dialect.do_begin, dialect.do_commit, dialect.do_rollback = do_begin, do_commit, do_rollback

    @event.listens_for(engine, "close")
    def _on_close(dbapi_connection, _record):
        writers.leave(dbapi_connection)

    @event.listens_for(engine, "invalidate")
    def _on_invalidate(dbapi_connection, _record, _exception):
        writers.leave(dbapi_connection)


_BUSY_TIMEOUT_S = 30


class WriterQueue:
    """This process's SQLite writers wait their turn on a lock, not in SQLite's busy handler.

    SQLite lets one write transaction run at a time. A BEGIN IMMEDIATE that finds the database
    locked sleeps and retries (1, 2, 5, 10 ... 100 ms apart), so under load a writer often sleeps
    long after the lock came free, and the database sits idle. Writers of this process instead
    queue on a threading lock taken just before BEGIN IMMEDIATE and given back right after COMMIT
    or ROLLBACK: the next one starts at once. Other processes (a CLI command, a second server)
    still meet busy_timeout as before. A writer that waits longer than the busy timeout goes on
    without its turn rather than block forever, and SQLite's own lock still keeps it correct.
    """

    def __init__(self, timeout_s: float):
        self._lock = threading.Lock()
        self._timeout_s = timeout_s
        self._holder = None  # the DBAPI connection whose write transaction has the turn

    def enter(self, connection) -> None:
        """Wait for this connection's turn to write (the caller then runs BEGIN IMMEDIATE)."""
        if self._lock.acquire(timeout=self._timeout_s):
            self._holder = _driver_connection(connection)

    def leave(self, connection) -> None:
        """The write transaction on this connection ended: the next writer's turn (no-op otherwise)."""
        if self._holder is not None and self._holder is _driver_connection(connection):
            self._holder = None
            self._lock.release()


def _driver_connection(connection):
    """The sqlite3 connection behind a pooled proxy or pool record (or the connection itself)."""
    return getattr(connection, "dbapi_connection", connection)
