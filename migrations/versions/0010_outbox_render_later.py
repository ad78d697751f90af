"""outbox_messages.renderer and .payload: a message queued with the change as the facts it must
say, rendered by send-mail (commons.mail.queue_later), so the change's transaction renders nothing

Revision ID: 0010
Revises: 0009
"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('renderer', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('payload', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_column('payload')
        batch_op.drop_column('renderer')
