"""shipments, carriers' labels, delivery runs and their stops

Revision ID: 0006
Revises: 0005
"""
from alembic import op
import sqlalchemy as sa

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('shipment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('warehouse_id', sa.Integer(), nullable=False),
    sa.Column('carrier', sa.String(length=32), nullable=False),
    sa.Column('service', sa.String(length=64), nullable=False),
    sa.Column('tracking_number', sa.String(length=64), nullable=False),
    sa.Column('label_format', sa.String(length=8), nullable=False),
    sa.Column('label_data', sa.LargeBinary(), nullable=False),
    sa.Column('status', sa.String(length=24), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_shipment_created_by_id_users')),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_shipment_order_id_orders')),
    sa.ForeignKeyConstraint(['warehouse_id'], ['warehouse.id'], name=op.f('fk_shipment_warehouse_id_warehouse')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_shipment')),
    sa.UniqueConstraint('carrier', 'tracking_number', name='uq_shipment_carrier_tracking')
    )
    with op.batch_alter_table('shipment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_shipment_order_id'), ['order_id'], unique=False)
        batch_op.create_index('ix_shipment_status_carrier', ['status', 'carrier'], unique=False)

    op.create_table('delivery_run',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('driver_id', sa.Integer(), nullable=False),
    sa.Column('warehouse_id', sa.Integer(), nullable=False),
    sa.Column('run_date', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['driver_id'], ['users.id'], name=op.f('fk_delivery_run_driver_id_users')),
    sa.ForeignKeyConstraint(['warehouse_id'], ['warehouse.id'], name=op.f('fk_delivery_run_warehouse_id_warehouse')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_delivery_run'))
    )
    with op.batch_alter_table('delivery_run', schema=None) as batch_op:
        batch_op.create_index('ix_delivery_run_driver_date', ['driver_id', 'run_date'], unique=False)

    op.create_table('run_stop',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('shipment_id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('eta', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cod_due_minor', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('delivery_notes', sa.String(length=2000), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint('position >= 1', name=op.f('ck_run_stop_position_positive')),
    sa.CheckConstraint('cod_due_minor >= 0', name=op.f('ck_run_stop_cod_not_negative')),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_run_stop_order_id_orders')),
    sa.ForeignKeyConstraint(['run_id'], ['delivery_run.id'], name=op.f('fk_run_stop_run_id_delivery_run')),
    sa.ForeignKeyConstraint(['shipment_id'], ['shipment.id'], name=op.f('fk_run_stop_shipment_id_shipment')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_run_stop'))
    )
    with op.batch_alter_table('run_stop', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_run_stop_run_id'), ['run_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_run_stop_shipment_id'), ['shipment_id'], unique=False)


def downgrade():
    with op.batch_alter_table('run_stop', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_run_stop_shipment_id'))
        batch_op.drop_index(batch_op.f('ix_run_stop_run_id'))
    op.drop_table('run_stop')
    with op.batch_alter_table('delivery_run', schema=None) as batch_op:
        batch_op.drop_index('ix_delivery_run_driver_date')
    op.drop_table('delivery_run')
    with op.batch_alter_table('shipment', schema=None) as batch_op:
        batch_op.drop_index('ix_shipment_status_carrier')
        batch_op.drop_index(batch_op.f('ix_shipment_order_id'))
    op.drop_table('shipment')
