"""Order lists scoped to what the caller may see."""
from __future__ import annotations

import sqlalchemy as sa

from ..adapters.mappings import ORDER, reader
from ..adapters.records import AuditEvent
from ..adapters.tables import line_allocations, order_lines, orders
from ..domain.access import Actor, Role
from ..domain.orders import Order


def _scoped(query, actor: Actor):
    """Restrict a query on orders to the caller's scope (same rule as access.can_view_order)."""
    if actor.is_office:
        return query
    if actor.role == Role.CUSTOMER:
        return query.where(orders.c.customer_id == (actor.customer_id or -1))
    if actor.role == Role.FLOOR and actor.warehouse_ids:
        in_my_warehouse = (sa.select(order_lines.c.id)
                           .join(line_allocations, line_allocations.c.order_line_id == order_lines.c.id)
                           .where(order_lines.c.order_id == orders.c.id,
                                  line_allocations.c.warehouse_id.in_(sorted(actor.warehouse_ids))))
        return query.where(in_my_warehouse.exists())
    return query.where(sa.false())


def list_orders(session, actor: Actor, *, status=None, customer_id=None, channel=None, created_from=None,
                created_to=None, page: int = 1, page_size: int = 25) -> dict:
    """A page of orders, newest first, with the total count for paging."""
    query = _scoped(sa.select(orders), actor)
    if status:
        query = query.where(orders.c.status.in_(list(status)))
    if customer_id:
        query = query.where(orders.c.customer_id == customer_id)
    if channel:
        query = query.where(orders.c.channel == channel)
    if created_from:
        query = query.where(orders.c.created_at >= created_from)
    if created_to:
        query = query.where(orders.c.created_at < created_to)
    total = session.execute(sa.select(sa.func.count()).select_from(query.order_by(None).subquery())).scalar_one()
    items = reader(session).load(ORDER, query.order_by(orders.c.created_at.desc(), orders.c.id.desc())
                                 .limit(page_size).offset((page - 1) * page_size))
    return {"items": items, "page": page, "page_size": page_size, "total": total}


def order_history(session, order_id: int) -> list[AuditEvent]:
    """The audit trail of one order, oldest first."""
    return session.execute(sa.select(AuditEvent).where(AuditEvent.order_id == order_id)
                           .order_by(AuditEvent.id)).scalars().all()


def work_queue(session, actor: Actor, statuses, *, limit: int = 100) -> dict:
    """Orders in `statuses` the caller may see, oldest first (the order work is done in), with the total."""
    query = _scoped(sa.select(orders), actor).where(orders.c.status.in_(list(statuses)))
    total = session.execute(sa.select(sa.func.count()).select_from(query.subquery())).scalar_one()
    items = reader(session).load(ORDER, query.order_by(orders.c.created_at, orders.c.id).limit(limit))
    return {"items": items, "total": total}


def order_for(session, order_id: int) -> Order | None:
    """One order with its lines and their allocations (None if there is none); who may see it is the caller's check."""
    return reader(session).get(Order, order_id)
