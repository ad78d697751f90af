"""Seasonal rounds: rounds, their spaces, applications and allocations.

Revision ID: 0016
Revises: 0015
"""
from alembic import op
import sqlalchemy as sa



revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'rounds',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('season_start', sa.Date(), nullable=False),
        sa.Column('season_end', sa.Date(), nullable=False),
        sa.Column('applications_open', sa.DateTime(timezone=True), nullable=False),
        sa.Column('applications_close', sa.DateTime(timezone=True), nullable=False),
        sa.Column('priority_classes', sa.JSON(), nullable=False),
        sa.Column('daytime_classes', sa.JSON(), nullable=True),
        sa.Column('optimal', sa.Boolean(), nullable=True),
        sa.Column('gap', sa.Float(), nullable=True),
        sa.Column('unallocated', sa.JSON(), nullable=False),
        sa.Column('allocated_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        'round_spaces',
        sa.Column('round_id', sa.Integer(), sa.ForeignKey('rounds.id', ondelete='CASCADE'), primary_key=True),
        sa.Column('space_id', sa.Integer(), sa.ForeignKey('spaces.id', ondelete='CASCADE'), primary_key=True),
        sa.Column('position', sa.Integer(), nullable=False),
    )
    op.create_index('ix_round_spaces_space_id', 'round_spaces', ['space_id'])
    op.create_table(
        'round_applications',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('round_id', sa.Integer(), sa.ForeignKey('rounds.id', ondelete='CASCADE'), nullable=False),
        sa.Column('group_id', sa.Integer(), sa.ForeignKey('groups.id', ondelete='CASCADE'), nullable=False),
        sa.Column('priority_class', sa.String(length=60), nullable=True),
        sa.Column('purpose', sa.String(length=60), nullable=False),
        sa.Column('age_groups', sa.JSON(), nullable=False),
        sa.Column('attendees', sa.Integer(), nullable=False),
        sa.Column('wishes', sa.JSON(), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('result', sa.JSON(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index('ix_round_applications_round_group', 'round_applications', ['round_id', 'group_id'])
    op.create_table(
        'round_allocations',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('round_id', sa.Integer(), sa.ForeignKey('rounds.id', ondelete='CASCADE'), nullable=False),
        sa.Column('application_id', sa.Integer(), sa.ForeignKey('round_applications.id', ondelete='CASCADE'), nullable=False),
        sa.Column('wish', sa.Integer(), nullable=False),
        sa.Column('space_id', sa.Integer(), sa.ForeignKey('spaces.id', ondelete='CASCADE'), nullable=False),
        sa.Column('weekday', sa.Integer(), nullable=False),
        sa.Column('start_minute', sa.Integer(), nullable=False),
        sa.Column('end_minute', sa.Integer(), nullable=False),
        sa.Column('locked', sa.Boolean(), nullable=False),
        sa.Column('series_id', sa.Integer(), sa.ForeignKey('booking_series.id', ondelete='SET NULL'), nullable=True),
        sa.Column('first_booking_id', sa.Integer(), nullable=True),
        sa.Column('published', sa.JSON(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index('ix_round_allocations_application_id', 'round_allocations', ['application_id'])
    op.create_index('ix_round_allocations_round_space', 'round_allocations', ['round_id', 'space_id', 'weekday'])


def downgrade():
    op.drop_table('round_allocations')
    op.drop_table('round_applications')
    op.drop_table('round_spaces')
    op.drop_table('rounds')
