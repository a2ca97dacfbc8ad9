"""The owner's webhooks page on a 360 px phone: reached from the menu, long addresses wrap, the log opens."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from backend.domain import commands
from tests.e2e.conftest import browser_sign_in, tap_menu
from tests.factories import run

LONG_URL = "https://hooks.example.com/" + "waybill-orders-and-stock-events-for-the-warehouse-system/" * 3


def test_the_owner_opens_webhooks_from_the_menu_and_reads_a_subscriptions_log(phone, live_server):
    world = live_server.world
    row, _secret = run(live_server.app, commands.CreateWebhookSubscription(
        LONG_URL, ("order.placed", "stock.changed"), "Warehouse system"), world.actor("owner"))
    browser_sign_in(phone, world.emails["owner"])
    tap_menu(phone, "Webhooks")
    expect(phone).to_have_url(re.compile(r"/office/webhooks/$"))
    card = phone.locator(f"#webhook-{row.id}")
    expect(card).to_contain_text("Receiving")
    expect(card).to_contain_text("order.placed, stock.changed")
    assert phone.evaluate("document.scrollingElement.scrollWidth") <= 360
    card.get_by_role("link", name=f"Delivery log of {LONG_URL}").tap()
    expect(phone).to_have_url(re.compile(rf"/office/webhooks/{row.id}$"))
    expect(phone.locator("[data-no-deliveries]")).to_be_visible()
    assert phone.evaluate("document.scrollingElement.scrollWidth") <= 360
