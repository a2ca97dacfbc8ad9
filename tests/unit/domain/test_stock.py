"""A stock level changes only through ledger movements that keep 0 <= reserved <= on hand."""
import random

import pytest

from backend.domain.errors import StockError
from backend.domain.stock import MovementReason, StockLevel, replay_ledger

R = MovementReason


def level(on_hand=10, reserved=0, incoming=0):
    return StockLevel(warehouse_id=1, product_id=2, on_hand=on_hand, reserved=reserved, incoming=incoming)


def counters(lv):
    return lv.on_hand, lv.reserved, lv.incoming


def test_available_is_on_hand_minus_reserved():
    assert level(on_hand=10, reserved=3).available == 7


def test_reserving_claims_units_and_returns_the_ledger_movement():
    lv = level(on_hand=10)
    movement = lv.reserve(4, order_id=99, actor_id=5)
    assert (lv.reserved, lv.available) == (4, 6)
    assert (movement.reason, movement.reserved_delta, movement.on_hand_delta, movement.order_id,
            movement.actor_id) == ("reserved", 4, 0, 99, 5)


def test_reserving_more_than_is_available_is_refused_as_insufficient():
    lv = level(on_hand=10, reserved=7)
    with pytest.raises(StockError) as raised:
        lv.reserve(4, order_id=99)
    assert raised.value.code == "stock.insufficient"
    assert raised.value.details == {"available": 3}


def test_a_refused_movement_leaves_the_level_unchanged():
    lv = level(on_hand=10, reserved=7, incoming=2)
    with pytest.raises(StockError):
        lv.reserve(4, order_id=99)
    assert (counters(lv), lv.version) == ((10, 7, 2), 1)


@pytest.mark.parametrize("quantity", [0, -3])
def test_reserving_nothing_or_a_negative_amount_is_refused(quantity):
    with pytest.raises(StockError) as raised:
        level().reserve(quantity, order_id=99)
    assert raised.value.code == "stock.bad_quantity"


def test_releasing_gives_reserved_units_back():
    lv = level(on_hand=10, reserved=6)
    movement = lv.release(4, order_id=99)
    assert (lv.reserved, movement.reason, movement.reserved_delta) == (2, "released", -4)


def test_releasing_more_than_is_reserved_is_refused():
    lv = level(on_hand=10, reserved=3)
    with pytest.raises(StockError) as raised:
        lv.release(4, order_id=99)
    assert raised.value.code == "stock.negative_reserved"


def test_removing_more_than_is_on_hand_is_refused():
    with pytest.raises(StockError) as raised:
        level(on_hand=3).apply(R.ADJUSTMENT, on_hand_delta=-4)
    assert raised.value.code == "stock.negative_on_hand"


def test_removing_units_that_are_promised_to_orders_is_refused():
    with pytest.raises(StockError) as raised:
        level(on_hand=10, reserved=8).apply(R.ADJUSTMENT, on_hand_delta=-3)
    assert raised.value.code == "stock.insufficient"


def test_incoming_cannot_go_below_zero():
    with pytest.raises(StockError) as raised:
        level(incoming=2).apply(R.RECEIVED, on_hand_delta=3, incoming_delta=-3)
    assert raised.value.code == "stock.negative_incoming"


def test_every_accepted_movement_bumps_the_level_version():
    lv = level()
    lv.apply(R.RECEIVED, on_hand_delta=5)
    lv.reserve(2, order_id=1)
    assert lv.version == 3


def random_valid_movement(lv, rng):
    """One movement the rules allow from the level's current counters: (reason, apply() deltas)."""
    choices = [("received", {"on_hand_delta": rng.randint(1, 20)}),
               ("expected", {"incoming_delta": rng.randint(1, 20)})]
    if lv.incoming:
        arrived = rng.randint(1, lv.incoming)
        choices.append(("received", {"on_hand_delta": arrived, "incoming_delta": -arrived}))
    if lv.available:
        choices.append(("reserved", {"reserved_delta": rng.randint(1, lv.available)}))
        choices.append(("adjustment", {"on_hand_delta": -rng.randint(1, lv.available)}))
    if lv.reserved:
        choices.append(("released", {"reserved_delta": -rng.randint(1, lv.reserved)}))
        shipped = rng.randint(1, lv.reserved)
        choices.append(("shipped", {"on_hand_delta": -shipped, "reserved_delta": -shipped}))
    return rng.choice(choices)


@pytest.mark.parametrize("seed", range(5))
def test_replaying_the_ledger_gives_the_level_after_a_random_sequence_of_movements(seed):
    rng = random.Random(seed)
    lv, ledger = level(on_hand=0), []
    for _ in range(200):
        reason, deltas = random_valid_movement(lv, rng)
        ledger.append(lv.apply(reason, **deltas))
        if rng.random() < 0.2:  # an impossible request in between must leave no trace in the ledger
            with pytest.raises(StockError):
                lv.reserve(lv.available + 1, order_id=1)
    assert replay_ledger(ledger) == counters(lv)
    assert lv.version == 1 + len(ledger)


def test_replaying_an_empty_ledger_gives_nothing():
    assert replay_ledger([]) == (0, 0, 0)
