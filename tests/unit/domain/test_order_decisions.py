"""The decisions on an order live in the domain: which command each is, which an order offers, the list's tabs."""
import ast
from pathlib import Path

import pytest

from backend.domain import commands
from backend.domain.access import Actor, Role
from backend.domain.order_decisions import DECISIONS, STATUS_GROUPS, command_for, decisions_for
from backend.domain.orders import Order, OrderStatus

S = OrderStatus
BACKEND = Path(__file__).resolve().parents[3] / "backend"
OWNER = Actor(user_id=1, role=Role.OWNER)
MANAGER = Actor(user_id=2, role=Role.MANAGER)
FLOOR = Actor(user_id=3, role=Role.FLOOR, warehouse_ids=frozenset({1}))
CUSTOMER = Actor(user_id=4, role=Role.CUSTOMER, customer_id=7)
STRANGER = Actor(user_id=5, role=Role.CUSTOMER, customer_id=8)


def order_in(status: OrderStatus, customer_id: int = 7) -> Order:
    """A fresh order of `customer_id` put straight into `status` (setup only)."""
    order = Order(customer_id=customer_id, channel="web_shop", currency="GBP", payment_method="card",
                  payment_status="authorized", shipping_address={"country": "GB"},
                  billing_address={"country": "GB"}, subtotal_minor=1000, shipping_minor=495,
                  tax_minor=299, total_minor=1794, tracking_token="t0k3n")
    order.status = status.value
    return order


# What the office's buttons are in each status, written out as the order page shows them.
OFFICE_BUTTONS = {
    S.PLACED: [("accept", "Accept"), ("reject", "Reject"), ("cancel", "Cancel order")],
    S.PAYMENT_HOLD: [("release_hold", "Release payment hold"), ("reject_hold", "Reject payment"),
                     ("cancel", "Cancel order")],
    S.AWAITING_PAYMENT: [("payment_received", "Funds received"), ("cancel", "Cancel order")],
    S.ACCEPTED: [("cancel", "Cancel order")],
    S.BACKORDERED: [("retry_allocation", "Try to allocate again"), ("cancel", "Cancel order")],
    S.ALLOCATED: [("cancel", "Cancel order")],
    S.PICKING: [("cancel", "Cancel order")],
    S.PACKED: [("cancel", "Cancel order")],
    S.SHIPPED: [],
    S.OUT_FOR_DELIVERY: [("cancel", "Cancel order")],
    S.DELIVERY_FAILED: [],  # decided per shipment on the dispatch page
    S.AWAITING_REDELIVERY: [],
    S.AWAITING_COLLECTION: [],
    S.DELIVERED: [],
    S.COLLECTED: [],  # a counter sale: paid and handed over, nothing left to decide
    S.RETURNED: [],
    S.CANCELLED: [],
    S.REJECTED: [],
}


@pytest.mark.parametrize("status", list(S), ids=lambda s: s.value)
@pytest.mark.parametrize("actor", [OWNER, MANAGER], ids=["owner", "manager"])
def test_the_office_is_offered_the_decisions_of_the_status(actor, status):
    assert decisions_for(actor, order_in(status)) == OFFICE_BUTTONS[status]


@pytest.mark.parametrize("status", list(S), ids=lambda s: s.value)
def test_a_customer_may_only_cancel_their_own_order_before_it_is_accepted(status):
    own = [("cancel", "Cancel order")] if status in (S.PLACED, S.PAYMENT_HOLD, S.AWAITING_PAYMENT) else []
    assert decisions_for(CUSTOMER, order_in(status)) == own
    assert decisions_for(STRANGER, order_in(status)) == []
    assert decisions_for(FLOOR, order_in(status)) == []


@pytest.mark.parametrize("name, text, expected", [
    ("accept", "ignored", commands.AcceptOrder(9)),
    ("reject", "no stock", commands.RejectOrder(9, "no stock")),
    ("cancel", "changed mind", commands.CancelOrder(9, "changed mind")),
    ("release_hold", "checked", commands.ReleasePaymentHold(9, "checked")),
    ("reject_hold", "fraud", commands.RejectPaymentHold(9, "fraud")),
    ("payment_received", "REF-1", commands.RecordPaymentReceived(9, "REF-1")),
    ("retry_allocation", "ignored", commands.RetryAllocation(9)),
])
def test_each_decision_is_one_command(name, text, expected):
    assert command_for(name, 9, text) == expected


def test_every_decision_offered_is_one_the_map_can_carry_out():
    offered = {name for status in S for actor in (OWNER, CUSTOMER)
               for name, _label in decisions_for(actor, order_in(status))}
    assert offered == set(DECISIONS)


def test_the_list_tabs_group_statuses_that_exist():
    assert list(STATUS_GROUPS) == ["open", "to_accept", "attention", "shipping", "done"]
    assert {s for group in STATUS_GROUPS.values() for s in group} <= {s.value for s in S}
    assert set(STATUS_GROUPS["open"]).isdisjoint(STATUS_GROUPS["shipping"] + STATUS_GROUPS["done"])


DECISION_COMMANDS = {d.command.__name__ for d in DECISIONS.values()}


@pytest.mark.parametrize("package", ["api", "web", "sync", "realtime"])
def test_no_entry_point_builds_an_order_decision_itself(package):
    """The page and the API name a decision; the domain's map alone turns it into a command."""
    built = [f"{path.relative_to(BACKEND)}:{node.lineno} {node.attr}"
             for path in sorted((BACKEND / package).rglob("*.py"))
             for node in ast.walk(ast.parse(path.read_text()))
             if isinstance(node, ast.Attribute) and node.attr in DECISION_COMMANDS]
    assert built == []
