"""The office order list on a 360 px phone: find an order by what a caller reads out, filter, every tab in reach."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import browser_sign_in, controlled_by_the_worker, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def orders(live_server):
    world = live_server.world
    return {"casey": world.place([("MUG", 1)]),
            "robin": world.place([("LAMP", 1)], customer="robin")}


def _number(order_id: int) -> str:
    return f"WB-{order_id:06d}"


def test_the_office_finds_an_order_by_postcode_and_the_tab_it_is_on_is_marked(phone, live_server, orders):
    browser_sign_in(phone, live_server.world.emails["owner"], lands_on="/orders/")
    controlled_by_the_worker(phone)
    phone.get_by_label("Find an order").fill("w1d 1aa")
    phone.get_by_role("button", name="Search").tap()
    listing = phone.locator("#order-list")
    expect(listing).to_contain_text("1 order matching")
    expect(listing).to_contain_text(_number(orders["robin"]))
    expect(listing).not_to_contain_text(_number(orders["casey"]))
    expect(phone).to_have_url(re.compile(r"q=w1d"))
    phone.get_by_role("navigation", name="Order views").get_by_role("link", name="Done").tap()  # search kept
    expect(phone.locator(".tabs [aria-current=page]")).to_have_text("Done")
    expect(listing).to_contain_text("No orders match")
    expect(phone.get_by_label("Find an order")).to_have_value("w1d 1aa")
    for tab in phone.locator(".tabs a").all():
        box = tab.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 360, "a tab is out of reach at 360 px"
    assert phone.evaluate("document.scrollingElement.scrollWidth") <= 360


def test_a_date_that_is_not_a_date_is_said_beside_the_field_and_the_list_still_shows(client, world):
    world.place([("MUG", 1)])
    sign_in(client, world.emails["manager"])
    response = client.get("/orders/?view=all&from=31-31-2026&q=casey")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="order-from-error"' in html and "Not a date." in html
    assert "1 order matching" in html


def test_the_next_page_keeps_the_tab_and_the_search(client, world):
    for _ in range(21):
        world.place([("MUG", 1)])
    sign_in(client, world.emails["manager"])
    html = client.get("/orders/?view=all&q=casey").get_data(as_text=True)
    assert "Page 1 of 2" in html
    older = re.search(r'href="([^"]+)">Older orders</a>', html).group(1).replace("&amp;", "&")
    assert {"page=2", "q=casey", "view=all"} <= set(older.split("?")[1].split("&"))
    assert "Page 2 of 2" in client.get(older).get_data(as_text=True)
