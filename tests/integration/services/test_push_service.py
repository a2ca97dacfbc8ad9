"""The push handlers and worker on SQLite, against a real local push service, on a clock the test moves.

The worker's rules that take time to show (backoff, Retry-After, TTL running out, a newer status
overtaking an older one that waits for a retry) are driven step by step here; tests/e2e/test_push.py
runs the same worker in threads behind the outbox relay.
"""
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from py_vapid import Vapid
from sqlalchemy.orm import Session

from backend.adapters.tables import orders
from backend.adapters.push import VapidKeys, WebPushSender, application_server_key
from backend.adapters.push_records import PushAttempt, PushCursor, PushMessage, PushSubscription
from backend.domain import commands
from backend.domain.access import VISITOR, Actor, Role
from backend.domain.errors import Forbidden, NotFound
from backend.domain.push_delivery import RetryPolicy
from backend.domain.push_subscriptions import MAX_SUBSCRIPTIONS_PER_ORDER
from backend.domain.orders import OrderStatus
from backend.extensions import db
from backend.adapters.outbox_relay import Published
from backend.adapters.push_worker import PushDispatcher, PushWorker
from backend.services.push import TooManySubscriptions
from backend.adapters.unit_of_work import SqlAlchemyUnitOfWork
from tests.outbox import publish_everything
from tests.factories import refused, run, standard_shop
from tests.push_service import LocalPushService

MANAGER = Actor(user_id=None, role=Role.MANAGER)
T0 = datetime(2026, 11, 29, 9, 0, tzinfo=timezone.utc)


class Clock:
    def __init__(self):
        self.now = datetime.now(timezone.utc)

    def __call__(self):
        return self.now

    def advance(self, seconds):
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def service():
    svc = LocalPushService().start()
    yield svc
    svc.stop()


@pytest.fixture
def shop(app):
    return standard_shop(app)


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def worker(app, clock):
    key = Vapid()
    key.generate_keys()
    sender = WebPushSender(VapidKeys(key, application_server_key(key), "mailto:ops@waybill-shop.co.uk"), timeout=5)
    with app.app_context():
        engine = db.engine
    yield PushWorker(lambda: Session(engine, expire_on_commit=False), sender,
                     policy=RetryPolicy(base_seconds=30, cap_seconds=3600, max_attempts=4), clock=clock)
    sender.close()


def publish_all(app):
    """Run the outbox relay until everything committed is published (what the relay thread does)."""
    publish_everything(app)


def token_of(app, order_id):
    with app.app_context():
        return db.session.execute(sa.select(orders.c.tracking_token).where(orders.c.id == order_id)).scalar_one()


def subscribe(app, order_id, browser, actor=VISITOR):
    row, _ = run(app, commands.SubscribeToPush(token_of(app, order_id), browser.endpoint, browser.p256dh,
                                               browser.auth), actor)
    return row


def record(app, order_id, name, **data):
    """An order event no handler in this tree makes yet (e.g. 'arriving soon'), through the aggregate."""
    with app.app_context(), SqlAlchemyUnitOfWork(db.session) as uow:
        order = uow.track(uow.orders.get(order_id, for_update=True))
        order.record(name, actor_id=None, **data)
        uow.commit()


def messages(app):
    with app.app_context():
        return [(m.kind, m.status, m.attempts) for m in
                db.session.execute(sa.select(PushMessage).order_by(PushMessage.id)).scalars()]


def kinds(received):
    return [(r.status, r.payload["kind"]) for r in received]


def test_one_notification_per_subscription_and_event_even_when_events_are_read_twice(app, shop, service, worker):
    order_id = shop.place(MANAGER, [("MUG", 1)])
    subscribe(app, order_id, service.subscribe())
    run(app, commands.AcceptOrder(order_id), MANAGER)
    publish_all(app)
    assert worker.intake() == 1  # accepted notifies; placed (before the subscription) and allocated do not
    assert worker.intake() == 0
    with app.app_context():  # the same events read again (a cursor set back): still one notification each
        db.session.execute(sa.update(PushCursor).values(last_sequence=0))
        db.session.commit()
    assert worker.intake() == 0
    assert worker.deliver_due() == 1
    assert kinds(service.received) == [(201, "accepted")]


def test_news_from_before_a_subscription_is_not_sent(app, shop, service, worker):
    order_id = shop.place(MANAGER, [("MUG", 1)])
    run(app, commands.AcceptOrder(order_id), MANAGER)
    subscribe(app, order_id, service.subscribe())
    publish_all(app)
    assert worker.run_once() == 0
    assert service.received == []


def test_a_newer_status_overtakes_one_waiting_for_a_retry_and_the_older_is_never_sent_after_it(
        app, shop, service, worker, clock):
    order_id = shop.place(MANAGER, [("MUG", 1)])
    phone = service.subscribe()
    phone.script = [(503, {"Retry-After": "600"})]
    subscribe(app, order_id, phone)
    record(app, order_id, "order.out_for_delivery")
    publish_all(app)
    worker.run_once()
    assert messages(app) == [("out_for_delivery", "pending", 1)]
    clock.advance(60)
    worker.run_once()  # not due yet: Retry-After said 600 s
    assert len(service.received) == 1
    record(app, order_id, "order.delivered")
    publish_all(app)
    worker.run_once()
    clock.advance(900)
    worker.run_once()
    assert kinds(service.received) == [(503, "out_for_delivery"), (201, "delivered")]
    assert messages(app) == [("out_for_delivery", "superseded", 1), ("delivered", "sent", 1)]


def test_a_retry_that_would_outlive_the_ttl_ends_the_message_as_expired(app, shop, service, worker, clock):
    order_id = shop.place(MANAGER, [("MUG", 1)])
    phone = service.subscribe()
    phone.script = [(429, {"Retry-After": "3600"})]  # an hour; "arriving soon" lives 15 minutes
    subscribe(app, order_id, phone)
    record(app, order_id, "order.arriving_soon")
    publish_all(app)
    worker.run_once()
    clock.advance(7200)
    worker.run_once()
    assert messages(app) == [("arriving_soon", "expired", 1)]
    assert [r.status for r in service.received] == [429]


def test_backoff_grows_until_the_last_attempt_then_the_message_fails(app, shop, service, worker, clock):
    order_id = shop.place(MANAGER, [("MUG", 1)])
    phone = service.subscribe()
    phone.always = (500, {})
    subscribe(app, order_id, phone)
    record(app, order_id, "order.delivered")
    publish_all(app)
    worker.run_once()
    with app.app_context():
        first_retry = db.session.execute(sa.select(PushAttempt.next_retry_at)).scalar_one()
    assert first_retry == clock.now + timedelta(seconds=30)
    for wait in (29, 1, 60, 120):
        clock.advance(wait)
        worker.run_once()
    with app.app_context():
        attempts = db.session.execute(sa.select(PushAttempt.attempt, PushAttempt.status_code)
                                      .order_by(PushAttempt.id)).all()
    assert attempts == [(1, 500), (2, 500), (3, 500), (4, 500)]  # 30, 60, 120 s apart; 4 is the limit
    assert messages(app) == [("delivered", "failed", 4)]


def test_a_refused_request_is_not_retried(app, shop, service, worker, clock):
    order_id = shop.place(MANAGER, [("MUG", 1)])
    phone = service.subscribe()
    phone.script = [(413, {})]
    subscribe(app, order_id, phone)
    record(app, order_id, "order.shipped")
    publish_all(app)
    worker.run_once()
    clock.advance(3600)
    worker.run_once()
    assert messages(app) == [("shipped", "failed", 1)]
    assert len(service.received) == 1


def test_a_gone_browser_is_dropped_for_every_order_it_followed(app, shop, service, worker):
    first, second = shop.place(MANAGER, [("MUG", 1)]), shop.place(MANAGER, [("MUG", 1)])
    phone = service.subscribe()
    phone.always = (404, {})
    subscribe(app, first, phone)
    subscribe(app, second, phone)
    record(app, first, "order.shipped")
    publish_all(app)
    worker.run_once()
    with app.app_context():
        reasons = db.session.execute(sa.select(PushSubscription.revoked_reason)).scalars().all()
    assert reasons == ["gone", "gone"]
    record(app, second, "order.shipped")
    publish_all(app)
    worker.run_once()
    assert len(service.received) == 1


def test_a_signed_in_customer_subscribing_to_their_own_order_is_remembered_as_theirs(app, shop, service):
    order_id = shop.place(MANAGER, [("MUG", 1)])
    customer = Actor(user_id=None, role=Role.CUSTOMER, customer_id=shop.customers["casey"])
    stranger = Actor(user_id=None, role=Role.CUSTOMER, customer_id=shop.customers["casey"] + 1000)
    assert subscribe(app, order_id, service.subscribe(), customer).customer_id == shop.customers["casey"]
    assert subscribe(app, order_id, service.subscribe(), stranger).customer_id is None
    assert subscribe(app, order_id, service.subscribe()).customer_id is None


def test_only_customers_and_link_holders_subscribe_and_a_wrong_token_finds_nothing(app, shop, service):
    order_id = shop.place(MANAGER, [("MUG", 1)])
    browser = service.subscribe()
    refused(app, commands.SubscribeToPush(token_of(app, order_id), browser.endpoint, browser.p256dh, browser.auth),
            MANAGER, Forbidden)
    refused(app, commands.SubscribeToPush("A" * 32, browser.endpoint, browser.p256dh, browser.auth), VISITOR,
            NotFound)
    refused(app, commands.UnsubscribeFromPush(token_of(app, order_id), browser.endpoint), VISITOR, NotFound)


def test_an_order_takes_a_bounded_number_of_subscriptions(app, shop, service):
    order_id = shop.place(MANAGER, [("MUG", 1)])
    for _ in range(MAX_SUBSCRIPTIONS_PER_ORDER):
        subscribe(app, order_id, service.subscribe())
    browser = service.subscribe()
    refused(app, commands.SubscribeToPush(token_of(app, order_id), browser.endpoint, browser.p256dh, browser.auth),
            VISITOR, TooManySubscriptions)


def test_the_dispatcher_wakes_the_worker_only_for_customer_news():
    dispatcher = PushDispatcher()

    def event(name, aggregate="order"):
        return Published("e", 1, name, aggregate, 1, 1, T0, {})

    dispatcher([event("order.allocated"), event("stock.adjusted", "stock_level")])
    assert not dispatcher.wake.is_set()
    dispatcher([event("order.allocated"), event("order.shipped")])
    assert dispatcher.wake.is_set()


def test_status_changes_through_the_transition_table_reach_the_phone_in_order(app, shop, service, worker):
    order_id = shop.place(MANAGER, [("MUG", 1)])
    subscribe(app, order_id, service.subscribe())
    run(app, commands.AcceptOrder(order_id), MANAGER)
    with app.app_context(), SqlAlchemyUnitOfWork(db.session) as uow:
        order = uow.track(uow.orders.get(order_id, for_update=True))
        for status in (OrderStatus.PICKING, OrderStatus.PACKED, OrderStatus.SHIPPED, OrderStatus.OUT_FOR_DELIVERY,
                       OrderStatus.DELIVERED):
            order.transition(status, actor_id=None)
        uow.commit()
    publish_all(app)  # all at once: the worker was away; they still go out oldest first
    worker.run_once()
    assert kinds(service.received) == [(201, "accepted"), (201, "shipped"), (201, "out_for_delivery"),
                                       (201, "delivered")]


def test_keys_that_cannot_be_encrypted_to_fail_the_message_at_once_instead_of_retrying(app, shop, service, worker,
                                                                                      clock):
    import base64
    order_id = shop.place(MANAGER, [("MUG", 1)])
    phone = service.subscribe()
    off_curve = base64.urlsafe_b64encode(b"\x04" + b"\x01" * 64).decode().rstrip("=")
    run(app, commands.SubscribeToPush(token_of(app, order_id), phone.endpoint, off_curve, phone.auth), VISITOR)
    record(app, order_id, "order.shipped")
    publish_all(app)
    worker.run_once()
    clock.advance(3600)
    worker.run_once()
    assert messages(app) == [("shipped", "failed", 1)]
    assert service.received == []


def test_news_older_than_its_ttl_is_not_sent_when_the_worker_comes_back(app, shop, service, worker, clock):
    order_id = shop.place(MANAGER, [("MUG", 1)])
    subscribe(app, order_id, service.subscribe())
    record(app, order_id, "order.arriving_soon")  # lives 15 minutes
    record(app, order_id, "order.delivered")  # lives a day
    publish_all(app)
    clock.advance(3600)  # the worker was down for an hour
    worker.run_once()
    assert kinds(service.received) == [(201, "delivered")]
    assert abs(int(service.received[0].headers["ttl"]) - 23 * 3600) <= 5  # a day less the hour away
