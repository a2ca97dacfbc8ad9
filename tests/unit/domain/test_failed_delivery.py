"""After a failed attempt: the shipment's own transition table, the office's decisions, the limit, the words."""
import itertools

import pytest

from backend.domain.errors import IllegalTransition
from backend.domain.failed_delivery import (DECISIONS, CUSTOMER_WORDS, FailedDeliveryError, choices, decide,
                                            driver_next_step, limit_reached, staff_reason)
from backend.domain.orders import OrderStatus
from backend.domain.shipping import SHIPMENT_TRANSITIONS, Shipment, ShipmentStatus

T = ShipmentStatus


def shipment_in(status: ShipmentStatus) -> Shipment:
    shipment = Shipment(order_id=1, warehouse_id=1, carrier="own_fleet", service="standard",
                        tracking_number="WB1", label_format="html", label_data=b"<p>")
    shipment.status = status.value
    return shipment


def test_a_shipment_moves_only_along_its_table():
    accepted = []
    for source, target in itertools.product(T, T):
        shipment = shipment_in(source)
        try:
            shipment.set_status(target)
        except IllegalTransition as exc:
            assert exc.code == "shipment.illegal_transition"
            continue
        accepted.append((source, target))
    assert {(s, t) for s, t in accepted if s != t} == {(s, t) for s, targets in SHIPMENT_TRANSITIONS.items()
                                                       for t in targets}
    # The edges the failed-delivery flow needs, and the ends that stay ends.
    assert T.FAILED in SHIPMENT_TRANSITIONS[T.OUT_FOR_DELIVERY]
    assert {T.AWAITING_DISPATCH, T.HELD_FOR_COLLECTION, T.RETURNED} <= SHIPMENT_TRANSITIONS[T.FAILED]
    assert SHIPMENT_TRANSITIONS[T.DELIVERED] == SHIPMENT_TRANSITIONS[T.RETURNED] == frozenset()


def test_a_failed_shipment_offers_reattempt_hold_and_return_and_a_held_one_collected():
    assert [d.key for d in choices("failed")] == ["reattempt", "hold", "return"]
    assert [d.key for d in choices("held_for_collection")] == ["reattempt", "return", "collected"]
    assert choices("out_for_delivery") == choices("delivered") == choices("returned") == []


@pytest.mark.parametrize("key, order_to, shipment_to, restock", [
    ("reattempt", OrderStatus.AWAITING_REDELIVERY, T.AWAITING_DISPATCH, False),
    ("hold", OrderStatus.AWAITING_COLLECTION, T.HELD_FOR_COLLECTION, False),
    ("return", OrderStatus.RETURNED, T.RETURNED, True),
])
def test_each_decision_names_where_the_order_and_shipment_go(key, order_to, shipment_to, restock):
    decision = decide(key, shipment_status="failed", own_fleet=True)
    assert (decision.order_to, decision.shipment_to, decision.restock) == (order_to, shipment_to, restock)
    # Every decision's targets are legal moves from the states it applies to.
    assert shipment_to in SHIPMENT_TRANSITIONS[T.FAILED]


def test_a_decision_that_does_not_fit_the_shipment_is_refused_in_words():
    with pytest.raises(FailedDeliveryError) as raised:
        decide("reattempt", shipment_status="out_for_delivery", own_fleet=True)
    assert raised.value.status == 409 and "out for delivery" in raised.value.message
    with pytest.raises(FailedDeliveryError) as raised:
        decide("collected", shipment_status="failed", own_fleet=True)
    with pytest.raises(FailedDeliveryError) as raised:
        decide("teleport", shipment_status="failed", own_fleet=True)
    assert raised.value.code == "failed_delivery.unknown_decision" and raised.value.field == "decision"
    with pytest.raises(FailedDeliveryError):
        decide("reattempt", shipment_status="failed", own_fleet=False)  # a carrier's parcel is not ours to route


def test_the_limit_of_attempts_sends_it_back_at_exactly_the_configured_number():
    assert [limit_reached(n, 3) for n in (1, 2, 3, 4)] == [False, False, True, True]
    assert limit_reached(1, 1) and limit_reached(1, 0)  # a limit below one still means one attempt


def test_the_words_for_staff_customers_and_the_driver():
    assert staff_reason("no_one_home") == "Delivery attempt failed: no one home"
    assert CUSTOMER_WORDS["delivery_failed"][0] == "We missed you"
    assert "try again" in CUSTOMER_WORDS["delivery_failed"][1]
    assert "Attempt 1 of 3" in driver_next_step(attempts=1, max_attempts=3)
    assert "last attempt (3 of 3)" in driver_next_step(attempts=3, max_attempts=3)
    assert set(DECISIONS) == {"reattempt", "hold", "return", "collected"}
