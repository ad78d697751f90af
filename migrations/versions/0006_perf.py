"""perf: a revision per calendar change stamp (the feed cache's key)

Revision ID: 0006
Revises: 0005
"""
import secrets
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('calendar_changes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('revision', sa.String(length=32), nullable=True))
    # Existing stamps get a revision now (later changes give new ones); "places" (every space and
    # facility, whose names are in every feed) starts here.
    changes = sa.table('calendar_changes', sa.column('scope', sa.String), sa.column('scope_id', sa.Integer),
                       sa.column('changed_at', sa.DateTime(timezone=True)), sa.column('revision', sa.String))
    op.execute(changes.update().values(revision=secrets.token_hex(12)))
    bind = op.get_bind()
    if bind.execute(sa.select(changes.c.scope).where(changes.c.scope == 'places')).first() is None:
        now = datetime.now(timezone.utc)
        op.execute(changes.insert().values(scope='places', scope_id=0, revision=secrets.token_hex(12),
                                           changed_at=now.replace(tzinfo=None) if bind.dialect.name == 'sqlite' else now))


def downgrade():
    op.execute("DELETE FROM calendar_changes WHERE scope = 'places'")
    with op.batch_alter_table('calendar_changes', schema=None) as batch_op:
        batch_op.drop_column('revision')
