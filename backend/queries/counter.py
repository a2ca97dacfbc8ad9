"""What a counter sale's receipt shows: the sale, its lines and how it was paid (from the order's event)."""
from __future__ import annotations

import sqlalchemy as sa

from ..adapters.mappings import WAREHOUSE, reader
from ..adapters.records import AuditEvent, IdempotencyKey
from ..adapters.tables import products, stock_levels, warehouses
from ..domain.catalogue import Warehouse
from .catalogue import warehouse
from .orders import order_for


def counter_receipt(session, order_id: int) -> dict | None:
    """The order of a counter sale with its payment facts and the store; None when it is not a counter sale."""
    order = order_for(session, order_id)
    if order is None or order.channel != "pos":
        return None
    rows = session.execute(sa.select(AuditEvent.action, AuditEvent.data, AuditEvent.created_at)
                           .where(AuditEvent.order_id == order_id,
                                  AuditEvent.action.in_(["order.paid_at_counter", "order.collected"]))
                           .order_by(AuditEvent.id)).all()
    by_action = {row.action: row for row in rows}
    paid = by_action.get("order.paid_at_counter")
    collected = by_action.get("order.collected")
    store_id = (collected.data or {}).get("warehouse_id") if collected else None
    return {"order": order, "payment": dict(paid.data) if paid else {},
            "sold_at": collected.created_at if collected else order.created_at,
            "store": warehouse(session, store_id) if store_id else None}


def products_for_sale(session, search: str, store_code: str | None = None, limit: int = 20) -> list[dict]:
    """Active products whose SKU or name contains `search` (any case), or whose barcode it is, with the units
    free in every warehouse and on the store's shelf (the order forms' product finder)."""
    pattern = "%" + search.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    free = sa.func.coalesce(sa.func.sum(stock_levels.c.on_hand - stock_levels.c.reserved), 0)
    in_store = sa.func.coalesce(sa.func.sum(sa.case((warehouses.c.code == (store_code or ""),
                                                     stock_levels.c.on_hand - stock_levels.c.reserved), else_=0)), 0)
    query = (sa.select(products.c.sku, products.c.name, products.c.price_minor, products.c.currency,
                       free.label("available"), in_store.label("in_store"))
             .outerjoin(stock_levels, stock_levels.c.product_id == products.c.id)
             .outerjoin(warehouses, warehouses.c.id == stock_levels.c.warehouse_id)
             .where(products.c.active.is_(True),
                    sa.or_(sa.func.lower(products.c.sku).like(pattern, escape="\\"),
                           sa.func.lower(products.c.name).like(pattern, escape="\\"),
                           products.c.barcode == search.strip()))
             .group_by(products.c.id, products.c.sku, products.c.name, products.c.price_minor, products.c.currency)
             .order_by(products.c.sku).limit(limit))
    return [row._asdict() for row in session.execute(query)]


def free_units(session, product_skus) -> dict[str, int]:
    """Units free (on hand less reserved) in all warehouses, by SKU: the phone order's backorder warning."""
    rows = session.execute(
        sa.select(products.c.sku, sa.func.coalesce(sa.func.sum(stock_levels.c.on_hand - stock_levels.c.reserved), 0))
        .outerjoin(stock_levels, stock_levels.c.product_id == products.c.id)
        .where(products.c.sku.in_(list(product_skus))).group_by(products.c.sku))
    return {sku: int(units) for sku, units in rows}


def store_warehouse(session, code: str | None) -> Warehouse | None:
    """The warehouse that is the shop's store, by its code (None when none is set up)."""
    if not code:
        return None
    found = reader(session).load(WAREHOUSE, sa.select(warehouses).where(warehouses.c.code == code))
    return found[0] if found else None


def order_of_form_key(session, user_id: int, key: str) -> int | None:
    """The order a form with this hidden idempotency key already placed for this person (a second tap)."""
    return session.execute(sa.select(IdempotencyKey.order_id).where(
        IdempotencyKey.user_id == user_id, IdempotencyKey.key == key)).scalar_one_or_none()
