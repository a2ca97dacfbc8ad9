"""The staff order page's history reads as sentences: the channel an order came through, not the account that
sent it, and a delivery after a cancellation said as what it is."""
from __future__ import annotations

from backend.domain import commands
from tests.e2e.conftest import order_body, sign_in
from tests.factories import blob_ref, run, run_out_for_delivery


def _history(client, order_id: int) -> str:
    page = client.get(f"/orders/{order_id}").get_data(as_text=True)
    return page.split('id="hist-h"', 1)[1].split("</section>", 1)[0]


def test_a_web_shop_order_sent_with_the_owners_token_reads_placed_on_the_web_shop(client, world):
    body = order_body(customer_id=world.shop.customers["casey"], channel="web_shop")
    response = client.post("/api/v1/orders", json=body, headers=world.headers("owner"))
    assert response.status_code == 201, response.get_data(as_text=True)
    sign_in(client, world.emails["owner"])
    history = _history(client, response.get_json()["id"])
    assert "Placed on the web shop" in history
    assert "placed by" not in history.lower()
    assert "_" not in history


def test_a_phone_order_reads_entered_by_the_person_who_typed_it(client, world):
    order_id = world.place([("MUG", 1)], channel="phone", who="manager")
    sign_in(client, world.emails["owner"])
    assert "Entered by " in _history(client, order_id)


def test_a_parcel_handed_over_after_the_office_cancelled_reads_as_delivered_although_cancelled(app, client, world):
    shop, office = world.shop, world.actor("manager")
    driver = world.actor("driver")
    _, stops, orders = run_out_for_delivery(shop, office, driver.user_id, stops=1)
    run(app, commands.CancelOrder(orders[0], "customer called"), office)
    ref = blob_ref(role="photo")
    run(app, commands.ConfirmDelivery(stops[0], "Sam Doe", (commands.BlobRef(ref["id"], ref["sha256"], ref["size"],
                                                                             ref["type"], ref["role"]),),
                                      latitude=53.8, longitude=-1.55), driver)
    sign_in(client, world.emails["owner"])
    history = _history(client, orders[0])
    assert "although the order was cancelled" in history
    assert ": customer called" in history and "Cancelled by " in history
    assert "_" not in history and "order." not in history


def test_the_shortage_card_agrees_with_the_lines_and_goes_once_a_retry_reserves_everything(app, client, world):
    manager = world.actor("manager")
    order_id = world.place([("LAMP", 10)], who="manager")  # 8 lamps in London
    run(app, commands.AcceptOrder(order_id), manager)
    sign_in(client, world.emails["owner"])
    page = client.get(f"/orders/{order_id}").get_data(as_text=True)
    assert "Not enough stock" in page and "LAMP: 2 of 10 missing" in page and "reserved 8" in page

    world.shop.stock("LAMP", "MAN", 2)
    run(app, commands.RetryAllocation(order_id), manager)
    page = client.get(f"/orders/{order_id}").get_data(as_text=True)
    assert "Not enough stock" not in page and "missing" not in page and "reserved 10" in page
    assert "Backordered: not enough stock" in _history(client, order_id)
    assert "Allocated to " in _history(client, order_id)
