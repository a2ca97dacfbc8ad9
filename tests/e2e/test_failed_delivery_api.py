"""The office's decisions on a missed parcel over the API and the dispatch page, and the driver's failed attempt
replayed from a phone's queue: bad input is a problem (4xx, never 500), only the office decides, and one
stop is one attempt however often it arrives."""
from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from backend.domain import commands
from backend.domain.delivery import DeliveryAttempt
from backend.domain.dispatch import DeliveryRun
from backend.domain.orders import Order
from backend.domain.shipping import Shipment
from backend.extensions import db
from tests.e2e.conftest import assert_problem, csrf_token_of, sign_in
from tests.factories import run, run_out_for_delivery, stored, stored_all, table_of


@pytest.fixture
def missed(app, world):
    """A parcel whose only stop failed (no one home): (shipment id, order id, stop id)."""
    run_id, stops, orders = run_out_for_delivery(world.shop, world.actor("manager"), world.user_ids["driver"],
                                                 stops=1)
    run(app, commands.RecordFailedAttempt(stops[0], "no_one_home"), world.actor("driver"))
    with app.app_context():
        shipment_id = stored(DeliveryRun, run_id).ordered_stops[0].shipment_id
    return shipment_id, orders[0], stops[0]


def statuses(app, shipment_id):
    with app.app_context():
        shipment = stored(Shipment, shipment_id)
        return stored(Order, shipment.order_id).status, shipment.status


def decide(client, world, shipment_id, body, who="owner", **kwargs):
    return client.post(f"/api/v1/shipments/{shipment_id}/decision", json=body, headers=world.headers(who), **kwargs)


def test_the_office_reattempts_over_the_api_and_the_parcel_is_dispatchable_again(app, client, world, missed):
    shipment_id, _, _ = missed
    response = decide(client, world, shipment_id, {"decision": "reattempt", "note": "customer asked for Friday"})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["status"] == "awaiting_dispatch"
    assert statuses(app, shipment_id) == ("awaiting_redelivery", "awaiting_dispatch")
    planned = client.post("/api/v1/runs", json={"driver_id": world.user_ids["driver"], "run_date": "2030-01-04",
                                                "shipment_ids": [shipment_id]}, headers=world.headers("manager"))
    assert planned.status_code == 201, planned.get_json()


@pytest.mark.parametrize("body, field", [
    ({}, "decision"),
    ({"decision": "teleport"}, "decision"),
    ({"decision": 5}, "decision"),
    ({"decision": None}, "decision"),
    ({"decision": "return", "note": "x" * 501}, "note"),
    ({"decision": "return", "note": "bad\u0000note"}, "note"),
    ({"decision": "return", "surprise": 1}, "surprise"),
])
def test_bad_input_is_a_problem_with_the_field_and_changes_nothing(app, client, world, missed, body, field):
    shipment_id, _, _ = missed
    problem = assert_problem(decide(client, world, shipment_id, body), 422)
    assert field in problem["errors"]
    assert statuses(app, shipment_id) == ("delivery_failed", "failed")


def test_a_body_that_is_not_json_an_unknown_parcel_and_a_decision_that_does_not_fit(app, client, world, missed):
    shipment_id, _, _ = missed
    assert_problem(client.post(f"/api/v1/shipments/{shipment_id}/decision", data="{not json",
                               headers={**world.headers("owner"), "Content-Type": "application/json"}), 400)
    assert_problem(decide(client, world, 987654, {"decision": "reattempt"}), 404)
    problem = assert_problem(decide(client, world, shipment_id, {"decision": "collected"}), 409)
    assert "not possible now" in problem["detail"]
    assert statuses(app, shipment_id) == ("delivery_failed", "failed")


@pytest.mark.parametrize("who", ["driver", "customer", "floor"])
def test_a_driver_a_customer_or_the_floor_is_refused(app, client, world, missed, who):
    shipment_id, _, _ = missed
    assert_problem(decide(client, world, shipment_id, {"decision": "return"}, who=who), 403)
    assert statuses(app, shipment_id) == ("delivery_failed", "failed")


def test_the_dispatch_page_shows_the_missed_parcel_and_rerenders_a_bad_decision_with_the_message(
        app, client, world, missed):
    shipment_id, order_id, _ = missed
    sign_in(client, world.emails["manager"])
    board = client.get("/dispatch").get_data(as_text=True)
    assert "Missed deliveries (1)" in board and f"WB-{order_id:06d}" in board
    assert "Delivery attempt failed: no one home" in board and "Attempt 1 of 3" in board
    token = csrf_token_of(board)
    response = client.post(f"/dispatch/shipments/{shipment_id}/decision",
                           data={"csrf_token": token, "decision": "teleport"})
    assert response.status_code == 422
    assert "Choose what to do with the parcel." in response.get_data(as_text=True)
    response = client.post(f"/dispatch/shipments/{shipment_id}/decision",
                           data={"csrf_token": token, "decision": "hold"}, follow_redirects=True)
    assert response.status_code == 200
    assert f"WB-{order_id:06d} is held at the warehouse for the customer to collect." in response.get_data(as_text=True)
    assert statuses(app, shipment_id) == ("awaiting_collection", "held_for_collection")
    # The staff's order page says what happened, in the office's words.
    page = client.get(f"/orders/{order_id}").get_data(as_text=True)
    assert "Delivery attempt failed: no one home" in page and "Held at the warehouse" in page


def test_the_driver_cannot_use_the_dispatch_decision_page(app, client, world, missed):
    shipment_id, _, _ = missed
    sign_in(client, world.emails["driver"])
    token = csrf_token_of(client.get("/driver").get_data(as_text=True))
    response = client.post(f"/dispatch/shipments/{shipment_id}/decision", data={"csrf_token": token,
                                                                               "decision": "return"})
    assert response.status_code == 403
    assert statuses(app, shipment_id) == ("delivery_failed", "failed")


def test_a_failed_attempt_queued_twice_on_a_phone_is_applied_once(app, client, world):
    _, stops, orders = run_out_for_delivery(world.shop, world.actor("manager"), world.user_ids["driver"], stops=1)
    device = str(uuid.uuid4())
    first = {"id": str(uuid.uuid4()), "seq": 1, "type": "delivery.fail", "v": 1,
             "payload": {"stop_id": stops[0], "reason": "no_one_home"}}
    second = {"id": str(uuid.uuid4()), "seq": 2, "type": "delivery.fail", "v": 1,
              "payload": {"stop_id": stops[0], "reason": "no_one_home", "note": "tapped again"}}

    def push(*entries):
        response = client.post("/api/v1/sync/push", json={"device_id": device, "commands": list(entries)},
                               headers=world.headers("driver"))
        assert response.status_code == 200, response.get_json()
        return [r["status"] for r in response.get_json()["results"]]

    assert push(first, second) == ["applied", "applied"]
    assert push(first, second) == ["duplicate", "duplicate"]  # the lost answer retried
    with app.app_context():
        attempts = stored_all(DeliveryAttempt, table_of(DeliveryAttempt).c.stop_id == stops[0])
        assert [a.history_only for a in attempts] == [False, True]
        assert stored(Order, orders[0]).status == "delivery_failed"
        from backend.adapters.records import OutboxEvent
        told = db.session.execute(sa.select(sa.func.count()).where(
            OutboxEvent.name == "order.delivery_failed")).scalar_one()
    assert told == 1  # one "We missed you", not two
