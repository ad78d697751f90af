"""Staff book for a person at the counter (no group, no account): the booking keeps the person's name and
phone as its contact, and belongs to the facility's counter group (one group per facility, no members,
made on first use). Expand only: nullable columns and a unique index.

Revision ID: 0019
Revises: 0018
"""
from alembic import op
import sqlalchemy as sa


revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('bookings', sa.Column('contact_name', sa.String(length=120), nullable=True))
    op.add_column('bookings', sa.Column('contact_phone', sa.String(length=40), nullable=True))
    with op.batch_alter_table('groups', schema=None) as batch_op:
        batch_op.add_column(sa.Column('counter_facility_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_groups_counter_facility_id_facilities'), 'facilities',
                                    ['counter_facility_id'], ['id'], ondelete='CASCADE')
        batch_op.create_index(batch_op.f('ix_groups_counter_facility_id'), ['counter_facility_id'], unique=True)


def downgrade():
    with op.batch_alter_table('groups', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_groups_counter_facility_id'))
        batch_op.drop_constraint(batch_op.f('fk_groups_counter_facility_id_facilities'), type_='foreignkey')
        batch_op.drop_column('counter_facility_id')
    with op.batch_alter_table('bookings') as batch:
        batch.drop_column('contact_phone')
        batch.drop_column('contact_name')
