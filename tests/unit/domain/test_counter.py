"""A counter sale's payment: card needs the terminal's reference, cash must cover the total and gives change."""
import pytest

from backend.domain.counter import Tender, counter_payment, shortage_message
from backend.domain.errors import InvalidOrder


def test_cash_gives_back_what_was_handed_over_less_the_total():
    payment = counter_payment("cash", 2880, "GBP", tendered_minor=5000)
    assert (payment.tender, payment.change_minor) == (Tender.CASH, 2120)
    assert payment.as_event_data() == {"tender": "cash", "paid_minor": 2880, "terminal_reference": None,
                                       "tendered_minor": 5000, "change_minor": 2120}


def test_exact_cash_gives_no_change():
    assert counter_payment("cash", 2880, "GBP", tendered_minor=2880).change_minor == 0


def test_cash_short_of_the_total_is_refused_in_money():
    with pytest.raises(InvalidOrder) as refused:
        counter_payment("cash", 2880, "GBP", tendered_minor=2000)
    assert refused.value.field == "tendered_minor"
    assert refused.value.message == "£20.00 does not cover the total of £28.80."


def test_a_card_payment_keeps_the_terminals_reference_and_gives_no_change():
    payment = counter_payment("card", 4900, "GBP", terminal_reference="  T-77 ")
    assert (payment.terminal_reference, payment.change_minor) == ("T-77", 0)


@pytest.mark.parametrize("tender, field", [("card", "terminal_reference"), ("cash", "tendered_minor")])
def test_a_payment_without_its_fact_is_refused(tender, field):
    with pytest.raises(InvalidOrder) as refused:
        counter_payment(tender, 1000, "GBP")
    assert refused.value.field == field


def test_the_shortage_names_each_line_and_says_nothing_was_sold():
    message = shortage_message([{"sku": "MUG", "requested": 3, "available": 1},
                                {"sku": "TEE", "requested": 1, "available": 0}])
    assert message == ("Not enough on the shop's shelf: MUG: 3 asked, 1 there; TEE: 1 asked, 0 there. "
                       "Nothing was sold; take the line off or sell fewer.")


def test_a_tender_that_is_neither_card_nor_cash_is_refused():
    with pytest.raises(InvalidOrder) as refused:
        counter_payment("cheque", 1000, "GBP", tendered_minor=1000)
    assert refused.value.field == "tender"
