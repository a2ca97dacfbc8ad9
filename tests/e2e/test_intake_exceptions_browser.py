"""The shop orders to fix on a manager's phone (360 px): a held order arrives live, its SKU is mapped, it is placed."""
from __future__ import annotations

import pytest
import requests

from backend.bootstrap import bus
from backend.domain import commands
from backend.domain.access import SYSTEM
from tests.e2e.conftest import UNLABELLED_CONTROLS, browser_sign_in, tap_menu, wait_until
from tests.shop_webhooks import SHOPIFY_SECRET, body_of, shopify_headers, shopify_order


def _shop_sends(live_server, payload) -> requests.Response:
    """The shop's webhook, over real HTTP to the live server."""
    body = body_of(payload)
    return requests.post(f"{live_server.url}/api/v1/channels/uk-shopify/webhooks", data=body,
                         headers=shopify_headers(body), timeout=10)


@pytest.mark.browser
def test_a_manager_places_a_held_shop_order_from_the_phone(phone, live_server):
    from playwright.sync_api import expect

    from backend.adapters.realtime import SocketIOPublisher
    from backend.bootstrap import start_relay_thread
    with live_server.app.app_context():
        bus().handle(commands.ConfigureChannel("uk-shopify", "shopify", "GBP", name="UK Shopify",
                                               secret=SHOPIFY_SECRET), SYSTEM)
    assert _shop_sends(live_server, shopify_order(order_id=6001, lines=(("MUG-BLUE-XL", 2, "12.00"),))).status_code == 202
    stop = start_relay_thread(live_server.app, SocketIOPublisher.for_app(live_server.app))
    try:
        browser_sign_in(phone, live_server.world.emails["manager"], lands_on="/orders/")
        tap_menu(phone, "Shop orders to fix")
        expect(phone.locator("[data-intake-exception]")).to_have_count(1)
        assert phone.evaluate("document.documentElement.scrollWidth") <= 360  # nothing runs off a phone's screen
        assert phone.evaluate(UNLABELLED_CONTROLS) == []
        wait_until(phone, "document.documentElement.dataset.live === 'on'")

        notice = phone.locator("[data-live-notice]")
        expect(notice).to_be_hidden()
        assert _shop_sends(live_server, shopify_order(order_id=6002, currency="USD")).status_code == 202
        expect(notice).to_be_visible(timeout=5000)

        held = phone.locator("[data-intake-exception]").first
        expect(held).to_contain_text("No product with SKU 'MUG-BLUE-XL'")
        held.get_by_label("Our SKU for the shop's “MUG-BLUE-XL”").fill("MUG")
        held.get_by_role("button", name="Place the order").tap()
        expect(phone.get_by_text("Placed as order WB-")).to_be_visible()
        expect(phone.locator("[data-intake-exception]")).to_have_count(1)  # the USD one still waits
        assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    finally:
        stop.set()
