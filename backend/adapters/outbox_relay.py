"""The outbox relay: publishes committed domain events after commit, at least once, in commit order.

A background worker beside the web processes (built and started by backend/bootstrap.py), not an entry point.

One relay publishes at a time. On PostgreSQL the claim runs under a transaction-level advisory lock:
a second relay (another process, a restarted one) finds the lock taken and waits as a hot spare, so
an event is never claimed twice at once, and the publish sequence is handed out by one writer in the
order transactions committed (the same watermark as the pull cursor: only events of transactions
older than every transaction still running are claimed, ordered by transaction id then row id).
SQLite has one writer at a time, so there the row id is commit order already.

Publishing happens before the rows are marked published, inside the claim transaction: if the
process dies in between, the events go out again next time (at least once); consumers ignore event
ids they have seen.
"""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

import sqlalchemy as sa

from .records import OutboxEvent
from .sqlite import fresh_write
from ..domain.events import utcnow

log = logging.getLogger(__name__)

# How soon to look again at events the watermark held back (see OutboxRelay.held_back).
HELD_BACK_SECONDS = 0.02

# pg_try_advisory_xact_lock key: "WBRELAY!" as a 64-bit integer, so no other lock collides by chance.
RELAY_LOCK = int.from_bytes(b"WBRELAY!", "big") - 2**63


class Wakeup(Protocol):
    """What cuts the relay's rest short (threading.Event has this shape)."""

    def clear(self) -> None: ...

    def wait(self, timeout: float) -> bool: ...


@dataclass(frozen=True)
class Published:
    """What a subscriber receives: a nudge, never the whole change (pages pull or swap fragments)."""

    event_id: str
    sequence: int
    name: str
    aggregate: str
    aggregate_id: int | None
    version: int
    occurred_at: datetime
    payload: dict


class OutboxRelay:
    """Claims unpublished events in batches and hands them to `publish(list[Published])`."""

    def __init__(self, session_factory, publish, batch_size: int = 200):
        self.session_factory = session_factory
        self.publish = publish
        self.batch_size = batch_size
        # Set by a pass that found committed events it may not publish yet (PostgreSQL's watermark: an
        # older transaction is still running). They are usually free within milliseconds, so the relay
        # looks again after HELD_BACK_SECONDS rather than its whole idle interval.
        self.held_back = False

    def run_once(self) -> int:
        """Publish one batch; returns how many events went out (0: nothing to do, or another relay has it)."""
        self.held_back = False
        session = self.session_factory()
        try:
            with fresh_write(session):
                postgres = session.get_bind().dialect.name == "postgresql"
                if postgres and not session.execute(sa.select(sa.func.pg_try_advisory_xact_lock(RELAY_LOCK))
                                                    ).scalar_one():
                    session.rollback()
                    return 0
                rows = session.execute(self._claim(postgres)).scalars().all()
                self.held_back = postgres and not rows and session.execute(
                    sa.select(sa.exists().where(OutboxEvent.published_at.is_(None)))).scalar_one()
                if not rows:
                    session.rollback()
                    return 0
                last = session.execute(sa.select(sa.func.max(OutboxEvent.publish_seq))).scalar_one() or 0
                now = utcnow()
                batch = []
                for offset, row in enumerate(rows, start=1):
                    row.publish_seq, row.published_at = last + offset, now
                    batch.append(Published(row.event_id, row.publish_seq, row.name, row.aggregate_type,
                                           row.aggregate_id, row.aggregate_version, row.occurred_at,
                                           dict(row.payload)))
                session.flush()
                self.publish(batch)
                session.commit()
                return len(batch)
        finally:
            session.close()

    def _claim(self, postgres: bool):
        query = sa.select(OutboxEvent).where(OutboxEvent.published_at.is_(None))
        if postgres:
            watermark = sa.text("pg_snapshot_xmin(pg_current_snapshot())::text::bigint")
            return (query.where(OutboxEvent.txid < watermark).order_by(OutboxEvent.txid, OutboxEvent.id)
                    .limit(self.batch_size).with_for_update(skip_locked=True))
        return query.order_by(OutboxEvent.id).limit(self.batch_size)

    def run_until(self, stop: threading.Event, idle_seconds: float = 0.25, wake: Wakeup | None = None) -> None:
        """Publish until `stop` is set, resting up to `idle_seconds` whenever there is nothing to publish.

        `wake`, when given, cuts the rest short: in `make run`'s thread, an Event the process's own commits
        set; in the relay process on PostgreSQL, the writers' NOTIFY at commit (outbox_signal.py). Commits
        it does not hear of are picked up within `idle_seconds`.
        """
        while not stop.is_set():
            if wake is not None:
                wake.clear()
            try:
                busy = self.run_once()
            except Exception:  # a lost database must not kill the relay; it tries again shortly
                log.exception("outbox relay: publishing failed; retrying")
                busy = 0
            if not busy:
                (wake or stop).wait(min(HELD_BACK_SECONDS, idle_seconds) if self.held_back else idle_seconds)
