"""groups.name_key and groups.name_key_caps: unique keys of the group's name, equal for names that look the same

(commons.text.name_digests: NFKC, case folding or capitals, invisible characters out, the UTS #39 skeleton).
Existing groups are keyed here. Where look-alike names exist already, the oldest group gets the key and the
later ones keep NULL for it (a unique index allows any number of NULLs): nothing is renamed or removed, and a
new group can no longer take any of those names. The groups left without a key are printed.

Revision ID: 0009
Revises: 0008
"""
from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

KEYS = ('name_key', 'name_key_caps')


def upgrade():
    from commons.text import name_digests

    with op.batch_alter_table('groups', schema=None) as batch_op:
        for column in KEYS:
            batch_op.add_column(sa.Column(column, sa.String(length=64), nullable=True))

    conn = op.get_bind()
    groups = sa.table('groups', sa.column('id', sa.Integer), sa.column('name', sa.String),
                      *(sa.column(column, sa.String) for column in KEYS))
    seen: dict[tuple[str, str], int] = {}
    for group_id, name in conn.execute(sa.select(groups.c.id, groups.c.name).order_by(groups.c.id)).all():
        values = {}
        for column, key in zip(KEYS, name_digests(name)):
            first = seen.setdefault((column, key), group_id)
            if first == group_id:
                values[column] = key
            else:
                print(f"groups.{column}: group {group_id} looks the same as group {first}; it keeps its name, without this key")
        if values:
            conn.execute(groups.update().where(groups.c.id == group_id).values(**values))

    with op.batch_alter_table('groups', schema=None) as batch_op:
        for column in KEYS:
            batch_op.create_unique_constraint(batch_op.f(f'uq_groups_{column}'), [column])


def downgrade():
    with op.batch_alter_table('groups', schema=None) as batch_op:
        for column in KEYS:
            batch_op.drop_constraint(batch_op.f(f'uq_groups_{column}'), type_='unique')
            batch_op.drop_column(column)
