"""A planned run's ETAs start from its planned start on the shop's clock (Europe/London here), over the API:
the same stop from the same warehouse is expected at the same shop time on the Saturday before the clocks go
forward and on the Sunday they do, one hour less apart in UTC; a run's own start moves its ETAs."""
from __future__ import annotations

from datetime import datetime, timedelta

from tests.factories import LONDON, packed_order

NEAR = dict(LONDON, name="Near", latitude=51.507, longitude=-0.05)


def _shipment(client, world) -> int:
    order_id = packed_order(world.shop, world.actor("owner"), (("LAMP", 1),), customer="robin", address=NEAR)
    response = client.post("/api/v1/shipments", json={"order_id": order_id, "carrier": "own_fleet"},
                           headers=world.headers("manager"))
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def _run(client, world, day: str, **extra) -> dict:
    response = client.post("/api/v1/runs", json={"driver_id": world.user_ids["driver"], "run_date": day,
                                                 "shipment_ids": [_shipment(client, world)], **extra},
                           headers=world.headers("manager"))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def _eta(run: dict) -> datetime:
    return datetime.fromisoformat(run["stops"][0]["eta"])


def test_the_same_stop_is_expected_at_the_same_shop_time_either_side_of_the_spring_clock_change(client, world):
    saturday = _run(client, world, "2027-03-27")  # GMT
    sunday = _run(client, world, "2027-03-28")    # BST from 01:00 UTC: 08:00 shop time is 07:00 UTC
    assert saturday["planned_start"] is None and sunday["planned_start"] is None
    assert _eta(sunday) - _eta(saturday) == timedelta(hours=23)
    assert _eta(saturday).hour == 8 and _eta(saturday).minute < 30  # left at 08:00 UTC, a few minutes away


def test_and_either_side_of_the_autumn_clock_change(client, world):
    saturday = _run(client, world, "2027-10-30")  # BST
    sunday = _run(client, world, "2027-10-31")    # GMT again
    assert _eta(sunday) - _eta(saturday) == timedelta(hours=25)


def test_a_runs_own_planned_start_is_a_shop_time_and_moves_its_etas(client, world):
    usual = _run(client, world, "2027-07-01")
    early = _run(client, world, "2027-07-02", planned_start="06:30")
    assert early["planned_start"] == "06:30:00"
    # 06:30 BST is 05:30 UTC: ninety minutes earlier than the usual 08:00 BST, a day later
    assert _eta(early) - _eta(usual) == timedelta(days=1) - timedelta(minutes=90)


def test_a_planned_start_that_is_not_a_time_is_a_field_error(client, world):
    response = client.post("/api/v1/runs", json={"driver_id": world.user_ids["driver"], "run_date": "2027-07-01",
                                                 "shipment_ids": [_shipment(client, world)], "planned_start": "soon"},
                           headers=world.headers("manager"))
    assert response.status_code == 422
    assert "planned_start" in str(response.get_json())
