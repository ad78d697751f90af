"""A facility's default language: the language of its noticeboard (the printed week is printed in it
unless the print page is told another). Expand only: one column with a server default.

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
    op.add_column('facilities', sa.Column('default_language', sa.String(length=5), nullable=False, server_default='fi'))


def downgrade():
    with op.batch_alter_table('facilities') as batch:
        batch.drop_column('default_language')
