"""payments ledger: every order's authorizations, captures, voids, refunds and money received, and the
payment provider's webhook events already handled

Revision ID: 0016
Revises: 0015
"""
from alembic import op
import sqlalchemy as sa


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'payment_entry',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('order_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('amount_minor', sa.BigInteger(), nullable=False),
        sa.Column('currency', sa.String(length=3), nullable=False),
        sa.Column('reference', sa.String(length=100), nullable=False),
        sa.Column('part', sa.String(length=32), nullable=False),
        sa.Column('parent', sa.String(length=100), nullable=False),
        sa.Column('decline_code', sa.String(length=64), nullable=False),
        sa.Column('note', sa.String(length=500), nullable=False),
        sa.Column('idempotency_key', sa.String(length=120), nullable=True),
        sa.Column('actor_id', sa.Integer(), nullable=True),
        sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_payment_entry_actor_id_users')),
        sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_payment_entry_order_id_orders')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_payment_entry')),
        sa.UniqueConstraint('idempotency_key', name=op.f('uq_payment_entry_idempotency_key')),
    )
    op.create_index(op.f('ix_payment_entry_order_id'), 'payment_entry', ['order_id'], unique=False)
    op.create_table(
        'payment_webhook_event',
        sa.Column('event_id', sa.String(length=100), nullable=False),
        sa.Column('type', sa.String(length=64), nullable=False),
        sa.Column('order_id', sa.Integer(), nullable=True),
        sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_payment_webhook_event_order_id_orders')),
        sa.PrimaryKeyConstraint('event_id', name=op.f('pk_payment_webhook_event')),
    )


def downgrade():
    op.drop_table('payment_webhook_event')
    op.drop_index(op.f('ix_payment_entry_order_id'), table_name='payment_entry')
    op.drop_table('payment_entry')
