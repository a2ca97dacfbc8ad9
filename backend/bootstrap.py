"""Composition root: wires the real adapters into the services for one app."""
from __future__ import annotations

import contextlib
import threading

from flask import Flask, current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from .adapters import sqlite
from .adapters.carriers import build_carriers
from .adapters.payment_gateway import build_payment_gateway
from .adapters.channel_payloads import CHANNEL_PAYLOADS
from .adapters.import_repository import running_here
from .adapters.outbox_relay import OutboxRelay
from .adapters.outbox_signal import PostgresCommitSignal
from .adapters.push import load_keys, push_settings
from .adapters.storage import LocalBlobStorage
from .extensions import db
from .passwords import Argon2Passwords
from .services.messagebus import MessageBus
from .services.settings import Settings
from .adapters.unit_of_work import SqlAlchemyUnitOfWork


def wire(app: Flask) -> None:
    """Build the settings, the message bus and the blob storage for this app and keep them in app.extensions."""
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            sqlite.tune(db.engine)
    blobs = LocalBlobStorage(app.config["BLOB_DIR"])
    settings = Settings.from_config(app.config, carriers=build_carriers(app.config), passwords=Argon2Passwords(),
                                    payment_gateway=build_payment_gateway(app.config),
                                    channel_payloads=CHANNEL_PAYLOADS, import_files=blobs)
    # db.session() is this app context's Session itself: the unit of work and its repositories use it
    # directly instead of looking it up through the scoped proxy on every statement.
    app.extensions["waybill.bus"] = MessageBus(lambda: SqlAlchemyUnitOfWork(db.session()), settings)
    app.extensions["waybill.blobs"] = blobs


def bus() -> MessageBus:
    """The message bus of the current app (entry points call this, never a module global)."""
    return current_app.extensions["waybill.bus"]


def blob_storage() -> LocalBlobStorage:
    """The current app's store of delivery photos and signatures (config BLOB_DIR)."""
    return current_app.extensions["waybill.blobs"]


def start_csv_import(import_id: int, actor) -> threading.Thread:
    """Import a queued CSV file in a thread of this process; the page and the API poll its record meanwhile.

    A row that stops the import rolls its whole transaction back; why is then written in a second one.
    """
    from .domain import commands
    from .domain.errors import DomainError
    app = current_app._get_current_object()

    # From now until the thread ends, this process runs the import: its page offers no "start again".
    running = running_here(db.engine, import_id)
    running.__enter__()

    def work():
        with app.app_context(), contextlib.ExitStack() as done:
            done.push(running)
            try:
                bus().handle(commands.RunCsvImport(import_id), actor)
            except DomainError as stopped:
                bus().handle(commands.RecordCsvImportFailure(import_id, stopped.details.get("line"),
                                                             stopped.details.get("reason", stopped.message)), actor)
            except Exception as error:  # the record must not stay "importing" forever
                app.logger.exception("CSV import %s failed", import_id)
                bus().handle(commands.RecordCsvImportFailure(
                    import_id, None, f"Something went wrong on our side; nothing was imported ({type(error).__name__})."),
                    actor)

    thread = threading.Thread(target=work, name=f"waybill-csv-import-{import_id}", daemon=True)
    thread.start()
    return thread


def push_endpoint_rules() -> dict:
    """Which push endpoints the current app accepts (keyword arguments of notifications.endpoint_problem)."""
    return push_settings(current_app.config)


def vapid_public_key() -> str:
    """The current app's VAPID public key for browsers; PushNotConfigured (domain) until push is set up."""
    return load_keys(current_app.config, current_app.instance_path).public_key


def outbox_relay(publish, batch_size: int = 200) -> OutboxRelay:
    """The outbox relay of the current app's database, handing each batch to `publish`.

    The one place a relay is built: `make run`'s thread (start_relay_thread) and the relay process
    (`flask --app backend outbox relay`) both take theirs from here.
    """
    return OutboxRelay(lambda: Session(db.engine, expire_on_commit=False), publish, batch_size)


def relay_commit_signal():
    """What wakes a relay running in its own process when another process commits events, or None.

    On PostgreSQL, LISTEN for the NOTIFY the writers send at commit; SQLite has no such signal between
    processes (`make run` keeps its relay in the web process, woken by that process's own commits).
    """
    if db.engine.dialect.name != "postgresql":
        return None
    return PostgresCommitSignal(db.engine)


def start_relay_thread(app: Flask, publish) -> threading.Event:
    """Run the outbox relay in a daemon thread of this process (the embedded default of `make run`).

    Returns the event that stops it (the thread ends within the idle interval). In production the relay
    runs as its own process instead (`flask --app backend outbox relay`).
    """
    stop, wake = threading.Event(), threading.Event()
    # Any commit in this process may have written outbox rows: wake the relay instead of waiting for its poll.
    event.listen(db.session, "after_commit", lambda _session: wake.set())
    # How long the relay rests when nothing is waiting: the worst-case delay between a commit and its nudge.
    idle = float(app.config.get("WAYBILL_RELAY_IDLE_SECONDS", 0.25))

    def work():
        with app.app_context():
            outbox_relay(publish).run_until(stop, idle_seconds=idle, wake=wake)

    threading.Thread(target=work, name="waybill-outbox-relay", daemon=True).start()
    return stop
