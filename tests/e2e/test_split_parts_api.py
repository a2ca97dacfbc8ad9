"""GET /api/v1/orders/<id> gives a split order's parts: each warehouse's shipment, lines, status, tracking and
failed attempts, documented in OpenAPI; its customer reads them too."""
from __future__ import annotations

import pytest

from tests.e2e.split_parts import split_order_with_a_missed_part


@pytest.fixture
def split(app, world):
    return split_order_with_a_missed_part(app, world)


def test_a_split_order_read_by_its_customer_lists_each_part_with_its_shipment_status_and_attempts(
        client, world, split):
    response = client.get(f"/api/v1/orders/{split['order_id']}", headers=world.headers("customer"))
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["status"] == "delivery_failed"  # the missed parcel is behind the one still in the van
    parts = body["parts"]
    assert [(p["warehouse"]["code"], p["shipment_id"], p["status"], p["attempts"]) for p in parts] == [
        ("LON", split["shipments"]["LON"], "delivery_failed", 1),
        ("MAN", split["shipments"]["MAN"], "out_for_delivery", 0)]
    assert [[(line["sku"], line["quantity"]) for line in p["lines"]] for p in parts] == [[("TEE", 2)], [("TEE", 5)]]
    assert all(p["tracking"]["carrier"] == "own_fleet" and p["tracking"]["tracking_number"] for p in parts)


def test_an_order_in_one_warehouse_has_one_part_not_yet_shipped(client, world):
    order_id = world.place([("MUG", 1)])
    body = client.get(f"/api/v1/orders/{order_id}", headers=world.headers("owner")).get_json()
    [part] = body["parts"]
    assert (part["shipment_id"], part["tracking"], part["attempts"]) == (None, None, 0)


def test_the_parts_of_an_order_are_documented_in_openapi(client):
    document = client.get("/api/v1/openapi.json").get_json()
    schemas = document["components"]["schemas"]
    order = schemas["Order"]["properties"]
    assert order["parts"]["type"] == "array"
    part_name = order["parts"]["items"]["$ref"].rsplit("/", 1)[-1]
    assert {"shipment_id", "warehouse", "lines", "status", "tracking", "attempts"} <= set(
        schemas[part_name]["properties"])
    assert "delivery_failed" in schemas[part_name]["properties"]["status"]["enum"]
