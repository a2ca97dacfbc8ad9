"""One parcel of a split order missed at the door, through the bus: the order follows its parts to an end.

London's part of 5 TEE goes out while Manchester still has 2 to pick. Runs on SQLite and PostgreSQL."""
from datetime import datetime, timezone

import pytest
import sqlalchemy as sa

from backend.adapters.records import OfficeException, OutboxEvent
from backend.adapters.tables import stock_levels
from backend.adapters.unit_of_work import SqlAlchemyUnitOfWork
from backend.domain import commands
from backend.extensions import db
from tests.factories import allocated_order, blob_ref, picking_setup, refused, run, standard_shop
from tests.ledger import assert_ledger_balanced


@pytest.fixture
def shop(app):
    shop = standard_shop(app)
    shop.customer("robin")
    picking_setup(shop)
    shop.stock("TEE", "LON", 5)  # London holds 5, Manchester 5: an order of 7 ships in two parts
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


def _status(app, order_id) -> str:
    with app.app_context():
        return SqlAlchemyUnitOfWork(db.session).orders.get(order_id).status


def _parts(app, order_id):
    from backend.services.fulfilment import parts_of
    with app.app_context():
        uow = SqlAlchemyUnitOfWork(db.session)
        return [(p.status.value, p.attempts) for p in parts_of(uow.orders.get(order_id), uow)]


def _events(app, order_id, name) -> list:
    with app.app_context():
        return db.session.execute(sa.select(OutboxEvent.payload).where(
            OutboxEvent.name == name, OutboxEvent.aggregate_id == order_id,
            OutboxEvent.aggregate_type == "order")).scalars().all()


def _tee_on_hand(app, shop, code) -> int:
    with app.app_context():
        return db.session.execute(sa.select(stock_levels.c.on_hand).where(
            stock_levels.c.product_id == shop.products["TEE"],
            stock_levels.c.warehouse_id == shop.warehouses[code])).scalar_one()


def _pick_pack_ship(app, shop, order_id, code, packer, office):
    pick_list = run(app, commands.CreatePickList(shop.warehouses[code]), office)
    run(app, commands.ClaimPickList(pick_list.id), packer)
    for line in pick_list.lines:
        run(app, commands.RecordPick(line.id, line.remaining), packer)
    run(app, commands.ClosePack(order_id, (("S", 900),)), packer)
    return run(app, commands.CreateShipment(order_id, "own_fleet"), packer)


def _out(app, people, shipment_id):
    today = datetime.now(timezone.utc).date()
    planned = run(app, commands.AssignToRun(people["dev_id"], today, (shipment_id,)), people["max"])
    run(app, commands.StartRun(planned.id), people["max"])
    return planned.stops[0].id


def _deliver(app, people, stop_id):
    ref = blob_ref()
    run(app, commands.ConfirmDelivery(stop_id, "Robin", (commands.BlobRef(
        ref["id"], ref["sha256"], ref["size"], ref["type"], ref["role"]),)), people["dev"])


@pytest.fixture
def london_out(app, shop, people):
    """(order id, London shipment id, its stop id): London's part is in the van, Manchester's not picked."""
    order_id = allocated_order(shop, people["max"], [("TEE", 7)])
    london = _pick_pack_ship(app, shop, order_id, "LON", people["ann"], people["max"])
    return order_id, london.id, _out(app, people, london.id)


def test_a_part_in_the_van_is_announced_arriving_soon_while_the_other_is_still_in_the_warehouse(app, london_out):
    order_id, shipment_id, stop_id = london_out
    assert _status(app, order_id) == "picking"
    assert [(e["stop_id"], e["shipment_id"]) for e in _events(app, order_id, "order.arriving_soon")] == \
        [(stop_id, shipment_id)]


def test_a_stop_is_announced_arriving_soon_once_even_when_the_driver_delivers_another_first(app, shop, people):
    orders = [allocated_order(shop, people["max"], [("MUG", 1)]) for _ in range(2)]
    pick_list = run(app, commands.CreatePickList(shop.warehouses["LON"]), people["max"])
    run(app, commands.ClaimPickList(pick_list.id), people["ann"])
    for line in pick_list.lines:
        run(app, commands.RecordPick(line.id, line.remaining), people["ann"])
    shipments = []
    for order_id in orders:
        run(app, commands.ClosePack(order_id, (("S", 900),)), people["ann"])
        shipments.append(run(app, commands.CreateShipment(order_id, "own_fleet"), people["ann"]).id)
    today = datetime.now(timezone.utc).date()
    planned = run(app, commands.AssignToRun(people["dev_id"], today, tuple(shipments)), people["max"])
    run(app, commands.StartRun(planned.id), people["max"])
    with app.app_context():
        first, second = SqlAlchemyUnitOfWork(db.session).delivery.run(planned.id).ordered_stops
    _deliver(app, people, second.id)  # out of order: the first stop is still next, and was already told
    told = [e["stop_id"] for order_id in orders for e in _events(app, order_id, "order.arriving_soon")]
    assert told == [first.id]
    _deliver(app, people, first.id)
    assert [e["stop_id"] for order_id in orders for e in _events(app, order_id, "order.arriving_soon")] == [first.id]


def test_a_missed_part_while_the_other_is_picked_is_told_to_the_customer_and_the_order_stays_picking(
        app, london_out, people):
    order_id, shipment_id, stop_id = london_out
    run(app, commands.RecordFailedAttempt(stop_id, "no_one_home"), people["dev"])
    assert _status(app, order_id) == "picking"
    assert _parts(app, order_id) == [("delivery_failed", 1), ("waiting", 0)]
    [missed] = _events(app, order_id, "order.part_delivery_failed")
    assert (missed["shipment_id"], missed["attempts"], missed["fail_reason"]) == (shipment_id, 1, "no_one_home")


def test_one_part_returned_and_the_other_delivered_ends_the_order_delivered_with_only_the_returned_stock_back(
        app, shop, people, london_out):
    order_id, shipment_id, stop_id = london_out
    london_before, manchester_before = _tee_on_hand(app, shop, "LON"), _tee_on_hand(app, shop, "MAN")
    run(app, commands.RecordFailedAttempt(stop_id, "no_one_home"), people["dev"])
    run(app, commands.DecideFailedDelivery(shipment_id, "return"), people["max"])  # the order was picking
    assert _status(app, order_id) == "picking"
    assert _tee_on_hand(app, shop, "LON") == london_before + 5
    assert _tee_on_hand(app, shop, "MAN") == manchester_before  # Manchester's units were never in that van
    assert _parts(app, order_id) == [("returned", 1), ("waiting", 0)]
    manchester = _pick_pack_ship(app, shop, order_id, "MAN", people["man"], people["max"])
    assert _status(app, order_id) == "shipped"  # the returned part has ended: only Manchester's is behind
    _deliver(app, people, _out(app, people, manchester.id))
    assert _status(app, order_id) == "delivered"
    assert _parts(app, order_id) == [("returned", 1), ("delivered", 0)]
    assert _tee_on_hand(app, shop, "MAN") == manchester_before - 2  # they left with the delivered parcel
    with app.app_context():
        assert_ledger_balanced(db.engine)


def test_both_parts_in_the_van_and_one_missed_the_order_is_delivery_failed_then_delivered_after_a_reattempt(
        app, shop, people, london_out):
    order_id, london_shipment, london_stop = london_out
    manchester = _pick_pack_ship(app, shop, order_id, "MAN", people["man"], people["max"])
    manchester_stop = _out(app, people, manchester.id)
    assert _status(app, order_id) == "out_for_delivery"
    run(app, commands.RecordFailedAttempt(london_stop, "no_one_home"), people["dev"])
    assert _status(app, order_id) == "delivery_failed"  # the missed parcel is behind the one in the van
    _deliver(app, people, manchester_stop)
    assert _status(app, order_id) == "delivery_failed"
    run(app, commands.DecideFailedDelivery(london_shipment, "reattempt"), people["max"])
    assert _status(app, order_id) == "awaiting_redelivery"
    assert _parts(app, order_id) == [("awaiting_redelivery", 1), ("delivered", 0)]
    _deliver(app, people, _out(app, people, london_shipment))
    assert _status(app, order_id) == "delivered"
    with app.app_context():
        assert_ledger_balanced(db.engine)


def test_a_part_returned_by_itself_at_the_limit_opens_an_exception_naming_the_part(app, shop, people, london_out):
    order_id, shipment_id, stop_id = london_out
    for _ in range(2):
        run(app, commands.RecordFailedAttempt(stop_id, "no_one_home"), people["dev"])
        run(app, commands.DecideFailedDelivery(shipment_id, "reattempt"), people["max"])
        stop_id = _out(app, people, shipment_id)
    london_before = _tee_on_hand(app, shop, "LON")
    run(app, commands.RecordFailedAttempt(stop_id, "no_one_home"), people["dev"])  # the third of 3
    assert _parts(app, order_id) == [("returned", 3), ("waiting", 0)]
    assert _tee_on_hand(app, shop, "LON") == london_before + 5
    assert _status(app, order_id) == "picking"
    assert len(_events(app, order_id, "order.part_returned")) == 1
    with app.app_context():
        [exception] = db.session.execute(sa.select(OfficeException.message).where(
            OfficeException.order_id == order_id)).scalars().all()[-1:]
    assert exception.startswith(f"One parcel of WB-{order_id:06d} could not be delivered after 3 attempts")


def test_offline_packing_of_a_split_part_is_refused_when_the_part_changed_since_the_packer_saw_it(
        app, shop, people):
    order_id = allocated_order(shop, people["max"], [("TEE", 7)])
    with app.app_context():
        seen = SqlAlchemyUnitOfWork(db.session).orders.get(order_id).version
    pick_list = run(app, commands.CreatePickList(shop.warehouses["LON"]), people["max"])
    run(app, commands.ClaimPickList(pick_list.id), people["ann"])
    run(app, commands.RecordPick(pick_list.lines[0].id, 5), people["ann"])
    with app.app_context():
        seen = SqlAlchemyUnitOfWork(db.session).orders.get(order_id).version
    # The office reduces the order meanwhile: London's part holds fewer units than the packer saw.
    run(app, commands.ReduceOrderLine(order_id, _line_id(app, order_id), 6), people["max"])
    error = refused(app, commands.ClosePack(order_id, (("S", 900),), base_version=seen, base_status="picking"),
                    people["ann"])
    assert error.code == "pack.order_changed"


def test_offline_packing_of_a_split_part_goes_ahead_when_only_the_other_warehouse_moved(app, shop, people):
    order_id = allocated_order(shop, people["max"], [("TEE", 7)])
    london = run(app, commands.CreatePickList(shop.warehouses["LON"]), people["max"])
    run(app, commands.ClaimPickList(london.id), people["ann"])
    run(app, commands.RecordPick(london.lines[0].id, 5), people["ann"])
    with app.app_context():
        seen = SqlAlchemyUnitOfWork(db.session).orders.get(order_id).version
    _pick_pack_ship(app, shop, order_id, "MAN", people["man"], people["max"])  # Manchester packs and ships
    run(app, commands.ClosePack(order_id, (("S", 900),), base_version=seen, base_status="picking"), people["ann"])
    assert _status(app, order_id) == "packed"


def _line_id(app, order_id) -> int:
    with app.app_context():
        return SqlAlchemyUnitOfWork(db.session).orders.get(order_id).lines[0].id


def test_a_missed_part_held_for_collection_ends_the_order_delivered_once_collected(app, shop, people, london_out):
    order_id, london_shipment, london_stop = london_out
    run(app, commands.RecordFailedAttempt(london_stop, "no_one_home"), people["dev"])
    run(app, commands.DecideFailedDelivery(london_shipment, "hold"), people["max"])
    assert _parts(app, order_id) == [("awaiting_collection", 1), ("waiting", 0)]
    assert len(_events(app, order_id, "order.part_awaiting_collection")) == 1  # the customer hears of it
    manchester = _pick_pack_ship(app, shop, order_id, "MAN", people["man"], people["max"])
    _deliver(app, people, _out(app, people, manchester.id))
    assert _status(app, order_id) == "awaiting_collection"  # the held parcel is all that is left
    assert _events(app, order_id, "order.delivery_failed") == []  # no second "we missed you" on the way there
    run(app, commands.DecideFailedDelivery(london_shipment, "collected"), people["max"])
    assert _status(app, order_id) == "delivered"
    with app.app_context():
        assert_ledger_balanced(db.engine)
