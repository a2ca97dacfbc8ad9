"""Orders: loaded whole (lines and allocations), optionally locked, and a new order inserted on the fast path."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from ..domain.events import utcnow
from ..domain.order_undo import StatusChange
from ..domain.orders import Order
from .data_mapper import DataMapper
from .mappings import ORDER, ORDER_LINE
from .records import AuditEvent, OutboxEvent
from .precompiled import Precompiled, PrecompiledBySize, typed_bind
from .tables import customers, order_lines, orders

# -- Statements of the hot path (order intake), built once and compiled once per dialect; they run on
# -- the session's transaction without SQLAlchemy's per-call work (see precompiled.py).
_ORDER_COLUMNS = tuple(c.name for c in orders.c if c.name != "id")
_LINE_COLUMNS = ("product_id", "sku", "name", "quantity", "unit_price_minor", "net_minor", "tax_minor")
_LINE_ROW = ("order_id",) + _LINE_COLUMNS


def _insert_lines(n: int):
    """INSERT of n lines in one statement (parameters `<column>_<i>`), each returning its id and product."""
    return sa.insert(order_lines).values([{c: typed_bind(order_lines.c[c], f"{c}_{i}") for c in _LINE_ROW}
                                          for i in range(n)]).returning(order_lines.c.id, order_lines.c.product_id)


_INSERT_ORDER = Precompiled(sa.insert(orders).values({c: typed_bind(orders.c[c]) for c in _ORDER_COLUMNS})
                            .returning(orders.c.id))
# Lines of distinct products return their product with their id, so ids never depend on RETURNING's order.
_INSERT_LINES = PrecompiledBySize(_insert_lines)
_CUSTOMER_RECENT_ORDERS = Precompiled(sa.select(
    sa.select(sa.func.count()).select_from(orders)
    .where(orders.c.customer_id == customers.c.id, orders.c.created_at >= typed_bind(orders.c.created_at, "since"))
    .scalar_subquery().label("recent")).where(customers.c.id == typed_bind(customers.c.id, "customer_id")))

# A shop's retried delivery is rare; its first delivery asks this on every order: a bare id look-up first.
_CHANNEL_ORDER_ID = Precompiled(sa.select(orders.c.id).where(
    orders.c.channel == typed_bind(orders.c.channel),
    orders.c.channel_order_id == typed_bind(orders.c.channel_order_id)))


class OrderRepository:
    """Orders as plain aggregates, read and written through the unit of work's data mapper."""

    def __init__(self, session, mapper: DataMapper):
        self.session, self.mapper = session, mapper

    def insert_new(self, order: Order) -> None:
        """Insert a new order and its lines now (they get their ids); what changes later is written at flush.

        Intake's order is new by construction, so its lines go in one multi-row statement instead of
        one each; the data mapper then tracks it like a loaded order (new allocations, status, holds).
        """
        values = vars(order)
        row = {name: values.get(name) for name in _ORDER_COLUMNS}
        order.id = row["id"] = _INSERT_ORDER.run(self.session, row)[0].id
        lines = order.lines
        if len({line.product_id for line in lines}) < len(lines):  # a product twice: rows told apart by order
            for line in lines:
                self._insert_lines([line], order.id)
        elif lines:
            self._insert_lines(lines, order.id)
        for line in lines:
            self.mapper.register_inserted(ORDER_LINE, line, vars(line), {"allocations": []})
        self.mapper.register_inserted(ORDER, order, row, {"lines": [line.id for line in lines]})

    def _insert_lines(self, lines, order_id: int) -> None:
        """Insert lines of distinct products in one statement and give each its id."""
        params = {f"{c}_{i}": (order_id if c == "order_id" else getattr(line, c))
                  for i, line in enumerate(lines) for c in _LINE_ROW}
        ids = {r.product_id: r.id for r in _INSERT_LINES(len(lines)).run(self.session, params)}
        for line in lines:
            line.id, line.order_id = ids[line.product_id], order_id

    def get(self, order_id: int, *, for_update: bool = False) -> Order | None:
        """One order; with for_update the row stays locked until commit (no lost updates)."""
        return self.mapper.get(Order, order_id, for_update=for_update)

    def many(self, ids, *, for_update: bool = False) -> dict[int, Order]:
        """Orders keyed by id (locked in id order if asked)."""
        if not ids:
            return {}
        statement = sa.select(orders).where(orders.c.id.in_(sorted(set(ids)))).order_by(orders.c.id)
        if for_update:
            statement = statement.with_for_update(of=orders)
        return {o.id: o for o in self.mapper.load(ORDER, statement, refresh=for_update)}

    def by_channel_order_id(self, channel: str, channel_order_id: str) -> Order | None:
        """The order a channel already sent with this id, if any."""
        if not _CHANNEL_ORDER_ID.run(self.session, {"channel": channel, "channel_order_id": channel_order_id}):
            return None
        found = self.mapper.load(ORDER, sa.select(orders).where(
            orders.c.channel == channel, orders.c.channel_order_id == channel_order_id))
        return found[0] if found else None

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

    def last_status_change(self, order_id: int) -> StatusChange | None:
        """The order's latest status change from its audit trail (what a decision kept for its undo)."""
        return last_status_change(self.session, order_id)

    def announced_stops(self, order_id: int) -> set[int]:
        """The stops whose customer was already told "arriving soon" for this order."""
        rows = self.session.execute(sa.select(AuditEvent.data).where(
            AuditEvent.order_id == order_id, AuditEvent.action == "order.arriving_soon"))
        return {data.get("stop_id") for (data,) in rows if data}

    def changes_since(self, order_id: int, version: int) -> list[tuple[str, dict]]:
        """(event name, data) of what changed the order after `version`, oldest first."""
        rows = self.session.execute(sa.select(OutboxEvent.name, OutboxEvent.payload).where(
            OutboxEvent.aggregate_type == "order", OutboxEvent.aggregate_id == order_id,
            OutboxEvent.aggregate_version > version).order_by(OutboxEvent.id))
        return [(name, dict(payload or {})) for name, payload in rows]


def last_status_change(session, order_id: int) -> StatusChange | None:
    """The order's latest status change, as its audit trail has it (None for an order never changed)."""
    row = session.execute(
        sa.select(AuditEvent.action, AuditEvent.from_status, AuditEvent.to_status, AuditEvent.data,
                  AuditEvent.created_at)
        .where(AuditEvent.order_id == order_id, AuditEvent.to_status.is_not(None))
        .order_by(AuditEvent.id.desc()).limit(1)).first()
    return StatusChange(row.action, row.from_status, row.to_status, dict(row.data or {}), row.created_at) \
        if row else None
