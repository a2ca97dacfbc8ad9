"""Webhook workers on PostgreSQL: two at once take in each event once and deliver it once per subscription;
a retried delivery keeps its delivery id; the subscription handlers write through the real unit of work."""
from __future__ import annotations

from collections import Counter

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from backend.adapters.webhook_records import WebhookAttempt, WebhookDelivery
from backend.adapters.webhook_sender import HttpWebhookSender
from backend.adapters.webhook_worker import WebhookWorker
from backend.domain import commands
from backend.domain.access import Actor, Role
from backend.domain.webhooks import RetryPolicy
from backend.extensions import db
from tests.conftest import make_app
from tests.factories import run, standard_shop
from tests.outbox import publish_everything, run_side_by_side
from tests.webhook_receiver import WebhookReceiver, verify


@pytest.fixture
def hooks_app(pg_app, pg_url):
    """An app on the run's PostgreSQL database that may subscribe loopback receivers (pg_app empties it after)."""
    application = make_app(pg_url, WAYBILL_WEBHOOKS_ALLOW_PRIVATE=True)
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


def _office(shop, role):
    user_id, email = shop.user(role)
    return shop.actor(email)


def _worker(engine, **kwargs):
    return WebhookWorker(lambda: Session(engine, expire_on_commit=False), HttpWebhookSender(allow_private=True),
                         policy=RetryPolicy(base_seconds=0, max_attempts=3), **kwargs)


def test_two_workers_at_once_deliver_every_event_once_per_subscription(hooks_app):
    pg_app = hooks_app
    shop = standard_shop(pg_app)
    owner = _office(shop, "owner")
    receiver = WebhookReceiver().start()
    try:
        subs = [run(pg_app, commands.CreateWebhookSubscription(receiver.url(path), ("order.placed",)), owner)
                for path in ("/a", "/b")]
        order_ids = [shop.place(owner, [("MUG", 1)]) for _ in range(6)]
        publish_everything(pg_app)
        with pg_app.app_context():
            engine = db.engine
        workers = [_worker(engine, batch_size=2) for _ in range(2)]
        assert run_side_by_side(workers) == []
        counts = Counter((r.path, r.json["id"]) for r in receiver.received)
        assert len(counts) == 12 and set(counts.values()) == {1}
        assert sorted(r.json["data"]["order_id"] for r in receiver.at("/a")) == sorted(order_ids)
        secrets = {"/a": subs[0][1], "/b": subs[1][1]}
        assert all(verify(secrets[r.path], r.headers["waybill-signature"], r.body) for r in receiver.received)
        with pg_app.app_context():
            assert db.session.execute(sa.select(WebhookDelivery.status)).scalars().all() == ["delivered"] * 12
    finally:
        receiver.stop()


def test_a_retried_delivery_keeps_its_delivery_id_and_every_attempt_is_logged(hooks_app):
    pg_app = hooks_app
    shop = standard_shop(pg_app)
    manager = _office(shop, "manager")
    receiver = WebhookReceiver(scripts={"/flaky": [502, 429]}).start()
    try:
        run(pg_app, commands.CreateWebhookSubscription(receiver.url("/flaky"), ("order.placed",)), manager)
        shop.place(manager, [("MUG", 1)])
        publish_everything(pg_app)
        with pg_app.app_context():
            engine = db.engine
        _worker(engine).run_once()
        got = receiver.at("/flaky")
        assert [r.status for r in got] == [502, 429, 200]
        assert len({r.headers["waybill-delivery"] for r in got}) == 1
        with pg_app.app_context():
            codes = db.session.execute(sa.select(WebhookAttempt.status_code).order_by(WebhookAttempt.attempt)
                                       ).scalars().all()
            assert codes == [502, 429, 200]
    finally:
        receiver.stop()


def test_a_manager_cannot_delete_the_owners_subscription_on_postgres(pg_app):
    shop = standard_shop(pg_app)
    owner, manager = _office(shop, "owner"), _office(shop, "manager")
    row, _secret = run(pg_app, commands.CreateWebhookSubscription("https://hooks.example.com/in",
                                                                  ("stock.changed",)), owner)
    from backend.domain.errors import NotFound
    from tests.factories import refused
    refused(pg_app, commands.DeleteWebhookSubscription(row.id), manager, NotFound)
    refused(pg_app, commands.CreateWebhookSubscription("https://hooks.example.com/in", ("stock.changed",)),
            Actor(user_id=None, role=Role.FLOOR))
    assert run(pg_app, commands.DeleteWebhookSubscription(row.id), owner).deleted_at is not None
