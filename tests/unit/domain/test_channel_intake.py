"""What a shop sends, read in Waybill's words: signatures, amounts, the two shops' payloads, and why one waits."""
from __future__ import annotations

import pytest

from backend.adapters.channel_payloads import Shopify, WooCommerce, payment_method
from backend.domain.channel_intake import (corrected, merged_lines, problems_of, signature_valid, to_minor,
                                           totals_difference)
from tests.shop_webhooks import body_of, shopify_order, signature, woo_order


def test_a_signature_is_the_base64_hmac_of_the_raw_body_under_the_secret():
    body = body_of(shopify_order())
    assert signature_valid("s3cret-s3cret-s3cret", body, signature("s3cret-s3cret-s3cret", body))
    assert not signature_valid("s3cret-s3cret-s3cret", body + b" ", signature("s3cret-s3cret-s3cret", body))
    assert not signature_valid("s3cret-s3cret-s3cret", body, signature("another-secret-here", body))
    assert not signature_valid("s3cret-s3cret-s3cret", body, None)
    assert not signature_valid("s3cret-s3cret-s3cret", body, "")
    assert not signature_valid("s3cret-s3cret-s3cret", body, "Ünïcode≠base64")


@pytest.mark.parametrize("amount, currency, minor", [("19.99", "GBP", 1999), (19.9, "GBP", 1990), ("1500", "JPY", 1500),
                                                     ("1.234", "KWD", 1234), ("", "GBP", None), ("abc", "GBP", None),
                                                     (None, "GBP", None), ("NaN", "GBP", None)])
def test_shop_amounts_become_minor_units_of_their_currency(amount, currency, minor):
    assert to_minor(amount, currency) == minor


def test_a_shopify_order_reads_as_waybill_words():
    order = Shopify.order_from(shopify_order(order_id=42, lines=(("MUG", 2, "12.00"), ("LAMP", 1, "49.00"))))
    assert (order.channel_order_id, order.number, order.currency, order.email) == ("42", "#1042", "GBP", "jon@example.com")
    assert [(line.sku, line.quantity, line.unit_price_minor) for line in order.lines] == [("MUG", 2, 1200), ("LAMP", 1, 4900)]
    assert order.shipping_address["line1"] == "12 Elm Street" and order.shipping_address["postcode"] == "LS1 4AP"
    assert order.shipping_address["country"] == "GB" and order.shipping_address["name"] == "Jon Snow"
    assert (order.total_minor, order.subtotal_minor, order.tax_minor, order.shipping_minor) == (3399, 2400, 400, 599)
    assert order.payment_method == "card" and order.note == "Leave with the neighbour"


def test_a_woocommerce_order_reads_as_waybill_words():
    order = WooCommerce.order_from(woo_order(order_id=727, lines=(("MUG", 2, 12.0),), method="cod", note="Ring"))
    assert (order.channel_order_id, order.number, order.email) == ("727", "727", "john.doe@example.com")
    assert [(line.sku, line.quantity, line.unit_price_minor) for line in order.lines] == [("MUG", 2, 1200)]
    assert order.shipping_address["line1"] == "969 Market Street" and order.shipping_address["country"] == "GB"
    assert (order.total_minor, order.subtotal_minor, order.tax_minor, order.shipping_minor) == (3399, 2400, 400, 599)
    assert order.payment_method == "cash_on_delivery" and order.note == "Ring"


@pytest.mark.parametrize("gateways, method", [(["shopify_payments"], "card"), (["paypal"], "paypal"),
                                              (["ppcp-gateway"], "paypal"), (["Cash on Delivery (COD)"], "cash_on_delivery"),
                                              (["cod"], "cash_on_delivery"), (["bacs"], "bank_transfer"),
                                              (["manual"], "bank_transfer"), (["stripe"], "card"), ([""], "card")])
def test_the_shops_gateways_become_waybill_payment_methods(gateways, method):
    assert payment_method(gateways) == method


def test_a_payload_that_is_not_an_order_maps_to_an_order_with_reasons_not_an_error():
    order = Shopify.order_from({"id": 1, "line_items": "nonsense", "shipping_address": ["x"], "currency": 7})
    reasons = {r["code"] for r in problems_of(order, known_skus={"MUG"}, shop_currency="GBP")}
    assert {"currency.unknown", "lines.missing", "address.incomplete", "customer.email_missing"} <= reasons


def test_an_order_waits_for_every_reason_at_once():
    order = Shopify.order_from(shopify_order(lines=(("MUG", 1, "12.00"), ("XL", 1, "1.00")), currency="USD",
                                             address={"name": "Jon", "address1": "", "zip": "", "city": "Leeds",
                                                      "country_code": "GBR"}))
    codes = [r["code"] for r in problems_of(order, known_skus={"MUG"}, shop_currency="GBP")]
    assert codes == ["currency.unknown", "sku.unknown", "address.incomplete", "address.incomplete", "address.country"]


def test_corrections_map_skus_and_fix_the_address_and_lines_mapped_together_are_counted_once():
    order = Shopify.order_from(shopify_order(lines=(("MUG-XL", 1, "12.00"), ("MUG", 2, "12.00"))))
    fixed = corrected(order, sku_map={"MUG-XL": "MUG"}, shipping_address={"postcode": "LS2 7EW", "country": "gb"})
    assert merged_lines(fixed) == (("MUG", 3),)
    assert fixed.shipping_address["postcode"] == "LS2 7EW" and fixed.shipping_address["country"] == "GB"


def test_the_totals_difference_is_the_shop_minus_waybill_and_none_where_the_shop_sent_nothing():
    order = WooCommerce.order_from(woo_order(total="16.95", tax="2.00", shipping="4.95"))
    diff = totals_difference(order, subtotal_minor=2400, tax_minor=480, shipping_minor=495, total_minor=3375)
    assert diff["difference"] == {"subtotal": 0, "tax": -280, "shipping": 0, "total": 1695 - 3375}
    assert totals_difference(Shopify.order_from({"id": 1}), subtotal_minor=1, tax_minor=1, shipping_minor=0,
                             total_minor=2)["difference"]["total"] is None
