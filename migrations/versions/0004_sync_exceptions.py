"""the office's exception queue (conflicts found while replaying offline facts)

Revision ID: 0004
Revises: 0003
"""
from alembic import op
import sqlalchemy as sa

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'office_exception',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=64), nullable=False),
        sa.Column('message', sa.String(length=500), nullable=False),
        sa.Column('order_id', sa.Integer(), nullable=True),
        sa.Column('raised_by_id', sa.Integer(), nullable=True),
        sa.Column('command_id', sa.String(length=36), nullable=True),
        sa.Column('data', sa.JSON(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('resolved_by_id', sa.Integer(), nullable=True),
        sa.Column('resolution_note', sa.String(length=500), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_office_exception_order_id_orders')),
        sa.ForeignKeyConstraint(['raised_by_id'], ['users.id'], name=op.f('fk_office_exception_raised_by_id_users')),
        sa.ForeignKeyConstraint(['resolved_by_id'], ['users.id'],
                                name=op.f('fk_office_exception_resolved_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_office_exception')),
    )
    with op.batch_alter_table('office_exception', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_office_exception_order_id'), ['order_id'], unique=False)
        batch_op.create_index('ix_office_exception_status_opened', ['status', 'opened_at'], unique=False)


def downgrade():
    with op.batch_alter_table('office_exception', schema=None) as batch_op:
        batch_op.drop_index('ix_office_exception_status_opened')
        batch_op.drop_index(batch_op.f('ix_office_exception_order_id'))
    op.drop_table('office_exception')
