"""order e-mails: the sent-mail log, its intake cursor, and each customer's opt-out and unsubscribe key

mail_message: one row per (published event, recipient address), the whole rendered message, its status
and retries. mail_cursor: how far the mail intake has read the published outbox. customer.order_emails
(on by default), order_emails_changed_at, mail_token (the key of the unsubscribe link; existing customers
get a random one here).

Revision ID: 0019
Revises: 0018
"""
import secrets

from alembic import op
import sqlalchemy as sa

revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('customer', schema=None) as batch_op:
        batch_op.add_column(sa.Column('order_emails', sa.Boolean(), server_default=sa.true(), nullable=False))
        batch_op.add_column(sa.Column('order_emails_changed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('mail_token', sa.String(length=64), nullable=True))
    customer = sa.table('customer', sa.column('id', sa.Integer), sa.column('mail_token', sa.String))
    connection = op.get_bind()
    for (customer_id,) in connection.execute(sa.select(customer.c.id)).all():
        connection.execute(customer.update().where(customer.c.id == customer_id)
                           .values(mail_token=secrets.token_urlsafe(24)))
    with op.batch_alter_table('customer', schema=None) as batch_op:
        batch_op.alter_column('mail_token', existing_type=sa.String(length=64), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_customer_mail_token'), ['mail_token'])

    op.create_table('mail_cursor',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('last_sequence', sa.BigInteger(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mail_cursor'))
    )
    op.create_table('mail_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.String(length=36), nullable=False),
    sa.Column('recipient', sa.String(length=254), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('sequence', sa.BigInteger(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('message_id', sa.String(length=200), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.String(length=500), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_mail_message_customer_id_customer')),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_mail_message_order_id_orders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mail_message')),
    sa.UniqueConstraint('event_id', 'recipient', name='uq_mail_message_event_recipient')
    )
    with op.batch_alter_table('mail_message', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mail_message_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_mail_message_order_id'), ['order_id'], unique=False)
        batch_op.create_index('ix_mail_message_due', ['status', 'next_attempt_at'], unique=False)


def downgrade():
    with op.batch_alter_table('mail_message', schema=None) as batch_op:
        batch_op.drop_index('ix_mail_message_due')
        batch_op.drop_index(batch_op.f('ix_mail_message_order_id'))
        batch_op.drop_index(batch_op.f('ix_mail_message_customer_id'))
    op.drop_table('mail_message')
    op.drop_table('mail_cursor')
    with op.batch_alter_table('customer', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_customer_mail_token'), type_='unique')
        batch_op.drop_column('mail_token')
        batch_op.drop_column('order_emails_changed_at')
        batch_op.drop_column('order_emails')
