"""The owner's dashboard: today against the same weekday last week, the last hours, and what waits for a decision."""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta, timezone, tzinfo

import sqlalchemy as sa

from ..adapters.tables import orders, products, stock_levels, warehouses
from ..queries.exception_queue import count_open

NOT_SALES = ("cancelled", "rejected")
HOURS = 12
LOW_STOCK_UNITS = 5


def _sales(session, start: datetime, end: datetime) -> dict:
    """{currency: (orders, total minor)} of orders placed in [start, end), cancelled and rejected left out."""
    rows = session.execute(sa.select(orders.c.currency, sa.func.count(), sa.func.coalesce(sa.func.sum(
        orders.c.total_minor), 0)).where(orders.c.created_at >= start, orders.c.created_at < end,
                                          orders.c.status.notin_(NOT_SALES)).group_by(orders.c.currency)).all()
    return {currency: (count, int(total)) for currency, count, total in rows}


def _hourly(session, now: datetime) -> dict:
    """The last HOURS whole hours up to now: bucket start times, order counts and sales per currency."""
    start = now.replace(minute=0, second=0, microsecond=0) - timedelta(hours=HOURS - 1)
    buckets = [start + timedelta(hours=i) for i in range(HOURS)]
    counts, sales = [0] * HOURS, defaultdict(lambda: [0] * HOURS)
    for created, currency, total in session.execute(sa.select(orders.c.created_at, orders.c.currency,
                                                              orders.c.total_minor)
                                                    .where(orders.c.created_at >= start,
                                                           orders.c.status.notin_(NOT_SALES))):
        created = created if created.tzinfo else created.replace(tzinfo=timezone.utc)
        index = min(int((created - start).total_seconds() // 3600), HOURS - 1)
        counts[index] += 1
        sales[currency][index] += total
    return {"hours": [b.isoformat() for b in buckets], "orders": counts, "sales": dict(sales)}


def _waiting(session, status: str, limit: int = 10) -> list:
    return session.execute(sa.select(orders.c.id, orders.c.total_minor, orders.c.currency, orders.c.created_at,
                                     orders.c.shipping_address, orders.c.hold_reasons)
                           .where(orders.c.status == status).order_by(orders.c.created_at).limit(limit)
                           ).mappings().all()


def _low_stock(session, limit: int = 10) -> list:
    available = stock_levels.c.on_hand - stock_levels.c.reserved
    return session.execute(sa.select(products.c.sku, products.c.name, warehouses.c.code.label("warehouse"),
                                     available.label("available"), stock_levels.c.incoming)
                           .join(products, products.c.id == stock_levels.c.product_id)
                           .join(warehouses, warehouses.c.id == stock_levels.c.warehouse_id)
                           .where(available <= LOW_STOCK_UNITS).order_by(available, products.c.sku).limit(limit)
                           ).mappings().all()


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(timezone.utc)


def dashboard(session, now: datetime | None = None, zone: tzinfo = timezone.utc) -> dict:
    """Everything the dashboard shows, as of `now`; "today" is the shop's day in `zone`."""
    now = now or datetime.now(timezone.utc)
    local = now.astimezone(zone)
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    week = timedelta(days=7)  # on the wall clock: last week's 09:00 is 09:00 even across a clock change
    return {"now": now, "today": _sales(session, midnight, now + timedelta(seconds=1)),
            # The same weekday last week, up to the same time of day: a fair comparison mid-day.
            "last_week": _sales(session, _utc(midnight - week), _utc(local - week)),
            "hourly": _hourly(session, now), "to_accept": _waiting(session, "placed"),
            "holds": _waiting(session, "payment_hold"), "low_stock": _low_stock(session),
            "open_exceptions": count_open(session), "low_stock_units": LOW_STOCK_UNITS}
