"""Count mode and search on /floor/stock in real Chromium on a 360 px phone: the counter types the total on
the shelf, the row shows the worked-out change, and the same `stock.count` v1 command (with the
on-hand it was worked out from) is recorded online or queued offline; the server refuses a stale count."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from backend.bootstrap import bus
from backend.domain import commands
from backend.domain.access import SYSTEM
from tests.e2e.chromium import PHONE, browser_sign_in
from tests.e2e.phone import chip, on_hand, stock_row, sync_commands

pytestmark = pytest.mark.browser


def _set_on_hand(live_server, sku: str, units: int, warehouse: str = "LON") -> None:
    """Make the shelf hold `units` as the office would (a correction through the bus)."""
    change = units - on_hand(live_server, sku, warehouse)
    if change:
        shop = live_server.world.shop
        with live_server.app.app_context():
            bus().handle(commands.AdjustStock(shop.warehouses[warehouse], shop.products[sku], "adjustment",
                                              on_hand_delta=change), SYSTEM)


def _counted_ten_of_twelve(page) -> None:
    row = stock_row(page, "LAMP")
    row.get_by_label("Counted on the shelf").fill("10")
    expect(row.locator("[data-count-preview]")).to_have_text("Was 12, counted 10: -2")
    row.get_by_role("button", name="Record count").tap()
    expect(row.locator("[data-row-status]")).to_have_text("Saved on this phone: -2.")


def test_search_finds_a_product_by_part_of_its_name(stock_page):
    expect(stock_page.locator("[data-stock-row]")).to_have_count(2)
    stock_page.get_by_label("Find a product (name, SKU or barcode)").fill("duct la")  # the products are named "Product LAMP" ...
    expect(stock_page.locator("[data-stock-row]")).to_have_count(1)
    expect(stock_row(stock_page, "LAMP")).to_be_visible()
    stock_page.get_by_label("Find a product (name, SKU or barcode)").fill("nothing like it")
    expect(stock_page.get_by_text("No product matches “nothing like it”.")).to_be_visible()


def test_a_count_of_10_on_a_shelf_showing_12_records_minus_2_and_the_row_then_shows_10(stock_page, live_server):
    _set_on_hand(live_server, "LAMP", 12)
    stock_page.reload()
    expect(stock_row(stock_page, "LAMP").locator("[data-on-hand]")).to_have_text("12")
    _counted_ten_of_twelve(stock_page)
    expect(stock_row(stock_page, "LAMP").locator("[data-on-hand]")).to_have_text("10")
    expect(stock_row(stock_page, "LAMP").locator("[data-row-status]")).to_have_text("Recorded on the server.")
    assert on_hand(live_server, "LAMP") == 10
    status, kind, payload = sync_commands(live_server, with_type=True)[-1]
    assert (status, kind, payload["on_hand_delta"], payload["expected_on_hand"]) == \
        ("applied", ("stock.count", 1), -2, 12)


def test_the_same_count_made_offline_is_queued_and_synced_and_the_row_then_shows_10(stock_page, live_server):
    _set_on_hand(live_server, "LAMP", 12)
    stock_page.reload()
    expect(stock_row(stock_page, "LAMP").locator("[data-on-hand]")).to_have_text("12")
    stock_page.context.set_offline(True)
    _counted_ten_of_twelve(stock_page)
    expect(chip(stock_page)).to_have_text("Offline – 1 waiting")
    expect(stock_row(stock_page, "LAMP").locator("[data-row-badge]")).to_have_text("Waiting to send: -2")
    assert on_hand(live_server, "LAMP") == 12
    stock_page.context.set_offline(False)
    expect(chip(stock_page)).to_have_text("Synced")
    expect(stock_row(stock_page, "LAMP").locator("[data-on-hand]")).to_have_text("10")
    assert on_hand(live_server, "LAMP") == 10


def test_a_count_made_offline_while_the_shelf_changed_on_the_server_is_refused_not_applied(stock_page,
                                                                                         live_server):
    _set_on_hand(live_server, "LAMP", 12)
    stock_page.reload()
    expect(stock_row(stock_page, "LAMP").locator("[data-on-hand]")).to_have_text("12")
    stock_page.context.set_offline(True)
    _counted_ten_of_twelve(stock_page)
    _set_on_hand(live_server, "LAMP", 15)  # goods booked in at the office meanwhile
    stock_page.context.set_offline(False)
    expect(chip(stock_page)).to_have_text("1 needs attention")
    expect(stock_page.locator("#needs-attention")).to_contain_text(
        "On hand changed from 12 to 15 since this count was started; count the shelf again.")
    assert on_hand(live_server, "LAMP") == 15


def test_the_stock_page_fits_360_px_with_one_row_per_product_for_floor_and_owner(stock_page, live_server,
                                                                                screenshot_dir):
    assert stock_page.evaluate("document.scrollingElement.scrollWidth") <= 360
    skus = stock_page.locator("[data-stock-row]").evaluate_all("rows => rows.map(r => r.dataset.sku)")
    assert sorted(skus) == ["LAMP", "MUG"]
    owner = stock_page.context.browser.new_context(base_url=live_server.url, **PHONE)
    try:
        page = owner.new_page()
        browser_sign_in(page, live_server.world.emails["owner"])
        page.goto("/floor/stock")
        skus = page.locator("[data-stock-row]").evaluate_all("rows => rows.map(r => r.dataset.sku)")
        assert sorted(skus) == sorted(set(skus)) and "MUG" in skus
        mug = stock_row(page, "MUG")
        expect(mug.locator("[data-on-hand]")).to_have_count(2)  # on hand in LON and in MAN, in one row
        expect(mug.get_by_label("Warehouse").first).to_be_visible()
        assert page.evaluate("document.scrollingElement.scrollWidth") <= 360
        page.screenshot(path=str(screenshot_dir / "stock-owner-360.png"), full_page=True)
    finally:
        owner.close()


def test_typing_a_barcode_or_sku_into_the_search_finds_it_where_there_is_no_camera(stock_page, screenshot_dir):
    stock_page.get_by_label("Find a product (name, SKU or barcode)").fill("MUG")
    stock_page.get_by_role("button", name="Find").tap()
    expect(stock_page.locator("[data-stock-row]")).to_have_count(1)
    expect(stock_page).to_have_url(re.compile(r"/floor/stock$"))  # found in place, the page kept
    stock_page.screenshot(path=str(screenshot_dir / "stock-floor-360.png"), full_page=True)


def test_a_product_lon_has_no_level_for_is_found_by_search_and_counted_in_from_the_phone(stock_page, live_server):
    stock_page.get_by_label("Find a product (name, SKU or barcode)").fill("TEE")  # stocked in Manchester only
    row = stock_row(stock_page, "TEE")
    expect(row.locator("[data-not-stocked]")).to_have_text("Not stocked here yet: a count adds it")
    row.get_by_label("Counted on the shelf").fill("3")
    expect(row.locator("[data-count-preview]")).to_have_text("Was 0, counted 3: +3")
    row.get_by_role("button", name="Record count").tap()
    expect(row.locator("[data-row-status]")).to_have_text("Recorded on the server.")
    expect(row.locator("[data-on-hand]")).to_have_text("3")
    assert on_hand(live_server, "TEE") == 3
    status, kind, payload = sync_commands(live_server, with_type=True)[-1]
    assert (status, kind, payload["expected_on_hand"]) == ("applied", ("stock.count", 1), 0)
