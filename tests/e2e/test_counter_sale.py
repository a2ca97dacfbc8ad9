"""The point of sale through its API and its page: stock leaves the store's shelf at once, the ledger balances,
the receipt shows lines, total and change; a shelf too short and a role that may not sell write nothing."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from backend.adapters.tables import stock_levels
from backend.extensions import db
from tests.e2e.conftest import (_app_on_copy, _dispose, _world_for, assert_problem, browser_sign_in, csrf_token_of,
                               serving, sign_in)
from tests.ledger import assert_ledger_balanced

SALE = "/api/v1/counter/sales"


@pytest.fixture
def app(tmp_path, world_template):
    """The world with London as the shop's store (the counter sells from its shelf)."""
    application = _app_on_copy(world_template[0], tmp_path / "waybill.db", WAYBILL_STORE_WAREHOUSE="LON")
    yield application
    _dispose(application)


@pytest.fixture
def world(app, world_template):
    return _world_for(app, world_template[1])


def _level(app, world, sku, code="LON"):
    with app.app_context():
        row = db.session.execute(sa.select(stock_levels.c.on_hand, stock_levels.c.reserved).where(
            stock_levels.c.warehouse_id == world.shop.warehouses[code],
            stock_levels.c.product_id == world.shop.products[sku])).one()
        return tuple(row)


def _counts(app):
    with app.app_context():
        return {t: db.session.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar_one()
                for t in ("orders", "order_line", "stock_movement", "outbox_event", "audit_event", "customer")}


def test_a_cash_sale_takes_stock_off_the_shelf_at_once_and_gives_change(client, app, world):
    response = client.post(SALE, headers=world.headers("manager"), json={
        "lines": [{"sku": "MUG", "quantity": 2}], "tender": "cash", "tendered_minor": 5000})
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    order = body["order"]
    assert order["status"] == "collected" and order["channel"] == "pos"
    assert order["payment_status"] == "paid" and order["paid_minor"] == order["total_minor"] == 2880
    assert order["shipping_minor"] == 0
    assert body["payment"] == {"tender": "cash", "paid_minor": 2880, "terminal_reference": None,
                               "tendered_minor": 5000, "change_minor": 2120}
    assert _level(app, world, "MUG") == (38, 0)  # was 40 on hand, nothing left reserved
    assert_ledger_balanced(_engine(app))


def _engine(app):
    with app.app_context():
        return db.engine


def test_a_card_sale_records_the_terminal_reference_on_the_orders_events(client, world):
    response = client.post(SALE, headers=world.headers("owner"), json={
        "lines": [{"sku": "LAMP", "quantity": 1}], "tender": "card", "terminal_reference": "T-0042"})
    assert response.status_code == 201
    order_id = response.get_json()["order"]["id"]
    history = client.get(f"/api/v1/orders/{order_id}/history", headers=world.headers("owner")).get_json()
    paid = [event for event in history if event["action"] == "order.paid_at_counter"]
    assert paid and paid[0]["data"]["terminal_reference"] == "T-0042"
    assert [e["to_status"] for e in history if e["to_status"]][-1] == "collected"


def test_more_than_the_shelf_holds_is_refused_and_nothing_is_written(client, app, world):
    before = _counts(app)
    response = client.post(SALE, headers=world.headers("manager"), json={
        "lines": [{"sku": "MUG", "quantity": 1}, {"sku": "TEE", "quantity": 1}], "tender": "cash",
        "tendered_minor": 10000})  # TEE is only in Manchester
    body = assert_problem(response, 409)
    assert body["code"] == "counter.not_enough_stock"
    assert "TEE: 1 asked, 0 there" in body["detail"]
    assert body["errors"] == {"lines.1.quantity": ["Only 0 on the shelf."]}
    assert _counts(app) == before
    assert _level(app, world, "MUG") == (40, 0)


def test_cash_short_of_the_total_is_a_field_error(client, app, world):
    before = _counts(app)
    body = assert_problem(client.post(SALE, headers=world.headers("manager"), json={
        "lines": [{"sku": "MUG", "quantity": 1}], "tender": "cash", "tendered_minor": 100}), 422)
    assert "tendered_minor" in body["errors"]
    assert _counts(app) == before


def test_a_card_sale_without_the_terminal_reference_is_refused_by_the_schema(client, world):
    body = assert_problem(client.post(SALE, headers=world.headers("manager"), json={
        "lines": [{"sku": "MUG", "quantity": 1}], "tender": "card"}), 422)
    assert "terminal_reference" in body["errors"]


@pytest.mark.parametrize("who", ["floor", "driver", "customer"])
def test_only_the_owner_and_managers_sell_at_the_counter(client, app, world, who):
    before = _counts(app)
    body = assert_problem(client.post(SALE, headers=world.headers(who), json={
        "lines": [{"sku": "MUG", "quantity": 1}], "tender": "cash", "tendered_minor": 5000}), 403)
    assert body["code"] == "forbidden"
    assert _counts(app) == before


def test_a_sale_without_a_token_is_a_401(client):
    assert_problem(client.post(SALE, json={"lines": [{"sku": "MUG", "quantity": 1}], "tender": "cash",
                                           "tendered_minor": 5000}), 401)


def test_a_retried_sale_with_the_same_key_sells_once(client, app, world):
    headers = {**world.headers("manager"), "Idempotency-Key": "till-1-sale-7"}
    sale = {"lines": [{"sku": "MUG", "quantity": 1}], "tender": "cash", "tendered_minor": 2000}
    first = client.post(SALE, headers=headers, json=sale)
    again = client.post(SALE, headers=headers, json=sale)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.get_json()["order"]["id"] == again.get_json()["order"]["id"]
    assert _level(app, world, "MUG") == (39, 0)


def test_without_a_store_the_counter_says_so(client, tmp_path, world_template):
    application = _app_on_copy(world_template[0], tmp_path / "nostore.db")
    try:
        other = application.test_client()
        body = assert_problem(other.post(SALE, headers=world_template[1].headers("manager"), json={
            "lines": [{"sku": "MUG", "quantity": 1}], "tender": "cash", "tendered_minor": 5000}), 409)
        assert body["code"] == "counter.no_store"
    finally:
        _dispose(application)


def test_the_counter_page_sells_and_shows_a_receipt_with_lines_total_and_change(client, app, world):
    sign_in(client, world.emails["manager"])
    token = csrf_token_of(client.get("/counter/").get_data(as_text=True))
    response = client.post("/counter/", data={
        "csrf_token": token, "idempotency_key": "k-1", "rows": "3", "sku_0": "MUG", "qty_0": "2",
        "tender": "cash", "tendered": "50", "action": "sell"})
    assert response.status_code == 303
    receipt = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Product MUG" in receipt and "£28.80" in receipt and "£50.00" in receipt and "£21.20" in receipt
    assert "Waybill" in receipt or app.config["WAYBILL_SHOP_NAME"] in receipt
    assert _level(app, world, "MUG") == (38, 0)
    assert_ledger_balanced(_engine(app))


def test_the_counter_page_says_what_the_shelf_lacks_and_keeps_what_was_typed(client, app, world):
    sign_in(client, world.emails["manager"])
    token = csrf_token_of(client.get("/counter/").get_data(as_text=True))
    before = _counts(app)
    response = client.post("/counter/", data={
        "csrf_token": token, "idempotency_key": "k-2", "rows": "3", "sku_0": "LAMP", "qty_0": "9",
        "tender": "card", "terminal_reference": "T-9", "action": "sell"})
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Not enough on the shop&#39;s shelf" in html and "Only 8 on the shelf." in html
    assert 'value="LAMP"' in html and 'value="9"' in html and 'value="T-9"' in html
    assert _counts(app) == before


@pytest.fixture
def live_server(tmp_path, world_template):
    """The world served with London as the shop's store (the `phone` fixture browses it)."""
    application = _app_on_copy(world_template[0], tmp_path / "live.db", WAYBILL_STORE_WAREHOUSE="LON")
    with serving(application, world_template[1]) as server:
        yield server


@pytest.mark.browser
def test_a_cash_sale_at_360_px_ends_on_a_printable_receipt_with_the_change(phone, live_server):
    world = live_server.world
    browser_sign_in(phone, world.emails["manager"])
    phone.goto("/counter/")
    phone.get_by_label("Find a product").fill("mug")
    phone.get_by_role("button", name=re.compile("^Add Product MUG")).tap()
    expect(phone.get_by_label("Line 1 SKU")).to_have_value("MUG")
    phone.get_by_label("Quantity").first.fill("2")
    phone.get_by_label("Cash", exact=True).check()
    phone.get_by_label("Cash handed over").fill("50")
    assert phone.evaluate("document.scrollingElement.scrollWidth") <= 360
    phone.get_by_role("button", name="Take payment").tap()
    receipt = phone.locator(".receipt")
    expect(receipt).to_contain_text(live_server.app.config["WAYBILL_SHOP_NAME"])
    expect(phone.locator("[data-receipt-total]")).to_have_text("£28.80")
    expect(phone.locator("[data-receipt-change]")).to_have_text("£21.20")
    expect(receipt).to_contain_text("Product MUG")
    phone.emulate_media(media="print")
    expect(phone.get_by_role("button", name="Print receipt")).to_be_hidden()
    expect(phone.locator(".topbar")).to_be_hidden()
    expect(receipt).to_be_visible()
    assert_ledger_balanced(_engine(live_server.app))


def test_the_order_page_of_a_counter_sale_says_it_was_sold_at_the_counter_not_waiting_to_be_picked(client, world):
    sale = client.post(SALE, headers=world.headers("manager"), json={
        "lines": [{"sku": "MUG", "quantity": 1}], "tender": "card", "terminal_reference": "T-1"}).get_json()
    sign_in(client, world.emails["owner"])
    html = client.get(f"/orders/{sale['order']['id']}").get_data(as_text=True)
    assert "Sold at the counter" in html and f"/counter/receipts/{sale['order']['id']}" in html
    assert 'id="parts"' not in html
    timeline = client.get(f"/api/v1/orders/{sale['order']['id']}/timeline", headers=world.headers("owner")).get_json()
    assert timeline[-1] == {**timeline[-1], "step": "collected", "label": "Collected at the counter", "done": True}


def test_a_double_tap_on_take_payment_sells_once(client, app, world):
    sign_in(client, world.emails["manager"])
    token = csrf_token_of(client.get("/counter/").get_data(as_text=True))
    form = {"csrf_token": token, "idempotency_key": "till-double", "rows": "3", "sku_0": "MUG", "qty_0": "1",
            "tender": "card", "terminal_reference": "T-5", "action": "sell"}
    first, second = client.post("/counter/", data=form), client.post("/counter/", data=form)
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    assert _level(app, world, "MUG") == (39, 0)


def test_the_product_finder_finds_a_product_by_its_barcode(client, app, world):
    from backend.bootstrap import bus
    from backend.domain import commands
    from backend.domain.access import SYSTEM
    with app.app_context():
        bus().handle(commands.CreateProduct("BOWL", "Blue bowl", 900, "GBP", {"barcode": "5012345678900"}), SYSTEM)
    sign_in(client, world.emails["manager"])
    html = client.get("/orders/find/products?product_q=5012345678900").get_data(as_text=True)
    assert 'name="add_sku" value="BOWL"' in html and "Blue bowl" in html
    floor = app.test_client()
    sign_in(floor, world.emails["floor"])
    assert floor.get("/orders/find/products?product_q=MUG").status_code == 403


def test_the_order_history_says_how_the_counter_sale_was_paid(client, world):
    sale = client.post(SALE, headers=world.headers("manager"), json={
        "lines": [{"sku": "MUG", "quantity": 2}], "tender": "cash", "tendered_minor": 5000}).get_json()
    sign_in(client, world.emails["owner"])
    html = client.get(f"/orders/{sale['order']['id']}").get_data(as_text=True)
    assert "Paid £28.80 in cash at the counter by " in html and "£50.00 handed over, £21.20 change" in html
    assert "Handed over at the counter by " in html and "(at the till)" in html


def test_the_openapi_document_describes_the_counter_sale(client):
    document = client.get("/api/v1/openapi.json").get_json()
    operation = document["paths"]["/api/v1/counter/sales"]["post"]
    assert {"201", "200"} <= set(operation["responses"])
    assert any(p["name"] == "Idempotency-Key" for p in operation["parameters"])
    body = document["components"]["schemas"]["CounterSale"]
    assert body["required"] == ["lines", "tender"] and body["properties"]["tender"]["enum"] == ["card", "cash"]
    assert "cash" not in document["components"]["schemas"]["OrderCreate"]["properties"]["payment_method"]["enum"]


def test_the_till_shows_the_total_and_the_change_before_the_payment_is_taken(client, app, world):
    sign_in(client, world.emails["manager"])
    token = csrf_token_of(client.get("/counter/").get_data(as_text=True))
    before = _counts(app)
    html = client.post("/counter/", data={"csrf_token": token, "idempotency_key": "k-3", "rows": "3",
                                          "sku_0": "MUG", "qty_0": "2", "tender": "cash", "tendered": "30",
                                          "action": "total"}).get_data(as_text=True)
    assert "Total <strong>£28.80</strong> · change to give <strong>£1.20</strong>" in html
    assert _counts(app) == before  # a total is only a look
