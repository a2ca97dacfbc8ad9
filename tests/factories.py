"""Factories that build a small shop through the real message bus, as users would."""
from __future__ import annotations

import itertools

import pytest

from backend.accounts import create_user
from backend.bootstrap import bus
from backend.domain import commands
from backend.domain.access import SYSTEM
from backend.domain.errors import DomainError
from backend.identity import actor_for

PASSWORD = "correct-horse-battery"
_emails = itertools.count(1)

LEEDS = {"name": "Casey Customer", "line1": "12 Elm Street", "city": "Leeds", "postcode": "LS1 4AP",
         "country": "GB", "latitude": 53.80, "longitude": -1.55}
LONDON = {"name": "Lou Londoner", "line1": "3 Oxford St", "city": "London", "postcode": "W1D 1AA",
          "country": "GB", "latitude": 51.515, "longitude": -0.14}


class Shop:
    """A two-warehouse shop (London, Manchester) with products and stock, built in an app context."""

    def __init__(self, app):
        self.app = app
        self.warehouses = {}
        self.products = {}
        self.customers = {}

    def warehouse(self, code, lat, lon, bins=("A-01",)):
        with self.app.app_context():
            w = bus().handle(commands.CreateWarehouse(code, f"{code} warehouse", {
                "name": code, "line1": "1 Road", "city": code, "postcode": "X1", "country": "GB"}, lat, lon,
                tuple(bins)), SYSTEM)
            self.warehouses[code] = w.id
        return self.warehouses[code]

    def product(self, sku, price_minor=1000, weight_g=500, **stock_by_warehouse):
        with self.app.app_context():
            p = bus().handle(commands.CreateProduct(sku, f"Product {sku}", price_minor, "GBP",
                                                    {"weight_g": weight_g}), SYSTEM)
            self.products[sku] = p.id
        for code, units in stock_by_warehouse.items():
            self.stock(sku, code, units)
        return self.products[sku]

    def stock(self, sku, code, units):
        with self.app.app_context():
            bus().handle(commands.AdjustStock(self.warehouses[code], self.products[sku], "received",
                                              on_hand_delta=units), SYSTEM)

    def customer(self, key="casey", address=LEEDS):
        with self.app.app_context():
            c = bus().handle(commands.CreateCustomer(f"{key}@example.com", key.title(), "", (address,)), SYSTEM)
            self.customers[key] = c.id
        return self.customers[key]

    def user(self, role, *, customer=None, warehouses=(), email=None):
        """Create a user; returns (user_id, email)."""
        email = email or f"{role}{next(_emails)}@example.com"
        with self.app.app_context():
            user = create_user(email, PASSWORD, role, customer_id=self.customers.get(customer),
                               warehouse_ids=[self.warehouses[w] for w in warehouses])
            return user.id, email

    def actor(self, email):
        """The domain Actor of a user (for service-level tests)."""
        from backend.adapters.records import User
        from backend.extensions import db
        with self.app.app_context():
            import sqlalchemy as sa
            return actor_for(db.session.execute(sa.select(User).where(User.email == email)).scalar_one())

    def place(self, actor, lines, customer="casey", address=LEEDS, method="card", **extra):
        """Place an order through the bus; returns its id."""
        with self.app.app_context():
            order, _ = bus().handle(commands.PlaceOrder(self.customers[customer], extra.pop("channel", "web_shop"),
                                                        tuple(lines), address, method, **extra), actor)
            return order.id


def standard_shop(app) -> Shop:
    """London and Manchester, three products, one customer in Leeds."""
    shop = Shop(app)
    shop.warehouse("LON", 51.507, 0.02)
    shop.warehouse("MAN", 53.466, -2.32)
    shop.product("MUG", 1200, 350, LON=40, MAN=10)
    shop.product("LAMP", 4900, 1800, LON=8)
    shop.product("TEE", 1800, 200, MAN=5)
    shop.customer("casey")
    return shop


def api_headers(client, email, password=PASSWORD) -> dict:
    """Authorization header with a fresh API token for `email`."""
    response = client.post("/api/v1/auth/tokens", json={"email": email, "password": password})
    assert response.status_code == 201, response.get_json()
    return {"Authorization": f"Bearer {response.get_json()['token']}"}


def run(app, command, actor):
    """Handle a command through the bus, as every entry point does."""
    with app.app_context():
        return bus().handle(command, actor)


def refused(app, command, actor, error=DomainError):
    """Handle a command that must fail; returns the error raised."""
    with app.app_context(), pytest.raises(error) as raised:
        bus().handle(command, actor)
    return raised.value
