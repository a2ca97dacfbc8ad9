"""Reservation never oversells on PostgreSQL, however many orders race for the same units."""
from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from backend.adapters.mappings import STOCK_LEVEL
from backend.adapters.tables import line_allocations, order_lines, stock_levels, stock_movements, warehouses
from backend.adapters.records import OutboxEvent
from backend.adapters.stock_repository import StockRepository
from backend.bootstrap import bus
from backend.domain import commands
from backend.domain.errors import DomainError
from backend.domain.allocation import Site
from backend.extensions import db
from tests.factories import LEEDS, Shop

THREADS = 60


def scarce_shop(app) -> Shop:
    """10 units of WIDGET split 6/4 over two warehouses, and a manager to place orders."""
    shop = Shop(app)
    shop.warehouse("LON", 51.507, 0.02)
    shop.warehouse("MAN", 53.466, -2.32)
    shop.product("WIDGET", 2500, LON=6, MAN=4)
    shop.product("GADGET", 2500, LON=50, MAN=50)
    shop.customer("casey")
    _, email = shop.user("manager")
    shop.manager = shop.actor(email)
    return shop


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


def stock_violations(app, product_id: int) -> list[str]:
    """Every way the stock of a product disagrees with its ledger or its orders' allocations."""
    problems = []
    with app.app_context():
        levels = db.session.execute(sa.select(stock_levels).where(stock_levels.c.product_id == product_id)).all()
        for level in levels:
            on_hand, reserved = db.session.execute(
                sa.select(sa.func.coalesce(sa.func.sum(stock_movements.c.on_hand_delta), 0),
                          sa.func.coalesce(sa.func.sum(stock_movements.c.reserved_delta), 0))
                .where(stock_movements.c.warehouse_id == level.warehouse_id,
                       stock_movements.c.product_id == product_id)).one()
            if (on_hand, reserved) != (level.on_hand, level.reserved):
                problems.append(f"warehouse {level.warehouse_id}: level {level.on_hand}/{level.reserved} "
                                f"but ledger {on_hand}/{reserved}")
            if level.reserved > level.on_hand:
                problems.append(f"warehouse {level.warehouse_id}: reserved {level.reserved} > on hand {level.on_hand}")
        promised = db.session.execute(
            sa.select(sa.func.coalesce(sa.func.sum(line_allocations.c.quantity), 0))
            .join(order_lines, order_lines.c.id == line_allocations.c.order_line_id)
            .where(order_lines.c.product_id == product_id)).scalar_one()
        on_hand_total = sum(level.on_hand for level in levels)
        if promised > on_hand_total:
            problems.append(f"orders were promised {promised} units but only {on_hand_total} exist")
    return problems


def place_widget(shop, quantity=1):
    def job():
        order, _ = bus().handle(commands.PlaceOrder(shop.customers["casey"], "web_shop", (("WIDGET", quantity),),
                                                    LEEDS, "card"), shop.manager)
        return order.id, order.fully_allocated
    return job


def test_sixty_concurrent_orders_for_ten_units_reserve_exactly_ten(pg_app):
    shop = scarce_shop(pg_app)
    results = race(pg_app, [place_widget(shop) for _ in range(THREADS)])
    assert not [r for r in results if isinstance(r, Exception)]
    assert sum(1 for _, allocated in results if allocated) == 10
    assert stock_violations(pg_app, shop.products["WIDGET"]) == []
    with pg_app.app_context():
        reserved = db.session.execute(sa.select(sa.func.sum(stock_levels.c.reserved))
                                      .where(stock_levels.c.product_id == shop.products["WIDGET"])).scalar_one()
    assert reserved == 10


def test_the_race_check_catches_overselling_when_the_row_locks_are_removed(pg_app, monkeypatch):
    """Proof the test above can fail: without FOR UPDATE the same race promises more than exists."""
    def unlocked(self, product_ids):
        rows = self.session.execute(
            sa.select(stock_levels, warehouses.c.latitude, warehouses.c.longitude, warehouses.c.address)
            .join(warehouses, warehouses.c.id == stock_levels.c.warehouse_id)
            .where(stock_levels.c.product_id.in_(sorted(set(product_ids))))).all()
        time.sleep(0.2)  # widen the read-then-write window the lock normally closes
        levels = self.mapper.adopt_rows(STOCK_LEVEL, [row._asdict() for row in rows], refresh=True)
        return [(level, Site(row.warehouse_id, row.latitude, row.longitude, row.address.get("country", "")))
                for level, row in zip(levels, rows)]

    monkeypatch.setattr(StockRepository, "lock_levels_at_sites", unlocked)
    shop = scarce_shop(pg_app)
    race(pg_app, [place_widget(shop) for _ in range(20)])
    violations = stock_violations(pg_app, shop.products["WIDGET"])
    assert violations != []


def test_the_race_check_catches_overselling_when_the_lock_statement_loses_for_update(pg_app, monkeypatch):
    """The same proof one level down: it is FOR UPDATE in the repository's Core statement that holds the line."""
    from backend.adapters import stock_repository as repositories
    from backend.adapters.precompiled import PrecompiledBySize

    unlocked = PrecompiledBySize(lambda n: (
        sa.select(*repositories._LEVEL_COLUMNS, *repositories._SITE_COLUMNS)
        .join(repositories.warehouses, repositories.warehouses.c.id == stock_levels.c.warehouse_id)
        .where(repositories._product_ids_in(n), repositories.warehouses.c.active.is_(True))
        .order_by(stock_levels.c.id)))
    monkeypatch.setattr(repositories, "_LOCK_LEVELS_AT_SITES", unlocked)
    shop = scarce_shop(pg_app)
    race(pg_app, [place_widget(shop) for _ in range(THREADS)])
    assert stock_violations(pg_app, shop.products["WIDGET"]) != []


def test_orders_locking_the_same_products_in_opposite_line_order_do_not_deadlock(pg_app):
    shop = scarce_shop(pg_app)

    def job(lines):
        def place():
            order, _ = bus().handle(commands.PlaceOrder(shop.customers["casey"], "web_shop", lines, LEEDS, "card"),
                                    shop.manager)
            return order.id
        return place

    forward, backward = (("GADGET", 1), ("WIDGET", 1)), (("WIDGET", 1), ("GADGET", 1))
    results = race(pg_app, [job(forward if i % 2 else backward) for i in range(30)])
    assert not [r for r in results if isinstance(r, Exception)]
    assert stock_violations(pg_app, shop.products["GADGET"]) == []
    assert stock_violations(pg_app, shop.products["WIDGET"]) == []


def test_two_requests_with_the_same_idempotency_key_create_one_order(pg_app):
    shop = scarce_shop(pg_app)

    def job():
        order, created = bus().handle(commands.PlaceOrder(
            shop.customers["casey"], "api", (("GADGET", 2),), LEEDS, "card", idempotency_key="retry-1",
            request_fingerprint="same-body"), shop.manager)
        return order.id, created

    results = race(pg_app, [job for _ in range(8)])
    assert len({order_id for order_id, _ in results}) == 1
    assert sum(1 for _, created in results if created) == 1
    with pg_app.app_context():
        reserved = db.session.execute(sa.select(sa.func.sum(stock_levels.c.reserved))
                                      .where(stock_levels.c.product_id == shop.products["GADGET"])).scalar_one()
    assert reserved == 2


def test_concurrent_accept_and_cancel_leave_one_outcome_and_a_consistent_ledger(pg_app):
    shop = scarce_shop(pg_app)
    order_id = shop.place(shop.manager, [("WIDGET", 3)])

    def accept():
        return bus().handle(commands.AcceptOrder(order_id), shop.manager).status

    def cancel():
        return bus().handle(commands.CancelOrder(order_id, "race"), shop.manager).status

    results = race(pg_app, [accept, cancel, accept, cancel])
    with pg_app.app_context():
        final = db.session.execute(sa.text("SELECT status FROM orders WHERE id = :id"), {"id": order_id}).scalar_one()
        accepted_events = db.session.execute(sa.select(sa.func.count()).select_from(OutboxEvent)
                                             .where(OutboxEvent.name == "order.accepted")).scalar_one()
        reserved = db.session.execute(sa.select(sa.func.sum(stock_levels.c.reserved))
                                      .where(stock_levels.c.product_id == shop.products["WIDGET"])).scalar_one()
    assert accepted_events <= 1
    assert sum(1 for r in results if isinstance(r, Exception)) >= 2  # the losers got a clear domain error
    assert reserved == (0 if final == "cancelled" else 3)
    assert stock_violations(pg_app, shop.products["WIDGET"]) == []


@pytest.mark.parametrize("quantity", [3])
def test_large_orders_racing_for_scarce_stock_never_split_one_unit_twice(pg_app, quantity):
    shop = scarce_shop(pg_app)
    race(pg_app, [place_widget(shop, quantity) for _ in range(16)])
    assert stock_violations(pg_app, shop.products["WIDGET"]) == []
