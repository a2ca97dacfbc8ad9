"""The office's phone order form (/orders/new): it places the API's PlaceOrder, checked by the API's schema once;
bad input comes back beside its field with everything typed kept; a double submit places one order."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from backend.extensions import db
from tests.e2e.conftest import browser_sign_in, csrf_token_of, sign_in

ADDRESS = {"ship_name": "Casey Customer", "ship_line1": "12 Elm Street", "ship_city": "Leeds",
           "ship_postcode": "LS1 4AP", "ship_country": "GB"}


def _orders(app) -> int:
    with app.app_context():
        return db.session.execute(sa.text("SELECT count(*) FROM orders")).scalar_one()


def _form(client, world, **fields) -> dict:
    token = csrf_token_of(client.get("/orders/new").get_data(as_text=True))
    return {"csrf_token": token, "idempotency_key": "phone-key-1", "rows": "3", "payment_method": "card",
            "customer_id": str(world.shop.customers["casey"]), **ADDRESS, "action": "place", **fields}


def test_a_double_submit_places_one_phone_order(client, app, world):
    sign_in(client, world.emails["manager"])
    form = _form(client, world, sku_0="MUG", qty_0="2")
    before = _orders(app)
    first = client.post("/orders/new", data=form)
    second = client.post("/orders/new", data=form)
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    assert _orders(app) == before + 1
    page = client.get(first.headers["Location"]).get_data(as_text=True)
    assert "Phone" in page or "phone" in page


def test_an_unknown_sku_and_a_bad_address_come_back_beside_their_fields_with_what_was_typed(client, app, world):
    sign_in(client, world.emails["manager"])
    before = _orders(app)
    response = client.post("/orders/new", data=_form(client, world, sku_0="MUG", qty_0="1", sku_1="NOPE",
                                                      qty_1="2", ship_country="Britain", notes="ring twice"))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="ship-country-error"' in html and "two-letter" in html
    assert 'value="Britain"' in html and "ring twice" in html and 'value="NOPE"' in html
    response = client.post("/orders/new", data=_form(client, world, sku_0="MUG", qty_0="1", sku_1="NOPE",
                                                      qty_1="2"))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="sku-1-error"' in html and "Unknown or inactive product" in html
    assert _orders(app) == before


def test_a_quantity_that_is_not_a_number_is_the_schemas_message(client, app, world):
    sign_in(client, world.emails["manager"])
    html = client.post("/orders/new", data=_form(client, world, sku_0="MUG", qty_0="two")).get_data(as_text=True)
    assert 'id="qty-0-note"' in html and "Not a valid integer." in html


def test_more_than_is_in_stock_is_said_as_a_backorder_before_it_is_placed(client, app, world):
    sign_in(client, world.emails["manager"])
    before = _orders(app)
    response = client.post("/orders/new", data=_form(client, world, sku_0="LAMP", qty_0="10"))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Only 8 in stock: 2 will be backordered" in html
    assert _orders(app) == before
    placed = client.post("/orders/new", data=_form(client, world, sku_0="LAMP", qty_0="10", backorder_ok="1"))
    assert placed.status_code == 303 and _orders(app) == before + 1


def test_floor_staff_get_no_order_form(client, world):
    sign_in(client, world.emails["floor"])
    assert client.get("/orders/new").status_code == 403


@pytest.mark.browser
def test_the_office_takes_a_phone_order_at_360_px_and_finds_it_in_the_list(phone, live_server):
    world = live_server.world
    browser_sign_in(phone, world.emails["owner"])
    phone.goto("/orders/")
    phone.get_by_role("link", name="New phone order").tap()
    expect(phone).to_have_url(re.compile(r"/orders/new$"))
    phone.get_by_label("Find the customer").fill("robin")
    phone.get_by_role("button", name=re.compile("^Robin")).tap()
    expect(phone.locator("[data-chosen-customer]")).to_contain_text("Robin")
    expect(phone.get_by_label("Postcode")).to_have_value("W1D 1AA")  # the customer's address, prefilled
    phone.get_by_label("Find a product").fill("lamp")
    phone.get_by_role("button", name=re.compile("^Add Product LAMP")).tap()
    expect(phone.get_by_label("Line 1 SKU")).to_have_value("LAMP")
    phone.get_by_label("How the customer pays").select_option("bank_transfer")
    assert phone.evaluate("document.scrollingElement.scrollWidth") <= 360
    phone.get_by_role("button", name="Place order").tap()
    expect(phone.locator("h1")).to_contain_text("WB-")
    number = re.search(r"WB-\d{6}", phone.locator("h1").inner_text()).group(0)
    phone.goto("/orders/?view=all")
    expect(phone.locator("#order-list")).to_contain_text(number)


def test_a_new_customer_typed_into_the_form_is_registered_and_the_order_is_theirs(client, app, world):
    sign_in(client, world.emails["manager"])
    response = client.post("/orders/new", data=_form(client, world, customer_id="", sku_0="MUG", qty_0="1",
                                                      new_name="Nia New", new_email="nia@example.com",
                                                      new_phone="07700 900123"))
    assert response.status_code == 303
    order_id = int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    with app.app_context():
        email = db.session.execute(sa.text("SELECT c.email FROM orders o JOIN customer c ON c.id = o.customer_id "
                                           "WHERE o.id = :id"), {"id": order_id}).scalar_one()
    assert email == "nia@example.com"
    double_tap = client.post("/orders/new", data=_form(client, world, customer_id="", sku_0="MUG", qty_0="1",
                                                        new_name="Nia New", new_email="nia@example.com",
                                                        new_phone="07700 900123"))
    assert double_tap.status_code == 303 and double_tap.headers["Location"] == response.headers["Location"]
    again = client.post("/orders/new", data=_form(client, world, customer_id="", sku_0="MUG", qty_0="1",
                                                   idempotency_key="phone-key-2", new_name="Nia New",
                                                   new_email="nia@example.com"))
    html = again.get_data(as_text=True)
    assert again.status_code == 422 and "on file already" in html
    assert "Nia New" in html  # the search shows the customer on file, to choose


def test_no_customer_is_the_handlers_message_beside_the_customer(client, app, world):
    sign_in(client, world.emails["manager"])
    before = _orders(app)
    response = client.post("/orders/new", data=_form(client, world, customer_id="", sku_0="MUG", qty_0="1"))
    assert response.status_code == 422
    assert "Choose a customer or add a new one." in response.get_data(as_text=True)
    assert _orders(app) == before
