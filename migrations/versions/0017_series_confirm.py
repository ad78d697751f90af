"""use it or free it: a series whose dates were released twice in a row asks the group to confirm the rest

Revision ID: 0017
Revises: 0016
"""
from alembic import op
import sqlalchemy as sa

import commons.db


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD COLUMN (nullable): no table is recreated on SQLite.
    op.add_column('booking_series', sa.Column('confirm_asked_at', commons.db.UTCDateTime(), nullable=True))


def downgrade():
    op.drop_column('booking_series', 'confirm_asked_at')  # plain DROP COLUMN (SQLite >= 3.35): no table recreated
