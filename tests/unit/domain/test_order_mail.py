"""Order e-mail rules: which events are mailed, what an SMTP reply means, and the Message-ID of a copy."""
from datetime import datetime, timedelta, timezone

import pytest

from backend.domain.catalogue import Customer
from backend.domain.order_mail import (MAIL_RETRY, MAIL_TOKEN_PATTERN, after_smtp_reply, mail_kind_of,
                                       message_id_for, new_mail_token)

NOW = datetime(2026, 12, 3, 9, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize("name, kind", [("order.accepted", "confirmation"), ("order.shipped", "shipped"),
                                        ("order.part_shipped", "part_shipped"),
                                        ("order.delivery_failed", "failed_attempt"),
                                        ("order.part_delivery_failed", "part_failed_attempt"),
                                        ("order.delivered", "delivered"), ("order.part_delivered", "part_delivered")])
def test_the_four_moments_customers_act_on_are_mailed(name, kind):
    assert mail_kind_of(name, "order").key == kind


@pytest.mark.parametrize("name, aggregate", [("order.placed", "order"), ("order.allocated", "order"),
                                             ("order.accepted", "stock_level")])
def test_nothing_else_is_mailed(name, aggregate):
    assert mail_kind_of(name, aggregate) is None


def test_an_accepted_message_is_sent_and_a_refused_mailbox_fails_for_good():
    assert after_smtp_reply(250, attempt=1, now=NOW).status == "sent"
    assert after_smtp_reply(550, attempt=1, now=NOW).status == "failed"


@pytest.mark.parametrize("code", [None, 421, 451])
def test_no_answer_or_a_transient_reply_is_tried_again_a_minute_later_doubling(code):
    assert after_smtp_reply(code, attempt=1, now=NOW).retry_at == NOW + timedelta(minutes=1)
    assert after_smtp_reply(code, attempt=3, now=NOW).retry_at == NOW + timedelta(minutes=4)
    assert after_smtp_reply(code, attempt=20, now=NOW).retry_at == NOW + timedelta(hours=1)


def test_retries_end_when_the_attempts_run_out():
    assert after_smtp_reply(None, attempt=MAIL_RETRY.max_attempts, now=NOW).status == "failed"


def test_a_copy_sent_again_carries_the_same_message_id_and_another_event_another():
    first = message_id_for("event-1", "Casey@Example.com", "shop.example")
    assert first == message_id_for("event-1", "casey@example.com", "shop.example")
    assert first != message_id_for("event-2", "casey@example.com", "shop.example")
    assert first.startswith("<") and first.endswith("@shop.example>")


def test_unsubscribe_keys_are_long_random_and_well_formed():
    keys = {new_mail_token() for _ in range(50)}
    assert len(keys) == 50 and all(MAIL_TOKEN_PATTERN.match(k) for k in keys)


def test_turning_emails_off_twice_changes_nothing_the_second_time():
    customer = Customer("casey@example.com", "Casey")
    assert customer.set_order_emails(False, NOW) is True
    assert customer.set_order_emails(False, NOW + timedelta(hours=1)) is False
    assert (customer.order_emails, customer.order_emails_changed_at) == (False, NOW)
