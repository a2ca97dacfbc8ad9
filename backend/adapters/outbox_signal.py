"""Wakes a relay in its own process when a transaction that wrote outbox rows commits (PostgreSQL LISTEN).

Writers send `NOTIFY waybill_outbox` inside the transaction that writes events (adapters/outbox.py), and
PostgreSQL delivers it at commit. The relay waits on this signal instead of sleeping its whole idle
interval, so a nudge leaves as soon as its transaction commits; the interval stays as the fallback poll
(a commit whose events the watermark still holds back, a lost listening connection).

The signal has threading.Event's two methods the relay uses: `clear()` forgets what has been received so
far, `wait(timeout)` returns early when a commit arrives. A notification that arrives while the relay is
publishing stays queued on the connection, so the next wait returns at once: none is missed.
"""
from __future__ import annotations

import logging
import select
import time

from .outbox import OUTBOX_CHANNEL

log = logging.getLogger(__name__)


class PostgresCommitSignal:
    """A dedicated autocommit connection LISTENing on the outbox channel, (re)opened when needed."""

    def __init__(self, engine):
        self.engine = engine
        self.connection = None

    def _listening(self):
        if self.connection is None:
            pooled = self.engine.raw_connection()
            connection = pooled.driver_connection
            pooled.detach()  # held for the relay's life, outside the pool
            connection.autocommit = True
            connection.execute(f"LISTEN {OUTBOX_CHANNEL}")
            self.connection = connection
        return self.connection

    def _drop(self) -> None:
        if self.connection is not None:
            try:
                self.connection.close()
            except Exception:  # already broken: nothing more to release
                pass
        self.connection = None

    def clear(self) -> None:
        """Forget the notifications received so far (the relay is about to look at the outbox anyway)."""
        try:
            for _ in self._listening().notifies(timeout=0):
                pass
        except Exception:
            log.exception("outbox signal: listening failed; polling until it can listen again")
            self._drop()

    def wait(self, timeout: float) -> bool:
        """Block until a commit that wrote events is notified, or `timeout` seconds; True if notified."""
        try:
            connection = self._listening()
            readable, _, _ = select.select([connection.fileno()], [], [], timeout)
            if not readable:
                return False
            return any(True for _ in connection.notifies(timeout=0))
        except Exception:
            log.exception("outbox signal: listening failed; polling until it can listen again")
            self._drop()
            time.sleep(timeout)  # rest as a plain poll would, instead of retrying in a tight loop
            return False

    def close(self) -> None:
        self._drop()
