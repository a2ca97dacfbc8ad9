"""A stock count, over the API (POST /api/v1/stock/counts) and as the phone's offline `stock.count` v1: a
difference from the on-hand the counter saw, refused if that moved, and able to count a product into a
warehouse that has no stock level for it yet. Phones with older code still send counts as `stock.adjust` v1
(with or without `expected_on_hand`), accepted as before."""
from __future__ import annotations

import sqlalchemy as sa

from backend.adapters.tables import stock_levels, stock_movements
from backend.extensions import db
from tests.e2e.sync_requests import push_commands


def _level(app, warehouse_id, product_id):
    """(on hand, version) of the level, or None where the warehouse has none for the product."""
    with app.app_context():
        row = db.session.execute(sa.select(stock_levels.c.on_hand, stock_levels.c.version).where(
            stock_levels.c.warehouse_id == warehouse_id, stock_levels.c.product_id == product_id)).first()
        return tuple(row) if row else None


def _last_movement(app):
    with app.app_context():
        row = db.session.execute(sa.select(stock_movements).order_by(stock_movements.c.id.desc())).first()
        return row.reason, row.on_hand_delta


def _count(world, warehouse="LON", sku="TEE", delta=4, expected=0, **extra):
    return {"warehouse_id": world.shop.warehouses[warehouse], "product_id": world.shop.products[sku],
            "on_hand_delta": delta, "expected_on_hand": expected, "note": "", **extra}


# -- the API --------------------------------------------------------------------------------------
def test_the_api_counts_a_product_into_a_warehouse_that_had_no_stock_level_for_it(app, client, world):
    lon, tee = world.shop.warehouses["LON"], world.shop.products["TEE"]
    assert _level(app, lon, tee) is None  # TEE is stocked in Manchester only
    response = client.post("/api/v1/stock/counts", json=_count(world), headers=world.headers("owner"))
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["on_hand"] == 4
    assert _level(app, lon, tee)[0] == 4
    assert _last_movement(app) == ("count", 4)


def test_floor_staff_count_into_their_own_warehouse_only(app, client, world):
    assert client.post("/api/v1/stock/counts", json=_count(world),
                       headers=world.headers("floor")).status_code == 201
    refused = client.post("/api/v1/stock/counts", json=_count(world, "MAN", "LAMP"), headers=world.headers("floor"))
    assert refused.status_code == 403
    assert _level(app, world.shop.warehouses["MAN"], world.shop.products["LAMP"]) is None
    assert client.post("/api/v1/stock/counts", json=_count(world), headers=world.headers("driver")).status_code == 403


def test_an_api_count_from_an_on_hand_that_moved_is_refused_and_changes_nothing(app, client, world):
    lon, mug = world.shop.warehouses["LON"], world.shop.products["MUG"]
    before = _level(app, lon, mug)
    response = client.post("/api/v1/stock/counts", json=_count(world, sku="MUG", delta=-2, expected=before[0] + 5),
                           headers=world.headers("owner"))
    assert response.status_code == 409
    assert response.get_json()["code"] == "stock.count_stale"
    assert _level(app, lon, mug) == before


def test_an_api_count_without_the_on_hand_it_was_worked_out_from_is_a_field_error(client, world):
    body = _count(world)
    del body["expected_on_hand"]
    response = client.post("/api/v1/stock/counts", json=body, headers=world.headers("owner"))
    assert response.status_code == 422
    assert response.headers["Content-Type"].startswith("application/problem+json")
    assert "expected_on_hand" in str(response.get_json())


# -- the sync replay: stock.count v1 and stock.adjust v1 ------------------------------------------
def test_a_synced_stock_count_v1_counts_a_product_into_a_warehouse_with_no_level(app, client, world):
    results = push_commands(client, world, [("stock.count", _count(world))], who="floor")
    assert [r["status"] for r in results] == ["applied"]
    assert _level(app, world.shop.warehouses["LON"], world.shop.products["TEE"])[0] == 4
    assert _last_movement(app) == ("count", 4)


def test_a_synced_stock_count_v1_from_a_moved_on_hand_is_rejected_and_changes_nothing(app, client, world):
    lon, mug = world.shop.warehouses["LON"], world.shop.products["MUG"]
    before = _level(app, lon, mug)
    results = push_commands(client, world, [("stock.count", _count(world, sku="MUG", delta=-1,
                                                                   expected=before[0] - 3))], who="floor")
    assert [(r["status"], r["code"]) for r in results] == [("rejected", "stock.count_stale")]
    assert _level(app, lon, mug) == before


def test_a_synced_stock_count_v1_must_carry_the_on_hand_it_was_worked_out_from(app, client, world):
    body = _count(world)
    del body["expected_on_hand"]
    results = push_commands(client, world, [("stock.count", body)], who="floor")
    assert [(r["status"], r["code"]) for r in results] == [("rejected", "invalid")]
    assert _level(app, world.shop.warehouses["LON"], world.shop.products["TEE"]) is None


def test_an_old_phones_stock_adjust_v1_count_is_still_checked_against_its_expected_on_hand(app, client, world):
    lon, mug = world.shop.warehouses["LON"], world.shop.products["MUG"]
    was = _level(app, lon, mug)[0]
    old = {"warehouse_id": lon, "product_id": mug, "reason": "count", "on_hand_delta": -2, "note": ""}
    results = push_commands(client, world, [("stock.adjust", {**old, "expected_on_hand": was}),
                                            ("stock.adjust", {**old, "expected_on_hand": was})], who="floor")
    assert [r["status"] for r in results] == ["applied", "rejected"]
    assert results[1]["code"] == "stock.count_stale"
    assert _level(app, lon, mug)[0] == was - 2


def test_an_old_phones_stock_adjust_v1_without_expected_on_hand_is_applied_as_a_delta(app, client, world):
    lon, mug = world.shop.warehouses["LON"], world.shop.products["MUG"]
    was = _level(app, lon, mug)[0]
    results = push_commands(client, world, [("stock.adjust", {"warehouse_id": lon, "product_id": mug,
                                                              "reason": "received", "on_hand_delta": 3})], who="floor")
    assert [r["status"] for r in results] == ["applied"]
    assert _level(app, lon, mug)[0] == was + 3
