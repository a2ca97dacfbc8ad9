"""Placing and listing orders over HTTP: prices from the catalogue, filters, paging, idempotent retries."""
from __future__ import annotations

from datetime import datetime

import pytest

from backend.adapters.tables import orders as orders_table
from backend.bootstrap import bus
from backend.domain import commands
from backend.extensions import db
from tests.e2e.conftest import assert_problem, order_body
from tests.factories import LONDON

ORDERS = "/api/v1/orders"


def _place(client, world, who="customer", body=None, **headers):
    return client.post(ORDERS, json=body or order_body(), headers={**world.headers(who), **headers})


def _ids(response) -> list[int]:
    assert response.status_code == 200, response.get_json()
    return [order["id"] for order in response.get_json()["items"]]


def _stock(client, world, warehouse: str, sku: str) -> dict:
    response = client.get("/api/v1/stock", headers=world.headers("owner"), query_string={
        "warehouse_id": world.shop.warehouses[warehouse], "product_id": world.shop.products[sku]})
    [level] = response.get_json()
    return level


# -- placing ---------------------------------------------------------------------------------------
def test_a_customer_places_an_order_for_themselves_with_their_token(client, world):
    response = _place(client, world, "customer")
    assert response.status_code == 201
    order = response.get_json()
    assert order["customer_id"] == world.shop.customers["casey"]
    # A card payment only the buyer vouches for waits for a person (or, later, the gateway) to confirm it.
    assert (order["status"], order["payment_status"]) == ("payment_hold", "unpaid")
    assert response.headers["Location"] == f"{ORDERS}/{order['id']}"


def test_an_owner_places_an_order_for_a_customer_they_name(client, world):
    body = order_body([("LAMP", 1)], address=LONDON, customer_id=world.shop.customers["robin"])
    response = _place(client, world, "owner", body)
    assert response.status_code == 201
    assert response.get_json()["customer_id"] == world.shop.customers["robin"]


def test_a_placed_order_can_be_read_back_by_its_customer(client, world):
    order_id = _place(client, world, "customer").get_json()["id"]
    response = client.get(f"{ORDERS}/{order_id}", headers=world.headers("customer"))
    assert response.status_code == 200
    assert [(line["sku"], line["quantity"]) for line in response.get_json()["lines"]] == [("MUG", 2)]


def test_totals_are_priced_from_the_catalogue_and_the_tax_and_shipping_rules(client, world):
    order = _place(client, world, "customer", order_body([("MUG", 2)])).get_json()
    # 2 x 12.00 = 24.00 net; 700 g ships as 1 started kg: 4.95 + 1.00; 20 % GB tax on goods and shipping.
    assert order["lines"][0]["unit_price_minor"] == 1200
    assert (order["subtotal_minor"], order["shipping_minor"], order["tax_minor"]) == (2400, 595, 480 + 119)
    assert order["total_minor"] == 2400 + 595 + 599


@pytest.mark.parametrize("smuggled, path", [
    ({"total_minor": 1}, "total_minor"),
    ({"subtotal_minor": 1}, "subtotal_minor"),
    ({"tax_minor": 0}, "tax_minor"),
    ({"shipping_minor": 0}, "shipping_minor"),
    ({"lines": [{"sku": "MUG", "quantity": 2, "unit_price_minor": 1}]}, "lines.0.unit_price_minor"),
    ({"lines": [{"sku": "MUG", "quantity": 2, "net_minor": 1}]}, "lines.0.net_minor"),
], ids=["total", "subtotal", "tax", "shipping", "line-unit-price", "line-net"])
def test_price_fields_sent_by_the_client_are_refused_so_prices_cannot_be_smuggled(client, world, unchanged_rows,
                                                                                   smuggled, path):
    with unchanged_rows():
        response = _place(client, world, "customer", {**order_body(), **smuggled})
    assert assert_problem(response, 422)["errors"] == {path: ["Unknown field."]}


def test_placing_an_order_reserves_its_units_in_the_nearest_warehouse_at_once(client, world):
    _place(client, world, "customer", order_body([("MUG", 3)]))
    assert _stock(client, world, "MAN", "MUG")["reserved"] == 3  # Leeds is nearer Manchester
    assert _stock(client, world, "LON", "MUG")["reserved"] == 0


# -- listing ---------------------------------------------------------------------------------------
@pytest.fixture
def three_orders(world):
    """A placed, an allocated and a cancelled order of casey's, oldest first."""
    placed = world.place([("MUG", 1)])
    allocated = world.place([("MUG", 1)])
    cancelled = world.place([("MUG", 1)], channel="phone")
    with world.shop.app.app_context():
        bus().handle(commands.AcceptOrder(allocated), world.actor("owner"))
        bus().handle(commands.CancelOrder(cancelled, "changed mind"), world.actor("owner"))
    return {"placed": placed, "allocated": allocated, "cancelled": cancelled}


def test_the_list_keeps_orders_in_any_of_the_repeated_statuses(client, world, three_orders):
    response = client.get(f"{ORDERS}?status=placed&status=allocated", headers=world.headers("owner"))
    assert sorted(_ids(response)) == sorted([three_orders["placed"], three_orders["allocated"]])


def test_the_list_filters_by_channel(client, world, three_orders):
    response = client.get(ORDERS, query_string={"channel": "phone"}, headers=world.headers("owner"))
    assert _ids(response) == [three_orders["cancelled"]]


def test_the_list_filters_by_customer_for_the_office(client, world, three_orders):
    robins = world.place([("LAMP", 1)], customer="robin")
    response = client.get(ORDERS, query_string={"customer_id": world.shop.customers["robin"]},
                          headers=world.headers("owner"))
    assert _ids(response) == [robins]


def test_the_list_filters_by_creation_time_given_with_utc_offsets(app, client, world, three_orders):
    times = {"placed": "2026-03-01T09:00:00+00:00", "allocated": "2026-03-01T11:00:00+00:00",
             "cancelled": "2026-03-01T13:00:00+00:00"}
    with app.app_context():
        for name, when in times.items():
            db.session.execute(orders_table.update().where(orders_table.c.id == three_orders[name])
                               .values(created_at=datetime.fromisoformat(when)))
        db.session.commit()
    # 12:00+02:00 is 10:00 UTC; 14:00+01:00 is 13:00 UTC and the upper bound is exclusive.
    response = client.get(ORDERS, query_string={"created_from": "2026-03-01T12:00:00+02:00",
                                                "created_to": "2026-03-01T14:00:00+01:00"},
                          headers=world.headers("owner"))
    assert _ids(response) == [three_orders["allocated"]]


def test_a_creation_time_without_an_offset_is_refused_as_ambiguous(client, world):
    response = client.get(ORDERS, query_string={"created_from": "2026-03-01T12:00:00"},
                          headers=world.headers("owner"))
    assert "created_from" in assert_problem(response, 422)["errors"]


def test_the_list_is_paged_newest_first_with_the_total(client, world):
    placed = [world.place([("MUG", 1)]) for _ in range(5)]
    pages = [client.get(ORDERS, query_string={"page": n, "page_size": 2}, headers=world.headers("owner")).get_json()
             for n in (1, 2, 3)]
    assert [page["total"] for page in pages] == [5, 5, 5]
    assert [order["id"] for page in pages for order in page["items"]] == placed[::-1]
    assert (pages[2]["page"], pages[2]["page_size"]) == (3, 2)


@pytest.mark.parametrize("page_size", [0, -1, 101, 10_000])
def test_a_page_size_outside_1_to_100_is_refused(client, world, page_size):
    response = client.get(ORDERS, query_string={"page_size": page_size}, headers=world.headers("owner"))
    assert "page_size" in assert_problem(response, 422)["errors"]


@pytest.mark.parametrize("page_size", [1, 100])
def test_page_sizes_at_the_bounds_are_accepted(client, world, page_size):
    response = client.get(ORDERS, query_string={"page_size": page_size}, headers=world.headers("owner"))
    assert response.status_code == 200
    assert response.get_json()["page_size"] == page_size


# -- idempotent retries ----------------------------------------------------------------------------
def test_a_retry_with_the_same_idempotency_key_returns_the_first_order(client, world):
    first = _place(client, world, "customer", **{"Idempotency-Key": "checkout-42"})
    retry = _place(client, world, "customer", **{"Idempotency-Key": "checkout-42"})
    assert (first.status_code, retry.status_code) == (201, 200)
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert retry.get_json()["id"] == first.get_json()["id"]


def test_a_retried_order_reserves_its_stock_only_once(client, world, rows):
    for _ in range(3):
        _place(client, world, "customer", order_body([("MUG", 2)]), **{"Idempotency-Key": "checkout-42"})
    assert _stock(client, world, "MAN", "MUG")["reserved"] == 2
    assert rows()["orders"] == 1


def test_reusing_an_idempotency_key_for_a_different_order_is_refused(client, world, unchanged_rows):
    _place(client, world, "customer", order_body([("MUG", 2)]), **{"Idempotency-Key": "checkout-42"})
    with unchanged_rows():
        response = _place(client, world, "customer", order_body([("MUG", 3)]), **{"Idempotency-Key": "checkout-42"})
    assert assert_problem(response, 422)["code"] == "idempotency.key_reused"


def test_idempotency_keys_of_different_users_do_not_collide(client, world):
    mine = _place(client, world, "customer", **{"Idempotency-Key": "checkout-1"})
    theirs = _place(client, world, "other_customer", order_body(address=LONDON), **{"Idempotency-Key": "checkout-1"})
    assert (mine.status_code, theirs.status_code) == (201, 201)
    assert mine.get_json()["id"] != theirs.get_json()["id"]
