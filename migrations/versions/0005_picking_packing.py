"""pick lists, picks, box catalogue and parcels

Revision ID: 0005
Revises: 0004
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "pick_list",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("warehouse_id", sa.Integer, sa.ForeignKey("warehouse.id", name="fk_pick_list_warehouse_id_warehouse"),
                  nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("claimed_by_id", sa.Integer, sa.ForeignKey("users.id", name="fk_pick_list_claimed_by_id_users")),
        sa.Column("claimed_at", sa.DateTime(timezone=True)),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer, sa.ForeignKey("users.id", name="fk_pick_list_created_by_id_users")),
    )
    op.create_index("ix_pick_list_warehouse_status", "pick_list", ["warehouse_id", "status"])
    op.create_table(
        "pick_line",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("pick_list_id", sa.Integer, sa.ForeignKey("pick_list.id", name="fk_pick_line_pick_list_id_pick_list"),
                  nullable=False),
        sa.Column("order_id", sa.Integer, sa.ForeignKey("orders.id", name="fk_pick_line_order_id_orders"),
                  nullable=False),
        sa.Column("order_line_id", sa.Integer,
                  sa.ForeignKey("order_line.id", name="fk_pick_line_order_line_id_order_line"), nullable=False),
        sa.Column("product_id", sa.Integer, sa.ForeignKey("product.id", name="fk_pick_line_product_id_product"),
                  nullable=False),
        sa.Column("sku", sa.String(64), nullable=False),
        sa.Column("barcode", sa.String(64)),
        sa.Column("bin_code", sa.String(32)),
        sa.Column("quantity", sa.Integer, nullable=False),
        sa.Column("picked_quantity", sa.Integer, nullable=False),
        sa.Column("short_quantity", sa.Integer, nullable=False),
        sa.CheckConstraint("quantity >= 0", name="ck_pick_line_quantity_not_negative"),
        sa.CheckConstraint("picked_quantity >= 0 AND short_quantity >= 0", name="ck_pick_line_counts_not_negative"),
    )
    op.create_index("ix_pick_line_pick_list_id", "pick_line", ["pick_list_id"])
    op.create_index("ix_pick_line_order_id", "pick_line", ["order_id"])
    op.create_table(
        "box",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("code", sa.String(32), nullable=False),
        sa.UniqueConstraint("code", name="uq_box_code"),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("inner_length_mm", sa.Integer, nullable=False),
        sa.Column("inner_width_mm", sa.Integer, nullable=False),
        sa.Column("inner_height_mm", sa.Integer, nullable=False),
        sa.Column("max_weight_grams", sa.Integer, nullable=False),
        sa.Column("tare_grams", sa.Integer, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.CheckConstraint("inner_length_mm > 0 AND inner_width_mm > 0 AND inner_height_mm > 0",
                           name="ck_box_dimensions_positive"),
    )
    op.create_table(
        "parcel",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("order_id", sa.Integer, sa.ForeignKey("orders.id", name="fk_parcel_order_id_orders"), nullable=False),
        sa.Column("box_code", sa.String(32), nullable=False),
        sa.Column("weight_grams", sa.Integer, nullable=False),
        sa.Column("length_mm", sa.Integer, nullable=False),
        sa.Column("width_mm", sa.Integer, nullable=False),
        sa.Column("height_mm", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer, sa.ForeignKey("users.id", name="fk_parcel_created_by_id_users")),
        sa.CheckConstraint("weight_grams > 0", name="ck_parcel_weight_positive"),
    )
    op.create_index("ix_parcel_order_id", "parcel", ["order_id"])


def downgrade():
    op.drop_index("ix_parcel_order_id", table_name="parcel")
    op.drop_table("parcel")
    op.drop_table("box")
    op.drop_index("ix_pick_line_order_id", table_name="pick_line")
    op.drop_index("ix_pick_line_pick_list_id", table_name="pick_line")
    op.drop_table("pick_line")
    op.drop_index("ix_pick_list_warehouse_status", table_name="pick_list")
    op.drop_table("pick_list")
