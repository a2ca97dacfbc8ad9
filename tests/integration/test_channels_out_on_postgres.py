"""Channels out on PostgreSQL, against a real local shop API: stock changes reach each shop as on hand - reserved
- buffer, bursts coalesce, failures retry or fail with the shop's reason, and a parcel becomes exactly one
fulfilment even when an answer is lost."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from backend.adapters.channel_push_records import ChannelPush
from backend.adapters.channel_push_worker import channel_worker_for_app
from backend.domain import commands
from backend.domain.access import SYSTEM
from backend.domain.events import utcnow
from backend.extensions import db
from tests.channels_out import (LOCATION_ID, list_product, pushes_done, shop_channels,
                                shopify_order_shipped, woo_order_shipped)
from tests.factories import run, shipped_own_fleet, standard_shop
from tests.outbox import publish_everything, run_side_by_side
from tests.shop_api import DROP

MUG_ITEM, LAMP_ITEM = 808950810, 808950811
LEVEL = (int(LOCATION_ID), MUG_ITEM)


@pytest.fixture
def shop(out_app, shop_api):
    """The standard shop (MUG: 40 in London, 10 in Manchester) with both channels pointed at the shop API."""
    shop = standard_shop(out_app)
    shop_channels(out_app, shop_api.url)
    return shop


def _owner(shop):
    _, email = shop.user("owner")
    return shop.actor(email)


def _pushes(app, **where) -> list[ChannelPush]:
    with app.app_context():
        rows = db.session.execute(sa.select(ChannelPush).filter_by(**where).order_by(ChannelPush.id)).scalars().all()
        db.session.remove()
        return rows


def test_a_listed_product_gets_its_level_then_an_order_lowers_it_by_what_it_reserved(out_app, shop, shop_api):
    list_product(out_app, "shopify-uk", "MUG", str(MUG_ITEM))
    pushes_done(out_app)
    assert shop_api.levels[LEVEL] == 50
    shop.place(_owner(shop), [("MUG", 3)])
    pushes_done(out_app)
    assert shop_api.levels[LEVEL] == 47


def test_the_products_own_buffer_beats_the_channels_default(out_app, shop, shop_api):
    run(out_app, commands.ConfigureChannel("shopify-uk", "shopify", "GBP", stock_buffer=5), SYSTEM)
    list_product(out_app, "shopify-uk", "MUG", str(MUG_ITEM))
    list_product(out_app, "shopify-uk", "LAMP", str(LAMP_ITEM), buffer=2)
    pushes_done(out_app)
    assert shop_api.levels[LEVEL] == 45  # 50 - the channel's 5
    assert shop_api.levels[(int(LOCATION_ID), LAMP_ITEM)] == 6  # 8 - the lamp's own 2


def test_a_burst_of_stock_changes_sends_the_newest_number_once(out_app, shop, shop_api):
    list_product(out_app, "woo-uk", "MUG", "93")
    pushes_done(out_app)
    owner = _owner(shop)
    for _ in range(6):
        shop.place(owner, [("MUG", 1)])
    pushes_done(out_app)
    assert shop_api.calls("PUT", r"/products/93$") == [{"manage_stock": True, "stock_quantity": 50},
                                                       {"manage_stock": True, "stock_quantity": 44}]


def test_a_variation_is_set_under_its_parent(out_app, shop, shop_api):
    list_product(out_app, "woo-uk", "TEE", "733", parent_id="731")
    pushes_done(out_app)
    assert shop_api.woo_stock["731/733"] == {"manage_stock": True, "stock_quantity": 5}


def test_a_500_then_a_429_are_retried_and_the_level_ends_right(out_app, shop, shop_api):
    shop_api.retry_after = "0"
    shop_api.fail_next(500, 429)
    list_product(out_app, "shopify-uk", "MUG", str(MUG_ITEM))
    pushes_done(out_app)
    assert shop_api.levels[LEVEL] == 50
    [push] = _pushes(out_app)
    assert (push.status, push.attempts, push.quantity, push.last_error) == ("sent", 3, 50, "")


def test_a_refused_token_fails_with_the_shops_reason_kept(out_app, shop, shop_api):
    run(out_app, commands.ConfigureChannel("shopify-uk", "shopify", "GBP", location_id=LOCATION_ID), SYSTEM)
    out_app.config["WAYBILL_CHANNEL_TOKENS"] = {"WAYBILL_CHANNEL_TOKEN_SHOPIFY_UK": "shpat_revoked"}
    list_product(out_app, "shopify-uk", "MUG", str(MUG_ITEM))
    pushes_done(out_app)
    [push] = _pushes(out_app)
    assert (push.status, push.attempts, push.last_status_code) == ("failed", 1, 401)
    assert "Invalid API key or access token" in push.last_error
    assert LEVEL not in shop_api.levels


def test_a_stock_adjustment_reaches_every_channel_that_lists_the_product(out_app, shop, shop_api):
    list_product(out_app, "shopify-uk", "MUG", str(MUG_ITEM))
    list_product(out_app, "woo-uk", "MUG", "93")
    pushes_done(out_app)
    run(out_app, commands.AdjustStock(shop.warehouses["MAN"], shop.products["MUG"], "adjustment", -4), SYSTEM)
    pushes_done(out_app)
    assert shop_api.levels[LEVEL] == 46
    assert shop_api.woo_stock["93"]["stock_quantity"] == 46


def _tracking_number(app, shipment_id: int) -> str:
    with app.app_context():
        number = db.session.execute(sa.text("SELECT tracking_number FROM shipment WHERE id = :id"),
                                    {"id": shipment_id}).scalar_one()
        db.session.remove()
        return number


def test_a_shopify_parcel_is_one_fulfilment_with_its_tracking_even_when_the_answer_was_lost(out_app, shop, shop_api):
    shop_api.shopify_order("7001", 1046000818, 1046000819)
    shop_api.fail_next(DROP, method="POST", path=r"/fulfillments\.json$")  # made, but the answer never comes
    order_id, shipment_id = shopify_order_shipped(out_app, _owner(shop), 7001)
    pushes_done(out_app)
    [made] = shop_api.fulfillments["7001"]
    assert made["tracking_number"] == _tracking_number(out_app, shipment_id)
    assert (made["tracking_company"], made["notify_customer"]) == ("Own Fleet", True)
    assert {fo["status"] for fo in shop_api.fulfillment_orders["7001"]} == {"closed"}
    assert len(shop_api.calls("POST", r"/fulfillments\.json$")) == 1
    [push] = _pushes(out_app, kind="fulfilment")
    assert (push.status, push.order_id, push.attempts) == ("sent", order_id, 2)


def test_a_woocommerce_parcel_completes_the_order_with_one_customer_note_after_a_lost_answer(out_app, shop, shop_api):
    shop_api.woo_order("727")
    shop_api.fail_next(DROP, method="POST", path=r"/orders/727/notes$")
    _, shipment_id = woo_order_shipped(out_app, _owner(shop), 727)
    pushes_done(out_app)
    number = _tracking_number(out_app, shipment_id)
    [note] = shop_api.woo_notes["727"]
    assert note == {"id": 1, "note": f"Shipped with Own Fleet, tracking {number}", "customer_note": True}
    assert shop_api.woo_orders["727"]["status"] == "completed"
    [push] = _pushes(out_app, kind="fulfilment")
    assert (push.status, push.attempts) == ("sent", 2)


def test_an_order_not_from_a_channel_pushes_nothing_when_it_ships(out_app, shop, shop_api):
    shipped_own_fleet(shop, _owner(shop))
    pushes_done(out_app)
    assert _pushes(out_app) == [] and shop_api.requests == []


def test_two_workers_at_once_make_one_fulfilment_per_parcel_and_leave_the_newest_level(out_app, shop, shop_api):
    list_product(out_app, "shopify-uk", "MUG", str(MUG_ITEM))
    for shop_order in ("7101", "7102", "7103"):
        shop_api.shopify_order(shop_order, int(shop_order) * 10)
    for shop_order in ("7101", "7102", "7103"):
        shopify_order_shipped(out_app, _owner(shop), int(shop_order))
    publish_everything(out_app)
    workers = [channel_worker_for_app(out_app) for _ in range(2)]
    assert run_side_by_side(workers) == []
    pushes_done(out_app)
    assert {order: len(made) for order, made in shop_api.fulfillments.items()} == {"7101": 1, "7102": 1, "7103": 1}
    assert len(shop_api.calls("POST", r"/fulfillments\.json$")) == 3
    assert shop_api.levels[LEVEL] == 44  # 50 less the three shops' orders of two mugs each, shipped


def test_a_parcel_older_than_two_days_when_first_seen_is_not_pushed(out_app, shop, shop_api):
    shop_api.shopify_order("7201", 72010)
    shopify_order_shipped(out_app, _owner(shop), 7201)
    worker = channel_worker_for_app(out_app)
    worker.clock = lambda: utcnow() + timedelta(days=3)  # a worker started long after the parcel left
    pushes_done(out_app, worker)
    assert _pushes(out_app, kind="fulfilment") == [] and shop_api.fulfillments["7201"] == []
