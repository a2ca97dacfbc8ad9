"""Aggregates are plain objects read and written by the data mapper: what a handler changes is what is stored."""
from __future__ import annotations

import pytest

from backend.adapters.unit_of_work import SqlAlchemyUnitOfWork
from backend.domain import commands
from backend.domain.access import Actor, Role
from backend.domain.packing import Box
from backend.extensions import db
from tests.factories import LEEDS, run, standard_shop

MANAGER = Actor(user_id=None, role=Role.MANAGER)


def placed_split_order(app):
    """An order whose mug line is reserved in two warehouses (more mugs than either holds)."""
    shop = standard_shop(app)
    order, _ = run(app, commands.PlaceOrder(shop.customers["casey"], "api", (("MUG", 45),), LEEDS, "card"), MANAGER)
    return order.id


def allocations_of(app, order_id):
    with app.app_context():
        order = SqlAlchemyUnitOfWork(db.session).orders.get(order_id)
        return sorted((a.warehouse_id, a.quantity) for line in order.lines for a in line.allocations)


def test_a_changed_and_a_dropped_child_are_written_and_the_rest_left_alone(app):
    order_id = placed_split_order(app)
    before = allocations_of(app, order_id)
    assert len(before) == 2
    with app.app_context():
        with SqlAlchemyUnitOfWork(db.session) as uow:
            line = uow.orders.get(order_id, for_update=True).lines[0]
            first, second = sorted(line.allocations, key=lambda a: a.warehouse_id)
            first.quantity -= 1
            line.allocations.remove(second)
            uow.commit()
    assert allocations_of(app, order_id) == [(before[0][0], before[0][1] - 1)]


def test_a_row_read_twice_in_one_unit_of_work_is_one_object_with_its_unsaved_changes(app):
    order_id = placed_split_order(app)
    with app.app_context():
        with SqlAlchemyUnitOfWork(db.session) as uow:
            order = uow.orders.get(order_id)
            order.notes = "leave by the door"
            assert uow.orders.get(order_id) is order
            assert uow.orders.get(order_id, for_update=True).notes == "leave by the door"  # written, then read back


def test_a_new_object_is_seen_by_a_select_of_the_same_unit_of_work_and_gone_after_rollback(app):
    with app.app_context():
        with SqlAlchemyUnitOfWork(db.session) as uow:
            box = Box("XL-TEST", "Extra large", 600, 400, 400, 30000)
            uow.picking.add_box(box)
            assert uow.picking.box("XL-TEST") is box  # written before the read, as the ORM's autoflush would
            assert box.id is not None
        with SqlAlchemyUnitOfWork(db.session) as uow:
            assert uow.picking.box("XL-TEST") is None  # never committed


def test_changes_after_a_rollback_are_not_written_by_the_next_commit(app):
    order_id = placed_split_order(app)
    with app.app_context():
        with SqlAlchemyUnitOfWork(db.session) as uow:
            uow.orders.get(order_id).notes = "never kept"
            uow.rollback()
            uow.commit()
        with SqlAlchemyUnitOfWork(db.session) as uow:
            assert uow.orders.get(order_id).notes == ""


@pytest.mark.parametrize("column, value", [("hold_reasons", ["risk.manual"]), ("shipping_address", {"city": "York"})])
def test_an_in_place_edit_of_a_json_value_is_written(app, column, value):
    order_id = placed_split_order(app)
    with app.app_context():
        with SqlAlchemyUnitOfWork(db.session) as uow:
            current = getattr(uow.orders.get(order_id, for_update=True), column)
            (current.extend if isinstance(current, list) else current.update)(value)
            uow.commit()
        with SqlAlchemyUnitOfWork(db.session) as uow:
            stored = getattr(uow.orders.get(order_id), column)
            assert (all(v in stored for v in value) if isinstance(value, list)
                    else stored["city"] == value["city"])
