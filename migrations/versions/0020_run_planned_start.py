"""planned delivery runs leave at a time on the shop's clock

delivery_run.planned_start: when the run leaves, a wall time in WAYBILL_TIMEZONE (NULL: the shop's usual
start, WAYBILL_DISPATCH_START_TIME), so ETAs stay right across daylight-saving changes.

Revision ID: 0020
Revises: 0019
"""
from alembic import op
import sqlalchemy as sa

revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('delivery_run', schema=None) as batch_op:
        batch_op.add_column(sa.Column('planned_start', sa.Time(), nullable=True))


def downgrade():
    with op.batch_alter_table('delivery_run', schema=None) as batch_op:
        batch_op.drop_column('planned_start')
