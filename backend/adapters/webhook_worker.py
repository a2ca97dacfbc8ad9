"""The webhook worker: turns published outbox events into deliveries for API clients' subscriptions and sends
them, signed, retrying with backoff (the handlers that subscribe are in services/webhooks.py).

1. A state change commits its domain event to the outbox; the outbox relay publishes it after commit.
2. `WebhookDispatcher` is a publish callable for the relay: it only wakes the worker; it writes nothing.
3. `WebhookWorker.intake()` reads published events after its cursor and writes one `webhook_delivery` per
   (subscription, event) that asked for it, then moves the cursor, in one transaction: nothing is lost if the
   process dies, nothing doubles (the pair is unique, and the cursor moves with the rows).
4. `WebhookWorker.deliver_due()` leases due deliveries, sends each OUTSIDE any transaction, then records the
   attempt: delivered (2xx), retried with backoff and jitter (no answer, 408, 429, 5xx; never sooner than
   Retry-After) or failed (other answers, or the attempts ran out). A subscription whose deliveries fail
   `disable_after` times in a row is disabled, with the reason on it.
"""
from __future__ import annotations

import logging
import random
import threading
import uuid

from ..domain.events import utcnow
from ..domain.webhooks import RetryPolicy, after_attempt, delivery_body, type_for
from .outbox_consumer import OutboxWorker
from .webhook_records import WebhookAttempt, WebhookDelivery
from .webhook_repository import WebhookRepository

log = logging.getLogger(__name__)


class WebhookDispatcher:
    """A publish callable for the outbox relay: wakes the webhook worker when a batch is published."""

    def __init__(self, wake: threading.Event | None = None):
        self.wake = wake or threading.Event()

    def __call__(self, batch) -> None:
        if batch:
            self.wake.set()


class WebhookWorker(OutboxWorker):
    """Intake (published events -> deliveries) and delivery (send, record, retry) of outgoing webhooks."""

    LEASE_SECONDS = 120  # longer than a send can take (its timeout), sent one by one
    name = "webhook worker"

    def __init__(self, session_factory, sender, *, policy: RetryPolicy = RetryPolicy(), batch_size: int = 100,
                 disable_after: int = 5, clock=utcnow, rand=random.random):
        self.session_factory = session_factory
        self.sender = sender
        self.policy = policy
        self.batch_size = batch_size
        self.disable_after = disable_after
        self.clock = clock
        self.rand = rand

    # -- intake (outbox_consumer.CursorIntake: the cursor, the batch and its transaction)
    intake_repository = delivery_repository = WebhookRepository

    def take_in_events(self, session, repo, events: list, now) -> int:
        """The webhook deliveries a batch of published events becomes."""
        made = 0
        subscriptions = repo.active_subscriptions()
        for event in events:
            payload = dict(event.payload or {})
            for sub in subscriptions:
                kind = type_for(event.name, event.aggregate_type, payload, set(sub.events))
                # News from before a subscription existed is not sent to it.
                if kind is None or sub.created_at > event.occurred_at:
                    continue
                if repo.delivery_exists(sub.id, event.event_id):
                    continue
                facts = (repo.shipment_facts(event.aggregate_id)
                         if event.aggregate_type == "shipment" and event.aggregate_id else None)
                body = delivery_body(event_id=event.event_id, webhook_type=kind, event_name=event.name,
                                     aggregate_id=event.aggregate_id, occurred_at=event.occurred_at,
                                     payload=payload, facts=facts)
                repo.add(WebhookDelivery(delivery_id=str(uuid.uuid4()), subscription_id=sub.id,
                                         event_id=event.event_id, event_type=kind,
                                         sequence=event.publish_seq, body=body, status="pending",
                                         attempts=0, next_attempt_at=now, created_at=now, last_error=""))
                made += 1
        return made

    # -- delivery (outbox_consumer.OutboxWorker: the lease, the loop)
    def lease(self, repo: WebhookRepository, now, lease_until) -> list[dict]:
        return [{"id": d.id, "delivery_id": d.delivery_id, "attempts": d.attempts, "body": d.body,
                 "event_type": d.event_type, "url": s.url, "secret": s.secret, "active": s.active}
                for d, s in repo.claim_due(now, lease_until, self.batch_size)]

    def deliver(self, delivery: dict) -> None:
        # The request goes out with no transaction open: a slow receiver holds no lock and no connection.
        result = None
        if delivery["active"]:
            result = self.sender.send(delivery["url"], delivery["secret"], delivery["body"],
                                      delivery_id=delivery["delivery_id"], event_type=delivery["event_type"])
        sent_at = self.clock()
        self.in_write(lambda repo: self._record(repo, delivery, result, sent_at))

    def _record(self, repo: WebhookRepository, delivery: dict, result, now) -> None:
        row = repo.delivery(delivery["id"], for_update=True)
        if row is None or row.status != "pending":  # cancelled while it was being sent
            return
        if result is None:  # the subscription ended after this delivery was queued: nothing was sent
            row.status, row.finished_at, row.next_attempt_at = "cancelled", now, None
            return
        sub = repo.subscription_any(row.subscription_id, for_update=True)
        attempt = delivery["attempts"] + 1
        fate = after_attempt(result.status_code, attempt=attempt, now=now, random_fraction=self.rand(),
                             policy=self.policy, retry_after_seconds=result.retry_after_seconds,
                             permanent=result.permanent)
        row.attempts, row.status, row.next_attempt_at = attempt, fate.status, fate.retry_at
        row.last_status_code, row.last_error = result.status_code, result.error
        if fate.status != "pending":
            row.finished_at = now
        repo.add_attempt(WebhookAttempt(delivery_id=row.id, attempt=attempt, status_code=result.status_code,
                                        error=result.error, duration_ms=result.duration_ms,
                                        next_retry_at=fate.retry_at, sent_at=now))
        if not sub.active:  # deleted or stopped while this request was out: no retry, no more counting
            if fate.status == "pending":
                row.status, row.finished_at, row.next_attempt_at = "cancelled", now, None
            return
        if fate.status == "delivered":
            sub.failures_in_a_row = 0
        elif fate.status == "failed":
            sub.failures_in_a_row = (sub.failures_in_a_row or 0) + 1
            if sub.failures_in_a_row >= self.disable_after:
                answer = result.status_code if result.status_code is not None else "no answer"
                sub.disabled_at = now
                sub.disabled_reason = (f"Stopped after {sub.failures_in_a_row} failed deliveries in a row "
                                       f"(last: {answer} {result.error})".strip()[:290] + ").")
                repo.cancel_pending(sub.id, now)
                log.warning("webhook subscription %s disabled: %s", sub.id, sub.disabled_reason)
