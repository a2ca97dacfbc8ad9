"""The tables of fulfilment: shipments and delivery runs, proofs and settlements, pick lists, boxes, parcels."""
from __future__ import annotations

import sqlalchemy as sa

from ..domain.events import utcnow
from .tables import UTCDateTime, md

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
    # When the run leaves on the shop's clock (a wall time in WAYBILL_TIMEZONE); NULL: the shop's usual start.
    sa.Column("planned_start", sa.Time),
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
    # The warehouse whose part of the order this box holds (None: closed before orders were split).
    sa.Column("warehouse_id", sa.ForeignKey("warehouse.id")),
    sa.Column("box_code", sa.String(32), nullable=False),
    sa.Column("weight_grams", sa.Integer, nullable=False),
    sa.Column("length_mm", sa.Integer, nullable=False),
    sa.Column("width_mm", sa.Integer, nullable=False),
    sa.Column("height_mm", sa.Integer, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False, default=utcnow),
    sa.Column("created_by_id", sa.ForeignKey("users.id")),
    sa.CheckConstraint("weight_grams > 0", name="weight_positive"),
)
