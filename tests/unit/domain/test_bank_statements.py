"""Which order a bank credit pays, and how well it fits: the rules the statement import follows."""
from __future__ import annotations

from datetime import date

import pytest

from backend.domain.bank_statements import (InvalidStatementAction, OrderDue, Outcome, StatementLine, fit,
                                            match_line, order_ids_named, settle_note, transfer_received)
from backend.domain.payments import PaymentStatus


def _order(**changes) -> OrderDue:
    facts = dict(order_id=123, number="WB-000123", payment_method="bank_transfer", payment_status="awaiting_funds",
                 currency="GBP", total_minor=5000, received_minor=0)
    return OrderDue(**{**facts, **changes})


def _line(amount=5000, reference="WB-000123", currency="GBP") -> StatementLine:
    return StatementLine(line_number=2, bank_reference="TX-1", booked_on=date(2026, 12, 1), amount_minor=amount,
                         currency=currency, reference=reference, payer="Casey")


@pytest.mark.parametrize("reference, ids", [("WB-000123", [123]), ("order wb 123 thanks", [123]),
                                            ("WB000123 and WB-000124", [123, 124]), ("WB-123 WB-000123", [123]),
                                            ("invoice 123", []), ("AWB-000123", []), ("", [])])
def test_the_order_numbers_a_payer_typed_are_found(reference, ids):
    assert order_ids_named(reference) == ids


@pytest.mark.parametrize("amount, outcome", [(5000, Outcome.MATCHED), (3000, Outcome.PARTIAL),
                                             (6000, Outcome.OVERPAID)])
def test_an_amount_is_exact_short_or_over_what_the_order_owes(amount, outcome):
    assert fit(amount, "GBP", _order()).outcome is outcome


def test_what_arrived_before_counts_against_what_is_owed():
    assert fit(2000, "GBP", _order(received_minor=3000, payment_status="partly_paid")).outcome is Outcome.MATCHED


@pytest.mark.parametrize("order, words", [(_order(payment_method="card"), "not paid by bank transfer"),
                                          (_order(currency="EUR"), "which is in EUR"),
                                          (_order(payment_status="paid"), "not waiting for money")])
def test_a_credit_an_order_cannot_take_is_unmatched_with_the_reason(order, words):
    match = fit(5000, "GBP", order)
    assert match.outcome is Outcome.UNMATCHED and words in match.message and not match.records_payment


def test_a_reference_naming_two_orders_or_none_is_for_a_person():
    assert match_line(_line(), [_order()], named_count=2).outcome is Outcome.UNMATCHED
    assert match_line(_line(reference="gift"), [], named_count=0).outcome is Outcome.UNMATCHED
    assert "does not exist" in match_line(_line(), [], named_count=1).message


def test_only_an_exact_match_needs_no_person():
    assert match_line(_line(), [_order()], named_count=1).status == "settled"
    assert match_line(_line(amount=10), [_order()], named_count=1).status == "open"


def test_a_transfer_leaves_the_order_partly_paid_until_the_money_covers_it():
    assert transfer_received(_order(), 1000).status is PaymentStatus.PARTLY_PAID
    assert transfer_received(_order(received_minor=1000), 4000).status is PaymentStatus.PAID


def test_a_person_settling_a_line_says_what_they_did():
    with pytest.raises(InvalidStatementAction):
        settle_note("   ")
    assert settle_note(" sent back ") == "sent back"
