"""Order lists scoped to what the caller may see."""
from __future__ import annotations

import sqlalchemy as sa

from ..adapters.mappings import ORDER, reader
from ..adapters.records import AuditEvent
import re

from ..adapters.tables import customers, line_allocations, order_lines, orders
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


# "WB-000042", "wb42", "42": the shop's order number, with or without its prefix and zeros.
_ORDER_NUMBER = re.compile(r"^(?:wb-?)?0*(\d{1,9})$", re.IGNORECASE)


def _matching(search: str):
    """Orders whose number, marketplace number, customer (name, e-mail, phone) or delivery address (name,
    phone, postcode) contain `search`, ignoring case, and spaces in postcodes; phones match on their digits,
    read out nationally or not ("07700 900123" finds "+44 7700 900123")."""
    words = search.strip().lower()
    squeezed = "".join(words.split())
    like, like_squeezed = f"%{_escaped(words)}%", f"%{_escaped(squeezed)}%"
    address = orders.c.shipping_address

    def contains(column, pattern):
        return column.like(pattern, escape="\\")
    found = [contains(sa.func.lower(address["name"].as_string()), like),
             contains(_squeezed(address["postcode"].as_string()), like_squeezed),
             contains(sa.func.lower(orders.c.channel_order_id), like)]
    customer_found = [contains(sa.func.lower(customers.c.name), like), contains(sa.func.lower(customers.c.email), like)]
    digits = "".join(c for c in words if c.isdigit()).lstrip("0")
    if len(digits) >= 6 and len(digits) * 2 >= len(squeezed):  # mostly digits: a phone number read out
        found.append(contains(_digits(address["phone"].as_string()), f"%{digits}%"))
        customer_found.append(contains(_digits(customers.c.phone), f"%{digits}%"))
    found.append(sa.select(customers.c.id).where(customers.c.id == orders.c.customer_id,
                                                 sa.or_(*customer_found)).exists())
    number = _ORDER_NUMBER.match(squeezed)
    if number:
        found.append(orders.c.id == int(number.group(1)))
    return sa.or_(*found)


def _squeezed(column):
    """A text column lower-cased without spaces."""
    return sa.func.replace(sa.func.lower(column), " ", "")


def _digits(column):
    """A phone column without the separators people type: spaces, dashes, brackets, dots and the plus."""
    for separator in (" ", "-", "(", ")", ".", "+"):
        column = sa.func.replace(column, separator, "")
    return column


def _escaped(text: str) -> str:
    """`text` with LIKE's wildcards taken literally (a search for "50%" finds "50%", not everything)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def list_orders(session, actor: Actor, *, status=None, customer_id=None, channel=None, created_from=None,
                created_to=None, search: str | None = None, page: int = 1, page_size: int = 25) -> dict:
    """A page of orders, newest first, with the total count for paging."""
    query = _scoped(sa.select(orders), actor)
    if search and search.strip():
        query = query.where(_matching(search))
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
