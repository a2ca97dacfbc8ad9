"""The web push worker: turns published events into notifications and sends them (the handlers that
subscribe browsers are in services/push.py).

How a notification travels (README, "Web push for customers"):
1. A state change commits its domain event to the outbox; the outbox relay publishes it (assigns its
   publish sequence) after commit.
2. `PushDispatcher` is a publish callable for the relay: it only wakes the push worker when a batch holds
   an event customers hear about. It writes nothing itself: the relay calls it inside its claim
   transaction, which on SQLite holds the one write lock.
3. `PushWorker.intake()` reads published events after its cursor (publish order), and for each that
   notifies (domain/notifications.KINDS) writes one `push_message` per active subscription of the order,
   then moves the cursor, in one transaction: nothing is lost if the process dies, nothing is doubled
   (one message per subscription and event).
4. `PushWorker.deliver_due()` leases due messages in publish order, sends each (outside any transaction),
   and records the attempt: sent (older waiting statuses of the same order are superseded), 404/410
   (the browser's subscription is gone: deactivated), 429/5xx/no answer (retried with exponential backoff,
   never before Retry-After, until its TTL or the attempt limit ends it), other 4xx (failed).
"""
from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta

from ..domain.events import utcnow
from ..domain.notifications import (STAFF_ALERT_ROLES, build_payload, build_staff_payload, kind_of, staff_kind_of,
                                   staff_topic_for, topic_for)
from ..domain.timefmt import ShopClock
from ..domain.push_delivery import Next, RetryPolicy, after_response, remaining_ttl
from .push_records import PushAttempt, PushMessage
from .push_repository import PushRepository
from .outbox_consumer import OutboxWorker

log = logging.getLogger(__name__)


# -- the worker ------------------------------------------------------------------------------------------
class PushDispatcher:
    """A publish callable for the outbox relay: wakes the push worker when a batch holds customer news.

    Compose it with the Socket.IO publisher (call both with the batch). It keeps nothing: the worker reads
    the published outbox itself, so a wake-up lost in a crash only delays a notification to its next poll.
    """

    def __init__(self, wake: threading.Event | None = None):
        self.wake = wake or threading.Event()

    def __call__(self, batch) -> None:
        if any(kind_of(event.name, event.aggregate) is not None
               or staff_kind_of(event.name, event.aggregate, event.payload) is not None for event in batch):
            self.wake.set()


def _eta_of(data: dict) -> datetime | None:
    """An ETA the event carries (arriving soon, out for delivery), if it is a well-formed UTC time."""
    value = data.get("eta")
    if not isinstance(value, str):
        return None
    try:
        eta = datetime.fromisoformat(value)
    except ValueError:
        return None
    return eta if eta.tzinfo is not None else None


class PushWorker(OutboxWorker):
    """Intake (published events -> notifications) and delivery (send, record, retry) for web push."""

    LEASE_SECONDS = 120  # longer than a send can take (timeout 10 s each, sent one by one)
    name = "push worker"

    def __init__(self, session_factory, sender, *, policy: RetryPolicy = RetryPolicy(), batch_size: int = 100,
                 clock=utcnow, shop_clock: ShopClock = ShopClock()):
        self.session_factory = session_factory
        self.sender = sender
        self.policy = policy
        self.batch_size = batch_size
        self.clock = clock
        self.shop_clock = shop_clock  # the zone and locale messages show times in

    # -- intake (outbox_consumer.CursorIntake: the cursor, the batch and its transaction)
    intake_repository = delivery_repository = PushRepository

    def take_in_events(self, session, repo, events: list, now) -> int:
        """The notifications a batch of published events becomes."""
        made = 0
        for event in events:
            made += self._staff_alerts(session, repo, event, now)
            kind = kind_of(event.name, event.aggregate_type)
            if kind is None or event.aggregate_id is None:
                continue
            ttl = remaining_ttl(kind.ttl, event.occurred_at, now)  # its life counts from the event
            subscriptions = repo.active_subscriptions(event.aggregate_id, created_by=event.occurred_at)
            if not subscriptions or ttl == 0:  # stale news (the worker was away too long) is not sent
                continue
            order = repo.order(event.aggregate_id)
            payload = build_payload(kind, order_number=order.number, tracking_token=order.tracking_token,
                                    event_id=event.event_id, sequence=event.publish_seq,
                                    occurred_at=event.occurred_at, eta=_eta_of(event.payload or {}),
                                    clock=self.shop_clock)
            for sub in subscriptions:
                if repo.message_exists(sub.id, event.event_id):
                    continue
                repo.add(PushMessage(subscription_id=sub.id, event_id=event.event_id,
                                     sequence=event.publish_seq, kind=kind.key,
                                     topic=topic_for(order.tracking_token), ttl=ttl,
                                     urgency=kind.urgency, payload=payload, status="pending", attempts=0,
                                     next_attempt_at=now, created_at=now))
                made += 1
        return made

    def _staff_alerts(self, session, repo, event, now) -> int:
        """Queue the staff alert an event becomes (a new order) for every owner's and manager's browser."""
        kind = staff_kind_of(event.name, event.aggregate_type, event.payload)
        if kind is None or event.aggregate_id is None:
            return 0
        ttl = remaining_ttl(kind.ttl, event.occurred_at, now)
        subscriptions = repo.active_staff_subscriptions(created_by=event.occurred_at,
                                                        roles=[r.value for r in STAFF_ALERT_ROLES])
        if not subscriptions or ttl == 0:
            return 0
        order = repo.order(event.aggregate_id)
        if order is None:
            return 0
        payload = build_staff_payload(kind, order_id=order.id, order_number=order.number,
                                      total_minor=order.total_minor, currency=order.currency,
                                      event_id=event.event_id, sequence=event.publish_seq,
                                      occurred_at=event.occurred_at)
        made = 0
        for sub in subscriptions:
            if repo.message_exists(sub.id, event.event_id):
                continue
            repo.add(PushMessage(subscription_id=sub.id, event_id=event.event_id, sequence=event.publish_seq,
                                 kind=kind.key, topic=staff_topic_for(order.id), ttl=ttl, urgency=kind.urgency,
                                 payload=payload, status="pending", attempts=0, next_attempt_at=now,
                                 created_at=now))
            made += 1
        return made

    # -- delivery (outbox_consumer.OutboxWorker: the lease, the loop)
    def lease(self, repo: PushRepository, now, lease_until) -> list[tuple[dict, dict | None]]:
        """Each message with its browser's keys (None: the subscription was revoked after it was queued)."""
        return [({"id": m.id, "event_id": m.event_id, "attempts": m.attempts, "ttl": m.ttl, "topic": m.topic,
                  "urgency": m.urgency, "payload": bytes(m.payload), "created_at": m.created_at,
                  "subscription_id": s.id}, s.info() if s.revoked_at is None else None)
                for m, s in repo.claim_due(now, lease_until, self.batch_size)]

    def deliver(self, item: tuple[dict, dict | None]) -> None:
        message, info = item
        now = self.clock()
        ttl = remaining_ttl(message["ttl"], message["created_at"], now)
        result = None
        if info is not None and ttl > 0:
            result = self.sender.send(info, message["payload"], ttl=ttl, topic=message["topic"],
                                      urgency=message["urgency"])
        done = self.clock()
        self.in_write(lambda repo: self._record(repo, message, info, result, now=now, done=done, ttl=ttl))

    def _record(self, repo: PushRepository, message: dict, info: dict | None, result, *, now, done, ttl) -> None:
        row = repo.message(message["id"])
        if row is None or row.status != "pending":  # turned off while it was being sent
            return
        if info is None:  # the subscription was revoked after this message was queued
            row.status, row.finished_at, row.next_attempt_at = "cancelled", done, None
            return
        if result is None:  # its TTL ran out while it waited
            row.status, row.finished_at, row.next_attempt_at = "expired", done, None
            return
        attempt = message["attempts"] + 1
        fate = Next("failed") if result.permanent else after_response(
            result.status_code, attempt=attempt, now=done,
            expires_at=message["created_at"] + timedelta(seconds=message["ttl"]),
            retry_after_seconds=result.retry_after_seconds, policy=self.policy)
        row.attempts, row.status, row.next_attempt_at = attempt, fate.status, fate.retry_at
        if fate.status != "pending":
            row.finished_at = done
        repo.add_attempt(PushAttempt(message_id=row.id, subscription_id=message["subscription_id"],
                                     event_id=message["event_id"], attempt=attempt, status_code=result.status_code,
                                     error=result.error, retry_after_seconds=result.retry_after_seconds,
                                     next_retry_at=fate.retry_at, topic=message["topic"], ttl=ttl,
                                     urgency=message["urgency"], sent_at=now))
        if fate.status == "sent":
            repo.supersede_older(row, done)
        elif fate.status == "gone":
            ids = repo.revoke_endpoint(info["endpoint"], "gone", done)
            repo.cancel_pending(ids, "gone", done)
            log.info("push subscription gone (%s): deactivated %d", result.status_code, len(ids))
