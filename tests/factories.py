"""Factories that build a small shop through the real message bus, as users would."""
from __future__ import annotations

import itertools

import pytest
import sqlalchemy as sa

from backend.adapters.mappings import MAPPINGS, reader
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


def stored(cls, key):
    """The stored object of a domain class by id, read from the database as a page would read it."""
    from backend.extensions import db
    return reader(db.session).get(cls, key)


def table_of(cls) -> sa.Table:
    """The table a domain class is stored in (for conditions in stored_all)."""
    return MAPPINGS[cls].table


def stored_all(cls, *where) -> list:
    """Stored objects of a domain class matching conditions on its table, oldest (lowest id) first."""
    from backend.extensions import db
    mapping = MAPPINGS[cls]
    table = mapping.table
    return reader(db.session).load(mapping, sa.select(table).where(*where).order_by(table.c[mapping.key]))


def issue_token(user, name: str = ""):
    """Give `user` (a users row) an API token through the bus, as the token endpoint does: (row, plain value)."""
    return bus().handle(commands.IssueApiToken(name), actor_for(user))


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
            user = bus().handle(commands.CreateUser(email, PASSWORD, role, customer_id=self.customers.get(customer),
                                                    warehouse_ids=tuple(self.warehouses[w] for w in warehouses)),
                                SYSTEM)
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


# -- shipping & dispatch (issue 3) ----------------------------------------------------------------
def packed_order(shop, actor, lines=(("MUG", 1),), *, customer="casey", address=LEEDS, method="card") -> int:
    """An order placed and accepted through the bus, then moved picking -> packed by `Order.transition`
    inside a unit of work (stands in for the floor's pick/pack until tests need the real thing)."""
    from backend.domain.orders import OrderStatus
    from backend.extensions import db
    from backend.adapters.unit_of_work import SqlAlchemyUnitOfWork
    order_id = shop.place(actor, lines, customer=customer, address=address, method=method)
    run(shop.app, commands.AcceptOrder(order_id), actor)
    with shop.app.app_context():
        with SqlAlchemyUnitOfWork(db.session) as uow:
            order = uow.track(uow.orders.get(order_id, for_update=True))
            order.transition(OrderStatus.PICKING, actor_id=actor.user_id)
            order.transition(OrderStatus.PACKED, actor_id=actor.user_id)
            uow.commit()
    return order_id


def shipped_own_fleet(shop, actor, lines=(("MUG", 1),), **kwargs) -> tuple[int, int]:
    """A packed order shipped with our own fleet; returns (order id, shipment id)."""
    order_id = packed_order(shop, actor, lines, **kwargs)
    shipment = run(shop.app, commands.CreateShipment(order_id, "own_fleet"), actor)
    return order_id, shipment.id


# -- delivery (driver) -----------------------------------------------------------------------------
def run_out_for_delivery(shop, actor, driver_id, stops=2, *, method="card", start=True):
    """A run for `driver_id` today with `stops` own-fleet orders, started (orders out for delivery).

    Returns (run id, [stop ids in visiting order], [order ids in the same order]).
    """
    from backend.domain.dispatch import DeliveryRun
    from backend.domain.timefmt import ShopClock
    shipment_ids = [shipped_own_fleet(shop, actor, method=method)[1] for _ in range(stops)]
    today = ShopClock(shop.app.config["WAYBILL_TIMEZONE"]).today()  # the day the driver's page calls today
    planned = run(shop.app, commands.AssignToRun(driver_id, today, tuple(shipment_ids)), actor)
    if start:
        run(shop.app, commands.StartRun(planned.id), actor)
    with shop.app.app_context():
        ordered = stored(DeliveryRun, planned.id).ordered_stops
        return planned.id, [s.id for s in ordered], [s.order_id for s in ordered]


TINY_JPEG = bytes.fromhex(
    "ffd8ffe000104a46494600010100000100010000ffdb004300080606070605080707070909080a0c140d0c0b0b0c1912130f14"
    "1d1a1f1e1d1a1c1c20242e2720222c231c1c2837292c30313434341f27393d38323c2e333432ffc0000b080001000101011100"
    "ffc4001f0000010501010101010100000000000000000102030405060708090a0bffc400b5100002010303020403050504040000"
    "017d01020300041105122131410613516107227114328191a1082342b1c11552d1f02433627282090a161718191a25262728292a"
    "3435363738393a434445464748494a535455565758595a636465666768696a737475767778797a838485868788898a9293949596"
    "9798999aa2a3a4a5a6a7a8a9aab2b3b4b5b6b7b8b9bac2c3c4c5c6c7c8c9cad2d3d4d5d6d7d8d9dae1e2e3e4e5e6e7e8e9eaf1f2"
    "f3f4f5f6f7f8f9faffda0008010100003f00fbd3ffd9")


def blob_ref(data: bytes = TINY_JPEG, role: str = "photo", content_type: str = "image/jpeg") -> dict:
    """A command's reference to an image (id, SHA-256, size, type, role), as a phone sends it."""
    import hashlib
    import uuid
    return {"id": str(uuid.uuid4()), "sha256": hashlib.sha256(data).hexdigest(), "size": len(data),
            "type": content_type, "role": role}


# -- picking and packing (floor) -------------------------------------------------------------------
BOXES = (("S", "Small box", 250, 200, 150, 3000, 150), ("M", "Medium box", 400, 300, 250, 12000, 300),
         ("L", "Large box", 600, 400, 400, 25000, 500))


def picking_setup(shop: Shop) -> None:
    """The box catalogue and bins for the standard shop's London stock (MUG in A-01, LAMP in B-02)."""
    from backend.domain.access import SYSTEM as system
    with shop.app.app_context():
        for code, name, l, w, h, max_g, tare in BOXES:
            bus().handle(commands.CreateBox(code, name, l, w, h, max_g, tare), system)
        bus().handle(commands.AssignBin(shop.warehouses["LON"], shop.products["MUG"], "A-01"), system)
    shop.bin("LON", "B-02")
    with shop.app.app_context():
        bus().handle(commands.AssignBin(shop.warehouses["LON"], shop.products["LAMP"], "B-02"), system)


def _add_bin(self, code, bin_code):
    """Add a bin to a warehouse (straight into the table: bins have no command of their own yet)."""
    import sqlalchemy as sa
    from backend.adapters.tables import bins
    from backend.extensions import db
    with self.app.app_context():
        db.session.execute(sa.insert(bins).values(warehouse_id=self.warehouses[code], code=bin_code))
        db.session.commit()


Shop.bin = _add_bin


def allocated_order(shop: Shop, actor, lines, customer="robin", address=LONDON) -> int:
    """Place and accept an order (London customer: stock comes from LON); returns its id."""
    order_id = shop.place(actor, lines, customer=customer, address=address)
    with shop.app.app_context():
        bus().handle(commands.AcceptOrder(order_id), actor)
    return order_id


def london_pick_list(shop: Shop, manager) -> tuple[int, int, int]:
    """Boxes and bins in London, two allocated London orders (A: 2 MUG + 1 LAMP, B: 2 LAMP) batched by
    `manager` into one pick list; returns (list id, A, B)."""
    picking_setup(shop)
    a = allocated_order(shop, manager, [("MUG", 2), ("LAMP", 1)])
    b = allocated_order(shop, manager, [("LAMP", 2)])
    with shop.app.app_context():
        list_id = bus().handle(commands.CreatePickList(shop.warehouses["LON"]), manager).id
    return list_id, a, b
