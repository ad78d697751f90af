"""spaces.part_of (a space made of parts) and, on PostgreSQL, booking_claims: each booking that holds
time claims it in the smallest parts ("leaves") its space covers, and an exclusion constraint over the
claims makes a double booking within a family (a hall, its halves, a court in a half) impossible

Revision ID: 0012
Revises: 0011
"""
from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


# Which statuses hold time: the same list as ex_bookings_no_overlap's WHERE (spaces.models.ACTIVE_STATUSES).
# A new status that holds time (e.g. an offer to a waiting list) must be added here too.
HOLDS = """
CREATE OR REPLACE FUNCTION booking_holds_time(status text) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$ SELECT status IN ('pending', 'confirmed') $$
"""

# The leaves below a space (itself when it has no parts).
LEAVES = """
CREATE OR REPLACE FUNCTION space_leaves(top integer) RETURNS TABLE (leaf integer)
LANGUAGE sql STABLE AS $$
    WITH RECURSIVE below(id) AS (
        SELECT top
        UNION
        SELECT s.id FROM spaces s JOIN below b ON s.part_of = b.id
    )
    SELECT b.id FROM below b WHERE NOT EXISTS (SELECT 1 FROM spaces c WHERE c.part_of = b.id)
$$
"""

# A booking's claims follow it in its own transaction: written when it is made, moved or changes
# status (whatever code path writes it); none while it holds no time.
SYNC = """
CREATE OR REPLACE FUNCTION booking_claims_sync() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM booking_claims WHERE booking_id = NEW.id;
    IF booking_holds_time(NEW.status) THEN
        INSERT INTO booking_claims (booking_id, leaf_space_id, period)
        SELECT NEW.id, l.leaf, tstzrange(NEW.start_at, NEW.blocked_until, '[)') FROM space_leaves(NEW.space_id) l;
    END IF;
    RETURN NULL;
END $$
"""

TRIGGER = """
CREATE TRIGGER tr_bookings_claims AFTER INSERT OR UPDATE OF space_id, start_at, blocked_until, status
ON bookings FOR EACH ROW EXECUTE FUNCTION booking_claims_sync()
"""

EXCLUSION = """
ALTER TABLE booking_claims ADD CONSTRAINT ex_booking_claims_no_overlap
EXCLUDE USING gist (leaf_space_id WITH =, period WITH &&)
"""


def upgrade():
    with op.batch_alter_table('spaces', schema=None) as batch_op:
        batch_op.add_column(sa.Column('part_of', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_spaces_part_of'), ['part_of'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_spaces_part_of_spaces'), 'spaces', ['part_of'], ['id'], ondelete='SET NULL')
    if op.get_bind().dialect.name != "postgresql":
        return  # SQLite: the serialised write transaction re-checks the whole family
    op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    op.execute("""
        CREATE TABLE booking_claims (
            booking_id integer NOT NULL REFERENCES bookings(id) ON DELETE CASCADE,
            leaf_space_id integer NOT NULL REFERENCES spaces(id) ON DELETE CASCADE,
            period tstzrange NOT NULL,
            PRIMARY KEY (booking_id, leaf_space_id)
        )
    """)
    op.execute(EXCLUSION)
    op.execute(HOLDS)
    op.execute(LEAVES)
    op.execute(SYNC)
    op.execute(TRIGGER)
    # Bookings already holding time claim it (each space has no parts yet: its own leaf).
    op.execute("""
        INSERT INTO booking_claims (booking_id, leaf_space_id, period)
        SELECT id, space_id, tstzrange(start_at, blocked_until, '[)') FROM bookings WHERE booking_holds_time(status)
    """)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS tr_bookings_claims ON bookings")
        op.execute("DROP TABLE IF EXISTS booking_claims")
        op.execute("DROP FUNCTION IF EXISTS booking_claims_sync()")
        op.execute("DROP FUNCTION IF EXISTS space_leaves(integer)")
        op.execute("DROP FUNCTION IF EXISTS booking_holds_time(text)")
    with op.batch_alter_table('spaces', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_spaces_part_of_spaces'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_spaces_part_of'))
        batch_op.drop_column('part_of')
