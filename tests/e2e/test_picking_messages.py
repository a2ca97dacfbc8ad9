"""What the pick list page says, in real Chromium on 360 px phones with live updates running: a phone is never
warned about its own claim and picks ("changed on another phone"), only about another phone's change; and an
old message (a wrong item scanned) does not stay beside the next action's success."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from backend.adapters.realtime import SocketIOPublisher
from backend.bootstrap import start_relay_thread
from tests.e2e.conftest import PHONE, browser_sign_in, wait_until
from tests.factories import london_pick_list

pytestmark = pytest.mark.browser

# Counts the live nudges about pick lists the page hears (what would raise the notice).
COUNT_NUDGES = """() => { window.pickListNudges = 0;
  document.body.addEventListener("waybill:change:pick_list", () => { window.pickListNudges += 1; }); }"""


@pytest.fixture
def live_list(live_server):
    """Two allocated London orders (A: 2 MUG + 1 LAMP, B: 2 LAMP) on one pick list; the relay sends nudges."""
    list_id, a, b = london_pick_list(live_server.world.shop, live_server.world.actor("manager"))
    stop = start_relay_thread(live_server.app, SocketIOPublisher.for_app(live_server.app))
    try:
        yield list_id, a, b
    finally:
        stop.set()


def _open_live(page, list_id: int) -> None:
    page.goto(f"/floor/pick-lists/{list_id}")
    wait_until(page, "document.documentElement.dataset.live === 'on'")
    page.evaluate(COUNT_NUDGES)


def _line(page, order_id: int, sku: str):
    return page.locator(f'[data-pick-line][data-order-id="{order_id}"][data-sku="{sku}"]')


def _scan(page, code: str) -> None:
    field = page.get_by_label("Barcode or SKU")
    field.focus()
    field.press_sequentially(code)
    field.press("Enter")


def test_a_picker_is_not_warned_about_their_own_claim_and_pick_but_is_about_another_phones(
        phone, browser, live_server, live_list, screenshot_dir):
    list_id, a, _ = live_list
    notice = phone.locator("[data-pick-list-notice]")
    browser_sign_in(phone, live_server.world.emails["floor"], lands_on="/floor")
    _open_live(phone, list_id)

    phone.get_by_role("button", name=f"Claim pick list {list_id}").tap()
    expect(phone.locator("[data-claim-state]")).to_contain_text("Claimed by you.")
    mug = _line(phone, a, "MUG")
    mug.get_by_role("button", name="Pick 1 MUG").tap()
    expect(mug.locator("[data-row-status]")).to_have_text("Recorded on the server.")
    expect(mug).to_contain_text("1 of 2 picked")
    # Both changes came back as live nudges, and neither is news to the phone that made them.
    wait_until(phone, "window.pickListNudges >= 2")
    phone.wait_for_timeout(500)
    expect(notice).to_be_hidden()
    expect(phone.locator("#sync-status")).to_have_text("Synced")
    phone.screenshot(path=str(screenshot_dir / "picking-claimed-and-picked-360.png"), full_page=True)

    # The manager picks a lamp of the same list on another phone: now the picker is told.
    context = browser.new_context(base_url=live_server.url, **PHONE)
    context.set_default_timeout(10_000)
    other = context.new_page()
    try:
        browser_sign_in(other, live_server.world.emails["manager"])
        _open_live(other, list_id)
        lamp = _line(other, a, "LAMP")
        lamp.get_by_role("button", name="Pick 1 LAMP").tap()
        # Recorded, and flagged for the office: the list is claimed by the picker.
        expect(lamp.locator("[data-row-status]")).to_contain_text("Recorded")
        expect(notice).to_be_visible()
        expect(notice).to_contain_text("This pick list changed on another phone or in the office.")
        phone.screenshot(path=str(screenshot_dir / "picking-changed-elsewhere-360.png"))
        # The manager's own phone is not warned about the manager's own pick.
        wait_until(other, "window.pickListNudges >= 1")
        other.wait_for_timeout(500)
        expect(other.locator("[data-pick-list-notice]")).to_be_hidden()
    finally:
        context.close()
    notice.get_by_role("link", name="Refresh").tap()
    expect(_line(phone, a, "LAMP")).to_contain_text("1 of 1 picked")


def test_a_wrong_item_notice_goes_when_the_next_pick_succeeds(phone, live_server, live_list):
    list_id, a, b = live_list
    browser_sign_in(phone, live_server.world.emails["floor"], lands_on="/floor")
    _open_live(phone, list_id)
    scan_status = phone.locator("[data-scan-status]")
    mug = _line(phone, a, "MUG")

    _scan(phone, "TEE")
    expect(scan_status).to_have_text("Wrong item: TEE is not on this pick list. Put it back.")
    expect(scan_status).to_have_attribute("role", "alert")
    # The picker takes the right item and taps its line: the wrong-item notice is gone.
    mug.get_by_role("button", name="Pick 1 MUG").tap()
    expect(mug.locator("[data-row-status]")).to_have_text("Recorded on the server.")
    expect(scan_status).to_have_text("")
    expect(scan_status).not_to_have_attribute("role", "alert")

    # A wrong scan, then the right one: the success replaces the notice, on the scan line and the row.
    _scan(phone, "TEE")
    expect(scan_status).to_have_text(re.compile("^Wrong item"))
    _scan(phone, "MUG")
    expect(scan_status).to_have_text("Saved on this phone: picked 1 MUG.")
    expect(mug.locator("[data-row-status]")).to_have_text("Recorded on the server.")
    expect(mug).to_contain_text("2 of 2 picked")

    # Offline too: the next pick saved on the phone clears the old notice before anything is sent.
    phone.context.set_offline(True)
    _scan(phone, "NOPE")
    expect(scan_status).to_have_text(re.compile("^Wrong item: NOPE"))
    lamp = _line(phone, b, "LAMP")
    lamp.get_by_role("button", name="Pick 1 LAMP").tap()
    expect(lamp.locator("[data-row-status]")).to_have_text("Saved on this phone: picked 1.")
    expect(scan_status).to_have_text("")
    phone.context.set_offline(False)
    expect(lamp.locator("[data-row-status]")).to_have_text("Recorded on the server.")
    expect(phone.locator("#sync-status")).to_have_text("Synced")
