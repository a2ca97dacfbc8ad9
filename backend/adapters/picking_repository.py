"""Pick lists, their lines, the box catalogue and parcels: loaded and saved for the picking services."""
from __future__ import annotations

import sqlalchemy as sa

from ..domain.orders import Order
from ..domain.packing import Box
from ..domain.picking import PickLine, PickList, uncovered_units
from .data_mapper import DataMapper
from .fulfilment_tables import boxes, parcels, pick_lines, pick_lists
from .mappings import BOX, ORDER, PICK_LINE, PICK_LIST, PRODUCT
from .tables import bins, line_allocations, order_lines, orders, products, stock_levels


class PickingRepository:
    """Everything picking and packing read and write."""

    def __init__(self, session, mapper: DataMapper):
        self.session, self.mapper = session, mapper

    # -- pick lists --------------------------------------------------------------------------------
    def add(self, pick_list: PickList) -> None:
        """Stage a new pick list with its lines."""
        self.mapper.add(pick_list)

    def get(self, pick_list_id: int, *, for_update: bool = False) -> PickList | None:
        """One pick list with its lines; locked until commit with for_update (two phones claiming at once)."""
        return self.mapper.get(PickList, pick_list_id, for_update=for_update)

    def list_of_line(self, pick_line_id: int, *, for_update: bool = False) -> PickList | None:
        """The pick list a line belongs to (locked with for_update)."""
        list_id = self.session.execute(sa.select(pick_lines.c.pick_list_id)
                                       .where(pick_lines.c.id == pick_line_id)).scalar_one_or_none()
        return None if list_id is None else self.get(list_id, for_update=for_update)

    def lines_of_order(self, order_id: int) -> list[PickLine]:
        """Every pick line of an order (on any list)."""
        return self.mapper.load(PICK_LINE, sa.select(pick_lines).where(pick_lines.c.order_id == order_id)
                                .order_by(pick_lines.c.id))

    def lines_by_warehouse(self, order_id: int) -> dict:
        """warehouse_id -> the order's pick lines on that warehouse's lists (the parts of a split order)."""
        rows = self.session.execute(sa.select(pick_lines.c.id, pick_lists.c.warehouse_id)
                                    .join(pick_lists, pick_lists.c.id == pick_lines.c.pick_list_id)
                                    .where(pick_lines.c.order_id == order_id)).all()
        warehouse_of = dict(rows)
        result: dict = {}
        for line in self.lines_of_order(order_id):
            result.setdefault(warehouse_of[line.id], []).append(line)
        return result

    def packed_warehouses(self, order_id: int) -> set:
        """Warehouses that closed a parcel of the order (None: a parcel closed before orders were split)."""
        return set(self.session.execute(sa.select(parcels.c.warehouse_id).where(parcels.c.order_id == order_id)
                                        .distinct()).scalars())

    def lists_of_order(self, order_id: int) -> list[PickList]:
        """Every pick list holding a line of this order, oldest first."""
        ids = self.session.execute(sa.select(pick_lines.c.pick_list_id).where(pick_lines.c.order_id == order_id)
                                   .distinct()).scalars().all()
        return [self.get(i) for i in sorted(ids)]

    def lists(self, warehouse_ids=None, statuses=None) -> list[PickList]:
        """Pick lists of some warehouses (None: all), newest first."""
        query = sa.select(pick_lists).order_by(pick_lists.c.id.desc())
        if warehouse_ids is not None:
            query = query.where(pick_lists.c.warehouse_id.in_(sorted(warehouse_ids)))
        if statuses:
            query = query.where(pick_lists.c.status.in_(list(statuses)))
        return self.mapper.load(PICK_LIST, query)

    def covered_units(self, order_ids, warehouse_id: int) -> dict:
        """order_line_id -> units already on pick lists of this warehouse (picked or still to pick, not short)."""
        if not order_ids:
            return {}
        rows = self.session.execute(
            sa.select(pick_lines.c.order_line_id,
                      sa.func.sum(pick_lines.c.quantity - pick_lines.c.short_quantity))
            .join(pick_lists, pick_lists.c.id == pick_lines.c.pick_list_id)
            .where(pick_lists.c.warehouse_id == warehouse_id, pick_lines.c.order_id.in_(sorted(set(order_ids))))
            .group_by(pick_lines.c.order_line_id))
        return {line_id: int(units or 0) for line_id, units in rows}

    def allocated_orders(self, warehouse_id: int, limit: int = 200) -> list[Order]:
        """Allocated (or picking) orders with units reserved in this warehouse that no pick list covers yet.

        An order can come back: a backorder filled here later, or units reallocated here after a short pick
        elsewhere. Oldest first.
        """
        ids = self.session.execute(
            sa.select(orders.c.id).distinct().join(order_lines, order_lines.c.order_id == orders.c.id)
            .join(line_allocations, line_allocations.c.order_line_id == order_lines.c.id)
            .where(orders.c.status.in_(("allocated", "picking")), line_allocations.c.warehouse_id == warehouse_id)
            .order_by(orders.c.id).limit(limit)).scalars().all()
        if not ids:
            return []
        found = self.mapper.load(ORDER, sa.select(orders).where(orders.c.id.in_(ids))
                                 .order_by(orders.c.created_at, orders.c.id))
        covered = self.covered_units(ids, warehouse_id)
        return [o for o in found if uncovered_units(o, warehouse_id, covered)]

    def bin_codes(self, warehouse_id: int, product_ids) -> dict:
        """product_id -> bin code of its stock level in this warehouse (None when not shelved)."""
        rows = self.session.execute(
            sa.select(stock_levels.c.product_id, bins.c.code).outerjoin(bins, bins.c.id == stock_levels.c.bin_id)
            .where(stock_levels.c.warehouse_id == warehouse_id,
                   stock_levels.c.product_id.in_(sorted(set(product_ids)) or [0])))
        return {product_id: code for product_id, code in rows}

    def products(self, product_ids) -> dict:
        """product_id -> Product."""
        found = self.mapper.load(PRODUCT, sa.select(products).where(products.c.id.in_(sorted(set(product_ids)) or [0])))
        return {p.id: p for p in found}

    def bin_id(self, warehouse_id: int, code: str) -> int | None:
        """The id of a shelf position of this warehouse, by its code."""
        return self.session.execute(sa.select(bins.c.id).where(bins.c.warehouse_id == warehouse_id,
                                                               bins.c.code == code)).scalar_one_or_none()

    # -- boxes and parcels -------------------------------------------------------------------------
    def boxes(self, *, active_only: bool = True) -> list[Box]:
        """The box catalogue, by code (active boxes only unless asked)."""
        query = sa.select(boxes).order_by(boxes.c.code)
        if active_only:
            query = query.where(boxes.c.active.is_(True))
        return self.mapper.load(BOX, query)

    def box(self, code: str) -> Box | None:
        """One box by code."""
        found = self.mapper.load(BOX, sa.select(boxes).where(boxes.c.code == code))
        return found[0] if found else None

    def add_box(self, box: Box) -> None:
        """Stage a new box for the catalogue."""
        self.mapper.add(box)

    def add_parcel(self, *, order_id: int, warehouse_id: int | None, box_code: str, weight_grams: int, length_mm: int, width_mm: int,
                   height_mm: int, created_by_id: int | None, created_at) -> None:
        """Record one closed box of an order (an append-only row that shipping reads)."""
        self.session.execute(sa.insert(parcels).values(
            order_id=order_id, warehouse_id=warehouse_id, box_code=box_code, weight_grams=weight_grams, length_mm=length_mm,
            width_mm=width_mm, height_mm=height_mm, created_by_id=created_by_id, created_at=created_at))

    def parcels(self, order_id: int, warehouse_id: int | None = None) -> list[dict]:
        """The order's closed boxes (of one warehouse's part if given), in the order they were closed."""
        query = sa.select(parcels).where(parcels.c.order_id == order_id)
        if warehouse_id is not None:
            query = query.where(sa.or_(parcels.c.warehouse_id == warehouse_id, parcels.c.warehouse_id.is_(None)))
        rows = self.session.execute(query.order_by(parcels.c.id)).mappings()
        return [dict(r) for r in rows]
