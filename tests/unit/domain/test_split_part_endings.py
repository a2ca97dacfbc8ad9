"""A split order whose parcels end differently: missed, waiting again, held, returned or delivered."""
from types import SimpleNamespace

import pytest

from backend.domain.fulfilment import FulfilmentPart, PartStatus, describe_parts, fulfilment_parts, status_for_parts
from backend.domain.notifications import kind_of
from backend.domain.orders import Order, OrderLine, OrderStatus
from backend.domain.sync_rules import part_changed

LONDON, MANCHESTER = 1, 2
P = PartStatus


def _parts(*statuses):
    return [FulfilmentPart(i + 1, 1, status=status) for i, status in enumerate(statuses)]


@pytest.mark.parametrize("statuses, expected", [
    ((P.DELIVERED, P.RETURNED), OrderStatus.DELIVERED),          # what could be delivered was
    ((P.RETURNED, P.RETURNED), OrderStatus.RETURNED),
    ((P.DELIVERY_FAILED, P.OUT_FOR_DELIVERY), OrderStatus.DELIVERY_FAILED),  # the missed one is behind
    ((P.DELIVERY_FAILED, P.DELIVERED), OrderStatus.DELIVERY_FAILED),
    ((P.DELIVERY_FAILED, P.AWAITING_COLLECTION), OrderStatus.DELIVERY_FAILED),
    ((P.AWAITING_REDELIVERY, P.DELIVERED), OrderStatus.AWAITING_REDELIVERY),
    ((P.AWAITING_COLLECTION, P.RETURNED), OrderStatus.AWAITING_COLLECTION),
    ((P.DELIVERY_FAILED, P.WAITING), OrderStatus.PICKING),      # the other is still in its warehouse
    ((P.RETURNED, P.SHIPPED), OrderStatus.SHIPPED),
])
def test_the_order_status_is_where_its_least_advanced_part_is(statuses, expected):
    assert status_for_parts(_parts(*statuses)) == expected


def _order() -> Order:
    order = Order(customer_id=1, channel="web", currency="GBP", payment_method="card", payment_status="paid",
                  shipping_address={}, billing_address={}, subtotal_minor=0, shipping_minor=0, tax_minor=0,
                  total_minor=0, tracking_token="t")
    order.id, order.status = 8, OrderStatus.SHIPPED.value
    line = OrderLine(5, "TEE", "Tee", 7, 1800, 1500, 300)
    line.id = 11
    line.add_allocation(LONDON, 5)
    line.add_allocation(MANCHESTER, 2)
    order.lines.append(line)
    return order


def test_a_shipment_waiting_for_a_run_after_a_missed_visit_is_a_part_going_out_again():
    shipments = [SimpleNamespace(id=1, warehouse_id=LONDON, status="awaiting_dispatch"),
                 SimpleNamespace(id=2, warehouse_id=MANCHESTER, status="awaiting_dispatch")]
    parts = fulfilment_parts(_order(), {}, set(), shipments, {1: 1})
    assert [(p.status, p.attempts) for p in parts] == [(P.AWAITING_REDELIVERY, 1), (P.SHIPPED, 0)]


def test_a_split_order_with_a_returned_part_says_so_in_words():
    assert describe_parts(_parts(P.DELIVERED, P.RETURNED)) == "2 parts: 1 delivered, 1 returned to the warehouse"
    assert describe_parts(_parts(P.DELIVERY_FAILED, P.OUT_FOR_DELIVERY)) == "2 parts: 1 missed at the door"


def test_the_customer_hears_about_a_missed_or_returned_parcel_of_a_split_order():
    assert kind_of("order.part_delivery_failed", "order").title == "We missed you"
    assert kind_of("order.part_returned", "order").title == "One parcel returned to us"


def test_another_warehouses_progress_is_no_change_to_a_packers_part():
    changes = [("order.part_packed", {"warehouse_id": MANCHESTER}), ("order.part_shipped", {"warehouse_id": MANCHESTER}),
               ("order.packed", {}), ("order.short_picked", {"reallocated": {}})]
    assert not part_changed(changes, LONDON)


@pytest.mark.parametrize("change", [
    ("order.line_reduced", {"order_line_id": 11}),
    ("order.short_picked", {"reallocated": {str(LONDON): 2}}),   # units moved into this part
    ("order.part_packed", {"warehouse_id": LONDON}),             # this part, packed from another phone
    ("order.cancelled", {}),
])
def test_a_change_to_the_packers_part_is_one(change):
    assert part_changed([("order.part_shipped", {"warehouse_id": MANCHESTER}), change], LONDON)
