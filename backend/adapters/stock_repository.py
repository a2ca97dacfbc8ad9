"""Stock levels, locked for a change in one global order, and the ledger of movements that explains them."""
from __future__ import annotations

import sqlalchemy as sa

from ..domain.allocation import Site
from ..domain.stock import StockLevel, StockMovement
from .data_mapper import DataMapper
from .mappings import STOCK_LEVEL
from .precompiled import Precompiled, PrecompiledBySize, PrecompiledInsert, typed_bind
from .tables import stock_levels, stock_movements, warehouses

_LEVEL_COLUMNS = (stock_levels.c.id, stock_levels.c.warehouse_id, stock_levels.c.product_id, stock_levels.c.bin_id,
                  stock_levels.c.on_hand, stock_levels.c.reserved, stock_levels.c.incoming, stock_levels.c.version)
_LEVEL_KEYS = tuple(column.name for column in _LEVEL_COLUMNS)
# Allocation needs a warehouse's position and country, not its whole address (a JSON value to decode per row).
_SITE_COLUMNS = (warehouses.c.latitude, warehouses.c.longitude,
                 warehouses.c.address["country"].as_string().label("country"))
# Every lock on stock levels is taken in primary-key order: one global order, so no deadlocks.


def _product_ids_in(n: int):
    """product_id IN (:p_0, ..., :p_n-1)."""
    return stock_levels.c.product_id.in_([typed_bind(stock_levels.c.product_id, f"p_{i}") for i in range(n)])


def _ids_params(product_ids) -> dict:
    return {f"p_{i}": product_id for i, product_id in enumerate(sorted(set(product_ids)))}


_LOCK_LEVELS = PrecompiledBySize(lambda n: sa.select(*_LEVEL_COLUMNS).where(_product_ids_in(n))
                                 .order_by(stock_levels.c.id).with_for_update())
_LOCK_LEVELS_AT_SITES = PrecompiledBySize(lambda n: (
    sa.select(*_LEVEL_COLUMNS, *_SITE_COLUMNS).join(warehouses, warehouses.c.id == stock_levels.c.warehouse_id)
    .where(_product_ids_in(n), warehouses.c.active.is_(True))
    .order_by(stock_levels.c.id).with_for_update(of=stock_levels)))
_LOCK_LEVEL = Precompiled(sa.select(*_LEVEL_COLUMNS)
                          .where(stock_levels.c.warehouse_id == typed_bind(stock_levels.c.warehouse_id),
                                 stock_levels.c.product_id == typed_bind(stock_levels.c.product_id))
                          .with_for_update())
_LOCK_LEVELS_BY_ID = PrecompiledBySize(lambda n: sa.select(*_LEVEL_COLUMNS).where(
    stock_levels.c.id.in_([typed_bind(stock_levels.c.id, f"l_{i}") for i in range(n)]))
    .order_by(stock_levels.c.id).with_for_update())
_LEVEL_IDS = sa.select(stock_levels.c.id, stock_levels.c.warehouse_id, stock_levels.c.product_id)
_MOVEMENT_COLUMNS = ("warehouse_id", "product_id", "reason", "on_hand_delta", "reserved_delta", "incoming_delta",
                     "note", "order_id", "actor_id", "created_at")
_INSERT_MOVEMENTS = PrecompiledInsert(stock_movements, _MOVEMENT_COLUMNS)


class StockRepository:
    """Stock levels and their ledger.

    Locked levels are read with precompiled statements and handed to the data mapper, which keeps one
    object per row in this transaction (a row locked twice is the same object) and writes its changes.
    Movements are only ever appended: they are inserted in one statement at commit.
    """

    def __init__(self, session, mapper: DataMapper):
        self.session, self.mapper = session, mapper
        self._movements: list[StockMovement] = []
        self._held: dict[tuple[int, int], StockLevel] = {}  # (warehouse, product) -> level locked in this transaction

    def _locked(self, statement, params) -> list:
        """Run a locking select in the transaction and adopt its levels.

        Levels are only ever read under this lock, so a level this transaction already holds is as it
        left it: the object it has (with its unsaved changes) is returned, not the row, and nothing has
        to be written first.
        """
        rows = statement.run(self.session, params)
        levels = self.mapper.adopt_rows(STOCK_LEVEL, [dict(zip(_LEVEL_KEYS, row)) for row in rows])
        for level in levels:
            self._held[(level.warehouse_id, level.product_id)] = level
        return list(zip(levels, rows))

    def lock_levels(self, product_ids) -> list[StockLevel]:
        """Every level of these products, locked in primary-key order.

        One global lock order means two orders touching the same products can never deadlock;
        the values are read under the lock, so they are what another transaction just committed.
        """
        if not product_ids:
            return []
        params = _ids_params(product_ids)
        return [level for level, _ in self._locked(_LOCK_LEVELS(len(params)), params)]

    def lock_levels_at_sites(self, product_ids) -> list[tuple[StockLevel, Site]]:
        """Like lock_levels, for active warehouses only, each level with its warehouse as an allocation Site."""
        if not product_ids:
            return []
        params = _ids_params(product_ids)
        sites: dict = {}
        found = []
        for level, row in self._locked(_LOCK_LEVELS_AT_SITES(len(params)), params):
            site = sites.get(row.warehouse_id)
            if site is None:
                site = sites[row.warehouse_id] = Site(row.warehouse_id, row.latitude, row.longitude, row.country or "")
            found.append((level, site))
        return found

    def lock_level(self, warehouse_id: int, product_id: int) -> StockLevel | None:
        """One level, locked (a level this transaction already holds is returned as it left it, unread)."""
        held = self._held.get((warehouse_id, product_id))
        if held is not None:
            return held
        found = self._locked(_LOCK_LEVEL, {"warehouse_id": warehouse_id, "product_id": product_id})
        return found[0][0] if found else None

    def lock_levels_of(self, pairs) -> None:
        """Lock the existing levels of these (warehouse, product) pairs now, in primary-key order.

        A batch of changes that each lock one level would otherwise take the locks in the batch's
        order, and two batches could deadlock; taken up front in the global order, they cannot.
        """
        wanted = set(pairs) - set(self._held)
        if not wanted:
            return
        product_ids = sorted({product_id for _, product_id in wanted})
        rows = self.session.execute(_LEVEL_IDS.where(stock_levels.c.product_id.in_(product_ids)))
        ids = sorted(row.id for row in rows if (row.warehouse_id, row.product_id) in wanted)
        if ids:
            self._locked(_LOCK_LEVELS_BY_ID(len(ids)), {f"l_{i}": level_id for i, level_id in enumerate(ids)})

    def forget_locks(self) -> None:
        """The transaction ended, or a step of it was undone: levels must be locked (and read) again."""
        self._held.clear()

    def add_level(self, level: StockLevel) -> None:
        """Store a new level now, so a later lock in this unit of work finds this very object."""
        self.mapper.add(level)
        self.mapper.flush()

    def add_movement(self, movement: StockMovement) -> None:
        """Append one movement to the ledger (written by write_pending, in the same transaction)."""
        self._movements.append(movement)

    def write_pending(self) -> None:
        """Insert the staged movements in one statement."""
        if self._movements:
            _INSERT_MOVEMENTS.run(self.session, [{c: getattr(m, c) for c in _MOVEMENT_COLUMNS}
                                                 for m in self._movements])
            self._movements.clear()

    def pending_count(self) -> int:
        """How many movements are staged (a batch step keeps those before it when it is undone)."""
        return len(self._movements)

    def discard_pending(self, keep: int = 0) -> None:
        """Forget staged movements (the transaction is rolled back), all but the first `keep`."""
        del self._movements[keep:]
