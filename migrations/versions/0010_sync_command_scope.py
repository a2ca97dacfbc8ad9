"""offline command ids are unique per device, not across all devices

Another user's phone may pick the same command id; it must get its own replay, never the first one's
stored outcome. sync_command's unique key becomes (device_id, command_id).

Revision ID: 0010
Revises: 0009
"""
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('sync_command', schema=None) as batch_op:
        batch_op.drop_constraint('uq_sync_command_command_id', type_='unique')
        batch_op.create_unique_constraint('uq_sync_command_device_id_command_id', ['device_id', 'command_id'])


def downgrade():
    # Going back needs globally unique ids: a row whose id another device also used keeps only the oldest.
    op.execute("DELETE FROM sync_command WHERE id NOT IN "
               "(SELECT min(id) FROM sync_command GROUP BY command_id)")
    with op.batch_alter_table('sync_command', schema=None) as batch_op:
        batch_op.drop_constraint('uq_sync_command_device_id_command_id', type_='unique')
        batch_op.create_unique_constraint('uq_sync_command_command_id', ['command_id'])
