"""Each role gets its own menu and words: a customer never sees the office, a driver never an empty list.

Over the test client (what each page says to whom) and in Chromium at 360 px (the menu opens with a thumb,
the top bar stays on one line, the page being shown is marked in the menu).
"""
from __future__ import annotations

import html as html_module
import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from backend.adapters.tables import orders
from backend.extensions import db
from tests.e2e.conftest import browser_sign_in, sign_in


def _menu_labels(html: str) -> list[str]:
    menu = html[html.index('<nav aria-label="Main">'):html.index("</nav>", html.index('<nav aria-label="Main">'))]
    return [html_module.unescape(label) for label in
            re.findall(r'<li><a href="[^"]*"(?: aria-current="page")?>([^<]+)</a></li>', menu)]


@pytest.mark.parametrize("who, expected", [
    ("owner", ["Dashboard", "Orders", "New order", "Counter", "Exceptions", "Stock", "Pick lists", "Shipping",
               "Dispatch", "Cash", "Bank", "Shop orders to fix", "Shop channels", "Import", "Webhooks", "Staff",
               "Changes on this phone", "Account"]),
    ("floor", ["Pick queue", "Pick lists", "Stock", "Shipping", "Changes on this phone", "Account"]),
    ("driver", ["Today's run", "Changes on this phone", "Account"]),
    ("customer", ["My orders", "Account"]),
])
def test_each_role_has_its_own_menu(client, world, who, expected):
    sign_in(client, world.emails[who])
    html = client.get("/account").get_data(as_text=True)
    assert _menu_labels(html) == expected


def test_the_office_menu_is_grouped_under_headings_and_a_short_menu_has_none(client, world):
    sign_in(client, world.emails["manager"])
    html = client.get("/account").get_data(as_text=True)
    menu = html[html.index('<nav aria-label="Main">'):html.index("</nav>", html.index('<nav aria-label="Main">'))]
    headings = re.findall(r'<p class="menu-heading" id="(menu-group-\d+)">([^<]+)</p>\s*<ul aria-labelledby="([^"]+)"',
                          menu)
    assert [(name, labelled == heading_id) for heading_id, name, labelled in headings] == [
        ("Orders", True), ("Warehouse", True), ("Money", True), ("Shops and imports", True),
        ("You and your team", True)]
    client.post("/sign-out", data={"csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)})
    sign_in(client, world.emails["driver"])
    assert 'class="menu-heading"' not in client.get("/account").get_data(as_text=True)


def test_a_driver_asking_for_the_order_list_is_sent_to_their_run(client, world):
    sign_in(client, world.emails["driver"])
    response = client.get("/orders/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/driver")


def test_a_customer_reads_their_order_in_their_own_words(client, world):
    order_id = world.place([("MUG", 2)])
    sign_in(client, world.emails["customer"])
    listing = client.get("/orders/").get_data(as_text=True)
    assert "My orders" in listing and "2 items" in listing
    for office_word in ("To accept", "Attention", "Backorder"):
        assert office_word not in listing
    page = client.get(f"/orders/{order_id}").get_data(as_text=True)
    assert "What you ordered" in page and "2 × Product MUG" in page
    assert "Follow your delivery" in page and "Cancel my order" in page
    for office_word in ("MUG ·", "reserved", "Tracking page for the customer", "Channel:", "History"):
        assert office_word not in page, office_word


def test_the_tracking_page_carries_the_shops_name_and_colour_and_no_online_chip(client, world, app):
    order_id = world.place([("MUG", 1)])
    with app.app_context():
        token = db.session.execute(sa.select(orders.c.tracking_token).where(orders.c.id == order_id)).scalar_one()
    page = client.get(f"/track/{token}").get_data(as_text=True)
    assert app.config["WAYBILL_SHOP_NAME"] in page and ">Waybill<" not in page
    assert 'id="connection"' not in page and "/shop.css" in page
    css = client.get("/shop.css").get_data(as_text=True)
    assert app.config["WAYBILL_SHOP_COLOUR"] in css


@pytest.mark.browser
def test_the_menu_opens_with_a_thumb_and_marks_where_you_are(phone, live_server):
    browser_sign_in(phone, live_server.world.emails["owner"], lands_on="/orders/")
    bar = phone.locator("header.topbar").bounding_box()
    assert bar["height"] < 80, "the top bar wraps onto a second line at 360 px"
    phone.get_by_text("Menu", exact=True).tap()
    current = phone.get_by_role("navigation", name="Main").locator("[aria-current=page]")
    expect(current).to_have_text("Orders")
    phone.get_by_role("link", name="Stock").tap()
    expect(phone).to_have_url(re.compile(r"/floor/stock$"))
    for link in phone.get_by_role("navigation", name="Main").get_by_role("link").all():
        box = link.bounding_box()
        assert box is None or box["height"] >= 44
