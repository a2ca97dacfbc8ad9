"""What the push, mail and webhook workers share: taking in published outbox events after their own cursor.

Each worker keeps a cursor (the publish sequence it has read up to). A batch of events after it becomes the
worker's own rows (push messages, e-mails, webhook deliveries) in ONE write transaction that also moves the
cursor, so an event is taken in once, whichever worker process gets there first, and a crash mid-batch takes
nothing in. Sending happens later, outside any transaction.
"""
from __future__ import annotations

from datetime import datetime

from .sqlite import fresh_write


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
