"""Which changes a phone may pull: its own warehouse's stock and pick lists, its own run, nothing of others."""
import pytest

from backend.domain.access import Actor, Role, can_see_change

FLOOR = Actor(user_id=5, role=Role.FLOOR, warehouse_ids=frozenset({1}))
DRIVER = Actor(user_id=7, role=Role.DRIVER)


@pytest.mark.parametrize(("actor", "aggregate", "data", "visible"), [
    (FLOOR, "stock_level", {"warehouse_id": 1}, True),
    (FLOOR, "stock_level", {"warehouse_id": 2}, False),
    (FLOOR, "pick_list", {"warehouse_id": 1}, True),
    (FLOOR, "pick_list", {"warehouse_id": 2}, False),
    (FLOOR, "order", {"warehouse_id": 1}, False),
    (FLOOR, "delivery_run", {"warehouse_id": 1, "driver_id": 5}, False),
    (DRIVER, "delivery_run", {"driver_id": 7}, True),
    (DRIVER, "delivery_run", {"driver_id": 8}, False),
    (DRIVER, "delivery_proof", {"driver_id": 7}, True),
    (DRIVER, "stock_level", {"warehouse_id": 1}, False),
    (Actor(user_id=9, role=Role.CUSTOMER, customer_id=3), "order", {}, False),
    (Actor(user_id=1, role=Role.MANAGER), "exception", {}, True),
])
def test_a_phone_pulls_only_the_changes_in_its_scope(actor, aggregate, data, visible):
    assert can_see_change(actor, aggregate, data) is visible
