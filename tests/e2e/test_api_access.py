"""Who may do what over the API: every endpoint against every role, and what each role's lists contain.

One app serves the whole module (a fresh app per case would cost minutes); every order a case acts on is
made fresh for that case, and everything a case creates has a unique name, so cases cannot see each other.
"""
from __future__ import annotations

import itertools

import pytest

from backend.bootstrap import bus
from backend.domain import commands

from backend.adapters.records import User
from backend.extensions import db
from tests.e2e.conftest import order_body
from tests.factories import LEEDS, issue_token

ROLES = ("owner", "manager", "floor", "driver", "customer")
_unique = itertools.count(1)


def _address(city="Depot"):
    return {"name": city, "line1": "1 Road", "city": city, "postcode": "X1 1XX", "country": "GB"}


# Bodies are functions of the case's targets, so names stay unique and ids are the case's own.
def _product(t):
    return {"sku": f"NEW-{t['n']}", "name": "New thing", "price_minor": 500, "currency": "GBP"}


def _warehouse(t):
    return {"code": f"WH-{t['n']}", "name": "Depot", "address": _address(), "latitude": 52.0, "longitude": -1.0}


def _customer(t):
    return {"email": f"new{t['n']}@example.com", "name": "New Customer", "addresses": [_address("Leeds")]}


def _adjust(code):
    return lambda t: {"warehouse_id": t[code], "product_id": t["MUG"], "reason": "received", "on_hand_delta": 1}


def _no_fields(t):
    return {}


def _order(t):
    return order_body([("MUG", 1)], customer_id=t["casey"])


# method, path, body, then the status for owner, manager, floor (London only), driver, customer (casey).
MATRIX = [
    ("GET", "/auth/tokens", None, 200, 200, 200, 200, 200),
    ("DELETE", "/auth/tokens/{own_token}", None, 204, 204, 204, 204, 204),
    ("DELETE", "/auth/tokens/{someone_elses_token}", None, 404, 404, 404, 404, 404),
    ("GET", "/products", None, 200, 200, 200, 200, 200),
    ("POST", "/products", _product, 201, 201, 403, 403, 403),
    ("GET", "/products/{MUG}", None, 200, 200, 200, 200, 200),
    ("PATCH", "/products/{MUG}", lambda t: {"name": "Enamel mug"}, 200, 200, 403, 403, 403),
    ("GET", "/warehouses", None, 200, 200, 200, 200, 403),
    ("POST", "/warehouses", _warehouse, 201, 201, 403, 403, 403),
    ("GET", "/warehouses/{LON}", None, 200, 200, 200, 200, 403),
    ("GET", "/warehouses/{MAN}", None, 200, 200, 403, 200, 403),
    ("GET", "/warehouses/{LON}/bins", None, 200, 200, 200, 403, 403),
    ("GET", "/warehouses/{MAN}/bins", None, 200, 200, 403, 403, 403),
    ("GET", "/customers", None, 200, 200, 403, 403, 403),
    ("POST", "/customers", _customer, 201, 201, 403, 403, 403),
    ("GET", "/customers/me", None, 403, 403, 403, 403, 200),
    ("GET", "/customers/{casey}", None, 200, 200, 404, 404, 200),
    ("GET", "/customers/{robin}", None, 200, 200, 404, 404, 404),
    ("GET", "/stock", None, 200, 200, 200, 403, 403),
    ("GET", "/stock?warehouse_id={LON}", None, 200, 200, 200, 403, 403),
    ("GET", "/stock?warehouse_id={MAN}", None, 200, 200, 403, 403, 403),
    ("GET", "/stock/movements", None, 200, 200, 200, 403, 403),
    ("GET", "/stock/movements?warehouse_id={MAN}", None, 200, 200, 403, 403, 403),
    ("POST", "/stock/adjustments", _adjust("LON"), 201, 201, 201, 403, 403),
    ("POST", "/stock/adjustments", _adjust("MAN"), 201, 201, 403, 403, 403),
    ("POST", "/orders", _order, 201, 201, 403, 403, 201),
    ("GET", "/orders", None, 200, 200, 200, 200, 200),
    ("GET", "/orders/{casey_order}", None, 200, 200, 404, 404, 200),
    ("GET", "/orders/{robin_order}", None, 200, 200, 200, 404, 404),
    ("GET", "/orders/{casey_order}/history", None, 200, 200, 404, 404, 403),
    ("GET", "/orders/{robin_order}/history", None, 200, 200, 200, 404, 404),
    ("GET", "/orders/{casey_order}/timeline", None, 200, 200, 404, 404, 200),
    ("GET", "/orders/{robin_order}/timeline", None, 200, 200, 200, 404, 404),
    ("POST", "/orders/{casey_order}/accept", _no_fields, 200, 200, 403, 403, 403),
    ("POST", "/orders/{robin_order}/accept", _no_fields, 200, 200, 403, 403, 403),
    ("POST", "/orders/{casey_order}/reject", _no_fields, 200, 200, 403, 403, 403),
    ("POST", "/orders/{casey_order}/cancel", _no_fields, 200, 200, 404, 404, 200),
    ("POST", "/orders/{robin_order}/cancel", _no_fields, 200, 200, 403, 404, 404),
    ("POST", "/orders/{held_order}/payment-hold/release", _no_fields, 200, 200, 403, 403, 403),
    ("POST", "/orders/{held_order}/payment-hold/reject", _no_fields, 200, 200, 403, 403, 403),
    ("POST", "/orders/{bank_order}/payment-received", _no_fields, 200, 200, 403, 403, 403),
    # No stock has arrived, so the office hears what is still missing (409); nobody else may ask.
    ("POST", "/orders/{backordered_order}/allocate", _no_fields, 409, 409, 403, 403, 403),
]
CASES = [pytest.param(method, path, body, role, expected, id=f"{method} {path} as {role}")
         for method, path, body, *statuses in MATRIX for role, expected in zip(ROLES, statuses)]


class Targets(dict):
    """The ids a case's URL and body name, each made on first use so every case starts fresh."""

    def __init__(self, world, role):
        super().__init__(world.shop.products | world.shop.warehouses | world.shop.customers)
        self.world, self.role = world, role

    def __missing__(self, key):
        self[key] = value = self._make(key)
        return value

    def _make(self, key):
        world = self.world
        if key == "n":
            return next(_unique)
        if key == "casey_order":
            return world.place([("MUG", 1)])  # Leeds: reserved in Manchester
        if key == "robin_order":
            return world.place([("LAMP", 1)], customer="robin")  # only London stocks lamps
        if key == "held_order":
            return world.place([("MUG", 1)], billing_address={**LEEDS, "country": "FR"})
        if key == "bank_order":
            return world.place([("MUG", 1)], method="bank_transfer")
        if key == "backordered_order":
            order_id = world.place([("LAMP", 10)])  # only 8 lamps exist (London)
            with world.shop.app.app_context():
                bus().handle(commands.AcceptOrder(order_id), world.actor("owner"))
            return order_id
        if key in ("own_token", "someone_elses_token"):
            who = self.role if key == "own_token" else "other_customer"
            with world.shop.app.app_context():
                token, _plain = issue_token(db.session.get(User, world.user_ids[who]))
                return token.id
        raise KeyError(key)


@pytest.fixture(scope="module")
def client(module_app, module_world):
    """One test client over the module's app, whose shop has stock for every case's orders."""
    # Enough that no case's order ever spills to another warehouse, which would change who sees it.
    module_world.shop.stock("MUG", "MAN", 100_000)
    module_world.shop.stock("LAMP", "LON", 100_000)
    return module_app.test_client()


@pytest.mark.parametrize("method, path, body, role, expected", CASES)
def test_each_role_gets_the_status_the_access_rules_give_it(client, module_world, method, path, body, role,
                                                            expected):
    targets = Targets(module_world, role)
    url = "/api/v1" + path.format_map(targets)
    response = client.open(url, method=method, json=body(targets) if body else None,
                           headers=module_world.headers(role))
    assert response.status_code == expected, response.get_data(as_text=True)


# -- what the lists contain --------------------------------------------------------------------------
def _order_list(client, world, who):
    response = client.get("/api/v1/orders", query_string={"page_size": 100}, headers=world.headers(who))
    assert response.status_code == 200
    return response.get_json()["items"]


@pytest.fixture(scope="module")
def both_customers_ordered(module_world):
    """At least one order of each customer, one reserved in each warehouse."""
    return {"casey": module_world.place([("TEE", 1)]), "robin": module_world.place([("LAMP", 1)], customer="robin")}


def test_a_driver_sees_no_orders_yet(client, module_world, both_customers_ordered):
    assert _order_list(client, module_world, "driver") == []


def test_a_customer_lists_only_their_own_orders(client, module_world, both_customers_ordered):
    orders = _order_list(client, module_world, "customer")
    assert both_customers_ordered["casey"] in {o["id"] for o in orders}
    assert {o["customer_id"] for o in orders} == {module_world.shop.customers["casey"]}


def test_floor_staff_list_only_orders_with_stock_reserved_in_their_warehouse(client, module_world,
                                                                            both_customers_ordered):
    orders = _order_list(client, module_world, "floor")
    london = module_world.shop.warehouses["LON"]
    assert both_customers_ordered["robin"] in {o["id"] for o in orders}
    assert both_customers_ordered["casey"] not in {o["id"] for o in orders}
    assert all(any(a["warehouse_id"] == london for line in o["lines"] for a in line["allocations"]) for o in orders)


def test_floor_staff_see_stock_levels_of_their_warehouse_only(client, module_world):
    levels = client.get("/api/v1/stock", headers=module_world.headers("floor")).get_json()
    assert levels and {level["warehouse_id"] for level in levels} == {module_world.shop.warehouses["LON"]}


def test_floor_staff_see_only_their_warehouse_in_the_warehouse_list(client, module_world):
    warehouses = client.get("/api/v1/warehouses", headers=module_world.headers("floor")).get_json()
    assert [w["code"] for w in warehouses] == ["LON"]


def test_a_customer_filtering_by_another_customer_still_sees_only_their_own(client, module_world,
                                                                           both_customers_ordered):
    response = client.get("/api/v1/orders", query_string={"customer_id": module_world.shop.customers["robin"]},
                          headers=module_world.headers("customer"))
    assert response.get_json()["items"] == []


def test_another_customer_cannot_cancel_an_order_that_is_not_theirs(client, module_world):
    order_id = module_world.place([("MUG", 1)])
    response = client.post(f"/api/v1/orders/{order_id}/cancel", json={}, headers=module_world.headers("other_customer"))
    assert response.status_code == 404
    owner_view = client.get(f"/api/v1/orders/{order_id}", headers=module_world.headers("owner")).get_json()
    assert owner_view["status"] == "placed"


def test_a_customer_cannot_cancel_once_the_shop_has_accepted(client, module_world):
    order_id = module_world.place([("MUG", 1)])
    client.post(f"/api/v1/orders/{order_id}/accept", json={}, headers=module_world.headers("owner"))
    response = client.post(f"/api/v1/orders/{order_id}/cancel", json={}, headers=module_world.headers("customer"))
    assert response.status_code == 403
    assert response.get_json()["code"] == "order.cancel_needs_shop"


def test_the_token_of_a_deactivated_account_stops_working(client, module_app, module_world):
    user_id = module_world.user_ids["other_customer"]
    _set_active(module_app, user_id, False)
    try:
        response = client.get("/api/v1/orders", headers=module_world.headers("other_customer"))
        assert response.status_code == 401
    finally:
        _set_active(module_app, user_id, True)


def _set_active(app, user_id, active):
    with app.app_context():
        db.session.get(User, user_id).active = active
        db.session.commit()
