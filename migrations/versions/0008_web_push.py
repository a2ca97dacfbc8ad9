"""web push: customers' subscriptions and every delivery attempt

Revision ID: 0008
Revises: 0007
"""
from alembic import op
import sqlalchemy as sa

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('push_cursor',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('last_sequence', sa.BigInteger(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_push_cursor'))
    )
    op.create_table('push_subscription',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=True),
    sa.Column('endpoint', sa.String(length=1024), nullable=False),
    sa.Column('p256dh', sa.String(length=128), nullable=False),
    sa.Column('auth', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_reason', sa.String(length=32), nullable=True),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_push_subscription_customer_id_customer')),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_push_subscription_order_id_orders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_push_subscription')),
    sa.UniqueConstraint('endpoint', 'order_id', name='uq_push_subscription_endpoint_order')
    )
    with op.batch_alter_table('push_subscription', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_push_subscription_order_id'), ['order_id'], unique=False)

    op.create_table('push_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subscription_id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.String(length=36), nullable=False),
    sa.Column('sequence', sa.BigInteger(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('topic', sa.String(length=32), nullable=False),
    sa.Column('ttl', sa.Integer(), nullable=False),
    sa.Column('urgency', sa.String(length=8), nullable=False),
    sa.Column('payload', sa.LargeBinary(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['subscription_id'], ['push_subscription.id'], name=op.f('fk_push_message_subscription_id_push_subscription')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_push_message')),
    sa.UniqueConstraint('subscription_id', 'event_id', name='uq_push_message_subscription_event')
    )
    with op.batch_alter_table('push_message', schema=None) as batch_op:
        batch_op.create_index('ix_push_message_due', ['status', 'next_attempt_at'], unique=False)

    op.create_table('push_attempt',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=False),
    sa.Column('subscription_id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.String(length=36), nullable=False),
    sa.Column('attempt', sa.Integer(), nullable=False),
    sa.Column('status_code', sa.Integer(), nullable=True),
    sa.Column('error', sa.String(length=500), nullable=False),
    sa.Column('retry_after_seconds', sa.Integer(), nullable=True),
    sa.Column('next_retry_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('topic', sa.String(length=32), nullable=False),
    sa.Column('ttl', sa.Integer(), nullable=False),
    sa.Column('urgency', sa.String(length=8), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['message_id'], ['push_message.id'], name=op.f('fk_push_attempt_message_id_push_message')),
    sa.ForeignKeyConstraint(['subscription_id'], ['push_subscription.id'], name=op.f('fk_push_attempt_subscription_id_push_subscription')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_push_attempt'))
    )
    with op.batch_alter_table('push_attempt', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_push_attempt_message_id'), ['message_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_push_attempt_subscription_id'), ['subscription_id'], unique=False)

    # ### end Alembic commands ###


def downgrade():
    with op.batch_alter_table('push_attempt', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_push_attempt_subscription_id'))
        batch_op.drop_index(batch_op.f('ix_push_attempt_message_id'))
    op.drop_table('push_attempt')
    with op.batch_alter_table('push_message', schema=None) as batch_op:
        batch_op.drop_index('ix_push_message_due')
    op.drop_table('push_message')
    with op.batch_alter_table('push_subscription', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_push_subscription_order_id'))
    op.drop_table('push_subscription')
    op.drop_table('push_cursor')
