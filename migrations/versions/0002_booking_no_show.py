"""bookings.no_show: staff record that a confirmed booking's group did not come (usage reports)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 00:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    # Nullable: None means "not recorded" (most bookings), so no default and no rewrite of old rows.
    with op.batch_alter_table('bookings') as batch_op:
        batch_op.add_column(sa.Column('no_show', sa.Boolean(), nullable=True))


def downgrade():
    with op.batch_alter_table('bookings') as batch_op:
        batch_op.drop_column('no_show')
