"""A split order's parcels reach the shop one by one, on PostgreSQL against the local shop API: each parcel
fulfils only its own units with its own tracking number, and the shop counts the order as sent only after the
last one (Shopify: its fulfillment orders close; WooCommerce: the order becomes completed)."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from backend.adapters.channel_push_records import ChannelPush
from backend.extensions import db
from tests.channels_out import (list_product, pushes_done, ship_part, shop_channels,
                                shopify_order_shipped, split_shop_order)
from tests.factories import picking_setup, standard_shop
from tests.shop_api import DROP

MUG_ITEM = 808950810
MUG_LINE = 466157049  # the line item id tests/shop_webhooks.shopify_order gives the order's first line


@pytest.fixture
def shop(out_app, shop_api):
    """The standard shop with boxes and bins, both channels pointed at the shop API."""
    shop = standard_shop(out_app)
    picking_setup(shop)
    shop_channels(out_app, shop_api.url)
    return shop


@pytest.fixture
def owner(shop):
    _, email = shop.user("owner")
    return shop.actor(email)


def _tracking_number(app, shipment_id: int) -> str:
    with app.app_context():
        number = db.session.execute(sa.text("SELECT tracking_number FROM shipment WHERE id = :id"),
                                    {"id": shipment_id}).scalar_one()
        db.session.remove()
        return number


def _fulfilment_pushes(app) -> list[ChannelPush]:
    with app.app_context():
        rows = db.session.execute(sa.select(ChannelPush).filter_by(kind="fulfilment")
                                  .order_by(ChannelPush.id)).scalars().all()
        db.session.remove()
        return rows


def _line(shop_api, order: str) -> dict:
    [fulfillment_order] = shop_api.fulfillment_orders[order]
    [line] = fulfillment_order["line_items"]
    return {"status": fulfillment_order["status"], "left": line["fulfillable_quantity"]}


def test_each_parcel_of_a_split_shopify_order_fulfils_its_own_units_with_its_own_tracking(out_app, shop, shop_api,
                                                                                           owner):
    list_product(out_app, "shopify-uk", "MUG", str(MUG_ITEM))
    shop_api.shopify_order("7301", 73010, lines=[(MUG_LINE, "MUG", MUG_ITEM, 7)])
    order_id = split_shop_order(out_app, shop, owner, "shopify-uk", 7301)
    london = ship_part(out_app, shop, owner, order_id, "LON")
    pushes_done(out_app)
    [first] = shop_api.fulfillments["7301"]
    assert (first["tracking_number"], first["line_items"]) == (_tracking_number(out_app, london),
                                                               [{"id": MUG_LINE, "quantity": 5}])
    assert _line(shop_api, "7301") == {"status": "in_progress", "left": 2}
    manchester = ship_part(out_app, shop, owner, order_id, "MAN")
    pushes_done(out_app)
    second = shop_api.fulfillments["7301"][1]
    assert (second["tracking_number"], second["line_items"]) == (_tracking_number(out_app, manchester),
                                                                 [{"id": MUG_LINE, "quantity": 2}])
    assert _line(shop_api, "7301") == {"status": "closed", "left": 0}
    assert [push.status for push in _fulfilment_pushes(out_app)] == ["sent", "sent"]


def test_a_lost_answer_to_a_split_parcel_still_makes_one_fulfilment_per_parcel(out_app, shop, shop_api, owner):
    list_product(out_app, "shopify-uk", "MUG", str(MUG_ITEM))
    shop_api.shopify_order("7302", 73020, lines=[(MUG_LINE, "MUG", MUG_ITEM, 7)])
    shop_api.fail_next(DROP, DROP, method="POST", path=r"/fulfillments\.json$")  # both made, no answer either time
    order_id = split_shop_order(out_app, shop, owner, "shopify-uk", 7302)
    ship_part(out_app, shop, owner, order_id, "LON")
    pushes_done(out_app)
    ship_part(out_app, shop, owner, order_id, "MAN")
    pushes_done(out_app)
    assert [f["line_items"] for f in shop_api.fulfillments["7302"]] == [[{"id": MUG_LINE, "quantity": 5}],
                                                                        [{"id": MUG_LINE, "quantity": 2}]]
    assert len(shop_api.calls("POST", r"/fulfillments\.json$")) == 2
    assert [(push.status, push.attempts) for push in _fulfilment_pushes(out_app)] == [("sent", 2), ("sent", 2)]


def test_a_product_not_listed_on_the_channel_is_found_by_the_shop_order_lines_sku(out_app, shop, shop_api, owner):
    shop_api.shopify_order("7303", 73030, lines=[(MUG_LINE, "MUG", MUG_ITEM, 7)])
    order_id = split_shop_order(out_app, shop, owner, "shopify-uk", 7303)
    ship_part(out_app, shop, owner, order_id, "LON")
    pushes_done(out_app)
    [made] = shop_api.fulfillments["7303"]
    assert made["line_items"] == [{"id": MUG_LINE, "quantity": 5}]
    assert len(shop_api.calls("GET", r"/orders/7303\.json\?fields=line_items$")) == 1
    assert _line(shop_api, "7303") == {"status": "in_progress", "left": 2}


def test_a_split_parcel_the_shop_order_has_no_line_of_fails_with_the_reason_and_fulfils_nothing(out_app, shop,
                                                                                                 shop_api, owner):
    list_product(out_app, "shopify-uk", "MUG", "999")  # the wrong inventory item
    shop_api.shopify_order("7304", 73040, lines=[(MUG_LINE, "MUG", MUG_ITEM, 7)])
    order_id = split_shop_order(out_app, shop, owner, "shopify-uk", 7304)
    ship_part(out_app, shop, owner, order_id, "LON")
    pushes_done(out_app)
    [push] = _fulfilment_pushes(out_app)
    assert (push.status, push.attempts) == ("failed", 1)
    assert "The shop's order has no line for MUG (inventory item 999)" in push.last_error
    assert shop_api.fulfillments["7304"] == [] and shop_api.calls("POST", r"/fulfillments\.json$") == []


def test_an_order_shipped_whole_still_fulfils_every_open_fulfillment_order(out_app, shop, shop_api, owner):
    list_product(out_app, "shopify-uk", "MUG", str(MUG_ITEM))
    shop_api.shopify_order("7305", 73050, lines=[(MUG_LINE, "MUG", MUG_ITEM, 2)])
    shopify_order_shipped(out_app, owner, 7305)
    pushes_done(out_app)
    [posted] = shop_api.calls("POST", r"/fulfillments\.json$")
    assert posted["fulfillment"]["line_items_by_fulfillment_order"] == [{"fulfillment_order_id": 73050}]
    assert _line(shop_api, "7305") == {"status": "closed", "left": 0}


def test_a_split_woocommerce_order_gets_a_note_per_parcel_and_is_completed_by_the_last(out_app, shop, shop_api,
                                                                                        owner):
    shop_api.woo_order("741")
    order_id = split_shop_order(out_app, shop, owner, "woo-uk", 741)
    london = ship_part(out_app, shop, owner, order_id, "LON")
    pushes_done(out_app)
    london_note = f"Shipped with Own Fleet, tracking {_tracking_number(out_app, london)}"
    assert [n["note"] for n in shop_api.woo_notes["741"]] == [london_note]
    assert shop_api.woo_orders["741"]["status"] == "processing"
    assert shop_api.calls("PUT", r"/orders/741$") == []
    manchester = ship_part(out_app, shop, owner, order_id, "MAN")
    pushes_done(out_app)
    assert [n["note"] for n in shop_api.woo_notes["741"]] == [
        london_note, f"Shipped with Own Fleet, tracking {_tracking_number(out_app, manchester)}"]
    assert shop_api.woo_orders["741"]["status"] == "completed"


def test_a_lost_answer_to_a_split_parcels_note_still_makes_one_note_per_parcel(out_app, shop, shop_api, owner):
    shop_api.woo_order("742")
    shop_api.fail_next(DROP, DROP, method="POST", path=r"/orders/742/notes$")  # both kept, no answer either time
    order_id = split_shop_order(out_app, shop, owner, "woo-uk", 742)
    ship_part(out_app, shop, owner, order_id, "LON")
    pushes_done(out_app)
    assert (len(shop_api.woo_notes["742"]), shop_api.woo_orders["742"]["status"]) == (1, "processing")
    ship_part(out_app, shop, owner, order_id, "MAN")
    pushes_done(out_app)
    assert (len(shop_api.woo_notes["742"]), shop_api.woo_orders["742"]["status"]) == (2, "completed")
    assert [(push.status, push.attempts) for push in _fulfilment_pushes(out_app)] == [("sent", 2), ("sent", 2)]
