"""Order intake answers with order_json(order): it must be exactly what OrderSchema documents."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from backend.api.orders import order_json
from backend.api.schemas import OrderSchema
from backend.domain.orders import LineAllocation, Order, OrderLine, OrderStatus


def _order(*, lines, channel_order_id=None, billing=None, holds=(), shortages=(), notes=""):
    order = Order(customer_id=7, channel="api", channel_order_id=channel_order_id, currency="GBP",
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
        line = OrderLine(100 + i, f"SKU-{i}", f"Product {i}", quantity, 400, 400 * quantity, 80 * quantity)
        line.id = 500 + i
        for warehouse_id, units in allocations:
            line.allocations.append(LineAllocation(warehouse_id, units))
        order.lines.append(line)
    return order


SHAPES = {
    "one line reserved in one warehouse": _order(lines=[(2, [(1, 2)])]),
    "split over warehouses and backordered": _order(
        lines=[(3, [(1, 1), (2, 1)]), (1, [])], channel_order_id="M-1",
        shortages=[{"line": 0, "product_id": 101, "requested": 3, "missing": 1, "sku": "SKU-1"}]),
    "payment hold with reasons and notes": _order(
        lines=[(1, [(2, 1)])], billing={"name": "Sam", "country": "US"}, notes="leave at the door",
        holds=[{"code": "risk.country_mismatch", "message": "Billing US, shipping GB"}]),
}


@pytest.mark.parametrize("shape", SHAPES)
def test_order_json_is_what_the_order_schema_dumps(shape):
    order = SHAPES[shape]
    assert order_json(order) == OrderSchema().dump(order)


def test_order_json_follows_a_status_change():
    order = _order(lines=[(1, [(1, 1)])])
    order.transition(OrderStatus.PAYMENT_HOLD, actor_id=1)
    assert order_json(order)["status"] == "payment_hold" == OrderSchema().dump(order)["status"]
    assert order_json(order)["version"] == 2
