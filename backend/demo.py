"""Demo data: a small shop with two warehouses, products, stock, customers, five accounts and orders.

Everything goes through the message bus, exactly as a person using the app would create it.
"""
from __future__ import annotations

import sqlalchemy as sa

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
    owner = run(commands.CreateUser("owner@example.com", password, "owner", name="Olivia Owner"), SYSTEM)
    run(commands.CreateUser("manager@example.com", password, "manager", name="Max Manager"), SYSTEM)
    run(commands.CreateUser("floor@example.com", password, "floor", name="Farah Floor",
                            warehouse_ids=(warehouse_ids[0],)), SYSTEM)
    driver = run(commands.CreateUser("driver@example.com", password, "driver", name="Dev Driver"), SYSTEM)
    run(commands.CreateUser("customer@example.com", password, "customer", name="Casey Customer",
                            customer_id=customers[0].id), SYSTEM)
    # Manchester's floor: where units go when London's shelf comes up short (a split order's second part).
    run(commands.CreateUser("floor.manchester@example.com", password, "floor", name="Milo Floor",
                            warehouse_ids=(warehouse_ids[1],)), SYSTEM)
    _demo_orders(run, owner, customers)
    _demo_channel(run)
    _demo_picking(run, owner, warehouse_ids[0])
    _demo_run(run, owner, driver)


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


def _demo_channel(run) -> None:
    """A Shopify shop with two products listed, so the Shop channels page shows one. It has no shop address (there
    is no shop to call): the owner sets one and the webhook secret with `channels set` to connect a real one."""
    import secrets
    run(commands.ConfigureChannel("demo-shopify", "shopify", "GBP", name="Demo Shopify shop",
                                  secret=secrets.token_urlsafe(32), stock_buffer=2), SYSTEM)
    run(commands.SetChannelListing("demo-shopify", "MUG-BLUE", "40427301158945"), SYSTEM)
    run(commands.SetChannelListing("demo-shopify", "LAMP-01", "40427301191713", buffer=0), SYSTEM)


def reset_demo(password: str) -> None:
    """Drop every table's rows and load the demo again."""
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(table.delete())
    db.session.commit()
    load_demo(password)


# -- shipping & dispatch: today's run for the demo driver -------------------------------------------
RUN_STOPS = [  # customer e-mail, name, address (London, with coordinates but one), lines, payment method
    ("priya@example.com", "Priya Patel", {"line1": "22 Mile End Road", "postcode": "E1 4NS",
                                          "phone": "+44 7700 900101",
                                          "latitude": 51.5215, "longitude": -0.0425}, [("LAMP-01", 1)], "card"),
    ("tom@example.com", "Tom Okafor", {"line1": "7 Greenwich High Road", "postcode": "SE10 8JL",
                                       "phone": "+44 7700 900102",
                                       "latitude": 51.4780, "longitude": -0.0144},
     [("KETTLE-S", 1), ("MUG-BLUE", 2)], "cash_on_delivery"),
    ("ana@example.com", "Ana Silva", {"line1": "15 Stratford Broadway", "postcode": "E15 4BQ",
                                      "latitude": 51.5416, "longitude": 0.0005}, [("TEE-M", 2)], "card"),
    ("lee@example.com", "Lee Chen", {"line1": "3 Narrow Street", "postcode": "E14 8DP"}, [("BAG-TOTE", 1)], "card"),
]


def _demo_run(run, owner, driver) -> None:
    """Four London orders shipped with the own fleet and put on the driver's run for today (nearest first;
    one cash on delivery, one address without coordinates so it goes last).

    Picking and packing are stood in for by Order.transition inside a unit of work; the shipment, the
    run and everything after go through the bus like any user action."""
    from .domain.orders import OrderStatus
    from .web.timefmt import shop_today
    from .identity import actor_for
    from .adapters.unit_of_work import SqlAlchemyUnitOfWork
    actor = actor_for(owner)
    shipment_ids = []
    for email, name, where, lines, method in RUN_STOPS:
        address = {"name": name, "city": "London", "country": "GB", "phone": "", **where}
        customer = run(commands.CreateCustomer(email, name, "", (address,)), SYSTEM)
        order, _ = run(commands.PlaceOrder(customer.id, "web_shop", tuple(lines), address, method), actor)
        run(commands.AcceptOrder(order.id), actor)
        with SqlAlchemyUnitOfWork(db.session) as uow:
            packed = uow.track(uow.orders.get(order.id, for_update=True))
            packed.transition(OrderStatus.PICKING, actor_id=owner.id, reason="demo")
            packed.transition(OrderStatus.PACKED, actor_id=owner.id, reason="demo")
            uow.commit()
        shipment_ids.append(run(commands.CreateShipment(order.id, "own_fleet"), actor).id)
    run(commands.AssignToRun(driver.id, shop_today(), tuple(shipment_ids)), actor)  # the day the driver's page opens


# -- picking and packing: a box catalogue, London's bins, and a pick list waiting for the floor -------------
BOXES = [  # code, name, inner length, width, height (mm), max weight, tare (g)
    ("S", "Small box", 250, 200, 150, 3000, 150),
    ("M", "Medium box", 400, 300, 250, 12000, 300),
    ("L", "Large box", 600, 400, 400, 25000, 500),
    ("XL", "Flat-pack carton", 1000, 550, 200, 30000, 900),
]
LONDON_BINS = {"MUG-BLUE": "A-01-01", "MUG-RED": "A-01-02", "KETTLE-S": "A-02-01", "TEE-M": "B-01-01",
               "LAMP-01": "B-01-02"}


def _demo_picking(run, owner, london_id: int) -> None:
    """Boxes, bins for London's stock, and two allocated London orders batched into one pick list."""
    from .identity import actor_for
    from .queries.catalogue import product_by_sku
    actor = actor_for(owner)
    for box in BOXES:
        run(commands.CreateBox(*box), SYSTEM)
    for sku, bin_code in LONDON_BINS.items():
        run(commands.AssignBin(london_id, product_by_sku(db.session, sku).id, bin_code), SYSTEM)
    address = {"name": "Sam Rivers", "line1": "40 Commercial Street", "city": "London", "postcode": "E1 6LT",
               "country": "GB", "phone": "", "latitude": 51.5190, "longitude": -0.0740}
    sam = run(commands.CreateCustomer("sam@example.com", "Sam Rivers", "", (address,)), SYSTEM)
    order_ids = []
    for lines in ([("MUG-BLUE", 2), ("KETTLE-S", 1)], [("TEE-M", 3), ("LAMP-01", 1)]):
        order, _ = run(commands.PlaceOrder(sam.id, "web_shop", tuple(lines), address, "card"), actor)
        run(commands.AcceptOrder(order.id), actor)
        order_ids.append(order.id)
    run(commands.CreatePickList(london_id, tuple(order_ids)), actor)
