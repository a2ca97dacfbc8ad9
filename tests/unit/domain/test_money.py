"""Money: integer minor units of one currency, never mixed, tax shares rounded half up."""
import pytest

from backend.domain.errors import CurrencyMismatch
from backend.domain.money import Money


def gbp(amount: int) -> Money:
    return Money(amount, "GBP")


def test_adding_amounts_of_one_currency_adds_their_minor_units():
    assert gbp(1250) + gbp(399) == gbp(1649)


def test_subtracting_amounts_of_one_currency_subtracts_their_minor_units():
    assert gbp(1250) - gbp(1300) == gbp(-50)


def test_multiplying_by_a_quantity_multiplies_the_amount():
    assert gbp(1200) * 3 == gbp(3600)


@pytest.mark.parametrize("combine", [
    lambda a, b: a + b,
    lambda a, b: a - b,
    lambda a, b: a < b,
    lambda a, b: a <= b,
], ids=["add", "subtract", "less-than", "less-or-equal"])
def test_combining_two_currencies_is_refused_with_a_stable_code(combine):
    with pytest.raises(CurrencyMismatch) as raised:
        combine(gbp(100), Money(100, "EUR"))
    assert raised.value.code == "money.currency_mismatch"


def test_comparing_amounts_of_one_currency_orders_them_by_value():
    assert gbp(99) < gbp(100)
    assert gbp(100) <= gbp(100)
    assert not gbp(101) <= gbp(100)


@pytest.mark.parametrize("amount", [12.5, 12.0, "1250", True])
def test_an_amount_that_is_not_an_integer_of_minor_units_is_refused(amount):
    with pytest.raises(TypeError):
        Money(amount, "GBP")


@pytest.mark.parametrize("currency", ["gbp", "GB", "POUND", "G8P", ""])
def test_a_currency_that_is_not_an_iso_4217_code_is_refused(currency):
    with pytest.raises(ValueError):
        Money(100, currency)


def test_zero_is_nothing_in_the_given_currency():
    assert Money.zero("EUR") == Money(0, "EUR")


@pytest.mark.parametrize("amount, bps, expected", [
    (1000, 2000, 200),   # exact: 20% of 10.00 is 2.00
    (10, 500, 1),        # 0.5 rounds up
    (50, 500, 3),        # 2.5 rounds up (not to the even 2)
    (49, 500, 2),        # 2.45 rounds down
    (1, 4999, 0),        # 0.4999 rounds down
    (0, 2000, 0),
])
def test_a_basis_point_share_is_rounded_half_up(amount, bps, expected):
    assert gbp(amount).share_bps(bps) == gbp(expected)


def test_a_share_of_a_negative_amount_rounds_half_away_from_zero_like_its_positive_twin():
    assert gbp(-50).share_bps(500) == gbp(-3)


def test_money_prints_as_major_units_with_its_currency():
    assert str(gbp(1649)) == "16.49 GBP"
