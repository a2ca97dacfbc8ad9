"""Catalogue and stock reads."""
from __future__ import annotations

import sqlalchemy as sa

from ..adapters.mappings import BIN, CUSTOMER, PRODUCT, STOCK_LEVEL, WAREHOUSE, reader
from ..adapters.tables import bins, customers, products, stock_movements, warehouses
from ..adapters.tables import stock_levels as levels
from ..domain.catalogue import BinLocation, Customer, Product, Warehouse
from ..domain.stock import StockLevel


def list_products(session, *, q: str | None = None, active: bool | None = None) -> list[Product]:
    """Products by SKU, optionally filtered by a search term and active flag."""
    query = sa.select(products).order_by(products.c.sku)
    if q:
        like = f"%{q.lower()}%"
        query = query.where(sa.or_(sa.func.lower(products.c.sku).like(like), sa.func.lower(products.c.name).like(like)))
    if active is not None:
        query = query.where(products.c.active.is_(active))
    return reader(session).load(PRODUCT, query)


def list_warehouses(session, ids=None) -> list[Warehouse]:
    """Warehouses, optionally only the given ids."""
    query = sa.select(warehouses).order_by(warehouses.c.id)
    if ids is not None:
        query = query.where(warehouses.c.id.in_(sorted(ids)))
    return reader(session).load(WAREHOUSE, query)


def bins_of(session, warehouse_id: int) -> list[BinLocation]:
    """Bin locations of a warehouse in walking order (by code)."""
    return reader(session).load(BIN, sa.select(bins).where(bins.c.warehouse_id == warehouse_id)
                                .order_by(bins.c.code))


def stock_levels(session, *, warehouse_ids=None, product_id=None) -> list[StockLevel]:
    """Stock levels, optionally limited to warehouses and a product."""
    query = sa.select(levels).order_by(levels.c.warehouse_id, levels.c.product_id)
    if warehouse_ids is not None:
        query = query.where(levels.c.warehouse_id.in_(sorted(warehouse_ids)))
    if product_id:
        query = query.where(levels.c.product_id == product_id)
    return reader(session).load(STOCK_LEVEL, query)


def movements(session, *, warehouse_ids=None, product_id=None, page: int = 1, page_size: int = 50) -> dict:
    """A page of the ledger, newest first."""
    query = sa.select(stock_movements)
    if warehouse_ids is not None:
        query = query.where(stock_movements.c.warehouse_id.in_(sorted(warehouse_ids)))
    if product_id:
        query = query.where(stock_movements.c.product_id == product_id)
    total = session.execute(sa.select(sa.func.count()).select_from(query.subquery())).scalar_one()
    items = session.execute(query.order_by(stock_movements.c.id.desc()).limit(page_size)
                            .offset((page - 1) * page_size)).all()  # ledger rows, read as rows
    return {"items": items, "page": page, "page_size": page_size, "total": total}


def list_customers(session, q: str | None = None) -> list[Customer]:
    """Customers by name, optionally searched by name, e-mail or phone."""
    query = sa.select(customers).order_by(customers.c.name, customers.c.id)
    if q:
        like = f"%{q.lower()}%"
        query = query.where(sa.or_(sa.func.lower(customers.c.name).like(like), customers.c.email.like(like),
                                   customers.c.phone.like(f"%{q.strip()}%")))
    return reader(session).load(CUSTOMER, query.limit(500))


def stock_rows(session, warehouse_ids, search: str = "") -> list[dict]:
    """Stock levels of the given warehouses with their product and bin, in walking order (bin, then SKU).

    Levels without a bin come after the shelved ones, by SKU (the floor's stock page). `search` keeps the
    products whose SKU or name contains it, in any case, or whose barcode it is (what a counter types or scans to find a shelf).
    """
    query = (sa.select(levels.c.warehouse_id, levels.c.product_id, levels.c.on_hand, levels.c.reserved,
                       levels.c.version, products.c.sku, products.c.name, bins.c.code.label("bin"))
             .join(products, products.c.id == levels.c.product_id)
             .outerjoin(bins, bins.c.id == levels.c.bin_id)
             .where(levels.c.warehouse_id.in_(sorted(warehouse_ids)))
             .order_by(levels.c.warehouse_id, bins.c.code.is_(None), bins.c.code, products.c.sku))
    if search.strip():
        query = query.where(_matches(search))
    return [{**row._asdict(), "available": row.on_hand - row.reserved} for row in session.execute(query)]


def _matches(search: str):
    """Products whose SKU or name contains `search` in any case, or whose barcode it is."""
    # LIKE's own wildcards in what was typed are matched literally.
    pattern = "%" + search.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return sa.or_(sa.func.lower(products.c.sku).like(pattern, escape="\\"),
                  sa.func.lower(products.c.name).like(pattern, escape="\\"),
                  products.c.barcode == search.strip())


def products_found(session, search: str) -> list[dict]:
    """Active products a search finds (SKU, name or barcode), by SKU: a counter can count in a product the
    warehouse holds no stock level for yet."""
    query = (sa.select(products.c.id.label("product_id"), products.c.sku, products.c.name)
             .where(products.c.active.is_(True), _matches(search)).order_by(products.c.sku).limit(50))
    return [row._asdict() for row in session.execute(query)]


def product(session, product_id: int) -> Product | None:
    """One product by id."""
    return reader(session).get(Product, product_id)


def warehouse(session, warehouse_id: int) -> Warehouse | None:
    """One warehouse by id."""
    return reader(session).get(Warehouse, warehouse_id)


def customer(session, customer_id: int) -> Customer | None:
    """One customer by id."""
    return reader(session).get(Customer, customer_id)


def product_by_sku(session, sku: str) -> Product | None:
    """One product by SKU, active or not."""
    found = reader(session).load(PRODUCT, sa.select(products).where(products.c.sku == sku))
    return found[0] if found else None
