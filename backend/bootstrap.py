"""Composition root: wires the real adapters into the services for one app."""
from __future__ import annotations

from flask import Flask, current_app

from .adapters import sqlite
from .adapters.push import load_keys, push_settings
from .extensions import db
from .services.messagebus import MessageBus
from .services.settings import Settings
from .services.unit_of_work import SqlAlchemyUnitOfWork


def wire(app: Flask) -> None:
    """Build the settings and message bus for this app and keep them in app.extensions."""
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            sqlite.tune(db.engine)
    settings = Settings.from_config(app.config)
    # db.session() is this app context's Session itself: the unit of work and its repositories use it
    # directly instead of looking it up through the scoped proxy on every statement.
    app.extensions["waybill.bus"] = MessageBus(lambda: SqlAlchemyUnitOfWork(db.session()), settings)


def bus() -> MessageBus:
    """The message bus of the current app (entry points call this, never a module global)."""
    return current_app.extensions["waybill.bus"]


def push_endpoint_rules() -> dict:
    """Which push endpoints the current app accepts (keyword arguments of notifications.endpoint_problem)."""
    return push_settings(current_app.config)


def vapid_public_key() -> str:
    """The current app's VAPID public key for browsers; PushNotConfigured (domain) until push is set up."""
    return load_keys(current_app.config, current_app.instance_path).public_key
