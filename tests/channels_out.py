"""Helpers for channels-out tests: a shop channel pointed at the local shop API, its listings, a shop's order
packed and shipped, and the push worker run until it has nothing left to do."""
from __future__ import annotations

from backend.adapters.channel_push_worker import channel_worker_for_app
from backend.adapters.unit_of_work import SqlAlchemyUnitOfWork
from backend.domain import commands
from backend.domain.access import SYSTEM
from backend.domain.orders import OrderStatus
from backend.extensions import db
from tests.factories import run
from tests.outbox import publish_everything
from tests.shop_api import SHOPIFY_TOKEN, WOO_TOKEN
from tests.shop_webhooks import body_of, shopify_headers, shopify_order, woo_headers, woo_order

LOCATION_ID = "655441491"
# What an app needs to reach the local shop API: its tokens, loopback allowed, retries at once.
CHANNELS_OUT_CONFIG = {"WAYBILL_CHANNELS_ALLOW_PRIVATE": True, "WAYBILL_WEBHOOK_RETRY_BASE_SECONDS": 0,
                       "WAYBILL_WEBHOOK_MAX_ATTEMPTS": 4,
                       "WAYBILL_CHANNEL_TOKENS": {"WAYBILL_CHANNEL_TOKEN_SHOPIFY_UK": SHOPIFY_TOKEN,
                                                  "WAYBILL_CHANNEL_TOKEN_WOO_UK": WOO_TOKEN}}


def shop_channels(app, api_url: str, *, shopify_buffer: int = 0) -> None:
    """Channels shopify-uk (location LOCATION_ID) and woo-uk, both pushing to the shop API at `api_url`."""
    from tests.shop_webhooks import SHOPIFY_SECRET, WOO_SECRET
    run(app, commands.ConfigureChannel("shopify-uk", "shopify", "GBP", secret=SHOPIFY_SECRET, api_url=api_url,
                                       stock_buffer=shopify_buffer, location_id=LOCATION_ID), SYSTEM)
    run(app, commands.ConfigureChannel("woo-uk", "woocommerce", "GBP", secret=WOO_SECRET, api_url=api_url), SYSTEM)


def list_product(app, slug: str, sku: str, item_id: str, **kwargs) -> None:
    """List one of our products on a channel under the shop's id."""
    run(app, commands.SetChannelListing(slug, sku, item_id, **kwargs), SYSTEM)


def pushes_done(app, worker=None, rounds: int = 20) -> None:
    """Publish the outbox and run the push worker until a round does nothing."""
    worker = worker or channel_worker_for_app(app)
    for _ in range(rounds):
        publish_everything(app)
        if not worker.run_once():
            return
    raise AssertionError("the push worker kept finding work")


def shopify_order_shipped(app, actor, shop_order_id: int) -> tuple[int, int]:
    """A Shopify order received by webhook, packed and shipped; returns (our order id, shipment id)."""
    body = body_of(shopify_order(order_id=shop_order_id))
    answer = app.test_client().post("/api/v1/channels/shopify-uk/webhooks", data=body, headers=shopify_headers(body))
    assert answer.status_code == 201, answer.get_json()
    return _pack_and_ship(app, actor, answer.get_json()["order_id"])


def woo_order_shipped(app, actor, shop_order_id: int) -> tuple[int, int]:
    """A WooCommerce order received by webhook, packed and shipped; returns (our order id, shipment id)."""
    body = body_of(woo_order(order_id=shop_order_id))
    answer = app.test_client().post("/api/v1/channels/woo-uk/webhooks", data=body, headers=woo_headers(body))
    assert answer.status_code == 201, answer.get_json()
    return _pack_and_ship(app, actor, answer.get_json()["order_id"])


def _pack_and_ship(app, actor, order_id: int) -> tuple[int, int]:
    with app.app_context():
        placed = SqlAlchemyUnitOfWork(db.session).orders.get(order_id).status == OrderStatus.PLACED
        db.session.remove()
    if placed:
        run(app, commands.AcceptOrder(order_id), actor)
    with app.app_context():
        with SqlAlchemyUnitOfWork(db.session) as uow:
            order = uow.track(uow.orders.get(order_id, for_update=True))
            order.transition(OrderStatus.PICKING, actor_id=actor.user_id)
            order.transition(OrderStatus.PACKED, actor_id=actor.user_id)
            uow.commit()
    shipment = run(app, commands.CreateShipment(order_id, "own_fleet"), actor)
    return order_id, shipment.id
