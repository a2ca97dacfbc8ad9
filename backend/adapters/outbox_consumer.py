"""What the push, mail, webhook and channel push workers share: taking in published outbox events after their own
cursor, then sending what is due, and the loop that does both.

Each worker keeps a cursor (the publish sequence it has read up to). A batch of events after it becomes the
worker's own rows (push messages, e-mails, webhook deliveries, shop pushes) in ONE write transaction that also
moves the cursor, so an event is taken in once, whichever worker process gets there first, and a crash mid-batch
takes nothing in. Sending happens later: what is due is leased in a short write transaction (no other worker sends
it meanwhile), sent with no transaction open, and its outcome written in a transaction of its own.
"""
from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..domain.events import utcnow
from .records import OutboxEvent
from .sqlite import fresh_write

log = logging.getLogger(__name__)


class CursorIntake:
    """Mixin: `intake()` for a worker with `session_factory`, `batch_size`, `clock` and `intake_repository`.

    `intake_repository` is a class built on a session with `anything_new()`, `cursor(for_update=True)` and
    `published_after(sequence, limit)`; the worker writes what a batch becomes in `take_in_events`.
    """

    intake_repository: type

    def intake(self) -> int:
        """Turn newly published events into this worker's rows; returns how many rows were made."""
        made = 0
        while True:
            n, more = self._intake_batch()
            made += n
            if not more:
                return made

    def take_in_events(self, session, repo, events: list, now: datetime) -> int:
        """Write the rows a batch of events becomes, in the caller's transaction; returns how many."""
        raise NotImplementedError

    def _intake_batch(self) -> tuple[int, bool]:
        session = self.session_factory()
        try:
            if not self.intake_repository(session).anything_new():  # a cheap read before taking the write lock
                return 0, False
            with fresh_write(session):
                repo = self.intake_repository(session)
                cursor = repo.cursor(for_update=True)
                events = repo.published_after(cursor.last_sequence, self.batch_size)
                if not events:
                    session.rollback()
                    return 0, False
                now = self.clock()
                made = self.take_in_events(session, repo, events, now)
                cursor.last_sequence, cursor.updated_at = events[-1].publish_seq, now
                session.commit()
                return made, len(events) == self.batch_size
        finally:
            session.close()


class OutboxWorker(CursorIntake):
    """An outbox worker's rounds: intake (CursorIntake), then `deliver_due()`, in `run_once` or `run_until`.

    A subclass gives, besides what CursorIntake needs, `delivery_repository` (a class built on a session with
    `anything_due(now)`), `lease(repo, now, lease_until)` (lease what is due, as plain values) and `deliver(item)`
    (send one, with no transaction open, then write its outcome with `in_write`).
    """

    LEASE_SECONDS = 120  # longer than one send can take: a worker that died mid-send frees its items after this
    delivery_repository: type
    name = "outbox worker"  # in the log

    def lease(self, repo, now: datetime, lease_until: datetime) -> list:
        """Lease the items due now (at most batch_size, oldest first) in the caller's transaction; plain values."""
        raise NotImplementedError

    def deliver(self, item) -> None:
        """Send one leased item and record what came of it."""
        raise NotImplementedError

    def deliver_due(self) -> int:
        """Send everything that is due now, oldest first; returns how many sends were tried."""
        tried = 0
        while claimed := self._claim():
            for item in claimed:
                self.deliver(item)
                tried += 1
        return tried

    def _claim(self) -> list:
        session = self.session_factory()
        try:
            if not self.delivery_repository(session).anything_due(self.clock()):  # a cheap read before the lock
                return []
            with fresh_write(session):
                now = self.clock()
                claimed = self.lease(self.delivery_repository(session), now,
                                     now + timedelta(seconds=self.LEASE_SECONDS))
                session.commit()
                return claimed
        finally:
            session.close()

    def in_write(self, work) -> None:
        """Run `work(repo)` (a `delivery_repository` on a fresh session) in a write transaction, committed."""
        session = self.session_factory()
        try:
            with fresh_write(session):
                work(self.delivery_repository(session))
                session.commit()
        finally:
            session.close()

    def run_once(self) -> int:
        """Intake then deliver; returns how many rows were taken in plus how many sends were tried."""
        return self.intake() + self.deliver_due()

    def run_until(self, stop: threading.Event, *, wake: threading.Event | None = None,
                  idle_seconds: float = 1.0) -> None:
        """Work until `stop` is set; between rounds wait for `wake` (the dispatcher) or `idle_seconds`.

        Retries come due by time, so the worker polls even when nothing wakes it.
        """
        wake = wake or threading.Event()
        while not stop.is_set():
            wake.clear()
            try:
                self.run_once()
            except Exception:  # a lost database or one bad send must not stop this worker for good
                log.exception("%s: round failed; trying again shortly", self.name)
            if stop.is_set():
                return
            wake.wait(idle_seconds)


class CursorReads:
    """Mixin for an intake repository: its one cursor row (`cursor_model`, id 1) and the published events after it."""

    cursor_model: type

    def cursor(self, *, for_update: bool = False):
        """The intake's single cursor row (made on first use); locked so two intakes run one at a time."""
        model = self.cursor_model
        query = sa.select(model).where(model.id == 1)
        if for_update:
            query = query.with_for_update()
        row = self.session.execute(query).scalar_one_or_none()
        if row is None:  # first use: two intakes may get here at once; one insert wins, the other waits on it
            insert = pg_insert if self.session.get_bind().dialect.name == "postgresql" else sqlite_insert
            self.session.execute(insert(model).values(id=1, last_sequence=0, updated_at=utcnow())
                                 .on_conflict_do_nothing(index_elements=["id"]))
            row = self.session.execute(query.execution_options(populate_existing=True)).scalar_one()
        return row

    def anything_new(self) -> bool:
        """A cheap read: is there a published event after the cursor? (Idle rounds then take no write lock.)"""
        model = self.cursor_model
        last = self.session.execute(sa.select(model.last_sequence).where(model.id == 1)).scalar() or 0
        return self.session.execute(sa.select(OutboxEvent.id).where(OutboxEvent.publish_seq > last).limit(1)
                                    ).first() is not None

    def published_after(self, sequence: int, limit: int) -> list:
        """Published events after `sequence`, in publish order."""
        return list(self.session.execute(sa.select(OutboxEvent).where(OutboxEvent.publish_seq > sequence)
                                         .order_by(OutboxEvent.publish_seq).limit(limit)).scalars())
