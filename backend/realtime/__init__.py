"""Realtime: the outbox relay that publishes committed events, and (next) Socket.IO room handlers."""
from __future__ import annotations

import threading

from sqlalchemy import event
from sqlalchemy.orm import Session


def start_relay_thread(app, publish) -> threading.Event:
    """Run the outbox relay in a daemon thread of this process (the embedded default of `make run`).

    Returns the event that stops it (the thread ends within the idle interval). In production the relay
    runs as its own process instead (`flask --app backend outbox relay`).
    """
    from ..extensions import db
    from .relay import OutboxRelay

    stop, wake = threading.Event(), threading.Event()
    # Any commit in this process may have written outbox rows: wake the relay instead of waiting for its poll.
    event.listen(db.session, "after_commit", lambda _session: wake.set())
    # How long the relay rests when nothing is waiting: the worst-case delay between a commit and its nudge.
    idle = float(app.config.get("WAYBILL_RELAY_IDLE_SECONDS", 0.25))

    def work():
        with app.app_context():
            relay = OutboxRelay(lambda: Session(db.engine, expire_on_commit=False), publish)
            relay.run_until(stop, idle_seconds=idle, wake=wake)

    threading.Thread(target=work, name="waybill-outbox-relay", daemon=True).start()
    return stop
