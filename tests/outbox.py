"""Publishing the outbox in tests: until every committed event is published, not until one pass finds none.

On PostgreSQL the relay publishes only events older than every transaction still open on the server (so a
slower transaction can never be numbered after a faster one it committed before). Any open transaction,
even another program's in another database of the same server, holds that line for a moment: one pass that
publishes nothing does not mean nothing is left. Tests wait for the outbox to be empty instead.
"""
from __future__ import annotations

import threading
import time

import sqlalchemy as sa
from sqlalchemy.orm import Session

from backend.adapters.outbox_relay import OutboxRelay
from backend.adapters.records import OutboxEvent
from backend.extensions import db


def publish_everything(app, publish=lambda batch: None, *, timeout: float = 15.0, batch_size: int = 200) -> None:
    """Run the outbox relay (what its thread does) until no committed event is left unpublished."""
    with app.app_context():
        engine = db.engine
    relay = OutboxRelay(lambda: Session(engine, expire_on_commit=False), publish, batch_size)
    deadline = time.monotonic() + timeout
    while True:
        while relay.run_once():
            pass
        with engine.connect() as conn:
            left = conn.execute(sa.select(sa.func.count()).select_from(OutboxEvent.__table__)
                                .where(OutboxEvent.published_at.is_(None))).scalar_one()
        if left == 0:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"{left} outbox events still unpublished after {timeout} s")
        time.sleep(0.02)  # another transaction on the server holds the relay's line back for a moment


def run_side_by_side(workers, rounds: int = 3) -> list[Exception]:
    """Run outbox workers at the same instant, each `rounds` times, in threads of their own; what they raised."""
    start, errors = threading.Barrier(len(workers)), []

    def work(worker):
        try:
            start.wait()
            for _ in range(rounds):
                worker.run_once()
        except Exception as exc:  # noqa: BLE001 - returned to the test, which asserts there is none
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(w,)) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return errors
