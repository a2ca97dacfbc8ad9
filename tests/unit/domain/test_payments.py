"""Payment risk rules put an order on hold with every reason at once; each method starts in its own status."""
from dataclasses import replace

import pytest

from backend.domain.payments import (AddressCheck, PaymentMethod, PaymentStatus, RiskFacts, RiskPolicy,
                                     assess_risk, initial_payment_status)

POLICY = RiskPolicy(max_order_minor=100_000, velocity_limit=5, velocity_window_minutes=60)
CLEAN = RiskFacts(total_minor=5_000, billing_country="GB", shipping_country="GB", customer_recent_orders=0,
                  card_recent_orders=0, address_check=AddressCheck.PASSED)


def codes(facts):
    return [reason.code for reason in assess_risk(POLICY, facts)]


def test_a_clean_order_has_no_hold_reasons():
    assert assess_risk(POLICY, CLEAN) == []


@pytest.mark.parametrize("change, code", [
    ({"total_minor": 100_001}, "risk.order_value"),
    ({"billing_country": "FR"}, "risk.country_mismatch"),
    ({"customer_recent_orders": 5}, "risk.customer_velocity"),
    ({"card_recent_orders": 5}, "risk.card_velocity"),
    ({"address_check": AddressCheck.FAILED}, "risk.address_check_failed"),
], ids=lambda v: v if isinstance(v, str) else None)
def test_each_risk_rule_fires_on_its_own(change, code):
    assert codes(replace(CLEAN, **change)) == [code]


def test_every_rule_that_fires_is_reported_together():
    risky = RiskFacts(total_minor=250_000, billing_country="US", shipping_country="GB", customer_recent_orders=9,
                      card_recent_orders=7, address_check=AddressCheck.FAILED)
    assert codes(risky) == ["risk.order_value", "risk.country_mismatch", "risk.customer_velocity",
                            "risk.card_velocity", "risk.address_check_failed"]


def test_an_order_exactly_at_the_value_threshold_is_not_held():
    assert codes(replace(CLEAN, total_minor=100_000)) == []


def test_velocity_just_under_the_limit_is_not_held():
    assert codes(replace(CLEAN, customer_recent_orders=4, card_recent_orders=4)) == []


def test_countries_that_differ_only_in_letter_case_are_not_a_mismatch():
    assert codes(replace(CLEAN, billing_country="gb")) == []


def test_an_address_check_that_was_not_made_is_not_a_reason_to_hold():
    assert codes(replace(CLEAN, address_check=AddressCheck.NOT_CHECKED)) == []


def test_each_hold_reason_carries_a_sentence_for_the_manager():
    (reason,) = assess_risk(POLICY, replace(CLEAN, total_minor=150_000))
    assert reason.as_dict() == {"code": "risk.order_value",
                                "message": "The order comes to £1,500.00, above the £1,000.00 the shop checks by hand."}


@pytest.mark.parametrize("method, status", [
    (PaymentMethod.CARD, PaymentStatus.AUTHORIZED),
    (PaymentMethod.PAYPAL, PaymentStatus.AUTHORIZED),
    (PaymentMethod.BANK_TRANSFER, PaymentStatus.AWAITING_FUNDS),
    (PaymentMethod.CASH_ON_DELIVERY, PaymentStatus.COLLECT_ON_DELIVERY),
], ids=lambda v: v.value)
def test_a_new_order_starts_in_the_payment_status_of_its_method(method, status):
    assert initial_payment_status(method) == status


def test_the_initial_payment_status_accepts_the_method_as_plain_text():
    assert initial_payment_status("bank_transfer") == PaymentStatus.AWAITING_FUNDS


def test_an_unknown_payment_method_is_refused():
    with pytest.raises(ValueError):
        initial_payment_status("bitcoin")


def test_a_card_or_paypal_payment_only_the_buyer_vouches_for_is_unpaid():
    assert initial_payment_status(PaymentMethod.CARD, confirmed=False) == PaymentStatus.UNPAID
    assert initial_payment_status(PaymentMethod.PAYPAL, confirmed=False) == PaymentStatus.UNPAID
    assert initial_payment_status(PaymentMethod.BANK_TRANSFER, confirmed=False) == PaymentStatus.AWAITING_FUNDS


def test_an_unconfirmed_payment_is_a_reason_to_hold():
    assert codes(replace(CLEAN, payment_confirmed=False)) == ["risk.payment_unconfirmed"]
