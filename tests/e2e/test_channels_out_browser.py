"""The office's shop channels page on a 360 px phone: reached from the menu, a failed push shows the shop's answer
in words, and "Retry now" sends it again until the shop has the latest number."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.channels_out import CHANNELS_OUT_CONFIG, LOCATION_ID, list_product, pushes_done, shop_channels
from tests.e2e.conftest import PHONE, axe_problems, browser_sign_in, tap_menu
from tests.shop_api import ShopApiServer

pytestmark = pytest.mark.browser


@pytest.fixture
def shop_api():
    with ShopApiServer() as server:
        yield server


def _axe_problems_of(browser, live_server, phone) -> list[str]:
    """axe-core's findings on the page the phone shows, read in a second context that lets axe be injected."""
    context = browser.new_context(base_url=live_server.url, bypass_csp=True,
                                  storage_state=phone.context.storage_state(), **PHONE)
    page = context.new_page()
    page.goto(phone.url)
    expect(page.locator("[data-push-status=failed]")).to_be_visible()  # signed in, on the same page
    problems = axe_problems(page)
    context.close()
    return problems


def test_a_manager_sees_a_failed_push_and_retries_it_from_the_phone(browser, phone, live_server, shop_api,
                                                                    screenshot_dir):
    app = live_server.app
    app.config.update(CHANNELS_OUT_CONFIG)
    shop_channels(app, shop_api.url, shopify_buffer=2)
    shop_api.fail_next(422, path="inventory_levels")
    list_product(app, "shopify-uk", "MUG", "808950810")
    list_product(app, "shopify-uk", "LAMP", "808950811", buffer=0)
    pushes_done(app)
    browser_sign_in(phone, live_server.world.emails["manager"])
    tap_menu(phone, "Shop channels")
    expect(phone).to_have_url(re.compile(r"/office/channels/$"))
    card = phone.locator("[data-channel=shopify-uk]")
    expect(card.locator("[data-channel-pushes]")).to_contain_text(f"Pushing to {shop_api.url}")
    expect(card.locator("[data-listings]")).to_contain_text("MUG")
    failed = card.locator("[data-push-status=failed]")
    expect(failed).to_have_count(1)
    expect(failed).to_contain_text("Failed: stock of MUG set to 48")
    expect(failed).to_contain_text("422")
    assert phone.evaluate("document.scrollingElement.scrollWidth") <= 360
    phone.screenshot(path=str(screenshot_dir / "manager-office-channels-failed-push.png"), full_page=True)
    assert _axe_problems_of(browser, live_server, phone) == []
    failed.get_by_role("button", name=re.compile("Retry now")).tap()
    expect(phone.get_by_text("Sent again")).to_be_visible()
    expect(card.locator("[data-push-status=pending]")).to_contain_text("Waiting: stock of MUG set to 48")
    pushes_done(app)
    phone.reload()
    expect(card.locator("[data-no-open-pushes]")).to_be_visible()
    assert shop_api.levels[(int(LOCATION_ID), 808950810)] == 48
