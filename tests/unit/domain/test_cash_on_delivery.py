"""Cash on delivery as plain rules: when a settled stop pays its order, and what a difference tells the office."""
from datetime import date

import pytest

from backend.domain.delivery import CASH_OVER, CASH_SHORT, CashSettlement, cash_difference
from backend.domain.payments import PaymentNotRecordable, PaymentStatus, cash_on_delivery_received

COD, TO_COLLECT = "cash_on_delivery", "collect_on_delivery"


def received(collected, *, method=COD, status=TO_COLLECT, total=7914, before=None, staff=True):
    return cash_on_delivery_received(method=method, status=status, total_minor=total, received_before_minor=before,
                                     collected_minor=collected, recorded_by_staff=staff)


def test_cash_collected_at_the_door_pays_a_cash_on_delivery_order_with_the_amount():
    receipt = received(7914)
    assert (receipt.status, receipt.received_minor, receipt.paid_in_full) == (PaymentStatus.PAID, 7914, True)


def test_no_cash_collected_leaves_the_order_still_to_collect():
    # A failed attempt has no proof at all; a proof with nothing collected must not pay the order either.
    assert received(0) is None


def test_cash_short_of_the_total_is_recorded_but_the_rest_is_still_to_collect():
    part = received(5000)
    assert (part.status, part.received_minor, part.paid_in_full) == (PaymentStatus.COLLECT_ON_DELIVERY, 5000, False)
    rest = received(2914, before=5000)
    assert (rest.status, rest.received_minor) == (PaymentStatus.PAID, 7914)


@pytest.mark.parametrize("status", ["paid", "voided"])
def test_an_order_already_paid_or_voided_keeps_its_payment_status(status):
    assert received(500, status=status) is None


def test_cash_recorded_against_a_card_order_changes_nothing():
    assert received(500, method="card", status="authorized") is None


def test_only_staff_can_vouch_for_cash_received():
    with pytest.raises(PaymentNotRecordable) as refused:
        received(7914, staff=False)
    assert refused.value.status == 403


def settlement(expected, counted, note=""):
    return CashSettlement(run_id=12, expected_minor=expected, counted_minor=counted, currency="GBP",
                          settled_by_id=3, note=note)


def test_a_balanced_settlement_opens_nothing():
    assert cash_difference(settlement(7914, 7914), driver_id=3, driver_name="Dev Driver",
                           run_date=date(2026, 12, 3)) is None


def test_a_shortfall_names_the_driver_the_run_and_the_amount_as_money():
    raised = cash_difference(settlement(7914, 7414, "dropped a fiver"), driver_id=3, driver_name="Dev Driver",
                             run_date=date(2026, 12, 3))
    assert raised.code == CASH_SHORT
    assert raised.message == ("Dev Driver handed in £74.14 for run 12 of 03 Dec 2026, £5.00 short of the £79.14 "
                              "the stops collected. Driver's note: dropped a fiver")
    assert raised.data == {"run_id": 12, "driver_id": 3, "driver_name": "Dev Driver", "expected_minor": 7914,
                           "counted_minor": 7414, "difference_minor": -500, "currency": "GBP"}


def test_more_cash_than_collected_is_an_exception_too():
    raised = cash_difference(settlement(1000, 1250, "tip"), driver_id=3, driver_name="Dev Driver",
                             run_date=date(2026, 12, 3))
    assert raised.code == CASH_OVER and "£2.50 more than the £10.00" in raised.message
