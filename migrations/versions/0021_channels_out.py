"""channels out: stock levels and fulfilments pushed to the shops

sales_channel: the shop's API address, its default stock buffer, the Shopify location, and whether stock and
fulfilments are pushed (the API token is read from WAYBILL_CHANNEL_TOKEN_<SLUG>, never stored).
channel_listing: one of our products as a shop lists it (its ids there) and an optional buffer of its own.
channel_push: pushes owed to shops: one row per listing holding the newest quantity, one per shipment.
channel_push_cursor: how far the push worker has read the published outbox.

Revision ID: 0021
Revises: 0020
"""
from alembic import op
import sqlalchemy as sa

revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('sales_channel', schema=None) as batch_op:
        batch_op.add_column(sa.Column('api_url', sa.String(length=500), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('stock_buffer', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('location_id', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('push_stock', sa.Boolean(), nullable=False, server_default=sa.true()))
        batch_op.add_column(sa.Column('push_fulfilment', sa.Boolean(), nullable=False, server_default=sa.true()))
    op.create_table(
        'channel_listing',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('sales_channel_id', sa.Integer(), nullable=False),
        sa.Column('product_id', sa.Integer(), nullable=False),
        sa.Column('item_id', sa.String(length=20), nullable=False),
        sa.Column('parent_id', sa.String(length=20), nullable=True),
        sa.Column('buffer', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['product_id'], ['product.id'], name=op.f('fk_channel_listing_product_id_product')),
        sa.ForeignKeyConstraint(['sales_channel_id'], ['sales_channel.id'],
                                name=op.f('fk_channel_listing_sales_channel_id_sales_channel')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_channel_listing')),
        sa.UniqueConstraint('sales_channel_id', 'product_id', name='uq_channel_listing_product'),
    )
    with op.batch_alter_table('channel_listing', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_channel_listing_product_id'), ['product_id'], unique=False)
    op.create_table(
        'channel_push',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('sales_channel_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('listing_id', sa.Integer(), nullable=True),
        sa.Column('shipment_id', sa.Integer(), nullable=True),
        sa.Column('order_id', sa.Integer(), nullable=True),
        sa.Column('quantity', sa.Integer(), nullable=True),
        sa.Column('revision', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('leased_until', sa.DateTime(timezone=True), nullable=True),
        sa.Column('last_status_code', sa.Integer(), nullable=True),
        sa.Column('last_error', sa.String(length=500), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['listing_id'], ['channel_listing.id'], ondelete='CASCADE',
                                name=op.f('fk_channel_push_listing_id_channel_listing')),
        sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_channel_push_order_id_orders')),
        sa.ForeignKeyConstraint(['sales_channel_id'], ['sales_channel.id'],
                                name=op.f('fk_channel_push_sales_channel_id_sales_channel')),
        sa.ForeignKeyConstraint(['shipment_id'], ['shipment.id'], name=op.f('fk_channel_push_shipment_id_shipment')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_channel_push')),
        sa.UniqueConstraint('sales_channel_id', 'listing_id', name='uq_channel_push_listing'),
        sa.UniqueConstraint('sales_channel_id', 'shipment_id', name='uq_channel_push_shipment'),
    )
    with op.batch_alter_table('channel_push', schema=None) as batch_op:
        batch_op.create_index('ix_channel_push_due', ['status', 'next_attempt_at'], unique=False)
    op.create_table(
        'channel_push_cursor',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('last_sequence', sa.BigInteger(), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_channel_push_cursor')),
    )


def downgrade():
    op.drop_table('channel_push_cursor')
    with op.batch_alter_table('channel_push', schema=None) as batch_op:
        batch_op.drop_index('ix_channel_push_due')
    op.drop_table('channel_push')
    with op.batch_alter_table('channel_listing', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_channel_listing_product_id'))
    op.drop_table('channel_listing')
    with op.batch_alter_table('sales_channel', schema=None) as batch_op:
        batch_op.drop_column('push_fulfilment')
        batch_op.drop_column('push_stock')
        batch_op.drop_column('location_id')
        batch_op.drop_column('stock_buffer')
        batch_op.drop_column('api_url')
