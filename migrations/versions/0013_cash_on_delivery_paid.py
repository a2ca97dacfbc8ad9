"""cash on delivery paid: the amount staff recorded as received on an order

orders.paid_minor: set when a settled delivery run hands in the cash a stop collected (None before, and
for orders paid some other way).

Revision ID: 0013
Revises: 0012
"""
from alembic import op
import sqlalchemy as sa

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('paid_minor', sa.BigInteger(), nullable=True))


def downgrade():
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_column('paid_minor')
