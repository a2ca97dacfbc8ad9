"""The CSV import page in headless Chromium at 360 px: a manager picks a file from the menu, reads every
problem of a broken one, then imports a good one and watches it finish with its report."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.csv_files import order_row, orders_csv
from tests.e2e.conftest import UNLABELLED_CONTROLS, browser_sign_in, tap_menu

pytestmark = pytest.mark.browser


def _choose(page, kind: str, name: str, body: bytes) -> None:
    page.get_by_role("radio", name=kind).check()  # (the menu has an "Orders" list too)
    page.get_by_label(re.compile("CSV file")).set_input_files(files=[{"name": name, "mimeType": "text/csv",
                                                                       "buffer": body}])
    page.get_by_role("button", name="Upload and check").tap()


def test_a_manager_imports_orders_on_a_phone_after_fixing_a_broken_file(phone, live_server):
    browser_sign_in(phone, live_server.world.emails["manager"])
    tap_menu(phone, "Import")
    expect(phone).to_have_url(re.compile(r"/office/imports/$"))
    expect(phone.locator("#csv-help")).to_contain_text("order_ref")
    assert phone.evaluate(UNLABELLED_CONTROLS) == []
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360  # nothing wider than the phone

    _choose(phone, "Orders", "orders.csv", orders_csv(order_row("A-1"), order_row("A-2", "NOPE"),
                                                      order_row("A-3", quantity="lots")))
    problems = phone.locator("#problems li")
    expect(problems).to_have_count(2)
    expect(problems.nth(0)).to_contain_text("Line 3")
    expect(problems.nth(1)).to_contain_text("Line 4")
    expect(phone.get_by_role("button", name=re.compile("^Import"))).to_have_count(0)

    phone.get_by_role("link", name="upload the file again").tap()
    _choose(phone, "Orders", "orders.csv", orders_csv(order_row("A-1", "MUG", "2"), order_row("A-1", "LAMP", "1"),
                                                      order_row("A-2", "TEE", "1")))
    expect(phone.locator("#preview tbody tr")).to_have_count(2)
    phone.get_by_role("button", name="Import 3 rows").tap()
    expect(phone.locator("#import-report")).to_contain_text("2 orders created", timeout=20_000)
    expect(phone.locator("#import-status")).to_have_attribute("data-status", "imported")
