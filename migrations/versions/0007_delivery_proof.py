"""proof of delivery, failed attempts, uploaded blobs and cash settlement

Revision ID: 0007
Revises: 0006
"""
from alembic import op
import sqlalchemy as sa

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('blob',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('content_type', sa.String(length=32), nullable=False),
    sa.Column('storage_key', sa.String(length=128), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_blob_uploaded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_blob'))
    )
    op.create_table('delivery_proof',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('stop_id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('driver_id', sa.Integer(), nullable=True),
    sa.Column('command_id', sa.String(length=36), nullable=True),
    sa.Column('recipient_name', sa.String(length=200), nullable=False),
    sa.Column('latitude', sa.Float(), nullable=True),
    sa.Column('longitude', sa.Float(), nullable=True),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('photo_blob_ids', sa.JSON(), nullable=False),
    sa.Column('signature_blob_ids', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('extra_evidence', sa.Boolean(), nullable=False),
    sa.Column('cod_collected_minor', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('cod_collected_minor >= 0', name=op.f('ck_delivery_proof_cod_collected_not_negative')),
    sa.ForeignKeyConstraint(['driver_id'], ['users.id'], name=op.f('fk_delivery_proof_driver_id_users')),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_delivery_proof_order_id_orders')),
    sa.ForeignKeyConstraint(['stop_id'], ['run_stop.id'], name=op.f('fk_delivery_proof_stop_id_run_stop')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_delivery_proof'))
    )
    with op.batch_alter_table('delivery_proof', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_delivery_proof_order_id'), ['order_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_delivery_proof_stop_id'), ['stop_id'], unique=False)

    op.create_table('delivery_attempt',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('stop_id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('driver_id', sa.Integer(), nullable=True),
    sa.Column('command_id', sa.String(length=36), nullable=True),
    sa.Column('reason', sa.String(length=32), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('photo_blob_id', sa.String(length=36), nullable=True),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('history_only', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['driver_id'], ['users.id'], name=op.f('fk_delivery_attempt_driver_id_users')),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_delivery_attempt_order_id_orders')),
    sa.ForeignKeyConstraint(['stop_id'], ['run_stop.id'], name=op.f('fk_delivery_attempt_stop_id_run_stop')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_delivery_attempt'))
    )
    with op.batch_alter_table('delivery_attempt', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_delivery_attempt_order_id'), ['order_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_delivery_attempt_stop_id'), ['stop_id'], unique=False)

    op.create_table('cash_settlement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('expected_minor', sa.BigInteger(), nullable=False),
    sa.Column('counted_minor', sa.BigInteger(), nullable=False),
    sa.Column('difference_minor', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('settled_by_id', sa.Integer(), nullable=True),
    sa.Column('settled_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.ForeignKeyConstraint(['run_id'], ['delivery_run.id'], name=op.f('fk_cash_settlement_run_id_delivery_run')),
    sa.ForeignKeyConstraint(['settled_by_id'], ['users.id'], name=op.f('fk_cash_settlement_settled_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cash_settlement')),
    sa.UniqueConstraint('run_id', name=op.f('uq_cash_settlement_run_id'))
    )


def downgrade():
    op.drop_table('cash_settlement')
    with op.batch_alter_table('delivery_attempt', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_delivery_attempt_stop_id'))
        batch_op.drop_index(batch_op.f('ix_delivery_attempt_order_id'))
    op.drop_table('delivery_attempt')
    with op.batch_alter_table('delivery_proof', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_delivery_proof_stop_id'))
        batch_op.drop_index(batch_op.f('ix_delivery_proof_order_id'))
    op.drop_table('delivery_proof')
    op.drop_table('blob')
