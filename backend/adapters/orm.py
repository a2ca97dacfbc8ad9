"""Tables and the imperative mapping of domain classes onto them (the domain never imports this)."""
from __future__ import annotations

from datetime import timezone

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import relationship

from ..domain.catalogue import BinLocation, Customer, Product, Warehouse
from ..domain.events import utcnow
from ..domain.orders import LineAllocation, Order, OrderLine
from ..domain.stock import StockLevel
from ..extensions import db


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

        def process(value):
            if value is None:
                return None
            if value.tzinfo is None:
                raise ValueError("naive datetime given; Waybill stores UTC only")
            return value.astimezone(timezone.utc).replace(tzinfo=None).isoformat(" ", "microseconds")
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


def _map_domain() -> None:
    """Map the plain domain classes onto the tables (cosmicpython's imperative mapping).

    StockMovement is not mapped: ledger rows are only ever inserted (Core, StockRepository) and read as
    rows, so its objects stay plain and cost nothing to build on every reservation.
    """
    reg = db.Model.registry
    reg.map_imperatively(Product, products)
    reg.map_imperatively(Warehouse, warehouses)
    reg.map_imperatively(BinLocation, bins)
    reg.map_imperatively(StockLevel, stock_levels)
    reg.map_imperatively(Customer, customers)
    reg.map_imperatively(LineAllocation, line_allocations)
    reg.map_imperatively(OrderLine, order_lines, properties={
        "allocations": relationship(LineAllocation, cascade="all, delete-orphan", lazy="selectin",
                                    order_by=line_allocations.c.id),
    })
    reg.map_imperatively(Order, orders, properties={
        "lines": relationship(OrderLine, cascade="all, delete-orphan", lazy="selectin",
                              order_by=order_lines.c.id),
    })


_map_domain()


@event.listens_for(Order, "load")
def _fresh_event_list(order, _context):
    """Orders loaded from storage carry no pending events (__init__ is not called on load)."""
    order.events = []


# -- shipping & dispatch (issue 3) ----------------------------------------------------------------
from ..domain.dispatch import DeliveryRun, RunStop  # noqa: E402
from ..domain.shipping import Shipment  # noqa: E402

shipments = sa.Table(
    "shipment", md,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("order_id", sa.ForeignKey("orders.id"), nullable=False, index=True),
    sa.Column("warehouse_id", sa.ForeignKey("warehouse.id"), nullable=False),
    sa.Column("carrier", sa.String(32), nullable=False),
    sa.Column("service", sa.String(64), nullable=False),
    sa.Column("tracking_number", sa.String(64), nullable=False),
    sa.Column("label_format", sa.String(8), nullable=False),
    sa.Column("label_data", sa.LargeBinary, nullable=False),
    sa.Column("status", sa.String(24), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False, default=utcnow),
    sa.Column("created_by_id", sa.ForeignKey("users.id")),
    sa.UniqueConstraint("carrier", "tracking_number", name="uq_shipment_carrier_tracking"),
    sa.Index("ix_shipment_status_carrier", "status", "carrier"),
)

delivery_runs = sa.Table(
    "delivery_run", md,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("driver_id", sa.ForeignKey("users.id"), nullable=False),
    sa.Column("warehouse_id", sa.ForeignKey("warehouse.id"), nullable=False),
    sa.Column("run_date", sa.Date, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False, default=utcnow),
    sa.Index("ix_delivery_run_driver_date", "driver_id", "run_date"),
)

run_stops = sa.Table(
    "run_stop", md,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("run_id", sa.ForeignKey("delivery_run.id"), nullable=False, index=True),
    sa.Column("shipment_id", sa.ForeignKey("shipment.id"), nullable=False, index=True),
    sa.Column("order_id", sa.ForeignKey("orders.id"), nullable=False),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("eta", UTCDateTime),
    sa.Column("cod_due_minor", sa.BigInteger, nullable=False, default=0),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("delivery_notes", sa.String(2000), nullable=False, default=""),
    sa.Column("version", sa.Integer, nullable=False, default=1),
    sa.CheckConstraint("position >= 1", name="position_positive"),
    sa.CheckConstraint("cod_due_minor >= 0", name="cod_not_negative"),
)


def _map_shipping() -> None:
    """Shipments, runs and their stops (a run owns its stops)."""
    reg = db.Model.registry
    reg.map_imperatively(Shipment, shipments)
    reg.map_imperatively(RunStop, run_stops)
    reg.map_imperatively(DeliveryRun, delivery_runs, properties={
        "stops": relationship(RunStop, cascade="all, delete-orphan", lazy="selectin",
                              order_by=run_stops.c.position),
    })


_map_shipping()


@event.listens_for(Shipment, "load")
@event.listens_for(DeliveryRun, "load")
def _fresh_shipping_events(aggregate, _context):
    """Loaded shipments and runs carry no pending events."""
    aggregate.events = []


# -- delivery: proof of delivery, failed attempts, uploaded images, cash settlement (driver area) ----
from ..domain.delivery import Blob, CashSettlement, DeliveryAttempt, DeliveryProof  # noqa: E402

blobs = sa.Table(
    "blob", md,
    sa.Column("id", sa.String(36), primary_key=True),  # the phone's UUID, so a retried upload is idempotent
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("size", sa.Integer, nullable=False),
    sa.Column("content_type", sa.String(32), nullable=False),
    sa.Column("storage_key", sa.String(128), nullable=False),
    sa.Column("uploaded_by_id", sa.ForeignKey("users.id")),
    sa.Column("created_at", UTCDateTime, nullable=False, default=utcnow),
)

delivery_proofs = sa.Table(
    "delivery_proof", md,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("stop_id", sa.ForeignKey("run_stop.id"), nullable=False, index=True),
    sa.Column("order_id", sa.ForeignKey("orders.id"), nullable=False, index=True),
    sa.Column("driver_id", sa.ForeignKey("users.id")),
    sa.Column("command_id", sa.String(36)),
    sa.Column("recipient_name", sa.String(200), nullable=False),
    sa.Column("latitude", sa.Float),
    sa.Column("longitude", sa.Float),
    sa.Column("occurred_at", UTCDateTime, nullable=False),
    sa.Column("photo_blob_ids", sa.JSON, nullable=False),
    sa.Column("signature_blob_ids", sa.JSON, nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("extra_evidence", sa.Boolean, nullable=False, default=False),
    sa.Column("cod_collected_minor", sa.BigInteger, nullable=False, default=0),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False, default=utcnow),
    sa.CheckConstraint("cod_collected_minor >= 0", name="cod_collected_not_negative"),
)

delivery_attempts = sa.Table(
    "delivery_attempt", md,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("stop_id", sa.ForeignKey("run_stop.id"), nullable=False, index=True),
    sa.Column("order_id", sa.ForeignKey("orders.id"), nullable=False, index=True),
    sa.Column("driver_id", sa.ForeignKey("users.id")),
    sa.Column("command_id", sa.String(36)),
    sa.Column("reason", sa.String(32), nullable=False),
    sa.Column("note", sa.String(500), nullable=False, default=""),
    sa.Column("photo_blob_id", sa.String(36)),
    sa.Column("occurred_at", UTCDateTime, nullable=False),
    sa.Column("history_only", sa.Boolean, nullable=False, default=False),
    sa.Column("created_at", UTCDateTime, nullable=False, default=utcnow),
)

cash_settlements = sa.Table(
    "cash_settlement", md,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("run_id", sa.ForeignKey("delivery_run.id"), nullable=False, unique=True),  # a run's cash is settled once
    sa.Column("expected_minor", sa.BigInteger, nullable=False),
    sa.Column("counted_minor", sa.BigInteger, nullable=False),
    sa.Column("difference_minor", sa.BigInteger, nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("settled_by_id", sa.ForeignKey("users.id")),
    sa.Column("settled_at", UTCDateTime, nullable=False),
    sa.Column("note", sa.String(500), nullable=False, default=""),
)


def _map_delivery() -> None:
    """Map the delivery domain classes (imperatively, like the rest)."""
    reg = db.Model.registry
    reg.map_imperatively(Blob, blobs)
    reg.map_imperatively(DeliveryProof, delivery_proofs)
    reg.map_imperatively(DeliveryAttempt, delivery_attempts)
    reg.map_imperatively(CashSettlement, cash_settlements)


_map_delivery()


# -- picking and packing (pick lists, box catalogue, parcels) ---------------------------------------
from ..domain.packing import Box  # noqa: E402
from ..domain.picking import PickLine, PickList  # noqa: E402

pick_lists = sa.Table(
    "pick_list", md,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("warehouse_id", sa.ForeignKey("warehouse.id"), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("claimed_by_id", sa.ForeignKey("users.id")),
    sa.Column("claimed_at", UTCDateTime),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("created_by_id", sa.ForeignKey("users.id")),
    sa.Index("ix_pick_list_warehouse_status", "warehouse_id", "status"),
)

pick_lines = sa.Table(
    "pick_line", md,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("pick_list_id", sa.ForeignKey("pick_list.id"), nullable=False, index=True),
    sa.Column("order_id", sa.ForeignKey("orders.id"), nullable=False, index=True),
    sa.Column("order_line_id", sa.ForeignKey("order_line.id"), nullable=False),
    sa.Column("product_id", sa.ForeignKey("product.id"), nullable=False),
    sa.Column("sku", sa.String(64), nullable=False),
    sa.Column("barcode", sa.String(64)),
    sa.Column("bin_code", sa.String(32)),
    sa.Column("quantity", sa.Integer, nullable=False),
    sa.Column("picked_quantity", sa.Integer, nullable=False),
    sa.Column("short_quantity", sa.Integer, nullable=False),
    sa.CheckConstraint("quantity >= 0", name="quantity_not_negative"),
    sa.CheckConstraint("picked_quantity >= 0 AND short_quantity >= 0", name="counts_not_negative"),
)

boxes = sa.Table(
    "box", md,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("code", sa.String(32), nullable=False, unique=True),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("inner_length_mm", sa.Integer, nullable=False),
    sa.Column("inner_width_mm", sa.Integer, nullable=False),
    sa.Column("inner_height_mm", sa.Integer, nullable=False),
    sa.Column("max_weight_grams", sa.Integer, nullable=False),
    sa.Column("tare_grams", sa.Integer, nullable=False, default=0),
    sa.Column("active", sa.Boolean, nullable=False, default=True),
    sa.CheckConstraint("inner_length_mm > 0 AND inner_width_mm > 0 AND inner_height_mm > 0",
                       name="dimensions_positive"),
)

# Read by shipping (label, carrier rate): one row per box closed for an order.
parcels = sa.Table(
    "parcel", md,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("order_id", sa.ForeignKey("orders.id"), nullable=False, index=True),
    sa.Column("box_code", sa.String(32), nullable=False),
    sa.Column("weight_grams", sa.Integer, nullable=False),
    sa.Column("length_mm", sa.Integer, nullable=False),
    sa.Column("width_mm", sa.Integer, nullable=False),
    sa.Column("height_mm", sa.Integer, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False, default=utcnow),
    sa.Column("created_by_id", sa.ForeignKey("users.id")),
    sa.CheckConstraint("weight_grams > 0", name="weight_positive"),
)


def _map_picking() -> None:
    reg = db.Model.registry
    reg.map_imperatively(PickLine, pick_lines)
    reg.map_imperatively(PickList, pick_lists, properties={
        "lines": relationship(PickLine, cascade="all, delete-orphan", lazy="selectin", order_by=pick_lines.c.id),
    })
    reg.map_imperatively(Box, boxes)


_map_picking()
