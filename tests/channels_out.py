"""Helpers for channels-out tests: a shop channel pointed at the local shop API, its listings, a shop's order
packed and shipped (whole, or split across London and Manchester and shipped part by part), and the push worker
run until it has nothing left to do."""
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


def split_shop_order(app, shop, actor, slug: str, shop_order_id: int) -> int:
    """A shop's order of 7 MUG from Leeds that only London (5) and Manchester (2) together can fill, accepted and
    so split in two parts; returns our order id. Ship each part with `ship_part`."""
    for code, less in (("LON", 35), ("MAN", 8)):  # the standard shop's 40 and 10 down to 5 and 2
        run(app, commands.AdjustStock(shop.warehouses[code], shop.products["MUG"], "adjustment", -less), SYSTEM)
    if slug == "shopify-uk":
        body = body_of(shopify_order(order_id=shop_order_id, lines=(("MUG", 7, "12.00"),), subtotal="84.00",
                                     tax="0.00", total="89.99"))
        headers = shopify_headers(body)
    else:
        body = body_of(woo_order(order_id=shop_order_id, lines=(("MUG", 7, 12.0),), tax="0.00", total="89.99"))
        headers = woo_headers(body)
    answer = app.test_client().post(f"/api/v1/channels/{slug}/webhooks", data=body, headers=headers)
    assert answer.status_code == 201, answer.get_json()
    order_id = answer.get_json()["order_id"]
    run(app, commands.AcceptOrder(order_id), actor)
    return order_id


def ship_part(app, shop, actor, order_id: int, code: str) -> int:
    """Pick, pack and ship the part of the order in warehouse `code`; returns the shipment id."""
    warehouse_id = shop.warehouses[code]
    pick_list = run(app, commands.CreatePickList(warehouse_id, (order_id,)), actor)
    run(app, commands.ClaimPickList(pick_list.id), actor)
    for line in pick_list.lines:
        run(app, commands.RecordPick(line.id, line.remaining), actor)
    run(app, commands.ClosePack(order_id, (("S", 900),), warehouse_id=warehouse_id), actor)
    return run(app, commands.CreateShipment(order_id, "own_fleet", warehouse_id=warehouse_id), actor).id

