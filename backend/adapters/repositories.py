"""Repositories: load and save aggregates, and take row locks in a safe order."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from ..domain.catalogue import Customer, Product, Warehouse
from ..domain.events import utcnow
from ..domain.orders import Order
from ..domain.stock import StockLevel, StockMovement
from .orm import customers, orders, stock_levels, stock_movements, warehouses
from .records import IdempotencyKey


class OrderRepository:
    """Orders, loaded whole (lines and allocations) and optionally locked for change."""

    def __init__(self, session):
        self.session = session

    def add(self, order: Order) -> None:
        """Stage a new order for insert."""
        self.session.add(order)

    def get(self, order_id: int, *, for_update: bool = False) -> Order | None:
        """One order; with for_update the row stays locked until commit (no lost updates)."""
        query = sa.select(Order).where(orders.c.id == order_id)
        if for_update:
            query = query.with_for_update(of=orders).execution_options(populate_existing=True)
        return self.session.execute(query).scalar_one_or_none()

    def by_channel_order_id(self, channel: str, channel_order_id: str) -> Order | None:
        """The order a channel already sent with this id, if any."""
        return self.session.execute(sa.select(Order).where(
            orders.c.channel == channel, orders.c.channel_order_id == channel_order_id)).scalar_one_or_none()

    def customer_recent_orders(self, customer_id: int, *, minutes: int) -> int | None:
        """The customer's orders in the last `minutes`, or None if there is no such customer (one query)."""
        since = utcnow() - timedelta(minutes=minutes)
        recent = (sa.select(sa.func.count()).select_from(orders)
                  .where(orders.c.customer_id == customers.c.id, orders.c.created_at >= since).scalar_subquery())
        return self.session.execute(sa.select(recent).where(customers.c.id == customer_id)).scalar_one_or_none()

    def card_recent_orders(self, card_fingerprint: str, *, minutes: int) -> int:
        """Orders paid with this card in the last `minutes` (payment velocity rule)."""
        since = utcnow() - timedelta(minutes=minutes)
        return self.session.execute(sa.select(sa.func.count()).select_from(orders).where(
            orders.c.created_at >= since, orders.c.card_fingerprint == card_fingerprint)).scalar_one()


class StockRepository:
    """Stock levels and their ledger."""

    def __init__(self, session):
        self.session = session
        self._movements: list[StockMovement] = []

    def lock_levels(self, product_ids) -> list[StockLevel]:
        """Every level of these products, locked in primary-key order.

        One global lock order means two orders touching the same products can never deadlock;
        populate_existing makes the ORM reread values another transaction just committed.
        """
        if not product_ids:
            return []
        query = (sa.select(StockLevel).where(stock_levels.c.product_id.in_(sorted(set(product_ids))))
                 .order_by(stock_levels.c.id).with_for_update().execution_options(populate_existing=True))
        return list(self.session.execute(query).scalars())

    def lock_levels_at_sites(self, product_ids) -> list[tuple[StockLevel, Warehouse]]:
        """Like lock_levels, for active warehouses only, each level with its warehouse (one query)."""
        if not product_ids:
            return []
        query = (sa.select(StockLevel, Warehouse).join(Warehouse, warehouses.c.id == stock_levels.c.warehouse_id)
                 .where(stock_levels.c.product_id.in_(sorted(set(product_ids))), warehouses.c.active.is_(True))
                 .order_by(stock_levels.c.id).with_for_update(of=stock_levels)
                 .execution_options(populate_existing=True))
        return [tuple(row) for row in self.session.execute(query)]

    def lock_level(self, warehouse_id: int, product_id: int) -> StockLevel | None:
        """One level, locked."""
        query = (sa.select(StockLevel).where(stock_levels.c.warehouse_id == warehouse_id,
                                             stock_levels.c.product_id == product_id)
                 .with_for_update().execution_options(populate_existing=True))
        return self.session.execute(query).scalar_one_or_none()

    def add_level(self, level: StockLevel) -> None:
        """Stage a new level row."""
        self.session.add(level)

    def add_movement(self, movement: StockMovement) -> None:
        """Append one movement to the ledger (written by write_pending, in the same transaction)."""
        self._movements.append(movement)

    def write_pending(self) -> None:
        """Insert the staged movements in one statement; the ledger is append-only, never read back here."""
        if self._movements:
            self.session.execute(sa.insert(stock_movements), [
                {"warehouse_id": m.warehouse_id, "product_id": m.product_id, "reason": m.reason,
                 "on_hand_delta": m.on_hand_delta, "reserved_delta": m.reserved_delta,
                 "incoming_delta": m.incoming_delta, "note": m.note, "order_id": m.order_id,
                 "actor_id": m.actor_id, "created_at": m.created_at} for m in self._movements])
            self._movements.clear()

    def discard_pending(self) -> None:
        """Forget staged movements (the transaction is rolled back)."""
        self._movements.clear()


class CatalogueRepository:
    """Products, warehouses and customers."""

    def __init__(self, session):
        self.session = session

    def add(self, thing) -> None:
        """Stage a new catalogue row."""
        self.session.add(thing)

    def products_by_sku(self, skus) -> dict[str, Product]:
        """Active products keyed by SKU."""
        rows = self.session.execute(sa.select(Product).where(Product.sku.in_(list(skus)),
                                                             Product.active.is_(True))).scalars()
        return {p.sku: p for p in rows}

    def product(self, product_id: int) -> Product | None:
        """One product by id."""
        return self.session.get(Product, product_id)

    def product_by_sku(self, sku: str) -> Product | None:
        """One product by SKU, active or not."""
        return self.session.execute(sa.select(Product).where(Product.sku == sku)).scalar_one_or_none()

    def warehouse(self, warehouse_id: int) -> Warehouse | None:
        """One warehouse by id."""
        return self.session.get(Warehouse, warehouse_id)

    def customer_by_email(self, email: str) -> Customer | None:
        """One customer by e-mail (stored lower-case)."""
        return self.session.execute(sa.select(Customer).where(Customer.email == email.lower())).scalar_one_or_none()


class IdempotencyRepository:
    """Idempotency-Keys of API clients and the orders they created."""

    def __init__(self, session):
        self.session = session

    def find(self, user_id: int, key: str) -> IdempotencyKey | None:
        """The stored key of this user, if the request was seen before."""
        return self.session.execute(sa.select(IdempotencyKey).where(
            IdempotencyKey.user_id == user_id, IdempotencyKey.key == key)).scalar_one_or_none()

    def store(self, user_id: int, key: str, request_hash: str | None, order_id: int) -> None:
        """Remember the key in the same transaction as the order; a racing twin hits the unique index."""
        self.session.add(IdempotencyKey(user_id=user_id, key=key, request_hash=request_hash or "",
                                        order_id=order_id))
        self.session.flush()
