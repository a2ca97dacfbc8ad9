"""Placing an order through the bus reserves stock and writes the outbox."""
import sqlalchemy as sa

from backend.adapters.records import AuditEvent, OutboxEvent
from backend.extensions import db
from tests.factories import standard_shop


def test_placing_an_order_reserves_stock_in_the_nearest_warehouse_and_writes_events(app):
    shop = standard_shop(app)
    _, email = shop.user("manager")
    order_id = shop.place(shop.actor(email), [("MUG", 2)])
    with app.app_context():
        names = db.session.execute(sa.select(OutboxEvent.name).order_by(OutboxEvent.id)).scalars().all()
        audits = db.session.execute(sa.select(AuditEvent.action).where(AuditEvent.order_id == order_id)).scalars().all()
        from backend.domain.orders import Order
        order = db.session.get(Order, order_id)
        assert [(a.warehouse_id, a.quantity) for a in order.lines[0].allocations] == [(shop.warehouses["MAN"], 2)]
    assert "order.placed" in names and "stock.reserved" in names
    assert audits == ["order.placed"]
