"""Two browser contexts: a driver confirms a drop-off on their phone (through the sync protocol) and the owner's
order list, open on another device, shows the order delivered without a reload."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from backend.adapters.realtime import SocketIOPublisher
from backend.bootstrap import start_relay_thread
from tests.e2e.conftest import CHROMIUM, CHROMIUM_FLAGS, PHONE, browser_sign_in, wait_until
from tests.e2e.driver_phone import confirm_stop, open_phone, png, sign_in_driver

pytestmark = pytest.mark.browser


def test_a_drop_off_synced_from_the_drivers_phone_appears_on_the_owners_list_live(playwright, server, tmp_path):
    stop = start_relay_thread(server.app, SocketIOPublisher.for_app(server.app))
    owner_browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True)
    owner_context = owner_browser.new_context(base_url=server.url, **PHONE)
    driver_context, driver, errors = open_phone(playwright, server, tmp_path / "driver-profile")
    try:
        owner = owner_context.new_page()
        browser_sign_in(owner, server.world.emails["owner"], lands_on="/orders/")
        owner.goto("/orders/?view=all")
        wait_until(owner, "document.documentElement.dataset.live === 'on'")
        number = f"WB-{server.orders[0]:06d}"
        row = owner.locator(".order-row", has_text=number)
        expect(row.locator(".status")).to_have_text("out for delivery")
        navigations = []
        owner.on("framenavigated", lambda frame: navigations.append(frame.url))

        sign_in_driver(driver, server.world.emails["driver"])
        confirm_stop(driver, 1, "Pat Porter", png(320, 240))  # online: sent at once through /api/v1/sync/push

        expect(row.locator(".status")).to_have_text("delivered", timeout=10_000)
        assert navigations == []
        expect(owner).to_have_url(re.compile(r"view=all$"))
        assert errors == []
    finally:
        driver_context.close()
        owner_context.close()
        owner_browser.close()
        stop.set()
