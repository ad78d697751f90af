"""groups.name_key: a unique key of the group's name that is equal for names that look the same

(commons.text.name_digest: NFKC, case folding, invisible characters out, the UTS #39 skeleton).
Existing groups are keyed here. Where look-alike names exist already, the oldest group gets the key and
the later ones keep NULL (the index allows any number of NULLs): nothing is renamed or removed, and a
new group can no longer take any of those names. The ids left without a key are printed.

Revision ID: 0009
Revises: 0008
"""
from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    from commons.text import name_digest

    with op.batch_alter_table('groups', schema=None) as batch_op:
        batch_op.add_column(sa.Column('name_key', sa.String(length=64), nullable=True))

    conn = op.get_bind()
    groups = sa.table('groups', sa.column('id', sa.Integer), sa.column('name', sa.String), sa.column('name_key', sa.String))
    seen: dict[str, int] = {}
    unkeyed: list[tuple[int, int]] = []
    for group_id, name in conn.execute(sa.select(groups.c.id, groups.c.name).order_by(groups.c.id)):
        key = name_digest(name)
        if key in seen:
            unkeyed.append((group_id, seen[key]))
            continue
        seen[key] = group_id
        conn.execute(groups.update().where(groups.c.id == group_id).values(name_key=key))
    for group_id, first in unkeyed:
        print(f"groups.name_key: group {group_id} looks the same as group {first}; it keeps its name, without a key")

    with op.batch_alter_table('groups', schema=None) as batch_op:
        batch_op.create_unique_constraint(batch_op.f('uq_groups_name_key'), ['name_key'])


def downgrade():
    with op.batch_alter_table('groups', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_groups_name_key'), type_='unique')
        batch_op.drop_column('name_key')
