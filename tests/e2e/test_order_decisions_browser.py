"""Real Chromium at 360 px: a cancel is asked about first (naming the order and its stock), nothing changes
until it is confirmed, the message says what happened, and Undo brings the order back with its stock."""
from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from backend.adapters.tables import stock_levels
from backend.domain import commands
from backend.extensions import db
from tests.e2e.conftest import PHONE, UNLABELLED_CONTROLS, browser_sign_in
from tests.factories import LEEDS, run
from tests.ledger import assert_ledger_balanced

pytestmark = pytest.mark.browser


@pytest.fixture
def shots(screenshot_dir) -> Path:
    """This test's screenshots, kept with the run's others (tests/e2e/chromium.py: screenshot_dir)."""
    return screenshot_dir


def _state(app, order_id: int) -> tuple:
    """(status, payment status, reserved units per (warehouse id, product id)) as stored."""
    with app.app_context():
        status, payment = db.session.execute(sa.text("SELECT status, payment_status FROM orders WHERE id = :id"),
                                             {"id": order_id}).one()
        reserved = {(w, p): r for w, p, r in db.session.execute(
            sa.select(stock_levels.c.warehouse_id, stock_levels.c.product_id, stock_levels.c.reserved)) if r}
        return status, payment, reserved


def test_a_cancel_is_confirmed_then_undone_and_the_order_is_back_with_its_stock(phone, live_server, shots):
    world, app = live_server.world, live_server.app
    order_id = world.place([("MUG", 2)])  # Casey in Leeds: Manchester ("MAN warehouse") is nearest
    run(app, commands.AcceptOrder(order_id), world.actor("owner"))
    number = f"WB-{order_id:06d}"
    before = _state(app, order_id)
    assert before[0] == "allocated" and sum(before[2].values()) == 2

    browser_sign_in(phone, world.emails["owner"], lands_on="/orders/")
    phone.goto(f"/orders/{order_id}")
    phone.get_by_role("button", name="Cancel order…").tap()
    heading = phone.get_by_role("heading", name=f"{number} will be cancelled.")
    expect(heading).to_be_focused()  # a screen reader starts on what is being asked
    panel = phone.locator("#decision-panel")
    expect(panel).to_contain_text("Its 2 reserved units go back on the shelf in MAN warehouse.")
    expect(panel).to_contain_text("You can undo this for 30 seconds afterwards.")
    assert phone.evaluate(UNLABELLED_CONTROLS) == []
    assert phone.evaluate("document.scrollingElement.scrollWidth") <= 360
    phone.screenshot(path=str(shots / "owner-cancel-confirmation-360.png"), full_page=True)

    # Not confirming changes nothing.
    phone.get_by_role("link", name=f"No, keep {number} as it is").tap()
    expect(phone.locator("h1 .status")).to_have_text("allocated")
    assert _state(app, order_id) == before

    phone.get_by_role("button", name="Cancel order…").tap()
    phone.get_by_label("Reason (optional)").press_sequentially("customer phoned")
    phone.get_by_role("button", name=f"Yes, cancel {number}").tap()
    expect(phone.locator("h1 .status")).to_have_text("cancelled")
    outcome = phone.get_by_role("status")
    expect(outcome).to_contain_text(f"{number} cancelled: 2 units back in stock in MAN warehouse.")
    expect(phone.locator("#decision-outcome .flash")).to_be_focused()
    assert _state(app, order_id)[2] == {}
    phone.screenshot(path=str(shots / "owner-cancelled-with-undo-360.png"), full_page=True)

    phone.get_by_role("button", name=f"Undo: bring {number} back").tap()
    expect(phone.locator("h1 .status")).to_have_text("allocated")
    expect(phone.get_by_role("status")).to_contain_text(
        f"Undone: {number} is allocated again, 2 units reserved in MAN warehouse.")
    expect(phone.get_by_role("button", name=f"Undo: bring {number} back")).to_have_count(0)
    phone.screenshot(path=str(shots / "owner-undone-360.png"), full_page=True)
    assert _state(app, order_id) == before
    with app.app_context():
        assert_ledger_balanced(db.engine)


def test_the_confirmation_works_without_javascript_as_a_page_of_its_own(browser, live_server):
    world, app = live_server.world, live_server.app
    order_id = world.place([("LAMP", 1)], customer="robin")
    number = f"WB-{order_id:06d}"
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False, **PHONE)
    page = context.new_page()
    try:
        browser_sign_in(page, world.emails["owner"])
        page.goto(f"/orders/{order_id}")
        page.get_by_role("button", name="Reject…").tap()
        expect(page).to_have_url(f"{live_server.url}/orders/{order_id}/confirm?action=reject")
        expect(page.get_by_role("heading", name=f"{number} will be rejected.")).to_be_visible()
        expect(page.locator("#decision-panel")).to_contain_text(
            "Its 1 reserved unit goes back on the shelf in LON warehouse.")
        assert _state(app, order_id)[0] == "placed"
        page.get_by_role("button", name=f"Yes, reject {number}").tap()
        expect(page.locator("h1 .status")).to_have_text("rejected")
        expect(page.get_by_role("status")).to_contain_text(f"{number} rejected: 1 unit back in stock in LON warehouse.")
        page.get_by_role("button", name=f"Undo: bring {number} back").tap()
        expect(page.locator("h1 .status")).to_have_text("placed")
    finally:
        context.close()
    with app.app_context():
        assert_ledger_balanced(db.engine)


def test_payment_holds_are_released_and_rejected_in_place_on_the_dashboard(phone, live_server, shots):
    world, app = live_server.world, live_server.app
    held = [world.place([("MUG", 1)], billing_address=dict(LEEDS, country="FR")) for _ in range(2)]
    assert {_state(app, order_id)[0] for order_id in held} == {"payment_hold"}
    release, reject = (f"WB-{order_id:06d}" for order_id in held)
    browser_sign_in(phone, world.emails["owner"], lands_on="/orders/")
    phone.goto("/dashboard/")
    navigations = []
    phone.on("framenavigated", lambda frame: navigations.append(frame.url))

    phone.get_by_role("button", name=f"Release {release}").tap()
    expect(phone.locator("#dashboard-outcome")).to_contain_text(
        f"{release} released from payment hold: ready to accept.")
    expect(phone.get_by_role("button", name=f"Release {release}")).to_have_count(0)
    assert _state(app, held[0])[0] == "placed"

    phone.get_by_role("button", name=f"Reject payment of {reject}…").tap()
    expect(phone.get_by_role("heading", name=f"{reject}'s payment will be rejected and the order rejected with it."))\
        .to_be_focused()
    expect(phone.locator("#decision-panel")).to_contain_text("A rejected payment stays rejected")
    assert _state(app, held[1])[0] == "payment_hold"  # asking changed nothing
    phone.screenshot(path=str(shots / "owner-dashboard-reject-hold-confirmation-360.png"), full_page=True)
    phone.get_by_role("button", name=f"Yes, reject the payment of {reject}").tap()
    expect(phone.locator("#dashboard-outcome")).to_contain_text(
        f"{reject}'s payment rejected, order rejected: 1 unit back in stock in MAN warehouse.")
    expect(phone.get_by_role("button", name=f"Reject payment of {reject}…")).to_have_count(0)
    phone.screenshot(path=str(shots / "owner-dashboard-after-reject-360.png"), full_page=True)
    assert navigations == []  # all in place
    assert _state(app, held[1])[0] == "rejected"
    with app.app_context():
        assert_ledger_balanced(db.engine)
