"""The rules of undoing a cancel or reject: what may be undone, for how long, once, and what comes back."""
from datetime import datetime, timedelta, timezone

import pytest

from backend.domain.errors import IllegalTransition
from backend.domain.order_undo import StatusChange, UndoRefused, check_undo, facts_before_ending, why_not_undoable
from backend.domain.orders import REINSTATABLE, TRANSITIONS, Order, OrderLine, OrderStatus

S = OrderStatus
NOW = datetime(2026, 12, 3, 9, 0, tzinfo=timezone.utc)


def order_in(status: OrderStatus) -> Order:
    """An order of two lines, 3 units reserved in warehouse 1, put straight into `status` (setup only)."""
    order = Order(customer_id=7, channel="web_shop", currency="GBP", payment_method="card",
                  payment_status="authorized", shipping_address={"country": "GB"},
                  billing_address={"country": "GB"}, subtotal_minor=1000, shipping_minor=495,
                  tax_minor=299, total_minor=1794, tracking_token="t0k3n")
    order.id = 3
    for line_id, (sku, quantity) in enumerate((("MUG", 2), ("LAMP", 1)), start=10):
        line = OrderLine(line_id, sku, sku.title(), quantity, 500, 500 * quantity, 0)
        line.id = line_id
        line.add_allocation(1, quantity)
        order.lines.append(line)
    order.status = status.value
    return order


def ended(order: Order, decision: str, to: OrderStatus, *, seconds_ago: int = 5) -> StatusChange:
    """End `order` by `decision` as the handler does, and the audit trail's record of it."""
    facts = facts_before_ending(order, decision)
    event = order.transition(to, actor_id=1, **({"undo": facts} if facts else {}))
    return StatusChange(event.name, event.data["from_status"], event.data["to_status"], dict(event.data),
                        NOW - timedelta(seconds=seconds_ago))


@pytest.mark.parametrize("before", [S.PLACED, S.PAYMENT_HOLD, S.AWAITING_PAYMENT, S.ACCEPTED, S.BACKORDERED,
                                    S.ALLOCATED])
def test_a_cancel_before_the_floor_starts_can_be_undone_back_to_where_it_was(before):
    order = order_in(before)
    change = ended(order, "cancel", S.CANCELLED)
    facts = check_undo(order, order.version, change, now=NOW, window_seconds=30)
    assert facts["status"] == before.value and facts["payment_status"] == "authorized"
    assert facts["allocations"] == [{"line_id": 10, "warehouse_id": 1, "quantity": 2},
                                    {"line_id": 11, "warehouse_id": 1, "quantity": 1}]
    event = order.reinstate(before, actor_id=1)
    assert (order.status, event.name) == (before.value, "order.cancel_undone")


@pytest.mark.parametrize("before, words", [
    (S.PICKING, "floor has started"), (S.PACKED, "floor has started"),
    (S.OUT_FOR_DELIVERY, "already left the warehouse")])
def test_a_cancel_once_goods_moved_cannot_be_undone_and_says_why(before, words):
    order = order_in(before)
    assert facts_before_ending(order, "cancel") is None
    change = ended(order, "cancel", S.CANCELLED)
    with pytest.raises(UndoRefused) as refused:
        check_undo(order, order.version, change, now=NOW, window_seconds=30)
    assert refused.value.code == "order.not_undoable" and words in refused.value.message
    assert refused.value.status == 409


def test_a_rejected_payment_is_a_fact_no_undo_turns_over():
    assert why_not_undoable("reject_hold", S.PAYMENT_HOLD) == \
        "A rejected payment stays rejected: the order cannot be brought back."
    assert why_not_undoable("reject", S.PLACED) is None


def test_an_undo_after_the_window_is_refused_as_too_late():
    order = order_in(S.ALLOCATED)
    change = ended(order, "cancel", S.CANCELLED, seconds_ago=31)
    with pytest.raises(UndoRefused) as refused:
        check_undo(order, order.version, change, now=NOW, window_seconds=30)
    assert refused.value.code == "order.undo_expired" and refused.value.message.startswith("Too late to undo")
    assert check_undo(order, order.version, change, now=NOW, window_seconds=60)  # a longer window allows it


def test_an_undo_of_an_older_version_is_stale():
    order = order_in(S.ALLOCATED)
    change = ended(order, "cancel", S.CANCELLED)
    with pytest.raises(UndoRefused) as refused:
        check_undo(order, order.version - 1, change, now=NOW, window_seconds=30)
    assert refused.value.code == "order.undo_stale"


def test_once_undone_the_same_undo_is_stale():
    order = order_in(S.ALLOCATED)
    change = ended(order, "cancel", S.CANCELLED)
    version = order.version
    event = order.reinstate(S.ALLOCATED, actor_id=1)
    after = StatusChange(event.name, "cancelled", "allocated", dict(event.data), NOW)
    with pytest.raises(UndoRefused) as refused:
        check_undo(order, version, after, now=NOW, window_seconds=30)
    assert refused.value.code == "order.undo_stale"
    assert change.to_status == "cancelled"


def test_reinstating_goes_only_where_the_table_allows():
    order = order_in(S.CANCELLED)
    with pytest.raises(IllegalTransition):
        order.reinstate(S.PICKING, actor_id=1)
    with pytest.raises(IllegalTransition):
        order_in(S.DELIVERED).reinstate(S.OUT_FOR_DELIVERY, actor_id=1)
    assert order.status == "cancelled"


def test_ended_orders_stay_ended_for_every_other_decision():
    """The undo has its own table: accepting or allocating a cancelled order is still illegal."""
    assert TRANSITIONS[S.CANCELLED] == frozenset() and TRANSITIONS[S.REJECTED] == frozenset()
    assert set(REINSTATABLE) == {S.CANCELLED, S.REJECTED}
    assert not REINSTATABLE[S.CANCELLED] & {S.PICKING, S.PACKED, S.SHIPPED, S.OUT_FOR_DELIVERY, S.DELIVERED}
