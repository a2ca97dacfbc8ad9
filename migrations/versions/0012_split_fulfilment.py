"""split fulfilment: a parcel belongs to the warehouse that packed it

An order allocated in several warehouses (at intake, or after a short pick was reallocated) is
fulfilled in parts, one per warehouse; each part is packed and shipped on its own, so a parcel
records its warehouse. Parcels closed before this change have none (the whole order was one part).

Revision ID: 0012
Revises: 0011
"""
from alembic import op
import sqlalchemy as sa

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('parcel', schema=None) as batch_op:
        batch_op.add_column(sa.Column('warehouse_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_parcel_warehouse_id_warehouse'), 'warehouse',
                                    ['warehouse_id'], ['id'])


def downgrade():
    with op.batch_alter_table('parcel', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_parcel_warehouse_id_warehouse'), type_='foreignkey')
        batch_op.drop_column('warehouse_id')
