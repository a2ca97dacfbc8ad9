"""POST /api/v1/sync/push: queued offline commands are replayed once each, with an outcome per command."""
from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from backend.adapters.tables import stock_levels, stock_movements
from backend.extensions import db


@pytest.fixture
def floor(client, world):
    """Floor staff (London) with their token and a fresh device id."""
    return {"headers": world.headers("floor"), "device": str(uuid.uuid4()),
            "LON": world.shop.warehouses["LON"], "MAN": world.shop.warehouses["MAN"],
            "MUG": world.shop.products["MUG"]}


def adjust(floor, seq, delta, warehouse="LON", **extra):
    """A queued 'stock.adjust' command as the phone stores it."""
    return {"id": str(uuid.uuid4()), "seq": seq, "type": "stock.adjust", "v": 1,
            "occurred_at": "2026-11-25T09:00:00+00:00", "base": {},
            "payload": {"warehouse_id": floor[warehouse], "product_id": floor["MUG"], "reason": "count",
                        "on_hand_delta": delta, "note": "shelf count"}, **extra}


def push(client, floor, commands, device=None):
    return client.post("/api/v1/sync/push", headers=floor["headers"],
                       json={"device_id": device or floor["device"], "commands": commands})


def on_hand(app, warehouse_id, product_id) -> int:
    with app.app_context():
        return db.session.execute(sa.select(stock_levels.c.on_hand).where(
            stock_levels.c.warehouse_id == warehouse_id, stock_levels.c.product_id == product_id)).scalar_one()


def movement_count(app) -> int:
    with app.app_context():
        return db.session.execute(sa.select(sa.func.count()).select_from(stock_movements)).scalar_one()


def test_a_pushed_command_is_applied_through_the_same_handler_as_the_online_form(app, client, floor):
    before = on_hand(app, floor["LON"], floor["MUG"])
    response = push(client, floor, [adjust(floor, 1, -3)])
    assert response.status_code == 200
    body = response.get_json()
    assert [r["status"] for r in body["results"]] == ["applied"]
    assert body["results"][0]["events"][0]["name"] == "stock.adjusted"
    assert body["last_processed_seq"] == 1
    assert on_hand(app, floor["LON"], floor["MUG"]) == before - 3


def test_the_same_batch_pushed_twice_is_applied_once(app, client, floor):
    batch = [adjust(floor, 1, -1), adjust(floor, 2, -2)]
    before, movements = on_hand(app, floor["LON"], floor["MUG"]), movement_count(app)
    first = push(client, floor, batch).get_json()
    again = push(client, floor, batch).get_json()
    assert [r["status"] for r in first["results"]] == ["applied", "applied"]
    assert [(r["status"], r["original_status"]) for r in again["results"]] == [("duplicate", "applied")] * 2
    assert [r["events"] for r in again["results"]] == [r["events"] for r in first["results"]]
    assert on_hand(app, floor["LON"], floor["MUG"]) == before - 3
    assert movement_count(app) == movements + 2


def test_a_malformed_command_is_rejected_on_its_own_and_the_rest_still_apply(app, client, floor):
    before = on_hand(app, floor["LON"], floor["MUG"])
    results = push(client, floor, [{"seq": 1, "type": "stock.adjust"}, "not even an object",
                                   adjust(floor, 3, -1)]).get_json()["results"]
    statuses = {r["seq"]: (r["status"], r.get("code")) for r in results}
    assert statuses[3] == ("applied", None)
    assert [r for r in results if r["status"] == "rejected" and r["code"] == "invalid"].__len__() == 2
    assert on_hand(app, floor["LON"], floor["MUG"]) == before - 1


def test_a_bad_payload_is_rejected_with_field_errors_and_stays_rejected_on_retry(client, floor):
    bad = adjust(floor, 1, 0)
    bad["payload"]["on_hand_delta"] = "lots"
    first = push(client, floor, [bad]).get_json()["results"][0]
    again = push(client, floor, [bad]).get_json()["results"][0]
    assert (first["status"], first["code"], list(first["errors"])) == ("rejected", "invalid", ["on_hand_delta"])
    assert (again["status"], again["original_status"], again["code"]) == ("duplicate", "rejected", "invalid")


def test_an_unknown_command_type_asks_for_an_app_update(client, floor):
    result = push(client, floor, [adjust(floor, 1, 1, type="stock.teleport")]).get_json()["results"][0]
    assert (result["status"], result["code"]) == ("rejected", "upgrade_required")


def test_a_change_outside_the_pickers_warehouse_is_refused_as_the_form_would(app, client, floor):
    before = on_hand(app, floor["MAN"], floor["MUG"])
    results = push(client, floor, [adjust(floor, 1, -1, warehouse="MAN"), adjust(floor, 2, -1)]).get_json()["results"]
    assert [(r["status"], r.get("code")) for r in results] == [("rejected", "forbidden"), ("applied", None)]
    assert on_hand(app, floor["MAN"], floor["MUG"]) == before


def test_a_count_that_would_make_stock_negative_is_rejected_with_the_domain_code(client, floor):
    result = push(client, floor, [adjust(floor, 1, -10**6)]).get_json()["results"][0]
    assert (result["status"], result["code"]) == ("rejected", "stock.negative_on_hand")


def test_commands_are_replayed_in_sequence_order_whatever_order_they_arrive_in(client, floor):
    results = push(client, floor, [adjust(floor, 2, 1), adjust(floor, 1, 1)]).get_json()["results"]
    assert [r["seq"] for r in results] == [1, 2]


def test_another_users_device_queue_is_refused(client, world, floor):
    push(client, floor, [adjust(floor, 1, 1)])
    response = client.post("/api/v1/sync/push", headers=world.headers("manager"),
                           json={"device_id": floor["device"], "commands": [adjust(floor, 2, 1)]})
    assert response.status_code == 403
    assert response.mimetype == "application/problem+json"


def test_customers_cannot_push_offline_commands(client, world, floor):
    response = client.post("/api/v1/sync/push", headers=world.headers("customer"),
                           json={"device_id": floor["device"], "commands": [adjust(floor, 1, 1)]})
    assert response.status_code == 403


def test_a_batch_above_fifty_commands_is_refused_whole(client, floor):
    response = push(client, floor, [adjust(floor, n, 1) for n in range(1, 52)])
    assert response.status_code == 422
    assert "commands" in response.get_json()["errors"]


def test_a_push_above_256_kb_is_refused_before_it_is_read(client, floor):
    command = adjust(floor, 1, 1)
    command["base"] = {"padding": "x" * (300 * 1024)}
    assert push(client, floor, [command]).status_code == 413


def test_the_signed_in_page_may_push_with_its_session_and_csrf_token(app, client, world, floor):
    from tests.e2e.conftest import sign_in
    sign_in(client, world.emails["floor"])
    page = client.get("/orders/").get_data(as_text=True)
    token = page.split('name="csrf-token" content="')[1].split('"')[0]
    ok = client.post("/api/v1/sync/push", headers={"X-CSRFToken": token},
                     json={"device_id": floor["device"], "commands": [adjust(floor, 1, 1)]})
    forged = client.post("/api/v1/sync/push",
                         json={"device_id": floor["device"], "commands": [adjust(floor, 2, 1)]})
    assert ok.status_code == 200 and ok.get_json()["results"][0]["status"] == "applied"
    assert forged.status_code == 403
