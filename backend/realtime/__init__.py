"""Realtime: the outbox relay that publishes committed events, and (next) Socket.IO room handlers."""
from __future__ import annotations

import threading

from sqlalchemy.orm import Session


def start_relay_thread(app, publish) -> threading.Event:
    """Run the outbox relay in a daemon thread of this process (the embedded default of `make run`).

    Returns the event that stops it. In production the relay runs as its own process instead
    (`flask --app backend outbox relay`).
    """
    from ..extensions import db
    from .relay import OutboxRelay

    stop = threading.Event()

    def work():
        with app.app_context():
            relay = OutboxRelay(lambda: Session(db.engine, expire_on_commit=False), publish)
            relay.run_until(stop)

    threading.Thread(target=work, name="waybill-outbox-relay", daemon=True).start()
    return stop
