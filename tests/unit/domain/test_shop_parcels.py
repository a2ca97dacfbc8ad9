"""What a shop is told a parcel of a split order holds: its own units only, and which lines of Shopify's
fulfillment orders those are."""
from __future__ import annotations

import pytest

from backend.domain.fulfilment import FulfilmentPart, PartStatus
from backend.domain.orders import Order, OrderLine
from backend.domain.shop_parcels import ParcelItem, ParcelNotMatched, parcel_contents, shopify_parcel_lines

LONDON, MANCHESTER = 1, 2


def _order() -> Order:
    """An order of 7 MUG (product 5, line 11) and 1 LAMP (product 6, line 12)."""
    order = Order(customer_id=1, channel="shopify-uk", currency="GBP", payment_method="card", payment_status="paid",
                  shipping_address={}, billing_address={}, subtotal_minor=0, shipping_minor=0, tax_minor=0,
                  total_minor=0, tracking_token="t")
    for line_id, product_id, sku, units in ((11, 5, "MUG", 7), (12, 6, "LAMP", 1)):
        line = OrderLine(product_id, sku, sku.title(), units, 1200, 1000, 200)
        line.id = line_id
        order.lines.append(line)
    return order


def _part(warehouse_id: int, status: PartStatus, **units_by_line) -> FulfilmentPart:
    by_line = {int(line_id[1:]): units for line_id, units in units_by_line.items()}
    return FulfilmentPart(warehouse_id, sum(by_line.values()), status=status, units_by_line=by_line)


def test_a_parcel_of_a_split_order_carries_its_parts_units_and_is_not_the_last_while_another_waits():
    parts = [_part(LONDON, PartStatus.SHIPPED, l11=5, l12=1), _part(MANCHESTER, PartStatus.PICKED, l11=2)]
    contents = parcel_contents(_order(), parts, LONDON)
    assert (contents.units, contents.split, contents.last) == (((5, "MUG", 5), (6, "LAMP", 1)), True, False)


def test_the_parcel_that_leaves_after_every_other_part_is_the_last():
    parts = [_part(LONDON, PartStatus.DELIVERED, l11=5, l12=1), _part(MANCHESTER, PartStatus.SHIPPED, l11=2)]
    contents = parcel_contents(_order(), parts, MANCHESTER)
    assert (contents.units, contents.split, contents.last) == (((5, "MUG", 2),), True, True)


def test_an_order_in_one_part_or_shipped_before_orders_were_split_is_the_whole_order():
    whole = ((5, "MUG", 7), (6, "LAMP", 1))
    one_part = [_part(LONDON, PartStatus.SHIPPED, l11=7, l12=1)]
    assert parcel_contents(_order(), one_part, LONDON) == parcel_contents(_order(), one_part, None)
    assert parcel_contents(_order(), one_part, LONDON).units == whole
    assert not parcel_contents(_order(), one_part, LONDON).split


def _fulfillment_order(fo_id: int, status: str, *lines) -> dict:
    return {"id": fo_id, "status": status, "line_items": [
        {"id": line_id, "line_item_id": line_item_id, "inventory_item_id": inventory_item_id,
         "fulfillable_quantity": left} for line_id, line_item_id, inventory_item_id, left in lines]}


def test_a_parcel_takes_its_units_from_the_lines_of_its_products_up_to_what_each_can_still_fulfil():
    orders = [_fulfillment_order(1, "closed", (101, 9001, 808, 0)),
              _fulfillment_order(2, "in_progress", (201, 9001, 808, 3), (202, 9002, 809, 4)),
              _fulfillment_order(3, "open", (301, 9001, 808, 4))]
    lines = shopify_parcel_lines([ParcelItem("MUG", 5, "808")], orders, {})
    assert lines == [{"fulfillment_order_id": 2, "fulfillment_order_line_items": [{"id": 201, "quantity": 3}]},
                     {"fulfillment_order_id": 3, "fulfillment_order_line_items": [{"id": 301, "quantity": 2}]}]


def test_a_parcel_the_shop_already_counts_as_sent_asks_for_nothing():
    orders = [_fulfillment_order(1, "closed", (101, 9001, 808, 0))]
    assert shopify_parcel_lines([ParcelItem("MUG", 5, "808")], orders, {}) == []


def test_a_product_not_listed_is_found_by_the_sku_of_the_shops_order_line():
    orders = [_fulfillment_order(2, "open", (201, 9001, 808, 7), (202, 9002, 809, 1))]
    lines = shopify_parcel_lines([ParcelItem("LAMP", 1)], orders, {9001: "MUG", 9002: "LAMP"})
    assert lines == [{"fulfillment_order_id": 2, "fulfillment_order_line_items": [{"id": 202, "quantity": 1}]}]


@pytest.mark.parametrize("item, skus", [(ParcelItem("MUG", 5, "999"), {9001: "MUG"}),
                                        (ParcelItem("MUG", 5), {9001: "MUG-OLD"}),
                                        (ParcelItem("", 5), {9001: ""})])
def test_a_product_the_shops_order_has_no_line_of_is_refused_rather_than_guessed(item, skus):
    orders = [_fulfillment_order(2, "open", (201, 9001, 808, 7))]
    with pytest.raises(ParcelNotMatched):
        shopify_parcel_lines([item], orders, skus)


def test_a_broken_answer_counts_as_nothing_left_to_fulfil():
    orders = [{"id": 2, "status": "open", "line_items": [
        {"id": 201, "inventory_item_id": 808, "fulfillable_quantity": "7"}, "junk"]}]
    assert shopify_parcel_lines([ParcelItem("MUG", 5, "808")], orders, {}) == []
