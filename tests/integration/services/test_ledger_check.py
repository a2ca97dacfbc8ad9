"""The ledger check the end-to-end flows end with: it passes on a real shop and names what is off."""
from __future__ import annotations

import sqlalchemy as sa

from backend.adapters.tables import stock_levels
from backend.extensions import db
from tests.factories import standard_shop
from tests.ledger import ledger_problems


def test_a_shop_with_orders_placed_balances(app):
    shop = standard_shop(app)
    _, email = shop.user("owner")
    shop.place(shop.actor(email), [("MUG", 3), ("LAMP", 1)])
    with app.app_context(), db.engine.connect() as connection:
        assert ledger_problems(connection) == []


def test_a_level_changed_behind_the_ledger_is_named(app):
    shop = standard_shop(app)
    with app.app_context(), db.engine.begin() as connection:
        connection.execute(sa.update(stock_levels).where(stock_levels.c.product_id == shop.products["LAMP"])
                           .values(on_hand=stock_levels.c.on_hand + 2))
        problems = ledger_problems(connection)
    assert len(problems) == 1
    assert f"product {shop.products['LAMP']}" in problems[0] and "(10, 0, 0)" in problems[0]
