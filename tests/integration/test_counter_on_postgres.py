"""Counter sales on PostgreSQL: stock leaves the store's shelf in the sale's transaction, the ledger balances,
and two tills racing for the last units never sell more than the shelf holds."""
from __future__ import annotations

import dataclasses
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from backend.adapters.tables import orders, stock_levels
from backend.bootstrap import bus
from backend.domain import commands
from backend.domain.counter import NotEnoughAtCounter
from backend.domain.errors import DomainError
from backend.extensions import db
from tests.factories import Shop
from tests.ledger import assert_ledger_balanced


@pytest.fixture
def shop(pg_app):
    """London is the store, with 3 MUGs on its shelf and plenty in Manchester; a manager sells."""
    shop = Shop(pg_app)
    shop.warehouse("LON", 51.507, 0.02)
    shop.warehouse("MAN", 53.466, -2.32)
    shop.product("MUG", 1200, LON=3, MAN=50)
    _, email = shop.user("manager")
    shop.manager = shop.actor(email)
    with pg_app.app_context():
        before = bus().settings
        bus().settings = dataclasses.replace(before, store_warehouse_code="LON")
    yield shop
    with pg_app.app_context():
        bus().settings = before


def race(app, jobs):
    """Run every job in its own thread and app context, all released at the same instant."""
    start = threading.Barrier(len(jobs))

    def run(job):
        with app.app_context():
            start.wait()
            try:
                return job()
            except DomainError as exc:
                return exc
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        return list(pool.map(run, jobs))


def _sell(app, shop, quantity, tendered=100000):
    with app.app_context():
        order, _ = bus().handle(commands.SellAtCounter((("MUG", quantity),), "cash", tendered_minor=tendered),
                                shop.manager)
        return order.id


def _on_shelf(app, shop):
    with app.app_context():
        return tuple(db.session.execute(sa.select(stock_levels.c.on_hand, stock_levels.c.reserved).where(
            stock_levels.c.warehouse_id == shop.warehouses["LON"],
            stock_levels.c.product_id == shop.products["MUG"])).one())


def test_a_counter_sale_takes_the_units_off_the_shelf_in_its_own_transaction(pg_app, shop):
    _sell(pg_app, shop, 2)
    assert _on_shelf(pg_app, shop) == (1, 0)
    with pg_app.app_context():
        assert_ledger_balanced(db.engine)


def test_more_than_the_shelf_holds_writes_nothing_though_another_warehouse_has_plenty(pg_app, shop):
    with pg_app.app_context():
        with pytest.raises(NotEnoughAtCounter):
            bus().handle(commands.SellAtCounter((("MUG", 4),), "cash", tendered_minor=100000), shop.manager)
        assert db.session.execute(sa.select(sa.func.count()).select_from(orders)).scalar_one() == 0
    assert _on_shelf(pg_app, shop) == (3, 0)


def test_two_tills_racing_for_the_last_units_sell_them_once(pg_app, shop):
    results = race(pg_app, [lambda: _sell(pg_app, shop, 2) for _ in range(4)])
    sold = [r for r in results if isinstance(r, int)]
    assert len(sold) == 1 and all(isinstance(r, NotEnoughAtCounter) for r in results if r not in sold)
    assert _on_shelf(pg_app, shop) == (1, 0)
    with pg_app.app_context():
        assert_ledger_balanced(db.engine)
