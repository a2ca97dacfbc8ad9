"""The floor's offline command types through POST /api/v1/sync/push: pick_list.claim, pick.record, pick.short and
pack.close v1 are replayed through the same handlers as the pages; retries are applied once; bad payloads and
refused requests get their own outcome without blocking the rest."""
from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from backend.adapters.tables import stock_levels
from backend.bootstrap import bus
from backend.domain import commands
from backend.extensions import db
from backend.adapters.unit_of_work import SqlAlchemyUnitOfWork
from tests.factories import allocated_order, picking_setup


@pytest.fixture
def listed(app, world):
    picking_setup(world.shop)
    manager = world.actor("manager")
    a = allocated_order(world.shop, manager, [("MUG", 2), ("LAMP", 1)])
    with app.app_context():
        pick_list = bus().handle(commands.CreatePickList(world.shop.warehouses["LON"]), manager)
        lines = {l.sku: l.id for l in pick_list.lines}
        version = SqlAlchemyUnitOfWork(db.session).orders.get(a).version
    return {"list": pick_list.id, "order": a, "lines": lines, "version": version}


def command(seq, type_, payload, **extra):
    return {"id": str(uuid.uuid4()), "seq": seq, "type": type_, "v": 1, "occurred_at": "2026-11-29T07:00:00+00:00",
            "base": {}, "payload": payload, **extra}


def push(client, world, batch, who="floor", device=None):
    return client.post("/api/v1/sync/push", headers=world.headers(who),
                       json={"device_id": device or str(uuid.uuid4()), "commands": batch})


def test_a_whole_pick_and_pack_replayed_in_order_and_a_retry_applies_nothing_twice(app, client, world, listed):
    batch = [command(1, "pick_list.claim", {"pick_list_id": listed["list"]}),
             command(2, "pick.record", {"pick_line_id": listed["lines"]["MUG"], "quantity": 2, "scanned": "MUG"}),
             command(3, "pick.record", {"pick_line_id": listed["lines"]["LAMP"], "quantity": 1}),
             command(4, "pack.close", {"order_id": listed["order"],
                                       "parcels": [{"box_code": "S", "weight_grams": 2600}],
                                       "order_version": listed["version"], "order_status": "allocated"})]
    device = str(uuid.uuid4())
    first = push(client, world, batch, device=device).get_json()
    assert [r["status"] for r in first["results"]] == ["applied"] * 4
    again = push(client, world, batch, device=device).get_json()
    assert [(r["status"], r["original_status"]) for r in again["results"]] == [("duplicate", "applied")] * 4
    with app.app_context():
        uow = SqlAlchemyUnitOfWork(db.session)
        assert uow.orders.get(listed["order"]).status == "packed"
        assert [l.picked_quantity for l in uow.picking.get(listed["list"]).walk] == [2, 1]
        assert len(uow.picking.parcels(listed["order"])) == 1


def test_a_wrong_scan_a_bad_payload_and_an_unknown_version_are_each_rejected_alone(app, client, world, listed):
    results = push(client, world, [
        command(1, "pick.record", {"pick_line_id": listed["lines"]["MUG"], "quantity": 1, "scanned": "LAMP"}),
        command(2, "pick.short", {"pick_line_id": listed["lines"]["LAMP"], "missing": 0}),
        command(3, "pick.record", {"pick_line_id": listed["lines"]["MUG"], "quantity": 1}, v=2),
        command(4, "pick.record", {"pick_line_id": listed["lines"]["MUG"], "quantity": 1, "scanned": "MUG"}),
    ]).get_json()["results"]
    assert [(r["status"], r.get("code")) for r in results] == [
        ("rejected", "pick.wrong_item"), ("rejected", "invalid"), ("rejected", "upgrade_required"), ("applied", None)]
    assert "missing" in results[1]["errors"]


def test_a_short_pick_replayed_is_applied_with_an_exception_the_office_sees(app, client, world, listed):
    result = push(client, world, [command(1, "pick.short", {"pick_line_id": listed["lines"]["LAMP"],
                                                            "missing": 1})]).get_json()["results"][0]
    assert result["status"] == "applied_with_exception"
    assert result["exceptions"][0]["code"] == "pick.short_backordered"
    with app.app_context():
        on_hand = db.session.execute(sa.select(stock_levels.c.on_hand).where(
            stock_levels.c.warehouse_id == world.shop.warehouses["LON"],
            stock_levels.c.product_id == world.shop.products["LAMP"])).scalar_one()
    assert on_hand == 7


def test_a_driver_cannot_replay_floor_commands(client, world, listed):
    result = push(client, world, [command(1, "pick_list.claim", {"pick_list_id": listed["list"]})],
                  who="driver").get_json()["results"][0]
    assert (result["status"], result["code"]) == ("rejected", "forbidden")
