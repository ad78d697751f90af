"""use it or free it: waiting lists, held offers (status "offered" holds time), check-in, release

Revision ID: 0014
Revises: 0013
"""
from alembic import op
import sqlalchemy as sa



revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

# The exclusion constraint counts an offer as holding its time (spaces.models.HOLDING_STATUSES).
EXCLUSION = """
ALTER TABLE bookings ADD CONSTRAINT ex_bookings_no_overlap
EXCLUDE USING gist (space_id WITH =, tstzrange(start_at, blocked_until, '[)') WITH &&)
WHERE (status IN ({statuses}))
"""


# ... and so do the claims of a family's smallest parts (0012_space_parts: booking_claims, kept by a trigger).
HOLDS_TIME = """
CREATE OR REPLACE FUNCTION booking_holds_time(status text) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$ SELECT status IN ({statuses}) $$
"""


def _exclusion(statuses):
    if op.get_bind().dialect.name == "postgresql":
        listed = ", ".join(f"'{s}'" for s in statuses)
        op.execute("ALTER TABLE bookings DROP CONSTRAINT IF EXISTS ex_bookings_no_overlap")
        op.execute(EXCLUSION.format(statuses=listed))
        op.execute(HOLDS_TIME.format(statuses=listed))


def upgrade():
    op.create_table('waitlist_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('space_id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('attendees', sa.Integer(), nullable=False),
    sa.Column('start_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('end_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['groups.id'], name=op.f('fk_waitlist_entries_group_id_groups'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['space_id'], ['spaces.id'], name=op.f('fk_waitlist_entries_space_id_spaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_waitlist_entries'))
    )
    with op.batch_alter_table('waitlist_entries', schema=None) as batch_op:
        batch_op.create_index('ix_waitlist_space_status', ['space_id', 'status', 'start_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_waitlist_entries_group_id'), ['group_id'], unique=False)
    with op.batch_alter_table('spaces', schema=None) as batch_op:
        batch_op.add_column(sa.Column('check_in_required', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('check_in_grace_minutes', sa.Integer(), server_default='15', nullable=False))
        batch_op.add_column(sa.Column('offer_hours', sa.Integer(), server_default='24', nullable=False))
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('offer_expires_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('checked_in_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('waitlist_entry_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_bookings_waitlist_entry_id_waitlist_entries'), 'waitlist_entries',
                                    ['waitlist_entry_id'], ['id'], ondelete='SET NULL')
    _exclusion(("pending", "confirmed", "offered"))


def downgrade():
    _exclusion(("pending", "confirmed"))
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_bookings_waitlist_entry_id_waitlist_entries'), type_='foreignkey')
        batch_op.drop_column('waitlist_entry_id')
        batch_op.drop_column('checked_in_at')
        batch_op.drop_column('offer_expires_at')
    with op.batch_alter_table('spaces', schema=None) as batch_op:
        batch_op.drop_column('offer_hours')
        batch_op.drop_column('check_in_grace_minutes')
        batch_op.drop_column('check_in_required')
    with op.batch_alter_table('waitlist_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_waitlist_entries_group_id'))
        batch_op.drop_index('ix_waitlist_space_status')
    op.drop_table('waitlist_entries')
