"""SQLite as the embedded default: WAL, foreign keys, and write transactions that queue instead of failing."""
from __future__ import annotations

import contextlib
import contextvars
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
    session.rollback()
    with write_intent():
        session.connection()  # BEGIN happens here, while the intent is set
    session.info[_WRITE_TRANSACTION] = weakref.ref(_transaction(session))


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
    """Connection settings and transaction handling for a SQLite engine (SQLAlchemy's pysqlite recipe)."""
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves, below
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE" if _write_intent.get() else "BEGIN")
