"""The office reads the bank's statement on a phone (360 px): checks it first, imports it, and records by hand
the payment whose reference named no order; each order ends paid and going on, nothing left waiting."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from backend.domain.orders import Order
from tests.e2e.chromium import browser_sign_in, tap_menu
from tests.factories import stored

pytestmark = pytest.mark.browser


def _money(minor: int) -> str:
    return f"{minor // 100}.{minor % 100:02d}"


def test_the_office_checks_imports_and_matches_a_statement_by_hand(phone, live_server, tmp_path, screenshot_dir):
    world, app = live_server.world, live_server.app
    paid_by_reference = world.place([("MUG", 1)], method="bank_transfer")
    paid_without_reference = world.place([("LAMP", 1)], method="bank_transfer")
    with app.app_context():
        first, second = stored(Order, paid_by_reference), stored(Order, paid_without_reference)
    statement = tmp_path / "december.csv"
    statement.write_text("Date,Amount,Reference,Payer\n"
                         f"01/12/2026,{_money(first.total_minor)},{first.number},Casey Doe\n"
                         f"02/12/2026,{_money(second.total_minor)},lamp please,Casey Doe\n"
                         "02/12/2026,-3.50,Bank charges,Bank\n")

    browser_sign_in(phone, world.emails["manager"])
    tap_menu(phone, "Bank")
    expect(phone).to_have_url(re.compile(r"/office/bank/$"))
    phone.get_by_label("Statement file (CSV)").set_input_files(str(statement))
    phone.get_by_role("button", name="Check the file").tap()
    report = phone.locator("[data-statement-report]")
    expect(report).to_contain_text("What importing december.csv would do")
    expect(report).to_contain_text("1 would pay their order in full")
    expect(phone.locator("[data-no-bank-lines]")).to_be_visible()  # a check writes nothing

    phone.get_by_role("button", name="Import").tap()
    expect(report).to_contain_text("december.csv imported")
    line = phone.locator("[data-bank-line]")
    expect(line).to_have_count(1)
    expect(line).to_contain_text("No order found")
    phone.screenshot(path=str(screenshot_dir / "office-bank-transfers.png"), full_page=True)

    line.get_by_label("Which order does it pay?").fill(second.number)
    line.get_by_role("button", name="Record on this order").tap()
    expect(phone.get_by_role("status").or_(phone.locator(".flash"))).to_contain_text(f"Recorded on {second.number}")
    expect(phone.locator("[data-no-bank-lines]")).to_be_visible()
    expect(phone.locator("[data-settled-bank-line]")).to_have_count(2)
    with app.app_context():
        for order_id in (paid_by_reference, paid_without_reference):
            order = stored(Order, order_id)
            assert (order.status, order.payment_status) == ("placed", "paid")


def test_a_statement_with_a_broken_line_names_it_and_records_nothing(phone, live_server, tmp_path):
    world, app = live_server.world, live_server.app
    order_id = world.place([("MUG", 1)], method="bank_transfer")
    with app.app_context():
        order = stored(Order, order_id)
    statement = tmp_path / "broken.csv"
    statement.write_text(f"date,amount,reference\n2026-12-01,{_money(order.total_minor)},{order.number}\n"
                         "2026-12-01,twelve,x\n")
    browser_sign_in(phone, world.emails["owner"])
    phone.goto("/office/bank/")
    phone.get_by_label("Statement file (CSV)").set_input_files(str(statement))
    phone.get_by_role("button", name="Import").tap()
    problem = phone.locator("[data-statement-problem]")
    expect(problem).to_contain_text("1 line cannot be read, so nothing was imported")
    expect(problem).to_contain_text("Line 3: amount: Not an amount")
    with app.app_context():
        assert stored(Order, order_id).payment_status == "awaiting_funds"
