"""Shop webhooks: Shopify and WooCommerce orders arrive signed, are placed once, and what cannot be placed waits
as an intake exception a manager fixes and releases (or discards); forged and unsigned calls write nothing."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from backend.bootstrap import bus
from backend.domain import commands
from backend.domain.access import SYSTEM
from backend.extensions import db
from tests.e2e.conftest import assert_problem
from tests.shop_webhooks import (SHOPIFY_SECRET, WOO_SECRET, body_of, shopify_headers, shopify_order, woo_headers,
                                 woo_order)

SHOPIFY_URL, WOO_URL = "/api/v1/channels/uk-shopify/webhooks", "/api/v1/channels/uk-woo/webhooks"
CHANNEL_TABLES = ("orders", "order_line", "stock_movement", "outbox_event", "audit_event", "customer",
                  "channel_order", "intake_exception")


@pytest.fixture
def channels(app, world):
    """A Shopify and a WooCommerce channel, configured by the owner with their shops' secrets."""
    with app.app_context():
        bus().handle(commands.ConfigureChannel("uk-shopify", "shopify", "GBP", name="UK Shopify",
                                               secret=SHOPIFY_SECRET), SYSTEM)
        bus().handle(commands.ConfigureChannel("uk-woo", "woocommerce", "GBP", name="UK Woo", secret=WOO_SECRET),
                     SYSTEM)
    return world


@pytest.fixture
def counts(app):
    """counts() -> {table: rows} of every table a delivery may write to."""
    def count():
        with app.app_context():
            return {t: db.session.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar_one() for t in CHANNEL_TABLES}
    return count


def send_shopify(client, payload, topic="orders/create", **kwargs):
    body = body_of(payload)
    return client.post(SHOPIFY_URL, data=body, headers=shopify_headers(body, topic, **kwargs))


def test_a_signed_shopify_order_is_placed_with_catalogue_prices_and_the_shop_note(client, channels):
    response = send_shopify(client, shopify_order(lines=(("MUG", 2, "12.00"),)))
    assert response.status_code == 201, response.get_data(as_text=True)
    outcome = response.get_json()
    assert outcome["status"] == "placed" and outcome["order_number"].startswith("WB-")
    order = client.get(f"/api/v1/orders/{outcome['order_id']}", headers=channels.headers("manager")).get_json()
    assert (order["channel"], order["channel_order_id"]) == ("shopify", "uk-shopify:820982911946154508")
    assert [(line["sku"], line["quantity"], line["unit_price_minor"]) for line in order["lines"]] == [("MUG", 2, 1200)]
    assert order["shipping_address"]["postcode"] == "LS1 4AP" and order["shipping_address"]["country"] == "GB"
    assert "Leave with the neighbour" in order["notes"] and order["payment_method"] == "card"


@pytest.mark.parametrize("forge", ["wrong secret", "unsigned", "body changed after signing", "no such channel"])
def test_a_forged_or_unsigned_webhook_is_a_401_problem_and_writes_nothing(client, channels, counts, forge):
    payload = shopify_order()
    body = body_of(payload)
    headers = shopify_headers(body, secret={"wrong secret": "not-the-shop-secret-at-all", "unsigned": None}.get(
        forge, SHOPIFY_SECRET))
    if forge == "body changed after signing":
        body = body.replace(b'"quantity":2', b'"quantity":200')
    url = "/api/v1/channels/nowhere/webhooks" if forge == "no such channel" else SHOPIFY_URL
    before = counts()
    response = client.post(url, data=body, headers=headers)
    problem = assert_problem(response, 401)
    assert problem["code"] == "webhook.signature_invalid"
    assert counts() == before


def test_a_woocommerce_signature_does_not_open_the_shopify_channel(client, channels, counts):
    body = body_of(woo_order())
    before = counts()
    assert_problem(client.post(SHOPIFY_URL, data=body, headers=woo_headers(body)), 401)
    assert counts() == before


def test_a_replayed_webhook_answers_success_and_changes_nothing(client, channels, counts):
    payload = shopify_order(order_id=5001)
    first = send_shopify(client, payload, webhook_id="delivery-1")
    after_first = counts()
    again = send_shopify(client, payload, webhook_id="delivery-1")  # Shopify's retry: same delivery id
    resent = send_shopify(client, payload)  # or a new delivery of the same order
    assert first.status_code == 201
    assert (again.status_code, again.get_json()["status"]) == (200, "duplicate")
    assert resent.get_json() == again.get_json() and again.get_json()["order_id"] == first.get_json()["order_id"]
    assert counts() == after_first


def test_shopify_orders_cancelled_cancels_the_order_once(client, channels):
    payload = shopify_order(order_id=5002)
    placed = send_shopify(client, payload).get_json()
    cancelled_payload = {**payload, "cancelled_at": "2026-12-03T10:00:00+00:00", "cancel_reason": "customer"}
    first = send_shopify(client, cancelled_payload, topic="orders/cancelled")
    again = send_shopify(client, cancelled_payload, topic="orders/cancelled")
    assert (first.status_code, first.get_json()["status"]) == (200, "cancelled")
    assert (again.status_code, again.get_json()["status"]) == (200, "duplicate")
    order = client.get(f"/api/v1/orders/{placed['order_id']}", headers=channels.headers("manager")).get_json()
    assert order["status"] == "cancelled"
    history = client.get(f"/api/v1/orders/{placed['order_id']}/history", headers=channels.headers("manager")).get_json()
    assert sum(1 for e in history if e["to_status"] == "cancelled") == 1


def test_a_signed_woocommerce_order_is_placed(client, channels):
    body = body_of(woo_order(order_id=727, lines=(("LAMP", 1, 49.0),), total="53.95", tax="0.00", shipping="4.95",
                             method="bacs", note="Ring twice"))
    response = client.post(WOO_URL, data=body, headers=woo_headers(body))
    assert response.status_code == 201, response.get_data(as_text=True)
    order = client.get(f"/api/v1/orders/{response.get_json()['order_id']}", headers=channels.headers("owner")).get_json()
    assert (order["channel"], order["channel_order_id"], order["payment_method"]) == (
        "woocommerce", "uk-woo:727", "bank_transfer")
    assert order["shipping_address"]["line1"] == "969 Market Street" and "Ring twice" in order["notes"]


def test_a_woocommerce_order_updated_to_cancelled_cancels_it_once_and_other_updates_change_nothing(client, channels):
    payload = woo_order(order_id=731)
    body = body_of(payload)
    placed = client.post(WOO_URL, data=body, headers=woo_headers(body)).get_json()

    def update(status):
        changed = body_of({**payload, "status": status})
        return client.post(WOO_URL, data=changed, headers=woo_headers(changed, topic="order.updated"))

    def status():
        return client.get(f"/api/v1/orders/{placed['order_id']}", headers=channels.headers("manager")).get_json()[
            "status"]

    before = status()
    assert (update("on-hold").status_code, update("on-hold").get_json()["status"]) == (200, "ignored")
    assert status() == before
    assert update("cancelled").get_json()["status"] == "cancelled"
    assert update("cancelled").get_json()["status"] == "duplicate"  # the shop re-sends; nothing changes
    assert status() == "cancelled"


def test_a_difference_from_the_shops_totals_is_kept_and_shown(client, channels):
    # The shop says 10.00 a mug (a discount Waybill does not know of): our catalogue says 12.00.
    placed = send_shopify(client, shopify_order(order_id=5003, lines=(("MUG", 1, "10.00"),), subtotal="10.00",
                                                tax="2.00", shipping="4.95", total="16.95")).get_json()
    ours = client.get(f"/api/v1/orders/{placed['order_id']}", headers=channels.headers("manager")).get_json()
    assert placed["totals"]["difference"]["total"] == 1695 - ours["total_minor"] != 0
    shown = client.get(f"/api/v1/channels/orders/{placed['order_id']}", headers=channels.headers("manager"))
    assert shown.status_code == 200
    assert shown.get_json()["differs"] is True
    assert shown.get_json()["total_difference_minor"] == 1695 - ours["total_minor"]
    assert shown.get_json()["channel_totals"]["total"] == 1695
    from tests.e2e.conftest import sign_in
    sign_in(client, channels.emails["manager"])
    page = client.get(f"/orders/{placed['order_id']}").get_data(as_text=True)
    assert "The shop&#39;s total differs" in page or "The shop's total differs" in page
    assert "£16.95" in page


def test_an_unknown_sku_waits_as_an_intake_exception_and_is_released_once_mapped(client, channels, counts):
    payload = shopify_order(order_id=5004, lines=(("MUG-BLUE-XL", 1, "12.00"), ("LAMP", 1, "49.00")))
    before = counts()
    held = send_shopify(client, payload)
    assert (held.status_code, held.get_json()["status"]) == (202, "held")
    assert [r["code"] for r in held.get_json()["reasons"]] == ["sku.unknown"]
    assert counts()["orders"] == before["orders"] and counts()["intake_exception"] == before["intake_exception"] + 1
    assert send_shopify(client, payload).get_json()["status"] == "held"  # a retry: still one exception
    assert counts()["intake_exception"] == before["intake_exception"] + 1

    listed = client.get("/api/v1/intake-exceptions", headers=channels.headers("manager")).get_json()
    [item] = listed
    assert item["unknown_skus"] == ["MUG-BLUE-XL"] and item["payload"]["id"] == 5004
    url = f"/api/v1/intake-exceptions/{item['id']}/release"
    still = client.post(url, json={"sku_map": {"MUG-BLUE-XL": "NO-SUCH"}}, headers=channels.headers("manager"))
    problem = assert_problem(still, 422)
    assert problem["code"] == "intake.still_invalid" and "lines.0.sku" in problem["errors"]
    released = client.post(url, json={"sku_map": {"MUG-BLUE-XL": "MUG"}}, headers=channels.headers("manager"))
    assert released.status_code == 200, released.get_data(as_text=True)
    assert released.get_json()["status"] == "released" and released.get_json()["order_id"]
    again = client.post(url, json={"sku_map": {"MUG-BLUE-XL": "MUG"}}, headers=channels.headers("owner"))
    assert assert_problem(again, 409)["code"] == "intake.already_closed"
    assert send_shopify(client, payload).get_json()["status"] == "duplicate"  # the shop re-sends: the placed order
    with client.application.app_context():
        placed = db.session.execute(sa.text("SELECT count(*) FROM orders WHERE channel_order_id = :ref"),
                                    {"ref": "uk-shopify:5004"}).scalar_one()
    assert placed == 1
    order = client.get(f"/api/v1/orders/{released.get_json()['order_id']}", headers=channels.headers("manager"))
    assert sorted(line["sku"] for line in order.get_json()["lines"]) == ["LAMP", "MUG"]


@pytest.mark.parametrize("payload, code", [
    (shopify_order(order_id=5005, currency="USD"), "currency.unknown"),
    (shopify_order(order_id=5006, address={"name": "Jon", "address1": "", "city": "Leeds", "zip": "", "country_code": "GB"}),
     "address.incomplete"),
])
def test_a_bad_address_or_an_unknown_currency_waits_too(client, channels, payload, code):
    held = send_shopify(client, payload)
    assert held.status_code == 202 and code in [r["code"] for r in held.get_json()["reasons"]]


def test_a_held_address_is_corrected_and_released(client, channels):
    payload = shopify_order(order_id=5007, address={"name": "Jon", "address1": "", "city": "Leeds", "zip": "",
                                                    "country_code": "GB"})
    exception_id = send_shopify(client, payload).get_json()["intake_exception_id"]
    released = client.post(f"/api/v1/intake-exceptions/{exception_id}/release",
                           json={"shipping_address": {"line1": "12 Elm Street", "postcode": "LS1 4AP"}},
                           headers=channels.headers("manager"))
    assert released.status_code == 200, released.get_data(as_text=True)
    order = client.get(f"/api/v1/orders/{released.get_json()['order_id']}", headers=channels.headers("manager"))
    assert order.get_json()["shipping_address"]["postcode"] == "LS1 4AP"


def test_a_held_order_is_discarded_with_a_reason_and_kept_on_record(client, channels):
    exception_id = send_shopify(client, shopify_order(order_id=5008, currency="USD")).get_json()["intake_exception_id"]
    url = f"/api/v1/intake-exceptions/{exception_id}/discard"
    assert "reason" in assert_problem(client.post(url, json={"reason": ""}, headers=channels.headers("manager")),
                                      422)["errors"]
    done = client.post(url, json={"reason": "Test order from the US store"}, headers=channels.headers("manager"))
    assert (done.get_json()["status"], done.get_json()["discard_reason"]) == ("discarded", "Test order from the US store")
    closed = client.get("/api/v1/intake-exceptions?status=discarded", headers=channels.headers("manager"))
    assert [e["payload"]["id"] for e in closed.get_json()] == [5008]


def test_intake_exceptions_leave_events_in_the_outbox(client, channels, app):
    exception_id = send_shopify(client, shopify_order(order_id=5009, currency="USD")).get_json()["intake_exception_id"]
    client.post(f"/api/v1/intake-exceptions/{exception_id}/discard", json={"reason": "Not ours"},
                headers=channels.headers("manager"))
    with app.app_context():
        names = db.session.execute(sa.text("SELECT name FROM outbox_event WHERE aggregate_type = 'intake_exception' "
                                           "AND aggregate_id = :id ORDER BY id"), {"id": exception_id}).scalars().all()
    assert names == ["intake_exception.opened", "intake_exception.discarded"]


@pytest.mark.parametrize("who", ["floor", "driver", "customer"])
def test_only_the_office_sees_or_releases_intake_exceptions(client, channels, who):
    exception_id = send_shopify(client, shopify_order(order_id=5010, currency="USD")).get_json()["intake_exception_id"]
    assert client.get("/api/v1/intake-exceptions", headers=channels.headers(who)).status_code == 403
    assert client.post(f"/api/v1/intake-exceptions/{exception_id}/discard", json={"reason": "x"},
                       headers=channels.headers(who)).status_code == 403


def test_only_the_owner_configures_a_channel_and_its_secret_is_never_read_out(client, channels):
    settings = {"kind": "shopify", "currency": "GBP", "secret": "a-brand-new-secret-1234"}
    assert client.put("/api/v1/channels/eu-shop", json=settings, headers=channels.headers("manager")).status_code == 403
    made = client.put("/api/v1/channels/eu-shop", json=settings, headers=channels.headers("owner"))
    assert made.status_code == 200 and made.get_json()["webhook_path"] == "/api/v1/channels/eu-shop/webhooks"
    listed = client.get("/api/v1/channels", headers=channels.headers("manager")).get_data(as_text=True)
    assert "eu-shop" in listed and "secret" not in listed and SHOPIFY_SECRET not in listed


def test_a_manager_maps_an_unknown_sku_on_the_page_and_places_the_order(client, channels, counts):
    from tests.e2e.conftest import csrf_token_of, sign_in
    send_shopify(client, shopify_order(order_id=5011, lines=(("MUG-BLUE-XL", 1, "12.00"),)))
    sign_in(client, channels.emails["manager"])
    page = client.get("/office/intake/").get_data(as_text=True)
    assert "No product with SKU &#39;MUG-BLUE-XL&#39;" in page and "data-intake-exception" in page
    exception_id = int(page.split('data-intake-exception="')[1].split('"')[0])
    token = csrf_token_of(page)
    wrong = client.post(f"/office/intake/{exception_id}/release",
                        data={"csrf_token": token, "shop_sku": "MUG-BLUE-XL", "our_sku": "NOPE"})
    assert wrong.status_code == 422 and "still cannot be placed" in wrong.get_data(as_text=True)
    before = counts()["orders"]
    done = client.post(f"/office/intake/{exception_id}/release",
                       data={"csrf_token": token, "shop_sku": "MUG-BLUE-XL", "our_sku": "MUG"}, follow_redirects=True)
    assert done.status_code == 200 and "Placed as order WB-" in done.get_data(as_text=True)
    assert counts()["orders"] == before + 1
    assert "Nothing waiting" in done.get_data(as_text=True)


def test_the_office_menu_leads_to_the_shop_orders_to_fix(client, channels):
    from tests.e2e.conftest import sign_in
    sign_in(client, channels.emails["owner"])
    assert 'href="/office/intake/"' in client.get("/orders/").get_data(as_text=True)


def test_the_owner_sets_a_channel_from_the_command_line_with_the_secret_from_the_environment(app, client, world):
    secret = "cli-secret-from-the-environment-42"
    result = app.test_cli_runner().invoke(args=["channels", "set", "cli-shop", "--kind", "woocommerce",
                                                "--name", "CLI shop"],
                                          env={"WAYBILL_CHANNEL_SECRET_CLI_SHOP": secret})
    assert result.exit_code == 0, result.output
    assert "/api/v1/channels/cli-shop/webhooks" in result.output and secret not in result.output
    body = body_of(woo_order(order_id=9001))
    url = "/api/v1/channels/cli-shop/webhooks"
    assert client.post(url, data=body, headers=woo_headers(body, secret=secret)).status_code == 201
    assert_problem(client.post(url, data=body, headers=woo_headers(body)), 401)  # another shop's secret
