"""Bookings may carry a purpose and age groups (the vocabularies of spaces.purposes): usage reports and
open data count hours by them. Expand only: two nullable columns.

Revision ID: 0018
Revises: 0017
"""
from alembic import op
import sqlalchemy as sa


revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('bookings', sa.Column('purpose', sa.String(length=60), nullable=True))
    op.add_column('bookings', sa.Column('age_groups', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('bookings') as batch:
        batch.drop_column('age_groups')
        batch.drop_column('purpose')
