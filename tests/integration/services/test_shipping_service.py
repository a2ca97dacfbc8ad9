"""Shipping through the bus: carriers, label, packed -> shipped, and the SHIPPED ledger movement."""
import pytest
import sqlalchemy as sa

from backend.adapters.fulfilment_tables import shipments
from backend.adapters.tables import stock_levels, stock_movements
from backend.domain import commands
from backend.domain.access import Actor, Role
from backend.domain.errors import Forbidden, NotFound
from backend.domain.shipping import CarrierError
from backend.extensions import db
from tests.carrier import PDF_LABEL, carrier, carrier_app  # noqa: F401  (fixtures)
from tests.factories import packed_order, refused, run, standard_shop, stored

MANAGER = Actor(user_id=None, role=Role.MANAGER)


@pytest.fixture
def shop(carrier_app):
    return standard_shop(carrier_app)


def _status(app, order_id):
    from backend.domain.orders import Order
    with app.app_context():
        return stored(Order, order_id).status


def _shipment_rows(app):
    with app.app_context():
        return db.session.execute(sa.select(shipments.c.order_id, shipments.c.carrier, shipments.c.status)).all()


def _level(app, shop, code, sku):
    with app.app_context():
        return db.session.execute(sa.select(stock_levels.c.on_hand, stock_levels.c.reserved).where(
            stock_levels.c.warehouse_id == shop.warehouses[code],
            stock_levels.c.product_id == shop.products[sku])).one()


def _ledger(app, shop, code, sku):
    m = stock_movements.c
    with app.app_context():
        return tuple(db.session.execute(sa.select(sa.func.sum(m.on_hand_delta), sa.func.sum(m.reserved_delta)).where(
            m.warehouse_id == shop.warehouses[code], m.product_id == shop.products[sku])).one())


def test_own_fleet_shipment_ships_the_order_and_takes_the_units_off_the_shelf(shop, carrier):
    app = shop.app
    order_id = packed_order(shop, MANAGER, (("MUG", 3),), address={
        "name": "Lou", "line1": "3 Oxford St", "city": "London", "postcode": "W1D 1AA", "country": "GB",
        "latitude": 51.515, "longitude": -0.14})
    before = _level(app, shop, "LON", "MUG")
    shipment = run(app, commands.CreateShipment(order_id, "own_fleet"), MANAGER)
    assert shipment.carrier == "own_fleet" and shipment.status == "awaiting_dispatch"
    assert shipment.tracking_number.startswith("WBF") and len(shipment.tracking_number) == 15
    assert shipment.label_format == "zpl" and shipment.label_data.startswith(b"^XA")
    assert b"3 Oxford St" in shipment.label_data and shipment.tracking_number.encode() in shipment.label_data
    assert _status(app, order_id) == "shipped"
    after = _level(app, shop, "LON", "MUG")
    assert (after.on_hand, after.reserved) == (before.on_hand - 3, before.reserved - 3)
    assert _ledger(app, shop, "LON", "MUG") == (after.on_hand, after.reserved)
    assert carrier.requests == []  # own fleet never calls out


def test_two_own_fleet_tracking_numbers_differ(shop):
    a = run(shop.app, commands.CreateShipment(packed_order(shop, MANAGER), "own_fleet"), MANAGER)
    b = run(shop.app, commands.CreateShipment(packed_order(shop, MANAGER), "own_fleet"), MANAGER)
    assert a.tracking_number != b.tracking_number


def test_external_carrier_returns_tracking_and_pdf_label(shop, carrier):
    order_id = packed_order(shop, MANAGER, (("LAMP", 1),))
    shipment = run(shop.app, commands.CreateShipment(order_id, "express", "next_day"), MANAGER)
    assert (shipment.carrier, shipment.tracking_number, shipment.status) == ("express", "EXP00000001GB", "created")
    assert shipment.label_data == PDF_LABEL and shipment.label_format == "pdf"
    headers, body = carrier.requests[0]
    assert headers["authorization"] == "Bearer test-key"
    assert body["service"] == "next_day" and body["to"]["city"] == "Leeds"
    assert body["parcels"][0]["weight_grams"] == 1800  # no parcels packed: the products' weight
    assert _status(shop.app, order_id) == "shipped"


@pytest.mark.parametrize("mode,code", [("error500", "carrier.unavailable"), ("error422", "carrier.rejected"),
                                       ("slow", "carrier.timeout"), ("garbage", "carrier.bad_response"),
                                       ("wrong_format", "carrier.bad_response")])
def test_carrier_failure_writes_nothing_and_the_order_stays_packed(shop, carrier, mode, code):
    order_id = packed_order(shop, MANAGER, (("MUG", 2),))
    before = _level(shop.app, shop, "LON", "MUG")
    carrier.mode, carrier.delay = mode, 3.0
    error = refused(shop.app, commands.CreateShipment(order_id, "express"), MANAGER, CarrierError)
    assert error.code == code
    assert _status(shop.app, order_id) == "packed"
    assert _shipment_rows(shop.app) == []
    assert _level(shop.app, shop, "LON", "MUG") == before
    if mode == "error422":
        assert "postcode not served" in error.message


def test_only_packed_orders_ship_and_only_once(shop):
    placed = shop.place(MANAGER, [("MUG", 1)])
    assert refused(shop.app, commands.CreateShipment(placed, "own_fleet"), MANAGER).code == "shipment.not_packed"
    order_id = packed_order(shop, MANAGER)
    run(shop.app, commands.CreateShipment(order_id, "own_fleet"), MANAGER)
    again = refused(shop.app, commands.CreateShipment(order_id, "own_fleet"), MANAGER)
    assert again.code == "shipment.already_shipped"
    assert len(_shipment_rows(shop.app)) == 1


def test_unknown_carrier_is_refused_by_field(shop):
    error = refused(shop.app, commands.CreateShipment(packed_order(shop, MANAGER), "pigeon"), MANAGER)
    assert (error.code, error.field) == ("shipment.unknown_carrier", "carrier")


def test_floor_staff_ship_only_from_their_warehouse_and_drivers_not_at_all(shop):
    order_id = packed_order(shop, MANAGER)  # MUG to Leeds: allocated in Manchester (nearest)
    london = Actor(user_id=None, role=Role.FLOOR, warehouse_ids=frozenset({shop.warehouses["LON"]}))
    refused(shop.app, commands.CreateShipment(order_id, "own_fleet"), london, (Forbidden, NotFound))
    refused(shop.app, commands.CreateShipment(order_id, "own_fleet"), Actor(user_id=None, role=Role.DRIVER),
            Forbidden)
    manchester = Actor(user_id=None, role=Role.FLOOR, warehouse_ids=frozenset({shop.warehouses["MAN"]}))
    assert run(shop.app, commands.CreateShipment(order_id, "own_fleet"), manchester).warehouse_id == \
        shop.warehouses["MAN"]


def test_an_unreachable_carrier_is_unavailable_and_nothing_is_written(shop, carrier):
    order_id = packed_order(shop, MANAGER)
    carrier.server.shutdown()
    carrier.server.server_close()  # nothing listens on the carrier's port any more
    error = refused(shop.app, commands.CreateShipment(order_id, "express"), MANAGER, CarrierError)
    assert (error.code, error.status) == ("carrier.unavailable", 502)
    assert _status(shop.app, order_id) == "packed" and _shipment_rows(shop.app) == []


def test_a_carrier_url_that_is_not_http_is_refused_at_start():
    from backend.adapters.carriers import build_carriers
    with pytest.raises(RuntimeError):
        build_carriers({"CARRIER_API_URL": "file:///etc/passwd"})
    assert set(build_carriers({})) == {"own_fleet"}


def test_the_floors_packed_parcels_are_what_the_carrier_is_told(shop, carrier):
    order_id = packed_order(shop, MANAGER, (("MUG", 2),))
    with shop.app.app_context():
        parcel = db.metadata.tables["parcel"]
        db.session.execute(sa.insert(parcel), [
            {"order_id": order_id, "box_code": "S", "weight_grams": 420, "length_mm": 200, "width_mm": 150,
             "height_mm": 100},
            {"order_id": order_id, "box_code": "M", "weight_grams": 380, "length_mm": 300, "width_mm": 200,
             "height_mm": 150}])
        db.session.commit()
    run(shop.app, commands.CreateShipment(order_id, "express"), MANAGER)
    _headers, body = carrier.requests[0]
    assert [(p["box_code"], p["weight_grams"]) for p in body["parcels"]] == [("S", 420), ("M", 380)]
