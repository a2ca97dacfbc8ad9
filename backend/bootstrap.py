"""Composition root: wires the real adapters into the services for one app."""
from __future__ import annotations

from flask import Flask, current_app
from sqlalchemy import event

from .extensions import db
from .services.messagebus import MessageBus
from .services.settings import Settings
from .services.unit_of_work import SqlAlchemyUnitOfWork


def _tune_sqlite(engine) -> None:
    """SQLite: WAL, foreign keys, and BEGIN IMMEDIATE so two writers queue instead of failing.

    pysqlite's own transaction handling starts transactions lazily and deferred; two deferred
    writers that both read first deadlock with SQLITE_BUSY. Taking the write lock at BEGIN
    makes SQLite's one-writer rule a queue (see SQLAlchemy's pysqlite serializable recipe).
    """
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def wire(app: Flask) -> None:
    """Build the settings and message bus for this app and keep them in app.extensions."""
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            _tune_sqlite(db.engine)
    settings = Settings.from_config(app.config)
    app.extensions["waybill.bus"] = MessageBus(lambda: SqlAlchemyUnitOfWork(db.session), settings)


def bus() -> MessageBus:
    """The message bus of the current app (entry points call this, never a module global)."""
    return current_app.extensions["waybill.bus"]
