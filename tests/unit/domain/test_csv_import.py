"""Reading CSV files of orders and of products: every problem named by its line, orders grouped by reference."""
from __future__ import annotations

import io

import pytest

from backend.domain.csv_import import (ORDERS, PRODUCTS, CsvFileProblem, ImportedOrder, ImportedStock, RowProblem,
                                       grouped_orders, money_to_minor, reader, stock_row)
from tests.csv_files import order_row, orders_csv, products_csv


def _orders(body: bytes) -> list:
    return list(grouped_orders(reader(ORDERS, io.StringIO(body.decode()))))


@pytest.mark.parametrize("text, minor", [("12.50", 1250), ("12.5", 1250), ("0", 0), ("7.05", 705), ("100", 10000)])
def test_a_price_in_money_becomes_integer_minor_units(text, minor):
    assert money_to_minor(text) == minor


@pytest.mark.parametrize("text", ["12.505", "-1", "1,50", "abc", "", "1e3"])
def test_a_price_that_is_not_money_is_refused(text):
    with pytest.raises(ValueError):
        money_to_minor(text)


def test_consecutive_rows_with_one_reference_are_one_order_with_its_lines():
    found = _orders(orders_csv(order_row("A-1", "MUG", "2"), order_row("A-1", "LAMP", "1"), order_row("A-2")))
    assert [(o.reference, o.line, [(sku, q) for sku, q, _ in o.lines]) for o in found] == [
        ("A-1", 2, [("MUG", 2), ("LAMP", 1)]), ("A-2", 4, [("MUG", 1)])]


def test_every_broken_row_is_named_by_its_line_and_column():
    found = _orders(orders_csv(order_row("A-1", quantity="0"), order_row("A-2", method="cheque"),
                               order_row("A-3", email="not-an-email"), order_row("", "MUG")))
    assert [(p.line, p.column) for p in found if isinstance(p, RowProblem)] == [
        (2, "quantity"), (3, "payment_method"), (4, "email"), (5, "order_ref")]
    assert not [o for o in found if isinstance(o, ImportedOrder)]


def test_a_reference_met_again_after_other_orders_is_a_problem():
    found = _orders(orders_csv(order_row("A-1"), order_row("A-2"), order_row("A-1")))
    assert [(p.line, p.column) for p in found if isinstance(p, RowProblem)] == [(4, "order_ref")]


def test_blank_lines_are_skipped_and_line_numbers_stay_those_of_the_file():
    found = _orders(orders_csv(order_row("A-1"), ",,,,,,,,,,,,\n", order_row("A-2", quantity="x")))
    assert [(p.line, p.column) for p in found if isinstance(p, RowProblem)] == [(4, "quantity")]


def test_a_header_without_a_required_column_is_a_problem_of_the_whole_file():
    with pytest.raises(CsvFileProblem, match="missing: sku, quantity"):
        list(reader(ORDERS, io.StringIO("order_ref,email,name,address_line1,city,postcode,country,payment_method\n")))


def test_a_products_row_keeps_what_it_leaves_empty():
    [(line, row)] = list(reader(PRODUCTS, io.StringIO(products_csv("MUG,,,LON,5,A-01\n").decode())))
    assert stock_row(line, row) == ImportedStock(2, "MUG", None, None, "LON", 5, "A-01")


def test_a_products_row_with_a_bad_count_and_price_lists_both():
    [(line, row)] = list(reader(PRODUCTS, io.StringIO(products_csv("MUG,Mug,12.999,LON,-3,\n").decode())))
    assert [(p.line, p.column) for p in stock_row(line, row)] == [(2, "price"), (2, "on_hand")]
