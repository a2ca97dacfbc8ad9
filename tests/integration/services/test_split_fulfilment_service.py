"""A split order through the bus: a short pick reallocated to Manchester ships in two parts, one per warehouse."""
from datetime import datetime, timezone

import pytest
import sqlalchemy as sa

from backend.adapters.fulfilment_tables import parcels, shipments
from backend.adapters.unit_of_work import SqlAlchemyUnitOfWork
from backend.domain import commands
from backend.domain.errors import Forbidden
from backend.extensions import db
from tests.factories import allocated_order, blob_ref, picking_setup, refused, run, standard_shop
from tests.ledger import assert_ledger_balanced


@pytest.fixture
def shop(app):
    shop = standard_shop(app)
    shop.customer("robin")
    picking_setup(shop)
    shop.stock("TEE", "LON", 7)  # Manchester already holds 5
    return shop


@pytest.fixture
def people(shop):
    ids = {}
    for who, role, warehouses in (("ann", "floor", ("LON",)), ("max", "manager", ()), ("man", "floor", ("MAN",)),
                                  ("dev", "driver", ())):
        user_id, email = shop.user(role, warehouses=warehouses)
        ids[who] = shop.actor(email)
        ids[who + "_id"] = user_id
    return ids


def order(app, order_id):
    with app.app_context():
        return SqlAlchemyUnitOfWork(db.session).orders.get(order_id)


def _parts(app, order_id):
    from backend.services.fulfilment import parts_of
    with app.app_context():
        uow = SqlAlchemyUnitOfWork(db.session)
        return [(p.warehouse_id, p.units, p.status.value) for p in parts_of(uow.orders.get(order_id), uow)]


def _pick_all(app, pick_list, actor):
    for line in pick_list.lines:
        if line.remaining:
            run(app, commands.RecordPick(line.id, line.remaining), actor)


@pytest.fixture
def short_in_london(app, shop, people):
    """A London order of 7 TEE picked 5 with 2 short; the 2 are reallocated to Manchester."""
    order_id = allocated_order(shop, people["max"], [("TEE", 7)])
    london = run(app, commands.CreatePickList(shop.warehouses["LON"]), people["max"])
    run(app, commands.ClaimPickList(london.id), people["ann"])
    line = london.lines[0]
    run(app, commands.RecordPick(line.id, 5), people["ann"])
    run(app, commands.ShortPick(line.id, 2), people["ann"])
    return order_id


def test_a_reallocated_short_pick_splits_the_order_into_a_london_and_a_manchester_part(app, shop, short_in_london):
    lon, man = shop.warehouses["LON"], shop.warehouses["MAN"]
    assert _parts(app, short_in_london) == [(lon, 5, "picked"), (man, 2, "waiting")]
    assert order(app, short_in_london).status == "picking"


def test_london_packs_and_ships_its_part_while_manchester_still_has_to_pick(app, shop, people, short_in_london):
    lon, man = shop.warehouses["LON"], shop.warehouses["MAN"]
    run(app, commands.ClosePack(short_in_london, (("S", 1400),)), people["ann"])
    assert order(app, short_in_london).status == "picking"
    assert _parts(app, short_in_london) == [(lon, 5, "packed"), (man, 2, "waiting")]
    shipment = run(app, commands.CreateShipment(short_in_london, "own_fleet"), people["ann"])
    assert shipment.warehouse_id == lon
    assert _parts(app, short_in_london) == [(lon, 5, "shipped"), (man, 2, "waiting")]
    assert order(app, short_in_london).status == "picking"
    # Manchester's part is not packed: nothing more ships, and London cannot touch it.
    assert refused(app, commands.CreateShipment(short_in_london, "own_fleet"), people["max"]).code == \
        "shipment.not_packed"
    refused(app, commands.ClosePack(short_in_london, (("S", 500),), warehouse_id=man), people["ann"], Forbidden)
    with app.app_context():
        assert db.session.execute(sa.select(parcels.c.warehouse_id)).scalars().all() == [lon]
    assert_ledger_balanced(_engine(app))


def _engine(app):
    with app.app_context():
        return db.engine


def test_manchester_sees_the_reallocated_units_waiting_and_the_order_ends_delivered_with_two_shipments(
        app, shop, people, short_in_london):
    from backend.queries.picking import waiting_orders
    lon, man = shop.warehouses["LON"], shop.warehouses["MAN"]
    run(app, commands.ClosePack(short_in_london, (("S", 1400),)), people["ann"])
    london_shipment = run(app, commands.CreateShipment(short_in_london, "own_fleet"), people["ann"])
    with app.app_context():
        assert [o.id for o in waiting_orders(db.session, man)] == [short_in_london]
        assert waiting_orders(db.session, lon) == []
    manchester = run(app, commands.CreatePickList(man), people["max"])
    assert [(l.sku, l.quantity) for l in manchester.lines] == [("TEE", 2)]
    run(app, commands.ClaimPickList(manchester.id), people["man"])
    _pick_all(app, manchester, people["man"])
    run(app, commands.ClosePack(short_in_london, (("S", 600),)), people["man"])
    assert order(app, short_in_london).status == "packed"  # every part is packed (London's even left)
    manchester_shipment = run(app, commands.CreateShipment(short_in_london, "own_fleet"), people["man"])
    assert manchester_shipment.warehouse_id == man
    assert order(app, short_in_london).status == "shipped"
    today = datetime.now(timezone.utc).date()
    for shipment in (london_shipment, manchester_shipment):  # a run leaves from one warehouse: two runs
        planned = run(app, commands.AssignToRun(people["dev_id"], today, (shipment.id,)), people["max"])
        run(app, commands.StartRun(planned.id), people["max"])
        stop_id = planned.stops[0].id
        ref = blob_ref()
        run(app, commands.ConfirmDelivery(stop_id, "Robin", (commands.BlobRef(
            ref["id"], ref["sha256"], ref["size"], ref["type"], ref["role"]),)), people["dev"])
        expected = "shipped" if shipment is london_shipment else "delivered"
        assert order(app, short_in_london).status == expected
    with app.app_context():
        rows = db.session.execute(sa.select(shipments.c.warehouse_id, shipments.c.status)
                                  .order_by(shipments.c.id)).all()
    assert [tuple(r) for r in rows] == [(lon, "delivered"), (man, "delivered")]
    assert_ledger_balanced(_engine(app))


def test_an_order_split_at_intake_ships_in_two_parts(app, shop, people):
    lon, man = shop.warehouses["LON"], shop.warehouses["MAN"]
    # 40 mugs in London, 10 in Manchester: 45 cannot come from one warehouse.
    order_id = allocated_order(shop, people["max"], [("MUG", 45)])
    assert sorted((w, n) for w, n, _ in _parts(app, order_id)) == [(lon, 40), (man, 5)]
    for warehouse_id, packer in ((lon, people["ann"]), (man, people["man"])):
        pick_list = run(app, commands.CreatePickList(warehouse_id), people["max"])
        _pick_all(app, pick_list, packer)
        run(app, commands.ClosePack(order_id, (("L", 16000),) if warehouse_id == lon else (("M", 2000),)), packer)
        run(app, commands.CreateShipment(order_id, "own_fleet"), packer)
    assert order(app, order_id).status == "shipped"
    assert [s for _, _, s in _parts(app, order_id)] == ["shipped", "shipped"]
    assert_ledger_balanced(_engine(app))


def test_cancelling_a_split_order_after_one_part_left_gives_back_only_the_other_parts_stock(
        app, shop, people, short_in_london):
    run(app, commands.ClosePack(short_in_london, (("S", 1400),)), people["ann"])
    run(app, commands.CreateShipment(short_in_london, "own_fleet"), people["ann"])
    run(app, commands.CancelOrder(short_in_london, "customer called"), people["max"])
    assert order(app, short_in_london).status == "cancelled"
    assert_ledger_balanced(_engine(app))


def test_the_floor_queue_shows_a_split_order_only_where_a_part_is_still_to_pick_or_pack(
        app, shop, people, short_in_london):
    from backend.queries.fulfilment import floor_queue
    lon, man = shop.warehouses["LON"], shop.warehouses["MAN"]

    def queue(who, warehouse_id):
        with app.app_context():
            found = floor_queue(db.session, people[who], [warehouse_id], ("allocated", "picking"))
            return [(item["order"].id, [(r["part"].units, r["words"]) for r in item["parts"]])
                    for item in found["items"]]

    assert queue("ann", lon) == [(short_in_london, [(5, "Picked, ready to pack")])]
    assert queue("man", man) == [(short_in_london, [(2, "Waiting to be picked")])]
    run(app, commands.ClosePack(short_in_london, (("S", 1400),)), people["ann"])
    assert queue("ann", lon) == []  # London's part is packed: nothing left to do there
    assert queue("man", man) == [(short_in_london, [(2, "Waiting to be picked")])]


def test_a_short_pick_in_manchester_is_not_reallocated_to_the_london_part_that_already_left(
        app, shop, people, short_in_london):
    run(app, commands.ClosePack(short_in_london, (("S", 1400),)), people["ann"])
    run(app, commands.CreateShipment(short_in_london, "own_fleet"), people["ann"])
    shop.stock("TEE", "LON", 3)  # London could fill the 2 again, but its part has left
    manchester = run(app, commands.CreatePickList(shop.warehouses["MAN"]), people["max"])
    run(app, commands.ShortPick(manchester.lines[0].id, 2), people["man"])
    placed = order(app, short_in_london)
    assert placed.status == "backordered"  # the office decides: another parcel, or tell the customer
    assert {(a.warehouse_id, a.quantity) for a in placed.lines[0].allocations} == {(shop.warehouses["LON"], 5)}
    assert_ledger_balanced(_engine(app))
