"""What the OpenAPI document promises, the API does: optional action bodies, problem members, 401 before 422."""
from __future__ import annotations

import uuid

from tests.e2e.conftest import assert_problem

STAFF = "/api/v1/push/staff-subscriptions"


def test_an_action_accepts_no_body_at_all(client, world):
    order_id = world.place([("MUG", 1)])
    response = client.post(f"/api/v1/orders/{order_id}/accept", headers=world.headers("owner"))
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["status"] == "allocated"


def test_an_action_accepts_an_empty_json_object(client, world):
    order_id = world.place([("MUG", 1)])
    response = client.post(f"/api/v1/orders/{order_id}/cancel", json={}, headers=world.headers("owner"))
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["status"] == "cancelled"


def test_a_domain_problem_with_details_matches_the_documented_problem(client, world, app):
    response = client.post("/api/v1/orders", headers=world.headers("owner"), json={
        "customer_id": world.shop.customers["casey"], "lines": [{"sku": "NOPE", "quantity": 1}],
        "shipping_address": {"name": "A", "line1": "B", "city": "C", "postcode": "D", "country": "GB"},
        "payment_method": "card"})
    body = assert_problem(response, 422)
    documented = set(client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]["Problem"]["properties"])
    assert body["details"] == {"unknown_skus": ["NOPE"]}
    assert set(body) <= documented


def test_staff_alerts_without_a_token_are_a_401_even_with_a_bad_body(client):
    response = client.post(STAFF, json={"endpoint": "0"})
    assert_problem(response, 401)
    assert_problem(client.delete(STAFF, json={}), 401)


def test_a_null_command_in_a_push_gets_its_own_rejection(client, world):
    response = client.post("/api/v1/sync/push", headers=world.headers("driver"),
                           json={"device_id": str(uuid.uuid4()), "commands": [None]})
    assert response.status_code == 200, response.get_json()
    [result] = response.get_json()["results"]
    assert (result["status"], result["code"]) == ("rejected", "invalid")
