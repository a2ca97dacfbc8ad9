"""Demo data: a small shop with two warehouses, products, stock, customers, five accounts and orders.

Everything goes through the message bus, exactly as a person using the app would create it.
"""
from __future__ import annotations

import sqlalchemy as sa

from .accounts import create_user
from .adapters.records import User
from .bootstrap import bus
from .domain import commands
from .domain.access import SYSTEM
from .extensions import db

WAREHOUSES = [
    ("LON", "London Docklands", {"name": "Waybill London", "line1": "1 Dock Road", "city": "London",
                                 "postcode": "E16 1AA", "country": "GB"}, 51.507, 0.02,
     ["A-01-01", "A-01-02", "A-02-01", "B-01-01", "B-01-02"]),
    ("MAN", "Manchester Trafford", {"name": "Waybill Manchester", "line1": "9 Park Way", "city": "Manchester",
                                    "postcode": "M17 1AB", "country": "GB"}, 53.466, -2.32,
     ["A-01-01", "A-01-02", "B-01-01"]),
]
PRODUCTS = [  # sku, name, brand, category, price, grams, (l, w, h) mm, barcode, stock LON, stock MAN
    ("MUG-BLUE", "Enamel mug, blue", "Camp&Co", "Kitchen", 1200, 350, (120, 90, 100), "5012345678900", 40, 10),
    ("MUG-RED", "Enamel mug, red", "Camp&Co", "Kitchen", 1200, 350, (120, 90, 100), "5012345678917", 5, 30),
    ("LAMP-01", "Desk lamp, brass", "Lumen", "Lighting", 4900, 1800, (400, 200, 200), "5012345678924", 8, 2),
    ("TEE-M", "Organic T-shirt, M", "Loom", "Clothing", 1800, 200, (300, 250, 20), "5012345678931", 60, 60),
    ("TEE-L", "Organic T-shirt, L", "Loom", "Clothing", 1800, 220, (300, 250, 20), "5012345678948", 0, 25),
    ("KETTLE-S", "Stove kettle", "Camp&Co", "Kitchen", 3500, 900, (220, 220, 200), "5012345678955", 12, 0),
    ("BAG-TOTE", "Canvas tote", "Loom", "Bags", 900, 150, (380, 420, 10), "5012345678962", 100, 50),
    ("CHAIR-F", "Folding chair", "Camp&Co", "Furniture", 12900, 6500, (900, 500, 120), "5012345678979", 3, 1),
]
CUSTOMERS = [
    ("customer@example.com", "Casey Customer", "+447700900001",
     {"name": "Casey Customer", "line1": "12 Elm Street", "city": "Leeds", "postcode": "LS1 4AP", "country": "GB",
      "phone": "+447700900001", "latitude": 53.80, "longitude": -1.55}),
    ("robin@example.com", "Robin Buyer", "+447700900002",
     {"name": "Robin Buyer", "line1": "4 Harbour Row", "city": "Brighton", "postcode": "BN1 1AA", "country": "GB",
      "phone": "+447700900002", "latitude": 50.82, "longitude": -0.14}),
]


def demo_loaded() -> bool:
    """True once the demo owner exists (demo data is loaded only once)."""
    return db.session.execute(sa.select(User.id).where(User.email == "owner@example.com")).first() is not None


def load_demo(password: str) -> None:
    """Create the demo shop; call only on an empty database."""
    run = bus().handle
    warehouse_ids = []
    for code, name, address, lat, lon, bin_codes in WAREHOUSES:
        warehouse_ids.append(run(commands.CreateWarehouse(code, name, address, lat, lon, tuple(bin_codes)), SYSTEM).id)
    for sku, name, brand, category, price, grams, (l, w, h), barcode, *stock in PRODUCTS:
        product = run(commands.CreateProduct(sku, name, price, "GBP", {
            "brand": brand, "category": category, "weight_g": grams, "length_mm": l, "width_mm": w,
            "height_mm": h, "barcode": barcode}), SYSTEM)
        for warehouse_id, units in zip(warehouse_ids, stock, strict=True):
            if units:
                run(commands.AdjustStock(warehouse_id, product.id, "received", on_hand_delta=units,
                                         note="opening stock"), SYSTEM)
    customers = [run(commands.CreateCustomer(email, name, phone, (address,)), SYSTEM)
                 for email, name, phone, address in CUSTOMERS]
    owner = create_user("owner@example.com", password, "owner", name="Olivia Owner")
    create_user("manager@example.com", password, "manager", name="Max Manager")
    create_user("floor@example.com", password, "floor", name="Farah Floor", warehouse_ids=[warehouse_ids[0]])
    create_user("driver@example.com", password, "driver", name="Dev Driver")
    create_user("customer@example.com", password, "customer", name="Casey Customer", customer_id=customers[0].id)
    _demo_orders(run, owner, customers)


def _demo_orders(run, owner, customers) -> None:
    """A few orders in different states so every list has something in it."""
    from .identity import actor_for
    actor = actor_for(owner)
    casey, robin = customers

    def place(customer, lines, method="card", **extra):
        address = customer.addresses[0]
        order, _ = run(commands.PlaceOrder(customer.id, extra.pop("channel", "web_shop"), tuple(lines), address,
                                           method, **extra), actor)
        return order

    accepted = place(casey, [("MUG-BLUE", 2), ("TEE-M", 1)])
    run(commands.AcceptOrder(accepted.id), actor)
    place(robin, [("LAMP-01", 1)], channel="marketplace", channel_order_id="MKT-1001")
    place(casey, [("KETTLE-S", 1), ("BAG-TOTE", 3)], method="cash_on_delivery", channel="phone")
    place(robin, [("CHAIR-F", 9)], billing_address={**robin.addresses[0], "country": "FR"})  # on payment hold
    place(casey, [("TEE-L", 2)], method="bank_transfer")
    cancelled = place(robin, [("MUG-RED", 1)])
    run(commands.CancelOrder(cancelled.id, "customer changed their mind"), actor)


def reset_demo(password: str) -> None:
    """Drop every table's rows and load the demo again."""
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(table.delete())
    db.session.commit()
    load_demo(password)
