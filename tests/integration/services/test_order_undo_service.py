"""Undoing a cancel or reject through the real bus on SQLite and PostgreSQL: the order, its payment and its
reserved stock come back exactly, once, within the window; everything else is a 409 that changes nothing."""
from datetime import timedelta

import pytest
import sqlalchemy as sa

from backend.adapters.records import AuditEvent, OutboxEvent
from backend.adapters.tables import stock_levels
from backend.domain import commands
from backend.domain.access import Actor, Role
from backend.domain.errors import Forbidden
from backend.domain.orders import Order
from backend.extensions import db
from tests.factories import LEEDS, refused, run, standard_shop, stored
from tests.ledger import assert_ledger_balanced


@pytest.fixture
def shop(app):
    return standard_shop(app)


@pytest.fixture
def manager():
    return Actor(user_id=None, role=Role.MANAGER)


def snapshot(app, shop, order_id) -> dict:
    """The order as the office sees it, with every reserved unit of the shop per (warehouse, sku)."""
    codes = {v: k for k, v in shop.warehouses.items()}
    skus = {v: k for k, v in shop.products.items()}
    with app.app_context():
        order = stored(Order, order_id)
        levels = db.session.execute(sa.select(stock_levels.c.warehouse_id, stock_levels.c.product_id,
                                              stock_levels.c.reserved)).all()
        return {"status": order.status, "payment_status": order.payment_status,
                "shortages": [(s["sku"], s["missing"]) for s in order.shortages],
                "allocations": sorted((line.sku, codes[a.warehouse_id], a.quantity)
                                      for line in order.lines for a in line.allocations),
                "reserved": {(codes[w], skus[p]): r for w, p, r in levels if r}}


def cancelled(app, shop, manager, lines, accept=True):
    """An order cancelled by the office; returns (order id, its snapshot before, the version after)."""
    order_id = shop.place(manager, lines)
    if accept:
        run(app, commands.AcceptOrder(order_id), manager)
    before = snapshot(app, shop, order_id)
    order = run(app, commands.CancelOrder(order_id, "customer phoned"), manager)
    return order_id, before, order.version


def age_last_decision(app, order_id, seconds):
    """Move the order's last decision `seconds` into the past, as if that much time had gone by."""
    with app.app_context():
        last = db.session.execute(sa.select(sa.func.max(AuditEvent.id)).where(
            AuditEvent.order_id == order_id, AuditEvent.to_status.is_not(None))).scalar_one()
        row = db.session.get(AuditEvent, last)
        row.created_at = row.created_at - timedelta(seconds=seconds)
        db.session.commit()


def test_undoing_a_cancel_brings_back_the_status_payment_and_the_same_reserved_units(app, shop, manager):
    order_id, before, version = cancelled(app, shop, manager, [("LAMP", 2), ("TEE", 1)])  # London and Manchester
    assert snapshot(app, shop, order_id)["reserved"] == {}
    run(app, commands.UndoOrderDecision(order_id, version), manager)
    assert snapshot(app, shop, order_id) == before
    assert before["status"] == "allocated" and before["reserved"] == {("LON", "LAMP"): 2, ("MAN", "TEE"): 1}
    with app.app_context():
        assert_ledger_balanced(db.engine)
        audit = db.session.execute(sa.select(AuditEvent.action, AuditEvent.from_status, AuditEvent.to_status)
                                   .where(AuditEvent.order_id == order_id).order_by(AuditEvent.id.desc())).first()
        names = db.session.execute(sa.select(OutboxEvent.name).where(OutboxEvent.aggregate_id == order_id,
                                                                      OutboxEvent.aggregate_type == "order")).scalars()
        assert tuple(audit) == ("order.cancel_undone", "cancelled", "allocated")
        assert "order.cancel_undone" in list(names)


def test_undoing_a_reject_puts_the_order_back_to_be_decided(app, shop, manager):
    order_id = shop.place(manager, [("MUG", 2)])
    before = snapshot(app, shop, order_id)
    order = run(app, commands.RejectOrder(order_id, "out of area"), manager)
    run(app, commands.UndoOrderDecision(order_id, order.version), manager)
    assert snapshot(app, shop, order_id) == before and before["status"] == "placed"


def test_a_second_undo_is_refused_and_changes_nothing(app, shop, manager):
    order_id, before, version = cancelled(app, shop, manager, [("LAMP", 1)])
    run(app, commands.UndoOrderDecision(order_id, version), manager)
    error = refused(app, commands.UndoOrderDecision(order_id, version), manager)
    assert (error.status, error.code) == (409, "order.undo_stale")
    assert snapshot(app, shop, order_id) == before


def test_an_undo_after_the_window_is_refused_and_the_order_stays_cancelled(app, shop, manager):
    order_id, _before, version = cancelled(app, shop, manager, [("LAMP", 1)])
    age_last_decision(app, order_id, 31)
    error = refused(app, commands.UndoOrderDecision(order_id, version), manager)
    assert (error.status, error.code) == (409, "order.undo_expired")
    assert "Too late to undo" in error.message
    view = snapshot(app, shop, order_id)
    assert (view["status"], view["reserved"]) == ("cancelled", {})


def test_an_undo_whose_stock_went_to_another_order_says_so_and_changes_nothing(app, shop, manager):
    order_id, _before, version = cancelled(app, shop, manager, [("LAMP", 2)])
    other = shop.place(manager, [("LAMP", 8)])  # every lamp in London
    error = refused(app, commands.UndoOrderDecision(order_id, version), manager)
    assert (error.status, error.code) == (409, "order.undo_stock_gone")
    assert "LAMP: 2 needed, 0 free in" in error.message
    assert snapshot(app, shop, order_id)["status"] == "cancelled"
    assert snapshot(app, shop, other)["reserved"] == {("LON", "LAMP"): 8}
    with app.app_context():
        assert_ledger_balanced(db.engine)


def test_two_lines_of_one_product_are_counted_together_when_the_stock_is_checked(app, shop, manager):
    order_id, _before, version = cancelled(app, shop, manager, [("LAMP", 3), ("LAMP", 3)])
    shop.place(manager, [("LAMP", 4)])  # 4 of London's 8 lamps: enough for one line, not for both
    error = refused(app, commands.UndoOrderDecision(order_id, version), manager)
    assert (error.status, error.code) == (409, "order.undo_stock_gone")
    assert "LAMP: 3 needed, 1 free in" in error.message
    assert snapshot(app, shop, order_id)["status"] == "cancelled"
    with app.app_context():
        assert_ledger_balanced(db.engine)


def test_a_rejected_payment_hold_cannot_be_undone(app, shop, manager):
    order_id = shop.place(manager, [("MUG", 1)], billing_address=dict(LEEDS, country="FR"))
    order = run(app, commands.RejectPaymentHold(order_id, "stolen card"), manager)
    error = refused(app, commands.UndoOrderDecision(order_id, order.version), manager)
    assert (error.status, error.code) == (409, "order.not_undoable")
    assert "rejected payment stays rejected" in error.message
    assert snapshot(app, shop, order_id)["status"] == "rejected"


def test_a_customer_may_undo_their_own_cancel_but_not_the_shops(app, shop, manager):
    _, email = shop.user("customer", customer="casey")
    casey = shop.actor(email)
    own = shop.place(casey, [("MUG", 1)])
    order = run(app, commands.CancelOrder(own), casey)
    run(app, commands.UndoOrderDecision(own, order.version), casey)
    assert snapshot(app, shop, own)["status"] == "payment_hold"  # a card the buyer says they paid is checked first
    theirs = shop.place(casey, [("MUG", 1)])
    order = run(app, commands.CancelOrder(theirs), manager)
    refused(app, commands.UndoOrderDecision(theirs, order.version), casey, Forbidden)
    assert snapshot(app, shop, theirs)["status"] == "cancelled"
