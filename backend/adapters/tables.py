"""The tables of the domain's aggregates: catalogue, stock and orders (fulfilment_tables.py has the rest).

Domain classes are not mapped onto them: repositories read and write rows with Core (data_mapper.py).
"""
from __future__ import annotations

from datetime import timezone

import sqlalchemy as sa

from ..domain.events import utcnow
from ..domain.order_mail import new_mail_token
from ..extensions import db


# A write repeats one moment many times (an order's rows, its ledger, outbox and audit rows, each a parameter
# with its own processor): the last moment written and its text are kept for all of them, as one tuple so that
# threads never mix two pairs. Equal moments have equal UTC text, whatever zone they were given in.
_LAST_SQLITE_MOMENT = [(None, None)]
_SQLITE_MOMENT = "%04d-%02d-%02d %02d:%02d:%02d.%06d"  # SQLAlchemy's SQLite DATETIME text (isoformat costs twice)


class UTCDateTime(sa.TypeDecorator):
    """Timezone-aware UTC datetimes on every backend (SQLite forgets the zone otherwise)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None:
            if value.tzinfo is None:
                raise ValueError("naive datetime given; Waybill stores UTC only")
            value = value.astimezone(timezone.utc)
            if dialect.name == "sqlite":
                value = value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value

    def bind_processor(self, dialect):
        """On SQLite, straight to the text SQLAlchemy's DATETIME stores ('YYYY-MM-DD HH:MM:SS.ffffff').

        Its own processor formats through a dict of fields; every order writes a dozen timestamps.
        """
        if dialect.name != "sqlite":
            return super().bind_processor(dialect)

        last = _LAST_SQLITE_MOMENT

        def process(value):
            if value is None:
                return None
            kept = last[0]
            if kept[0] == value:
                return kept[1]
            if value.tzinfo is None:
                raise ValueError("naive datetime given; Waybill stores UTC only")
            utc = value if value.tzinfo is timezone.utc else value.astimezone(timezone.utc)
            text = _SQLITE_MOMENT % (utc.year, utc.month, utc.day, utc.hour, utc.minute, utc.second, utc.microsecond)
            last[0] = (value, text)
            return text
        return process


md = db.metadata

products = sa.Table(
    "product", md,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("sku", sa.String(64), nullable=False, unique=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("brand", sa.String(100), nullable=False, default=""),
    sa.Column("category", sa.String(100), nullable=False, default=""),
    sa.Column("price_minor", sa.BigInteger, nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("weight_g", sa.Integer, nullable=False, default=0),
    sa.Column("length_mm", sa.Integer, nullable=False, default=0),
    sa.Column("width_mm", sa.Integer, nullable=False, default=0),
    sa.Column("height_mm", sa.Integer, nullable=False, default=0),
    sa.Column("barcode", sa.String(64), unique=True),
    sa.Column("active", sa.Boolean, nullable=False, default=True),
    sa.Column("created_at", UTCDateTime, nullable=False, default=utcnow),
    sa.CheckConstraint("price_minor >= 0", name="price_not_negative"),
)

warehouses = sa.Table(
    "warehouse", md,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("code", sa.String(32), nullable=False, unique=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("address", sa.JSON, nullable=False),
    sa.Column("latitude", sa.Float, nullable=False),
    sa.Column("longitude", sa.Float, nullable=False),
    sa.Column("active", sa.Boolean, nullable=False, default=True),
)

bins = sa.Table(
    "bin_location", md,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("warehouse_id", sa.ForeignKey("warehouse.id"), nullable=False),
    sa.Column("code", sa.String(32), nullable=False),
    sa.UniqueConstraint("warehouse_id", "code", name="uq_bin_location_warehouse_code"),
)

stock_levels = sa.Table(
    "stock_level", md,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("warehouse_id", sa.ForeignKey("warehouse.id"), nullable=False),
    sa.Column("product_id", sa.ForeignKey("product.id"), nullable=False),
    sa.Column("bin_id", sa.ForeignKey("bin_location.id")),
    sa.Column("on_hand", sa.Integer, nullable=False, default=0),
    sa.Column("reserved", sa.Integer, nullable=False, default=0),
    sa.Column("incoming", sa.Integer, nullable=False, default=0),
    sa.Column("version", sa.Integer, nullable=False, default=1),
    sa.UniqueConstraint("warehouse_id", "product_id", name="uq_stock_level_warehouse_product"),
    # The database refuses a broken level even if a code path forgets the domain checks.
    sa.CheckConstraint("on_hand >= 0", name="on_hand_not_negative"),
    sa.CheckConstraint("reserved >= 0 AND reserved <= on_hand", name="reserved_within_on_hand"),
    sa.CheckConstraint("incoming >= 0", name="incoming_not_negative"),
)

stock_movements = sa.Table(
    "stock_movement", md,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("warehouse_id", sa.ForeignKey("warehouse.id"), nullable=False),
    sa.Column("product_id", sa.ForeignKey("product.id"), nullable=False),
    sa.Column("reason", sa.String(32), nullable=False),
    sa.Column("on_hand_delta", sa.Integer, nullable=False, default=0),
    sa.Column("reserved_delta", sa.Integer, nullable=False, default=0),
    sa.Column("incoming_delta", sa.Integer, nullable=False, default=0),
    sa.Column("note", sa.String(500), nullable=False, default=""),
    sa.Column("order_id", sa.ForeignKey("orders.id")),
    sa.Column("actor_id", sa.ForeignKey("users.id")),
    sa.Column("created_at", UTCDateTime, nullable=False, default=utcnow),
    sa.Index("ix_stock_movement_level", "warehouse_id", "product_id", "id"),
)

customers = sa.Table(
    "customer", md,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("email", sa.String(254), nullable=False, unique=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("phone", sa.String(40), nullable=False, default=""),
    sa.Column("addresses", sa.JSON, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False, default=utcnow),
    # Order e-mails (adapters/mail_worker.py): on unless the customer turned them off (account page or the
    # unsubscribe link); `mail_token` is the unguessable key of that link (migration 0014).
    sa.Column("order_emails", sa.Boolean, nullable=False, default=True, server_default=sa.true()),
    sa.Column("order_emails_changed_at", UTCDateTime),
    sa.Column("mail_token", sa.String(64), nullable=False, unique=True, default=new_mail_token),
)

orders = sa.Table(
    "orders", md,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("customer_id", sa.ForeignKey("customer.id"), nullable=False),
    sa.Column("channel", sa.String(20), nullable=False),
    sa.Column("channel_order_id", sa.String(100)),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("payment_method", sa.String(20), nullable=False),
    sa.Column("payment_status", sa.String(24), nullable=False),
    # What staff recorded as received, once known (cash handed in after a delivery run); None before.
    sa.Column("paid_minor", sa.BigInteger),
    sa.Column("card_fingerprint", sa.String(64)),
    sa.Column("shipping_address", sa.JSON, nullable=False),
    sa.Column("billing_address", sa.JSON, nullable=False),
    sa.Column("subtotal_minor", sa.BigInteger, nullable=False),
    sa.Column("shipping_minor", sa.BigInteger, nullable=False),
    sa.Column("tax_minor", sa.BigInteger, nullable=False),
    sa.Column("total_minor", sa.BigInteger, nullable=False),
    sa.Column("hold_reasons", sa.JSON, nullable=False),
    sa.Column("shortages", sa.JSON, nullable=False),
    sa.Column("notes", sa.String(2000), nullable=False, default=""),
    sa.Column("tracking_token", sa.String(64), nullable=False, unique=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("created_by_id", sa.ForeignKey("users.id")),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    # A channel re-sending the same order (webhook retry) must not create a second one.
    sa.UniqueConstraint("channel", "channel_order_id", name="uq_orders_channel_order"),
    sa.Index("ix_orders_status_created", "status", "created_at"),
    sa.Index("ix_orders_customer_created", "customer_id", "created_at"),
)

order_lines = sa.Table(
    "order_line", md,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("order_id", sa.ForeignKey("orders.id"), nullable=False, index=True),
    sa.Column("product_id", sa.ForeignKey("product.id"), nullable=False),
    sa.Column("sku", sa.String(64), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("quantity", sa.Integer, nullable=False),
    sa.Column("unit_price_minor", sa.BigInteger, nullable=False),
    sa.Column("net_minor", sa.BigInteger, nullable=False),
    sa.Column("tax_minor", sa.BigInteger, nullable=False),
    sa.CheckConstraint("quantity > 0", name="quantity_positive"),
)

line_allocations = sa.Table(
    "line_allocation", md,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("order_line_id", sa.ForeignKey("order_line.id"), nullable=False, index=True),
    sa.Column("warehouse_id", sa.ForeignKey("warehouse.id"), nullable=False),
    sa.Column("quantity", sa.Integer, nullable=False),
    sa.CheckConstraint("quantity > 0", name="quantity_positive"),
)
