"""channel intake: shop channels, the orders they sent (with their totals), and intake exceptions

sales_channel: a Shopify or WooCommerce shop that sends orders by signed webhook (its secret set by the owner).
channel_order: the shop's record of an order placed from it: its number and totals beside Waybill's.
intake_exception: a shop's order that could not be placed as sent: the raw payload and the reasons, until a
person releases (after correcting it) or discards it.

Revision ID: 0017
Revises: 0016
"""
from alembic import op
import sqlalchemy as sa

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'sales_channel',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('slug', sa.String(length=40), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('currency', sa.String(length=3), nullable=False),
        sa.Column('webhook_secret', sa.String(length=200), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_sales_channel')),
        sa.UniqueConstraint('slug', name=op.f('uq_sales_channel_slug')),
    )
    op.create_table(
        'channel_order',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('sales_channel_id', sa.Integer(), nullable=False),
        sa.Column('channel_order_id', sa.String(length=100), nullable=False),
        sa.Column('order_id', sa.Integer(), nullable=False),
        sa.Column('number', sa.String(length=100), nullable=False),
        sa.Column('totals', sa.JSON(), nullable=False),
        sa.Column('total_difference_minor', sa.BigInteger(), nullable=True),
        sa.Column('webhook_id', sa.String(length=100), nullable=False),
        sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_channel_order_order_id_orders')),
        sa.ForeignKeyConstraint(['sales_channel_id'], ['sales_channel.id'],
                                name=op.f('fk_channel_order_sales_channel_id_sales_channel')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_channel_order')),
        sa.UniqueConstraint('order_id', name=op.f('uq_channel_order_order_id')),
        sa.UniqueConstraint('sales_channel_id', 'channel_order_id', name='uq_channel_order_channel_id'),
    )
    op.create_table(
        'intake_exception',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('sales_channel_id', sa.Integer(), nullable=False),
        sa.Column('channel_order_id', sa.String(length=100), nullable=False),
        sa.Column('number', sa.String(length=100), nullable=False),
        sa.Column('topic', sa.String(length=64), nullable=False),
        sa.Column('webhook_id', sa.String(length=100), nullable=False),
        sa.Column('source', sa.String(length=200), nullable=False),
        sa.Column('raw_body', sa.Text(), nullable=False),
        sa.Column('reasons', sa.JSON(), nullable=False),
        sa.Column('corrections', sa.JSON(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('order_id', sa.Integer(), nullable=True),
        sa.Column('discard_reason', sa.String(length=500), nullable=False),
        sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('closed_by_id', sa.Integer(), nullable=True),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['closed_by_id'], ['users.id'], name=op.f('fk_intake_exception_closed_by_id_users')),
        sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_intake_exception_order_id_orders')),
        sa.ForeignKeyConstraint(['sales_channel_id'], ['sales_channel.id'],
                                name=op.f('fk_intake_exception_sales_channel_id_sales_channel')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_intake_exception')),
        sa.UniqueConstraint('sales_channel_id', 'channel_order_id', name='uq_intake_exception_channel_id'),
    )
    with op.batch_alter_table('intake_exception', schema=None) as batch_op:
        batch_op.create_index('ix_intake_exception_status_received', ['status', 'received_at'], unique=False)


def downgrade():
    with op.batch_alter_table('intake_exception', schema=None) as batch_op:
        batch_op.drop_index('ix_intake_exception_status_received')
    op.drop_table('intake_exception')
    op.drop_table('channel_order')
    op.drop_table('sales_channel')
