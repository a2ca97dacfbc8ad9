"""A new order is written by the repository's Core data mapper: what the handler returns is what is stored."""
import pytest

from backend.domain import commands
from backend.domain.access import Actor, Role
from backend.extensions import db
from backend.adapters.unit_of_work import SqlAlchemyUnitOfWork
from tests.factories import LEEDS, run, standard_shop


def _snapshot(order):
    return {"status": order.status, "version": order.version, "hold_reasons": order.hold_reasons,
            "shortages": order.shortages, "total_minor": order.total_minor, "updated_at": order.updated_at,
            "lines": [(line.id, line.sku, line.quantity,
                       sorted((a.id, a.warehouse_id, a.quantity) for a in line.allocations)) for line in order.lines]}


@pytest.mark.parametrize("billing_country", ["GB", "US"])  # US: a payment hold changes the row after insert
def test_the_stored_order_is_the_order_the_handler_returned(app, billing_country):
    shop = standard_shop(app)
    manager = Actor(user_id=None, role=Role.MANAGER)
    # More mugs than either warehouse holds (a split line), more tees than exist (a shortage written after insert).
    placed, created = run(app, commands.PlaceOrder(
        shop.customers["casey"], "api", (("MUG", 45), ("TEE", 7)), LEEDS, "card",
        billing_address=dict(LEEDS, country=billing_country)), manager)
    assert created
    with app.app_context():
        stored = SqlAlchemyUnitOfWork(db.session).orders.get(placed.id)
        assert _snapshot(stored) == _snapshot(placed)
    assert all(a.id is not None for line in placed.lines for a in line.allocations)
    assert placed.status == ("payment_hold" if billing_country == "US" else "placed")
