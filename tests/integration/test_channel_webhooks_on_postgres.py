"""Shop webhooks on PostgreSQL: a shop's retries racing each other still make one order, or one intake exception."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import sqlalchemy as sa

from backend.bootstrap import bus
from backend.domain import commands
from backend.domain.access import SYSTEM
from backend.extensions import db
from tests.factories import standard_shop
from tests.shop_webhooks import SHOPIFY_SECRET, body_of, shopify_headers, shopify_order

URL = "/api/v1/channels/pg-shop/webhooks"


def _configured(app):
    standard_shop(app)
    with app.app_context():
        bus().handle(commands.ConfigureChannel("pg-shop", "shopify", "GBP", secret=SHOPIFY_SECRET), SYSTEM)


def _count(app, sql: str) -> int:
    with app.app_context():
        return db.session.execute(sa.text(sql)).scalar_one()


def _send_at_once(app, payload, times: int = 8) -> list:
    body = body_of(payload)

    def send(_):
        response = app.test_client().post(URL, data=body, headers=shopify_headers(body, webhook_id="same-delivery"))
        return response.status_code, response.get_json()["status"]
    with ThreadPoolExecutor(times) as pool:
        return list(pool.map(send, range(times)))


def test_racing_retries_of_one_delivery_place_one_order(pg_app):
    _configured(pg_app)
    answers = _send_at_once(pg_app, shopify_order(order_id=7001))
    assert sorted(answers).count((201, "placed")) == 1
    assert all(answer in ((201, "placed"), (200, "duplicate")) for answer in answers)
    assert _count(pg_app, "SELECT count(*) FROM orders WHERE channel_order_id = 'pg-shop:7001'") == 1
    assert _count(pg_app, "SELECT count(*) FROM channel_order") == 1
    assert _count(pg_app, "SELECT count(*) FROM outbox_event WHERE name = 'order.placed'") == 1


def test_racing_retries_of_an_unknown_sku_open_one_intake_exception(pg_app):
    _configured(pg_app)
    answers = _send_at_once(pg_app, shopify_order(order_id=7002, lines=(("NOT-OURS", 1, "1.00"),)))
    assert set(answers) == {(202, "held")}
    assert _count(pg_app, "SELECT count(*) FROM intake_exception") == 1
    assert _count(pg_app, "SELECT count(*) FROM outbox_event WHERE name = 'intake_exception.opened'") == 1
    assert _count(pg_app, "SELECT count(*) FROM orders") == 0


def test_a_forged_delivery_writes_nothing_on_postgres(pg_app):
    _configured(pg_app)
    body = body_of(shopify_order(order_id=7003))
    before = _count(pg_app, "SELECT count(*) FROM outbox_event")
    response = pg_app.test_client().post(URL, data=body, headers=shopify_headers(body, secret="forged-secret-123456"))
    assert response.status_code == 401 and response.mimetype == "application/problem+json"
    assert _count(pg_app, "SELECT count(*) FROM outbox_event") == before
    assert _count(pg_app, "SELECT count(*) FROM orders") + _count(pg_app, "SELECT count(*) FROM intake_exception") == 0
