"""GET /api/v1/sync/pull: a snapshot to start from, then the changes in the caller's scope after a cursor."""
from __future__ import annotations

from backend.bootstrap import bus
from backend.domain import commands
from backend.domain.access import SYSTEM


def pull(client, world, who, cursor=None, **params):
    query = {**({"cursor": cursor} if cursor is not None else {}), **params}
    return client.get("/api/v1/sync/pull", headers=world.headers(who), query_string=query)


def adjust(app, world, code, sku="MUG", delta=1):
    with app.app_context():
        bus().handle(commands.AdjustStock(world.shop.warehouses[code], world.shop.products[sku], "count",
                                          on_hand_delta=delta), SYSTEM)


def test_a_first_pull_resets_the_phone_to_a_snapshot_of_its_warehouse(client, world):
    body = pull(client, world, "floor").get_json()
    assert body["reset"] is True and body["changes"] == []
    assert {level["warehouse_id"] for level in body["snapshot"]["stock_levels"]} == {world.shop.warehouses["LON"]}


def test_changes_after_the_cursor_arrive_once_and_in_order(app, client, world):
    cursor = pull(client, world, "owner").get_json()["cursor"]
    adjust(app, world, "LON", delta=2)
    adjust(app, world, "MAN", delta=3)
    body = pull(client, world, "owner", cursor).get_json()
    assert [(c["name"], c["payload"]["warehouse_id"]) for c in body["changes"]] == [
        ("stock.adjusted", world.shop.warehouses["LON"]), ("stock.adjusted", world.shop.warehouses["MAN"])]
    assert pull(client, world, "owner", body["cursor"]).get_json()["changes"] == []


def test_floor_staff_pull_only_their_warehouses_stock(app, client, world):
    cursor = pull(client, world, "floor").get_json()["cursor"]
    adjust(app, world, "MAN")
    adjust(app, world, "LON")
    changes = pull(client, world, "floor", cursor).get_json()["changes"]
    assert [c["payload"]["warehouse_id"] for c in changes] == [world.shop.warehouses["LON"]]


def test_a_long_feed_comes_in_pages_without_gaps(app, client, world):
    cursor = pull(client, world, "owner").get_json()["cursor"]
    for _ in range(5):
        adjust(app, world, "LON")
    seen, has_more = [], True
    while has_more:
        body = pull(client, world, "owner", cursor, limit=2).get_json()
        seen += [c["event_id"] for c in body["changes"]]
        cursor, has_more = body["cursor"], body["has_more"]
    assert len(seen) == len(set(seen)) == 5


def test_a_cursor_this_server_never_issued_is_a_clear_400(client, world):
    response = pull(client, world, "owner", "'; drop table")
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    assert "cursor" in response.get_json()["errors"]


def test_customers_cannot_pull(client, world):
    assert pull(client, world, "customer").status_code == 403
