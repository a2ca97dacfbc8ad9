"""Composition root: wires the real adapters into the services for one app."""
from __future__ import annotations

from flask import Flask, current_app

from .adapters import sqlite
from .adapters.storage import LocalBlobStorage
from .extensions import db
from .services.messagebus import MessageBus
from .services.settings import Settings
from .services.unit_of_work import SqlAlchemyUnitOfWork


def wire(app: Flask) -> None:
    """Build the settings, the message bus and the blob storage for this app and keep them in app.extensions."""
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            sqlite.tune(db.engine)
    settings = Settings.from_config(app.config)
    # db.session() is this app context's Session itself: the unit of work and its repositories use it
    # directly instead of looking it up through the scoped proxy on every statement.
    app.extensions["waybill.bus"] = MessageBus(lambda: SqlAlchemyUnitOfWork(db.session()), settings)
    app.extensions["waybill.blobs"] = LocalBlobStorage(app.config["BLOB_DIR"])


def bus() -> MessageBus:
    """The message bus of the current app (entry points call this, never a module global)."""
    return current_app.extensions["waybill.bus"]


def blob_storage() -> LocalBlobStorage:
    """The current app's store of delivery photos and signatures (config BLOB_DIR)."""
    return current_app.extensions["waybill.blobs"]
