"""A split order's parcels reach the customer's phone one by one: shipped, arriving soon, missed at the door.

On SQLite only, like the push worker's other service tests: on a shared PostgreSQL server the relay waits for
every open transaction of other test runs (tests/outbox.py), which this behaviour does not depend on."""
import shutil
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from py_vapid import Vapid
from sqlalchemy.orm import Session

from backend.adapters.push import VapidKeys, WebPushSender, application_server_key
from backend.adapters.push_worker import PushWorker
from backend.adapters.tables import orders
from backend.domain import commands
from backend.domain.access import VISITOR
from backend.domain.push_delivery import RetryPolicy
from backend.extensions import db
from tests.conftest import make_app
from tests.factories import allocated_order, picking_setup, run, standard_shop
from tests.outbox import publish_everything
from tests.push_service import LocalPushService


@pytest.fixture
def app(tmp_path, sqlite_template):
    """A fresh migrated SQLite copy (this module's tests do not run on PostgreSQL)."""
    path = tmp_path / "waybill.db"
    shutil.copy(sqlite_template, path)
    application = make_app(f"sqlite:///{path}")
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def service():
    svc = LocalPushService().start()
    yield svc
    svc.stop()


@pytest.fixture
def worker(app):
    key = Vapid()
    key.generate_keys()
    sender = WebPushSender(VapidKeys(key, application_server_key(key), "mailto:ops@waybill-shop.co.uk"), timeout=5)
    with app.app_context():
        engine = db.engine
    yield PushWorker(lambda: Session(engine, expire_on_commit=False), sender,
                     policy=RetryPolicy(base_seconds=30, cap_seconds=3600, max_attempts=4),
                     clock=lambda: datetime.now(timezone.utc) + timedelta(seconds=1))
    sender.close()


def test_the_london_parcel_is_announced_and_its_missed_visit_told_while_manchester_still_picks(
        app, service, worker):
    shop = standard_shop(app)
    shop.customer("robin")
    picking_setup(shop)
    shop.stock("TEE", "LON", 5)
    _, manager = shop.user("manager")
    _, driver = shop.user("driver")
    office, driver_actor = shop.actor(manager), shop.actor(driver)
    order_id = allocated_order(shop, office, [("TEE", 7)])
    with app.app_context():
        token = db.session.execute(sa.select(orders.c.tracking_token).where(orders.c.id == order_id)).scalar_one()
    browser = service.subscribe()
    run(app, commands.SubscribeToPush(token, browser.endpoint, browser.p256dh, browser.auth), VISITOR)
    pick_list = run(app, commands.CreatePickList(shop.warehouses["LON"]), office)
    run(app, commands.ClaimPickList(pick_list.id), office)
    run(app, commands.RecordPick(pick_list.lines[0].id, 5), office)
    run(app, commands.ClosePack(order_id, (("S", 900),)), office)
    shipment = run(app, commands.CreateShipment(order_id, "own_fleet"), office)
    planned = run(app, commands.AssignToRun(driver_actor.user_id, datetime.now(timezone.utc).date(),
                                            (shipment.id,)), office)
    run(app, commands.StartRun(planned.id), office)
    run(app, commands.RecordFailedAttempt(planned.stops[0].id, "no_one_home"), driver_actor)
    publish_everything(app)
    worker.run_once()
    assert [(r.status, r.payload["kind"]) for r in service.received] == [
        (201, "part_shipped"), (201, "arriving_soon"), (201, "part_failed_attempt")]
    assert service.received[-1].payload["title"] == "We missed you"
