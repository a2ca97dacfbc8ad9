"""The channel push worker: tells the shops (Shopify, WooCommerce) what they sell and what has left.

1. A stock change or a shipment commits its domain event to the outbox; the relay publishes it after commit.
2. `ChannelPushDispatcher` (a publish callable) wakes the worker when a batch holds such news;
   `ChannelPushWorker.intake()` reads published events after its cursor (outbox_consumer.CursorIntake) and, in
   one transaction with the cursor, stages a stock push for each channel listing the product (ONE row per
   listing holding the newest quantity: a burst of changes is one call with the last number) and a fulfilment
   push when a parcel of an order that came from a channel gets its carrier and tracking number.
3. `deliver_due()` leases due pushes, sends each through the shop's API (adapters/shop_api.py) OUTSIDE any
   transaction, then records the answer with the webhooks' rules (domain/webhooks.after_attempt): sent (2xx),
   tried again with backoff and jitter (no answer, 408, 429, 5xx; never sooner than Retry-After), or failed
   with the shop's reason kept (any other answer, or the attempts ran out).
"""
from __future__ import annotations

import logging
import random
import threading
from datetime import timedelta

from ..domain.channels_out import (FAILED, PARCEL_NEWS, PENDING, SENT, STOCK_NEWS, channel_quantity, concerns_channels,
                                   token_variable)
from ..domain.events import utcnow
from ..domain.webhooks import RetryPolicy, after_attempt
from .channel_push_repository import ChannelPushRepository
from .outbox_consumer import OutboxWorker

log = logging.getLogger(__name__)

# A parcel older than this when the worker first sees it is not pushed: a worker started for the first time on a
# shop with a long history (its cursor at 0) must not mark last month's shop orders sent, or note them again.
MAX_PARCEL_NEWS_AGE = timedelta(days=2)


class ChannelPushDispatcher:
    """A publish callable for the outbox relay: wakes the push worker when a batch holds news a shop may be owed.

    It keeps nothing: the worker reads the published outbox itself, so a lost wake-up only waits for the poll.
    """

    def __init__(self, wake: threading.Event | None = None):
        self.wake = wake or threading.Event()

    def __call__(self, batch) -> None:
        if any(concerns_channels(event.name, event.aggregate) for event in batch):
            self.wake.set()


class ChannelPushWorker(OutboxWorker):
    """Intake (published events -> pushes) and delivery (send, record, retry) of channels out."""

    LEASE_SECONDS = 120  # longer than a fulfilment's three requests can take
    intake_repository = delivery_repository = ChannelPushRepository
    name = "channel push worker"

    def __init__(self, session_factory, shop_api, tokens, *, policy: RetryPolicy = RetryPolicy(),
                 batch_size: int = 100, clock=utcnow, rand=random.random):
        self.session_factory = session_factory
        self.shop_api = shop_api
        self.tokens = tokens  # slug -> the shop's API token (None: not set)
        self.policy = policy
        self.batch_size = batch_size
        self.clock = clock
        self.rand = rand

    # -- intake (the cursor, the batch and its transaction: CursorIntake)
    def take_in_events(self, session, repo: ChannelPushRepository, events: list, now) -> int:
        """The pushes a batch of published events becomes (a product's quantity is worked out once a batch)."""
        made, products = 0, []
        for event in events:
            payload = event.payload or {}
            if (event.aggregate_type, event.name) == PARCEL_NEWS and event.aggregate_id:
                if now - event.occurred_at <= MAX_PARCEL_NEWS_AGE:
                    made += self._take_in_shipment(repo, event.aggregate_id, now)
            elif event.aggregate_type == "sales_channel" and event.aggregate_id:  # a buffer or address changed
                products.extend(repo.products_listed_on(event.aggregate_id))
            elif event.aggregate_type in STOCK_NEWS and payload.get("product_id"):  # stock or a listing changed
                products.append(payload["product_id"])
        products = list(dict.fromkeys(products))
        for product_id in products:
            made += self._take_in_stock(repo, product_id, now)
        return made

    def _take_in_stock(self, repo: ChannelPushRepository, product_id: int, now) -> int:
        listings = repo.listings_of(product_id)
        if not listings:
            return 0
        # The levels as they stand now, not as the event saw them: the newest number is the one worth sending.
        levels = repo.selling_levels(product_id)
        return sum(repo.stage_stock(channel.id, listing.id, channel_quantity(
            levels, product_buffer=listing.buffer, channel_buffer=channel.stock_buffer), now)
            for listing, channel in listings)

    def _take_in_shipment(self, repo: ChannelPushRepository, shipment_id: int, now) -> int:
        parcel = repo.shipment(shipment_id)
        channel = repo.channel_of_order(parcel.order_id) if parcel is not None else None
        if channel is None:  # not an order a pushing channel sent us
            return 0
        return int(repo.stage_fulfilment(channel.id, shipment_id, parcel.order_id, now))

    # -- delivery (outbox_consumer.OutboxWorker: the lease, the loop)
    def lease(self, repo: ChannelPushRepository, now, lease_until) -> list[dict]:
        return repo.claim_due(now, lease_until, self.batch_size)

    def deliver(self, push: dict) -> None:
        result = self.shop_api.send(push, self.tokens(push["channel"]["slug"]))
        self.in_write(lambda repo: self._record(repo, push, result))

    def _record(self, repo: ChannelPushRepository, push: dict, result) -> None:
        row = repo.push(push["id"], for_update=True)
        if row is None:
            return
        now = self.clock()
        row.leased_until, row.updated_at = None, now
        if row.revision != push["revision"] or row.status != PENDING:
            # A newer quantity (or a person's retry) arrived while this one was out: that one is still owed.
            return
        row.last_status_code, row.last_error = result.status_code, result.error
        attempt = push["attempts"] + 1
        fate = after_attempt(result.status_code, attempt=attempt, now=now, random_fraction=self.rand(),
                             policy=self.policy, retry_after_seconds=result.retry_after_seconds,
                             permanent=result.permanent)
        row.attempts = attempt
        if fate.status == "delivered":
            row.status, row.sent_at, row.next_attempt_at = SENT, now, None
        elif fate.status == "failed":
            row.status, row.next_attempt_at = FAILED, None
            log.warning("channel push %s (%s) failed: %s", row.id, push["kind"], result.error)
        else:
            row.next_attempt_at = fate.retry_at


# -- composition: the worker of an app, in a thread (make run) or its own process (`channels worker`) ----------
def channel_worker_for_app(app, shop_api=None) -> ChannelPushWorker:
    """A ChannelPushWorker on the app's database, with the app's tokens, address rule and retry settings."""
    from sqlalchemy.orm import Session

    from ..extensions import db
    from .shop_api import ShopApi
    from .webhook_sender import retry_policy_for
    config = app.config
    shop_api = shop_api or ShopApi(timeout=float(config.get("WAYBILL_WEBHOOK_TIMEOUT_SECONDS", 10)),
                                   allow_private=bool(config.get("WAYBILL_CHANNELS_ALLOW_PRIVATE")),
                                   tracking_url=config.get("CARRIER_TRACKING_URL", ""))
    tokens = dict(config.get("WAYBILL_CHANNEL_TOKENS") or {})
    with app.app_context():
        engine = db.engine
    return ChannelPushWorker(lambda: Session(engine, expire_on_commit=False), shop_api,
                             lambda slug: tokens.get(token_variable(slug)), policy=retry_policy_for(config))


def start_channel_push_thread(app, *, idle_seconds: float = 1.0):
    """Run the channel push worker in a daemon thread; returns (wake-on-publish callable, stop event)."""
    worker = channel_worker_for_app(app)
    dispatcher, stop = ChannelPushDispatcher(), threading.Event()

    def work():
        with app.app_context():
            worker.run_until(stop, wake=dispatcher.wake, idle_seconds=idle_seconds)

    threading.Thread(target=work, name="waybill-channel-push-worker", daemon=True).start()
    return dispatcher, stop
