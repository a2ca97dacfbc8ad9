"""Repositories: load and save aggregates, and take row locks in a safe order."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import class_mapper

from ..domain.allocation import Site
from ..domain.catalogue import Customer, Product, Warehouse
from ..domain.events import utcnow
from ..domain.orders import Order
from ..domain.stock import PlainStockLevel, StockLevel, StockMovement
from .precompiled import Precompiled, PrecompiledBySize, PrecompiledInsert
from .orm import (customers, line_allocations, order_lines, orders, products, stock_levels, stock_movements,
                  warehouses)
from .records import IdempotencyKey


def _loaded(cls, values: dict):
    """A domain object made from a row the way the ORM loads one (no __init__, no attribute events).

    It is not in the session: the repository that built it writes its changes itself.
    """
    manager = _class_managers.get(cls)
    if manager is None:
        manager = _class_managers[cls] = class_mapper(cls).class_manager
    thing = manager.new_instance()
    thing.__dict__.update(values)
    return thing


_class_managers: dict = {}  # mapped class -> its ClassManager (looked up once, not on every row)


# -- Statements of the hot path (order intake), built once and compiled once per dialect; they run on
# -- the session's transaction without SQLAlchemy's per-call work (see precompiled.py).
_ORDER_COLUMNS = tuple(c.name for c in orders.c if c.name != "id")
_ORDER_JSON_COLUMNS = ("shipping_address", "billing_address", "hold_reasons", "shortages")
_LINE_COLUMNS = ("product_id", "sku", "name", "quantity", "unit_price_minor", "net_minor", "tax_minor")


def _snapshot(value):
    """A copy of a JSON value (dicts, lists, scalars) that later in-place edits of the original cannot reach.

    copy.deepcopy does the same for any object, at several times the cost: order intake takes four.
    """
    if isinstance(value, dict):
        return {key: _snapshot(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_snapshot(item) for item in value]
    return value


def _bind(column, name: str | None = None):
    """A named parameter with the column's type (so its bind processing is the column's)."""
    return sa.bindparam(name or column.name, type_=column.type)


def _insert_rows(table, columns, n: int, returning):
    """INSERT of n rows in one statement (parameters `<column>_<i>`), returning `returning`."""
    return sa.insert(table).values([{c: _bind(table.c[c], f"{c}_{i}") for c in columns} for i in range(n)]).returning(
        *returning)


def _numbered(rows: list[dict]) -> dict:
    """Parameters of _insert_rows: one dict, keys suffixed with the row's index."""
    return {f"{key}_{i}": value for i, row in enumerate(rows) for key, value in row.items()}


_LINE_ROW = ("order_id",) + _LINE_COLUMNS
_ALLOCATION_ROW = ("order_line_id", "warehouse_id", "quantity")
_INSERT_ORDER = Precompiled(sa.insert(orders).values({c: _bind(orders.c[c]) for c in _ORDER_COLUMNS})
                            .returning(orders.c.id))
# Multi-row inserts return a key that identifies each row, so ids never depend on RETURNING's order.
_INSERT_LINES = PrecompiledBySize(lambda n: _insert_rows(order_lines, _LINE_ROW, n,
                                                         (order_lines.c.id, order_lines.c.product_id)))
_INSERT_ALLOCATIONS = PrecompiledBySize(lambda n: _insert_rows(
    line_allocations, _ALLOCATION_ROW, n,
    (line_allocations.c.id, line_allocations.c.order_line_id, line_allocations.c.warehouse_id)))
_CUSTOMER_RECENT_ORDERS = Precompiled(sa.select(
    sa.select(sa.func.count()).select_from(orders)
    .where(orders.c.customer_id == customers.c.id, orders.c.created_at >= _bind(orders.c.created_at, "since"))
    .scalar_subquery().label("recent")).where(customers.c.id == _bind(customers.c.id, "customer_id")))


class OrderRepository:
    """Orders, loaded whole (lines and allocations) and optionally locked for change.

    A NEW order is written by a small data mapper (`insert_new` now, `write_pending` at commit) with
    Core statements: the Order aggregate stays plain Python and never enters the ORM session.
    """

    def __init__(self, session):
        self.session = session
        # orders inserted here: (order, its row as last written, {allocation id: quantity written})
        self._new: list[tuple[Order, dict, dict]] = []

    def insert_new(self, order: Order) -> None:
        """Insert a new order and its lines now (they get their ids); allocations follow at commit.

        Whatever changes on the order afterwards in this unit of work (status, shortages, holds,
        allocations) is written by write_pending() before the commit.
        """
        values = vars(order)  # a new order's columns, read without the ORM's attribute machinery
        row = {name: values.get(name) for name in _ORDER_COLUMNS}
        order.id = _INSERT_ORDER.run(self.session, row)[0].id
        lines = order.lines
        if len({line.product_id for line in lines}) < len(lines):  # a product twice: rows told apart by order
            for line in lines:
                self._insert_lines([line], order.id)
        elif lines:
            self._insert_lines(lines, order.id)
        for name in _ORDER_JSON_COLUMNS:  # a snapshot that later in-place edits cannot change
            row[name] = _snapshot(row[name])
        self._new.append((order, row, {}))

    def _insert_lines(self, lines, order_id: int) -> None:
        """Insert lines of distinct products in one statement and give each its id."""
        rows = [dict({c: getattr(line, c) for c in _LINE_COLUMNS}, order_id=order_id) for line in lines]
        ids = {r.product_id: r.id for r in _INSERT_LINES(len(rows)).run(self.session, _numbered(rows))}
        for line in lines:
            line.id, line.order_id = ids[line.product_id], order_id

    def write_pending(self) -> None:
        """Write what changed on orders inserted by insert_new: new allocations, changed columns."""
        for order, row, written in self._new:
            allocations = [(line, a) for line in order.lines for a in line.allocations]
            if any(a.id is not None and written.get(a.id) != a.quantity for _, a in allocations) or len(
                    written) > sum(1 for _, a in allocations if a.id is not None):
                raise RuntimeError("allocations of a new order changed after they were written; not supported")
            fresh = [(line, a) for line, a in allocations if a.id is None]
            if fresh:  # one line's allocations are per warehouse, so (line, warehouse) identifies each row
                rows = [{"order_line_id": line.id, "warehouse_id": a.warehouse_id, "quantity": a.quantity}
                        for line, a in fresh]
                ids = {(r.order_line_id, r.warehouse_id): r.id
                       for r in _INSERT_ALLOCATIONS(len(rows)).run(self.session, _numbered(rows))}
                for line, allocation in fresh:
                    allocation.id, allocation.order_line_id = ids[(line.id, allocation.warehouse_id)], line.id
                    written[allocation.id] = allocation.quantity
            values = vars(order)
            changed = {name: values.get(name) for name in _ORDER_COLUMNS if values.get(name) != row[name]}
            if changed:
                self.session.connection().execute(sa.update(orders).where(orders.c.id == order.id).values(**changed))
                row.update((k, _snapshot(v) if k in _ORDER_JSON_COLUMNS else v) for k, v in changed.items())
            if any(line.id is None for line in order.lines):
                raise RuntimeError("lines added to a new order after insert_new are not written; not supported")

    def discard_pending(self) -> None:
        """Forget orders inserted in a transaction that is rolled back."""
        self._new.clear()

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
        rows = _CUSTOMER_RECENT_ORDERS.run(self.session, {"since": since, "customer_id": customer_id})
        return rows[0].recent if rows else None

    def card_recent_orders(self, card_fingerprint: str, *, minutes: int) -> int:
        """Orders paid with this card in the last `minutes` (payment velocity rule)."""
        since = utcnow() - timedelta(minutes=minutes)
        return self.session.execute(sa.select(sa.func.count()).select_from(orders).where(
            orders.c.created_at >= since, orders.c.card_fingerprint == card_fingerprint)).scalar_one()


_LEVEL_COLUMNS = (stock_levels.c.id, stock_levels.c.warehouse_id, stock_levels.c.product_id, stock_levels.c.bin_id,
                  stock_levels.c.on_hand, stock_levels.c.reserved, stock_levels.c.incoming, stock_levels.c.version)
_LEVEL_KEYS = tuple(column.name for column in _LEVEL_COLUMNS)
_LEVEL_STATE = ("on_hand", "reserved", "incoming", "version", "bin_id")  # what a level's owner may change
# Allocation needs a warehouse's position and country, not its whole address (a JSON value to decode per row).
_SITE_COLUMNS = (warehouses.c.latitude, warehouses.c.longitude,
                 warehouses.c.address["country"].as_string().label("country"))
# Every lock on stock levels is taken in primary-key order: one global order, so no deadlocks.


def _product_ids_in(n: int):
    """product_id IN (:p_0, ..., :p_n-1)."""
    return stock_levels.c.product_id.in_([_bind(stock_levels.c.product_id, f"p_{i}") for i in range(n)])


def _ids_params(product_ids) -> dict:
    return {f"p_{i}": product_id for i, product_id in enumerate(sorted(set(product_ids)))}


_LOCK_LEVELS = PrecompiledBySize(lambda n: sa.select(*_LEVEL_COLUMNS).where(_product_ids_in(n))
                                 .order_by(stock_levels.c.id).with_for_update())
_LOCK_LEVELS_AT_SITES = PrecompiledBySize(lambda n: (
    sa.select(*_LEVEL_COLUMNS, *_SITE_COLUMNS).join(warehouses, warehouses.c.id == stock_levels.c.warehouse_id)
    .where(_product_ids_in(n), warehouses.c.active.is_(True))
    .order_by(stock_levels.c.id).with_for_update(of=stock_levels)))
_LOCK_LEVEL = Precompiled(sa.select(*_LEVEL_COLUMNS)
                          .where(stock_levels.c.warehouse_id == _bind(stock_levels.c.warehouse_id),
                                 stock_levels.c.product_id == _bind(stock_levels.c.product_id))
                          .with_for_update())
_UPDATE_LEVEL = Precompiled(sa.update(stock_levels).where(stock_levels.c.id == _bind(stock_levels.c.id, "level_id"))
                            .values({name: _bind(stock_levels.c[name]) for name in _LEVEL_STATE}))
_MOVEMENT_COLUMNS = ("warehouse_id", "product_id", "reason", "on_hand_delta", "reserved_delta", "incoming_delta",
                     "note", "order_id", "actor_id", "created_at")
_INSERT_MOVEMENTS = PrecompiledInsert(stock_movements, _MOVEMENT_COLUMNS)


class StockRepository:
    """Stock levels and their ledger.

    Locked levels are read with Core statements into PlainStockLevel objects, kept in this unit of
    work's own identity map (a row locked twice is the same object, with its unsaved changes), and
    written back by write_pending() before the commit. Levels created with add_level go through the
    ORM session instead.
    """

    def __init__(self, session):
        self.session = session
        self._movements: list[StockMovement] = []
        self._levels: dict = {}  # level id -> (StockLevel, its state as last read or written, or None if ORM)

    def _level_from(self, row) -> PlainStockLevel:
        """The unit of work's object for a locked row: built on first sight, the same object after that."""
        known = self._levels.get(row.id)
        if known is not None:
            return known[0]
        values = dict(zip(_LEVEL_KEYS, row))  # the level's columns come first
        level = PlainStockLevel.__new__(PlainStockLevel)  # a stored level, so no __init__ defaults
        vars(level).update(values)
        self._levels[row.id] = (level, {name: values[name] for name in _LEVEL_STATE})
        return level

    def _locked_rows(self, statement, params):
        """Run a locking select in the transaction (after flushing staged ORM rows)."""
        if self.session.new or self.session.dirty:
            self.session.flush()  # what an ORM query's autoflush would do
        return statement.run(self.session, params)

    def lock_levels(self, product_ids) -> list[PlainStockLevel]:
        """Every level of these products, locked in primary-key order.

        One global lock order means two orders touching the same products can never deadlock;
        the values are read under the lock, so they are what another transaction just committed.
        """
        if not product_ids:
            return []
        params = _ids_params(product_ids)
        rows = self._locked_rows(_LOCK_LEVELS(len(params)), params)
        return [self._level_from(row) for row in rows]

    def lock_levels_at_sites(self, product_ids) -> list[tuple[PlainStockLevel, Site]]:
        """Like lock_levels, for active warehouses only, each level with its warehouse as an allocation Site."""
        if not product_ids:
            return []
        params = _ids_params(product_ids)
        rows = self._locked_rows(_LOCK_LEVELS_AT_SITES(len(params)), params)
        sites = {}
        for row in rows:
            if row.warehouse_id not in sites:
                sites[row.warehouse_id] = Site(row.warehouse_id, row.latitude, row.longitude, row.country or "")
        return [(self._level_from(row), sites[row.warehouse_id]) for row in rows]

    def lock_level(self, warehouse_id: int, product_id: int) -> PlainStockLevel | None:
        """One level, locked."""
        rows = self._locked_rows(_LOCK_LEVEL, {"warehouse_id": warehouse_id, "product_id": product_id})
        return self._level_from(rows[0]) if rows else None

    def add_level(self, level: StockLevel) -> None:
        """Stage a new level row (ORM: inserted now, so a later lock in this unit of work finds this object)."""
        self.session.add(level)
        self.session.flush()
        self._levels[level.id] = (level, None)

    def add_movement(self, movement: StockMovement) -> None:
        """Append one movement to the ledger (written by write_pending, in the same transaction)."""
        self._movements.append(movement)

    def write_pending(self) -> None:
        """Write changed locked levels, and insert the staged movements in one statement."""
        changed = []
        for level_id, (level, state) in self._levels.items():
            if state is not None and any(getattr(level, name) != state[name] for name in _LEVEL_STATE):
                changed.append(level)
                state.update((name, getattr(level, name)) for name in _LEVEL_STATE)
        changed.sort(key=lambda level: level.id)
        for level in changed:  # a row each, in id order (the order the rows were locked in)
            _UPDATE_LEVEL.run(self.session, dict({name: getattr(level, name) for name in _LEVEL_STATE},
                                                 level_id=level.id))
        if self._movements:
            _INSERT_MOVEMENTS.run(self.session, [{c: getattr(m, c) for c in _MOVEMENT_COLUMNS}
                                                 for m in self._movements])
            self._movements.clear()

    def discard_pending(self) -> None:
        """Forget staged movements and locked levels (the transaction is rolled back)."""
        self._movements.clear()
        self._levels.clear()


_PRODUCTS_BY_SKU = PrecompiledBySize(lambda n: sa.select(products).where(
    products.c.sku.in_([_bind(products.c.sku, f"sku_{i}") for i in range(n)]), products.c.active.is_(True)))


class CatalogueRepository:
    """Products, warehouses and customers."""

    def __init__(self, session):
        self.session = session

    def add(self, thing) -> None:
        """Stage a new catalogue row."""
        self.session.add(thing)

    def products_by_sku(self, skus) -> dict[str, Product]:
        """Active products keyed by SKU: read-only copies for pricing (change products through product())."""
        result = {}
        skus = sorted(set(skus))
        if not skus:
            return {}
        for row in _PRODUCTS_BY_SKU(len(skus)).run(self.session, {f"sku_{i}": sku for i, sku in enumerate(skus)}):
            result[row.sku] = _loaded(Product, row._asdict())
        return result

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
