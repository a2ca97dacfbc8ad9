"""SQLite as the embedded default: WAL, foreign keys, and write transactions that queue instead of failing."""
from __future__ import annotations

import contextlib
import contextvars

from sqlalchemy import event

_write_intent = contextvars.ContextVar("waybill_sqlite_write_intent", default=False)


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


@contextlib.contextmanager
def fresh_write(session):
    """End the session's read transaction and run the block as one write transaction, committed by the caller."""
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
