"""Push workers on PostgreSQL: two of them at once take in each event once and send each notification once."""
from __future__ import annotations

from collections import Counter

import sqlalchemy as sa
from py_vapid import Vapid
from sqlalchemy.orm import Session

from backend.adapters.tables import orders
from backend.adapters.push import VapidKeys, WebPushSender, application_server_key
from backend.adapters.push_records import PushMessage
from backend.domain import commands
from backend.domain.access import VISITOR, Actor, Role
from backend.extensions import db
from backend.adapters.push_worker import PushWorker
from tests.outbox import publish_everything, run_side_by_side
from tests.factories import run, standard_shop
from tests.push_service import LocalPushService

MANAGER = Actor(user_id=None, role=Role.MANAGER)


def test_two_workers_at_once_send_every_notification_exactly_once_in_order_per_phone(pg_app):
    shop = standard_shop(pg_app)
    service = LocalPushService().start()
    try:
        phones, order_ids = [], []
        for _ in range(6):
            order_id = shop.place(MANAGER, [("MUG", 1)])
            with pg_app.app_context():
                token = db.session.execute(sa.select(orders.c.tracking_token).where(orders.c.id == order_id)
                                           ).scalar_one()
            phone = service.subscribe()
            run(pg_app, commands.SubscribeToPush(token, phone.endpoint, phone.p256dh, phone.auth), VISITOR)
            phones.append(phone)
            order_ids.append(order_id)
        for order_id in order_ids:
            run(pg_app, commands.AcceptOrder(order_id), MANAGER)
            run(pg_app, commands.CancelOrder(order_id, "customer asked"), MANAGER)  # not news for push
        publish_everything(pg_app)
        with pg_app.app_context():
            engine = db.engine
        key = Vapid()
        key.generate_keys()
        sender = WebPushSender(VapidKeys(key, application_server_key(key), "mailto:ops@waybill-shop.co.uk"))
        workers = [PushWorker(lambda: Session(engine, expire_on_commit=False), sender, batch_size=2)
                   for _ in range(2)]
        errors = run_side_by_side(workers)
        assert errors == []
        counts = Counter(r.path for r in service.received)
        assert sorted(counts.values()) == [1] * 6  # one 'accepted' each, no double
        assert all(r.payload and r.payload["kind"] == "accepted" and r.status == 201 for r in service.received)
        with pg_app.app_context():
            assert db.session.execute(sa.select(PushMessage.status)).scalars().all() == ["sent"] * 6
    finally:
        service.stop()
