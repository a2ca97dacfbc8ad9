"""Order totals come from catalogue prices, tax per line rounded half up, shipping by started kilogram."""
import pytest

from backend.domain.catalogue import Product
from backend.domain.errors import InvalidOrder
from backend.domain.money import Money
from backend.domain.pricing import ShippingPolicy, TaxPolicy, quote

UK_TAX = TaxPolicy({"GB": 2000, "DE": 1900, "US": 0}, default_bps=2500)
NO_SHIPPING = ShippingPolicy(base_minor=0, per_kg_minor=0, free_over_minor=0)
STANDARD_SHIPPING = ShippingPolicy(base_minor=495, per_kg_minor=100, free_over_minor=10_000)


def product(sku, price_minor, weight_g=0, currency="GBP", pid=1):
    item = Product(sku, f"Product {sku}", price_minor, currency, weight_g=weight_g)
    item.id = pid
    return item


def gbp(amount):
    return Money(amount, "GBP")


def test_the_subtotal_is_catalogue_price_times_quantity_summed_over_lines():
    q = quote([(product("MUG", 1200), 2), (product("LAMP", 4900), 1)], currency="GBP", country="GB",
              tax=UK_TAX, shipping=NO_SHIPPING)
    assert q.subtotal == gbp(2 * 1200 + 4900)


def test_the_total_is_subtotal_plus_shipping_plus_tax():
    q = quote([(product("MUG", 1200, weight_g=350), 2)], currency="GBP", country="GB", tax=UK_TAX,
              shipping=STANDARD_SHIPPING)
    # goods 24.00; shipping 4.95 + 1 started kg 1.00 = 5.95; tax 20% of 24.00 + 20% of 5.95 (1.19)
    assert (q.subtotal, q.shipping, q.tax, q.total) == (gbp(2400), gbp(595), gbp(480 + 119), gbp(3594))


def test_each_line_carries_its_catalogue_unit_price_net_and_tax():
    q = quote([(product("MUG", 1200), 3)], currency="GBP", country="GB", tax=UK_TAX, shipping=NO_SHIPPING)
    line = q.lines[0]
    assert (line.sku, line.quantity, line.unit_price, line.net, line.tax) == ("MUG", 3, gbp(1200), gbp(3600),
                                                                              gbp(720))


def test_tax_is_rounded_half_up_on_each_line_not_on_the_order():
    five_percent = TaxPolicy({"GB": 500}, default_bps=500)
    # Each 0.10 line owes 0.005 tax: per line that rounds up to 0.01 twice; on the order it would be 0.01.
    q = quote([(product("PEN", 10, pid=1), 1), (product("CLIP", 10, pid=2), 1)], currency="GBP", country="GB",
              tax=five_percent, shipping=NO_SHIPPING)
    assert [line.tax for line in q.lines] == [gbp(1), gbp(1)]
    assert q.tax == gbp(2)


def test_a_line_tax_of_exactly_half_a_penny_above_an_even_amount_rounds_up():
    five_percent = TaxPolicy({"GB": 500}, default_bps=500)
    q = quote([(product("PEN", 50), 1)], currency="GBP", country="GB", tax=five_percent, shipping=NO_SHIPPING)
    assert q.tax == gbp(3)  # 2.5p: half up gives 3, banker's rounding would give 2


@pytest.mark.parametrize("country, expected_tax", [("GB", 200), ("DE", 190), ("US", 0), ("de", 190),
                                                   ("JP", 250)])
def test_tax_uses_the_rate_of_the_destination_country_or_the_default(country, expected_tax):
    q = quote([(product("MUG", 1000), 1)], currency="GBP", country=country, tax=UK_TAX, shipping=NO_SHIPPING)
    assert q.tax == gbp(expected_tax)


@pytest.mark.parametrize("weight_g, started_kg", [(1, 1), (999, 1), (1000, 1), (1001, 2), (2500, 3)])
def test_shipping_charges_every_started_kilogram(weight_g, started_kg):
    assert STANDARD_SHIPPING.charge(gbp(1000), weight_g) == gbp(495 + 100 * started_kg)


def test_shipping_weight_is_the_unit_weight_times_quantity_over_all_lines():
    q = quote([(product("MUG", 1000, weight_g=400, pid=1), 2), (product("TEE", 1000, weight_g=300, pid=2), 1)],
              currency="GBP", country="US", tax=UK_TAX, shipping=STANDARD_SHIPPING)
    assert q.shipping == gbp(495 + 2 * 100)  # 1100 g is two started kilograms


def test_shipping_is_free_from_the_threshold_upwards():
    assert STANDARD_SHIPPING.charge(gbp(10_000), 5000) == gbp(0)


def test_shipping_is_charged_just_below_the_threshold():
    assert STANDARD_SHIPPING.charge(gbp(9_999), 5000) == gbp(495 + 5 * 100)


def test_the_free_shipping_threshold_looks_at_goods_value_before_tax():
    q = quote([(product("LAMP", 9_000), 1)], currency="GBP", country="GB", tax=UK_TAX, shipping=STANDARD_SHIPPING)
    assert q.shipping == gbp(495)  # 90.00 + 20% tax is 108.00, but the goods are under 100.00


def test_a_zero_threshold_means_shipping_is_never_free():
    policy = ShippingPolicy(base_minor=495, per_kg_minor=0, free_over_minor=0)
    assert policy.charge(gbp(1_000_000), 0) == gbp(495)


def test_a_product_priced_in_another_currency_is_refused_and_its_line_named():
    with pytest.raises(InvalidOrder) as raised:
        quote([(product("MUG", 1200), 1), (product("STEIN", 900, currency="EUR"), 1)], currency="GBP",
              country="GB", tax=UK_TAX, shipping=NO_SHIPPING)
    assert (raised.value.code, raised.value.field) == ("order.invalid", "lines.1.sku")


@pytest.mark.parametrize("quantity", [0, -1])
def test_a_line_without_a_positive_quantity_is_refused_and_named(quantity):
    with pytest.raises(InvalidOrder) as raised:
        quote([(product("MUG", 1200), 1), (product("LAMP", 4900), quantity)], currency="GBP", country="GB",
              tax=UK_TAX, shipping=NO_SHIPPING)
    assert (raised.value.code, raised.value.field) == ("order.invalid", "lines.1.quantity")


def test_an_order_without_lines_is_refused():
    with pytest.raises(InvalidOrder) as raised:
        quote([], currency="GBP", country="GB", tax=UK_TAX, shipping=NO_SHIPPING)
    assert raised.value.field == "lines"
