"""Real Chromium on a 360 px phone against a served Waybill: signing in, deciding, layout and labels.

The `browser` and `phone` fixtures (Debian's Chromium through Playwright's own sync API) live in
tests/e2e/chromium.py, registered by tests/e2e/conftest.py and shared with test_pwa.py.
"""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import UNLABELLED_CONTROLS, browser_sign_in, controlled_by_the_worker

pytestmark = pytest.mark.browser


@pytest.fixture
def orders(live_server):
    """One order of casey's and one of robin's, both placed."""
    world = live_server.world
    return {"casey": world.place([("MUG", 1)]), "robin": world.place([("LAMP", 1)], customer="robin")}


def _number(order_id: int) -> str:
    return f"WB-{order_id:06d}"


def _scroll_width(page) -> int:
    return page.evaluate("document.scrollingElement.scrollWidth")


def test_the_owner_signs_in_on_a_phone_opens_an_order_and_accepts_it(phone, live_server, orders):
    browser_sign_in(phone, live_server.world.emails["owner"], lands_on="/orders/")
    expect(phone.locator("#order-list")).to_contain_text(_number(orders["casey"]))
    phone.get_by_role("link", name=re.compile(_number(orders["casey"]))).tap()
    expect(phone.get_by_role("heading", level=1)).to_contain_text("placed")
    phone.get_by_role("button", name="Accept", exact=True).tap()
    expect(phone.locator("h1 .status")).to_have_text("allocated")
    expect(phone.get_by_role("status")).to_contain_text("Done.")


def test_a_wrong_password_is_shown_next_to_the_field(phone, live_server):
    phone.goto("/sign-in")
    phone.get_by_label("E-mail").press_sequentially(live_server.world.emails["owner"])
    phone.get_by_label("Password").press_sequentially("not-the-password")
    phone.get_by_role("button", name="Sign in", exact=True).tap()
    expect(phone.locator("#password-error")).to_have_text("Wrong e-mail or password.")
    expect(phone.get_by_label("Password")).to_have_attribute("aria-invalid", "true")


def test_the_sign_in_page_does_not_scroll_sideways_at_360_px(phone):
    phone.goto("/sign-in")
    assert _scroll_width(phone) <= 360


def test_the_order_list_does_not_scroll_sideways_at_360_px(phone, live_server, orders):
    browser_sign_in(phone, live_server.world.emails["owner"], lands_on="/orders/")
    assert _scroll_width(phone) <= 360


def test_the_order_page_does_not_scroll_sideways_at_360_px(phone, live_server, orders):
    browser_sign_in(phone, live_server.world.emails["owner"], lands_on="/orders/")
    phone.goto(f"/orders/{orders['robin']}")
    expect(phone.get_by_role("heading", level=1)).to_contain_text(_number(orders["robin"]))
    assert _scroll_width(phone) <= 360


def test_every_input_on_the_sign_in_page_has_a_label(phone):
    phone.goto("/sign-in")
    assert phone.evaluate(UNLABELLED_CONTROLS) == []


def test_every_input_on_the_order_page_has_a_label(phone, live_server, orders):
    browser_sign_in(phone, live_server.world.emails["owner"], lands_on="/orders/")
    phone.goto(f"/orders/{orders['casey']}")
    assert phone.evaluate(UNLABELLED_CONTROLS) == []
    for decision in ("Reject…", "Cancel order…"):  # each asks for its reason on its confirmation
        phone.goto(f"/orders/{orders['casey']}")
        phone.get_by_role("button", name=decision).tap()
        expect(phone.get_by_label("Reason (optional)")).to_have_count(1)
        assert phone.evaluate(UNLABELLED_CONTROLS) == []


def test_the_customer_sees_only_their_own_orders(phone, live_server, orders):
    browser_sign_in(phone, live_server.world.emails["customer"], lands_on="/orders/")
    order_list = phone.locator("#order-list")
    expect(order_list).to_contain_text(_number(orders["casey"]))
    expect(order_list).not_to_contain_text(_number(orders["robin"]))
    expect(phone.get_by_role("heading", level=1)).to_have_text("My orders")
    expect(order_list).to_contain_text("Received")  # the customer's word for "placed"
    expect(phone.get_by_role("navigation", name="Order views")).to_have_count(0)  # no office tabs


def test_a_tab_swaps_in_its_list_without_leaving_the_page(phone, live_server, orders):
    browser_sign_in(phone, live_server.world.emails["owner"], lands_on="/orders/")
    # The worker's first install may reload the page: mark it only once the worker controls it.
    controlled_by_the_worker(phone)
    phone.evaluate("window.__stillHere = true")  # gone if the tab caused a full page load
    phone.get_by_role("link", name="Attention").tap()
    expect(phone).to_have_url(re.compile(r"view=attention"))
    expect(phone.locator("#order-list")).to_contain_text("No orders here.")
    assert phone.evaluate("window.__stillHere") is True
