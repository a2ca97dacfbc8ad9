"""staff web push: an owner's or manager's browser subscribes to new-order alerts

push_subscription gains `audience` ('customer' | 'staff') and `user_id` (the staff member); a staff
subscription follows no order, so `order_id` becomes nullable. Existing rows are customers'.

Revision ID: 0009
Revises: 0008
"""
from alembic import op
import sqlalchemy as sa

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('push_subscription', schema=None) as batch_op:
        batch_op.add_column(sa.Column('user_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('audience', sa.String(length=16), server_default='customer', nullable=False))
        batch_op.alter_column('order_id', existing_type=sa.Integer(), nullable=True)
        batch_op.create_foreign_key(batch_op.f('fk_push_subscription_user_id_users'), 'users', ['user_id'], ['id'])
        batch_op.create_unique_constraint('uq_push_subscription_endpoint_user', ['endpoint', 'user_id'])


def downgrade():
    op.execute("DELETE FROM push_attempt WHERE subscription_id IN "
               "(SELECT id FROM push_subscription WHERE audience = 'staff')")
    op.execute("DELETE FROM push_message WHERE subscription_id IN "
               "(SELECT id FROM push_subscription WHERE audience = 'staff')")
    op.execute("DELETE FROM push_subscription WHERE audience = 'staff'")
    with op.batch_alter_table('push_subscription', schema=None) as batch_op:
        batch_op.drop_constraint('uq_push_subscription_endpoint_user', type_='unique')
        batch_op.drop_constraint(batch_op.f('fk_push_subscription_user_id_users'), type_='foreignkey')
        batch_op.alter_column('order_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column('audience')
        batch_op.drop_column('user_id')
