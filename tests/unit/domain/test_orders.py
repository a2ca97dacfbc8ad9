"""The order status table: every legal move works, everything else is refused with a stable code."""
import itertools

import pytest

from backend.domain.errors import IllegalTransition
from backend.domain.orders import (LineAllocation, Order, OrderLine, OrderStatus, LineAllocation, Order,
                                   OrderLine)

S = OrderStatus

# The life of an order as the business describes it, written out independently of the code's table.
LEGAL = {
    (S.PLACED, S.PAYMENT_HOLD), (S.PLACED, S.AWAITING_PAYMENT), (S.PLACED, S.ACCEPTED),
    (S.PLACED, S.REJECTED), (S.PLACED, S.CANCELLED),
    (S.PLACED, S.COLLECTED),  # a counter sale: paid and handed over the moment it is placed
    (S.PAYMENT_HOLD, S.PLACED), (S.PAYMENT_HOLD, S.REJECTED), (S.PAYMENT_HOLD, S.CANCELLED),
    (S.AWAITING_PAYMENT, S.PLACED), (S.AWAITING_PAYMENT, S.REJECTED), (S.AWAITING_PAYMENT, S.CANCELLED),
    (S.ACCEPTED, S.ALLOCATED), (S.ACCEPTED, S.BACKORDERED), (S.ACCEPTED, S.CANCELLED),
    (S.BACKORDERED, S.ALLOCATED), (S.BACKORDERED, S.CANCELLED),
    (S.ALLOCATED, S.PICKING), (S.ALLOCATED, S.BACKORDERED), (S.ALLOCATED, S.CANCELLED),
    (S.PICKING, S.PACKED), (S.PICKING, S.ALLOCATED), (S.PICKING, S.CANCELLED),
    (S.PICKING, S.BACKORDERED),  # a short pick with no stock elsewhere
    (S.PACKED, S.SHIPPED), (S.PACKED, S.CANCELLED),
    (S.SHIPPED, S.OUT_FOR_DELIVERY), (S.SHIPPED, S.DELIVERED),
    (S.OUT_FOR_DELIVERY, S.DELIVERED), (S.OUT_FOR_DELIVERY, S.SHIPPED),
    (S.OUT_FOR_DELIVERY, S.CANCELLED),  # the office stops a parcel in the van; a late hand-over is an exception
    # A failed attempt: the office re-attempts, holds for collection or returns it; a late hand-over delivers.
    (S.OUT_FOR_DELIVERY, S.DELIVERY_FAILED),
    (S.DELIVERY_FAILED, S.AWAITING_REDELIVERY), (S.DELIVERY_FAILED, S.AWAITING_COLLECTION),
    (S.DELIVERY_FAILED, S.RETURNED), (S.DELIVERY_FAILED, S.DELIVERED),
    (S.AWAITING_REDELIVERY, S.OUT_FOR_DELIVERY), (S.AWAITING_REDELIVERY, S.AWAITING_COLLECTION),
    (S.AWAITING_REDELIVERY, S.RETURNED), (S.AWAITING_REDELIVERY, S.DELIVERED),
    (S.AWAITING_COLLECTION, S.DELIVERED), (S.AWAITING_COLLECTION, S.AWAITING_REDELIVERY),
    (S.AWAITING_COLLECTION, S.RETURNED),
    # A split order follows its parts: another parcel missed while one waits again, or after a carrier's arrived.
    (S.SHIPPED, S.DELIVERY_FAILED), (S.SHIPPED, S.AWAITING_REDELIVERY), (S.SHIPPED, S.AWAITING_COLLECTION),
    (S.AWAITING_REDELIVERY, S.DELIVERY_FAILED),
    (S.AWAITING_COLLECTION, S.DELIVERY_FAILED),
}

ILLEGAL_SAMPLE = [
    (S.PLACED, S.ALLOCATED),            # must be accepted first
    (S.PLACED, S.SHIPPED),
    (S.PLACED, S.PLACED),               # standing still is not a transition
    (S.ALLOCATED, S.COLLECTED),         # only a counter sale is collected at the counter, at once
    (S.COLLECTED, S.CANCELLED),         # handed over and paid: a return, not a cancel
    (S.PAYMENT_HOLD, S.ACCEPTED),       # a held payment must be released first
    (S.AWAITING_PAYMENT, S.ACCEPTED),   # no acceptance before the money arrives
    (S.ACCEPTED, S.PLACED),
    (S.BACKORDERED, S.PICKING),         # nothing to pick without stock
    (S.PACKED, S.PICKING),
    (S.PICKING, S.SHIPPED),             # must be packed first
    (S.SHIPPED, S.CANCELLED),           # once shipped, it is a return, not a cancellation
    (S.DELIVERED, S.SHIPPED),
    (S.DELIVERY_FAILED, S.CANCELLED),   # the parcel exists: it is returned, not cancelled
    (S.RETURNED, S.OUT_FOR_DELIVERY),   # a returned parcel is back on the shelf: a new order ships it
    (S.CANCELLED, S.PLACED),
    (S.REJECTED, S.ACCEPTED),
]

TERMINAL = [S.DELIVERED, S.RETURNED, S.CANCELLED, S.REJECTED]


def order_in(status: OrderStatus) -> Order:
    """A fresh order put straight into `status` (setup only; real code moves it with transition)."""
    order = Order(customer_id=1, channel="web_shop", currency="GBP", payment_method="card",
                  payment_status="authorized", shipping_address={"country": "GB"},
                  billing_address={"country": "GB"}, subtotal_minor=1000, shipping_minor=495,
                  tax_minor=299, total_minor=1794, tracking_token="t0k3n")
    order.status = status.value
    return order


def edge_id(edge):
    return f"{edge[0].value}->{edge[1].value}"


def test_a_new_order_is_placed_at_version_one_with_no_events():
    order = order_in(S.PLACED)
    assert (order.state, order.version, order.pending_events()) == (S.PLACED, 1, [])


@pytest.mark.parametrize("edge", sorted(LEGAL), ids=edge_id)
def test_every_legal_transition_moves_the_order(edge):
    source, target = edge
    order = order_in(source)
    order.transition(target, actor_id=7)
    assert order.state == target


@pytest.mark.parametrize("edge", ILLEGAL_SAMPLE, ids=edge_id)
def test_an_illegal_transition_is_refused_with_the_stable_code(edge):
    source, target = edge
    order = order_in(source)
    with pytest.raises(IllegalTransition) as raised:
        order.transition(target, actor_id=7)
    assert raised.value.code == "order.illegal_transition"
    assert raised.value.details["from"] == source.value
    assert raised.value.details["to"] == target.value


def test_every_transition_not_in_the_business_table_is_refused():
    accepted = []
    for source, target in itertools.product(S, S):
        if (source, target) in LEGAL:
            continue
        order = order_in(source)
        try:
            order.transition(target, actor_id=None)
        except IllegalTransition:
            continue
        accepted.append(edge_id((source, target)))
    assert accepted == []


def test_can_transition_agrees_with_the_business_table():
    disagreements = [edge_id((a, b)) for a, b in itertools.product(S, S)
                     if order_in(a).can_transition(b) != ((a, b) in LEGAL)]
    assert disagreements == []


def test_a_refused_transition_leaves_status_version_and_events_untouched():
    order = order_in(S.PLACED)
    with pytest.raises(IllegalTransition):
        order.transition(S.SHIPPED, actor_id=7)
    assert (order.state, order.version, order.pending_events()) == (S.PLACED, 1, [])


def test_the_refusal_names_the_statuses_that_are_allowed_instead():
    with pytest.raises(IllegalTransition) as raised:
        order_in(S.PAYMENT_HOLD).transition(S.ACCEPTED, actor_id=7)
    assert raised.value.details["allowed"] == ["cancelled", "placed", "rejected"]


def test_each_transition_bumps_the_version_by_one():
    order = order_in(S.PLACED)
    order.transition(S.ACCEPTED, actor_id=7)
    order.transition(S.ALLOCATED, actor_id=7)
    assert order.version == 3


def test_a_transition_records_an_event_named_for_the_new_status():
    order = order_in(S.PLACED)
    event = order.transition(S.REJECTED, actor_id=7, reason="out of area")
    assert order.pending_events() == [event]
    assert event.name == "order.rejected"
    assert event.aggregate_type == "order"
    assert event.aggregate_version == 2
    assert event.data == {"actor_id": 7, "from_status": "placed", "to_status": "rejected",
                          "reason": "out of area"}


def test_a_transition_accepts_the_status_as_its_plain_string():
    order = order_in(S.PLACED)
    order.transition("accepted", actor_id=None)
    assert order.status == "accepted"


@pytest.mark.parametrize("terminal", TERMINAL, ids=lambda s: s.value)
def test_a_terminal_status_has_no_way_out(terminal):
    escaped = []
    for target in S:
        order = order_in(terminal)
        try:
            order.transition(target, actor_id=7)
        except IllegalTransition:
            continue
        escaped.append(target.value)
    assert escaped == []


def test_a_line_keeps_one_allocation_per_warehouse():
    line = OrderLine(7, "MUG", "Mug", 5, 400, 2000, 400)
    first = line.add_allocation(1, 2)
    assert line.add_allocation(1, 1) is first  # the same warehouse again: the allocation grows
    line.add_allocation(2, 1)
    assert [(a.warehouse_id, a.quantity) for a in line.allocations] == [(1, 3), (2, 1)]
    assert (line.allocated_quantity, line.missing_quantity) == (4, 1)


def test_an_order_is_a_plain_object_until_stored():
    assert not hasattr(Order, "_sa_class_manager")  # no ORM instrumentation: repositories map it with Core
    assert (Order.id, OrderLine.order_id, LineAllocation.order_line_id) == (None, None, None)
