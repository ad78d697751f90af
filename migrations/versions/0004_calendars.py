"""calendars: personal feed tokens, calendar change stamps, a moved occurrence's original start

Revision ID: 0004
Revises: 0003
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('feed_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=True),
    sa.Column('slot', sa.String(length=80), nullable=False),
    sa.Column('seed', sa.String(length=64), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['groups.id'], name=op.f('fk_feed_tokens_group_id_groups'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_feed_tokens_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feed_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_feed_tokens_token_hash')),
    sa.UniqueConstraint('user_id', 'slot', name='uq_feed_tokens_user_id_slot')
    )
    with op.batch_alter_table('feed_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_feed_tokens_user_id'), ['user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_feed_tokens_group_id'), ['group_id'], unique=False)

    op.create_table('calendar_changes',
    sa.Column('scope', sa.String(length=20), nullable=False),
    sa.Column('scope_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('scope', 'scope_id', name=op.f('pk_calendar_changes'))
    )

    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('original_start', sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table('closures', schema=None) as batch_op:
        batch_op.create_index('ix_closures_space_source_uid', ['space_id', 'source_uid'], unique=False)


def downgrade():
    with op.batch_alter_table('closures', schema=None) as batch_op:
        batch_op.drop_index('ix_closures_space_source_uid')
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.drop_column('original_start')
    op.drop_table('calendar_changes')
    with op.batch_alter_table('feed_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_feed_tokens_group_id'))
        batch_op.drop_index(batch_op.f('ix_feed_tokens_user_id'))
    op.drop_table('feed_tokens')
