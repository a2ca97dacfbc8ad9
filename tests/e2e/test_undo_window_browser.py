"""Real Chromium at 360 px: the Undo after a cancel or reject lasts as long as the server's window and no
longer. The page is told the seconds left (counted from the server's time of the decision), counts them down
without asking the phone's clock, and then swaps the button for "Too late to undo; ...". A reject taken on
the dashboard offers the same Undo in place."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from backend.domain import commands
from backend.extensions import db
from tests.e2e.chromium import PHONE, browser_sign_in
from tests.e2e.servers import serving
from tests.e2e.world import _app_on_copy
from tests.factories import run
from tests.ledger import assert_ledger_balanced

pytestmark = pytest.mark.browser

WINDOW_SECONDS = 8  # long enough for a loaded machine to show the page before it ends
# The phone's clock is ten minutes fast: an offer timed by the phone's clock against the server's deadline
# would be over before it was shown.
PHONE_CLOCK_TEN_MINUTES_FAST = """(() => {
  const realNow = Date.now.bind(Date);
  Date.now = () => realNow() + 600000;
})();"""


@pytest.fixture
def live_server(tmp_path, world_template):
    """The live server with a short undo window (WAYBILL_UNDO_SECONDS), so its end comes during the test."""
    application = _app_on_copy(world_template[0], tmp_path / "live.db", WAYBILL_UNDO_SECONDS=WINDOW_SECONDS)
    with serving(application, world_template[1]) as server:
        yield server


def _status(app, order_id: int) -> str:
    with app.app_context():
        return db.session.execute(sa.text("SELECT status FROM orders WHERE id = :id"), {"id": order_id}).scalar_one()


def test_the_undo_button_gives_way_to_too_late_when_the_servers_window_ends(phone, live_server, screenshot_dir):
    world, app = live_server.world, live_server.app
    order_id = world.place([("MUG", 1)])
    run(app, commands.AcceptOrder(order_id), world.actor("owner"))
    number = f"WB-{order_id:06d}"
    phone.add_init_script(PHONE_CLOCK_TEN_MINUTES_FAST)
    browser_sign_in(phone, world.emails["owner"], lands_on="/orders/")
    phone.goto(f"/orders/{order_id}")
    navigations = []
    phone.get_by_role("button", name="Cancel order…").tap()
    phone.get_by_role("button", name=f"Yes, cancel {number}").tap()
    expect(phone.locator("h1 .status")).to_have_text("cancelled")
    phone.on("framenavigated", lambda frame: navigations.append(frame.url))

    undo = phone.get_by_role("button", name=f"Undo: bring {number} back")
    expect(undo).to_be_visible()  # shown although the phone's clock is past the server's deadline
    seconds = int(phone.locator("form[data-undo-seconds]").get_attribute("data-undo-seconds"))
    assert 0 < seconds <= WINDOW_SECONDS
    expect(phone.locator("[data-undo-left]")).to_have_text(re.compile(r"^\d more seconds?$"))
    phone.screenshot(path=str(screenshot_dir / "owner-undo-counting-down-360.png"), full_page=True)
    expect(undo).to_have_count(0, timeout=(WINDOW_SECONDS + 3) * 1000)
    expect(phone.get_by_text(f"Too late to undo; {number} stays cancelled.")).to_be_visible()
    phone.screenshot(path=str(screenshot_dir / "owner-undo-too-late-360.png"), full_page=True)
    assert navigations == []  # the page changed by itself, no reload
    assert _status(app, order_id) == "cancelled"


def test_a_reject_on_the_dashboard_offers_undo_in_place_until_the_window_ends(phone, live_server, screenshot_dir):
    world, app = live_server.world, live_server.app
    order_id = world.place([("LAMP", 1)], customer="robin")
    number = f"WB-{order_id:06d}"
    browser_sign_in(phone, world.emails["owner"], lands_on="/orders/")
    phone.goto("/dashboard/")
    phone.get_by_role("button", name=f"Reject {number}…").tap()
    phone.get_by_role("button", name=f"Yes, reject {number}").tap()
    outcome = phone.locator("#dashboard-outcome")
    expect(outcome).to_contain_text(f"{number} rejected")
    expect(outcome.get_by_role("button", name=f"Undo: bring {number} back")).to_be_visible()
    phone.screenshot(path=str(screenshot_dir / "owner-dashboard-undo-360.png"))
    expect(outcome.get_by_role("button", name=f"Undo: bring {number} back")).to_have_count(
        0, timeout=(WINDOW_SECONDS + 3) * 1000)
    expect(outcome).to_contain_text(f"Too late to undo; {number} stays rejected.")
    assert _status(app, order_id) == "rejected"


def test_undo_from_the_dashboard_brings_the_rejected_order_back_in_place(browser, tmp_path, world_template):
    application = _app_on_copy(world_template[0], tmp_path / "live30.db")  # the usual 30 s window
    with serving(application, world_template[1]) as server:
        context = browser.new_context(base_url=server.url, **PHONE)
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        try:
            world = server.world
            order_id = world.place([("LAMP", 1)], customer="robin")
            number = f"WB-{order_id:06d}"
            browser_sign_in(page, world.emails["owner"], lands_on="/orders/")
            page.goto("/dashboard/")
            navigations = []
            page.on("framenavigated", lambda frame: navigations.append(frame.url))
            page.get_by_role("button", name=f"Reject {number}…").tap()
            page.get_by_role("button", name=f"Yes, reject {number}").tap()
            outcome = page.locator("#dashboard-outcome")
            outcome.get_by_role("button", name=f"Undo: bring {number} back").tap()
            expect(outcome).to_contain_text(f"Undone: {number} is placed again, 1 unit reserved in LON warehouse.")
            expect(page.get_by_role("button", name=f"Reject {number}…")).to_be_visible()
            assert navigations == []
            assert _status(application, order_id) == "placed"
            with application.app_context():
                assert_ledger_balanced(db.engine)
        finally:
            context.close()
        assert errors == []
