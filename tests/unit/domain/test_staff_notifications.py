"""Staff alert rules: which events alert owners and managers, and what an alert may say."""
import json
import re
from datetime import datetime, timezone

import pytest

from backend.domain import notifications as n

T0 = datetime(2026, 11, 29, 9, 0, tzinfo=timezone.utc)


def test_only_a_new_order_and_a_payment_hold_alert_staff_and_only_order_events():
    alerting = {name for name in (
        "order.placed", "order.payment_hold", "order.accepted", "order.allocated", "order.shipped",
        "order.delivered", "order.cancelled", "order.refund_issued") if n.staff_kind_of(name, "order") is not None}
    assert alerting == {"order.placed", "order.payment_hold"}
    assert n.staff_kind_of("order.placed", "shipment") is None
    # A sale at the counter is finished when it is placed: nothing for the office to act on.
    assert n.staff_kind_of("order.placed", "order", {"channel": "pos"}) is None
    assert n.staff_kind_of("order.placed", "order", {"channel": "shopify"}).key == "staff_new_order"
    # The audiences do not overlap: a new order is not customer news, and customer news is not a staff alert.
    assert n.kind_of("order.placed", "order") is None
    assert not set(n.STAFF_KINDS) & set(n.KINDS)


def test_staff_kinds_live_an_hour_at_normal_urgency_and_fit_the_message_table():
    for kind in n.STAFF_KINDS.values():
        assert kind.ttl == n.HOUR and kind.urgency == "normal"
        assert len(kind.key) <= 32  # push_message.kind


@pytest.mark.parametrize("minor,currency,text", [
    (1234, "GBP", "£12.34"), (5, "EUR", "€0.05"), (123456789, "USD", "$1,234,567.89"), (-250, "GBP", "-£2.50"),
    (1000, "CHF", "10.00 CHF")])
def test_money_is_formatted_from_minor_units_as_the_pages_show_it(minor, currency, text):
    assert n.format_money(minor, currency) == text


def test_a_new_order_alert_says_number_and_total_opens_the_order_and_is_tagged_by_its_topic():
    payload = json.loads(n.build_staff_payload(
        n.STAFF_KINDS["order.placed"], order_id=123, order_number="WB-000123", total_minor=1234, currency="GBP",
        event_id="e-1", sequence=7, occurred_at=T0).decode())
    assert payload["title"] == "New order"
    assert payload["body"] == "New order WB-000123 — £12.34"
    assert payload["url"] == "/orders/123"
    assert payload["tag"] == n.staff_topic_for(123)
    assert payload["kind"] == "staff_new_order" and payload["order"] == "WB-000123"
    assert (payload["event_id"], payload["sequence"], payload["at"]) == ("e-1", 7, T0.isoformat())
    # Named facts only: nothing in the alert could carry the customer's name or address.
    assert set(payload) == {"v", "kind", "title", "body", "tag", "url", "order", "event_id", "sequence", "at"}


def test_a_payment_hold_alert_names_the_order_and_its_total():
    payload = json.loads(n.build_staff_payload(
        n.STAFF_KINDS["order.payment_hold"], order_id=9, order_number="WB-000009", total_minor=99900,
        currency="EUR", event_id="e-2", sequence=8, occurred_at=T0).decode())
    assert payload["body"] == "Order WB-000009 — €999.00 is held for a payment check."
    assert payload["tag"] == n.staff_topic_for(9)


def test_the_staff_topic_is_per_order_valid_for_rfc8030_and_hides_the_order_id():
    topic = n.staff_topic_for(123)
    assert topic == n.staff_topic_for(123) != n.staff_topic_for(124)
    assert len(topic) <= n.MAX_TOPIC_LENGTH and re.fullmatch(r"[A-Za-z0-9_-]+", topic)
    assert topic != n.topic_for("123")  # never the customer's topic for anything
