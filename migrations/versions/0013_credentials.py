"""volunteer credentials (seen by staff, with their last valid day), shifts.requires, hours certificates,
people without an account on shifts (shift_signups.guest_*), late withdrawals (activities.withdraw_hours_before,
shift_signups.late_withdrawal_at)

Revision ID: 0013
Revises: 0012
"""
from alembic import op
import sqlalchemy as sa

import commons.db


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('activities', schema=None) as batch_op:
        batch_op.add_column(sa.Column('withdraw_hours_before', sa.Integer(), nullable=True))
    # Plain ADD COLUMNs: on SQLite a batch that recreates a table drops the old one, and with foreign keys on
    # that deletes the rows referring to it (ON DELETE CASCADE). The foreign key of added_by_id is PostgreSQL's;
    # on SQLite erasing an account clears it (volunteers.services.personal_data).
    with op.batch_alter_table('shift_signups', schema=None) as batch_op:
        batch_op.add_column(sa.Column('guest_name', sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column('guest_phone', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('added_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('late_withdrawal_at', commons.db.UTCDateTime(), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        op.create_foreign_key('fk_shift_signups_added_by_id_users', 'shift_signups', 'users', ['added_by_id'], ['id'],
                              ondelete='SET NULL')
    with op.batch_alter_table('shifts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('requires', sa.JSON(), nullable=False, server_default='[]'))
    op.create_table(
        'volunteer_credentials',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('volunteer_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('valid_until', sa.Date(), nullable=False),
        sa.Column('note', sa.String(length=200), nullable=False),
        sa.Column('recorded_by_id', sa.Integer(), nullable=True),
        sa.Column('expiry_notice_at', commons.db.UTCDateTime(), nullable=True),
        sa.Column('created_at', commons.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['volunteer_id'], ['volunteer_profiles.id'],
                                name='fk_volunteer_credentials_volunteer_id_volunteer_profiles', ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name='fk_volunteer_credentials_recorded_by_id_users',
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name='pk_volunteer_credentials'),
    )
    op.create_index('ix_volunteer_credentials_volunteer', 'volunteer_credentials', ['volunteer_id'])
    op.create_index('ix_volunteer_credentials_valid_until', 'volunteer_credentials', ['valid_until'])
    op.create_table(
        'hours_certificates',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('volunteer_id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=40), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('period_start', sa.Date(), nullable=False),
        sa.Column('period_end', sa.Date(), nullable=False),
        sa.Column('minutes', sa.Integer(), nullable=False),
        sa.Column('shifts', sa.Integer(), nullable=False),
        sa.Column('organisations', sa.JSON(), nullable=False),
        sa.Column('created_at', commons.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['volunteer_id'], ['volunteer_profiles.id'],
                                name='fk_hours_certificates_volunteer_id_volunteer_profiles', ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name='pk_hours_certificates'),
        sa.UniqueConstraint('code', name='uq_hours_certificates_code'),
    )
    op.create_index('ix_hours_certificates_volunteer_id', 'hours_certificates', ['volunteer_id'])


def downgrade():
    op.drop_index('ix_hours_certificates_volunteer_id', table_name='hours_certificates')
    op.drop_table('hours_certificates')
    op.drop_index('ix_volunteer_credentials_valid_until', table_name='volunteer_credentials')
    op.drop_index('ix_volunteer_credentials_volunteer', table_name='volunteer_credentials')
    op.drop_table('volunteer_credentials')
    with op.batch_alter_table('shifts', schema=None) as batch_op:
        batch_op.drop_column('requires')
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint('fk_shift_signups_added_by_id_users', 'shift_signups', type_='foreignkey')
    # (on SQLite these drops recreate the tables: downgrade a copy of the database)
    with op.batch_alter_table('shift_signups', schema=None) as batch_op:
        batch_op.drop_column('late_withdrawal_at')
        batch_op.drop_column('added_by_id')
        batch_op.drop_column('guest_phone')
        batch_op.drop_column('guest_name')
    with op.batch_alter_table('activities', schema=None) as batch_op:
        batch_op.drop_column('withdraw_hours_before')
