"""A missed delivery from start to end in real Chromium at 360 px: the driver records "No one home" on the
phone, the customer's tracking page says we missed you and what happens next, and the office decides on the
dispatch page. Re-attempted on a later run it is delivered; failed up to the shop's limit it goes back to the
sender by itself, the office is told, and its stock is back on the shelf. Each ends with the ledger balanced."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from backend.adapters.tables import orders, stock_levels
from backend.domain.orders import Order
from backend.extensions import db
from tests.e2e.conftest import CHROMIUM, CHROMIUM_FLAGS, PHONE, _app_on_copy, browser_sign_in, serving
from tests.e2e.driver_phone import card, confirm_stop, open_phone, png, sign_in_driver
from tests.e2e.phone import chip
from tests.factories import run_out_for_delivery, stored
from tests.ledger import assert_ledger_balanced

pytestmark = pytest.mark.browser


@pytest.fixture
def shots(screenshot_dir) -> Path:
    """This test's screenshots, kept with the run's others (tests/e2e/chromium.py: screenshot_dir)."""
    return screenshot_dir


@pytest.fixture
def two_attempts(tmp_path, world_template):
    """A live server whose shop sends a parcel back after two failed attempts (WAYBILL_MAX_DELIVERY_ATTEMPTS)."""
    application = _app_on_copy(world_template[0], tmp_path / "live.db", WAYBILL_MAX_DELIVERY_ATTEMPTS=2)
    with serving(application, world_template[1]) as server:
        yield server


@pytest.fixture
def office_browser(playwright):
    """A second Chromium for the office's and the customer's pages (the driver's phone has its own profile)."""
    chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True)
    yield chromium
    chromium.close()


def new_page(office_browser, server):
    context = office_browser.new_context(base_url=server.url, **PHONE)
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    return page, errors


def one_parcel_out(server):
    """One own-fleet parcel on the driver's started run today: (order id, tracking token)."""
    world = server.world
    _, _, order_ids = run_out_for_delivery(world.shop, world.actor("manager"), world.user_ids["driver"], stops=1)
    with server.app.app_context():
        token = db.session.execute(sa.select(orders.c.tracking_token).where(orders.c.id == order_ids[0])).scalar_one()
    return order_ids[0], token


def order_status(server, order_id) -> str:
    with server.app.app_context():
        return stored(Order, order_id).status


def mugs_on_hand(server) -> int:
    with server.app.app_context():
        return db.session.execute(sa.select(sa.func.sum(stock_levels.c.on_hand)).where(
            stock_levels.c.product_id == server.world.shop.products["MUG"])).scalar_one()


def driver_fails_the_stop(page, server, order_id):
    """On the phone: "No one home" at stop 1, sent, and the stop says what happens next."""
    page.goto("/driver")
    expect(card(page, 1)).to_be_visible()
    card(page, 1).get_by_role("link", name="Open stop 1").tap()
    expect(page.get_by_role("heading", name="What happens next")).to_be_hidden()
    page.get_by_label("Reason").select_option("no_one_home")
    page.get_by_label("Note (optional)").fill("card through the door")
    page.get_by_role("button", name="Record failed attempt").tap()
    expect(page.locator("[data-stop-card] > [data-row-status]")).to_have_text(
        "Saved on this phone: not delivered (No one home).")
    # Before any answer from the server, the phone already says what to do with the parcel.
    expect(page.get_by_role("heading", name="What happens next")).to_be_visible()
    page.get_by_role("link", name="Back to the run").tap()
    expect(chip(page)).to_have_text("Synced", timeout=30_000)
    expect(card(page, 1).locator("[data-stop-status]")).to_have_text("Not delivered")
    card(page, 1).get_by_role("link", name="Open stop 1").tap()
    expect(page.get_by_role("heading", name="What happens next")).to_be_visible()


def office_decides(page, order_id, button: str):
    """On the dispatch page: the missed parcel, and the office's decision on it."""
    page.goto("/dispatch")
    missed = page.locator("[data-missed-shipment]").filter(has_text=f"WB-{order_id:06d}")
    expect(missed).to_contain_text("Delivery attempt failed: no one home")
    missed.get_by_role("button", name=re.compile("^" + re.escape(button))).tap()


def office_puts_it_on_a_run(page, order_id):
    """Waiting for a run again: build the driver's run with it and dispatch it."""
    waiting = page.locator("form.build-run")
    expect(waiting).to_contain_text(f"WB-{order_id:06d}")
    waiting.get_by_role("button", name="Build run (nearest first)").tap()
    expect(page.locator(".flash").first).to_contain_text("Run planned: 1 stop.")
    page.get_by_role("button", name=re.compile("^Dispatch now")).first.tap()
    expect(page.locator(".flash").first).to_contain_text("Run started")


def test_a_missed_parcel_is_reattempted_on_a_later_run_and_delivered(playwright, live_server, office_browser,
                                                                     tmp_path, shots):
    server = live_server
    order_id, token = one_parcel_out(server)
    context, driver, driver_errors = open_phone(playwright, server, tmp_path / "profile")
    sign_in_driver(driver, server.world.emails["driver"])
    driver_fails_the_stop(driver, server, order_id)
    expect(driver.locator("[data-next-step]")).to_contain_text("Attempt 1 of 3. Keep the parcel in the van")
    driver.screenshot(path=str(shots / "driver-failed-stop.png"), full_page=True)
    assert order_status(server, order_id) == "delivery_failed"

    customer, customer_errors = new_page(office_browser, server)
    customer.goto(f"/track/{token}")
    expect(customer.get_by_role("heading", name="We missed you")).to_be_visible()
    expect(customer.locator("[data-next-step]")).to_contain_text("we will try again on another day")
    expect(customer.locator("body")).not_to_contain_text("Expected around")
    customer.screenshot(path=str(shots / "tracking-missed.png"), full_page=True)

    office, office_errors = new_page(office_browser, server)
    browser_sign_in(office, server.world.emails["owner"])
    office.goto(f"/orders/{order_id}")
    expect(office.locator("[data-delivery-problem]")).to_contain_text("Delivery attempt failed: no one home")
    office.screenshot(path=str(shots / "office-order-missed.png"), full_page=True)
    office.goto("/dispatch")
    expect(office.get_by_role("heading", name="Missed deliveries (1)")).to_be_visible()
    office.screenshot(path=str(shots / "office-decision.png"), full_page=True)
    office_decides(office, order_id, "Try again on a later run")
    expect(office.locator(".flash").first).to_have_text(
        f"WB-{order_id:06d} is waiting for a run again: put it on a driver's run below.")
    assert order_status(server, order_id) == "awaiting_redelivery"
    customer.reload()
    expect(customer.get_by_role("heading", name="We will try again")).to_be_visible()
    office_puts_it_on_a_run(office, order_id)
    assert order_status(server, order_id) == "out_for_delivery"
    customer.reload()
    expect(customer.locator("[data-next-step]")).to_have_count(0)
    expect(customer.locator("[data-stops-before]")).to_have_text("You are the next stop.")

    driver.goto("/driver")
    confirm_stop(driver, 1, "Casey Customer", png(400, 300))
    expect(chip(driver)).to_have_text("Synced", timeout=30_000)
    expect(card(driver, 1).locator("[data-stop-status]")).to_have_text("Delivered")
    assert order_status(server, order_id) == "delivered"
    customer.reload()
    expect(customer.locator("[data-proof]")).to_contain_text("Casey Customer")
    with server.app.app_context():
        assert_ledger_balanced(db.engine)
    context.close()
    assert driver_errors == customer_errors == office_errors == []


def test_failed_up_to_the_limit_it_goes_back_to_the_sender_with_an_exception_and_stock_back(
        playwright, two_attempts, office_browser, tmp_path, shots):
    server = two_attempts
    on_hand_before = mugs_on_hand(server)
    order_id, token = one_parcel_out(server)
    assert mugs_on_hand(server) == on_hand_before - 1
    context, driver, driver_errors = open_phone(playwright, server, tmp_path / "profile")
    sign_in_driver(driver, server.world.emails["driver"])
    office, office_errors = new_page(office_browser, server)
    browser_sign_in(office, server.world.emails["manager"])

    driver_fails_the_stop(driver, server, order_id)
    expect(driver.locator("[data-next-step]")).to_contain_text("Attempt 1 of 2")
    office_decides(office, order_id, "Try again on a later run")
    office_puts_it_on_a_run(office, order_id)

    driver_fails_the_stop(driver, server, order_id)  # the second attempt: the shop's limit
    expect(driver.locator("[data-next-step]")).to_contain_text("That was the last attempt (2 of 2)")
    expect(driver.locator(".office-problem")).to_have_count(0)  # the office's news, not the driver's job
    driver.screenshot(path=str(shots / "driver-last-attempt.png"), full_page=True)
    assert order_status(server, order_id) == "returned"
    assert mugs_on_hand(server) == on_hand_before  # back on the shelf, through the ledger

    office.goto("/office/exceptions/")
    expect(office.locator("body")).to_contain_text(
        f"WB-{order_id:06d} could not be delivered after 2 attempts, so it goes back to the warehouse")
    office.goto("/dispatch")
    expect(office.locator("[data-missed-shipment]")).to_have_count(0)  # nothing left to decide
    office.goto(f"/orders/{order_id}")
    expect(office.locator("h1 .status")).to_have_text("returned")
    expect(office.locator("[data-delivery-problem]")).to_contain_text("Returned: its stock is back on the shelf.")

    customer, customer_errors = new_page(office_browser, server)
    customer.goto(f"/track/{token}")
    expect(customer.get_by_role("heading", name="Returned to us")).to_be_visible()
    customer.screenshot(path=str(shots / "tracking-returned.png"), full_page=True)
    with server.app.app_context():
        assert_ledger_balanced(db.engine)
    context.close()
    assert driver_errors == customer_errors == office_errors == []
