"""bank statements: the credits read from the bank's statement, matched to orders or kept for a person

Revision ID: 0014
Revises: 0013
"""
from alembic import op
import sqlalchemy as sa

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

def upgrade():
    op.create_table(
        'bank_statement_line',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('bank_reference', sa.String(length=100), nullable=False),
        sa.Column('file_name', sa.String(length=200), nullable=False),
        sa.Column('line_number', sa.Integer(), nullable=False),
        sa.Column('booked_on', sa.Date(), nullable=False),
        sa.Column('amount_minor', sa.BigInteger(), nullable=False),
        sa.Column('currency', sa.String(length=3), nullable=False),
        sa.Column('reference', sa.String(length=500), nullable=False),
        sa.Column('payer', sa.String(length=200), nullable=False),
        sa.Column('outcome', sa.String(length=16), nullable=False),
        sa.Column('message', sa.String(length=500), nullable=False),
        sa.Column('order_id', sa.Integer(), nullable=True),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('imported_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('imported_by_id', sa.Integer(), nullable=True),
        sa.Column('settled_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('settled_by_id', sa.Integer(), nullable=True),
        sa.Column('settle_note', sa.String(length=500), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['order_id'], ['orders.id']),
        sa.ForeignKeyConstraint(['imported_by_id'], ['users.id']),
        sa.ForeignKeyConstraint(['settled_by_id'], ['users.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('bank_reference'),
    )
    op.create_index('ix_bank_statement_line_order_id', 'bank_statement_line', ['order_id'])
    op.create_index('ix_bank_statement_line_status_booked', 'bank_statement_line', ['status', 'booked_on'])

def downgrade():
    op.drop_index('ix_bank_statement_line_status_booked', table_name='bank_statement_line')
    op.drop_index('ix_bank_statement_line_order_id', table_name='bank_statement_line')
    op.drop_table('bank_statement_line')
