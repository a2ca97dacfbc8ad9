"""Order intake answers with order_json(order): it must be exactly what OrderSchema documents."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from backend.api.orders import order_json
from backend.api.schemas import OrderSchema
from backend.domain.orders import Order, OrderLine, OrderStatus, Order, OrderLine

# Order intake answers with a plain order; every other endpoint with a stored (mapped) one.
KINDS = {"plain": (Order, OrderLine), "stored": (Order, OrderLine)}


def _order(*, lines, channel_order_id=None, billing=None, holds=(), shortages=(), notes="", kind="plain"):
    order_class, line_class = KINDS[kind]
    order = order_class(customer_id=7, channel="api", channel_order_id=channel_order_id, currency="GBP",
                  payment_method="card", payment_status="authorized",
                  shipping_address={"name": "Casey", "line1": "1 Elm St", "city": "Leeds", "postcode": "LS1",
                                    "country": "GB", "latitude": 53.8, "longitude": -1.55},
                  billing_address=billing or {"name": "Casey", "country": "GB"}, subtotal_minor=1200,
                  shipping_minor=595, tax_minor=359, total_minor=2154, tracking_token="t", notes=notes,
                  card_fingerprint="fp")
    order.id = 42
    order.created_at = datetime(2026, 11, 29, 7, 1, 2, 345678, tzinfo=timezone.utc)
    order.updated_at = datetime(2026, 11, 29, 7, 1, 3, tzinfo=timezone.utc)
    order.hold_reasons = list(holds)
    order.shortages = list(shortages)
    for i, (quantity, allocations) in enumerate(lines, start=1):
        line = line_class(100 + i, f"SKU-{i}", f"Product {i}", quantity, 400, 400 * quantity, 80 * quantity)
        line.id = 500 + i
        for warehouse_id, units in allocations:
            line.add_allocation(warehouse_id, units)
        order.lines.append(line)
    return order


SHAPES = {
    "one line reserved in one warehouse": dict(lines=[(2, [(1, 2)])]),
    "split over warehouses and backordered": dict(
        lines=[(3, [(1, 1), (2, 1)]), (1, [])], channel_order_id="M-1",
        shortages=[{"line": 0, "product_id": 101, "requested": 3, "missing": 1, "sku": "SKU-1"}]),
    "payment hold with reasons and notes": dict(
        lines=[(1, [(2, 1)])], billing={"name": "Sam", "country": "US"}, notes="leave at the door",
        holds=[{"code": "risk.country_mismatch", "message": "Billing US, shipping GB"}]),
}


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("shape", SHAPES)
def test_order_json_is_what_the_order_schema_dumps(shape, kind):
    order = _order(**SHAPES[shape], kind=kind)
    assert order_json(order) == OrderSchema().dump(order)


def test_a_plain_and_a_stored_order_of_the_same_shape_give_the_same_json():
    for shape in SHAPES.values():
        assert order_json(_order(**shape, kind="plain")) == order_json(_order(**shape, kind="stored"))


@pytest.mark.parametrize("kind", KINDS)
def test_order_json_follows_a_status_change(kind):
    order = _order(lines=[(1, [(1, 1)])], kind=kind)
    order.transition(OrderStatus.PAYMENT_HOLD, actor_id=1)
    assert order_json(order)["status"] == "payment_hold" == OrderSchema().dump(order)["status"]
    assert order_json(order)["version"] == 2
