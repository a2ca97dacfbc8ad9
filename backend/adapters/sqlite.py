"""SQLite as the embedded default: WAL, foreign keys, and write transactions that queue instead of failing."""
from __future__ import annotations

import contextlib
import contextvars
import threading
import weakref

from sqlalchemy import event
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from ..extensions import HELD_WRITE

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
    """Prepare the request's write (BEGIN IMMEDIATE on SQLite) before its token is read.

    An API write reads its token first; the change that follows then runs on the same connection and
    (`fresh_write` keeps it) in one write transaction: one transaction and one connection checkout
    per write request, not two.

    On SQLite the connection is held (HeldWrite) rather than taken through the session: the compiled
    statements of the request run on it directly, and the ORM joins it only if the request needs the
    ORM (the session's get_bind, backend/extensions.py). The token is read ahead of the transaction,
    which begins at the request's first other statement: the body is checked and the command built
    before this writer queues for SQLite's write lock, so the lock is held for the change alone.
    Elsewhere the transaction begins here.
    """
    actual = session if isinstance(session, Session) else session()  # every API write comes here: one look-up
    if actual.get_transaction() is not None or HELD_WRITE in actual.info:  # nothing to end at the start of a request
        actual.rollback()
    engine = actual.get_bind()
    if engine.dialect.name == "sqlite":
        actual.info[HELD_WRITE] = HeldWrite(engine)
        return
    intent = _write_intent.set(True)
    try:
        actual.connection()  # BEGIN happens here, while the intent is set
    finally:
        _write_intent.reset(intent)
    actual.info[_WRITE_TRANSACTION] = weakref.ref(actual.get_transaction())


class HeldWrite:
    """A SQLite write on a pooled driver connection, begun and ended without the ORM.

    Beginning and ending the session's own transaction (a SessionTransaction, a Connection, begin and commit
    through both, their events) cost an order's intake about 5% of its CPU, several of its statements' worth.
    Compiled statements (precompiled.py) need only the driver connection, so the write is held here, and
    the session (backend/extensions.py) ends it with its commit, rollback or close. The writer queue,
    BEGIN IMMEDIATE, COMMIT and ROLLBACK are the dialect's, as for any other write transaction.

    The transaction begins at the first statement that needs it (`driver`, or the ORM's `connection`);
    a read ahead of it (`read_ahead`: the token lookup) runs on the same connection in autocommit.
    """

    __slots__ = ("engine", "dialect", "pooled", "_begun", "_connection")

    def __init__(self, engine):
        self.engine, self.dialect = engine, engine.dialect
        self.pooled = engine.raw_connection()
        self._begun = False
        self._connection = None  # the Connection lent to the ORM, once it asks (see connection)

    def read_ahead(self):
        """The pooled connection, for a read ahead of the write: no transaction begins for it."""
        return self.pooled

    def driver(self):
        """The pooled connection, in the write transaction (begun now if it was not: queued, IMMEDIATE)."""
        if not self._begun:
            with write_intent():
                _as_sqlalchemy_error(self.dialect, "BEGIN IMMEDIATE", self.dialect.do_begin, self.pooled)
            self._begun = True
        return self.pooled

    def connection(self):
        """The same driver connection as a SQLAlchemy Connection, for the ORM to join the write transaction.

        Its begin emits nothing (the driver is already in the transaction: see tune's do_begin); the ORM's
        commit or rollback then ends the transaction through the dialect, as for any session.
        """
        if self._connection is None:
            self._connection = Connection(self.engine, connection=self.driver())
        return self._connection

    def commit(self) -> None:
        """COMMIT, unless the ORM's commit already ended the transaction (or none began)."""
        if self.pooled.dbapi_connection is not None and self.pooled.dbapi_connection.in_transaction:
            _as_sqlalchemy_error(self.dialect, "COMMIT", self.dialect.do_commit, self.pooled)

    def rollback(self) -> None:
        """ROLLBACK (and the writer's turn given back), unless the transaction has ended already."""
        self.dialect.do_rollback(self.pooled)

    def release(self) -> None:
        """Give the connection back to the pool (once): the Connection lent to the ORM closes it, if any."""
        if self._connection is not None:
            self._connection.close()
        elif self.pooled.dbapi_connection is not None:
            self.pooled.close()


def _as_sqlalchemy_error(dialect, sql: str, step, pooled) -> None:
    """Run a transaction step on the driver; its errors reach callers as SQLAlchemy's, as through the ORM."""
    try:
        step(pooled)
    except dialect.loaded_dbapi.Error as error:
        raise sa_exc.DBAPIError.instance(sql, None, error, dialect.loaded_dbapi.Error, dialect=dialect) from error


def _transaction(session):
    """The session's current SessionTransaction (through a scoped_session too), or None."""
    actual = session if isinstance(session, Session) else session()
    return actual.get_transaction()


def _in_begun_write(session) -> bool:
    if HELD_WRITE in session.info:
        return True
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
        if dbapi_connection.in_transaction:  # a HeldWrite began it: the ORM is joining that transaction
            return
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
