"""The order history's sentences: every order action reads as words, and the office's examples read as said."""
from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

import pytest

from backend.domain.orders import OrderStatus
from backend.web.history_words import history_sentence, shortage_lines

BACKEND = Path(__file__).resolve().parents[3] / "backend"


def _order_action_names() -> set[str]:
    """Every 'order.<name>' written in the backend, and the event of every status an order can move to."""
    names = set()
    for path in BACKEND.rglob("*.py"):
        names |= set(re.findall(r"""["'](order\.[a-z_]+)["']""", path.read_text()))
    return names | {f"order.{status.value}" for status in OrderStatus}


def test_the_code_base_has_order_actions_to_word():
    assert {"order.placed", "order.part_packed", "order.cash_received", "order.handed_over_despite_state",
            "order.delivery_failed", "order.cancel_undone"} <= _order_action_names()


@pytest.mark.parametrize("action", sorted(_order_action_names() | {"order.undone", "order.something_new"}))
def test_every_order_action_reads_as_a_sentence(action):
    sentence = history_sentence(action, actor_name="Olivia Owner",
                                data={"reason": "customer called", "warehouse_id": 1, "amount_minor": 100,
                                      "currency": "GBP", "status": "cancelled", "channel": "phone"},
                                warehouses={1: "London Docklands"})
    assert sentence and sentence[0].isupper()
    assert "_" not in sentence and "order." not in sentence and "{" not in sentence and "None" not in sentence


@pytest.mark.parametrize("channel, words", [("web_shop", "Placed on the web shop"),
                                            ("marketplace", "Placed on the marketplace"),
                                            ("api", "Placed through the API")])
def test_an_order_from_a_shop_or_integration_names_its_channel_not_the_account(channel, words):
    sentence = history_sentence("order.placed", actor_name="Olivia Owner", data={"channel": channel})
    assert sentence == words


def test_a_phone_or_till_order_names_who_entered_it():
    assert history_sentence("order.placed", actor_name="Olivia Owner",
                            data={"channel": "phone"}) == "Entered by Olivia Owner (by phone)"
    assert history_sentence("order.placed", actor_name="Olivia Owner",
                            data={"channel": "pos"}) == "Entered by Olivia Owner (at the till)"


def test_the_offices_examples():
    owner = {"actor_name": "Olivia Owner"}
    assert history_sentence("order.accepted", **owner) == "Accepted by Olivia Owner"
    assert history_sentence("order.allocated", **owner, warehouses={1: "London Docklands"}) == \
        "Allocated to London Docklands"
    assert history_sentence("order.allocated", **owner, warehouses={1: "London Docklands", 2: "Manchester"}) == \
        "Allocated to London Docklands and Manchester"
    assert history_sentence("order.cancelled", **owner, data={"reason": "customer called"}) == \
        "Cancelled by Olivia Owner: customer called"
    assert history_sentence("order.handed_over_despite_state", actor_name="Dev Driver",
                            data={"status": "cancelled"}) == "Delivered by Dev Driver although the order was cancelled"
    assert history_sentence("order.delivery_failed", actor_name="Dev Driver",
                            data={"reason": "no one home", "fail_reason": "no_one_home", "attempts": 1,
                                  "max_attempts": 3}) == "Delivery attempt failed (no one home), attempt 1 of 3"
    assert history_sentence("order.cash_received", actor_name="Mia Manager",
                            data={"amount_minor": 2154, "currency": "GBP"}) == "Cash received by Mia Manager: £21.54"
    assert history_sentence("order.undone", **owner) == "Undone by Olivia Owner"
    assert history_sentence("order.cancel_undone", **owner) == "Cancellation undone by Olivia Owner"


def test_a_payment_settled_back_to_placed_is_not_a_second_placing():
    assert history_sentence("order.placed", actor_name="Olivia Owner", from_status="payment_hold",
                            data={"reason": "card checked"}) == "Payment hold released by Olivia Owner: card checked"
    assert history_sentence("order.placed", from_status="awaiting_payment") == "Bank transfer received"


def test_an_unknown_action_falls_back_to_words():
    assert history_sentence("order.label_reprinted", actor_name="Mia Manager") == "Label reprinted by Mia Manager"


def _line(sku, quantity, reserved):
    return SimpleNamespace(sku=sku, quantity=quantity, missing_quantity=quantity - reserved)


def test_shortage_lines_come_from_what_the_lines_have_reserved():
    order = SimpleNamespace(status="backordered", lines=[_line("TEE-M", 3, 1), _line("MUG", 2, 2)])
    assert shortage_lines(order) == [{"sku": "TEE-M", "missing": 2, "requested": 3}]


def test_no_shortage_once_everything_is_reserved_or_the_order_has_ended():
    assert shortage_lines(SimpleNamespace(status="allocated", lines=[_line("TEE-M", 3, 3)])) == []
    assert shortage_lines(SimpleNamespace(status="cancelled", lines=[_line("TEE-M", 3, 0)])) == []
