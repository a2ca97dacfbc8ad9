"""A customer reads their order's status and payment in their words, matching their tracking page's steps."""
from __future__ import annotations

import pytest

from backend.domain.orders import OrderStatus
from backend.domain.payments import PaymentMethod, PaymentStatus
from backend.web.wording import customer_payment, customer_status


@pytest.mark.parametrize("status", list(OrderStatus))
def test_every_status_has_customer_words_without_underscores(status):
    said = customer_status(status.value)
    assert "_" not in said and said[0].isupper()


def test_the_office_steps_read_as_the_tracking_page_steps():
    assert customer_status("allocated") == customer_status("backordered") == "Confirmed"
    assert customer_status("picking") == "Being prepared"
    assert customer_status("payment_hold") == "Confirming payment"


@pytest.mark.parametrize("method", list(PaymentMethod))
@pytest.mark.parametrize("status", list(PaymentStatus))
def test_every_payment_reads_as_words(method, status):
    said = customer_payment(method.value, status.value)
    assert "_" not in said and " · " in said


def test_cash_on_delivery_tells_the_customer_to_pay_the_driver():
    assert customer_payment("cash_on_delivery", "collect_on_delivery") == "Cash on delivery · pay the driver"
