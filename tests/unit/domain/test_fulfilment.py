"""Split fulfilment: an order's parts per warehouse, and the order status they add up to."""
from types import SimpleNamespace

from backend.domain.fulfilment import (PartStatus, describe_parts, follow_parts, fulfilment_parts,
                                       status_for_parts)
from backend.domain.orders import Order, OrderLine, OrderStatus
from backend.domain.picking import PickLine

LONDON, MANCHESTER = 1, 2


def _order(status: OrderStatus = OrderStatus.PICKING, **allocations) -> Order:
    """An order with one TEE line of 7 units allocated as given (warehouse id -> units)."""
    order = Order(customer_id=1, channel="web", currency="GBP", payment_method="card", payment_status="paid",
                  shipping_address={}, billing_address={}, subtotal_minor=0, shipping_minor=0, tax_minor=0,
                  total_minor=0, tracking_token="t")
    order.id = 8
    order.status = status.value
    line = OrderLine(5, "TEE-M", "Tee", 7, 1800, 1500, 300)
    line.id = 11
    for warehouse_id, units in allocations.get("at", {}).items():
        line.add_allocation(warehouse_id, units)
    order.lines.append(line)
    return order


def _picked(quantity: int, picked: int, short: int = 0) -> PickLine:
    line = PickLine(8, 11, 5, "TEE-M", "A-01", quantity)
    line.pick(picked)
    if short:
        line.report_short(short)
    return line


def _shipment(warehouse_id: int, status: str = "awaiting_dispatch"):
    return SimpleNamespace(warehouse_id=warehouse_id, status=status)


def test_a_short_pick_reallocated_elsewhere_leaves_london_ready_to_pack_and_manchester_waiting():
    order = _order(at={LONDON: 5, MANCHESTER: 2})
    parts = fulfilment_parts(order, {LONDON: [_picked(7, 5, short=2)]}, set(), [])
    assert [(p.warehouse_id, p.units, p.picked, p.short, p.status) for p in parts] == [
        (LONDON, 5, 5, 2, PartStatus.PICKED), (MANCHESTER, 2, 0, 0, PartStatus.WAITING)]
    assert status_for_parts(parts) == OrderStatus.PICKING
    assert describe_parts(parts) == "1 of 2 parts picked"


def test_a_part_is_packed_by_its_own_parcel_and_shipped_by_its_own_shipment():
    order = _order(at={LONDON: 5, MANCHESTER: 2})
    lines = {LONDON: [_picked(7, 5, short=2)], MANCHESTER: [_picked(2, 1)]}
    parts = fulfilment_parts(order, lines, {LONDON}, [])
    assert [p.status for p in parts] == [PartStatus.PACKED, PartStatus.PICKING]
    parts = fulfilment_parts(order, lines, {LONDON}, [_shipment(LONDON)])
    assert [p.status for p in parts] == [PartStatus.SHIPPED, PartStatus.PICKING]
    assert describe_parts(parts) == "1 of 2 parts shipped"


def test_the_order_is_only_as_far_as_its_least_advanced_part():
    order = _order(at={LONDON: 5, MANCHESTER: 2})
    lines = {LONDON: [_picked(7, 5, short=2)], MANCHESTER: [_picked(2, 2)]}
    both_packed = fulfilment_parts(order, lines, {LONDON, MANCHESTER}, [_shipment(LONDON, "delivered")])
    assert status_for_parts(both_packed) == OrderStatus.PACKED
    one_out = fulfilment_parts(order, lines, set(), [_shipment(LONDON, "delivered"),
                                                     _shipment(MANCHESTER, "out_for_delivery")])
    assert status_for_parts(one_out) == OrderStatus.OUT_FOR_DELIVERY
    both = fulfilment_parts(order, lines, set(), [_shipment(LONDON, "delivered"), _shipment(MANCHESTER, "delivered")])
    assert status_for_parts(both) == OrderStatus.DELIVERED
    assert describe_parts(both) == "2 of 2 parts delivered"


def test_following_the_parts_moves_the_order_through_the_transition_table_and_only_forward():
    order = _order(at={LONDON: 5, MANCHESTER: 2})
    lines = {LONDON: [_picked(7, 5, short=2)], MANCHESTER: [_picked(2, 2)]}
    london_shipped = fulfilment_parts(order, lines, {MANCHESTER}, [_shipment(LONDON)])
    events = follow_parts(order, london_shipped, actor_id=None, reason="packed")
    assert [e.name for e in events] == ["order.packed"] and order.status == "packed"
    both_shipped = fulfilment_parts(order, lines, set(), [_shipment(LONDON), _shipment(MANCHESTER)])
    assert [e.name for e in follow_parts(order, both_shipped, actor_id=None)] == ["order.shipped"]
    delivered_one = fulfilment_parts(order, lines, set(), [_shipment(LONDON, "delivered"), _shipment(MANCHESTER)])
    assert follow_parts(order, delivered_one, actor_id=None) == [] and order.status == "shipped"
    delivered = fulfilment_parts(order, lines, set(), [_shipment(LONDON, "delivered"),
                                                       _shipment(MANCHESTER, "delivered")])
    assert [e.name for e in follow_parts(order, delivered, actor_id=None)] == ["order.delivered"]


def test_a_picking_order_with_one_part_packed_stays_picking_and_claiming_is_not_undone():
    order = _order(at={LONDON: 5, MANCHESTER: 2})
    parts = fulfilment_parts(order, {LONDON: [_picked(7, 5, short=2)]}, {LONDON}, [])
    assert follow_parts(order, parts, actor_id=None) == [] and order.status == "picking"
    waiting = fulfilment_parts(_order(at={LONDON: 7}), {}, set(), [])
    claimed = _order(at={LONDON: 7})
    assert follow_parts(claimed, waiting, actor_id=None) == [] and claimed.status == "picking"


def test_an_order_packed_or_shipped_before_it_was_split_counts_as_one_whole():
    packed = _order(OrderStatus.PACKED, at={LONDON: 5, MANCHESTER: 2})
    assert {p.status for p in fulfilment_parts(packed, {}, set(), [])} == {PartStatus.PACKED}
    # One shipment carried everything: once it is delivered the order is.
    shipped = _order(OrderStatus.OUT_FOR_DELIVERY, at={LONDON: 5, MANCHESTER: 2})
    parts = fulfilment_parts(shipped, {}, set(), [_shipment(LONDON, "delivered")])
    assert [e.name for e in follow_parts(shipped, parts, actor_id=None)] == ["order.delivered"]


def test_a_single_warehouse_order_has_no_split_wording():
    parts = fulfilment_parts(_order(at={LONDON: 7}), {LONDON: [_picked(7, 7)]}, set(), [])
    assert describe_parts(parts) == "" and parts[0].status == PartStatus.PICKED


def test_a_hand_over_of_one_part_while_the_order_is_still_being_picked_is_expected_not_an_exception():
    from backend.domain import sync_rules
    assert sync_rules.confirm_delivery(order_status="picking", stop_delivered=False, split=True).outcome == \
        sync_rules.Outcome.APPLY
    assert sync_rules.confirm_delivery(order_status="picking", stop_delivered=False).code == \
        "delivery.unexpected_state"
    assert sync_rules.confirm_delivery(order_status="cancelled", stop_delivered=False, split=True).code == \
        "delivery.after_cancel"
