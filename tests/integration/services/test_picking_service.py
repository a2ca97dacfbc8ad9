"""Picking and packing through the bus on SQLite: batching, claiming, picks, short picks, packing, reductions."""
import pytest
import sqlalchemy as sa

from backend.adapters.fulfilment_tables import parcels
from backend.adapters.tables import stock_levels, stock_movements
from backend.adapters.records import OfficeException
from backend.domain import commands
from backend.domain.access import Actor, Role
from backend.domain.errors import Forbidden
from backend.extensions import db
from backend.adapters.unit_of_work import SqlAlchemyUnitOfWork
from tests.factories import allocated_order, picking_setup, refused, run, standard_shop

MANAGER = Actor(user_id=None, role=Role.MANAGER)


@pytest.fixture
def shop(app):
    shop = standard_shop(app)
    shop.customer("robin")
    picking_setup(shop)
    return shop


@pytest.fixture
def people(shop):
    """Two London pickers and a manager, as real users (claims are per user)."""
    ids = {}
    for who, role, warehouses in (("ann", "floor", ("LON",)), ("bob", "floor", ("LON",)), ("max", "manager", ()),
                                  ("man", "floor", ("MAN",))):
        _, email = shop.user(role, warehouses=warehouses)
        ids[who] = shop.actor(email)
    return ids


def order(app, order_id):
    with app.app_context():
        return SqlAlchemyUnitOfWork(db.session).orders.get(order_id)


def pick_list(app, list_id):
    with app.app_context():
        return SqlAlchemyUnitOfWork(db.session).picking.get(list_id)


def level(app, shop, code, sku):
    with app.app_context():
        return tuple(db.session.execute(sa.select(stock_levels.c.on_hand, stock_levels.c.reserved).where(
            stock_levels.c.warehouse_id == shop.warehouses[code],
            stock_levels.c.product_id == shop.products[sku])).one())


def ledger_equals_levels(app) -> bool:
    m = stock_movements.c
    with app.app_context():
        sums = {(w, p): (h, r) for w, p, h, r in db.session.execute(
            sa.select(m.warehouse_id, m.product_id, sa.func.sum(m.on_hand_delta), sa.func.sum(m.reserved_delta))
            .group_by(m.warehouse_id, m.product_id))}
        levels = {(w, p): (h, r) for w, p, h, r in db.session.execute(
            sa.select(stock_levels.c.warehouse_id, stock_levels.c.product_id, stock_levels.c.on_hand,
                      stock_levels.c.reserved))}
    return sums == levels


def exceptions(app) -> list:
    with app.app_context():
        return [(e.code, e.order_id) for e in db.session.execute(sa.select(OfficeException)
                                                                 .order_by(OfficeException.id)).scalars()]


@pytest.fixture
def batch(app, shop, people):
    """Two allocated London orders batched into one list: A = 2 MUG + 1 LAMP, B = 2 LAMP."""
    a = allocated_order(shop, people["max"], [("MUG", 2), ("LAMP", 1)])
    b = allocated_order(shop, people["max"], [("LAMP", 2)])
    created = run(app, commands.CreatePickList(shop.warehouses["LON"]), people["max"])
    return created.id, a, b


def _line(app, list_id, order_id, sku):
    return next(l for l in pick_list(app, list_id).lines if l.order_id == order_id and l.sku == sku)


def test_a_manager_batches_allocated_orders_into_one_walk_sorted_by_bin(app, shop, batch):
    list_id, a, b = batch
    walk = [(l.bin_code, l.sku, l.order_id, l.quantity) for l in pick_list(app, list_id).walk]
    assert walk == [("A-01", "MUG", a, 2), ("B-02", "LAMP", a, 1), ("B-02", "LAMP", b, 2)]
    # Orders already on a list are not batched twice.
    refused(app, commands.CreatePickList(shop.warehouses["LON"]), MANAGER)


def test_floor_staff_cannot_batch_or_claim_in_another_warehouse(app, shop, people, batch):
    list_id, _, _ = batch
    refused(app, commands.CreatePickList(shop.warehouses["LON"]), people["man"], Forbidden)
    refused(app, commands.ClaimPickList(list_id), people["man"], Forbidden)


def test_a_picker_starts_a_pick_list_from_what_waits_in_their_own_warehouse(app, shop, people):
    order_id = allocated_order(shop, people["max"], [("MUG", 2)])
    created = run(app, commands.CreatePickList(shop.warehouses["LON"]), people["ann"])
    assert [line.order_id for line in created.lines] == [order_id]


def test_claiming_moves_the_orders_to_picking_and_a_second_picker_is_refused(app, shop, people, batch):
    list_id, a, b = batch
    run(app, commands.ClaimPickList(list_id), people["ann"])
    assert (order(app, a).status, order(app, b).status) == ("picking", "picking")
    error = refused(app, commands.ClaimPickList(list_id), people["bob"])
    assert error.code == "pick_list.claimed"
    run(app, commands.ClaimPickList(list_id), people["ann"])  # already hers: a no-op
    assert pick_list(app, list_id).claimed_by_id == people["ann"].user_id


def test_a_pick_with_the_wrong_barcode_is_refused_with_what_to_take(app, shop, people, batch):
    list_id, a, _ = batch
    line = _line(app, list_id, a, "MUG")
    error = refused(app, commands.RecordPick(line.id, 1, "LAMP"), people["ann"])
    assert error.code == "pick.wrong_item" and "Take MUG from bin A-01" in error.message
    error = refused(app, commands.ScanPick(list_id, "NOPE"), people["ann"])
    assert error.code == "pick.wrong_item"
    run(app, commands.ScanPick(list_id, "mug"), people["ann"])
    assert _line(app, list_id, a, "MUG").picked_quantity == 1


def test_picks_do_not_move_stock_and_a_losers_pick_is_recorded_and_flagged(app, shop, people, batch):
    list_id, a, _ = batch
    run(app, commands.ClaimPickList(list_id), people["ann"])
    before = level(app, shop, "LON", "MUG")
    run(app, commands.RecordPick(_line(app, list_id, a, "MUG").id, 1), people["ann"])
    run(app, commands.RecordPick(_line(app, list_id, a, "MUG").id, 1), people["bob"])
    assert level(app, shop, "LON", "MUG") == before
    assert _line(app, list_id, a, "MUG").picked_quantity == 2
    assert exceptions(app) == [("pick.list_claimed_by_other", a)]


def test_a_short_pick_takes_the_units_off_the_shelf_and_backorders_when_no_other_warehouse_has_them(
        app, shop, people, batch):
    list_id, _, b = batch
    run(app, commands.ClaimPickList(list_id), people["ann"])
    assert level(app, shop, "LON", "LAMP") == (8, 3)
    line = _line(app, list_id, b, "LAMP")
    run(app, commands.RecordPick(line.id, 1), people["ann"])
    run(app, commands.ShortPick(line.id, 1), people["ann"])
    assert level(app, shop, "LON", "LAMP") == (7, 2)
    assert ledger_equals_levels(app)
    placed = order(app, b)
    assert placed.status == "backordered"
    assert placed.lines[0].allocated_quantity == 1 and placed.shortages == [{"sku": "LAMP", "missing": 1}]
    assert exceptions(app) == [("pick.short_backordered", b)]
    with app.app_context():
        reasons = [r for (r,) in db.session.execute(sa.select(stock_movements.c.reason).where(
            stock_movements.c.order_id == b).order_by(stock_movements.c.id))]
    assert reasons[-2:] == ["released", "adjustment"]


def test_a_short_pick_is_reallocated_to_another_warehouse_when_it_has_stock(app, shop, people, batch):
    list_id, a, _ = batch
    line = _line(app, list_id, a, "MUG")
    run(app, commands.ShortPick(line.id, 2), people["ann"])
    placed = order(app, a)
    mug = next(l for l in placed.lines if l.sku == "MUG")
    assert {(x.warehouse_id, x.quantity) for x in mug.allocations} == {(shop.warehouses["MAN"], 2)}
    assert level(app, shop, "LON", "MUG") == (38, 0)
    assert level(app, shop, "MAN", "MUG") == (10, 2)
    assert ledger_equals_levels(app)
    assert exceptions(app) == [("pick.short_reallocated", a)]
    assert placed.status == "allocated"


def _pick_all(app, list_id, order_id, actor):
    for line in pick_list(app, list_id).lines_of(order_id):
        run(app, commands.RecordPick(line.id, line.remaining), actor)


def test_packing_records_the_parcel_and_marks_the_order_packed(app, shop, people, batch):
    list_id, a, _ = batch
    run(app, commands.ClaimPickList(list_id), people["ann"])
    version = order(app, a).version
    refused_early = refused(app, commands.ClosePack(a, (("M", 2600),), version), people["ann"])
    assert refused_early.code == "pack.not_fully_picked"
    _pick_all(app, list_id, a, people["ann"])
    run(app, commands.ClosePack(a, (("M", 2600),), version), people["ann"])
    assert order(app, a).status == "packed"
    with app.app_context():
        rows = [tuple(r) for r in db.session.execute(sa.select(parcels.c.box_code, parcels.c.weight_grams,
                                                               parcels.c.length_mm).where(parcels.c.order_id == a))]
    assert rows == [("M", 2600, 400)]
    run(app, commands.ClosePack(a, (("M", 2600),), version), people["ann"])  # twice: a no-op
    with app.app_context():
        assert db.session.execute(sa.select(sa.func.count()).select_from(parcels)).scalar_one() == 1


def test_packing_an_order_seen_as_allocated_before_the_claim_is_not_a_change(app, shop, people, batch):
    list_id, a, _ = batch
    seen = order(app, a)
    run(app, commands.ClaimPickList(list_id), people["ann"])
    _pick_all(app, list_id, a, people["ann"])
    run(app, commands.ClosePack(a, (("M", 2600),), seen.version, "allocated"), people["ann"])
    assert order(app, a).status == "packed"


def test_packing_is_refused_when_the_order_changed_since_the_packer_saw_it_or_with_an_unknown_box(
        app, shop, people, batch):
    list_id, a, _ = batch
    run(app, commands.ClaimPickList(list_id), people["ann"])
    _pick_all(app, list_id, a, people["ann"])
    version = order(app, a).version
    error = refused(app, commands.ClosePack(a, (("XXL", 2600),), version), people["ann"])
    assert error.field == "parcels.0.box_code"
    mug_line = next(l for l in order(app, a).lines if l.sku == "MUG")
    run(app, commands.ReduceOrderLine(a, mug_line.id, 1), MANAGER)
    error = refused(app, commands.ClosePack(a, (("M", 2600),), version), people["ann"])
    assert error.code == "pack.order_changed"
    # The mug already picked beyond the new quantity is a put-back for the floor.
    assert exceptions(app) == [("pick.allocation_shrank", a)]


def test_an_offline_pick_for_more_than_is_still_allocated_applies_the_rest_as_a_put_back(
        app, shop, people, batch):
    list_id, a, _ = batch
    run(app, commands.ClaimPickList(list_id), people["ann"])
    mug_line = next(l for l in order(app, a).lines if l.sku == "MUG")
    run(app, commands.ReduceOrderLine(a, mug_line.id, 1), MANAGER)
    assert level(app, shop, "LON", "MUG") == (40, 1)
    reduced = order(app, a)
    assert next(l for l in reduced.lines if l.sku == "MUG").quantity == 1
    assert reduced.total_minor < order(app, a).total_minor + 1
    pick_line = _line(app, list_id, a, "MUG")
    assert pick_line.quantity == 1
    run(app, commands.RecordPick(pick_line.id, 2), people["ann"])  # the phone still thought 2
    assert _line(app, list_id, a, "MUG").picked_quantity == 1
    assert exceptions(app) == [("pick.allocation_shrank", a)]
    assert ledger_equals_levels(app)


def test_reducing_a_line_rescales_its_money(app, shop, people, batch):
    _, a, _ = batch
    before = order(app, a)
    mug = next(l for l in before.lines if l.sku == "MUG")
    run(app, commands.ReduceOrderLine(a, mug.id, 1), MANAGER)
    after = order(app, a)
    new_mug = next(l for l in after.lines if l.sku == "MUG")
    assert new_mug.net_minor * 2 == pytest.approx(mug.net_minor, abs=1)
    dropped = (mug.net_minor - new_mug.net_minor) + (mug.tax_minor - new_mug.tax_minor)
    assert after.total_minor == before.total_minor - dropped
    error = refused(app, commands.ReduceOrderLine(a, mug.id, 1), MANAGER)
    assert error.field == "quantity"


def test_a_short_pick_on_a_cancelled_order_moves_no_stock_and_tells_the_office_to_count(app, shop, people, batch):
    list_id, a, _ = batch
    run(app, commands.CancelOrder(a, "customer changed their mind"), MANAGER)
    before = level(app, shop, "LON", "MUG")
    run(app, commands.ShortPick(_line(app, list_id, a, "MUG").id, 1), people["ann"])
    assert level(app, shop, "LON", "MUG") == before
    assert order(app, a).status == "cancelled"
    assert exceptions(app) == [("pick.short", a)]
    assert ledger_equals_levels(app)


def test_a_pick_for_a_cancelled_order_is_recorded_as_a_put_back(app, shop, people, batch):
    list_id, a, _ = batch
    run(app, commands.CancelOrder(a, ""), MANAGER)
    run(app, commands.RecordPick(_line(app, list_id, a, "LAMP").id, 1), people["ann"])
    assert _line(app, list_id, a, "LAMP").picked_quantity == 0
    assert exceptions(app) == [("pick.allocation_shrank", a)]


def test_units_reallocated_to_another_warehouse_can_be_batched_there(app, shop, people, batch):
    list_id, a, _ = batch
    run(app, commands.ShortPick(_line(app, list_id, a, "MUG").id, 2), people["ann"])
    manchester = run(app, commands.CreatePickList(shop.warehouses["MAN"]), MANAGER)
    assert [(l.order_id, l.sku, l.quantity) for l in manchester.lines] == [(a, "MUG", 2)]
    # London has nothing left to batch for these orders.
    assert refused(app, commands.CreatePickList(shop.warehouses["LON"]), MANAGER).code == "pick_list.nothing_to_pick"


def test_a_backorder_filled_later_in_the_same_warehouse_gets_a_new_pick_line(app, shop, people, batch):
    list_id, _, b = batch
    run(app, commands.ShortPick(_line(app, list_id, b, "LAMP").id, 1), people["ann"])
    assert order(app, b).status == "backordered"
    shop.stock("LAMP", "LON", 1)
    run(app, commands.RetryAllocation(b), MANAGER)
    again = run(app, commands.CreatePickList(shop.warehouses["LON"]), MANAGER)
    assert [(l.order_id, l.sku, l.quantity) for l in again.lines] == [(b, "LAMP", 1)]
