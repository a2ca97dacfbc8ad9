"""The tables of payments: each order's ledger lines and the provider's webhook events already handled."""
from __future__ import annotations

import sqlalchemy as sa

from ..domain.events import utcnow
from .tables import UTCDateTime, md

payment_entries = sa.Table(
    "payment_entry", md,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("order_id", sa.ForeignKey("orders.id"), nullable=False, index=True),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("amount_minor", sa.BigInteger, nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("reference", sa.String(100), nullable=False, default=""),
    sa.Column("part", sa.String(32), nullable=False, default=""),
    sa.Column("parent", sa.String(100), nullable=False, default=""),
    sa.Column("decline_code", sa.String(64), nullable=False, default=""),
    sa.Column("note", sa.String(500), nullable=False, default=""),
    # The key the gateway call was made with: a retried call finds its line instead of writing a second one.
    sa.Column("idempotency_key", sa.String(120), unique=True),
    sa.Column("actor_id", sa.ForeignKey("users.id")),
    sa.Column("occurred_at", UTCDateTime, nullable=False, default=utcnow),
)

payment_webhook_events = sa.Table(
    "payment_webhook_event", md,
    sa.Column("event_id", sa.String(100), primary_key=True),
    sa.Column("type", sa.String(64), nullable=False),
    sa.Column("order_id", sa.ForeignKey("orders.id")),
    sa.Column("received_at", UTCDateTime, nullable=False, default=utcnow),
)
