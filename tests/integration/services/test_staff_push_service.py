"""Staff alert handlers and the push worker's staff intake on SQLite, against a real local push service."""

import dataclasses

import pytest
import sqlalchemy as sa
from py_vapid import Vapid
from sqlalchemy.orm import Session

from backend.adapters.push import VapidKeys, WebPushSender, application_server_key
from backend.adapters.push_records import PushMessage, PushSubscription
from backend.adapters.records import User
from backend.domain import commands
from backend.domain.errors import Forbidden, NotFound
from backend.domain.notifications import staff_topic_for
from backend.extensions import db
from backend.adapters.push_worker import PushWorker
from backend.bootstrap import bus
from tests.outbox import publish_everything
from tests.factories import refused, run, standard_shop
from tests.push_service import LocalPushService


@pytest.fixture
def service():
    svc = LocalPushService().start()
    yield svc
    svc.stop()


@pytest.fixture
def shop(app):
    return standard_shop(app)


@pytest.fixture
def worker(app):
    key = Vapid()
    key.generate_keys()
    sender = WebPushSender(VapidKeys(key, application_server_key(key), "mailto:ops@waybill-shop.co.uk"), timeout=5)
    with app.app_context():
        engine = db.engine
    yield PushWorker(lambda: Session(engine, expire_on_commit=False), sender)
    sender.close()


def publish_all(app):
    publish_everything(app)


def staff_subscribe(app, actor, browser):
    return run(app, commands.SubscribeToStaffPush(browser.endpoint, browser.p256dh, browser.auth), actor)


def person(shop, role, **kwargs):
    user_id, email = shop.user(role, **kwargs)
    return user_id, shop.actor(email)


def test_only_owners_and_managers_subscribe_and_turning_off_an_unknown_browser_is_not_found(app, shop, service):
    for role, kwargs in (("floor", {"warehouses": ("LON",)}), ("driver", {}), ("customer", {"customer": "casey"})):
        _user_id, actor = person(shop, role, **kwargs)
        refused(app, commands.SubscribeToStaffPush("http://127.0.0.1/x", "k", "a"), actor, Forbidden)
    owner_id, owner = person(shop, "owner")
    browser = service.subscribe()
    row, created = staff_subscribe(app, owner, browser)
    assert created and (row.audience, row.user_id, row.order_id) == ("staff", owner_id, None)
    _row, created = staff_subscribe(app, owner, browser)
    assert not created
    _manager_id, manager = person(shop, "manager")
    refused(app, commands.UnsubscribeFromStaffPush(browser.endpoint), manager, NotFound)  # not theirs
    with app.app_context():
        assert db.session.execute(sa.select(sa.func.count()).select_from(PushSubscription)).scalar_one() == 1


def test_a_held_order_alerts_new_then_held_under_one_topic_and_news_before_subscribing_is_not_sent(
        app, shop, service, worker):
    _owner_id, owner = person(shop, "owner")
    shop.place(owner, [("MUG", 1)])  # before anyone asked for alerts
    browser = service.subscribe()
    staff_subscribe(app, owner, browser)
    shop.product("TV", 90_000, 12_000, LON=2)  # over the review threshold: placed, then payment hold
    order_id = shop.place(owner, [("TV", 1)])
    publish_all(app)
    assert worker.intake() == 2
    assert worker.deliver_due() == 2
    got = [r.payload for r in service.received]
    assert [p["kind"] for p in got] == ["staff_new_order", "staff_payment_hold"]
    assert {r.headers["topic"] for r in service.received} == {staff_topic_for(order_id)}
    assert got[1]["body"].startswith(f"Order WB-{order_id:06d} — £1,080.00")


def test_a_counter_sale_alerts_no_one_but_a_phone_order_placed_beside_it_does(app, shop, service, worker):
    _owner_id, owner = person(shop, "owner")
    staff_subscribe(app, owner, service.subscribe())
    with app.app_context():
        before = bus().settings
        bus().settings = dataclasses.replace(before, store_warehouse_code="LON")
    try:
        sale, _ = run(app, commands.SellAtCounter((("MUG", 1),), "cash", tendered_minor=5_000), owner)
    finally:
        with app.app_context():
            bus().settings = before
    order_id = shop.place(owner, [("MUG", 1)])
    publish_all(app)
    assert worker.intake() == 1
    assert worker.deliver_due() == 1
    assert [(r.payload["kind"], r.payload["order"]) for r in service.received] == [
        ("staff_new_order", f"WB-{order_id:06d}")]
    assert sale.id != order_id


def test_a_demoted_owner_stops_getting_alerts(app, shop, service, worker):
    owner_id, owner = person(shop, "owner")
    staff_subscribe(app, owner, service.subscribe())
    with app.app_context():
        db.session.get(User, owner_id).role = "floor"
        db.session.commit()
    shop.place(owner, [("MUG", 1)])
    publish_all(app)
    assert worker.run_once() == 0
    with app.app_context():
        assert db.session.execute(sa.select(sa.func.count()).select_from(PushMessage)).scalar_one() == 0
