"""A split order with one parcel missed at the door, in real Chromium on a 360 px phone.

Casey's 7 TEE come in two parcels (London 2, Manchester 5), both on today's vans. London's is missed (no one
home): Casey's order page and tracking page say "We missed you" about part 1 of 2 and show part 2 still on its
way with its arrival time; the office sees the missed parcel on the order page and returns it to the warehouse
from the dispatch page. Manchester's is delivered: the order ends Delivered, part 1 reads "Returned to us", the
returned units are back on London's shelf and the ledger balances. Screenshots: test-output/screens.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from backend.adapters.tables import stock_levels
from backend.adapters.unit_of_work import SqlAlchemyUnitOfWork
from backend.bootstrap import bus
from backend.domain import commands
from backend.extensions import db
from tests.e2e.conftest import PHONE, UNLABELLED_CONTROLS, browser_sign_in
from tests.e2e.split_parts import split_order_with_a_missed_part
from tests.factories import blob_ref
from tests.ledger import assert_ledger_balanced

pytestmark = pytest.mark.browser

NO_SIDEWAYS_SCROLL = "() => document.documentElement.scrollWidth <= window.innerWidth"


@pytest.fixture
def screens(screenshot_dir) -> Path:
    """This test's screenshots, kept with the run's others (tests/e2e/chromium.py: screenshot_dir)."""
    return screenshot_dir


def _phone(browser, live):
    context = browser.new_context(base_url=live.url, **PHONE)
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    return context, page, errors


def _status(live, order_id: int) -> str:
    with live.app.app_context():
        return SqlAlchemyUnitOfWork(db.session).orders.get(order_id).status


def _tee_in_london(live) -> int:
    shop = live.world.shop
    with live.app.app_context():
        return db.session.execute(sa.select(stock_levels.c.on_hand).where(
            stock_levels.c.product_id == shop.products["TEE"],
            stock_levels.c.warehouse_id == shop.warehouses["LON"])).scalar_one()


def _check_missed_part_one_of_two(page) -> None:
    expect(page.get_by_role("heading", name="We missed you")).to_be_visible()
    expect(page.locator("[data-next-step-part]")).to_have_text(re.compile(
        r"About part 1 of 2 \(2 × Product TEE\): the rest of your order comes separately\."))
    expect(page.locator("[data-next-step]")).to_contain_text("we will try again on another day")
    first, second = page.locator('[data-part="1"]'), page.locator('[data-part="2"]')
    expect(first).to_contain_text("Part 1 of 2: We missed you")
    expect(first).to_contain_text("1 missed delivery so far.")
    expect(first).not_to_contain_text("Expected around")
    expect(second).to_contain_text("Part 2 of 2: On its way: out for delivery today")
    expect(second).to_contain_text("5 × Product TEE")
    expect(second).to_contain_text(re.compile(r"Expected around \d{2}:\d{2}"))
    assert page.evaluate(NO_SIDEWAYS_SCROLL) and page.evaluate(UNLABELLED_CONTROLS) == []


def test_the_customer_sees_a_missed_parcel_of_a_split_order_and_the_order_ends_with_one_part_returned(
        browser, live_server, screens):
    world = live_server.world
    split = split_order_with_a_missed_part(live_server.app, world)
    order_id, number = split["order_id"], f"WB-{split['order_id']:06d}"
    london_before = _tee_in_london(live_server)

    # Casey's order page and tracking page: "We missed you" about part 1, part 2 still on its way.
    context, customer, customer_errors = _phone(browser, live_server)
    browser_sign_in(customer, world.emails["customer"])
    customer.goto(f"/orders/{order_id}")
    _check_missed_part_one_of_two(customer)
    customer.screenshot(path=str(screens / "split-missed-order-page-customer.png"), full_page=True)
    customer.goto(f"/track/{split['token']}")
    _check_missed_part_one_of_two(customer)
    expect(customer.locator("[data-delivery]")).to_have_count(0)  # not only the latest shipment
    customer.screenshot(path=str(screens / "split-missed-tracking.png"), full_page=True)

    # The office sees which parcel was missed and returns it to the warehouse from the dispatch page.
    office_context, office, office_errors = _phone(browser, live_server)
    browser_sign_in(office, world.emails["owner"])
    office.goto(f"/orders/{order_id}")
    expect(office.locator("[data-missed-part]")).to_contain_text("About the parcel from")
    expect(office.locator("[data-missed-part]")).to_contain_text("2 units")
    expect(office.get_by_role("link", name=re.compile("Decide on the dispatch page"))).to_be_visible()
    office.screenshot(path=str(screens / "split-missed-order-page-office.png"), full_page=True)
    office.goto("/dispatch")
    card = office.locator(f'[data-missed-shipment="{split["shipments"]["LON"]}"]')
    expect(card).to_contain_text("Delivery attempt failed: no one home")
    card.get_by_role("button", name=re.compile("^Return to the warehouse")).tap()
    expect(office.locator(".flash").first).to_contain_text(f"{number} is returned")
    expect(office.locator(f'[data-missed-shipment="{split["shipments"]["LON"]}"]')).to_have_count(0)
    assert _tee_in_london(live_server) == london_before + 2
    assert _status(live_server, order_id) == "out_for_delivery"  # Manchester's parcel is still in the van

    # Manchester's parcel is handed over: the order has reached its end.
    ref = blob_ref()
    with live_server.app.app_context():
        bus().handle(commands.ConfirmDelivery(split["manchester_stop"], "Casey Customer", (commands.BlobRef(
            ref["id"], ref["sha256"], ref["size"], ref["type"], ref["role"]),)), world.actor("driver"))
    assert _status(live_server, order_id) == "delivered"
    customer.goto(f"/orders/{order_id}")
    expect(customer.get_by_role("heading", name="Returned to us")).to_be_visible()
    expect(customer.locator('[data-part="1"]')).to_contain_text("Part 1 of 2: Returned to us")
    expect(customer.locator('[data-part="1"] [data-part-attempts]')).to_have_text("1 missed delivery.")
    expect(customer.locator('[data-part="2"]')).to_contain_text("Part 2 of 2: Delivered")
    assert customer.evaluate(NO_SIDEWAYS_SCROLL)
    customer.screenshot(path=str(screens / "split-one-returned-order-page-customer.png"), full_page=True)
    context.close()
    office_context.close()
    assert customer_errors == office_errors == []
    with live_server.app.app_context():
        assert_ledger_balanced(db.engine)
